"""Slack payloads read into what the runner needs: which conversation, what was said, what was attached.

Pure functions over the payload dicts Bolt hands the listeners, validated with pydantic at the boundary;
nothing here talks to Slack or to the coach.
"""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel, ConfigDict, ValidationError

from bot.slack.places import Place, mentions_bot, plain_text
from bot.slack.runner import TurnRequest
from bot.slack.views.refs import BadRef, ConversationRef

HANDLED_MESSAGE_SUBTYPES = (None, "file_share", "thread_broadcast")
FORM_WORD_BUTTONS = ("skip", "default", "done")
"""Buttons that say one of the form's words (their value), rather than choose an answer."""


class BadPayload(ValueError):
    """A payload missing what the app needs (logged and answered 400 at the edge, ignored here)."""


class MessageEvent(BaseModel):
    """The fields of a message or app_mention event the app reads."""

    model_config = ConfigDict(extra="ignore")

    type: str
    user: str | None = None
    text: str = ""
    ts: str
    channel: str
    thread_ts: str | None = None
    channel_type: str | None = None
    subtype: str | None = None
    bot_id: str | None = None
    files: list[dict[str, Any]] = []


def _event(event: dict[str, Any]) -> MessageEvent:
    try:
        return MessageEvent.model_validate(event)
    except ValidationError as invalid:
        raise BadPayload(f"message event: {invalid.errors()[0]['loc']}") from None


def mention_request(event: dict[str, Any], body: dict[str, Any], bot_user_id: str | None) -> TurnRequest:
    """A mention is answered in its thread: the one it was in, or a new one under it."""
    message = _event(event)
    if not message.user:
        raise BadPayload("app_mention without a user")
    place = Place(
        user=message.user,
        channel=message.channel,
        thread_ts=message.thread_ts or message.ts,
        team=body.get("team_id"),
    )
    return TurnRequest(
        place=place,
        text=plain_text(message.text, bot_user_id),
        event_id=body.get("event_id"),
        files=message.files,
    )


def message_request(
    event: dict[str, Any], body: dict[str, Any], bot_user_id: str | None
) -> TurnRequest | None:
    """A message the coach should see, or None: a DM (every one), or a reply in a channel thread where a
    form may be waiting (not one that mentions the bot: its app_mention event brings it)."""
    message = _event(event)
    if message.subtype not in HANDLED_MESSAGE_SUBTYPES or message.bot_id or not message.user:
        return None
    if message.user == bot_user_id:
        return None
    is_dm = message.channel_type == "im" or message.channel.startswith("D")
    if not is_dm and (message.thread_ts is None or mentions_bot(message.text, bot_user_id)):
        return None
    place = Place(
        user=message.user,
        channel=message.channel,
        thread_ts=message.thread_ts,
        team=body.get("team_id"),
        assistant=is_dm and message.thread_ts is not None,
    )
    return TurnRequest(
        place=place,
        text=plain_text(message.text, bot_user_id),
        mode="conversation" if is_dm else "continue_only",
        event_id=body.get("event_id"),
        files=message.files,
    )


class ClickedAction(BaseModel):
    model_config = ConfigDict(extra="ignore")

    action_id: str
    block_id: str = ""
    value: str | None = None
    text: dict[str, Any] | None = None
    selected_option: dict[str, Any] | None = None


class Click(BaseModel):
    """A button or select click on a message: who, where, which element, and what it carries."""

    user: str
    channel: str
    message_ts: str
    message_thread_ts: str | None
    team: str | None
    action: ClickedAction
    message: dict[str, Any]


def click(body: dict[str, Any]) -> Click:
    try:
        action = ClickedAction.model_validate(body["actions"][0])
        container = body.get("container") or {}
        message = body.get("message") or {}
        return Click(
            user=body["user"]["id"],
            channel=(body.get("channel") or {}).get("id") or container["channel_id"],
            message_ts=message.get("ts") or container["message_ts"],
            message_thread_ts=message.get("thread_ts") or container.get("thread_ts"),
            team=(body.get("team") or {}).get("id"),
            action=action,
            message=message,
        )
    except (KeyError, IndexError, TypeError, ValidationError) as bad:
        raise BadPayload(f"block_actions payload: {bad}") from None


def answer_of(clicked: ClickedAction) -> str:
    """What a choice click answers: the choice's label when it arrived whole (it keeps the conversation's
    language; the form takes a choice by id, label or number), else its id. Skip, default and done send
    their form word."""
    if clicked.action_id.rpartition(":")[2] in FORM_WORD_BUTTONS:
        return str(clicked.value or "")
    option = clicked.selected_option or {}
    value = option.get("value") if option else clicked.value
    label_object = option.get("text") if option else clicked.text
    label = str((label_object or {}).get("text") or "")
    if option and ". " in label:
        label = label.split(". ", 1)[1]  # options read "3. Label"
    if label and not label.endswith("…") and not label.startswith(":"):
        return label
    return str(value or "")


def click_place(clicked: Click, ref: ConversationRef) -> Place:
    """The conversation a message's buttons belong to, for the user who clicked."""
    return Place(
        user=clicked.user,
        channel=clicked.channel,
        thread_ts=ref.thread,
        team=clicked.team,
        assistant=clicked.channel.startswith("D") and ref.thread is not None,
    )


def click_request(clicked: Click, ref: ConversationRef, text: str) -> TurnRequest:
    """A click as a turn in the conversation its buttons belong to. A form's answer carries the question
    message's id as its event id, so a second click on the same question is not a second answer."""
    event_id = f"click:{clicked.channel}:{clicked.message_ts}:{ref.slot}" if ref.slot else None
    return TurnRequest(place=click_place(clicked, ref), text=text, event_id=event_id)


def conversation_ref(clicked: Click) -> ConversationRef:
    try:
        return ConversationRef.decode(clicked.action.block_id)
    except BadRef as bad:
        raise BadPayload(str(bad)) from None


SUBCOMMANDS = ("ask", "price", "plan", "prioritise", "digest", "help")


def parse_kam_command(text: str, aliases: dict[str, list[str]]) -> tuple[str, str]:
    """``/kam <sub-command> <rest>``: the sub-command by name or alias (``help`` when empty); an unknown
    first word means the whole text is a question."""
    stripped = " ".join(text.split())
    if not stripped:
        return "help", ""
    first, _, rest = stripped.partition(" ")
    lowered = first.casefold()
    for name in SUBCOMMANDS:
        if lowered == name or lowered in (alias.casefold() for alias in aliases.get(name, [])):
            return name, rest.strip()
    # Chinese has no space after the word: "/kam 报价 标价100" or "/kam 报价标价100".
    for name in SUBCOMMANDS:
        for alias in aliases.get(name, []):
            if not alias.isascii() and stripped.startswith(alias):
                return name, stripped[len(alias) :].strip()
    return "ask", stripped


def command_request(
    body: dict[str, Any], sub: str, rest: str, language: str, turn_texts: dict[str, dict[str, str]]
) -> TurnRequest:
    """The turn a sub-command starts, in a thread of its own under the bot's first reply."""
    try:
        place = Place(user=body["user_id"], channel=body["channel_id"], team=body.get("team_id"))
    except (KeyError, ValidationError) as bad:
        raise BadPayload(f"slash command: {bad}") from None
    if sub == "ask":
        return TurnRequest(place=place, text=rest, mode="ask", new_thread=True)
    if sub == "plan":
        key = "plan_for" if rest else "plans"
        text = turn_texts[key][language].format(account=rest)
    else:
        text = turn_texts[sub][language] + (f": {rest}" if rest else "")
    return TurnRequest(place=place, text=text, new_thread=True)


def apology_place(body: dict[str, Any]) -> Place | None:
    """Where to tell the user that handling their request failed: the thread of their message, the
    channel of their command or click, or their DM."""
    event = body.get("event") or {}
    if event.get("user") and event.get("channel"):
        thread = event.get("thread_ts") or (event.get("ts") if event.get("type") == "app_mention" else None)
        return Place(user=event["user"], channel=event["channel"], thread_ts=thread)
    if body.get("user_id") and body.get("channel_id"):
        return Place(user=body["user_id"], channel=body["channel_id"])
    user = (body.get("user") or {}).get("id")
    if user:
        channel = (body.get("channel") or {}).get("id") or user
        thread = (body.get("message") or {}).get("thread_ts")
        return Place(user=user, channel=channel, thread_ts=thread)
    return None
