"""pytest fixtures for code that needs a real database, on SQLite and on PostgreSQL.

A pytest plugin: the top ``conftest.py`` registers it for the whole suite::

    pytest_plugins = ("bot.store.testing",)

``database_url`` is parameterised over ``sqlite`` (a file under ``tmp_path``) and ``postgresql`` (a fresh
schema per test inside a database created for the test session on 127.0.0.1:5432, dropped at the end);
``db`` is the same, migrated (copied from a migrated file, or a migrated schema emptied for reuse).
PostgreSQL is skipped only when ``KAM_SKIP_POSTGRES=1``; otherwise a server that cannot be reached fails the
tests, since CI starts one. ``KAM_TEST_POSTGRES_URL`` points at another server (default
``postgresql+psycopg://postgres@127.0.0.1:5432/test``).
"""

from __future__ import annotations

import os
import shutil
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest
from sqlalchemy.engine import make_url

from bot.store.db import Database

DEFAULT_ADMIN_URL = "postgresql+psycopg://postgres@127.0.0.1:5432/test"


def postgres_skipped() -> bool:
    return os.environ.get("KAM_SKIP_POSTGRES", "").strip().lower() in ("1", "true", "yes")


def _admin_url():
    return make_url(os.environ.get("KAM_TEST_POSTGRES_URL", DEFAULT_ADMIN_URL))


def _psycopg_connect(url):
    import psycopg

    return psycopg.connect(
        host=url.host or "127.0.0.1",
        port=url.port or 5432,
        user=url.username or "postgres",
        password=url.password or None,
        dbname=url.database or "test",
        autocommit=True,
        connect_timeout=10,
    )


@pytest.fixture(scope="session")
def postgres_session_database() -> Iterator[str]:
    """A database created for this test session (one per xdist worker); its SQLAlchemy URL."""
    if postgres_skipped():
        pytest.skip("KAM_SKIP_POSTGRES=1")
    admin = _admin_url()
    name = f"kam_test_{uuid.uuid4().hex[:12]}"
    with _psycopg_connect(admin) as connection:  # a failure here fails the tests: CI runs PostgreSQL
        connection.execute(f'CREATE DATABASE "{name}"')
    url = admin.set(drivername="postgresql+psycopg", database=name)
    try:
        yield url.render_as_string(hide_password=False)
    finally:
        with _psycopg_connect(admin) as connection:
            connection.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def postgres_schema_url(session_database_url: str, schema: str) -> str:
    """A URL whose connections use ``schema`` first (``search_path``), so each test has its own tables."""
    url = make_url(session_database_url)
    url = url.update_query_dict({"options": f"-csearch_path={schema}"})
    return url.render_as_string(hide_password=False)


def create_schema(session_database_url: str, prefix: str = "t") -> tuple[str, str]:
    """A new, empty schema in the session's database: its name, and a URL whose connections use it."""
    schema = f"{prefix}_{uuid.uuid4().hex[:12]}"
    with _psycopg_connect(make_url(session_database_url)) as connection:
        connection.execute(f'CREATE SCHEMA "{schema}"')
    return schema, postgres_schema_url(session_database_url, schema)


def drop_schemas(session_database_url: str, *schemas: str) -> None:
    with _psycopg_connect(make_url(session_database_url)) as connection:
        for schema in schemas:
            connection.execute(f'DROP SCHEMA IF EXISTS "{schema}" CASCADE')


@contextmanager
def fresh_schema(session_database_url: str, prefix: str = "t") -> Iterator[str]:
    """A URL on a schema of its own, dropped afterwards."""
    schema, url = create_schema(session_database_url, prefix)
    try:
        yield url
    finally:
        drop_schemas(session_database_url, schema)


class _SchemaPool:
    """Migrated schemas in the session's PostgreSQL database, reused: a test takes one, and gives it back
    emptied (TRUNCATE ... RESTART IDENTITY, a tenth of what migrating a new schema costs). A schema that
    cannot be emptied at once (a connection still holds a lock) is dropped instead."""

    def __init__(self, session_url: str) -> None:
        self.session_url = session_url
        self.free: list[str] = []
        self.made: dict[str, str] = {}  # each schema's URL: the schema

    def take(self) -> str:
        if self.free:
            return self.free.pop()
        schema, url = create_schema(self.session_url)
        self.made[url] = schema
        database = Database(url)
        try:
            database.migrate()
        finally:
            database.dispose()
        return url

    def give_back(self, url: str) -> None:
        import psycopg

        schema = self.made[url]
        with _psycopg_connect(make_url(self.session_url)) as connection:
            tables = [
                row[0]
                for row in connection.execute(
                    "SELECT tablename FROM pg_tables WHERE schemaname = %s AND tablename <> %s",
                    (schema, "alembic_version"),
                )
            ]
            try:
                connection.execute("SET lock_timeout = '5s'")
                if tables:
                    listed = ", ".join(f'"{schema}"."{table}"' for table in tables)
                    connection.execute(f"TRUNCATE {listed} RESTART IDENTITY CASCADE")
            except psycopg.errors.LockNotAvailable:  # a connection still holds it: not reused
                connection.execute("RESET lock_timeout")
                connection.execute(f'DROP SCHEMA IF EXISTS "{schema}" CASCADE')
                del self.made[url]
                return
        self.free.append(url)

    def drop_all(self) -> None:
        drop_schemas(self.session_url, *self.made.values())


@pytest.fixture(scope="session")
def postgres_schema_pool(postgres_session_database) -> Iterator[_SchemaPool]:
    pool = _SchemaPool(postgres_session_database)
    yield pool
    pool.drop_all()


@pytest.fixture(scope="session")
def sqlite_template(tmp_path_factory) -> Path:
    """A SQLite file migrated once a session; ``db`` copies it."""
    path = tmp_path_factory.mktemp("sqlite-template") / "kam.db"
    database = Database(f"sqlite:///{path}")
    try:
        database.migrate()
    finally:
        database.dispose()  # the last connection closing folds the WAL into the file
    return path


@pytest.fixture(params=["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)])
def database_kind(request) -> str:
    return request.param


@pytest.fixture
def database_url(request, database_kind, tmp_path) -> Iterator[str]:
    """An empty database, not yet migrated: a SQLite file, or a fresh PostgreSQL schema. In a test that
    also asks for ``db``, the URL of that database."""
    if "db" in request.fixturenames:
        yield request.getfixturevalue("db").url.render_as_string(hide_password=False)
        return
    if database_kind == "sqlite":
        yield f"sqlite:///{tmp_path / 'kam.db'}"
        return
    with fresh_schema(request.getfixturevalue("postgres_session_database")) as url:
        yield url


@pytest.fixture
def db(request, database_kind, tmp_path) -> Iterator[Database]:
    """A migrated, empty ``Database``: a copy of a SQLite file migrated once a session, or a PostgreSQL
    schema migrated once and emptied after each test that used it (migrating costs 50-150 ms a test)."""
    if database_kind == "sqlite":
        target = tmp_path / "kam.db"
        shutil.copyfile(request.getfixturevalue("sqlite_template"), target)
        database = Database(f"sqlite:///{target}")
        try:
            yield database
        finally:
            database.dispose()
        return
    pool: _SchemaPool = request.getfixturevalue("postgres_schema_pool")
    url = pool.take()
    database = Database(url)
    try:
        yield database
    finally:
        database.dispose()
        pool.give_back(url)
