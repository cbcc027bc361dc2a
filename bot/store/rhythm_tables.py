"""The tables of the rhythm (milestones, the reminders and digests planned for them, escalation decisions).

A reminder or digest is a row before it is a message: it is planned with its UTC send time and a unique key,
claimed inside a transaction by whichever sweep gets there first, and marked sent only after Slack (or the
recorder) took it. ``next_attempt_at`` is set only on rows still to be tried, so "what is due now" is one
range scan on a partial index, whatever the number of rows waiting for later or already done.
"""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import (
    Boolean,
    CheckConstraint,
    Date,
    ForeignKey,
    Index,
    Integer,
    String,
    Text,
    UniqueConstraint,
    text,
    true,
)
from sqlalchemy.orm import Mapped, mapped_column

from bot.store.models import Base, utcnow

MILESTONE_STATES = ("open", "done", "snoozed", "cancelled")
MILESTONE_SOURCES = ("schedule", "activity", "ad_hoc")
DELIVERY_STATES = ("pending", "sent", "failed", "skipped", "cancelled")
"""pending: waiting for its time; failed: tried, retried at ``next_attempt_at``; skipped: its time had passed
when the milestone got its date; cancelled: the milestone was done, cancelled, or moved."""
ESCALATION_DECISIONS = ("approved", "rejected")


def _in(values: tuple[str, ...]) -> str:
    return ", ".join(f"'{value}'" for value in values)


class Milestone(Base):
    __tablename__ = "milestones"
    __table_args__ = (
        CheckConstraint(f"state IN ({_in(MILESTONE_STATES)})", name="state"),
        CheckConstraint(f"source IN ({_in(MILESTONE_SOURCES)})", name="source"),
        # Re-syncing a plan finds its milestones by this key (per account): it updates, never duplicates.
        UniqueConstraint("account_id", "sync_key", name="uq_milestones_sync_key"),
        Index("ix_milestones_owner_due", "owner_id", "due_date"),
        Index(
            "ix_milestones_dirty",
            "id",
            sqlite_where=text("reminders_dirty = 1"),
            postgresql_where=text("reminders_dirty"),
        ),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    account_id: Mapped[int] = mapped_column(ForeignKey("accounts.id", ondelete="CASCADE"), index=True)
    plan_id: Mapped[int | None] = mapped_column(ForeignKey("plans.id", ondelete="SET NULL"), index=True)
    owner_id: Mapped[str] = mapped_column(String(64))
    due_date: Mapped[date] = mapped_column(Date)
    kind: Mapped[str] = mapped_column(String(40))
    """A review event kind (``kam_rules.cadence``), ``activity`` or ``ad_hoc``."""
    title: Mapped[str] = mapped_column(String(300), default="")
    """The user's words (activities, ad hoc); empty for review events, whose title is their kind's label."""
    state: Mapped[str] = mapped_column(String(12), default="open")
    snoozed_until: Mapped[date | None] = mapped_column(Date)
    source: Mapped[str] = mapped_column(String(12))
    sync_key: Mapped[str | None] = mapped_column(String(300))
    due_set_at: Mapped[datetime] = mapped_column(default=utcnow)
    """When the due date was last set: reminders whose time had already passed then are skipped, not sent."""
    reminders_dirty: Mapped[bool] = mapped_column(Boolean, default=True, server_default=true())
    """Its reminders must be (re)planned: set by every change, cleared by the sweep that plans them."""
    created_by: Mapped[str] = mapped_column(String(64), default="")
    done_at: Mapped[datetime | None]
    done_by: Mapped[str | None] = mapped_column(String(64))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)


def _delivery_table_args(table: str, *key: str) -> tuple:
    return (
        UniqueConstraint(*key, name=f"uq_{table}_key"),
        CheckConstraint(f"state IN ({_in(DELIVERY_STATES)})", name="state"),
        Index(
            f"ix_{table}_next_attempt",
            "next_attempt_at",
            "id",  # the claim's order: no sort however many are due
            sqlite_where=text("next_attempt_at IS NOT NULL"),
            postgresql_where=text("next_attempt_at IS NOT NULL"),
        ),
    )


class DeliveryState:
    """What a reminder and a digest share: when it is due, whether it went, and when to try again."""

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    send_at: Mapped[datetime]
    state: Mapped[str] = mapped_column(String(10), default="pending")
    next_attempt_at: Mapped[datetime | None]
    """Set only while it is still to be tried: the sweep's claim is a range scan on this."""
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    last_error: Mapped[str | None] = mapped_column(String(500))
    sent_at: Mapped[datetime | None]
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)


class ReminderDelivery(DeliveryState, Base):
    __tablename__ = "reminder_deliveries"
    __table_args__ = _delivery_table_args("reminder_deliveries", "milestone_id", "kind", "due_date")

    milestone_id: Mapped[int] = mapped_column(ForeignKey("milestones.id", ondelete="CASCADE"))
    kind: Mapped[str] = mapped_column(String(20))
    """``7_days``, ``1_day``, ``due`` (``KAM_REMINDER_DAYS``), ``overdue_manager`` or ``snooze_ended``."""
    due_date: Mapped[date] = mapped_column(Date)
    """The milestone's due date (for ``snooze_ended``: the day the snooze ends)."""
    recipient: Mapped[str | None] = mapped_column(String(64))
    message: Mapped[str | None] = mapped_column(Text)


class DigestDelivery(DeliveryState, Base):
    __tablename__ = "digest_deliveries"
    __table_args__ = _delivery_table_args("digest_deliveries", "manager_id", "week")

    manager_id: Mapped[str] = mapped_column(String(64))
    week: Mapped[str] = mapped_column(String(10))
    """ISO week in the manager's time zone, ``2027-W10``."""


class EscalationDecision(Base):
    """A manager's answer to an escalated deal; the first decision stands."""

    __tablename__ = "escalation_decisions"
    __table_args__ = (CheckConstraint(f"decision IN ({_in(ESCALATION_DECISIONS)})", name="decision"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    escalation_id: Mapped[int] = mapped_column(ForeignKey("escalations.id", ondelete="CASCADE"), unique=True)
    decision: Mapped[str] = mapped_column(String(10))
    decided_by: Mapped[str] = mapped_column(String(64))
    decided_at: Mapped[datetime] = mapped_column(default=utcnow)
