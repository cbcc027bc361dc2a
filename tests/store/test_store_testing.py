"""The test databases themselves: a reused PostgreSQL schema comes back migrated, empty and numbering
from 1, and a copied SQLite file is migrated, so ``db`` is a fresh database whichever way it was made."""

from __future__ import annotations

import pytest
from sqlalchemy import func, inspect, select

from bot.store.db import Database
from bot.store.models import Escalation
from bot.store.testing import _SchemaPool


def _add_escalation(database: Database) -> int:
    with database.session() as session:
        row = Escalation(requested_by="U1", inputs={}, decision={})
        session.add(row)
        session.flush()
        return row.id


@pytest.mark.postgres
def test_a_schema_given_back_is_reused_empty_and_numbering_from_one(postgres_session_database):
    pool = _SchemaPool(postgres_session_database)
    try:
        url = pool.take()
        first = Database(url)
        assert _add_escalation(first) == 1 and _add_escalation(first) == 2
        first.dispose()
        pool.give_back(url)

        assert pool.take() == url  # the same schema, not a new one
        again = Database(url)
        with again.session() as session:
            assert session.scalar(select(func.count()).select_from(Escalation)) == 0
        assert _add_escalation(again) == 1
        assert "alembic_version" in inspect(again.engine).get_table_names()
        again.dispose()
    finally:
        pool.drop_all()


def test_db_is_migrated_and_empty(db):
    names = set(inspect(db.engine).get_table_names())
    assert {"alembic_version", "escalations", "people", "dialog_states"} <= names
    with db.session() as session:
        assert session.scalar(select(func.count()).select_from(Escalation)) == 0
    assert _add_escalation(db) == 1
