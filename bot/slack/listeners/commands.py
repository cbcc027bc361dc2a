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
from bot.slack.places import Place
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
            user = str(body.get("user_id") or "")
            place = Place(user=user, channel=user)
            if not user or not deps.runner.run_later(lambda: send_digest(deps, user, language), place):
                ack(response_type="ephemeral", text=wording.text("busy", language))
                return
            ack(response_type="ephemeral", text=wording.text("digest_sending", language))
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


def send_digest(deps: SlackDeps, user: str, language: Language) -> None:
    """``/kam digest``: this week's digest of the user's team, in a DM, as the Monday one is sent."""
    from bot.rhythm.digest import UnknownManager
    from bot.rhythm.slack_blocks import digest_blocks

    channel = deps.client.conversations_open(users=user)["channel"]["id"]
    try:
        digest = deps.rhythm.digest_for(user, language)
    except UnknownManager:
        deps.client.chat_postMessage(channel=channel, text=deps.wording.text("digest_unknown", language))
        return
    blocks = digest_blocks(digest, deps.rhythm.wording)
    deps.client.chat_postMessage(
        channel=channel, text=deps.wording.text("digest_fallback", language), blocks=blocks
    )
