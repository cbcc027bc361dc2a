"""A real APScheduler run with a short interval: the periodic sweep finds reminders whose time has passed
(catch-up at start) and sends each once however many times it runs."""

from __future__ import annotations

import dataclasses
import threading
from datetime import UTC, date

import pytest

from bot.rhythm.scheduler import DIGEST_JOB, SWEEP_JOB, build_scheduler
from bot.rhythm.sweep import ReminderSweep
from tests.rhythm.conftest import at


class CountingSweep(ReminderSweep):
    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.runs = 0
        self.ran = threading.Condition()

    def run(self, now):
        result = super().run(now)
        with self.ran:
            self.runs += 1
            self.ran.notify_all()
        return result


@pytest.mark.parametrize("database_kind", ["sqlite"], indirect=True)
def test_the_scheduler_sweeps_periodically_and_sends_each_reminder_once(team, rhythm, clock) -> None:
    clock.now = at("2026-01-01T00:00:00Z")  # planned long ago: every reminder's time has passed by now
    rhythm.service.add_milestone(account="ACME", owner="U0AM01", due=date(2026, 1, 10), title="Old task")
    sweep = CountingSweep(rhythm.db, rhythm.config, rhythm.wording, rhythm.delivery)
    scheduler = build_scheduler(dataclasses.replace(rhythm, sweep=sweep), interval_seconds=0.1)
    scheduler.start()
    try:
        jobs = {job.id: job for job in scheduler.get_jobs()}
        assert set(jobs) == {SWEEP_JOB, DIGEST_JOB}
        for job in jobs.values():
            assert job.trigger.timezone == UTC and job.coalesce and job.max_instances == 1
            assert job.misfire_grace_time is None
        with sweep.ran:
            assert sweep.ran.wait_for(lambda: sweep.runs >= 5, timeout=60), sweep.runs
    finally:
        scheduler.shutdown(wait=True)
    reminders = [(m.recipient, m.reminder) for m in rhythm.delivery.reminders]
    assert reminders == [
        ("U0AM01", "7_days"),
        ("U0AM01", "1_day"),
        ("U0AM01", "due"),
        ("U0MGR1", "overdue_manager"),
    ]
