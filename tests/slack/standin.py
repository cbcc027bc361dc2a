"""A local stand-in for Slack's cloud: the Web API over real HTTP, file downloads and uploads, and the
Socket Mode WebSocket, recording every call with its body.

The app under test is pointed at it with ``SLACK_API_URL=<standin.api_url>``. It answers like Slack does
for the methods the app uses (``auth.test`` first of all: Bolt calls it on the first request), keeps the
messages it was sent (posted, updated, streamed, deleted) so a test can read the conversation as a user
would see it, and can be scripted to fail: ``fail("chat.postMessage", status=429, retry_after=1)``.

Run in a thread for tests (``SlackStandIn().start()``) or as its own process for the benchmark
(``python -m tests.slack.standin --port N``), where ``GET /_standin/calls`` hands the record over.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import itertools
import json
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import parse_qs

import uvicorn

BOT_USER_ID = "UKAMBOT01"
BOT_ID = "BKAMBOT01"
TEAM_ID = "T0KAMTEST"
APP_ID = "A0KAMTEST"


@dataclass
class Call:
    """One request the app made: the API method (or ``upload``/``download``), its arguments, and when."""

    method: str
    args: dict[str, Any]
    token: str | None
    at: float
    status: int = 200
    raw: bytes = b""

    def as_json(self) -> dict[str, Any]:
        return {
            "method": self.method,
            "args": self.args,
            "token": self.token,
            "at": self.at,
            "status": self.status,
        }


@dataclass
class Message:
    """A message as Slack keeps it: the last text and blocks, whether it was streamed, deleted."""

    channel: str
    ts: str
    thread_ts: str | None
    text: str = ""
    blocks: list[dict[str, Any]] = field(default_factory=list)
    streamed: bool = False
    stream_open: bool = False
    deleted: bool = False
    updates: int = 0
    metadata: dict[str, Any] | None = None
    created_at: float = field(default_factory=time.time)
    finished_at: float | None = None
    """When it first held a finished reply (posted, updated from a placeholder, or its stream stopped)."""

    @property
    def placeholder(self) -> bool:
        return _is_placeholder(self)

    def finish(self) -> None:
        if self.finished_at is None and not self.stream_open and not self.placeholder and not self.deleted:
            self.finished_at = time.time()

    def as_json(self) -> dict[str, Any]:
        return {
            "channel": self.channel,
            "ts": self.ts,
            "thread_ts": self.thread_ts,
            "streamed": self.streamed,
            "deleted": self.deleted,
            "placeholder": self.placeholder,
            "created_at": self.created_at,
            "finished_at": self.finished_at,
            "text": self.text[:200],
        }

    def all_text(self) -> str:
        """The text a person reads: the message text and every text inside its blocks."""
        parts = [self.text]
        parts.extend(_block_texts(self.blocks))
        return "\n".join(part for part in parts if part)


def _block_texts(node: Any) -> list[str]:
    found: list[str] = []
    if isinstance(node, dict):
        for key, value in node.items():
            if key == "text" and isinstance(value, str):
                found.append(value)
            elif key == "value" and isinstance(value, str):
                continue
            else:
                found.extend(_block_texts(value))
    elif isinstance(node, list):
        for item in node:
            found.extend(_block_texts(item))
    return found


@dataclass
class Failure:
    status: int = 200
    error: str | None = None
    retry_after: int | None = None
    times: int = 1


@dataclass
class StoredFile:
    id: str
    name: str
    content: bytes
    mimetype: str


def _parse_args(body: bytes, content_type: str, query: str) -> dict[str, Any]:
    args: dict[str, Any] = {k: v[0] for k, v in parse_qs(query).items()}
    if not body:
        return args
    text = body.decode("utf-8", errors="replace")
    if "json" in content_type:
        try:
            loaded = json.loads(text)
        except ValueError:
            return args
        if isinstance(loaded, dict):
            args.update(loaded)
        return args
    args.update({k: v[0] for k, v in parse_qs(text, keep_blank_values=True).items()})
    for key in ("blocks", "view", "chunks", "metadata", "files", "prompts", "attachments"):
        value = args.get(key)
        if isinstance(value, str) and value[:1] in "[{":
            with contextlib.suppress(ValueError):
                args[key] = json.loads(value)
    return args


class SlackStandIn:
    """The stand-in server. ``start()`` runs it in a background thread on a free port of 127.0.0.1."""

    def __init__(self, host: str = "127.0.0.1", port: int = 0) -> None:
        self.host = host
        self.port = port
        self._lock = threading.Condition()
        self._calls: list[Call] = []
        self._messages: dict[tuple[str, str], Message] = {}
        self._failures: dict[str, list[Failure]] = {}
        self._files: dict[str, StoredFile] = {}
        self._ts = itertools.count(1)
        self._ids = itertools.count(1)
        self.users: dict[str, dict[str, Any]] = {}
        self.views: dict[str, dict[str, Any]] = {}
        self.home_views: dict[str, dict[str, Any]] = {}
        # Socket Mode: envelopes waiting to go out, and what the app sent back over the socket.
        self._outbox: asyncio.Queue[str] | None = None
        self._loop: asyncio.AbstractEventLoop | None = None
        self.socket_received: list[dict[str, Any]] = []
        self.socket_connections = 0
        self._server: uvicorn.Server | None = None
        self._thread: threading.Thread | None = None

    # ---------- running ----------
    @property
    def base_url(self) -> str:
        return f"http://{self.host}:{self.port}"

    @property
    def api_url(self) -> str:
        return f"{self.base_url}/api/"

    def _config(self) -> uvicorn.Config:
        return uvicorn.Config(
            self, host=self.host, port=self.port, log_level="warning", access_log=False, lifespan="off"
        )

    def start(self) -> SlackStandIn:
        import socket

        if self.port == 0:
            with socket.socket() as probe:
                probe.bind((self.host, 0))
                self.port = probe.getsockname()[1]
        self._server = uvicorn.Server(self._config())
        self._thread = threading.Thread(target=self._server.run, name="slack-standin", daemon=True)
        self._thread.start()
        deadline = time.monotonic() + 10
        while not self._server.started:
            if time.monotonic() > deadline or not self._thread.is_alive():
                raise RuntimeError("the Slack stand-in did not start")
            time.sleep(0.01)
        return self

    def stop(self) -> None:
        if self._server is not None:
            self._server.should_exit = True
        if self._thread is not None:
            self._thread.join(timeout=5)

    def __enter__(self) -> SlackStandIn:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

    # ---------- scripting ----------
    def fail(
        self,
        method: str,
        *,
        status: int = 200,
        error: str | None = None,
        retry_after: int | None = None,
        times: int = 1,
    ) -> None:
        """The next ``times`` calls of ``method`` fail: with an HTTP status (429 with Retry-After, 500),
        or with 200 and ``{"ok": false, "error": error}``."""
        with self._lock:
            self._failures.setdefault(method, []).append(Failure(status, error, retry_after, times))

    def add_file(self, name: str, content: bytes, mimetype: str = "text/csv") -> dict[str, Any]:
        """A file "uploaded by a user": its files.info object, with url_private served here."""
        with self._lock:
            file_id = f"F{next(self._ids):08d}"
            self._files[file_id] = StoredFile(file_id, name, content, mimetype)
            return self._file_object(self._files[file_id])

    def _file_object(self, stored: StoredFile) -> dict[str, Any]:
        url = f"{self.base_url}/files-pri/{stored.id}/{stored.name}"
        return {
            "id": stored.id,
            "name": stored.name,
            "title": stored.name,
            "mimetype": stored.mimetype,
            "filetype": stored.name.rsplit(".", 1)[-1],
            "size": len(stored.content),
            "url_private": url,
            "url_private_download": url + "?download=1",
        }

    def reset(self) -> None:
        with self._lock:
            self._calls.clear()
            self._messages.clear()
            self._failures.clear()
            self.views.clear()
            self.home_views.clear()
            self.socket_received.clear()

    # ---------- reading the record ----------
    def calls(self, method: str | None = None) -> list[Call]:
        with self._lock:
            return [c for c in self._calls if method is None or c.method == method]

    def messages(
        self, channel: str | None = None, thread_ts: str | None = None, *, include_deleted: bool = False
    ) -> list[Message]:
        """Messages the app posted, oldest first; ``thread_ts`` selects a thread (its root included)."""
        with self._lock:
            found = [
                m
                for m in self._messages.values()
                if (channel is None or m.channel == channel)
                and (thread_ts is None or m.thread_ts == thread_ts or m.ts == thread_ts)
                and (include_deleted or not m.deleted)
            ]
        return sorted(found, key=lambda m: float(m.ts))

    def wait_for(self, predicate: Callable[[], Any], timeout: float = 20.0) -> Any:
        """Waits until ``predicate()`` is truthy (re-checked on every call the app makes); its value."""
        deadline = time.monotonic() + timeout
        with self._lock:
            while True:
                value = predicate()
                if value:
                    return value
                remaining = deadline - time.monotonic()
                if remaining <= 0:
                    raise AssertionError(f"the stand-in waited {timeout} s and the condition never held")
                self._lock.wait(min(remaining, 0.2))

    def wait_for_message(
        self,
        channel: str,
        thread_ts: str | None = None,
        contains: str = "",
        timeout: float = 20.0,
        count: int = 1,
    ) -> list[Message]:
        """The messages in a channel (or thread) once at least ``count`` finished ones hold ``contains``."""

        def ready() -> list[Message] | None:
            found = [
                m
                for m in self.messages(channel, thread_ts)
                if not m.stream_open and contains in m.all_text() and not _is_placeholder(m)
            ]
            return found if len(found) >= count else None

        return self.wait_for(ready, timeout)

    # ---------- Socket Mode ----------
    def send_envelope(self, envelope: dict[str, Any]) -> None:
        """Queues a Socket Mode envelope for the connected app."""
        if self._loop is None or self._outbox is None:
            raise RuntimeError("no Socket Mode connection yet")
        self._loop.call_soon_threadsafe(self._outbox.put_nowait, json.dumps(envelope))

    # ---------- the ASGI app ----------
    async def __call__(self, scope: dict[str, Any], receive: Callable, send: Callable) -> None:
        if scope["type"] == "websocket":
            await self._socket(scope, receive, send)
            return
        if scope["type"] != "http":
            return
        body = b""
        while True:
            message = await receive()
            body += message.get("body", b"")
            if not message.get("more_body"):
                break
        headers = {k.decode("latin-1").lower(): v.decode("latin-1") for k, v in scope["headers"]}
        path: str = scope["path"]
        query = scope.get("query_string", b"").decode()
        status, reply_headers, payload = self._route(scope["method"], path, headers, body, query)
        await send({"type": "http.response.start", "status": status, "headers": reply_headers})
        await send({"type": "http.response.body", "body": payload})

    def _route(
        self, verb: str, path: str, headers: dict[str, str], body: bytes, query: str
    ) -> tuple[int, list[tuple[bytes, bytes]], bytes]:
        token = headers.get("authorization", "").removeprefix("Bearer ").strip() or None
        if path.startswith("/api/"):
            method = path.removeprefix("/api/")
            args = _parse_args(body, headers.get("content-type", ""), query)
            token = token or args.pop("token", None)
            return self._api(method, args, token)
        if path.startswith("/upload/"):
            file_id = path.removeprefix("/upload/")
            self._record(
                Call("upload", {"file_id": file_id, "size": len(body)}, token, time.time(), raw=body)
            )
            return 200, [(b"content-type", b"text/plain")], f"OK - {len(body)}".encode()
        if path.startswith("/files-pri/"):
            file_id = path.removeprefix("/files-pri/").split("/", 1)[0]
            self._record(Call("download", {"file_id": file_id}, token, time.time()))
            stored = self._files.get(file_id)
            if not token or not token.startswith("xoxb-"):
                # Slack answers an unauthenticated download with its HTML login page, not the file.
                return 200, [(b"content-type", b"text/html")], b"<html>sign in</html>"
            if stored is None:
                return 404, [(b"content-type", b"text/plain")], b"not found"
            return 200, [(b"content-type", stored.mimetype.encode())], stored.content
        if path == "/_standin/calls":
            since = int(parse_qs(query).get("since", ["0"])[0])
            with self._lock:
                data = [c.as_json() for c in self._calls[since:]]
            return 200, [(b"content-type", b"application/json")], json.dumps(data).encode()
        if path == "/_standin/messages":
            with self._lock:
                data = [m.as_json() for m in self._messages.values()]
            return 200, [(b"content-type", b"application/json")], json.dumps(data).encode()
        if path == "/_standin/fail" and verb == "POST":
            spec = json.loads(body or b"{}")
            self.fail(spec.pop("method"), **spec)
            return 200, [(b"content-type", b"application/json")], b'{"ok": true}'
        if path == "/_standin/reset" and verb == "POST":
            self.reset()
            return 200, [(b"content-type", b"application/json")], b'{"ok": true}'
        if path == "/health":
            return 200, [(b"content-type", b"text/plain")], b"ok"
        return 404, [(b"content-type", b"text/plain")], b"not found"

    def _record(self, call: Call) -> None:
        with self._lock:
            self._calls.append(call)
            self._lock.notify_all()

    def _next_ts(self) -> str:
        return f"1700000000.{next(self._ts):06d}"

    def _api(self, method: str, args: dict[str, Any], token: str | None) -> tuple[int, list, bytes]:
        call = Call(method, args, token, time.time())
        with self._lock:
            pending = self._failures.get(method) or []
            failure = pending[0] if pending else None
            if failure is not None:
                failure.times -= 1
                if failure.times <= 0:
                    pending.pop(0)
        if failure is not None and failure.status != 200:
            call.status = failure.status
            self._record(call)
            headers = [(b"content-type", b"application/json")]
            if failure.retry_after is not None:
                headers.append((b"retry-after", str(failure.retry_after).encode()))
            error = "ratelimited" if failure.status == 429 else "internal_error"
            return failure.status, headers, json.dumps({"ok": False, "error": error}).encode()
        if failure is not None:
            result: dict[str, Any] = {"ok": False, "error": failure.error}
        else:
            result = self._answer(method, args, token)
        with self._lock:
            self._calls.append(call)
            self._lock.notify_all()
        return 200, [(b"content-type", b"application/json; charset=utf-8")], json.dumps(result).encode()

    def _answer(self, method: str, args: dict[str, Any], token: str | None) -> dict[str, Any]:
        wants_app_token = method == "apps.connections.open"
        if not token or not token.startswith("xapp-" if wants_app_token else "xoxb-"):
            return {"ok": False, "error": "not_authed" if not token else "invalid_auth"}
        handler = getattr(self, "_m_" + method.replace(".", "_"), None)
        if handler is None:
            return {"ok": False, "error": "unknown_method"}
        return handler(args)

    # ----- methods -----
    def _m_auth_test(self, args: dict[str, Any]) -> dict[str, Any]:
        return {
            "ok": True,
            "url": "https://kam-test.slack.com/",
            "team": "KAM test",
            "user": "kam-coach",
            "team_id": TEAM_ID,
            "user_id": BOT_USER_ID,
            "bot_id": BOT_ID,
            "is_enterprise_install": False,
        }

    def _new_message(self, args: dict[str, Any], *, streamed: bool = False) -> Message:
        channel = str(args.get("channel") or args.get("channel_id") or "")
        message = Message(
            channel=channel,
            ts=self._next_ts(),
            thread_ts=args.get("thread_ts") or None,
            text=str(args.get("text") or args.get("markdown_text") or ""),
            blocks=list(args.get("blocks") or []),
            streamed=streamed,
            stream_open=streamed,
            metadata=args.get("metadata") if isinstance(args.get("metadata"), dict) else None,
        )
        message.finish()
        with self._lock:
            self._messages[(channel, message.ts)] = message
        return message

    def _m_chat_postMessage(self, args: dict[str, Any]) -> dict[str, Any]:
        if not args.get("channel"):
            return {"ok": False, "error": "channel_not_found"}
        if not args.get("text") and not args.get("blocks"):
            return {"ok": False, "error": "no_text"}
        if len(args.get("blocks") or []) > 50:
            return {"ok": False, "error": "invalid_blocks"}
        message = self._new_message(args)
        return {"ok": True, "channel": message.channel, "ts": message.ts, "message": {"text": message.text}}

    def _m_chat_postEphemeral(self, args: dict[str, Any]) -> dict[str, Any]:
        return {"ok": True, "message_ts": self._next_ts()}

    def _m_chat_update(self, args: dict[str, Any]) -> dict[str, Any]:
        key = (str(args.get("channel")), str(args.get("ts")))
        with self._lock:
            message = self._messages.get(key)
            if message is None or message.deleted:
                return {"ok": False, "error": "message_not_found"}
            if len(args.get("blocks") or []) > 50:
                return {"ok": False, "error": "invalid_blocks"}
            if "text" in args:
                message.text = str(args["text"])
            if "blocks" in args:
                message.blocks = list(args["blocks"] or [])
            message.updates += 1
            message.finish()
        return {"ok": True, "channel": key[0], "ts": key[1], "text": message.text}

    def _m_chat_delete(self, args: dict[str, Any]) -> dict[str, Any]:
        key = (str(args.get("channel")), str(args.get("ts")))
        with self._lock:
            message = self._messages.get(key)
            if message is None:
                return {"ok": False, "error": "message_not_found"}
            message.deleted = True
        return {"ok": True, "channel": key[0], "ts": key[1]}

    @staticmethod
    def _chunk_text(args: dict[str, Any]) -> str:
        text = str(args.get("markdown_text") or "")
        for chunk in args.get("chunks") or []:
            if isinstance(chunk, dict) and chunk.get("type") == "markdown_text":
                text += str(chunk.get("text") or "")
        return text

    def _m_chat_startStream(self, args: dict[str, Any]) -> dict[str, Any]:
        if not args.get("thread_ts"):
            return {"ok": False, "error": "invalid_arguments"}
        message = self._new_message({**args, "text": self._chunk_text(args)}, streamed=True)
        return {"ok": True, "channel": message.channel, "ts": message.ts}

    def _stream_message(self, args: dict[str, Any]) -> Message | None:
        return self._messages.get((str(args.get("channel")), str(args.get("ts"))))

    def _m_chat_appendStream(self, args: dict[str, Any]) -> dict[str, Any]:
        with self._lock:
            message = self._stream_message(args)
            if message is None or not message.stream_open:
                return {"ok": False, "error": "message_not_in_streaming_state"}
            message.text += self._chunk_text(args)
            message.updates += 1
        return {"ok": True, "channel": message.channel, "ts": message.ts}

    def _m_chat_stopStream(self, args: dict[str, Any]) -> dict[str, Any]:
        with self._lock:
            message = self._stream_message(args)
            if message is None or not message.stream_open:
                return {"ok": False, "error": "message_not_in_streaming_state"}
            message.text += self._chunk_text(args)
            message.blocks = list(args.get("blocks") or [])
            message.stream_open = False
            message.finish()
        return {"ok": True, "channel": message.channel, "ts": message.ts, "message": {"text": message.text}}

    def _m_conversations_open(self, args: dict[str, Any]) -> dict[str, Any]:
        users = str(args.get("users") or "")
        return {"ok": True, "channel": {"id": "D" + users.split(",")[0].removeprefix("U")[:10]}}

    def _m_users_info(self, args: dict[str, Any]) -> dict[str, Any]:
        user_id = str(args.get("user") or "")
        known = self.users.get(user_id, {})
        name = known.get("name", user_id.lower())
        return {
            "ok": True,
            "user": {
                "id": user_id,
                "team_id": TEAM_ID,
                "name": name,
                "real_name": known.get("real_name", name.title()),
                "tz": known.get("tz", "Asia/Shanghai"),
                "tz_offset": 28800,
                "locale": known.get("locale", "en-US"),
                "is_bot": False,
                "profile": {"real_name": known.get("real_name", name.title()), "display_name": name},
            },
        }

    def _view_result(self, view: dict[str, Any], view_id: str) -> dict[str, Any]:
        return {"ok": True, "view": {**view, "id": view_id, "hash": f"h{view_id}"}}

    def _m_views_publish(self, args: dict[str, Any]) -> dict[str, Any]:
        view = args.get("view") or {}
        with self._lock:
            self.home_views[str(args.get("user_id"))] = view
        return self._view_result(view, f"VH{args.get('user_id')}")

    def _m_views_open(self, args: dict[str, Any]) -> dict[str, Any]:
        if not args.get("trigger_id"):
            return {"ok": False, "error": "invalid_trigger_id"}
        view = args.get("view") or {}
        view_id = f"V{next(self._ids):08d}"
        with self._lock:
            self.views[view_id] = view
        return self._view_result(view, view_id)

    def _m_views_update(self, args: dict[str, Any]) -> dict[str, Any]:
        view_id = str(args.get("view_id") or "")
        with self._lock:
            if view_id not in self.views:
                return {"ok": False, "error": "not_found"}
            self.views[view_id] = args.get("view") or {}
        return self._view_result(self.views[view_id], view_id)

    def _m_files_getUploadURLExternal(self, args: dict[str, Any]) -> dict[str, Any]:
        file_id = f"F{next(self._ids):08d}"
        with self._lock:
            self._files[file_id] = StoredFile(file_id, str(args.get("filename")), b"", "text/plain")
        return {"ok": True, "upload_url": f"{self.base_url}/upload/{file_id}", "file_id": file_id}

    def _m_files_completeUploadExternal(self, args: dict[str, Any]) -> dict[str, Any]:
        files = args.get("files") or []
        if isinstance(files, str):
            files = json.loads(files)
        uploaded = {c.args["file_id"]: c.raw for c in self.calls("upload")}
        with self._lock:
            for item in files:
                stored = self._files.get(item["id"])
                if stored is not None:
                    stored.content = uploaded.get(item["id"], b"")
        return {"ok": True, "files": [{"id": f["id"], "title": f.get("title", "")} for f in files]}

    def uploaded(self) -> list[tuple[dict[str, Any], StoredFile]]:
        """Files the app shared, with the completeUploadExternal arguments that shared them."""
        found = []
        for call in self.calls("files.completeUploadExternal"):
            files = call.args.get("files") or []
            if isinstance(files, str):
                files = json.loads(files)
            found.extend((call.args, self._files[item["id"]]) for item in files if item["id"] in self._files)
        return found

    def _m_files_info(self, args: dict[str, Any]) -> dict[str, Any]:
        stored = self._files.get(str(args.get("file")))
        if stored is None:
            return {"ok": False, "error": "file_not_found"}
        return {"ok": True, "file": self._file_object(stored)}

    def _m_assistant_threads_setStatus(self, args: dict[str, Any]) -> dict[str, Any]:
        return {"ok": True}

    def _m_assistant_threads_setSuggestedPrompts(self, args: dict[str, Any]) -> dict[str, Any]:
        return {"ok": True}

    def _m_assistant_threads_setTitle(self, args: dict[str, Any]) -> dict[str, Any]:
        return {"ok": True}

    def _m_reactions_add(self, args: dict[str, Any]) -> dict[str, Any]:
        return {"ok": True}

    def _m_apps_connections_open(self, args: dict[str, Any]) -> dict[str, Any]:
        return {"ok": True, "url": f"ws://{self.host}:{self.port}/link"}

    async def _socket(self, scope: dict[str, Any], receive: Callable, send: Callable) -> None:
        message = await receive()
        if message["type"] != "websocket.connect":
            return
        await send({"type": "websocket.accept"})
        self._loop = asyncio.get_running_loop()
        self._outbox = asyncio.Queue()
        with self._lock:
            self.socket_connections += 1
            self._lock.notify_all()
        hello = {"type": "hello", "num_connections": 1, "connection_info": {"app_id": APP_ID}}
        await send({"type": "websocket.send", "text": json.dumps(hello)})

        async def pump() -> None:
            while True:
                text = await self._outbox.get()
                await send({"type": "websocket.send", "text": text})

        pumping = asyncio.create_task(pump())
        try:
            while True:
                event = await receive()
                if event["type"] == "websocket.disconnect":
                    break
                text = event.get("text") or (event.get("bytes") or b"").decode()
                try:
                    data = json.loads(text)
                except ValueError:
                    continue
                with self._lock:
                    self.socket_received.append(data)
                    self._lock.notify_all()
        finally:
            pumping.cancel()


def _is_placeholder(message: Message) -> bool:
    return any(block.get("block_id") == "kam_placeholder" for block in message.blocks)


def main() -> None:
    parser = argparse.ArgumentParser(description="Slack Web API stand-in")
    parser.add_argument("--port", type=int, required=True)
    args = parser.parse_args()
    standin = SlackStandIn(port=args.port)
    uvicorn.Server(standin._config()).run()


if __name__ == "__main__":
    main()
