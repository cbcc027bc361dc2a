from bot.store.testing import database_url, db, postgres_session_database  # noqa: F401
