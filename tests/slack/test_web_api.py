"""The app's Web API client (``bot.slack.web_api``): slack_sdk's client over kept-alive connections. It must
answer exactly as slack_sdk's own does (responses, errors, retries on 429 and 5xx) while making one
connection serve many calls, and recover when the server closes a connection it kept."""

from __future__ import annotations

import json
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import ClassVar

import pytest
from slack_sdk.errors import SlackApiError
from slack_sdk.http_retry.builtin_handlers import RateLimitErrorRetryHandler, ServerErrorRetryHandler

from bot.slack.web_api import KeepAliveWebClient


def client_for(url: str) -> KeepAliveWebClient:
    return KeepAliveWebClient(
        token="xoxb-test",
        base_url=url,
        retry_handlers=[
            RateLimitErrorRetryHandler(max_retry_count=2),
            ServerErrorRetryHandler(max_retry_count=2),
        ],
    )


def test_answers_errors_and_retries_are_slack_sdks(standin):
    standin.reset()
    client = client_for(standin.api_url)
    posted = client.chat_postMessage(channel="C0WEBAPI1", text="héllo 你好")
    assert posted["ok"] and posted["message"]["text"] == "héllo 你好"
    standin.fail("chat.postMessage", status=429, retry_after=1)
    assert client.chat_postMessage(channel="C0WEBAPI1", text="after a 429")["ok"]
    standin.fail("chat.update", status=500)
    assert client.chat_update(channel="C0WEBAPI1", ts=posted["ts"], text="after a 500")["ok"]
    standin.fail("chat.postMessage", error="channel_not_found")
    with pytest.raises(SlackApiError) as refused:
        client.chat_postMessage(channel="C0WEBAPI1", text="refused")
    assert refused.value.response["error"] == "channel_not_found"
    texts = [m.text for m in standin.messages("C0WEBAPI1")]
    assert texts == ["after a 500", "after a 429"]  # each arrived once
    assert [c.status for c in standin.calls("chat.postMessage")] == [200, 429, 200, 200]


class _Recorder(BaseHTTPRequestHandler):
    """Answers every call ok over HTTP/1.1 and notes which client connection (port) it came on; the
    ``close`` method answers and then closes the connection, as a server ending a keep-alive does."""

    protocol_version = "HTTP/1.1"
    peers: ClassVar[list[int]] = []

    def do_POST(self) -> None:
        self.rfile.read(int(self.headers.get("Content-Length", 0)))
        type(self).peers.append(self.client_address[1])
        body = json.dumps({"ok": True}).encode()
        self.send_response(200)
        self.send_header("Content-Type", "application/json; charset=utf-8")
        self.send_header("Content-Length", str(len(body)))
        closing = self.path.endswith("/close")
        if closing:
            self.send_header("Connection", "close")
        self.end_headers()
        self.wfile.write(body)
        if closing:
            self.close_connection = True

    def log_message(self, *_args) -> None:
        pass


@pytest.fixture
def recorder() -> Iterator[str]:
    _Recorder.peers = []
    server = ThreadingHTTPServer(("127.0.0.1", 0), _Recorder)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}/api/"
    finally:
        server.shutdown()
        server.server_close()


def test_calls_from_one_thread_share_a_connection_until_the_server_closes_it(recorder):
    client = client_for(recorder)
    for _ in range(3):
        assert client.api_call("auth.test")["ok"]
    assert client.api_call("close")["ok"]  # the server closes this connection after answering
    assert client.api_call("auth.test")["ok"]
    assert client.api_call("auth.test")["ok"]
    first, second = _Recorder.peers[0], _Recorder.peers[-1]
    assert _Recorder.peers == [first] * 4 + [second] * 2 and first != second


def test_each_thread_has_its_own_connection(recorder):
    client = client_for(recorder)
    threads = [
        threading.Thread(target=lambda: [client.api_call("auth.test") for _ in range(2)]) for _ in range(3)
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    peers = _Recorder.peers
    assert len(peers) == 6 and len(set(peers)) == 3
