"""Storage: SQLAlchemy 2 models, Alembic migrations, and the stores the coach uses.

``open_database(settings)`` gives a migrated ``Database``; ``SqlDialogStateStore(db)`` keeps dialog state;
``EscalationStore(db)`` keeps escalated deals.
"""

from bot.store import rhythm_tables as _rhythm_tables  # noqa: F401  (adds its tables to Base.metadata)
from bot.store.db import Database, DatabaseError, open_database

__all__ = ["Database", "DatabaseError", "open_database"]
