"""The rhythm's data at its boundaries (CLI JSON, Slack, service results), as pydantic models."""

from __future__ import annotations

from datetime import date, datetime
from typing import Literal

from pydantic import BaseModel, ConfigDict

Language = Literal["en", "zh"]
MilestoneState = Literal["open", "done", "snoozed", "cancelled"]
MilestoneSource = Literal["schedule", "activity", "ad_hoc"]


class _Frozen(BaseModel):
    model_config = ConfigDict(frozen=True)


class MilestoneView(_Frozen):
    """One milestone as ``milestones list --json`` and the digest show it."""

    id: int
    account: str
    owner: str
    title: str
    due: date
    kind: str
    state: MilestoneState
    snoozed_until: date | None = None
    source: MilestoneSource
    plan_id: int | None = None
    done_at: datetime | None = None
    done_by: str | None = None


class ReminderMessage(_Frozen):
    """A reminder as delivered: to whom, about what, and its text in the recipient's language."""

    recipient: str
    milestone_id: int
    reminder: str
    """``7_days``, ``1_day``, ``due``, ``overdue_manager`` (or ``snooze_ended``)."""
    due: date
    title: str
    account: str
    text: str
    language: Language
    owner: str
    plan_id: int | None = None
    plan_link: str
    """A URL (``KAM_PLAN_URL``) or the ``/kam plan ACCOUNT`` command."""

    def contract_line(self) -> dict[str, object]:
        """The ``reminders run --json`` line (contracts section 10), plus the language."""
        return self.model_dump(
            mode="json",
            include={"recipient", "milestone_id", "reminder", "due", "title", "account", "text", "language"},
        )


class SweepResult(_Frozen):
    sent: list[ReminderMessage]
    failed: int = 0
    """Deliveries that failed in this sweep; they stay unsent and are retried later."""
    cancelled: int = 0
    planned: int = 0
    """Milestones whose reminders were (re)planned before the sweep."""


class EscalationDecisionView(_Frozen):
    escalation_id: int
    decision: Literal["approved", "rejected"]
    decided_by: str
    decided_at: datetime
