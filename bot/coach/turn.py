"""A user's turn: who speaks, where, and what they said. The same for the terminal and Slack."""

from __future__ import annotations

from pydantic import BaseModel, Field


class Turn(BaseModel):
    text: str
    user_id: str = Field(default="local-user", min_length=1)
    channel_id: str | None = None
    thread_id: str | None = None

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
