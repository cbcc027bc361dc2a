from bot.store.testing import (  # noqa: F401
    database_kind,
    database_url,
    db,
    postgres_schema_pool,
    postgres_session_database,
    sqlite_template,
)
