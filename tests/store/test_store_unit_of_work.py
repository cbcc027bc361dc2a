"""One unit of work per turn: store calls inside it commit together or not at all; delivery ids are
claimed once, also by two threads at the same moment (SQLite and PostgreSQL)."""

from __future__ import annotations

import threading

import pytest

from bot.store.db import Database
from bot.store.dialog_store import SqlFormStates
from bot.store.escalation_store import EscalationStore
from bot.store.event_store import SqlHandledEvents
from kam_rules.pricing import Platform, PricingInput, decide


def _decision():
    return decide(
        PricingInput(
            list_price=100,
            max_discount=0.1,
            winning_price=60,
            current=Platform(lraic=70, marginal_cost=65, utilisation=0.9),
        )
    )


def test_a_failure_inside_the_unit_rolls_back_every_write(db: Database) -> None:
    states = SqlFormStates(db)
    escalations = EscalationStore(db)
    with pytest.raises(RuntimeError), db.unit_of_work():
        states.save("U1", "pricing", {"form": "pricing"})
        escalations.record(requested_by="U1", deal_label="ACME", inputs={}, decision=_decision())
        assert states.load("U1") is not None  # visible inside the unit
        raise RuntimeError("the turn failed after its writes")
    assert states.load("U1") is None
    assert escalations.list_all() == []


def test_writes_inside_the_unit_commit_together_at_its_end(db: Database) -> None:
    states = SqlFormStates(db)
    other = Database(db.url)  # another connection, as another process would see the data
    try:
        with db.unit_of_work():
            states.save("U1", "pricing", {"form": "pricing"})
            with db.unit_of_work():  # a nested unit joins the outer one
                states.save("U2", "plan", {"form": "plan"})
            if db.is_postgresql:  # (SQLite readers wait for the writer's lock instead)
                assert SqlFormStates(other).load("U1") is None  # not committed yet
        assert SqlFormStates(other).load("U1") is not None
        assert SqlFormStates(other).load("U2") is not None
    finally:
        other.dispose()


def test_a_delivery_id_is_claimed_once(db: Database) -> None:
    events = SqlHandledEvents(db)
    assert events.claim("Ev1", "U1:C1")
    assert not events.claim("Ev1", "U1:C1")
    assert events.claim("Ev2")


def test_a_claim_in_a_failed_unit_is_not_kept(db: Database) -> None:
    events = SqlHandledEvents(db)
    with pytest.raises(RuntimeError), db.unit_of_work():
        assert events.claim("Ev1")
        raise RuntimeError("the turn failed")
    assert events.claim("Ev1")  # the redelivery is handled


def test_two_threads_claiming_one_id_at_once_get_it_once(database_url: str) -> None:
    first, second = Database(database_url), Database(database_url)
    first.migrate()
    results: list[bool] = []
    inside = threading.Barrier(2, timeout=30)
    lock = threading.Lock()

    def claim(database: Database) -> None:
        with database.unit_of_work():
            inside.wait()
            claimed = SqlHandledEvents(database).claim("EvSame")
        with lock:
            results.append(claimed)

    threads = [threading.Thread(target=claim, args=(d,)) for d in (first, second)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    first.dispose()
    second.dispose()
    assert sorted(results) == [False, True]
