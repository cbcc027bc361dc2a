"""Queries on the rhythm's tables that must stay cheap and safe when several sweeps run at once.

Claiming: ``SELECT … WHERE next_attempt_at <= :now ORDER BY next_attempt_at LIMIT n FOR UPDATE SKIP LOCKED``
on PostgreSQL, so a second sweep skips the rows the first one holds and, once the first commits, no longer
matches them (their ``next_attempt_at`` is cleared when sent). SQLite has no row locks: its transactions
begin with ``BEGIN IMMEDIATE`` (``bot.store.db``), so two sweeps take turns.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime, timedelta
from typing import NamedTuple

from sqlalchemy import select, update
from sqlalchemy.orm import Session, aliased

from bot.store.db import rows_changed
from bot.store.models import Account, Person
from bot.store.rhythm_tables import DeliveryState, DigestDelivery, Milestone, ReminderDelivery

LIVE_STATES = ("open", "snoozed")
"""Milestones still to be done: their reminders are planned, and they count as overdue in digests."""
RETRY_FIRST = timedelta(minutes=1)
RETRY_MAX = timedelta(hours=1)


def retry_delay(attempts: int) -> timedelta:
    """1, 2, 4, … minutes after each failed attempt, at most an hour."""
    return min(RETRY_FIRST * (2 ** max(attempts - 1, 0)), RETRY_MAX)


def mark_sent(row: DeliveryState, now: datetime) -> None:
    row.state, row.next_attempt_at, row.sent_at, row.last_error = "sent", None, now, None


def mark_failed(row: DeliveryState, now: datetime, failure: BaseException) -> None:
    """Unsent, tried again after ``retry_delay``; ``row.attempts`` already counts this attempt."""
    row.state, row.next_attempt_at = "failed", now + retry_delay(row.attempts)
    row.last_error = f"{type(failure).__name__}: {failure}"[:500]


class ClaimedReminder(NamedTuple):
    delivery: ReminderDelivery
    milestone: Milestone
    account_name: str
    owner: Person | None
    manager: Person | None


def claim_due_reminders(session: Session, now: datetime, limit: int) -> list[ClaimedReminder]:
    """Reminders due at ``now`` and not yet sent, locked for this transaction, with what a message needs."""
    owner = aliased(Person, name="owner")
    manager = aliased(Person, name="manager")
    rows = session.execute(
        select(ReminderDelivery, Milestone, Account.name, owner, manager)
        .join(Milestone, ReminderDelivery.milestone_id == Milestone.id)
        .join(Account, Milestone.account_id == Account.id)
        .outerjoin(owner, owner.slack_id == Milestone.owner_id)
        .outerjoin(manager, manager.slack_id == owner.manager_id)
        .where(ReminderDelivery.next_attempt_at.is_not(None), ReminderDelivery.next_attempt_at <= now)
        .order_by(ReminderDelivery.next_attempt_at, ReminderDelivery.id)
        .limit(limit)
        .with_for_update(skip_locked=True, of=ReminderDelivery)
    ).all()
    return [ClaimedReminder(*row) for row in rows]


def claim_due_digests(session: Session, now: datetime, limit: int) -> list[DigestDelivery]:
    return list(
        session.scalars(
            select(DigestDelivery)
            .where(DigestDelivery.next_attempt_at.is_not(None), DigestDelivery.next_attempt_at <= now)
            .order_by(DigestDelivery.next_attempt_at, DigestDelivery.id)
            .limit(limit)
            .with_for_update(skip_locked=True)
        )
    )


def claim_dirty_milestones(session: Session, limit: int) -> list[Milestone]:
    """Milestones whose reminders must be (re)planned, locked for this transaction."""
    return list(
        session.scalars(
            select(Milestone)
            .where(Milestone.reminders_dirty)  # as the partial index says it, so it is used
            .order_by(Milestone.id)
            .limit(limit)
            .with_for_update(skip_locked=True)
        )
    )


def mark_reminders_dirty(session: Session, owner_ids: Iterable[str]) -> int:
    """Re-plan the reminders of these people's live milestones (their time zone changed)."""
    ids = sorted(set(owner_ids))
    if not ids:
        return 0
    result = session.execute(
        update(Milestone)
        .where(Milestone.owner_id.in_(ids), Milestone.state.in_(LIVE_STATES))
        .values(reminders_dirty=True)
    )
    return rows_changed(result)


def mark_all_reminders_dirty(session: Session) -> int:
    """Re-plan every live milestone's reminders (after a change of reminder settings)."""
    result = session.execute(
        update(Milestone).where(Milestone.state.in_(LIVE_STATES)).values(reminders_dirty=True)
    )
    return rows_changed(result)
