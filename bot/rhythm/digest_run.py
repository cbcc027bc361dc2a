"""The weekly digests: due for each manager at ``KAM_DIGEST_DAY`` ``KAM_DIGEST_TIME`` in their time zone.

Each tick records one row per manager whose digest time has come this ISO week (unique per manager and
week; ``ON CONFLICT DO NOTHING`` so ticks running at once agree), then claims, builds, delivers and marks
them like reminders. A tick after downtime still sends this week's digest; a week missed entirely is not
sent late (the next week's replaces it).
"""

from __future__ import annotations

import logging
from datetime import datetime, timedelta

from pydantic import BaseModel
from sqlalchemy.dialects import postgresql, sqlite

from bot.rhythm.config import RhythmConfig
from bot.rhythm.delivery import Delivery
from bot.rhythm.digest import DigestBuilder
from bot.rhythm.wording import RhythmWording
from bot.store.db import Database
from bot.store.rhythm_store import claim_due_digests, mark_failed, mark_sent
from bot.store.rhythm_tables import DigestDelivery
from bot.timing import as_utc, iso_week, local_instant, local_today, week_start

log = logging.getLogger(__name__)
BATCH = 20


class DigestRunResult(BaseModel):
    sent: list[tuple[str, str]]
    """(manager, week) of each digest sent in this run."""
    failed: int = 0


class DigestRun:
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

    def run(self, now: datetime) -> DigestRunResult:
        now = as_utc(now)
        self._record_due(now)
        sent: list[tuple[str, str]] = []
        failed = 0
        builder: DigestBuilder | None = None
        while True:
            with self.db.session() as session:
                claimed = claim_due_digests(session, now, self.batch)
                if builder is None:
                    builder = DigestBuilder(session, self.config, self.wording)
                builder.session = session  # what it read before stays valid: one read of the plans per run
                for row in claimed:
                    row.attempts += 1
                    try:
                        digest = builder.build(row.manager_id, now)
                        self.delivery.send_digest(digest)
                    except Exception as failure:  # retried later; never marked sent
                        mark_failed(row, now, failure)
                        log.warning("digest for %s (%s) failed: %s", row.manager_id, row.week, failure)
                        failed += 1
                        continue
                    mark_sent(row, now)
                    sent.append((row.manager_id, row.week))
            if len(claimed) < self.batch:
                return DigestRunResult(sent=sent, failed=failed)

    def _record_due(self, now: datetime) -> None:
        with self.db.session() as session:
            builder = DigestBuilder(session, self.config, self.wording)
            due = []
            for manager in builder.managers():
                tz = builder.zone_of(manager.slack_id)
                today = local_today(now, tz)
                day = week_start(today) + timedelta(days=self.config.digest_weekday)
                send_at = local_instant(day, self.config.digest_time, tz)
                if now >= send_at:
                    due.append(
                        {
                            "manager_id": manager.slack_id,
                            "week": iso_week(today),
                            "send_at": send_at,
                            "state": "pending",
                            "next_attempt_at": send_at,
                            "attempts": 0,
                            "created_at": now,
                            "updated_at": now,
                        }
                    )
            if due:
                dialect = postgresql if self.db.is_postgresql else sqlite
                session.execute(dialect.insert(DigestDelivery).values(due).on_conflict_do_nothing())
