"""Robust against retries, forgeries and failures, through a real ``kam-coach serve --http`` on SQLite and
PostgreSQL: a redelivered event is answered once, forged and stale requests are refused and do nothing,
malformed payloads get 400, Slack's 429 and 500 are retried, and a failure is an apology with a
reference id that is in the log."""

from __future__ import annotations

import json
import re
import time

import pytest
from sqlalchemy import text

from bot.store.db import Database
from tests.slack.sender import event_envelope, mention_event, message_event
from tests.slack.signing import signed_headers

pytestmark = pytest.mark.slow  # a serve process per database

QUESTION = "What is LRAIC and why does it matter?"


def answers_in(standin, channel: str, thread: str) -> list:
    return [m for m in standin.messages(channel, thread) if "LRAIC" in m.all_text()]


def test_a_redelivered_event_is_acknowledged_and_answered_once(slack_app, standin, ids):
    event = mention_event(QUESTION, user=ids.user, channel=ids.channel)
    first = slack_app.sender.event(event, event_id=f"Ev{ids.user}")
    again = slack_app.sender.event(event, event_id=f"Ev{ids.user}", retry_num=1)
    third = slack_app.sender.event(event, event_id=f"Ev{ids.user}", retry_num=2)
    assert (first.status_code, again.status_code, third.status_code) == (200, 200, 200)
    standin.wait_for_message(ids.channel, event["ts"], contains="LRAIC")
    standin.wait_for(lambda: slack_app.log().count(f"event Ev{ids.user} was handled already") == 2)
    assert len(answers_in(standin, ids.channel, event["ts"])) == 1


def test_a_forged_signature_is_refused_with_401_and_nothing_done(slack_app, standin, ids):
    event = mention_event(QUESTION, user=ids.user, channel=ids.channel)
    forged = slack_app.sender.event(event, secret="not-the-signing-secret")
    body = json.dumps(event_envelope(event)).encode()
    unsigned = slack_app.sender.http.post(slack_app.sender.url, content=body)
    tampered_headers = {"Content-Type": "application/json", **signed_headers(slack_app.sender.secret, body)}
    tampered = slack_app.sender.http.post(
        slack_app.sender.url, content=body.replace(b"LRAIC", b"price"), headers=tampered_headers
    )
    assert (forged.status_code, unsigned.status_code, tampered.status_code) == (401, 401, 401)
    command = slack_app.sender.command("help", user=ids.user, channel=ids.channel)
    assert command.status_code == 200  # the app is up and answering signed requests
    _nothing_happened(slack_app, standin, ids)


def test_a_stale_request_is_refused_even_when_correctly_signed(slack_app, standin, ids):
    event = mention_event(QUESTION, user=ids.user, channel=ids.channel)
    stale = slack_app.sender.event(event, timestamp=int(time.time()) - 10 * 60)
    future = slack_app.sender.event(event, timestamp=int(time.time()) + 10 * 60)
    assert (stale.status_code, future.status_code) == (401, 401)
    _nothing_happened(slack_app, standin, ids)


def _nothing_happened(slack_app, standin, ids) -> None:
    # A marker in another channel proves the app has processed everything sent before it.
    marker = mention_event(QUESTION, user=ids.user, channel=f"{ids.channel}M")
    slack_app.sender.event(marker)
    standin.wait_for_message(f"{ids.channel}M", marker["ts"], contains="LRAIC")
    assert standin.messages(ids.channel) == []
    assert "bad or stale signature" in slack_app.log()


@pytest.mark.parametrize(
    ("body", "content_type"),
    [
        (b"{not json", "application/json"),
        (b'{"no": "type"}', "application/json"),
        (b"[1, 2]", "application/json"),
        (b"payload=%7Bbroken", "application/x-www-form-urlencoded"),
        (b"hello=world", "application/x-www-form-urlencoded"),
        (b"\xff\xfe\x00", "application/json"),
    ],
)
def test_a_signed_malformed_payload_gets_400_and_is_logged(slack_app, body, content_type):
    response = slack_app.sender.post(body, content_type)
    assert response.status_code == 400
    assert "malformed" in slack_app.log()
    assert slack_app.sender.http.get(slack_app.url + "/healthz").status_code == 200, "no crash"


def test_url_verification_and_health(slack_app):
    body = json.dumps({"type": "url_verification", "challenge": "c-123", "token": "t"}).encode()
    response = slack_app.sender.post(body, "application/json")
    assert response.status_code == 200 and response.json()["challenge"] == "c-123"
    assert slack_app.sender.http.get(slack_app.url + "/healthz").json() == {"ok": True}
    assert slack_app.sender.http.get(slack_app.url + "/slack/events").status_code == 405
    assert slack_app.sender.http.get(slack_app.url + "/elsewhere").status_code == 404


def test_slack_answering_429_then_200_still_delivers_the_message_once(slack_app, standin, ids):
    standin.fail("chat.postMessage", status=429, retry_after=1, times=1)
    event = message_event(QUESTION, user=ids.user, channel=ids.dm)
    slack_app.sender.event(event)
    standin.wait_for_message(ids.dm, contains="LRAIC")
    posts = [c for c in standin.calls("chat.postMessage") if c.args.get("channel") == ids.dm]
    assert [c.status for c in posts] == [429, 200]
    assert posts[1].at - posts[0].at >= 1.0, "it waited as long as Retry-After said"


def test_slack_answering_500_is_retried(slack_app, standin, ids):
    standin.fail("chat.postMessage", status=500, times=1)
    slack_app.sender.event(message_event(QUESTION, user=ids.user, channel=ids.dm))
    standin.wait_for_message(ids.dm, contains="LRAIC")
    posts = [c for c in standin.calls("chat.postMessage") if c.args.get("channel") == ids.dm]
    assert [c.status for c in posts] == [500, 200]


def _reference(text: str) -> str:
    found = re.search(r"`([0-9a-f]{8})`", text)
    assert found, f"no reference id in {text!r}"
    return found.group(1)


def test_a_failure_delivering_the_reply_posts_an_apology_with_a_logged_reference(slack_app, standin, ids):
    # Streaming is refused, and posting instead fails too (an error no retry can fix).
    standin.fail("chat.startStream", error="not_allowed", times=1)
    standin.fail("chat.postMessage", error="fatal_error", times=1)
    event = mention_event(QUESTION, user=ids.user, channel=ids.channel)
    slack_app.sender.event(event)
    [apology] = standin.wait_for_message(ids.channel, event["ts"], contains="Sorry")
    reference = _reference(apology.text)
    standin.wait_for(lambda: f"(ref {reference})" in slack_app.log())


def test_a_failure_inside_the_coach_posts_an_apology_and_the_next_message_works(slack_app, standin, ids):
    slack_app.sender.event(message_event("start a plan for Wayne Enterprises", user=ids.user, channel=ids.dm))
    standin.wait_for_message(ids.dm, contains="Wayne")
    # The plan's stored JSON is damaged (a bad restore, a hand edit): the coach fails on that plan.
    db = Database(slack_app.database_url)
    with db.session() as session:
        session.execute(
            text(
                "UPDATE plans SET data = :bad WHERE account_id = "
                "(SELECT id FROM accounts WHERE name = 'Wayne Enterprises')"
            ),
            {"bad": json.dumps({"customer": "not a section", "value": [1, 2]})},
        )
    slack_app.sender.event(message_event("Banking", user=ids.user, channel=ids.dm))
    [apology] = standin.wait_for_message(ids.dm, contains="Sorry")
    reference = _reference(apology.text)
    log = slack_app.log()
    assert f"(ref {reference})" in log and "Traceback" in log

    # Another conversation of the same user is unaffected.
    thread = f"{int(time.time())}.424242"
    slack_app.sender.event(message_event(QUESTION, user=ids.user, channel=ids.dm, thread_ts=thread))
    standin.wait_for_message(ids.dm, thread, contains="LRAIC")


def test_a_slow_answer_shows_a_placeholder_first(standin, shared_data_dir, index, tmp_path, ids):
    """With no delay, the placeholder goes up at once and the answer replaces it: one message in the
    thread, updated, never a silent wait."""
    from tests.slack.conftest import start_serve

    app = start_serve(
        shared_data_dir,
        f"sqlite:///{tmp_path / 'kam.db'}",
        standin,
        tmp_path / "serve.log",
        SLACK_PLACEHOLDER_DELAY="0",
    )
    try:
        event = mention_event(QUESTION, user=ids.user, channel=ids.channel)
        app.sender.event(event)
        [answer] = standin.wait_for_message(ids.channel, event["ts"], contains="LRAIC")
        placeholder = next(
            c for c in standin.calls("chat.postMessage") if c.args.get("channel") == ids.channel
        )
        assert "Thinking" in placeholder.args["text"]
        assert answer.updates == 1 and len(standin.messages(ids.channel)) == 1
    finally:
        assert app.stop() == 0, app.log()
