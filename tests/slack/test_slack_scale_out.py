"""Scale-out on existing engines: two ``kam-coach serve --http`` processes sharing one PostgreSQL database
and one Chroma server (``chroma run``, started here), as they would run behind a load balancer.

An event delivered to one and its redelivery to the other is answered once; a plan drafted with
messages alternating between the two goes on where it was, whichever process takes the turn.
"""

from __future__ import annotations

import re
import subprocess
import sys
import uuid
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from bot.store.testing import fresh_schema
from tests.slack.conftest import ServedApp, free_port, start_serve
from tests.slack.sender import LOOPBACK_TLS, mention_event, message_event

pytestmark = [pytest.mark.slow, pytest.mark.postgres]


@pytest.fixture(scope="module")
def chroma_server(tmp_path_factory) -> Iterator[tuple[str, int]]:
    folder = tmp_path_factory.mktemp("chroma-server")
    port = free_port()
    chroma = Path(sys.executable).with_name("chroma")
    log = (folder / "chroma.log").open("wb")
    process = subprocess.Popen(
        [str(chroma), "run", "--path", str(folder / "data"), "--host", "127.0.0.1", "--port", str(port)],
        stdout=log,
        stderr=subprocess.STDOUT,
    )
    try:
        for _ in range(600):
            if process.poll() is not None:
                raise RuntimeError((folder / "chroma.log").read_text())
            try:
                heartbeat = f"http://127.0.0.1:{port}/api/v2/heartbeat"
                if httpx.get(heartbeat, timeout=2, verify=LOOPBACK_TLS).status_code == 200:
                    break
            except httpx.TransportError:
                pass
            import time

            time.sleep(0.1)
        else:
            raise RuntimeError("chroma run did not start")
        yield "127.0.0.1", port
    finally:
        process.terminate()
        process.wait(30)


@pytest.fixture(scope="module")
def replicas(
    chroma_server, postgres_session_database, standin, tmp_path_factory
) -> Iterator[list[ServedApp]]:
    host, port = chroma_server
    with fresh_schema(postgres_session_database, "s") as database_url:
        apps: list[ServedApp] = []
        try:
            # One after the other: the first fills the Chroma server with the cards, the second finds
            # them there.
            for name in ("a", "b"):
                folder = tmp_path_factory.mktemp(f"replica-{name}")
                apps.append(
                    start_serve(
                        folder / "data",
                        database_url,
                        standin,
                        folder / "serve.log",
                        CHROMA_HOST=host,
                        CHROMA_PORT=str(port),
                        SLACK_PLACEHOLDER_DELAY="20",
                    )
                )
            yield apps
        finally:
            for app in apps:
                app.stop()


def test_an_event_and_its_redelivery_to_another_replica_are_answered_once(replicas, standin):
    first, second = replicas
    channel = f"C{uuid.uuid4().hex[:8].upper()}"
    event = mention_event("What is LRAIC and why does it matter?", user="U0SCALE01", channel=channel)
    event_id = f"EvScale{uuid.uuid4().hex[:10]}"
    assert first.sender.event(event, event_id=event_id).status_code == 200
    assert second.sender.event(event, event_id=event_id, retry_num=1).status_code == 200
    standin.wait_for_message(channel, event["ts"], contains="LRAIC")
    standin.wait_for(lambda: any(f"event {event_id} was handled already" in app.log() for app in replicas))
    assert len(standin.messages(channel, event["ts"])) == 1


def test_a_plan_drafted_across_both_replicas_goes_on_where_it_was(replicas, standin):
    user = f"U{uuid.uuid4().hex[:8].upper()}"
    dm = "D" + user.removeprefix("U")[:10]
    turns = ["start a plan for Hooli", "Software", "large", "general"]
    for number, text in enumerate(turns):
        replica = replicas[number % 2]
        assert replica.sender.event(message_event(text, user=user, channel=dm)).status_code == 200
        standin.wait_for_message(dm, count=number + 1)
    replies = [m.all_text() for m in standin.messages(dm)]
    # Each question shows the plan's progress ("3/33 answered"): it comes from the plan in the database.
    positions = [int(found.group(1)) for text in replies if (found := re.search(r"(\d+)/\d+ answered", text))]
    # Each answer moved the plan one question on, whichever replica took it.
    assert positions == list(range(positions[0], positions[0] + len(turns))), replies
