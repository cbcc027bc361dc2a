"""`accounts import` and `people import` (bot/plans/directory.py): what a re-import keeps, what it
reports, and how it reads the file."""

from __future__ import annotations

import pytest

from bot.plans.directory import ImportProblem, import_accounts


def test_an_unclosed_quote_is_named_with_its_line(db) -> None:
    with pytest.raises(ImportProblem, match=r"^a quote opened on line 2 is never closed"):
        import_accounts(db, 'name,industry\n"ACME Bank,Banking\nGlobex,Retail\n')


FULL = (
    "name,industry,owner_slack_id,crm_id,team_slack_ids,profit_contribution,region,segment\n"
    "ACME Bank,Banking,U0AM01,C-1,U0SE01;U0SE02,1.2m,East,Enterprise\n"
)


def _account(db, name: str = "acme bank"):
    from sqlalchemy import select

    from bot.store.models import Account, account_key

    with db.session() as session:
        account = session.scalar(select(Account).where(Account.name_key == account_key(name)))
        assert account is not None
        team = sorted(member.person_id for member in account.members)
        return account, team


def test_a_narrower_reimport_changes_only_its_columns_and_keeps_the_stored_name(db) -> None:
    import_accounts(db, FULL)
    result = import_accounts(db, "name,profit_contribution,region\nacme bank,1.5m,North\n")
    assert (result.created, result.updated) == (0, 1)
    account, team = _account(db)
    assert account.name == "ACME Bank"  # the file's casing alone does not rename it
    assert account.profit_contribution == 1_500_000
    assert account.extra == {"region": "North", "segment": "Enterprise"}  # merged, not replaced
    assert (account.industry, account.owner_id, account.crm_id) == ("Banking", "U0AM01", "C-1")
    assert team == ["U0SE01", "U0SE02"]


def test_empty_cells_keep_what_is_stored(db) -> None:
    import_accounts(db, FULL)
    import_accounts(db, "name,industry,team_slack_ids,segment\nACME BANK,,,\n")
    account, team = _account(db)
    assert (account.name, account.industry, account.extra["segment"]) == (
        "ACME Bank",
        "Banking",
        "Enterprise",
    )
    assert team == ["U0SE01", "U0SE02"]


def test_a_real_rename_by_crm_id_takes_the_new_name(db) -> None:
    import_accounts(db, FULL)
    import_accounts(db, "name,crm_id\nACME Bank Group,C-1\n")
    account, _team = _account(db, "ACME Bank Group")
    assert account.name == "ACME Bank Group" and account.extra == {"region": "East", "segment": "Enterprise"}
    import_accounts(db, "name,crm_id\nacme bank group,C-1\n")  # by crm_id, a change of case only
    assert _account(db, "ACME Bank Group")[0].name == "ACME Bank Group"


def test_a_new_team_list_replaces_the_team(db) -> None:
    import_accounts(db, FULL)
    import_accounts(db, "name,team_slack_ids\nACME Bank,U0SE02;U0SE03\n")
    assert _account(db)[1] == ["U0SE02", "U0SE03"]


PEOPLE = "slack_id,name\nU0AM01,Ann Lee\nU0SE01,Chen Jing\n"
WITH_STRANGERS = (
    "name,owner_slack_id,team_slack_ids\n"
    "ACME Bank,U0AM01,U0SE01\n"
    "Globex,U0NOBODY,U0SE01;U0GHOST\n"
    "Initech,,U0GHOST\n"
)


def test_unknown_owner_and_team_ids_are_warnings_naming_line_and_id(db) -> None:
    from bot.plans.directory import import_people

    import_people(db, PEOPLE)
    result = import_accounts(db, WITH_STRANGERS)
    assert (result.created, result.updated) == (3, 0)  # kept: the people may be imported later
    assert [(w.line, w.column, w.id) for w in result.warnings] == [
        (3, "owner_slack_id", "U0NOBODY"),
        (3, "team_slack_ids", "U0GHOST"),
        (4, "team_slack_ids", "U0GHOST"),
    ]
    import_people(db, PEOPLE + "U0NOBODY,Nobody\nU0GHOST,Ghost\n")
    assert import_accounts(db, WITH_STRANGERS).warnings == ()
