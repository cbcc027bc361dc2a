"""Open forms in the database: each conversation's form state (JSON), saved with the turn that changed it."""

from __future__ import annotations

from typing import Any

from sqlalchemy import delete, select

from bot.store.db import Database
from bot.store.models import DialogStateRow, utcnow


class SqlFormStates:
    """``bot.coach.coach.FormStates`` over the ``dialog_states`` table. Inside the turn's unit of work a save
    commits with the turn's other writes."""

    def __init__(self, db: Database) -> None:
        self.db = db

    def load(self, conversation_key: str) -> dict[str, Any] | None:
        with self.db.session() as session:
            row = session.get(DialogStateRow, conversation_key)
            return dict(row.state) if row is not None else None

    def save(self, conversation_key: str, kind: str, state: dict[str, Any]) -> None:
        with self.db.session() as session:
            row = session.get(DialogStateRow, conversation_key)
            if row is None:
                session.add(DialogStateRow(conversation_key=conversation_key, kind=kind, state=state))
            else:
                row.kind = kind
                row.state = state
                row.updated_at = utcnow()

    def clear(self, conversation_key: str) -> None:
        with self.db.session() as session:
            session.execute(delete(DialogStateRow).where(DialogStateRow.conversation_key == conversation_key))

    def keys(self) -> list[str]:
        """Every conversation with a saved form (for operators and tests)."""
        with self.db.session() as session:
            return list(session.scalars(select(DialogStateRow.conversation_key).order_by("conversation_key")))
