"""Fixtures for the rhythm: a real database (SQLite and PostgreSQL), a team, and the rhythm wired with a
recording delivery and a controlled clock."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from pathlib import Path

import pytest
from sqlalchemy import event

REPO = Path(__file__).resolve().parents[2]
# Ann works from Shanghai, Ben from New York (daylight saving), Chen has no zone (KAM_TIMEZONE).
PEOPLE = """slack_id,name,email,manager_slack_id,team,is_admin,tz,language
U0HEAD,Grace Hopper,grace@example.com,,Sales leadership,true,Europe/London,en
U0MGR1,Diego Alvarez,diego@example.com,U0HEAD,Key accounts,false,America/New_York,en
U0MGR2,王芳,wangfang@example.com,U0HEAD,关键客户南区,false,Asia/Shanghai,zh
U0AM01,Ann Lee,ann@example.com,U0MGR1,Key accounts,false,Asia/Shanghai,en
U0AM02,Ben Okafor,ben@example.com,U0MGR1,Key accounts,false,America/New_York,en
U0AM03,李伟,liwei@example.com,U0MGR2,关键客户南区,false,Asia/Shanghai,zh
U0SE01,Chen Jing,chen@example.com,U0AM01,Solutions,false,,
U0OUT,Olga,olga@example.com,,West,false,,
"""
CREATED = datetime(2026, 11, 30, 12, 0, tzinfo=UTC)


class Clock:
    def __init__(self, now: datetime = CREATED) -> None:
        self.now = now

    def __call__(self) -> datetime:
        return self.now


@pytest.fixture
def clock() -> Clock:
    return Clock()


@pytest.fixture
def team(db):
    from bot.plans.directory import import_people

    import_people(db, PEOPLE)
    return db


def make_settings(tmp_path: Path, **overrides: str):
    from bot.settings import Settings

    values = {"KAM_DATA_DIR": str(tmp_path), "KAM_PROMPTS_DIR": str(REPO / "prompts"), **overrides}
    return Settings(**values)  # type: ignore[arg-type]


@pytest.fixture
def make_rhythm(db, tmp_path, clock) -> Callable[..., object]:
    """``make_rhythm(delivery=None, **settings)``: the rhythm on the test database, recording by default."""
    from bot.rhythm.delivery import RecordingDelivery
    from bot.rhythm.wiring import build_rhythm

    def make(delivery=None, **overrides: str):
        return build_rhythm(
            make_settings(tmp_path, **overrides), db, delivery=delivery or RecordingDelivery(), clock=clock
        )

    return make


@pytest.fixture
def rhythm(make_rhythm):
    return make_rhythm()


def at(text: str) -> datetime:
    """An aware datetime from ISO text (``2027-03-03T01:00Z``)."""
    return datetime.fromisoformat(text)


@contextmanager
def counted_statements(engine) -> Iterator[list[str]]:
    """Every SQL statement the engine runs inside the block."""
    statements: list[str] = []

    def record(_conn, _cursor, statement, _params, _context, _executemany) -> None:
        statements.append(statement)

    event.listen(engine, "before_cursor_execute", record)
    try:
        yield statements
    finally:
        event.remove(engine, "before_cursor_execute", record)
