"""Where a Slack conversation lives, and Slack's message syntax turned into the plain text the coach reads.

The coach keys a conversation by user, channel and thread. In Slack:

- a mention in a channel is answered in its thread (the thread it was in, or a new one under it), so the
  conversation's thread is ``thread_ts or ts``, and a form started there is answered there;
- a direct message at the top of the DM is one conversation per user (no thread), answered at the top;
- a message in a DM thread (the AI-app surface makes every conversation one) is that thread's.
"""

from __future__ import annotations

import html
import re

from pydantic import BaseModel, ConfigDict

_USER_MENTION = re.compile(r"<@([UW][A-Z0-9]+)(?:\|[^>]*)?>")
_CHANNEL = re.compile(r"<#([CG][A-Z0-9]+)(?:\|([^>]*))?>")
_LINK = re.compile(r"<((?:https?|mailto):[^>|]+)(?:\|([^>]*))?>")
_SPECIAL = re.compile(r"<!(\w+)(?:\^[^>|]*)?(?:\|([^>]*))?>")


class Place(BaseModel):
    """A conversation's home in Slack: who, which channel, which thread replies go into."""

    model_config = ConfigDict(frozen=True)

    user: str
    channel: str
    thread_ts: str | None = None
    team: str | None = None
    assistant: bool = False
    """An AI-app thread: the assistant status, title and suggested prompts apply."""

    @property
    def is_dm(self) -> bool:
        return self.channel.startswith("D")


def plain_text(text: str, bot_user_id: str | None = None) -> str:
    """Slack's markup as people read it: the bot's own mention dropped, other mentions as plain user ids,
    channels by name, links by their label, and HTML entities unescaped."""

    def user(match: re.Match[str]) -> str:
        return "" if match.group(1) == bot_user_id else match.group(1)

    text = _USER_MENTION.sub(user, text)
    text = _CHANNEL.sub(lambda m: f"#{m.group(2) or m.group(1)}", text)
    text = _LINK.sub(lambda m: m.group(2) or m.group(1), text)
    text = _SPECIAL.sub(lambda m: f"@{m.group(2) or m.group(1)}", text)
    return " ".join(html.unescape(text).split())


def mentions_bot(text: str, bot_user_id: str | None) -> bool:
    return bool(bot_user_id) and any(m.group(1) == bot_user_id for m in _USER_MENTION.finditer(text))
