"""Storage: SQLAlchemy 2 models, Alembic migrations, and the stores the coach uses.

``open_database(settings)`` gives a migrated ``Database``; ``SqlDialogStateStore(db)`` keeps dialog state;
``EscalationStore(db)`` keeps escalated deals.
"""

from bot.store.db import Database, DatabaseError, open_database

__all__ = ["Database", "DatabaseError", "open_database"]
