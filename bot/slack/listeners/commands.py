"""The ``/kam`` slash command: ``ask``, ``price``, ``plan``, ``prioritise``, ``digest``, ``help`` (and their
Chinese aliases). Help and short notes are the acknowledgement itself; everything else starts a
conversation in a thread of its own, worked on after the ack."""

from __future__ import annotations

import logging
from typing import Any

from slack_bolt import Ack, App

from bot.coach.reply import Language
from bot.language import detect_language
from bot.slack.deps import SlackDeps
from bot.slack.inbound import BadPayload, command_request, parse_kam_command
from bot.slack.runner import TurnRequest

log = logging.getLogger(__name__)


def register(app: App, deps: SlackDeps) -> None:
    wording = deps.wording

    @app.command("/kam")
    def on_kam(ack: Ack, body: dict[str, Any]) -> None:
        text = str(body.get("text") or "")
        language: Language = (
            detect_language(text)
            or deps.profiles.cached_language(str(body.get("user_id") or ""))
            or deps.settings.default_language
        )
        sub, rest = parse_kam_command(text, wording.shared("subcommands"))
        if sub == "help":
            ack(response_type="ephemeral", text=wording.text("help", language))
            return
        if sub == "digest":
            ack(response_type="ephemeral", text=wording.text("digest_coming", language))
            return
        if sub == "ask" and not rest:
            ack(response_type="ephemeral", text=wording.text("ask_usage", language))
            return
        try:
            request: TurnRequest = command_request(body, sub, rest, language, wording.shared("command_turns"))
        except BadPayload as bad:
            log.warning("/kam ignored: %s", bad)
            ack()
            return
        if not deps.runner.submit(request):
            ack(response_type="ephemeral", text=wording.text("busy", language))
            return
        ack()
