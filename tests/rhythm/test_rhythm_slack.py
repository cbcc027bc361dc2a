"""Delivery over real HTTP to a Slack Web API stand-in: reminders as DMs with their buttons, digests with
approve/reject buttons and the chart uploaded in their thread, and Slack failing (500, 429) then recovering:
the reminder stays unsent, then goes out exactly once."""

from __future__ import annotations

from datetime import date

import pytest
from sqlalchemy import select

from bot.plans.directory import import_accounts
from bot.plans.repository import PlanRepository
from bot.rhythm.slack_blocks import APPROVE, DONE, OPEN_PLAN, REJECT, SNOOZE_WEEK
from bot.rhythm.slack_delivery import SlackDelivery, web_client
from bot.store.escalation_store import EscalationStore
from bot.store.rhythm_tables import ReminderDelivery
from tests.rhythm.conftest import at
from tests.rhythm.slack_standin import SlackStandIn


@pytest.fixture
def slack():
    with SlackStandIn() as standin:
        yield standin


@pytest.fixture
def slack_rhythm(team, make_rhythm, slack):
    def make(**settings: str):
        probe = make_rhythm(**settings)
        delivery = SlackDelivery(web_client("xoxb-test", slack.api_url, retries=1), probe.wording)
        return make_rhythm(delivery=delivery, **settings)

    return make


def element_ids(blocks) -> list[tuple[str, str]]:
    return [(e["action_id"], e["value"]) for b in blocks if b["type"] == "actions" for e in b["elements"]]


# What goes over HTTP does not depend on the database: these two run on SQLite only.
@pytest.mark.parametrize("database_kind", ["sqlite"], indirect=True)
def test_a_reminder_is_a_dm_with_done_snooze_and_open_plan(slack_rhythm, slack) -> None:
    rhythm = slack_rhythm(KAM_PLAN_URL="https://crm.example.com/plans/{plan_id}")
    import_accounts(rhythm.db, "name,owner_slack_id,profit_contribution\nACME,U0AM01,1m\n")
    plans = PlanRepository(rhythm.db)
    plan = plans.open_for_edit("U0AM01", "ACME").plan
    plans.apply(
        plan.id, "U0AM01", "review.start_date", "answer", raw_text="2027-01-04", value=date(2027, 1, 4)
    )
    result = rhythm.sweep.run(at("2027-02-22T01:00:00Z"))  # 7 days before the plan checkpoint, 09:00 Shanghai
    (message,) = result.sent
    assert (
        message.title == "plan checkpoint (week 8)"
        and message.plan_link == f"https://crm.example.com/plans/{plan.id}"
    )
    assert slack.ok_calls("conversations.open") == [{"users": "U0AM01"}]
    (posted,) = slack.ok_calls("chat.postMessage")
    assert posted["channel"] == "DU0AM01" and posted["text"] == message.text
    assert element_ids(posted["blocks"]) == [
        (DONE, str(message.milestone_id)),
        (SNOOZE_WEEK, str(message.milestone_id)),
        (OPEN_PLAN, str(plan.id)),
    ]
    assert posted["blocks"][1]["elements"][2]["url"] == message.plan_link


@pytest.mark.parametrize(("status", "headers"), [(500, {}), (429, {"Retry-After": "0"})])
def test_slack_failing_leaves_the_reminder_unsent_then_it_goes_once(
    slack_rhythm, slack, status, headers
) -> None:
    rhythm = slack_rhythm()
    milestone = rhythm.service.add_milestone(
        account="ACME", owner="U0AM01", due=date(2027, 3, 10), title="Renewal"
    ).id
    # The first try and the client's one retry both fail.
    slack.fail("chat.postMessage", status, times=2, headers=headers)
    first = rhythm.sweep.run(at("2027-03-03T01:00:00Z"))
    assert first.sent == [] and first.failed == 1
    assert [c.status for c in slack.calls if c.method == "chat.postMessage"] == [status, status]
    with rhythm.db.session() as session:
        row = session.scalar(select(ReminderDelivery).where(ReminderDelivery.kind == "7_days"))
        error = "ratelimited" if status == 429 else "fatal_error"
        assert (row.state, row.sent_at) == ("failed", None)
        assert row.last_error == f"DeliveryFailed: Slack refused (HTTP {status}): {error}"
    assert rhythm.sweep.run(at("2027-03-03T01:00:30Z")).sent == []  # backing off
    second = rhythm.sweep.run(at("2027-03-03T01:01:00Z"))
    assert [(m.milestone_id, m.reminder) for m in second.sent] == [(milestone, "7_days")]
    assert rhythm.sweep.run(at("2027-03-03T02:00:00Z")).sent == []
    assert len(slack.ok_calls("chat.postMessage")) == 1


@pytest.mark.parametrize("database_kind", ["sqlite"], indirect=True)
def test_a_digest_is_a_dm_with_decision_buttons_and_its_chart(slack_rhythm, slack) -> None:
    rhythm = slack_rhythm()
    escalation = EscalationStore(rhythm.db).record(requested_by="U0AM02", deal_label="WAN at 85")
    result = rhythm.digests.run(at("2027-03-08T14:00:00Z"))  # Monday 09:00 in New York
    assert ("U0MGR1", "2027-W10") in result.sent
    posts = {p["channel"]: p for p in slack.ok_calls("chat.postMessage")}
    digest = posts["DU0MGR1"]
    assert digest["text"] == "Weekly digest for Diego Alvarez, week 2027-W10"
    assert element_ids(digest["blocks"]) == [(APPROVE, str(escalation.id)), (REJECT, str(escalation.id))]
    completions = slack.ok_calls("files.completeUploadExternal")
    mine = [c for c in completions if c["channel_id"] == "DU0MGR1"]
    assert len(mine) == 1 and mine[0]["thread_ts"] == slack_ts(slack, "DU0MGR1")
    assert all(body.startswith(b"\x89PNG") for body in slack.uploads.values())
    assert len(slack.uploads) == len(completions) == len(result.sent)


def slack_ts(slack: SlackStandIn, channel: str) -> str:
    """The ts the stand-in gave the digest message in ``channel``."""
    posts = [c for c in slack.calls if c.method == "chat.postMessage" and c.args.get("channel") == channel]
    index = slack.calls.index(posts[0])
    return f"1800000000.{index + 1:06d}"
