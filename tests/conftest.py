"""Fixtures shared by the whole suite: real settings in a temporary data folder, a real index (real
USE embeddings, real Chroma, real BM25) built once per session, and two ways to run the real CLI: in
this process through ``bot.cli.main(argv)`` (most tests: a process start costs 1-3 s) and as a real
process (``python -m bot``, a few smoke tests per command family, so the entry point stays covered)."""

from __future__ import annotations

import fcntl
import io
import logging
import os
import subprocess
import sys
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

# The database fixtures (db, database_url and what they rest on), for every test directory.
pytest_plugins = ("bot.store.testing",)

REPO = Path(__file__).resolve().parent.parent
os.environ.setdefault("ANONYMIZED_TELEMETRY", "False")


def make_settings(data_dir: Path, **overrides: object):
    from bot.settings import Settings

    values = {"KAM_DATA_DIR": str(data_dir), **{k: str(v) for k, v in overrides.items()}}
    return Settings(**values)  # type: ignore[arg-type]


@pytest.fixture(scope="session", autouse=True)
def shared_cache_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """One cache folder (KAM_CACHE_DIR) for every data folder of the run, on every xdist worker: what is
    derived from the shipped model, cards and examples is made once, as on a machine whose data folders
    share their caches. Tests of the caches themselves give their commands a folder of their own."""
    base = tmp_path_factory.getbasetemp()
    folder = (base.parent if os.environ.get("PYTEST_XDIST_WORKER") else base) / "kam-cache"
    os.environ["KAM_CACHE_DIR"] = str(folder)
    return folder


@pytest.fixture(scope="session")
def shared_data_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A data folder whose index is built once; CLI subprocesses reuse it (their sync is a no-op)."""
    return tmp_path_factory.mktemp("kam-data")


@pytest.fixture(scope="session")
def settings(shared_data_dir: Path):
    return make_settings(shared_data_dir)


@pytest.fixture(scope="session")
def index(settings, shared_cache_dir: Path):
    """The session's index. The first worker to get here embeds the cards and the coach's examples into
    the run's cache folder while the others wait, then read them (two embedding at once on two cores take
    as long as one, twice over)."""
    from bot.app import assemble_coach, build_index
    from bot.coach.turn import Turn

    shared_cache_dir.mkdir(parents=True, exist_ok=True)
    with (shared_cache_dir / ".first-build.lock").open("w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        built = build_index(settings)
        assemble_coach(settings, index=built).handle(Turn(text="what is LRAIC"))
    return built


@pytest.fixture(scope="session")
def coach(settings, index):
    """A coach that answers questions only (no database), as `kam-coach ask` builds it."""
    from bot.app import assemble_coach

    return assemble_coach(settings, index=index)


def _callers_setting(name: str) -> bool:
    """A setting of the caller's, which a command run by a test must not see (the run's shared cache
    folder is the suite's own)."""
    return name.startswith(("KAM_", "DATABASE_URL", "SLACK_")) and name != "KAM_CACHE_DIR"


def _settings_env() -> dict[str, str]:
    """The environment a command sees: this process's, without any setting of the caller's."""
    return {k: v for k, v in os.environ.items() if not _callers_setting(k)}


def cli_env(data_dir: Path, **extra: str) -> dict[str, str]:
    env = _settings_env()
    env.update({"KAM_DATA_DIR": str(data_dir), "ANONYMIZED_TELEMETRY": "False", "PYTHONPATH": str(REPO)})
    env.update(extra)
    return env


@dataclass(frozen=True)
class CliRun:
    """What a command run in-process left behind, shaped like ``subprocess.CompletedProcess``."""

    returncode: int
    stdout_bytes: bytes
    stderr: str

    @property
    def stdout(self) -> str:
        return self.stdout_bytes.decode("utf-8")


def run_in_process(
    args: tuple[str, ...] | list[str],
    *,
    data_dir: Path,
    stdin: str | bytes | None = None,
    reuse_index: Callable[[object], object | None] | None = None,
    **env: str,
) -> CliRun:
    """``kam-coach ARGS`` through ``bot.cli.main``, with its own environment, standard streams (real
    byte buffers under UTF-8 text, as a pipe gives) and settings read afresh from that environment.

    ``reuse_index(settings)`` may hand back an index already built for those settings (building one
    costs seconds); None builds it as the command would.
    """
    import bot.app
    from bot.cli import main
    from bot.logging_setup import configure_logging
    from bot.settings import get_settings

    raw = stdin.encode("utf-8") if isinstance(stdin, str) else (stdin or b"")
    streams = {
        "stdin": io.TextIOWrapper(io.BytesIO(raw), encoding="utf-8"),
        "stdout": io.TextIOWrapper(io.BytesIO(), encoding="utf-8", write_through=True),
        "stderr": io.TextIOWrapper(io.BytesIO(), encoding="utf-8", write_through=True),
    }
    root = logging.getLogger()
    levels = (root.level, [(handler, handler.level) for handler in root.handlers])
    configured = getattr(configure_logging, "_done", False)
    real_build_index = bot.app.build_index

    def build_index(settings=None):
        reused = reuse_index(settings) if reuse_index and settings is not None else None
        return reused if reused is not None else real_build_index(settings)

    with pytest.MonkeyPatch.context() as patch:
        for name in list(os.environ):
            if _callers_setting(name):
                patch.delenv(name)
        patch.setenv("KAM_DATA_DIR", str(data_dir))
        patch.setenv("ANONYMIZED_TELEMETRY", "False")
        for name, value in env.items():
            patch.setenv(name, value)
        for name, stream in streams.items():
            patch.setattr(sys, name, stream)
        patch.setattr(bot.app, "build_index", build_index)
        get_settings.cache_clear()
        try:
            code = main(list(args))
        except SystemExit as exit_:  # --help and --version exit from argparse
            code = exit_.code if isinstance(exit_.code, int) else 1
        finally:
            get_settings.cache_clear()
            root.setLevel(levels[0])
            for handler, level in levels[1]:
                handler.setLevel(level)
            for handler in root.handlers[:]:  # the command's own stderr handler goes with its run
                if all(handler is not kept for kept, _level in levels[1]):
                    root.removeHandler(handler)
            configure_logging._done = configured  # type: ignore[attr-defined]
    out, err = streams["stdout"].buffer, streams["stderr"].buffer
    return CliRun(code, out.getvalue(), err.getvalue().decode("utf-8"))  # type: ignore[attr-defined]


def shared_index_for(shared_data_dir: Path, index) -> Callable[[object], object | None]:
    """The session's index for commands run on its data folder with the shipped knowledge and model."""
    from bot.settings import Settings

    default = Settings(KAM_DATA_DIR=str(shared_data_dir))  # type: ignore[call-arg]

    def reuse(settings) -> object | None:
        same = (settings.data_dir, settings.knowledge_dir, settings.embeddings, settings.chroma_host) == (
            default.data_dir,
            default.knowledge_dir,
            default.embeddings,
            default.chroma_host,
        )
        return index if same else None

    return reuse


@pytest.fixture(scope="session")
def run_cli(shared_data_dir: Path, index):
    """Runs `kam-coach ARGS` in this process against the shared data folder (see ``run_in_process``)."""
    reuse = shared_index_for(shared_data_dir, index)

    def run(*args: str, stdin: str | bytes | None = None, data_dir: Path | None = None, **env: str) -> CliRun:
        folder = data_dir or shared_data_dir
        return run_in_process(args, data_dir=folder, stdin=stdin, reuse_index=reuse, **env)

    return run


@pytest.fixture(scope="session")
def run_process(shared_data_dir: Path, index):
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
