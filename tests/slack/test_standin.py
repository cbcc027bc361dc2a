"""The test doubles themselves: the stand-in must answer as Slack does and the signing helper must sign
as Slack does, or every scenario test built on them proves nothing."""

from __future__ import annotations

import urllib.request

import pytest
from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError
from slack_sdk.http_retry.builtin_handlers import RateLimitErrorRetryHandler, ServerErrorRetryHandler
from slack_sdk.signature import SignatureVerifier

from tests.slack.signing import signature, signed_headers
from tests.slack.standin import BOT_USER_ID, SlackStandIn


@pytest.fixture(scope="module")
def standin():
    with SlackStandIn() as server:
        yield server


@pytest.fixture
def client(standin):
    standin.reset()
    return WebClient(token="xoxb-test", base_url=standin.api_url)


def test_signature_is_the_one_slack_documents():
    # Slack's documented example: secret, timestamp and body give exactly this signature.
    secret = "8f742231b10e8888abcd99yyyzzz85a5"
    body = (
        b"token=xyzz0WbapA4vBCDEFasx0q6G&team_id=T1DC2JH3J&team_domain=testteamnow&channel_id=G8PSS9T3V"
        b"&channel_name=foobar&user_id=U2CERLKJA&user_name=roadrunner&command=%2Fwebhook-collect&text="
        b"&response_url=https%3A%2F%2Fhooks.slack.com%2Fcommands%2FT1DC2JH3J%2F397700885554%2F96rGlfmibIGl"
        b"gcZRskXaIFfN&trigger_id=398738663015.47445629121.803a0bc887a14d10d2c447fce8b6703c"
    )
    assert (
        signature(secret, 1531420618, body)
        == "v0=a2114d57b48eac39b9ad189dd8316235a7b4a8d21a10bd27519666489c69b503"
    )


def test_signed_headers_pass_the_sdk_verifier():
    headers = signed_headers("s3cret", b'{"a": 1}')
    verifier = SignatureVerifier("s3cret")
    assert verifier.is_valid(b'{"a": 1}', headers["X-Slack-Request-Timestamp"], headers["X-Slack-Signature"])
    assert not SignatureVerifier("other").is_valid(
        b'{"a": 1}', headers["X-Slack-Request-Timestamp"], headers["X-Slack-Signature"]
    )


def test_auth_test_and_a_message_kept_as_posted_then_updated(standin, client):
    assert client.auth_test()["user_id"] == BOT_USER_ID
    posted = client.chat_postMessage(channel="C1", text="thinking", thread_ts="1.1")
    client.chat_update(channel="C1", ts=posted["ts"], text="the answer", blocks=[])
    [message] = standin.messages("C1", "1.1")
    assert message.text == "the answer" and message.updates == 1
    assert [c.method for c in standin.calls()] == ["auth.test", "chat.postMessage", "chat.update"]


def test_a_bad_token_is_refused(standin):
    with pytest.raises(SlackApiError) as refused:
        WebClient(token="nope", base_url=standin.api_url).auth_test()
    assert refused.value.response["error"] == "invalid_auth"


def test_429_with_retry_after_then_success_with_the_sdk_retry_handler(standin, client):
    standin.fail("chat.postMessage", status=429, retry_after=0)
    client.retry_handlers.append(RateLimitErrorRetryHandler(max_retry_count=2))
    client.chat_postMessage(channel="C2", text="hello")
    statuses = [c.status for c in standin.calls("chat.postMessage")]
    assert statuses == [429, 200]
    assert len(standin.messages("C2")) == 1


def test_500_then_success_with_the_server_error_handler(standin, client):
    standin.fail("chat.postMessage", status=500)
    client.retry_handlers.append(ServerErrorRetryHandler(max_retry_count=2))
    client.chat_postMessage(channel="C3", text="hello")
    assert [c.status for c in standin.calls("chat.postMessage")] == [500, 200]


def test_a_streamed_message_and_its_final_blocks(standin, client):
    stream = client.chat_stream(channel="C4", thread_ts="5.5", buffer_size=5)
    stream.append(markdown_text="Hello, ")
    stream.append(markdown_text="world")
    stream.stop(blocks=[{"type": "context", "elements": [{"type": "mrkdwn", "text": "Sources"}]}])
    [message] = standin.messages("C4", "5.5")
    assert message.text == "Hello, world" and not message.stream_open
    assert "Sources" in message.all_text()


def test_private_files_need_the_bot_token(standin):
    info = standin.add_file("deals.csv", b"name,kind\n")
    plain = urllib.request.urlopen(info["url_private"]).read()
    assert plain.startswith(b"<html>")
    request = urllib.request.Request(info["url_private"], headers={"Authorization": "Bearer xoxb-test"})
    assert urllib.request.urlopen(request).read() == b"name,kind\n"


def test_files_upload_v2_reaches_the_thread(standin, client):
    client.files_upload_v2(
        channel="C5", thread_ts="7.7", filename="plan.md", content="# Plan\n", title="Plan"
    )
    [(args, stored)] = standin.uploaded()
    assert args["channel_id"] == "C5" and args["thread_ts"] == "7.7"
    assert stored.content == b"# Plan\n" and stored.name == "plan.md"
