"""What the coach says back: neutral, typed data that the terminal renders as text and Slack as Block Kit.

A Reply holds no presentation. ``text`` is the message's prose (what was understood or done, then the
question being asked, if any); everything an adapter may want to draw differently is a typed part beside
it: the question with its choices (``ask``), tables, the 2x2 opportunity matrix, a pricing decision, a
plan's completeness, files to hand over. ``kam-coach chat --json`` prints this model (contracts section 9):
keys that do not apply are null or empty, never missing.
"""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, Field

Language = Literal["en", "zh"]
Intent = Literal[
    "question",
    "pricing",
    "plan",
    "prioritise",
    "tiers",
    "skills",
    "coverage",
    "cadence",
    "milestones",
    "digest",
    "greeting",
    "other",
]
"""What the user wanted. `other` is a message outside key account management."""

SlotKind = Literal["text", "choice", "bool", "money", "share", "int", "date", "person", "list", "table"]
CitationKind = Literal["card", "template", "document"]
Quadrant = Literal["act_now", "plan_attack", "opportunistic", "shelve"]


class Citation(BaseModel):
    id: str
    title: str
    seed_chunks: list[int] = Field(default_factory=list)
    score: float
    kind: CitationKind = "card"


def unique_citations(citations: list[Citation]) -> list[Citation]:
    """Each source once, where it first stands (the last copy's fields)."""
    return list({citation.id: citation for citation in citations}.values())


class Section(BaseModel):
    """A titled part of an answer, for renderers that show answers in blocks."""

    title: str
    body: str


class SuggestedAction(BaseModel):
    """A next step the user can take; `command` is what they can type in chat to take it."""

    id: str
    label: str
    command: str


class Choice(BaseModel):
    id: str
    label: str


class Progress(BaseModel):
    done: int
    total: int


class Ask(BaseModel):
    """The question a form is waiting on. The user may answer a choice by its id, label or number."""

    slot: str
    kind: SlotKind
    prompt: str
    why: str = ""
    example: str = ""
    default: str | None = None
    """The default shown to the user (already formatted), taken when they answer "default"."""
    choices: list[Choice] = Field(default_factory=list)
    progress: Progress | None = None
    columns: list[str] = Field(default_factory=list)
    """For a table slot: the column labels, in the order a row is typed."""
    optional: bool = False
    label: str = ""
    """The slot's short name ("List price"), for headers and buttons."""
    section: str = ""
    """The part of the form it belongs to, where the form has parts (an account plan's sections)."""


class Table(BaseModel):
    title: str = ""
    columns: list[str]
    rows: list[list[str | float | int | None]]
    total_rows: int | None = None
    """When the rows shown are a summary of a longer table: how many rows there are in all."""


class Matrix(BaseModel):
    """The size-of-outcome x likelihood-of-success matrix: opportunity names in each quadrant, best first."""

    act_now: list[str] = Field(default_factory=list)
    plan_attack: list[str] = Field(default_factory=list)
    opportunistic: list[str] = Field(default_factory=list)
    shelve: list[str] = Field(default_factory=list)
    labels: dict[str, str] = Field(default_factory=dict)
    """Each quadrant's name in the reply's language, for renderers."""


class DecisionStep(BaseModel):
    question: str
    answer: bool
    key: str = ""
    """Which question of the tree (``within_discount``...), the same in every language."""


class Decision(BaseModel):
    """A pricing decision (the fields of contracts section 2), as shown to the user."""

    decision: Literal[
        "maintain_pricing", "migrate_platform", "marginal_cost_pricing", "escalate_to_management"
    ]
    recommended_price: float | None
    cost_basis: Literal["lraic", "marginal_cost"] | None
    platform: Literal["current", "alternative"] | None
    below_cost: bool
    path: list[DecisionStep] = Field(default_factory=list)
    label: str = ""
    """The decision's name in the reply's language."""
    deal: str = ""
    escalation_id: int | None = None


class PlanSection(BaseModel):
    id: str
    title: str
    done: int
    total: int


class PlanView(BaseModel):
    """A plan's completeness, with every reply of the plan form."""

    id: int
    account: str
    status: str
    percent: int
    sections: list[PlanSection] = Field(default_factory=list)


class OutFile(BaseModel):
    """A file the reply hands over (an export, the rest of a long table): the adapter saves or uploads it."""

    name: str
    media_type: str = "text/plain"
    content: str


class Reply(BaseModel):
    text: str
    language: Language
    intent: Intent
    mode: Literal["extractive", "llm"] = "extractive"
    dialog: str | None = None
    """The form still open after this reply ("pricing", "plan", ...), or None."""
    ask: Ask | None = None
    citations: list[Citation] = Field(default_factory=list)
    actions: list[SuggestedAction] = Field(default_factory=list)
    tables: list[Table] = Field(default_factory=list)
    matrix: Matrix | None = None
    decision: Decision | None = None
    plan: PlanView | None = None
    sections: list[Section] = Field(default_factory=list)
    files: list[OutFile] = Field(default_factory=list)
