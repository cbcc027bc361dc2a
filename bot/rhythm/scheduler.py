"""APScheduler 3 runs two periodic jobs; the database decides what is due (``sweep``, ``digest_run``).

Reminders are never one-off jobs (APScheduler drops a one-off job that missed its grace time, so a reminder
due while the scheduler was down would be lost); a periodic sweep finds whatever is due, however late. Jobs
have fixed ids with ``replace_existing``, run in UTC, coalesce missed runs into one, never overlap
themselves, and run once at start-up to catch up.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any

from apscheduler.executors.pool import ThreadPoolExecutor
from apscheduler.schedulers.background import BackgroundScheduler
from apscheduler.schedulers.base import BaseScheduler
from apscheduler.schedulers.blocking import BlockingScheduler
from apscheduler.triggers.interval import IntervalTrigger

from bot.rhythm.wiring import Rhythm

log = logging.getLogger(__name__)
SWEEP_JOB = "rhythm.reminder_sweep"
DIGEST_JOB = "rhythm.digest_tick"


def _job(name: str, run: Callable[[datetime], Any]) -> Callable[[], None]:
    def job() -> None:
        try:
            run(datetime.now(UTC))
        except Exception:  # logged here; the next tick tries again, the rows are still unsent
            log.exception("%s failed", name)

    job.__name__ = name
    return job


def build_scheduler(
    rhythm: Rhythm, *, blocking: bool = False, interval_seconds: float | None = None
) -> BaseScheduler:
    """A scheduler (not started) that sweeps reminders and ticks digests every ``KAM_SWEEP_SECONDS``.

    ``blocking=True`` for ``kam-coach scheduler``; the default (a background thread) for ``kam-coach serve``.
    """
    interval = interval_seconds or rhythm.config.sweep_seconds
    scheduler_class = BlockingScheduler if blocking else BackgroundScheduler
    scheduler = scheduler_class(
        timezone=UTC,
        executors={"default": ThreadPoolExecutor(max_workers=2)},
        job_defaults={"coalesce": True, "max_instances": 1, "misfire_grace_time": None},
    )
    start = datetime.now(UTC)
    for job_id, run in ((SWEEP_JOB, rhythm.sweep.run), (DIGEST_JOB, rhythm.digests.run)):
        scheduler.add_job(
            _job(job_id, run),
            IntervalTrigger(seconds=interval, timezone=UTC),
            id=job_id,
            name=job_id,
            replace_existing=True,
            next_run_time=start,
        )
    return scheduler
