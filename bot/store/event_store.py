"""Which deliveries were handled: Slack redelivers an event (same event_id) when it thinks we missed it."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import delete
from sqlalchemy.dialects import postgresql, sqlite

from bot.store.db import Database, rows_changed
from bot.store.models import HandledEvent, utcnow


class SqlHandledEvents:
    def __init__(self, db: Database) -> None:
        self.db = db

    def claim(self, event_id: str, conversation_key: str = "") -> bool:
        """Record the id; False when it was recorded before. Inside a unit of work the record commits with
        the turn, so a turn that fails can be redelivered and handled then. A second process claiming the
        same id at the same moment waits for the first one's transaction and then gets False."""
        insert = postgresql.insert if self.db.is_postgresql else sqlite.insert
        statement = (
            insert(HandledEvent)
            .values(event_id=event_id, conversation_key=conversation_key, handled_at=utcnow())
            .on_conflict_do_nothing(index_elements=["event_id"])
            .returning(HandledEvent.event_id)
        )
        with self.db.session() as session:
            return session.execute(statement).first() is not None

    def prune(self, before: datetime) -> int:
        """Forget ids handled before a time (Slack stops redelivering within hours)."""
        with self.db.session() as session:
            return rows_changed(session.execute(delete(HandledEvent).where(HandledEvent.handled_at < before)))
