"""Buttons on reminders and digests (sent by ``bot.rhythm``): mark a milestone done, snooze it a week,
open its plan, approve or reject an escalated deal. Each acknowledges and queues; the decisions and their
access rules are ``bot.rhythm.service.RhythmService``'s."""

from __future__ import annotations

from typing import Any

from slack_bolt import Ack, App

from bot.rhythm.slack_blocks import APPROVE, DONE, OPEN_PLAN, REJECT, SNOOZE_WEEK
from bot.slack.deps import SlackDeps
from bot.slack.interactions import Interactions
from bot.slack.places import Place


def register(app: App, deps: SlackDeps) -> None:
    work = Interactions(deps)
    jobs = {
        DONE: work.milestone_done,
        SNOOZE_WEEK: work.milestone_snooze_week,
        OPEN_PLAN: work.open_plan,
        APPROVE: lambda body: work.decide_escalation(body, approve=True),
        REJECT: lambda body: work.decide_escalation(body, approve=False),
    }
    for action_id, job in jobs.items():
        app.action(action_id)(_queued(deps, job))


def _queued(deps: SlackDeps, job):
    def on_click(ack: Ack, body: dict[str, Any]) -> None:
        ack()
        user = str((body.get("user") or {}).get("id") or "")
        channel = str((body.get("channel") or {}).get("id") or user)
        deps.runner.run_later(lambda: job(body), Place(user=user, channel=channel))

    return on_click
