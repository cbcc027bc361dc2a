"""One sweep: plan what changed, then claim, deliver and record every reminder due at ``now``.

Each batch is one transaction: the due rows are locked (``claim_due_reminders``), delivered one by one, and
marked sent (or failed, with the next attempt pushed back) before the commit. A sweep running at the same time
skips the locked rows and finds them sent afterwards, so each reminder goes out once. A sweep that is late
sends everything still unsent whose time has come. If the process dies between Slack accepting a message and
the commit, that batch is sent again by the next sweep: at least once, never silently lost.
"""

from __future__ import annotations

import logging
from datetime import datetime

from bot.rhythm.config import RhythmConfig
from bot.rhythm.delivery import Delivery
from bot.rhythm.messages import compose_reminder
from bot.rhythm.models import ReminderMessage, SweepResult
from bot.rhythm.planner import SNOOZE_ENDED, plan_dirty_reminders
from bot.rhythm.wording import RhythmWording
from bot.store.db import Database
from bot.store.rhythm_store import LIVE_STATES, ClaimedReminder, claim_due_reminders, mark_failed, mark_sent
from bot.timing import OVERDUE_MANAGER, as_utc, local_today

log = logging.getLogger(__name__)
BATCH = 50


class ReminderSweep:
    def __init__(
        self,
        db: Database,
        config: RhythmConfig,
        wording: RhythmWording,
        delivery: Delivery,
        *,
        batch: int = BATCH,
    ) -> None:
        self.db, self.config, self.wording, self.delivery, self.batch = db, config, wording, delivery, batch

    def run(self, now: datetime) -> SweepResult:
        now = as_utc(now)
        planned = plan_dirty_reminders(self.db, self.config)
        sent: list[ReminderMessage] = []
        failed = cancelled = 0
        while True:
            with self.db.session() as session:
                claimed = claim_due_reminders(session, now, self.batch)
                for item in claimed:
                    outcome = self._deliver(item, now)
                    if isinstance(outcome, ReminderMessage):
                        sent.append(outcome)
                    elif outcome == "failed":
                        failed += 1
                    else:
                        cancelled += 1
            if len(claimed) < self.batch:
                break
        if sent or failed:
            log.info("sweep at %s: %d sent, %d failed (retried later)", now.isoformat(), len(sent), failed)
        return SweepResult(sent=sent, failed=failed, cancelled=cancelled, planned=planned)

    def _deliver(self, item: ClaimedReminder, now: datetime) -> ReminderMessage | str:
        row, milestone = item.delivery, item.milestone
        moved = row.kind != SNOOZE_ENDED and row.due_date != milestone.due_date
        if milestone.state not in LIVE_STATES or moved:
            row.state, row.next_attempt_at = "cancelled", None  # done or moved since it was planned
            return "cancelled"
        if row.kind == OVERDUE_MANAGER:
            recipient = item.owner.manager_id if item.owner else None
            if recipient is None:
                row.state, row.next_attempt_at, row.last_error = "cancelled", None, "the owner has no manager"
                return "cancelled"
        else:
            recipient = milestone.owner_id
        message = compose_reminder(item, recipient, now, self.config, self.wording)
        row.attempts += 1
        row.recipient, row.message = recipient, message.text
        try:
            self.delivery.send_reminder(message)
        except Exception as failure:  # any failure: the reminder stays unsent and is tried again later
            mark_failed(row, now, failure)
            log.warning(
                "reminder %s for milestone %s failed (attempt %d): %s",
                row.kind,
                milestone.id,
                row.attempts,
                failure,
            )
            return "failed"
        mark_sent(row, now)
        if row.kind != OVERDUE_MANAGER and milestone.state == "snoozed":
            today = local_today(now, self.config.zone_of(item.owner))
            if milestone.snoozed_until is None or milestone.snoozed_until <= today:
                milestone.state, milestone.snoozed_until = "open", None
        return message
