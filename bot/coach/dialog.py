"""The seam every multi-turn dialog (deal pricing, account-plan drafting) plugs into.

A dialog is a small state machine: the coach loads its state from the store, gives it the user's turn, and
saves the new state *before* the reply goes out, so a crash never loses an answer.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, Protocol

from pydantic import BaseModel, Field

from bot.coach.reply import Language, Reply
from bot.coach.turn import Turn


class DialogState(BaseModel):
    kind: str
    language: Language = "en"
    step: str | None = None
    data: dict[str, Any] = Field(default_factory=dict)
    pending_confirmation: str | None = None


class DialogOutcome(BaseModel):
    reply: Reply
    state: DialogState | None
    """The state to save; None closes the dialog."""


class DialogContext(BaseModel):
    """What a dialog may use from the coach, without knowing the coach."""

    model_config = {"arbitrary_types_allowed": True}

    language: Language
    answer_question: Callable[[str, Language], Reply]
    """Answers a side question from the knowledge base, in the given language."""
    services: dict[str, Any] = Field(default_factory=dict)
    """Shared services a dialog needs (the plan store, the escalation log), by name."""


class Dialog(Protocol):
    kind: str

    def start(self, turn: Turn, ctx: DialogContext) -> DialogOutcome: ...

    def handle(self, turn: Turn, state: DialogState, ctx: DialogContext) -> DialogOutcome: ...


class DialogStateStore(Protocol):
    def load(self, conversation_key: str) -> DialogState | None: ...

    def save(self, conversation_key: str, state: DialogState) -> None: ...

    def clear(self, conversation_key: str) -> None: ...
