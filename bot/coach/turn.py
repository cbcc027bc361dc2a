"""A user's turn: who speaks, where, what they said and what they attached. The same for every adapter.

The core never opens files and never parses an adapter's syntax: the terminal turns a typed CSV path into
an attachment, Slack turns an uploaded file into one and its ``<@U123>`` mentions into plain ids.
"""

from __future__ import annotations

from pydantic import BaseModel, Field


class Attachment(BaseModel):
    name: str
    content: bytes
    media_type: str = "application/octet-stream"


class Turn(BaseModel):
    text: str
    user_id: str = Field(default="local-user", min_length=1)
    channel_id: str | None = None
    thread_id: str | None = None
    attachments: list[Attachment] = Field(default_factory=list)
    event_id: str | None = None
    """The adapter's id for this delivery (Slack's event_id): a turn whose id was handled before is not
    handled again, in this process or another sharing the database."""

    @property
    def conversation_key(self) -> str:
        """One conversation per user, and per channel and thread where there is one.

        The terminal has no channel, so a user's terminal chat is one conversation; a Slack thread is its
        own conversation, so two threads hold two independent dialogs.
        """
        parts = [self.user_id]
        if self.channel_id:
            parts.append(self.channel_id)
            if self.thread_id:
                parts.append(self.thread_id)
        return ":".join(parts)
