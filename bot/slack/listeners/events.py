"""Events: mentions in channels, messages in DMs and in threads where a form waits, and the AI-app
surface (a new assistant thread gets its suggested prompts)."""

from __future__ import annotations

import logging
from typing import Any

from slack_bolt import Ack, App, BoltContext

from bot.slack.deps import SlackDeps
from bot.slack.inbound import BadPayload, mention_request, message_request
from bot.slack.places import Place
from bot.slack.runner import QueueFull

log = logging.getLogger(__name__)


def register(app: App, deps: SlackDeps) -> None:
    runner = deps.runner

    @app.event("app_mention")
    def on_mention(ack: Ack, event: dict[str, Any], body: dict[str, Any], context: BoltContext) -> None:
        try:
            request = mention_request(event, body, context.bot_user_id)
        except BadPayload as bad:
            log.warning("app_mention ignored: %s", bad)
            ack()
            return
        if not runner.submit(request):
            raise QueueFull(body.get("event_id"))
        ack()

    @app.event("message")
    def on_message(ack: Ack, event: dict[str, Any], body: dict[str, Any], context: BoltContext) -> None:
        try:
            request = message_request(event, body, context.bot_user_id)
        except BadPayload as bad:
            log.warning("message ignored: %s", bad)
            request = None
        if request is not None and not runner.submit(request):
            raise QueueFull(body.get("event_id"))
        ack()

    @app.event("assistant_thread_started")
    def on_thread_started(ack: Ack, event: dict[str, Any], body: dict[str, Any]) -> None:
        thread = event.get("assistant_thread") or {}
        ack()
        if not (thread.get("channel_id") and thread.get("thread_ts") and thread.get("user_id")):
            log.warning("assistant_thread_started without its thread: %s", body.get("event_id"))
            return
        place = Place(
            user=thread["user_id"],
            channel=thread["channel_id"],
            thread_ts=thread["thread_ts"],
            team=body.get("team_id"),
            assistant=True,
        )
        runner.run_later(lambda: runner.greet_thread(place), place)

    @app.event("assistant_thread_context_changed")
    def on_context_changed(ack: Ack) -> None:
        ack()  # the coach does not use the channel the user is looking at
