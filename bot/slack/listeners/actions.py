"""Clicks: a form's choice buttons and selects (answers), next-step buttons (commands), thumbs up/down,
and the plan's editor, export and open buttons. Each acknowledges and queues; the work is in
``bot.slack.interactions``."""

from __future__ import annotations

import logging
import re
from typing import Any

from slack_bolt import Ack, App

from bot.slack.deps import SlackDeps
from bot.slack.inbound import BadPayload, click
from bot.slack.interactions import Interactions
from bot.slack.places import Place
from bot.slack.views.refs import (
    ANSWER_ACTION,
    ANSWER_SELECT_ACTION,
    COMMAND_ACTION,
    ESCALATION_SEEN_ACTION,
    FEEDBACK_ACTION,
    HOME_PRICE_ACTION,
    HOME_START_PLAN_ACTION,
    PLAN_EDIT_ACTION,
    PLAN_EXPORT_ACTION,
    PLAN_OPEN_ACTION,
)
from bot.slack.worker import Priority

log = logging.getLogger(__name__)


def _prefix(action_id: str) -> re.Pattern[str]:
    return re.compile(rf"^{re.escape(action_id)}(:.*)?$")


def register(app: App, deps: SlackDeps) -> None:
    work = Interactions(deps)
    runner = deps.runner

    def queue(body: dict[str, Any], job, priority: Priority = Priority.NORMAL) -> None:
        user = str((body.get("user") or {}).get("id") or "")
        channel = str(
            (body.get("channel") or {}).get("id") or (body.get("container") or {}).get("channel_id") or ""
        )
        place = Place(user=user, channel=channel or user)
        runner.run_later(lambda: job(body), place, priority)

    @app.action(_prefix(ANSWER_ACTION))
    @app.action(ANSWER_SELECT_ACTION)
    def on_answer(ack: Ack, body: dict[str, Any]) -> None:
        ack()
        try:
            work.answer(click(body))
        except BadPayload as bad:
            log.warning("answer click ignored: %s", bad)

    @app.action(_prefix(COMMAND_ACTION))
    def on_command(ack: Ack, body: dict[str, Any]) -> None:
        ack()
        try:
            work.command(click(body))
        except BadPayload as bad:
            log.warning("next-step click ignored: %s", bad)

    # Clicks whose work is one job after the ack: (action, job, priority).
    queued = (
        (_prefix(FEEDBACK_ACTION), work.feedback, Priority.NORMAL),
        (PLAN_EDIT_ACTION, work.open_section_editor, Priority.QUICK),  # the trigger id expires in 3 s
        (PLAN_EXPORT_ACTION, work.export_plan, Priority.NORMAL),
        (PLAN_OPEN_ACTION, work.open_plan, Priority.NORMAL),
        (HOME_START_PLAN_ACTION, lambda b: work.start_in_dm(b, "plan_start"), Priority.NORMAL),
        (HOME_PRICE_ACTION, lambda b: work.start_in_dm(b, "price"), Priority.NORMAL),
        (ESCALATION_SEEN_ACTION, work.escalation_seen, Priority.NORMAL),
    )
    for action_id, job, priority in queued:
        app.action(action_id)(_queued(job, priority, queue))


def _queued(job, priority: Priority, queue):
    def on_click(ack: Ack, body: dict[str, Any]) -> None:
        ack()
        queue(body, job, priority)

    return on_click
