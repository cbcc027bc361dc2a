"""`accounts import` and `people import` (bot/plans/directory.py): what a re-import keeps, what it
reports, and how it reads the file."""

from __future__ import annotations

import pytest

from bot.plans.directory import ImportProblem, import_accounts


def test_an_unclosed_quote_is_named_with_its_line(db) -> None:
    with pytest.raises(ImportProblem, match=r"^a quote opened on line 2 is never closed"):
        import_accounts(db, 'name,industry\n"ACME Bank,Banking\nGlobex,Retail\n')
