"""SqlDialogStateStore and EscalationStore on SQLite and PostgreSQL."""

from __future__ import annotations

from bot.coach.dialog import DialogState, DialogStateStore
from bot.store.db import Database
from bot.store.dialog_store import SqlDialogStateStore
from bot.store.escalation_store import EscalationStore
from bot.store.models import Person


def test_dialog_state_round_trip(db: Database) -> None:
    store: DialogStateStore = SqlDialogStateStore(db)
    assert store.load("U1") is None
    state = DialogState(
        kind="plan",
        language="zh",
        step="customer.industry",
        data={"plan_id": 3, "nested": {"a": [1, 2]}, "名字": "华为"},
    )
    store.save("U1", state)
    assert store.load("U1") == state
    store.save(
        "U1", state.model_copy(update={"step": "customer.segment_size", "pending_confirmation": "stop"})
    )
    loaded = store.load("U1")
    assert loaded.step == "customer.segment_size"
    assert loaded.pending_confirmation == "stop"
    store.clear("U1")
    assert store.load("U1") is None
    store.clear("U1")  # clearing nothing is fine


def test_dialog_state_survives_a_new_engine(database_url: str) -> None:
    first = Database(database_url)
    first.migrate()
    SqlDialogStateStore(first).save("U1:C1:T1", DialogState(kind="pricing", step="list_price"))
    first.dispose()
    second = Database(database_url)
    second.migrate()
    assert SqlDialogStateStore(second).load("U1:C1:T1").step == "list_price"
    assert SqlDialogStateStore(second).keys() == ["U1:C1:T1"]
    second.dispose()


def test_escalations_for_managers_up_the_chain(db: Database) -> None:
    with db.session() as session:
        session.add(Person(slack_id="UBOSS", name="Boss"))
        session.flush()
        session.add(Person(slack_id="UMGR", name="Manager", manager_id="UBOSS"))
        session.flush()
        session.add(Person(slack_id="UREP", name="Rep", manager_id="UMGR"))
        session.add(Person(slack_id="UOTHER", name="Other"))
    store = EscalationStore(db)
    first = store.record(
        requested_by="UREP",
        deal_label="ACME renewal",
        inputs={"list_price": 100},
        decision={"decision": "escalate_to_management"},
        conversation_key="UREP",
    )
    store.record(requested_by="UOTHER", deal_label="Globex", inputs={}, decision={})
    assert first.id > 0 and first.seen_by_manager is False and first.created_at.tzinfo is not None
    assert [e.deal_label for e in store.list_for_manager("UMGR")] == ["ACME renewal"]
    assert [e.deal_label for e in store.list_for_manager("UBOSS")] == ["ACME renewal"]
    assert store.list_for_manager("UREP") == []
    assert {e.deal_label for e in store.list_all()} == {"ACME renewal", "Globex"}
    assert store.mark_seen([first.id]) == 1
    assert store.list_for_manager("UMGR", unseen_only=True) == []
    assert store.list_for_manager("UMGR")[0].inputs == {"list_price": 100}
