"""Socket Mode: ``kam-coach serve`` with SLACK_APP_TOKEN set opens the WebSocket that
``apps.connections.open`` names (here the stand-in's), acknowledges each envelope over it, and answers
through the Web API, as bolt-python's own Socket Mode tests do with a local server."""

from __future__ import annotations

import subprocess
import sys
import uuid
from collections.abc import Iterator

import pytest

from tests.conftest import REPO, cli_env
from tests.slack.conftest import BOT_TOKEN
from tests.slack.sender import command_form, event_envelope, mention_event

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def socket_app(shared_data_dir, index, standin, tmp_path_factory) -> Iterator[subprocess.Popen]:
    folder = tmp_path_factory.mktemp("socket-mode")
    env = cli_env(
        shared_data_dir,
        DATABASE_URL=f"sqlite:///{folder / 'kam.db'}",
        SLACK_BOT_TOKEN=BOT_TOKEN,
        SLACK_APP_TOKEN="xapp-1-A0KAMTEST-1-socket",
        SLACK_API_URL=standin.api_url,
        KAM_LOG_LEVEL="INFO",
    )
    log = (folder / "serve.log").open("wb")
    process = subprocess.Popen(
        [sys.executable, "-m", "bot", "serve"],  # with the in-process reminders scheduler
        cwd=REPO,
        env=env,
        stdout=log,
        stderr=subprocess.STDOUT,
    )
    try:
        standin.wait_for(lambda: standin.socket_connections >= 1 or process.poll() is not None, timeout=180)
        assert process.poll() is None, (folder / "serve.log").read_text()
        assert "scheduler started in this process" in (folder / "serve.log").read_text()
        yield process
    finally:
        process.terminate()
        process.wait(30)


def _acked(standin, envelope_id: str) -> list[dict]:
    return [m for m in standin.socket_received if m.get("envelope_id") == envelope_id]


def test_an_event_over_the_socket_is_acknowledged_and_answered(socket_app, standin):
    channel = f"C{uuid.uuid4().hex[:8].upper()}"
    event = mention_event("What is LRAIC and why does it matter?", user="U0SOCKET1", channel=channel)
    envelope_id = str(uuid.uuid4())
    standin.send_envelope(
        {
            "envelope_id": envelope_id,
            "type": "events_api",
            "accepts_response_payload": False,
            "payload": event_envelope(event),
        }
    )
    standin.wait_for(lambda: _acked(standin, envelope_id))
    [answer] = standin.wait_for_message(channel, event["ts"], contains="LRAIC")
    assert answer.thread_ts == event["ts"]


def test_a_slash_command_over_the_socket_answers_in_the_acknowledgement(socket_app, standin):
    envelope_id = str(uuid.uuid4())
    standin.send_envelope(
        {
            "envelope_id": envelope_id,
            "type": "slash_commands",
            "accepts_response_payload": True,
            "payload": command_form("help", user="U0SOCKET1", channel="C0SOCKET1"),
        }
    )
    [ack] = standin.wait_for(lambda: _acked(standin, envelope_id))
    assert "/kam ask" in ack["payload"]["text"]


def test_a_redelivered_envelope_is_answered_once(socket_app, standin):
    channel = f"C{uuid.uuid4().hex[:8].upper()}"
    event = mention_event("What is LRAIC and why does it matter?", user="U0SOCKET2", channel=channel)
    payload = event_envelope(event, event_id=f"EvSocket{uuid.uuid4().hex[:8]}")
    first, again = str(uuid.uuid4()), str(uuid.uuid4())
    standin.send_envelope({"envelope_id": first, "type": "events_api", "payload": payload})
    standin.send_envelope(
        {
            "envelope_id": again,
            "type": "events_api",
            "payload": payload,
            "retry_attempt": 1,
            "retry_reason": "timeout",
        }
    )
    standin.wait_for(lambda: _acked(standin, first) and _acked(standin, again))
    standin.wait_for_message(channel, event["ts"], contains="LRAIC")
    marker = mention_event("What is LRAIC and why does it matter?", user="U0SOCKET2", channel=channel + "M")
    standin.send_envelope(
        {"envelope_id": str(uuid.uuid4()), "type": "events_api", "payload": event_envelope(marker)}
    )
    standin.wait_for_message(channel + "M", marker["ts"], contains="LRAIC")
    assert len(standin.messages(channel)) == 1
