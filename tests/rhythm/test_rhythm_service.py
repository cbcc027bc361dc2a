"""Who may mark done, snooze and decide escalations (the functions Slack's buttons and chat call), on SQLite
and PostgreSQL, with clear refusals."""

from __future__ import annotations

from datetime import date

import pytest
from sqlalchemy import select

from bot.rhythm.service import InvalidRequest, NotAllowed
from bot.store.escalation_store import EscalationStore
from bot.store.rhythm_tables import EscalationDecision


@pytest.fixture
def milestone(team, rhythm) -> int:
    return rhythm.service.add_milestone(
        account="ACME", owner="U0SE01", due=date(2027, 3, 10), title="Pilot"
    ).id


CASES = [
    ("U0SE01", True),  # the owner
    ("U0AM01", True),  # the owner's manager
    ("U0MGR1", True),  # and up the chain
    ("U0HEAD", True),  # people.is_admin (and top of the chain)
    ("UADMINENV", True),  # KAM_ADMINS
    (None, True),  # the operator at the terminal
    ("U0AM02", False),  # a colleague
    ("U0MGR2", False),  # another team's manager
    ("U0OUT", False),
]


def test_who_may_mark_done(team, make_rhythm) -> None:
    rhythm = make_rhythm(KAM_ADMINS="UADMINENV")
    for user, allowed in CASES:
        milestone = rhythm.service.add_milestone(
            account="ACME", owner="U0SE01", due=date(2027, 3, 10), title=str(user)
        )
        if allowed:
            assert rhythm.service.mark_done(milestone.id, user).state == "done", user
            continue
        with pytest.raises(NotAllowed, match=r"may not mark done milestone \d+: only its owner \(U0SE01\)"):
            rhythm.service.mark_done(milestone.id, user)
        assert rhythm.service.list_milestones(states=("open",))[-1].id == milestone.id, user


def test_snooze_checks_the_user_and_the_date(rhythm, milestone, clock) -> None:
    with pytest.raises(NotAllowed):
        rhythm.service.snooze(milestone, date(2027, 3, 17), "U0AM02")
    with pytest.raises(InvalidRequest, match=r"until: 2026-11-30 is not after today \(2026-11-30\)"):
        rhythm.service.snooze(milestone, date(2026, 11, 30), "U0SE01")
    view = rhythm.service.snooze(milestone, date(2027, 3, 17), "U0AM01")
    assert (view.state, view.snoozed_until) == ("snoozed", date(2027, 3, 17))
    rhythm.service.mark_done(milestone, "U0SE01")
    with pytest.raises(InvalidRequest, match="is done; only open ones snooze"):
        rhythm.service.snooze(milestone, date(2027, 3, 20), "U0SE01")
    assert rhythm.service.mark_done(milestone, "U0SE01").state == "done"  # done twice is still done
    with pytest.raises(InvalidRequest, match="no milestone 999"):
        rhythm.service.mark_done(999, "U0SE01")


def test_add_refuses_empty_fields(rhythm) -> None:
    with pytest.raises(InvalidRequest, match="title: must not be empty"):
        rhythm.service.add_milestone(account="ACME", owner="U0AM01", due=date(2027, 1, 1), title="  ")
    with pytest.raises(InvalidRequest, match="owner: must not be empty"):
        rhythm.service.add_milestone(account="ACME", owner="", due=date(2027, 1, 1), title="x")


def test_escalations_are_decided_once_by_a_manager_of_whoever_raised_them(team, rhythm) -> None:
    escalation = EscalationStore(rhythm.db).record(requested_by="U0AM01", deal_label="ACME WAN renewal")
    with pytest.raises(NotAllowed, match="only the managers of U0AM01 or an admin may"):
        rhythm.service.decide_escalation(escalation.id, "U0MGR2", approve=True)
    with pytest.raises(NotAllowed):
        rhythm.service.decide_escalation(escalation.id, "U0AM01", approve=True)  # not one's own
    decided = rhythm.service.decide_escalation(escalation.id, "U0MGR1", approve=False)
    assert (decided.decision, decided.decided_by) == ("rejected", "U0MGR1")
    with pytest.raises(InvalidRequest, match=r"was already rejected by U0MGR1 on 2026-11-30"):
        rhythm.service.decide_escalation(escalation.id, "U0HEAD", approve=True)
    with rhythm.db.session() as session:
        rows = session.scalars(select(EscalationDecision)).all()
        assert [(r.escalation_id, r.decision, r.decided_by) for r in rows] == [
            (escalation.id, "rejected", "U0MGR1")
        ]
    assert EscalationStore(rhythm.db).list_all()[0].seen_by_manager
    with pytest.raises(InvalidRequest, match="no escalation 42"):
        rhythm.service.decide_escalation(42, "U0MGR1", approve=True)
