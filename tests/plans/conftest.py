"""Fixtures for the plan tests: a real database (SQLite and PostgreSQL), the plan services, and the real
Coach as `bot.app.assemble_coach` wires it."""

from __future__ import annotations

from datetime import date

import pytest

TODAY = date(2026, 11, 27)  # a Friday


@pytest.fixture
def plans(db):
    from bot.plans.repository import PlanRepository

    return PlanRepository(db, admin_ids={"UADMINENV"}, today=lambda: TODAY)


@pytest.fixture
def wired_coach(settings, index, db):
    """The real Coach as the composition root builds it (real retrieval for side questions), on this test's
    database, with today fixed."""
    from bot.app import assemble_coach

    return assemble_coach(settings, index=index, db=db, today=lambda: TODAY)
