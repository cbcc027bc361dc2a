"""A minimal Slack Web API stand-in: a real HTTP server on 127.0.0.1 that answers the methods the rhythm
calls, records every call with its arguments, and can be told to fail (500, 429) a number of times."""

from __future__ import annotations

import json
import threading
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qsl


@dataclass
class Call:
    method: str
    args: dict[str, Any]
    status: int


@dataclass
class Failure:
    status: int
    times: int
    headers: dict[str, str] = field(default_factory=dict)


class SlackStandIn:
    def __init__(self) -> None:
        self.calls: list[Call] = []
        self.uploads: dict[str, bytes] = {}
        self.failures: dict[str, Failure] = {}
        self._lock = threading.Lock()
        self._count = 0
        self.server = ThreadingHTTPServer(("127.0.0.1", 0), self._handler())
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    @property
    def api_url(self) -> str:
        return f"http://127.0.0.1:{self.server.server_address[1]}/api/"

    def __enter__(self) -> SlackStandIn:
        self.thread.start()
        return self

    def __exit__(self, *_exc: object) -> None:
        self.server.shutdown()
        self.server.server_close()

    def fail(self, method: str, status: int, times: int, headers: dict[str, str] | None = None) -> None:
        """The next ``times`` calls of ``method`` answer ``status`` (with ``headers``, e.g. Retry-After)."""
        self.failures[method] = Failure(status, times, headers or {})

    def ok_calls(self, method: str) -> list[dict[str, Any]]:
        return [c.args for c in self.calls if c.method == method and c.status == 200]

    def _answer(self, method: str, args: dict[str, Any]) -> dict[str, Any]:
        with self._lock:
            self._count += 1
            n = self._count
        if method == "auth.test":
            return {"ok": True, "user_id": "UBOT", "team_id": "T1"}
        if method == "conversations.open":
            return {"ok": True, "channel": {"id": f"D{args.get('users', '')}"}}
        if method == "chat.postMessage":
            return {"ok": True, "channel": args.get("channel"), "ts": f"1800000000.{n:06d}"}
        if method == "files.getUploadURLExternal":
            port = self.server.server_address[1]
            return {"ok": True, "upload_url": f"http://127.0.0.1:{port}/upload/F{n}", "file_id": f"F{n}"}
        if method == "files.completeUploadExternal":
            files = args.get("files")
            files = json.loads(files) if isinstance(files, str) else files
            return {"ok": True, "files": [{"id": f["id"], "title": f.get("title")} for f in files]}
        return {"ok": False, "error": "unknown_method"}

    def _handler(self):
        standin = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *_args: object) -> None:
                pass

            def do_POST(self) -> None:
                body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
                if self.path.startswith("/upload/"):
                    standin.uploads[self.path.rsplit("/", 1)[1]] = body
                    self._send(200, b"OK", "text/plain")
                    return
                method = self.path.removeprefix("/api/")
                if "json" in (self.headers.get("Content-Type") or ""):
                    args = json.loads(body or b"{}")
                else:
                    args = dict(parse_qsl(body.decode()))
                failure = standin.failures.get(method)
                if failure is not None and failure.times > 0:
                    failure.times -= 1
                    standin.calls.append(Call(method, args, failure.status))
                    payload = json.dumps(
                        {"ok": False, "error": "ratelimited" if failure.status == 429 else "fatal_error"}
                    )
                    self._send(failure.status, payload.encode(), "application/json", failure.headers)
                    return
                standin.calls.append(Call(method, args, 200))
                self._send(200, json.dumps(standin._answer(method, args)).encode(), "application/json")

            def _send(
                self, status: int, payload: bytes, kind: str, headers: dict[str, str] | None = None
            ) -> None:
                self.send_response(status)
                self.send_header("Content-Type", kind)
                self.send_header("Content-Length", str(len(payload)))
                for name, value in (headers or {}).items():
                    self.send_header(name, value)
                self.end_headers()
                self.wfile.write(payload)

        return Handler
