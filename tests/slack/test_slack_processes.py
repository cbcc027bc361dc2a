"""``kam-coach serve --http --processes 2``: two replicas on one port (SO_REUSEPORT), started, stopped and
watched by their parent.

Requests go over real HTTP, each on a connection of its own as Slack's would be, so the kernel spreads
them over both replicas; every mention (and its redelivery, which may reach the other replica) is answered
once. SIGTERM to the parent stops every replica after the acknowledged work is done; a replica that dies
is reported and the parent exits non-zero instead of serving on short-handed.
"""

from __future__ import annotations

import json
import os
import signal
import time
import uuid
from collections.abc import Iterator
from pathlib import Path

import httpx
import psutil
import pytest

from tests.slack.conftest import SIGNING_SECRET, ServedApp, start_serve
from tests.slack.sender import LOOPBACK_TLS, event_envelope, mention_event
from tests.slack.signing import signed_headers

pytestmark = pytest.mark.slow

QUESTIONS = [
    "What is LRAIC and why does it matter?",
    "How do I map the buying centre of a key account?",
    "How often should I review an account plan?",
]


def replicas_of(app: ServedApp, count: int = 2, timeout: float = 180.0) -> list[psutil.Process]:
    """The replica processes, once ``count`` of them listen on the app's port (/healthz answers as soon
    as the first one does)."""
    port = int(app.url.rsplit(":", 1)[1])
    deadline = time.monotonic() + timeout
    while True:
        listening = []
        for child in psutil.Process(app.process.pid).children():
            try:
                connections = child.net_connections(kind="tcp")
            except psutil.NoSuchProcess:
                continue
            if any(c.status == psutil.CONN_LISTEN and c.laddr.port == port for c in connections):
                listening.append(child)
        if len(listening) >= count:
            return listening
        assert app.process.poll() is None, app.log()
        assert time.monotonic() < deadline, f"{count} replicas not listening:\n{app.log()}"
        time.sleep(0.2)


def post_fresh(app: ServedApp, envelope: dict, retry_num: int | None = None) -> int:
    """One signed event on a connection of its own (the kernel picks the replica per connection)."""
    body = json.dumps(envelope).encode()
    headers = {"Content-Type": "application/json", **signed_headers(SIGNING_SECRET, body)}
    if retry_num is not None:
        headers.update({"X-Slack-Retry-Num": str(retry_num), "X-Slack-Retry-Reason": "http_timeout"})
    response = httpx.post(
        app.url + "/slack/events", content=body, headers=headers, timeout=30, verify=LOOPBACK_TLS
    )
    return response.status_code


def talked_to(process: psutil.Process, url: str) -> bool:
    """Whether the process holds a connection to ``url``'s port: the Web API client keeps one per worker
    thread open after a call, and a replica makes its first call when it handles its first request."""
    port = int(url.split("://", 1)[1].split("/", 1)[0].rsplit(":", 1)[1])
    return any(c.raddr and c.raddr.port == port for c in process.net_connections(kind="tcp"))


def start_two(data_dir: Path, database_url: str, standin, log_path: Path) -> ServedApp:
    return start_serve(
        data_dir, database_url, standin, log_path, "--processes", "2", SLACK_PLACEHOLDER_DELAY="20"
    )


@pytest.fixture(scope="module")
def two_replicas(
    shared_data_dir, index, module_database_url, standin, tmp_path_factory
) -> Iterator[ServedApp]:
    app = start_two(
        shared_data_dir, module_database_url, standin, tmp_path_factory.mktemp("two") / "serve.log"
    )
    try:
        yield app
    finally:
        app.stop()


def test_mentions_spread_over_both_replicas_are_each_answered_once(two_replicas, standin):
    replicas = replicas_of(two_replicas)
    channel = f"C{uuid.uuid4().hex[:8].upper()}"
    mentions = []
    for number in range(16):
        event = mention_event(QUESTIONS[number % len(QUESTIONS)], user=f"U0PROC{number:03d}", channel=channel)
        envelope = event_envelope(event, f"EvProc{uuid.uuid4().hex[:12]}")
        assert post_fresh(two_replicas, envelope) == 200
        assert post_fresh(two_replicas, envelope, retry_num=1) == 200  # may reach the other replica
        mentions.append(event["ts"])
    for ts in mentions:
        standin.wait_for_message(channel, ts, timeout=60)
    time.sleep(1.0)  # a second answer to any of them would show up by now
    answers = {ts: len(standin.messages(channel, ts)) for ts in mentions}
    assert set(answers.values()) == {1}, answers
    # Both replicas took requests (32 connections: all on one replica would be a 1 in 2^31 chance).
    assert all(talked_to(r, standin.api_url) for r in replicas)


def test_sigterm_stops_every_replica_after_the_acknowledged_work(
    shared_data_dir, index, tmp_path, standin
) -> None:
    app = start_two(shared_data_dir, f"sqlite:///{tmp_path / 'kam.db'}", standin, tmp_path / "serve.log")
    try:
        replicas = replicas_of(app)
        channel = f"C{uuid.uuid4().hex[:8].upper()}"
        event = mention_event(QUESTIONS[0], user="U0PROCSTOP", channel=channel)
        assert post_fresh(app, event_envelope(event)) == 200
        app.process.send_signal(signal.SIGTERM)
        assert app.process.wait(120) == 0, app.log()
        assert not [r.pid for r in replicas if r.is_running() and r.status() != psutil.STATUS_ZOMBIE]
        assert len(standin.messages(channel, event["ts"])) == 1  # acknowledged, so answered before stopping
    finally:
        app.stop()


def test_a_replica_that_dies_is_reported_and_stops_the_service(
    shared_data_dir, index, tmp_path, standin
) -> None:
    app = start_two(shared_data_dir, f"sqlite:///{tmp_path / 'kam.db'}", standin, tmp_path / "serve.log")
    try:
        first, second = replicas_of(app)
        os.kill(second.pid, signal.SIGKILL)
        assert app.process.wait(120) != 0
        assert "exited with code -9" in app.log()
        first.wait(30)  # the survivor was stopped too, not left holding the port
    finally:
        app.stop()
