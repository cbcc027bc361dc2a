"""Each milestone's reminders, planned as rows with their UTC send time.

For a live (open or snoozed) milestone due on D, owned by someone in zone Z, at ``reminder_time`` (09:00)
local time in Z: one reminder each ``reminder_days`` before D (``7_days``, ``1_day``, ``due``) and
``overdue_manager`` on D + ``overdue_days`` for the owner's manager. While snoozed until U, the owner's
reminders before U are dropped and one ``snooze_ended`` reminder is planned for U (unless a regular one falls
at that very time); the manager's is not moved by a snooze. A reminder whose local day had already gone by
when the milestone got its due date is recorded as ``skipped``: nobody wants "due in 7 days" two days before.

Planning is idempotent: rows are found by their key (milestone, kind, date), re-timed while unsent, and
cancelled when no longer wanted. Sent and skipped rows are never touched.
"""

from __future__ import annotations

from collections import defaultdict
from datetime import date, datetime, timedelta
from typing import Any

from sqlalchemy import insert, select
from sqlalchemy.orm import Session

from bot.rhythm.config import RhythmConfig
from bot.store.db import Database
from bot.store.models import Person
from bot.store.rhythm_store import LIVE_STATES, claim_dirty_milestones
from bot.store.rhythm_tables import Milestone, ReminderDelivery
from bot.timing import OVERDUE_MANAGER, local_instant, reminder_kind, zone

SNOOZE_ENDED = "snooze_ended"
UNSENT = ("pending", "failed")
PLAN_BATCH = 500


def wanted_reminders(milestone: Milestone, tz: str, config: RhythmConfig) -> dict[tuple[str, date], datetime]:
    """(kind, date) -> UTC send time, for a milestone as it stands."""
    if milestone.state not in LIVE_STATES:
        return {}
    due, at = milestone.due_date, config.reminder_time
    owner: dict[tuple[str, date], datetime] = {
        (reminder_kind(days), due): local_instant(due - timedelta(days=days), at, tz)
        for days in config.reminder_days
    }
    if milestone.state == "snoozed" and milestone.snoozed_until is not None:
        wake = local_instant(milestone.snoozed_until, at, tz)
        owner = {key: when for key, when in owner.items() if when >= wake}
        if wake not in owner.values():
            owner[(SNOOZE_ENDED, milestone.snoozed_until)] = wake
    overdue = due + timedelta(days=config.overdue_days)
    return {**owner, (OVERDUE_MANAGER, due): local_instant(overdue, at, tz)}


def plan_milestone(
    milestone: Milestone, tz: str, existing: list[ReminderDelivery], config: RhythmConfig
) -> list[dict[str, Any]]:
    """Update ``existing`` (this milestone's rows) in place; the new rows to insert."""
    wanted = wanted_reminders(milestone, tz, config)
    set_on = milestone.due_set_at.astimezone(zone(tz)).date()
    for row in existing:
        send_at = wanted.pop((row.kind, row.due_date), None)
        if send_at is None:
            if row.state in UNSENT:
                row.state, row.next_attempt_at = "cancelled", None
            continue
        if row.state == "pending" or (row.state == "cancelled" and not _gone(send_at, tz, set_on)):
            row.send_at, row.state, row.next_attempt_at = send_at, "pending", send_at
        elif row.state == "failed":
            row.send_at = send_at
            row.next_attempt_at = max(send_at, row.next_attempt_at or send_at)
    added = []
    for (kind, day), send_at in wanted.items():
        gone = _gone(send_at, tz, set_on)
        added.append(
            {
                "milestone_id": milestone.id,
                "kind": kind,
                "due_date": day,
                "send_at": send_at,
                "state": "skipped" if gone else "pending",
                "next_attempt_at": None if gone else send_at,
                "attempts": 0,
            }
        )
    return added


def _gone(send_at: datetime, tz: str, set_on: date) -> bool:
    """The reminder's local day was over before the milestone got its date."""
    return send_at.astimezone(zone(tz)).date() < set_on


def plan_dirty_reminders(db: Database, config: RhythmConfig, batch: int = PLAN_BATCH) -> int:
    """Plan the reminders of every milestone marked for it; the number of milestones planned."""
    total = 0
    while True:
        with db.session() as session:
            milestones = claim_dirty_milestones(session, batch)
            if milestones:
                _plan_batch(session, milestones, config)
        total += len(milestones)
        if len(milestones) < batch:
            return total


def owner_zones(session: Session, owners: set[str]) -> dict[str, str]:
    """The time zones the people file gives these people (``people.tz``); others use ``KAM_TIMEZONE``.

    A zone from the Slack profile, once the Slack app caches profiles, belongs here, between the two."""
    return {
        slack_id: str(tz)
        for slack_id, tz in session.execute(
            select(Person.slack_id, Person.tz).where(Person.slack_id.in_(owners), Person.tz.is_not(None))
        )
    }


def _plan_batch(session: Session, milestones: list[Milestone], config: RhythmConfig) -> None:
    zones = owner_zones(session, {m.owner_id for m in milestones})
    by_milestone: dict[int, list[ReminderDelivery]] = defaultdict(list)
    for row in session.scalars(
        select(ReminderDelivery).where(ReminderDelivery.milestone_id.in_([m.id for m in milestones]))
    ):
        by_milestone[row.milestone_id].append(row)
    added: list[dict[str, Any]] = []
    for milestone in milestones:
        tz = zones.get(milestone.owner_id) or config.timezone
        added += plan_milestone(milestone, tz, by_milestone[milestone.id], config)
        milestone.reminders_dirty = False
    if added:  # one multi-row INSERT for the batch
        session.execute(insert(ReminderDelivery), added)
