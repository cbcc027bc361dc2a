"""A form's saved state: versioned and typed, saved with the turn that changed it.

What is stored is the form's own position (the one place it lives), the answers of forms that keep them in
the state (pricing, ranking, tiers...; an account plan keeps its answers in its plan row), the order they
were given in (for "back"), and the form's own small typed record (``Form.Data``).
"""

from __future__ import annotations

from typing import Any, Literal

from pydantic import BaseModel, Field

from bot.coach.reply import Language

STATE_VERSION: Literal[2] = 2


class FormState(BaseModel):
    version: Literal[2] = STATE_VERSION
    form: str
    language: Language = "en"
    position: str | None = None
    """The slot being asked; None when nothing is pending (a finished plan waiting for "submit")."""
    values: dict[str, Any] = Field(default_factory=dict)
    order: list[str] = Field(default_factory=list)
    """Slots in the order they were last answered: "back" walks it."""
    skipped: list[str] = Field(default_factory=list)
    finished: list[str] = Field(default_factory=list)
    """Tables the user closed with "done"."""
    paused: bool = False
    """Stopped by the user: kept to resume, not open."""
    data: dict[str, Any] = Field(default_factory=dict)
    """The form's own record, validated by its ``Data`` model."""

    def answered(self, slot: str) -> None:
        self.order = [name for name in self.order if name != slot] + [slot]

    def forget(self, slot: str) -> None:
        self.order = [name for name in self.order if name != slot]
        self.finished = [name for name in self.finished if name != slot]
