"""SqlFormStates and EscalationStore on SQLite and PostgreSQL."""

from __future__ import annotations

from bot.coach.coach import FormStates
from bot.coach.forms.state import FormState
from bot.store.db import Database
from bot.store.dialog_store import SqlFormStates
from bot.store.escalation_store import EscalationStore
from bot.store.models import Person


def test_form_state_round_trip(db: Database) -> None:
    store: FormStates = SqlFormStates(db)
    assert store.load("U1") is None
    state = FormState(
        form="plan",
        language="zh",
        position="customer.industry",
        values={"nested": {"a": [1, 2]}, "名字": "华为"},
        data={"plan_id": 3},
    )
    store.save("U1", state.form, state.model_dump(mode="json"))
    assert FormState.model_validate(store.load("U1")) == state
    moved = state.model_copy(update={"position": "customer.segment_size", "paused": True})
    store.save("U1", moved.form, moved.model_dump(mode="json"))
    loaded = FormState.model_validate(store.load("U1"))
    assert loaded.position == "customer.segment_size" and loaded.paused
    store.clear("U1")
    assert store.load("U1") is None
    store.clear("U1")  # clearing nothing is fine


def test_form_state_survives_a_new_engine(database_url: str) -> None:
    first = Database(database_url)
    first.migrate()
    state = FormState(form="pricing", position="list_price")
    SqlFormStates(first).save("U1:C1:T1", "pricing", state.model_dump(mode="json"))
    first.dispose()
    second = Database(database_url)
    second.migrate()
    assert SqlFormStates(second).load("U1:C1:T1")["position"] == "list_price"
    assert SqlFormStates(second).keys() == ["U1:C1:T1"]
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
