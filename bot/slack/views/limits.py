"""Slack's size limits, and splitting long content to fit them rather than having a message refused.

A message holds at most 50 blocks; a section's text at most 3,000 characters; the markdown blocks of one
message at most 12,000 characters together. Text is cut at paragraph, then line, then word boundaries.
"""

from __future__ import annotations

from pydantic import BaseModel, Field

from bot.slack.views.blocks import Block

MAX_BLOCKS = 50
MAX_MARKDOWN = 12_000
MAX_SECTION = 3_000
FALLBACK_TEXT_MAX = 3_000
"""The notification text of a message (``text`` beside its blocks): a preview, not the whole answer."""


class SlackMessage(BaseModel):
    """One message as posted: its notification text and its blocks."""

    text: str
    blocks: list[Block] = Field(default_factory=list)


def split_text(text: str, limit: int) -> list[str]:
    """Pieces of at most ``limit`` characters, cut at the last paragraph, line or space break that fits."""
    pieces: list[str] = []
    rest = text.strip()
    while len(rest) > limit:
        window = rest[:limit]
        cut = max(window.rfind("\n\n"), 0)
        if cut < limit // 2:
            cut = window.rfind("\n")
        if cut < limit // 2:
            cut = max(window.rfind(" "), window.rfind("。"), window.rfind("，"))
            cut = cut + 1 if cut >= limit // 2 else cut
        if cut < limit // 2:
            cut = limit
        pieces.append(rest[:cut].rstrip())
        rest = rest[cut:].lstrip()
    if rest:
        pieces.append(rest)
    return pieces


def _markdown_size(block: Block) -> int:
    return len(block.get("text", "")) if block.get("type") == "markdown" else 0


def pack_messages(blocks: list[Block], fallback_text: str) -> list[SlackMessage]:
    """Blocks packed into as few messages as fit: 50 blocks and 12,000 markdown characters a message.

    Each message keeps the blocks in order; the first carries the notification text, the others a
    preview of their own first text.
    """
    messages: list[list[Block]] = [[]]
    markdown = 0
    for block in blocks:
        size = _markdown_size(block)
        current = messages[-1]
        if current and (len(current) >= MAX_BLOCKS or markdown + size > MAX_MARKDOWN):
            messages.append([])
            markdown = 0
        messages[-1].append(block)
        markdown += size
    packed = []
    for number, message_blocks in enumerate(messages):
        text = fallback_text if number == 0 else _first_text(message_blocks) or fallback_text
        packed.append(SlackMessage(text=text[:FALLBACK_TEXT_MAX] or " ", blocks=message_blocks))
    return packed


def _first_text(blocks: list[Block]) -> str:
    for block in blocks:
        text = block.get("text")
        if isinstance(text, dict):
            text = text.get("text")
        if isinstance(text, str) and text.strip():
            return text.strip()
    return ""
