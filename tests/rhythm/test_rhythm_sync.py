"""Milestones made from plans as they are written (PlanRepository.apply), on SQLite and PostgreSQL: review
events once the plan has a tier and a start date, moved (not duplicated) when the start date changes,
cancelled when the tier drops them; implementation activities with their owners."""

from __future__ import annotations

from datetime import date

import pytest

from bot.plans.directory import import_accounts
from bot.plans.repository import PlanRepository

ACCOUNTS = """name,industry,owner_slack_id,crm_id,team_slack_ids,profit_contribution,cost_to_serve
ACME,Banking,U0AM01,C1,U0SE01,1.2m,300k
Globex,Retail,U0AM02,C2,,100k,20k
Initech,Software,U0AM02,C3,,900k,100k
"""


@pytest.fixture
def acme_plan(team, rhythm):
    import_accounts(rhythm.db, ACCOUNTS)
    plans = PlanRepository(rhythm.db)
    opened = plans.open_for_edit("U0AM01", "ACME")
    assert opened.plan is not None and opened.plan.plan.value.tier == "key"
    return plans, opened.plan.id


def schedule(rhythm, account: str = "ACME") -> list[tuple[str, date, str]]:
    return [
        (m.kind, m.due, m.state)
        for m in rhythm.service.list_milestones(
            account=account, states=("open", "snoozed", "done", "cancelled")
        )
        if m.source == "schedule"
    ]


def test_review_events_become_milestones_and_follow_the_start_date(acme_plan, rhythm) -> None:
    plans, plan_id = acme_plan
    assert schedule(rhythm) == []  # no start date yet
    plans.apply(
        plan_id, "U0AM01", "review.start_date", "answer", raw_text="2027-01-04", value=date(2027, 1, 4)
    )
    first = rhythm.service.list_milestones(account="ACME")
    assert [(m.kind, m.due) for m in first] == [
        ("plan_checkpoint", date(2027, 3, 1)),
        ("plan_due", date(2027, 3, 29)),
        ("quarterly_review", date(2027, 4, 5)),
        ("progress_report", date(2027, 7, 5)),
        ("quarterly_review", date(2027, 7, 5)),
        ("quarterly_review", date(2027, 10, 4)),
        ("progress_report", date(2028, 1, 4)),
        ("quarterly_review", date(2028, 1, 4)),
    ]
    assert {m.owner for m in first} == {"U0AM01"} and {m.plan_id for m in first} == {plan_id}
    assert first[0].title == "plan checkpoint (week 8)"  # the review event's name
    ids = [m.id for m in first]
    plans.apply(
        plan_id, "U0AM01", "review.start_date", "answer", raw_text="2027-02-01", value=date(2027, 2, 1)
    )
    moved = rhythm.service.list_milestones(account="ACME")
    assert [m.id for m in moved] == ids  # the same rows, new dates
    assert moved[0].due == date(2027, 3, 29)
    plans.apply(plan_id, "U0AM01", "customer.industry", "answer", raw_text="Banking", value="Banking")
    assert [
        m.id for m in rhythm.service.list_milestones(account="ACME")
    ] == ids  # unrelated answer: no change


def test_a_lower_tier_cancels_the_reviews_it_no_longer_has(acme_plan, rhythm) -> None:
    plans, plan_id = acme_plan
    plans.apply(
        plan_id, "U0AM01", "review.start_date", "answer", raw_text="2027-01-04", value=date(2027, 1, 4)
    )
    # ACME's contribution falls below Initech's: it drops out of the key tier.
    plans.apply(plan_id, "U0AM01", "value.profit_contribution", "answer", raw_text="150k", value=150_000)
    kinds = {(kind, state) for kind, _, state in schedule(rhythm)}
    assert ("quarterly_review", "cancelled") in kinds and ("quarterly_review", "open") not in kinds
    assert ("plan_due", "open") in kinds
    assert any(
        kind in ("annual_review", "annual_collective_review") and state == "open" for kind, state in kinds
    )


def test_activities_become_milestones_of_their_owners(acme_plan, rhythm) -> None:
    plans, plan_id = acme_plan
    activities = [
        {"activity": "Run SD-WAN pilot", "owner": {"id": "U0SE01", "name": "Chen Jing"}, "due": "2027-03-31"},
        {"activity": "Cloud workshop", "owner": {"name": "ben okafor"}, "due": "2027-02-26"},
        {"activity": "Lunch with the CIO", "owner": {"name": "Li Wei (CIO)"}, "due": "2027-02-10"},
    ]
    plans.apply(plan_id, "U0AM01", "implementation.activities", "answer", raw_text="…", value=activities)
    made = {m.title: m for m in rhythm.service.list_milestones(account="ACME") if m.source == "activity"}
    assert {title: (m.owner, m.due) for title, m in made.items()} == {
        "Run SD-WAN pilot": ("U0SE01", date(2027, 3, 31)),
        "Cloud workshop": ("U0AM02", date(2027, 2, 26)),  # found by name in the people directory
        "Lunch with the CIO": ("U0AM01", date(2027, 2, 10)),  # a customer contact: the plan owner follows up
    }
    plans.apply(plan_id, "U0AM01", "implementation.activities", "answer", raw_text="…", value=activities[:1])
    states = {
        m.title: m.state for m in rhythm.service.list_milestones(account="ACME", states=("open", "cancelled"))
    }
    assert states == {
        "Run SD-WAN pilot": "open",
        "Cloud workshop": "cancelled",
        "Lunch with the CIO": "cancelled",
    }
    rhythm.service.mark_done(made["Run SD-WAN pilot"].id, "U0SE01")
    plans.apply(plan_id, "U0AM01", "implementation.activities", "answer", raw_text="…", value=[])
    done = rhythm.service.list_milestones(account="ACME", states=("done",))
    assert [m.title for m in done] == ["Run SD-WAN pilot"]  # done stays done
