"""Two sweeps at once, each with its own engine (as two scheduler processes would have), send every
reminder exactly once; a delivery that fails leaves the reminder unsent until a later sweep succeeds."""

from __future__ import annotations

import threading
import time
from collections import Counter
from datetime import date, timedelta

from sqlalchemy import select

from bot.rhythm.delivery import DeliveryFailed, RecordingDelivery
from bot.rhythm.sweep import ReminderSweep
from bot.store.db import Database
from bot.store.rhythm_tables import ReminderDelivery
from tests.rhythm.conftest import at

MILESTONES = 60


class SlowDelivery(RecordingDelivery):
    """Takes a moment per message, as Slack does, so the two sweeps overlap."""

    def send_reminder(self, message) -> None:
        time.sleep(0.002)
        super().send_reminder(message)


def test_two_sweeps_at_once_send_each_reminder_once(team, rhythm, database_url) -> None:
    for n in range(MILESTONES):
        rhythm.service.add_milestone(
            account=f"Account {n % 7}",
            owner=("U0AM01", "U0AM02")[n % 2],
            due=date(2027, 3, 1) + timedelta(days=n % 5),
            title=f"Task {n}",
        )
    rhythm.sweep.run(at("2027-01-01T00:00:00Z"))  # plans them; nothing is due yet
    deliveries = [SlowDelivery(), SlowDelivery()]
    engines = [Database(database_url), Database(database_url)]
    sweeps = [
        ReminderSweep(e, rhythm.config, rhythm.wording, d, batch=7)
        for e, d in zip(engines, deliveries, strict=True)
    ]
    start = threading.Barrier(2)
    errors: list[BaseException] = []

    def run(sweep: ReminderSweep) -> None:
        start.wait()
        try:
            sweep.run(at("2027-04-01T00:00:00Z"))  # everything is due: 4 reminders a milestone
        except BaseException as failure:
            errors.append(failure)

    threads = [threading.Thread(target=run, args=(sweep,)) for sweep in sweeps]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    for engine in engines:
        engine.dispose()
    assert errors == []
    counts = Counter((m.milestone_id, m.reminder) for d in deliveries for m in d.reminders)
    assert len(counts) == MILESTONES * 4
    assert set(counts.values()) == {1}
    if rhythm.db.is_postgresql:  # SKIP LOCKED lets both work at once; SQLite takes turns
        assert all(d.reminders for d in deliveries)
    with rhythm.db.session() as session:
        assert Counter(session.scalars(select(ReminderDelivery.state))) == {"sent": MILESTONES * 4}


class FlakyDelivery(RecordingDelivery):
    def __init__(self, failures: int) -> None:
        super().__init__()
        self.failures = failures
        self.attempts = 0

    def send_reminder(self, message) -> None:
        self.attempts += 1
        if self.failures > 0:
            self.failures -= 1
            raise DeliveryFailed("Slack answered 503")
        super().send_reminder(message)


def test_a_failed_delivery_is_retried_with_backoff_and_sent_once(team, make_rhythm) -> None:
    flaky = FlakyDelivery(failures=2)
    rhythm = make_rhythm(delivery=flaky)
    rhythm.service.add_milestone(account="ACME", owner="U0AM01", due=date(2027, 3, 10), title="Renewal")
    first = rhythm.sweep.run(at("2027-03-03T01:00:00Z"))
    assert first.sent == [] and first.failed == 1
    with rhythm.db.session() as session:
        row = session.scalar(select(ReminderDelivery).where(ReminderDelivery.kind == "7_days"))
        assert (row.state, row.attempts, row.sent_at) == ("failed", 1, None)
        assert row.next_attempt_at == at("2027-03-03T01:01:00+00:00")  # one minute later
        assert "503" in row.last_error
    assert rhythm.sweep.run(at("2027-03-03T01:00:30Z")).sent == []  # not before its next attempt
    second = rhythm.sweep.run(at("2027-03-03T01:01:00Z"))
    assert second.failed == 1
    with rhythm.db.session() as session:
        row = session.scalar(select(ReminderDelivery).where(ReminderDelivery.kind == "7_days"))
        assert row.next_attempt_at == at("2027-03-03T01:03:00+00:00")  # then two minutes
    third = rhythm.sweep.run(at("2027-03-03T01:03:00Z"))
    assert [m.reminder for m in third.sent] == ["7_days"]
    assert rhythm.sweep.run(at("2027-03-03T02:00:00Z")).sent == []
    assert flaky.attempts == 3 and len(flaky.reminders) == 1
