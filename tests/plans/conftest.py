"""Fixtures for the plan tests: a real database (SQLite and PostgreSQL), the plan services, and the real
Coach wired with PlanDialog and the SQL dialog store, as `bot.app.build_coach` wires it."""

from __future__ import annotations

from datetime import date

import pytest

from bot.store.testing import database_url, db, postgres_session_database  # noqa: F401

TODAY = date(2026, 11, 27)  # a Friday


@pytest.fixture
def plans(db):  # noqa: F811
    from bot.plans.repository import PlanRepository

    return PlanRepository(db, admin_ids={"UADMINENV"}, today=lambda: TODAY)


@pytest.fixture
def plan_dialog(settings):
    from bot.coach.plan_dialog import PlanDialog

    return PlanDialog(settings.prompts_dir, settings.knowledge_dir, today=lambda: TODAY)


@pytest.fixture
def wired_coach(settings, index, db, plans, plan_dialog):  # noqa: F811
    """The real Coach (real retrieval for side questions) with the plan dialog and the SQL dialog store."""
    from bot.coach.coach import Coach
    from bot.store.dialog_store import SqlDialogStateStore

    coach = Coach(
        settings, index=index, dialog_store=SqlDialogStateStore(db), services={"plans": plans, "db": db}
    )
    coach.register_dialog(plan_dialog, "plan")
    return coach
