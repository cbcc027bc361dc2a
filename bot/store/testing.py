"""pytest fixtures for code that needs a real database, on SQLite and on PostgreSQL.

Import them into a ``conftest.py``::

    from bot.store.testing import database_url, db, postgres_session_database  # noqa: F401

``database_url`` is parameterised over ``sqlite`` (a file under ``tmp_path``) and ``postgresql`` (a fresh
schema per test inside a database created for the test session on 127.0.0.1:5432, dropped at the end).
PostgreSQL is skipped only when ``KAM_SKIP_POSTGRES=1``; otherwise a server that cannot be reached fails the
tests, since CI starts one. ``KAM_TEST_POSTGRES_URL`` points at another server (default
``postgresql+psycopg://postgres@127.0.0.1:5432/test``).
"""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator

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


@pytest.fixture(params=["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)])
def database_url(request, tmp_path) -> Iterator[str]:
    """An empty database, not yet migrated: a SQLite file, or a fresh PostgreSQL schema."""
    if request.param == "sqlite":
        yield f"sqlite:///{tmp_path / 'kam.db'}"
        return
    session_url = request.getfixturevalue("postgres_session_database")
    schema = f"t_{uuid.uuid4().hex[:12]}"
    url = make_url(session_url)
    with _psycopg_connect(url) as connection:
        connection.execute(f'CREATE SCHEMA "{schema}"')
    try:
        yield postgres_schema_url(session_url, schema)
    finally:
        with _psycopg_connect(url) as connection:
            connection.execute(f'DROP SCHEMA IF EXISTS "{schema}" CASCADE')


@pytest.fixture
def db(database_url) -> Iterator[Database]:
    """A migrated ``Database`` on ``database_url``."""
    database = Database(database_url)
    database.migrate()
    try:
        yield database
    finally:
        database.dispose()
