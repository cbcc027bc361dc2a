"""Fixtures for the dialog tests: the real coach from the composition root (``bot.app.build_coach``) with
the session's shared index and a fresh SQLite database per test, and a way to talk to it."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from tests.conftest import make_settings


@pytest.fixture
def dialog_settings(shared_data_dir: Path, tmp_path: Path):
    """The shared data folder (its index is already built) with this test's own database."""
    return make_settings(shared_data_dir, DATABASE_URL=f"sqlite:///{tmp_path / 'coach.db'}")


@pytest.fixture
def make_coach(dialog_settings, index) -> Iterator[Callable[[], object]]:
    """Builds a coach exactly as the adapters do, reusing the session's index (building one costs ~10 s).

    Each call gives a new Coach on the same database: a second call is a restart of the process.
    """
    from bot.app import assemble_coach
    from bot.store import open_database

    databases = []

    def build():
        db = open_database(dialog_settings)
        databases.append(db)
        return assemble_coach(dialog_settings, index=index, db=db)

    yield build
    for db in databases:
        db.dispose()


@pytest.fixture
def coach(make_coach):
    return make_coach()


@pytest.fixture
def say(coach):
    """say(text, user="u1") -> Reply: one turn from a terminal user."""
    from bot.coach.turn import Turn

    def turn(text: str, user: str = "u1", **where: str):
        return coach.handle(Turn(text=text, user_id=user, **where))

    return turn
