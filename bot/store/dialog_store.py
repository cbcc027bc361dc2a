"""Dialog state in the database: the coach saves a dialog's state before its reply goes out."""

from __future__ import annotations

from sqlalchemy import delete, select

from bot.coach.dialog import DialogState
from bot.store.db import Database
from bot.store.models import DialogStateRow, utcnow


class SqlDialogStateStore:
    """``bot.coach.dialog.DialogStateStore`` over the ``dialog_states`` table; each save commits at once."""

    def __init__(self, db: Database) -> None:
        self.db = db

    def load(self, conversation_key: str) -> DialogState | None:
        with self.db.session() as session:
            row = session.get(DialogStateRow, conversation_key)
            if row is None:
                return None
            return DialogState.model_validate(row.state)

    def save(self, conversation_key: str, state: DialogState) -> None:
        payload = state.model_dump(mode="json")
        with self.db.session() as session:
            row = session.get(DialogStateRow, conversation_key)
            if row is None:
                session.add(DialogStateRow(conversation_key=conversation_key, kind=state.kind, state=payload))
            else:
                row.kind = state.kind
                row.state = payload
                row.updated_at = utcnow()

    def clear(self, conversation_key: str) -> None:
        with self.db.session() as session:
            session.execute(delete(DialogStateRow).where(DialogStateRow.conversation_key == conversation_key))

    def keys(self) -> list[str]:
        """Every conversation with an open dialog (for operators and tests)."""
        with self.db.session() as session:
            return list(session.scalars(select(DialogStateRow.conversation_key).order_by("conversation_key")))
