"""Fixtures for the Slack tests: the Web API stand-in, and the app as a real ``kam-coach serve --http``
process pointed at it, started once per worker on SQLite and once on PostgreSQL.

Tests share that app (and its stand-in) across modules, so each test talks in its own channel or as its
own user (``ids``) and reads only its own messages from the stand-in. Tests that start an app of their
own, or read every call the stand-in saw, get a stand-in of their module's own.
"""

from __future__ import annotations

import inspect
import itertools
import os
import socket
import subprocess
import sys
import time
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import httpx
import pytest

from bot.store.testing import fresh_schema
from tests.conftest import REPO, cli_env
from tests.slack.sender import LOOPBACK_TLS, SlackSender
from tests.slack.standin import SlackStandIn

SIGNING_SECRET = "test-signing-secret-0123456789abcdef"
BOT_TOKEN = "xoxb-test-bot-token"
START_TIMEOUT = 180.0
_ids = itertools.count(1)


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@dataclass
class ServedApp:
    """A running ``kam-coach serve --http`` and the ways to talk to it."""

    url: str
    process: subprocess.Popen[bytes]
    log_path: Path
    database_url: str
    sender: SlackSender

    def log(self) -> str:
        return self.log_path.read_text(encoding="utf-8", errors="replace")

    def stop(self) -> int:
        self.sender.close()
        if self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(30)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait(10)
        return self.process.returncode


def start_serve(
    data_dir: Path,
    database_url: str,
    standin: SlackStandIn,
    log_path: Path,
    *args: str,
    **extra_env: str,
) -> ServedApp:
    """``kam-coach serve --http`` on a free port with ``args`` added, once /healthz answers."""
    port = free_port()
    # One process a served app: replicas are test_slack_processes.py's subject; here they would only add
    # start-up time and CPU to every module.
    extra_env.setdefault("SLACK_HTTP_PROCESSES", "1")
    env = cli_env(
        data_dir,
        DATABASE_URL=database_url,
        SLACK_BOT_TOKEN=BOT_TOKEN,
        SLACK_SIGNING_SECRET=SIGNING_SECRET,
        SLACK_API_URL=standin.api_url,
        KAM_LOG_LEVEL="INFO",
        **extra_env,
    )
    log_file = log_path.open("wb")
    process = subprocess.Popen(
        [sys.executable, "-m", "bot", "serve", "--http", "--port", str(port), "--no-scheduler", *args],
        cwd=REPO,
        env=env,
        stdout=log_file,
        stderr=subprocess.STDOUT,
    )
    url = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + START_TIMEOUT
    while True:
        if process.poll() is not None:
            raise RuntimeError(f"kam-coach serve exited with {process.returncode}:\n{log_path.read_text()}")
        try:
            if httpx.get(url + "/healthz", timeout=2, verify=LOOPBACK_TLS).status_code == 200:
                break
        except httpx.TransportError:
            pass
        if time.monotonic() > deadline:
            process.kill()
            raise RuntimeError(f"kam-coach serve not ready in {START_TIMEOUT} s:\n{log_path.read_text()}")
        time.sleep(0.1)
    return ServedApp(url, process, log_path, database_url, SlackSender(url, SIGNING_SECRET))


@pytest.fixture(scope="session")
def shared_standin() -> Iterator[SlackStandIn]:
    with SlackStandIn() as server:
        yield server


def _uses_shared_app(module: object) -> bool:
    return any(
        name.startswith("test_") and callable(test) and "slack_app" in inspect.signature(test).parameters
        for name, test in vars(module).items()
    )


@pytest.fixture(scope="module")
def standin(request) -> Iterator[SlackStandIn]:
    """The stand-in of this module's app: the shared one where the module's tests use ``slack_app``, else
    one of the module's own (tests that start their own app, or that read every call the stand-in saw)."""
    if _uses_shared_app(request.module):
        yield request.getfixturevalue("shared_standin")
        return
    with SlackStandIn() as server:
        yield server


def _empty_database(request, tmp_path_factory) -> Iterator[str]:
    """An empty database for an app: a SQLite file, or a schema in the session's PostgreSQL."""
    if request.param == "sqlite":
        yield f"sqlite:///{tmp_path_factory.mktemp('slack-db') / 'kam.db'}"
        return
    with fresh_schema(request.getfixturevalue("postgres_session_database"), "s") as url:
        yield url


DATABASES = ["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)]


@pytest.fixture(scope="module", params=DATABASES)
def module_database_url(request, tmp_path_factory) -> Iterator[str]:
    yield from _empty_database(request, tmp_path_factory)


@pytest.fixture(scope="session", params=DATABASES)
def shared_database_url(request, tmp_path_factory) -> Iterator[str]:
    yield from _empty_database(request, tmp_path_factory)


@pytest.fixture(scope="session")
def slack_app(
    shared_data_dir, index, shared_database_url, shared_standin, tmp_path_factory
) -> Iterator[ServedApp]:
    """``kam-coach serve --http`` against the stand-in, one a database for all the modules a worker runs
    that use it (a start costs 2-3 s of CPU): each test talks in its own channel or as its own user."""
    log_path = tmp_path_factory.mktemp("serve-log") / "serve.log"
    app = start_serve(shared_data_dir, shared_database_url, shared_standin, log_path, **_serve_env())
    try:
        yield app
    finally:
        app.stop()


def _serve_env() -> dict[str, str]:
    # A long placeholder delay keeps the message record simple on a slow machine; the placeholder has
    # its own test with a short delay.
    return {"SLACK_PLACEHOLDER_DELAY": os.environ.get("KAM_TEST_PLACEHOLDER_DELAY", "20")}


@dataclass(frozen=True)
class Ids:
    user: str
    channel: str
    dm: str


@pytest.fixture
def ids() -> Ids:
    """A user, a channel and a DM of this test's own, so tests sharing an app never meet."""
    n = next(_ids)
    tag = uuid.uuid4().hex[:6].upper()
    return Ids(user=f"U{tag}{n:03d}", channel=f"C{tag}{n:03d}", dm=f"D{tag}{n:03d}")
