"""The database layer on SQLite and PostgreSQL: migrations, pragmas, sessions, clear errors."""

from __future__ import annotations

import pytest
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from sqlalchemy import inspect, select, text
from sqlalchemy.exc import IntegrityError

from bot.settings import Settings
from bot.store.db import Database, DatabaseError, head_revision, open_database
from bot.store.models import Account, Base, Person, Plan, account_key

TABLES = {
    "dialog_states",
    "escalations",
    "people",
    "accounts",
    "account_members",
    "plans",
    "plan_answers",
    "access_log",
    "handled_events",
    "milestones",
    "reminder_deliveries",
    "digest_deliveries",
    "escalation_decisions",
    "alembic_version",
}


def test_migrate_creates_every_table_and_is_idempotent(db: Database) -> None:
    assert set(inspect(db.engine).get_table_names()) >= TABLES
    assert db.current_revision() == head_revision()
    db.migrate()  # a second start-up changes nothing
    assert db.current_revision() == head_revision()


def test_models_match_the_migrations(db: Database) -> None:
    with db.engine.connect() as connection:
        context = MigrationContext.configure(connection, opts={"compare_type": True})
        diff = compare_metadata(context, Base.metadata)
    assert diff == []


def test_session_commits_and_rolls_back(db: Database) -> None:
    with db.session() as session:
        session.add(Person(slack_id="U1", name="Ann"))
    with pytest.raises(RuntimeError), db.session() as session:
        session.add(Person(slack_id="U2", name="Bob"))
        session.flush()
        raise RuntimeError("boom")
    with db.session() as session:
        assert session.scalars(select(Person.slack_id)).all() == ["U1"]


def test_timestamps_come_back_timezone_aware(db: Database) -> None:
    with db.session() as session:
        session.add(Person(slack_id="U1", name="Ann"))
    with db.session() as session:
        person = session.get(Person, "U1")
        assert person.created_at.tzinfo is not None


def test_foreign_keys_are_enforced(db: Database) -> None:
    with pytest.raises(IntegrityError), db.session() as session:
        session.add(Person(slack_id="U1", name="Ann", manager_id="U-nobody"))


def test_account_names_are_unique_case_insensitively(db: Database) -> None:
    with db.session() as session:
        session.add(Account(name="ACME", name_key=account_key("ACME")))
    with pytest.raises(IntegrityError), db.session() as session:
        session.add(Account(name="Acme ", name_key=account_key("Acme ")))


def test_one_open_plan_per_account(db: Database) -> None:
    with db.session() as session:
        account = Account(name="ACME", name_key="acme")
        session.add(account)
        session.flush()
        session.add(Plan(account_id=account.id, owner_id="U1", status="approved", data={}))
        session.add(Plan(account_id=account.id, owner_id="U1", status="draft", data={}))
        account_id = account.id
    with pytest.raises(IntegrityError), db.session() as session:
        session.add(Plan(account_id=account_id, owner_id="U2", status="in_review", data={}))
    with pytest.raises(IntegrityError), db.session() as session:
        session.add(Plan(account_id=account_id, owner_id="U2", status="bogus", data={}))


def test_sqlite_uses_wal_and_foreign_keys(tmp_path) -> None:
    database = Database(f"sqlite:///{tmp_path / 'deep' / 'er' / 'kam.db'}")  # parent folders are created
    database.migrate()
    with database.engine.connect() as connection:
        assert connection.execute(text("PRAGMA journal_mode")).scalar() == "wal"
        assert connection.execute(text("PRAGMA foreign_keys")).scalar() == 1
        assert connection.execute(text("PRAGMA busy_timeout")).scalar() >= 1000
    database.dispose()


def test_open_database_migrates_the_default_sqlite_file(tmp_path) -> None:
    settings = Settings(KAM_DATA_DIR=tmp_path / "data")
    database = open_database(settings)
    assert (tmp_path / "data" / "kam-coach.db").is_file()
    assert database.current_revision() == head_revision()
    database.dispose()


def test_plain_postgresql_url_uses_psycopg3() -> None:
    database = Database("postgresql://u:secret@localhost/db")
    assert database.url.drivername == "postgresql+psycopg"
    database.dispose()


@pytest.mark.parametrize(
    "url",
    ["not a url", "mysql+nodriver://x@y/z"],
)
def test_bad_url_names_database_url(url: str) -> None:
    with pytest.raises(DatabaseError, match="DATABASE_URL"):
        Database(url)


def test_unreachable_database_names_database_url_and_hides_password(tmp_path) -> None:
    settings = Settings(
        DATABASE_URL="postgresql+psycopg://kam:secret@127.0.0.1:1/nowhere?connect_timeout=2",
        KAM_DATA_DIR=tmp_path,
    )
    with pytest.raises(DatabaseError, match="DATABASE_URL") as error:
        open_database(settings)
    assert "secret" not in str(error.value)
