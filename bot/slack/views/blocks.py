"""Small builders for Block Kit objects, each clipped to the limit Slack sets on its field.

Slack rejects a whole message (``invalid_blocks``) when one field is too long, so every builder clips
what it is given; long prose is split before it gets here (``bot.slack.views.limits``).
"""

from __future__ import annotations

from typing import Any

Block = dict[str, Any]

SECTION_TEXT_MAX = 3000
PLAIN_TEXT_BUTTON_MAX = 75
OPTION_TEXT_MAX = 75
OPTION_VALUE_MAX = 150
BUTTON_VALUE_MAX = 2000
HEADER_MAX = 150
CONTEXT_ELEMENTS_MAX = 10
BLOCK_ID_MAX = 255


def clip(text: str, limit: int) -> str:
    return text if len(text) <= limit else text[: limit - 1] + "…"


def escape(text: str) -> str:
    """Text shown in mrkdwn: Slack reads &, < and > as markup, so they are escaped."""
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def plain(text: str, limit: int = PLAIN_TEXT_BUTTON_MAX) -> dict[str, Any]:
    return {"type": "plain_text", "text": clip(text, limit) or " ", "emoji": True}


def mrkdwn(text: str) -> dict[str, Any]:
    return {"type": "mrkdwn", "text": clip(text, SECTION_TEXT_MAX) or " "}


def section(text: str, *, block_id: str | None = None, accessory: Block | None = None) -> Block:
    block: Block = {"type": "section", "text": mrkdwn(text)}
    if block_id:
        block["block_id"] = clip(block_id, BLOCK_ID_MAX)
    if accessory:
        block["accessory"] = accessory
    return block


def fields_section(pairs: list[tuple[str, str]]) -> Block:
    """A section of label/value fields (Slack shows up to ten, two a row)."""
    return {
        "type": "section",
        "fields": [mrkdwn(f"*{escape(label)}*\n{escape(value)}") for label, value in pairs[:10]],
    }


def markdown(text: str) -> Block:
    """Standard Markdown, rendered by Slack; the text of all markdown blocks in one message is capped."""
    return {"type": "markdown", "text": text}


def header(text: str) -> Block:
    return {"type": "header", "text": plain(text, HEADER_MAX)}


def context(texts: list[str], *, block_id: str | None = None) -> Block:
    block: Block = {"type": "context", "elements": [mrkdwn(t) for t in texts[:CONTEXT_ELEMENTS_MAX]]}
    if block_id:
        block["block_id"] = clip(block_id, BLOCK_ID_MAX)
    return block


def divider() -> Block:
    return {"type": "divider"}


def button(text: str, action_id: str, value: str, *, style: str | None = None) -> Block:
    element: Block = {
        "type": "button",
        "text": plain(text),
        "action_id": action_id,
        "value": clip(value, BUTTON_VALUE_MAX),
    }
    if style:
        element["style"] = style
    return element


def option(text: str, value: str) -> dict[str, Any]:
    return {"text": plain(text, OPTION_TEXT_MAX), "value": clip(value, OPTION_VALUE_MAX)}


def static_select(placeholder: str, action_id: str, options: list[dict[str, Any]]) -> Block:
    return {
        "type": "static_select",
        "placeholder": plain(placeholder),
        "action_id": action_id,
        "options": options[:100],
    }


def actions(elements: list[Block], *, block_id: str | None = None) -> Block:
    block: Block = {"type": "actions", "elements": elements[:25]}
    if block_id:
        block["block_id"] = clip(block_id, BLOCK_ID_MAX)
    return block
