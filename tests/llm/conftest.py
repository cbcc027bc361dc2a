"""Fixtures for the language model tests: the OpenAI-compatible stand-in over real HTTP, the user's
environment with KAM_LLM pointing at it (for the CLI run in-process), and coaches built by the real
composition root on the session's shared index."""

from __future__ import annotations

import json
import os
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.conftest import make_settings
from tests.llm.standin import StandIn


@pytest.fixture(scope="session")
def model_server() -> Iterator[StandIn]:
    with StandIn() as server:
        yield server


@pytest.fixture
def stand_in(model_server: StandIn) -> Iterator[StandIn]:
    model_server.reset()
    yield model_server
    model_server.reset()


@pytest.fixture
def user_env(monkeypatch: pytest.MonkeyPatch, shared_data_dir: Path, index) -> Callable[..., None]:
    """user_env(KAM_LLM=..., ...): the environment `kam-coach` reads, as a user would set it, with the
    session's index reused (building one costs ~10 s) and the settings read afresh."""
    import bot.app
    from bot.settings import get_settings

    for key in list(os.environ):
        if key.startswith(("KAM_", "DATABASE_URL", "OPENAI_")):
            monkeypatch.delenv(key)
    monkeypatch.setenv("KAM_DATA_DIR", str(shared_data_dir))
    monkeypatch.setattr(bot.app, "build_index", lambda settings=None: index)

    def set_env(**values: Any) -> None:
        for key, value in values.items():
            monkeypatch.setenv(key, str(value))
        get_settings.cache_clear()

    set_env()
    yield set_env
    get_settings.cache_clear()


@pytest.fixture
def llm_env(user_env, stand_in: StandIn) -> Callable[..., None]:
    """KAM_LLM set to the stand-in, as the README says to point the coach at an OpenAI-compatible server."""
    user_env(KAM_LLM="openai:stand-in", KAM_LLM_BASE_URL=stand_in.base_url)
    return user_env


@pytest.fixture
def ask(capsys: pytest.CaptureFixture[str]) -> Callable[..., tuple[int, dict[str, Any]]]:
    """ask(question) -> (exit status, the JSON object): `kam-coach ask --json QUESTION`, in-process."""
    from bot.cli import main

    def run(question: str, log_level: str = "WARNING") -> tuple[int, dict[str, Any]]:
        status = main(["--log-level", log_level, "ask", "--json", question])
        captured = capsys.readouterr()
        lines = [line for line in captured.out.splitlines() if line.strip()]
        assert len(lines) == 1, captured
        return status, json.loads(lines[0])

    return run


@pytest.fixture
def llm_coach(
    shared_data_dir: Path, tmp_path: Path, index, stand_in: StandIn
) -> Iterator[Callable[..., Any]]:
    """llm_coach(**settings) -> a Coach with forms and a database, as `kam-coach chat` builds it, with
    KAM_LLM pointing at the stand-in."""
    from bot.app import assemble_coach
    from bot.store import open_database

    databases = []

    def build(**overrides: Any):
        settings = make_settings(
            shared_data_dir,
            DATABASE_URL=f"sqlite:///{tmp_path / 'coach.db'}",
            KAM_LLM="openai:stand-in",
            KAM_LLM_BASE_URL=stand_in.base_url,
            **overrides,
        )
        db = open_database(settings)
        databases.append(db)
        return assemble_coach(settings, index=index, db=db)

    yield build
    for db in databases:
        db.dispose()
