"""What the coach says back: neutral data that the terminal renders as text and Slack as Block Kit."""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, Field

Language = Literal["en", "zh"]
Intent = Literal["question", "pricing", "plan", "prioritise", "other"]


class Citation(BaseModel):
    id: str
    title: str
    seed_chunks: list[int] = Field(default_factory=list)
    score: float
    kind: Literal["card", "template", "document"] = "card"


class Section(BaseModel):
    title: str
    body: str


class SuggestedAction(BaseModel):
    """A next step the user can take; `command` is what they can type to take it."""

    id: str
    label: str
    command: str


class Reply(BaseModel):
    text: str
    language: Language
    intent: Intent
    mode: Literal["extractive", "llm"] = "extractive"
    sections: list[Section] = Field(default_factory=list)
    citations: list[Citation] = Field(default_factory=list)
    actions: list[SuggestedAction] = Field(default_factory=list)
    dialog: str | None = None
    """The dialog still open after this reply ("pricing", "plan"), or None."""
    data: dict | None = None
    """Structured results behind the text (a pricing decision, a ranked list), for renderers and tests."""
