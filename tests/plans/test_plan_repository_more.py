"""Repository pieces the plan form calls: the plans a user may see (with their relation to each), the
accounts close to a name typed in chat, and plans locked while in review or approved."""

from __future__ import annotations

import pytest

from bot.plans.directory import import_accounts, import_people
from bot.plans.repository import PlanLocked
from tests.plans.test_plan_access import PEOPLE

ACCOUNTS = """name,owner_slack_id,team_slack_ids
ACME Bank,UOWNER,UTEAM
Globex,UOUT,
华为技术,UOWNER,
Initech,UMGR3,
"""


@pytest.fixture
def portfolio(db, plans):
    import_people(db, PEOPLE)
    import_accounts(db, ACCOUNTS)
    for owner, account in (("UOWNER", "ACME Bank"), ("UOUT", "Globex"), ("UOWNER", "华为技术")):
        assert plans.open_for_edit(owner, account).created
    return plans


CASES = [
    ("UOWNER", {"ACME Bank": "owner", "华为技术": "owner"}),
    ("UTEAM", {"ACME Bank": "team"}),
    ("UMGR", {"ACME Bank": "manager", "华为技术": "manager"}),  # manages the owner
    ("UBOSS", {"ACME Bank": "manager", "华为技术": "manager"}),  # up the chain
    ("UMGR2", {"ACME Bank": "manager"}),  # manages a team member
    ("UMGR3", {"Globex": "manager"}),  # manages Globex's owner; Initech has no plan
    ("UADMIN", {"ACME Bank": "admin", "Globex": "admin", "华为技术": "admin"}),
    ("UADMINENV", {"ACME Bank": "admin", "Globex": "admin", "华为技术": "admin"}),
    ("UNKNOWN", {}),
]


@pytest.mark.parametrize(("user", "expected"), CASES)
def test_plans_visible_to_each_user_with_their_relation(portfolio, user, expected) -> None:
    visible = portfolio.plans_visible_to(user)
    assert {plan.account_name: plan.relation for plan in visible} == expected
    assert [plan.account_name for plan in visible] == sorted(expected, key=lambda n: (n.casefold(), n))


def test_plan_list_uses_the_same_function(portfolio, database_url, tmp_path) -> None:
    import json

    from tests.conftest import run_in_process

    result = run_in_process(
        ("plan", "list", "--json", "--user", "UMGR"), data_dir=tmp_path, DATABASE_URL=database_url
    )
    assert result.returncode == 0, result.stderr
    plans = json.loads(result.stdout)["plans"]
    assert [(p["account"], p["relation"]) for p in plans] == [
        ("ACME Bank", "manager"),
        ("华为技术", "manager"),
    ]


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ("acme bank", [("ACME Bank", "exact")]),
        ("ACME", [("ACME Bank", "contains")]),
        ("华为", [("华为技术", "contains")]),
        ("华为技术有限公司", [("华为技术", "contains")]),
        ("Acme Bnak", [("ACME Bank", "similar")]),
        ("Globx", [("Globex", "similar")]),
        ("Umbrella", []),
        ("", []),
    ],
)
def test_close_accounts(db, plans, query, expected) -> None:
    import_accounts(db, ACCOUNTS)
    assert [(m.name, m.match) for m in plans.account_matches(query)] == expected


def test_close_accounts_best_first_and_at_most_five(db, plans) -> None:
    names = [
        "ACME Bank",
        "ACME Bank Group",
        "ACME Insurance",
        "ACME Leasing",
        "ACME Cloud",
        "ACME Labs",
        "Acne",
    ]
    import_accounts(db, "name\n" + "\n".join(names) + "\n")
    matches = plans.account_matches("ACME")
    # names holding the query before merely similar ones ("Acne"); closer in length first, then by name
    assert [m.name for m in matches] == [
        "ACME Bank",
        "ACME Labs",
        "ACME Cloud",
        "ACME Leasing",
        "ACME Bank Group",
    ]
    assert all(m.match == "contains" for m in matches)
    scores = [m.score for m in matches]
    assert scores == sorted(scores, reverse=True) and all(0 < s <= 1 for s in scores)
    assert [(m.name, m.match) for m in plans.account_matches("acme bank")] == [("ACME Bank", "exact")]
    assert [(m.name, m.match) for m in plans.account_matches("Acn")] == [("Acne", "contains")]
    assert plans.close_accounts("ACME", limit=2) == ["ACME Bank", "ACME Labs"]  # the names, for the plan form


def test_a_plan_in_review_or_approved_refuses_edits(db, plans, portfolio) -> None:
    plan = plans.open_for_edit("UOWNER", "ACME Bank").plan
    plans.apply(plan.id, "UTEAM", "customer.industry", "answer", value="Banking")
    record, _ = plans.set_status(plan.id, "UOWNER", "in_review")
    assert record.status == "in_review"
    for user in ("UOWNER", "UTEAM"):
        with pytest.raises(PlanLocked) as locked:
            plans.apply(plan.id, user, "customer.industry", "answer", value="Retail")
        assert (locked.value.plan_id, locked.value.status) == (plan.id, "in_review")
    with pytest.raises(PlanLocked):  # the team cannot take it back out of review either
        plans.set_status(plan.id, "UOWNER", "draft")
    assert plans.load(plan.id).plan.customer.industry == "Banking"  # nothing changed
    # an approver may change the status: send it back for changes, then approve it
    record, decision = plans.set_status(plan.id, "UMGR", "draft")
    assert record.status == "draft" and decision.reason == "manager"
    plans.apply(plan.id, "UOWNER", "customer.industry", "answer", value="Retail")
    plans.set_status(plan.id, "UOWNER", "in_review")
    record, _ = plans.set_status(plan.id, "UADMIN", "approved")
    assert record.status == "approved"
    with pytest.raises(PlanLocked) as locked:
        plans.apply(plan.id, "UOWNER", "customer.industry", "answer", value="Insurance")
    assert locked.value.status == "approved"
    assert plans.load(plan.id).plan.customer.industry == "Retail"
