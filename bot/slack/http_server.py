"""HTTP mode: an ASGI app on uvicorn taking Slack's events, commands and interactivity at
``POST /slack/events`` and answering ``GET /healthz``.

Every request is checked before Bolt sees it: a bad or stale signature gets 401 and nothing is done; a
signed body that is not a Slack payload gets 400 and a log line. Bolt then dispatches and the listeners
acknowledge inside the request, leaving the slow work to the worker pool.
"""

from __future__ import annotations

import asyncio
import hashlib
import hmac
import json
import logging
import signal
import socket
from collections.abc import Awaitable, Callable
from concurrent.futures import ThreadPoolExecutor
from typing import Any
from urllib.parse import parse_qs

import uvicorn
from slack_bolt import App, BoltRequest, BoltResponse
from slack_sdk.signature import SignatureVerifier

log = logging.getLogger(__name__)

EVENTS_PATH = "/slack/events"
HEALTH_PATH = "/healthz"
STALE_SECONDS = 60 * 5
SLOW_ACKS = frozenset({"view_submission"})
"""Payloads whose acknowledgement does real work (a modal's section is validated and saved inside the
request): dispatched in a thread so a wait on the database never stalls the event loop. Every other
listener only parses and queues (well under a millisecond), so it runs on the loop itself, sparing two
thread hand-offs per request."""
MAX_BODY_BYTES = 1024 * 1024
"""Slack's payloads are a few KB; anything much larger is not from Slack."""

Receive = Callable[[], Awaitable[dict[str, Any]]]
Send = Callable[[dict[str, Any]], Awaitable[None]]


class MalformedPayload(ValueError):
    pass


def payload_kind(body: bytes, content_type: str) -> str:
    """What a signed body is (event_callback, url_verification, a command, block_actions, …); raises
    MalformedPayload when it is none of Slack's shapes."""
    try:
        text = body.decode("utf-8")
    except UnicodeDecodeError:
        raise MalformedPayload("body is not UTF-8") from None
    if "json" in content_type or text.lstrip().startswith("{"):
        try:
            data = json.loads(text)
        except ValueError:
            raise MalformedPayload("body is not JSON") from None
        if not isinstance(data, dict) or not isinstance(data.get("type"), str):
            raise MalformedPayload("JSON body without a type")
        return data["type"]
    form = {key: values[0] for key, values in parse_qs(text).items()}
    if "payload" in form:
        try:
            data = json.loads(form["payload"])
        except ValueError:
            raise MalformedPayload("payload field is not JSON") from None
        if not isinstance(data, dict) or not isinstance(data.get("type"), str):
            raise MalformedPayload("payload without a type")
        return data["type"]
    if form.get("command"):
        return "command"
    if form.get("ssl_check"):
        return "ssl_check"
    raise MalformedPayload("form body is neither a command nor an interaction")


class SlackHttpApp:
    """The ASGI application. ``ready`` says whether /healthz answers 200."""

    def __init__(
        self,
        bolt: App,
        signing_secret: str,
        *,
        dispatchers: int = 4,
        on_ready: Callable[[], None] | None = None,
    ) -> None:
        self.bolt = bolt
        self.on_ready = on_ready
        self.verifier = SignatureVerifier(signing_secret)
        self.signing_secret = signing_secret.encode()
        self.executor = ThreadPoolExecutor(max_workers=dispatchers, thread_name_prefix="slack-ack")
        self.ready = True

    async def __call__(self, scope: dict[str, Any], receive: Receive, send: Send) -> None:
        if scope["type"] == "lifespan":
            await self._lifespan(receive, send)
            return
        if scope["type"] != "http":
            return
        path, method = scope["path"], scope["method"]
        if path == HEALTH_PATH and method in ("GET", "HEAD"):
            status = 200 if self.ready else 503
            await _respond(
                send, status, b'{"ok": true}' if status == 200 else b'{"ok": false}', "application/json"
            )
            return
        if path != EVENTS_PATH:
            await _respond(send, 404, b"not found")
            return
        if method != "POST":
            await _respond(send, 405, b"method not allowed")
            return
        body = await _read_body(receive, MAX_BODY_BYTES)
        if body is None:
            await _respond(send, 413, b"payload too large")
            return
        headers = _headers(scope)
        if not self._signed(body, headers):
            log.warning(
                "refused a request with a bad or stale signature (timestamp %s)",
                headers.get("x-slack-request-timestamp"),
            )
            await _respond(send, 401, b"invalid signature")
            return
        try:
            kind = payload_kind(body, headers.get("content-type", ""))
        except MalformedPayload as bad:
            log.warning("refused a signed but malformed Slack request: %s (%d bytes)", bad, len(body))
            await _respond(send, 400, b"malformed payload")
            return
        request = BoltRequest(
            body=body.decode("utf-8"),
            query=scope.get("query_string", b"").decode("latin-1"),
            headers={k: [v] for k, v in headers.items()},
        )
        if kind in SLOW_ACKS:
            loop = asyncio.get_running_loop()
            response: BoltResponse = await loop.run_in_executor(self.executor, self.bolt.dispatch, request)
        else:
            response = self.bolt.dispatch(request)
        if response.status >= 500:
            log.warning("%s answered %d", kind, response.status)
        await _respond_bolt(send, response)

    def _signed(self, body: bytes, headers: dict[str, str]) -> bool:
        """Signed with our secret, within five minutes. slack_sdk's check reads the body as UTF-8; a body
        that is not (never one of Slack's) is checked over its raw bytes, so a signed one is a 400."""
        try:
            return self.verifier.is_valid_request(body, headers)
        except UnicodeDecodeError:
            timestamp = headers.get("x-slack-request-timestamp", "")
            if not timestamp.isdigit() or abs(self.verifier.clock.now() - int(timestamp)) > STALE_SECONDS:
                return False
            base = b"v0:" + timestamp.encode() + b":" + body
            expected = "v0=" + hmac.new(self.signing_secret, base, hashlib.sha256).hexdigest()
            return hmac.compare_digest(expected, headers.get("x-slack-signature", ""))

    async def _lifespan(self, receive: Receive, send: Send) -> None:
        while True:
            message = await receive()
            if message["type"] == "lifespan.startup":
                await send({"type": "lifespan.startup.complete"})
                if self.on_ready is not None:
                    self.on_ready()
            elif message["type"] == "lifespan.shutdown":
                self.executor.shutdown(wait=False)
                await send({"type": "lifespan.shutdown.complete"})
                return


def _headers(scope: dict[str, Any]) -> dict[str, str]:
    return {k.decode("latin-1").lower(): v.decode("latin-1") for k, v in scope.get("headers", [])}


async def _read_body(receive: Receive, limit: int) -> bytes | None:
    chunks: list[bytes] = []
    size = 0
    while True:
        message = await receive()
        chunk = message.get("body", b"")
        size += len(chunk)
        if size > limit:
            return None
        chunks.append(chunk)
        if not message.get("more_body"):
            return b"".join(chunks)


async def _respond(
    send: Send, status: int, body: bytes, content_type: str = "text/plain; charset=utf-8"
) -> None:
    await send(
        {
            "type": "http.response.start",
            "status": status,
            "headers": [
                (b"content-type", content_type.encode()),
                (b"content-length", str(len(body)).encode()),
            ],
        }
    )
    await send({"type": "http.response.body", "body": body})


async def _respond_bolt(send: Send, response: BoltResponse) -> None:
    body = response.body.encode("utf-8") if isinstance(response.body, str) else bytes(response.body or b"")
    headers = [
        (name.encode("latin-1"), value.encode("latin-1"))
        for name, values in response.headers.items()
        if name.lower() != "content-length"
        for value in values
    ]
    headers.append((b"content-length", str(len(body)).encode()))
    await send({"type": "http.response.start", "status": response.status, "headers": headers})
    await send({"type": "http.response.body", "body": body})


def serve_http(
    app: SlackHttpApp,
    host: str,
    port: int,
    *,
    sockets: list[socket.socket] | None = None,
    name: str = "serve",
) -> None:
    """Run until SIGINT/SIGTERM (uvicorn handles both and finishes the requests in flight). With
    ``sockets`` (already bound and listening: a replica's SO_REUSEPORT socket) uvicorn binds nothing."""
    config = uvicorn.Config(
        app,
        host=host,
        port=port,
        log_level="warning",
        access_log=False,
        lifespan="on",
        timeout_graceful_shutdown=10,
        server_header=False,
    )
    server = uvicorn.Server(config)
    log.info("%s listening on http://%s:%d%s", name, host, port, EVENTS_PATH)
    # uvicorn re-raises the signal that stopped it once it has shut down; with SIGTERM's default handler
    # that would kill the process before the acknowledged work is finished. This handler takes it.
    previous = signal.signal(signal.SIGTERM, lambda *_: log.info("stop requested"))
    try:
        server.run(sockets=sockets)
    finally:
        signal.signal(signal.SIGTERM, previous)
