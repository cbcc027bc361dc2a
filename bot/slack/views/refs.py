"""What interactive elements carry back to us: which conversation a button belongs to, and what it means.

A click arrives without the conversation it answers (a message at the top of a DM and the root of a
thread look alike), so the block around a form's buttons names it in its ``block_id``:
``kam_ask|<slot>|<owner>|<thread>``. Values are parsed with pydantic models at the boundary; anything
that does not parse is refused, never guessed.
"""

from __future__ import annotations

import json

from pydantic import BaseModel, ValidationError

ASK_BLOCK = "kam_ask"
COMMAND_BLOCK = "kam_cmd"
NO_THREAD = "-"

ANSWER_ACTION = "kam_answer"
ANSWER_SELECT_ACTION = "kam_answer_select"
COMMAND_ACTION = "kam_command"
FEEDBACK_ACTION = "kam_feedback"
PLAN_EDIT_ACTION = "kam_plan_edit"
PLAN_EXPORT_ACTION = "kam_plan_export"
PLAN_OPEN_ACTION = "kam_plan_open"
HOME_START_PLAN_ACTION = "kam_home_start_plan"
HOME_PRICE_ACTION = "kam_home_price"
ESCALATION_SEEN_ACTION = "kam_escalation_seen"
PLAN_SECTION_VIEW = "kam_plan_section"


class BadRef(ValueError):
    """An interactive payload whose reference does not parse (forged, or from an older version)."""


class ConversationRef(BaseModel):
    """The conversation a message's buttons belong to: whose it is and which thread (None: DM top level)."""

    kind: str
    slot: str = ""
    owner: str
    thread: str | None = None

    def encode(self) -> str:
        return "|".join([self.kind, self.slot, self.owner, self.thread or NO_THREAD])

    @classmethod
    def decode(cls, block_id: str) -> ConversationRef:
        parts = block_id.split("|")
        if len(parts) != 4 or parts[0] not in (ASK_BLOCK, COMMAND_BLOCK) or not parts[2]:
            raise BadRef(f"not a conversation reference: {block_id!r}")
        kind, slot, owner, thread = parts
        return cls(kind=kind, slot=slot, owner=owner, thread=None if thread == NO_THREAD else thread)


class FeedbackValue(BaseModel):
    """A thumbs button's value: which way, and the question the answer replied to."""

    vote: str
    question: str

    def encode(self) -> str:
        return json.dumps({"v": self.vote, "q": self.question}, ensure_ascii=False)

    @classmethod
    def decode(cls, value: str) -> FeedbackValue:
        try:
            data = json.loads(value)
            parsed = cls(vote=data["v"], question=data["q"])
        except (ValueError, KeyError, TypeError, ValidationError):
            raise BadRef(f"not a feedback value: {value[:80]!r}") from None
        if parsed.vote not in ("up", "down"):
            raise BadRef(f"not a feedback vote: {parsed.vote!r}")
        return parsed


class PlanRef(BaseModel):
    """A plan named by a button or a modal: its id, and the thread its conversation lives in."""

    plan_id: int
    channel: str | None = None
    thread: str | None = None
    section: str | None = None

    def encode(self) -> str:
        return self.model_dump_json(exclude_none=True)

    @classmethod
    def decode(cls, value: str) -> PlanRef:
        try:
            return cls.model_validate_json(value)
        except ValidationError:
            raise BadRef(f"not a plan reference: {value[:80]!r}") from None
