"""Who may see and edit a plan: owner, account team, managers up the chain, admins; everyone else is
refused, and every attempt is logged. On SQLite and PostgreSQL."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from bot.plans.directory import import_accounts, import_people
from bot.store.models import AccessLog

PEOPLE = """slack_id,name,email,manager_slack_id,team,is_admin
UBOSS,Grace,grace@example.com,,Leadership,false
UMGR,Diego,diego@example.com,UBOSS,East,false
UOWNER,Ann,ann@example.com,UMGR,East,false
UTEAM,Ben,ben@example.com,UMGR2,East,false
UMGR2,Mia,mia@example.com,,East,false
UOUT,Olga,olga@example.com,UMGR3,West,false
UMGR3,Wei,wei@example.com,,West,false
UADMIN,Root,root@example.com,,IT,true
"""
ACCOUNTS = """name,industry,owner_slack_id,crm_id,team_slack_ids,profit_contribution,cost_to_serve
ACME,Banking,UOWNER,C1,UTEAM,1.2m,300k
"""


@pytest.fixture
def acme(db, plans):
    import_people(db, PEOPLE)
    import_accounts(db, ACCOUNTS)
    opened = plans.open_for_edit("UOWNER", "ACME")
    assert opened.plan is not None and opened.created
    return opened.plan


CASES = [
    ("UOWNER", True, True, "owner"),
    ("UTEAM", True, True, "team"),
    ("UMGR", True, False, "manager"),  # the owner's manager
    ("UBOSS", True, False, "manager"),  # the manager's manager
    ("UMGR2", True, False, "manager"),  # a team member's manager
    ("UOUT", False, False, "outsider"),
    ("UMGR3", False, False, "outsider"),  # a manager, but of nobody on this account
    ("UADMIN", True, False, "admin"),  # people.is_admin
    ("UADMINENV", True, False, "admin"),  # KAM_ADMINS
    ("UNKNOWN", False, False, "outsider"),
]


def test_who_may_view_and_edit(db, plans, acme) -> None:
    for user, can_view, can_edit, reason in CASES:
        case = f"{user}: view={can_view} edit={can_edit} ({reason})"
        viewed = plans.latest_for_account(user, "acme")
        assert (viewed.plan is not None) == can_view, case
        assert viewed.decision.reason == reason, case
        edited = plans.open_for_edit(user, "ACME")
        assert (edited.plan is not None) == can_edit, case
        if can_edit:  # one plan per account, shared with the team
            assert edited.plan.id == acme.id and not edited.created, case
        visible = {p.account_name for p in plans.visible_to(user)}
        assert visible == ({"ACME"} if can_view else set()), case
        with db.session() as session:
            log = session.scalars(
                select(AccessLog).where(AccessLog.user_id == user).order_by(AccessLog.id)
            ).all()
        assert [(row.action, row.allowed) for row in log][-2:] == [("view", can_view), ("edit", can_edit)], (
            case
        )
        assert all(row.account_id == acme.account_id for row in log), case


def test_refusals_are_logged_as_warnings(plans, acme, caplog) -> None:
    with caplog.at_level("WARNING", logger="bot.plans.access"):
        plans.latest_for_account("UOUT", "ACME")
    assert "refused" in caplog.text and "UOUT" in caplog.text


def test_only_managers_and_admins_approve(plans, acme) -> None:
    record, decision = plans.set_status(acme.id, "UOWNER", "approved")
    assert record is None and not decision.allowed
    record, decision = plans.set_status(acme.id, "UOWNER", "in_review")
    assert record.status == "in_review"
    record, decision = plans.set_status(acme.id, "UMGR", "approved")
    assert record.status == "approved" and decision.reason == "manager"
    # an approved plan is history: the next start opens a new draft
    reopened = plans.open_for_edit("UOWNER", "ACME")
    assert reopened.created and reopened.plan.id != acme.id


def test_tiering_reads_an_accounts_latest_approved_plan(db, plans) -> None:
    # ACME has two approved plans and no open one: its value is the newer plan's (it was the oldest's).
    import_people(db, PEOPLE)
    import_accounts(db, "name,owner_slack_id\nACME,UOWNER\nGlobex,UOWNER\n")
    for profit in (100.0, 1000.0):
        plan = plans.open_for_edit("UOWNER", "ACME").plan
        plans.apply(plan.id, "UOWNER", "value.profit_contribution", "answer", value=profit)
        plans.set_status(plan.id, "UOWNER", "in_review")
        approved, _ = plans.set_status(plan.id, "UMGR", "approved")
        assert approved is not None and approved.status == "approved"
    globex = plans.open_for_edit("UOWNER", "Globex").plan
    globex = plans.apply(globex.id, "UOWNER", "value.profit_contribution", "answer", value=500.0)
    assert globex.plan.value.tier == "important"  # behind ACME's 1,000 (it was key, ahead of the old 100)


def test_a_refused_edit_is_logged_with_the_real_relation(db, plans, acme) -> None:
    # A manager's refused edit was logged as "outsider", hiding who tried.
    for user, relation in [
        ("UMGR", "manager"),
        ("UBOSS", "manager"),
        ("UADMIN", "admin"),
        ("UOUT", "outsider"),
    ]:
        refused = plans.open_for_edit(user, "ACME")
        assert refused.plan is None and refused.decision.reason == relation, user
    with db.session() as session:
        rows = session.scalars(
            select(AccessLog)
            .where(AccessLog.action == "edit", AccessLog.allowed.is_(False))
            .order_by(AccessLog.id)
        ).all()
        assert [(row.user_id, row.reason) for row in rows] == [
            ("UMGR", "manager"),
            ("UBOSS", "manager"),
            ("UADMIN", "admin"),
            ("UOUT", "outsider"),
        ]
