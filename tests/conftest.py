"""Fixtures shared by the whole suite: real settings in a temporary data folder, a real index (real
USE embeddings, real Chroma, real BM25) built once per session, and a way to run the real CLI."""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parent.parent
os.environ.setdefault("ANONYMIZED_TELEMETRY", "False")


def make_settings(data_dir: Path, **overrides: object):
    from bot.settings import Settings

    values = {"KAM_DATA_DIR": str(data_dir), **{k: str(v) for k, v in overrides.items()}}
    return Settings(**values)  # type: ignore[arg-type]


@pytest.fixture(scope="session")
def shared_data_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A data folder whose index is built once; CLI subprocesses reuse it (their sync is a no-op)."""
    return tmp_path_factory.mktemp("kam-data")


@pytest.fixture(scope="session")
def settings(shared_data_dir: Path):
    return make_settings(shared_data_dir)


@pytest.fixture(scope="session")
def index(settings):
    from bot.app import build_index

    return build_index(settings)


@pytest.fixture(scope="session")
def coach(settings, index):
    """A coach that answers questions only (no database), as `kam-coach ask` builds it."""
    from bot.app import assemble_coach

    return assemble_coach(settings, index=index)


def cli_env(data_dir: Path, **extra: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("KAM_", "DATABASE_URL", "SLACK_"))}
    env.update({"KAM_DATA_DIR": str(data_dir), "ANONYMIZED_TELEMETRY": "False", "PYTHONPATH": str(REPO)})
    env.update(extra)
    return env


@pytest.fixture(scope="session")
def run_cli(shared_data_dir: Path, index):
    """Runs `kam-coach ARGS` as a real process (python -m bot) against the shared data folder."""

    def run(
        *args: str, stdin: str | None = None, data_dir: Path | None = None, timeout: float = 120, **env: str
    ) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            [sys.executable, "-m", "bot", *args],
            input=stdin,
            capture_output=True,
            text=True,
            cwd=REPO,
            env=cli_env(data_dir or shared_data_dir, **env),
            timeout=timeout,
        )

    return run


@pytest.fixture
def fresh_settings(tmp_path: Path) -> Iterator[object]:
    yield make_settings(tmp_path / "data")


@pytest.fixture(scope="session")
def form_session(settings):
    """form_session(kind, language="en") -> (Session, FormRunner): one form's working session with the
    shipped wording and no database, for tests of the engine's parts (finding slots, patterns)."""
    from bot.coach.forms.commands import CommandWords
    from bot.coach.forms.form import FormTools, Session
    from bot.coach.forms.plan import PlanForm
    from bot.coach.forms.pricing import PricingForm
    from bot.coach.forms.prioritise import PrioritiseForm
    from bot.coach.forms.runner import FormRunner
    from bot.coach.forms.state import FormState
    from bot.coach.reply import Reply
    from bot.coach.turn import Turn
    from bot.wording import Catalogue

    catalogue = Catalogue(settings.prompts_dir)
    tools = FormTools(catalogue=catalogue, commands=CommandWords(catalogue.file("commands.yaml")), cards=None)  # type: ignore[arg-type]
    forms = {"plan": PlanForm(None), "pricing": PricingForm(), "prioritise": PrioritiseForm()}  # type: ignore[arg-type]

    def no_answer(text: str, language):
        return Reply(text="", language=language, intent="question")

    def make(kind: str, language: str = "en"):
        state = FormState(form=kind, language=language)  # type: ignore[arg-type]
        return Session(forms[kind], state, Turn(text=""), tools, no_answer), FormRunner(tools)

    return make
