"""The database: one SQLAlchemy 2 engine, sessions that commit or roll back, and Alembic migrations.

SQLite (a file under KAM_DATA_DIR, WAL journal) is the embedded default; PostgreSQL is used when
DATABASE_URL says so (``postgresql+psycopg://user:pass@host/db``). Migrations ship inside the package
(``bot/store/migrations``) and run programmatically, so no ``alembic.ini`` is needed at run time.
"""

from __future__ import annotations

import logging
from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from pathlib import Path
from typing import TYPE_CHECKING, Any, cast

from sqlalchemy import CursorResult, Engine, Result, create_engine, event, text
from sqlalchemy.engine import URL, make_url
from sqlalchemy.exc import ArgumentError, NoSuchModuleError, OperationalError, SQLAlchemyError
from sqlalchemy.orm import Session, sessionmaker
from sqlalchemy.pool import StaticPool

from bot.errors import ServiceUnavailable, SettingError

if TYPE_CHECKING:
    from bot.settings import Settings

log = logging.getLogger(__name__)

MIGRATIONS_DIR = Path(__file__).resolve().parent / "migrations"
SQLITE_BUSY_TIMEOUT_MS = 30_000
# Any fixed number: PostgreSQL processes starting together take turns to migrate.
_MIGRATION_LOCK_KEY = 7_240_531_001


# The unit of work open in this thread (or task), if any: (the database, its session). Every store call made
# inside it joins its session, so one turn's writes (answer, audit row, dialog state, handled event id)
# commit together or not at all, without threading a session through every signature.
_AMBIENT: ContextVar[tuple[Database, Session] | None] = ContextVar("kam_unit_of_work", default=None)


class DatabaseError(ServiceUnavailable):
    """The database named by DATABASE_URL (or the default SQLite file) cannot be used now (exit 1)."""


class DatabaseUrlError(DatabaseError, SettingError):
    """DATABASE_URL itself is wrong: not a URL, or no driver for it (bad input, exit 2)."""

    def __init__(self, problem: str) -> None:
        SettingError.__init__(self, "DATABASE_URL", problem)


def _normalise_url(raw: str | URL) -> URL:
    try:
        url = raw if isinstance(raw, URL) else make_url(raw)
    except ArgumentError as bad:
        raise DatabaseUrlError(
            f"not a database URL ({bad}); expected e.g. "
            "postgresql+psycopg://user:password@host:5432/dbname or sqlite:///path/to/file.db"
        ) from None
    # psycopg 3 is the PostgreSQL driver we ship; plain postgresql:// would ask for psycopg2.
    if url.drivername in ("postgresql", "postgres"):
        url = url.set(drivername="postgresql+psycopg")
    return url


def describe_url(url: URL | str) -> str:
    """The URL with its password hidden, for messages and logs."""
    if isinstance(url, str):
        try:
            url = make_url(url)
        except ArgumentError:
            return "<unparseable URL>"
    return url.render_as_string(hide_password=True)


class Database:
    """An engine plus a session factory. ``Database(url)`` connects lazily; ``check()`` connects now."""

    def __init__(self, url: str | URL, *, echo: bool = False) -> None:
        self.url = _normalise_url(url)
        self.dialect = self.url.get_backend_name()
        try:
            self.engine: Engine = self._create_engine(echo)
        except NoSuchModuleError:
            raise DatabaseUrlError(
                f"{describe_url(self.url)}: no driver for {self.url.drivername!r}; "
                "use sqlite:///… or postgresql+psycopg://…"
            ) from None
        except ArgumentError as bad:
            raise DatabaseUrlError(f"{describe_url(self.url)} is not usable: {bad}") from None
        self._sessions = sessionmaker(self.engine, expire_on_commit=False)

    @property
    def is_sqlite(self) -> bool:
        return self.dialect == "sqlite"

    @property
    def is_postgresql(self) -> bool:
        return self.dialect == "postgresql"

    def _create_engine(self, echo: bool) -> Engine:
        kwargs: dict[str, Any] = {"echo": echo}
        if self.is_sqlite:
            database = self.url.database or ""
            in_memory = database in ("", ":memory:") or database.startswith("file::memory:")
            connect_args: dict[str, Any] = {
                "check_same_thread": False,
                "timeout": SQLITE_BUSY_TIMEOUT_MS / 1000,
            }
            if in_memory:
                kwargs["poolclass"] = StaticPool
            else:
                try:
                    Path(database).expanduser().parent.mkdir(parents=True, exist_ok=True)
                except OSError as failure:
                    raise DatabaseUrlError(
                        f"cannot create the folder for the SQLite database {database} "
                        f"({failure.strerror or failure}); set it to a writable place or another database"
                    ) from None
            engine = create_engine(self.url, connect_args=connect_args, **kwargs)
            _install_sqlite_hooks(engine, wal=not in_memory)
            return engine
        if self.is_postgresql:
            connect_args = {}
            if "connect_timeout" not in self.url.query:
                connect_args["connect_timeout"] = 10
            return create_engine(self.url, pool_pre_ping=True, connect_args=connect_args, **kwargs)
        return create_engine(self.url, pool_pre_ping=True, **kwargs)

    def check(self) -> None:
        """Connect once, or raise DatabaseError naming DATABASE_URL and the reason."""
        try:
            with self.engine.connect() as connection:
                connection.execute(text("SELECT 1"))
        except OperationalError as failure:
            reason = str(failure.orig or failure).strip().splitlines()[0]
            raise DatabaseError(
                f"cannot reach the database at DATABASE_URL={describe_url(self.url)}: {reason}"
            ) from None
        except SQLAlchemyError as failure:
            raise DatabaseError(
                f"cannot use the database at DATABASE_URL={describe_url(self.url)}: {failure}"
            ) from None

    @contextmanager
    def unit_of_work(self) -> Iterator[Session]:
        """One transaction spanning every store call made inside the block, in this thread: they commit
        together when it ends, or all roll back if it raises. A nested unit of work joins the outer one."""
        ambient = _AMBIENT.get()
        if ambient is not None and ambient[0] is self:
            yield ambient[1]
            return
        session = self._sessions()
        token = _AMBIENT.set((self, session))
        try:
            yield session
            session.commit()
        except BaseException:
            session.rollback()
            raise
        finally:
            _AMBIENT.reset(token)
            session.close()

    @contextmanager
    def session(self) -> Iterator[Session]:
        """A transaction: commits when the block ends, rolls back if it raises. Inside a unit of work it is
        the unit's session, committed by the unit."""
        ambient = _AMBIENT.get()
        if ambient is not None and ambient[0] is self:
            yield ambient[1]
            return
        session = self._sessions()
        try:
            yield session
            session.commit()
        except BaseException:
            session.rollback()
            raise
        finally:
            session.close()

    def migrate(self, revision: str = "head") -> None:
        """Bring the schema up to ``revision`` (Alembic ``upgrade``), safe to run from several processes."""
        if not log.isEnabledFor(logging.DEBUG):
            logging.getLogger("alembic").setLevel(logging.WARNING)  # its INFO lines on each start are noise
        from alembic import command

        config = alembic_config()
        try:
            with self.engine.begin() as connection:
                if self.is_postgresql:
                    connection.execute(
                        text("SELECT pg_advisory_xact_lock(:key)"), {"key": _MIGRATION_LOCK_KEY}
                    )
                before = _revision(connection)
                config.attributes["connection"] = connection
                command.upgrade(config, revision)
                after = _revision(connection)
            if before != after:
                log.info("database migrated from %s to %s", before or "empty", after)
        except OperationalError as failure:
            reason = str(failure.orig or failure).strip().splitlines()[0]
            raise DatabaseError(
                f"cannot migrate the database at DATABASE_URL={describe_url(self.url)}: {reason}"
            ) from None
        finally:
            config.attributes.pop("connection", None)

    def current_revision(self) -> str | None:
        from alembic.runtime.migration import MigrationContext

        with self.engine.connect() as connection:
            return MigrationContext.configure(connection).get_current_revision()

    def dispose(self) -> None:
        self.engine.dispose()


def _revision(connection) -> str | None:
    from alembic.runtime.migration import MigrationContext

    return MigrationContext.configure(connection).get_current_revision()


def rows_changed(result: Result[Any]) -> int:
    """How many rows an UPDATE or DELETE changed (SQLAlchemy types its result as the plain `Result`)."""
    return cast("CursorResult[Any]", result).rowcount or 0


def head_revision() -> str:
    """The newest migration shipped in the package: what `migrate()` brings a database to."""
    from alembic.script import ScriptDirectory

    head = ScriptDirectory.from_config(alembic_config()).get_current_head()
    assert head is not None, "the package ships no migrations"
    return head


def alembic_config():
    """The Alembic configuration, built in code from the migrations shipped in the package."""
    from alembic.config import Config

    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS_DIR))
    return config


def _install_sqlite_hooks(engine: Engine, *, wal: bool) -> None:
    """WAL journal, foreign keys, a busy timeout, and real transactions (BEGIN IMMEDIATE).

    pysqlite's own transaction handling begins lazily and cannot take the write lock up front; taking it at
    BEGIN means two processes updating the same plan wait for each other instead of failing on commit.
    """

    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_connection, _record) -> None:
        dbapi_connection.isolation_level = None  # we emit BEGIN ourselves
        cursor = dbapi_connection.cursor()
        try:
            cursor.execute(f"PRAGMA busy_timeout = {SQLITE_BUSY_TIMEOUT_MS}")
            if wal:
                cursor.execute("PRAGMA journal_mode = WAL")
            cursor.execute("PRAGMA foreign_keys = ON")
        finally:
            cursor.close()

    @event.listens_for(engine, "begin")
    def _on_begin(connection) -> None:
        connection.exec_driver_sql("BEGIN IMMEDIATE")


def open_database(settings: Settings, *, migrate: bool = True) -> Database:
    """The database the settings name, checked and migrated to the latest schema."""
    if not settings.database_url:
        settings.ensure_data_dir()
    database = Database(settings.sqlalchemy_url)
    database.check()
    if migrate:
        database.migrate()
    log.debug("database ready: %s", describe_url(database.url))
    return database
