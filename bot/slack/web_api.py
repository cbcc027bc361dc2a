"""The Web API client: slack_sdk's ``WebClient`` with its retry handlers, over kept-alive connections.

slack_sdk's sync client opens a new TCP (and TLS) connection for every call through ``urllib`` and closes
it after. Every reply takes two or three calls (placeholder, update or stream), so under load connecting
cost more CPU than the calls themselves. Here each worker thread keeps one HTTP/1.1 connection per host
and reuses it; everything else (request building, retry handlers for 429 and 5xx, response parsing) is
slack_sdk's own. A proxy setting falls back to slack_sdk's urllib path.
"""

from __future__ import annotations

import http.client
import io
import logging
import ssl
import threading
import time
from typing import Any
from urllib.error import HTTPError
from urllib.parse import urlsplit
from urllib.request import Request

from slack_sdk import WebClient

log = logging.getLogger(__name__)

IDLE_SECONDS = 4.0
"""A connection idle longer than this is not reused: servers close idle keep-alive connections (uvicorn
after 5 s), and a request sent on one being closed fails."""
RETRYABLE_ON_REUSE = (http.client.RemoteDisconnected, ConnectionResetError, BrokenPipeError)


class _Connection:
    __slots__ = ("http", "used_at")

    def __init__(self, connection: http.client.HTTPConnection) -> None:
        self.http = connection
        self.used_at = time.monotonic()


class KeepAliveWebClient(WebClient):
    """A ``WebClient`` whose calls reuse one connection per thread and host."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._local = threading.local()

    def _perform_urllib_http_request_internal(self, url: str, req: Request) -> dict[str, Any]:
        if self.proxy is not None:
            return super()._perform_urllib_http_request_internal(url, req)
        parts = urlsplit(url)
        if parts.scheme not in ("http", "https") or not parts.hostname:
            return super()._perform_urllib_http_request_internal(url, req)
        target = parts.path + (f"?{parts.query}" if parts.query else "")
        key = (parts.scheme, parts.hostname, parts.port)
        body = req.data if isinstance(req.data, bytes) else None
        headers = dict(req.header_items())

        def post(connection: _Connection) -> http.client.HTTPResponse:
            connection.http.request("POST", target, body=body, headers=headers)
            return connection.http.getresponse()

        connection, reused = self._connection(key)
        try:
            response = post(connection)
        except RETRYABLE_ON_REUSE:
            self._drop(key)
            if not reused:
                raise
            # The server closed a kept-alive connection before reading the request: send it again, fresh.
            connection, _ = self._connection(key)
            try:
                response = post(connection)
            except Exception:
                self._drop(key)
                raise
        except Exception:
            self._drop(key)
            raise
        data = response.read()
        connection.used_at = time.monotonic()
        if response.will_close:
            self._drop(key)
        if response.status >= 400:  # as urllib does: the retry handlers and SlackApiError take it from here
            raise HTTPError(url, response.status, response.reason, response.headers, io.BytesIO(data))
        # The Content-Type read directly: email.message's parameter parsing cost more than the call's I/O.
        kind, _, params = (response.getheader("Content-Type") or "").partition(";")
        if kind.strip().lower() == "application/gzip":
            return {"status": response.status, "headers": response.headers, "body": data}
        charset = _charset(params)
        return {"status": response.status, "headers": response.headers, "body": data.decode(charset)}

    def _connection(self, key: tuple[str, str, int | None]) -> tuple[_Connection, bool]:
        pool: dict[tuple[str, str, int | None], _Connection] = self._local.__dict__.setdefault("pool", {})
        existing = pool.get(key)
        if existing is not None and time.monotonic() - existing.used_at < IDLE_SECONDS:
            return existing, True
        if existing is not None:
            existing.http.close()
        scheme, host, port = key
        if scheme == "https":
            context = self.ssl or ssl.create_default_context()
            made: http.client.HTTPConnection = http.client.HTTPSConnection(
                host, port, timeout=self.timeout, context=context
            )
        else:
            made = http.client.HTTPConnection(host, port, timeout=self.timeout)
        pool[key] = _Connection(made)
        return pool[key], False

    def _drop(self, key: tuple[str, str, int | None]) -> None:
        pool: dict[tuple[str, str, int | None], _Connection] = self._local.__dict__.setdefault("pool", {})
        dropped = pool.pop(key, None)
        if dropped is not None:
            dropped.http.close()


def _charset(params: str) -> str:
    for param in params.split(";"):
        name, _, value = param.partition("=")
        if name.strip().lower() == "charset" and value.strip():
            return value.strip().strip('"')
    return "utf-8"


def quiet_sdk_logger(name: str = "slack_sdk.web") -> logging.Logger:
    """slack_sdk builds its debug lines (the whole request and response) whenever its logger's own level is
    unset (it checks ``logger.level``, not the effective level), whether or not anything prints them. The
    app's level set on it spares that work on every call unless the app logs at DEBUG."""
    logger = logging.getLogger(name)
    logger.setLevel(logging.getLogger().getEffectiveLevel() or logging.WARNING)
    return logger
