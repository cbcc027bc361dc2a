"""A stand-in for a hosted language model: an OpenAI-compatible server on 127.0.0.1, scripted per test.

It answers ``POST /v1/chat/completions`` as the OpenAI API does, as one JSON object or, when the request
says ``stream``, as server-sent events (with a usage chunk when ``stream_options.include_usage`` asks), with
scripted text and tool calls, after a scripted delay. It records every request body, so a test can check
what was sent to the model. Real HTTP: the openai client (httpx2) cannot be intercepted in-process.

    with StandIn() as model:
        model.script(Scripted(content="Price within the policy [1]."))
        ... KAM_LLM=openai:stand-in KAM_LLM_BASE_URL=model.base_url ...
        model.requests[0]["messages"]
"""

from __future__ import annotations

import json
import re
import threading
import time
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

Request = dict[str, Any]


@dataclass
class Scripted:
    """One reply of the stand-in model."""

    content: str | None = None
    tool_calls: list[tuple[str, dict[str, Any]]] = field(default_factory=list)
    """(tool name, arguments) pairs, in order."""
    delay: float = 0.0
    """Seconds to wait before answering (past the client's timeout to test one)."""
    status: int = 200


Script = Scripted | Callable[[Request], Scripted]


def passages_in(request: Request) -> dict[int, str]:
    """The numbered passages ``[n] title`` in the request's last user message, by number."""
    users = [m for m in request.get("messages", []) if m.get("role") == "user"]
    text = str(users[-1].get("content") or "") if users else ""
    return {int(n): title.strip() for n, title in re.findall(r"^\[(\d+)\]\s*(.*)$", text, re.MULTILINE)}


def _usage(request: Request, reply: Scripted) -> dict[str, int]:
    sent = sum(len(str(message.get("content") or "")) for message in request.get("messages", []))
    written = len(reply.content or "") + sum(len(json.dumps(args)) for _, args in reply.tool_calls)
    prompt, completion = sent // 4 + 1, written // 4 + 1
    return {"prompt_tokens": prompt, "completion_tokens": completion, "total_tokens": prompt + completion}


def _tool_calls(reply: Scripted) -> list[dict[str, Any]]:
    return [
        {"id": f"call_{n}", "type": "function", "function": {"name": name, "arguments": json.dumps(args)}}
        for n, (name, args) in enumerate(reply.tool_calls, start=1)
    ]


def completion(request: Request, reply: Scripted) -> dict[str, Any]:
    message: dict[str, Any] = {"role": "assistant", "content": reply.content}
    if reply.tool_calls:
        message["tool_calls"] = _tool_calls(reply)
    return {
        "id": "chatcmpl-standin",
        "object": "chat.completion",
        "created": int(time.time()),
        "model": request.get("model", "stand-in"),
        "choices": [
            {
                "index": 0,
                "message": message,
                "finish_reason": "tool_calls" if reply.tool_calls else "stop",
            }
        ],
        "usage": _usage(request, reply),
    }


def chunks(request: Request, reply: Scripted) -> list[dict[str, Any]]:
    """The reply as the stream of ``chat.completion.chunk`` objects the OpenAI API sends."""

    def chunk(delta: dict[str, Any], finish: str | None = None) -> dict[str, Any]:
        return {
            "id": "chatcmpl-standin",
            "object": "chat.completion.chunk",
            "created": int(time.time()),
            "model": request.get("model", "stand-in"),
            "choices": [{"index": 0, "delta": delta, "finish_reason": finish}],
        }

    out = [chunk({"role": "assistant", "content": ""})]
    text = reply.content or ""
    out.extend(chunk({"content": text[i : i + 7]}) for i in range(0, len(text), 7))
    for index, call in enumerate(_tool_calls(reply)):
        arguments = call["function"]["arguments"]
        half = len(arguments) // 2
        first = {"index": index, "id": call["id"], "type": "function"}
        out.append(chunk({"tool_calls": [{**first, "function": {"name": call["function"]["name"]}}]}))
        out.append(chunk({"tool_calls": [{"index": index, "function": {"arguments": arguments[:half]}}]}))
        out.append(chunk({"tool_calls": [{"index": index, "function": {"arguments": arguments[half:]}}]}))
    out.append(chunk({}, "tool_calls" if reply.tool_calls else "stop"))
    if (request.get("stream_options") or {}).get("include_usage"):
        last = chunk({})
        last["choices"] = []
        last["usage"] = _usage(request, reply)
        out.append(last)
    return out


class StandIn:
    """The server. Scripts are used in order, then ``default`` (a reply, or a function of the request)."""

    def __init__(self, default: Script | None = None) -> None:
        self.default = default
        self.requests: list[Request] = []
        self._scripts: deque[Script] = deque()
        self._lock = threading.Lock()
        self._closing = threading.Event()
        self._server: ThreadingHTTPServer | None = None

    # ---------- scripting ----------
    def script(self, *replies: Script) -> StandIn:
        with self._lock:
            self._scripts.extend(replies)
        return self

    def reset(self, default: Script | None = None) -> None:
        with self._lock:
            self._scripts.clear()
            self.requests.clear()
            self.default = default

    def _next(self, request: Request) -> Scripted | None:
        with self._lock:
            self.requests.append(request)
            script = self._scripts.popleft() if self._scripts else self.default
        if script is None:
            return None
        return script(request) if callable(script) else script

    # ---------- serving ----------
    @property
    def base_url(self) -> str:
        assert self._server is not None, "start the stand-in first"
        host, port = self._server.server_address[:2]
        return f"http://{host}:{port}/v1"

    def start(self) -> StandIn:
        stand_in = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"
            disable_nagle_algorithm = True  # headers and body go out as separate writes

            def log_message(self, format: str, *args: Any) -> None:  # quiet in test output
                return

            def do_POST(self) -> None:
                if self.path.rstrip("/") != "/v1/chat/completions":
                    self._json(404, {"error": {"message": f"no route {self.path}", "type": "not_found"}})
                    return
                length = int(self.headers.get("Content-Length") or 0)
                request = json.loads(self.rfile.read(length) or b"{}")
                reply = stand_in._next(request)
                if reply is None:
                    self._json(500, {"error": {"message": "nothing scripted", "type": "server_error"}})
                    return
                if reply.delay and stand_in._closing.wait(reply.delay):
                    return
                if reply.status != 200:
                    self._json(
                        reply.status, {"error": {"message": "scripted failure", "type": "server_error"}}
                    )
                    return
                if request.get("stream"):
                    self._stream(chunks(request, reply))
                else:
                    self._json(200, completion(request, reply))

            def _json(self, status: int, payload: dict[str, Any]) -> None:
                body = json.dumps(payload).encode()
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self._write(body)

            def _stream(self, events: list[dict[str, Any]]) -> None:
                self.send_response(200)
                self.send_header("Content-Type", "text/event-stream")
                self.send_header("Cache-Control", "no-cache")
                self.send_header("Connection", "close")
                self.end_headers()
                for event in events:
                    self._write(f"data: {json.dumps(event)}\n\n".encode())
                self._write(b"data: [DONE]\n\n")
                self.close_connection = True

            def _write(self, data: bytes) -> None:
                try:
                    self.wfile.write(data)
                    self.wfile.flush()
                except (BrokenPipeError, ConnectionResetError):  # the client gave up (its timeout)
                    self.close_connection = True

        server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        server.daemon_threads = True
        server.block_on_close = False
        self._server = server
        threading.Thread(target=server.serve_forever, name="llm-stand-in", daemon=True).start()
        return self

    def stop(self) -> None:
        self._closing.set()
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()
            self._server = None

    def __enter__(self) -> StandIn:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()
