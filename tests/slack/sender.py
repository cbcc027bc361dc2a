"""Playing Slack's side of the conversation: signed HTTP requests to the app, shaped like Slack's payloads.

Every request goes over real HTTP to a ``kam-coach serve --http`` process, signed with the signing secret
(``tests.slack.signing``). Payload shapes follow Slack's Events API, slash command and interactivity
documentation; only the fields the app reads, plus the ones Bolt needs to route, are filled in.
"""

from __future__ import annotations

import itertools
import json
import ssl
import time
from typing import Any
from urllib.parse import urlencode

import httpx

from tests.slack.signing import signed_headers
from tests.slack.standin import APP_ID, BOT_USER_ID, TEAM_ID

# One TLS context for every request the tests make: httpx builds one per client (40 ms of CPU loading the
# system's certificates), and a start-up poll makes a client every tenth of a second, though everything
# here speaks plain HTTP on loopback.
LOOPBACK_TLS = ssl.create_default_context()

_counter = itertools.count(1)


def new_ts() -> str:
    """A fresh, increasing message timestamp for a user's message."""
    return f"{int(time.time())}.{next(_counter):06d}"


def new_event_id() -> str:
    return f"Ev{int(time.time() * 1000) % 10**10:010d}{next(_counter):05d}"


def event_envelope(event: dict[str, Any], event_id: str | None = None) -> dict[str, Any]:
    return {
        "token": "legacy-verification-token",
        "team_id": TEAM_ID,
        "api_app_id": APP_ID,
        "event": event,
        "type": "event_callback",
        "event_id": event_id or new_event_id(),
        "event_time": int(time.time()),
        "authorizations": [
            {"team_id": TEAM_ID, "user_id": BOT_USER_ID, "is_bot": True, "is_enterprise_install": False}
        ],
        "is_ext_shared_channel": False,
    }


def _message(
    kind: str,
    text: str,
    *,
    user: str,
    channel: str,
    ts: str | None,
    thread_ts: str | None,
    files: list[dict[str, Any]] | None,
    **extra: str,
) -> dict[str, Any]:
    ts = ts or new_ts()
    event: dict[str, Any] = {
        "type": kind,
        "user": user,
        "text": text,
        "ts": ts,
        "channel": channel,
        "event_ts": ts,
        "team": TEAM_ID,
        **extra,
    }
    if thread_ts:
        event["thread_ts"] = thread_ts
    if files:
        event["files"] = files
    return event


def mention_event(
    text: str,
    *,
    user: str = "U0SALES1",
    channel: str = "C0DEALS1",
    ts: str | None = None,
    thread_ts: str | None = None,
    files: list[dict[str, Any]] | None = None,
) -> dict[str, Any]:
    return _message(
        "app_mention",
        f"<@{BOT_USER_ID}> {text}",
        user=user,
        channel=channel,
        ts=ts,
        thread_ts=thread_ts,
        files=files,
    )


def message_event(
    text: str,
    *,
    user: str = "U0SALES1",
    channel: str = "D0SALES1",
    channel_type: str = "im",
    ts: str | None = None,
    thread_ts: str | None = None,
    files: list[dict[str, Any]] | None = None,
) -> dict[str, Any]:
    extra = {"channel_type": channel_type, **({"subtype": "file_share"} if files else {})}
    return _message(
        "message", text, user=user, channel=channel, ts=ts, thread_ts=thread_ts, files=files, **extra
    )


def command_form(
    text: str, *, user: str = "U0SALES1", channel: str = "C0DEALS1", command: str = "/kam"
) -> dict[str, str]:
    return {
        "token": "legacy-verification-token",
        "team_id": TEAM_ID,
        "team_domain": "kam-test",
        "channel_id": channel,
        "channel_name": "deals",
        "user_id": user,
        "user_name": user.lower(),
        "command": command,
        "text": text,
        "api_app_id": APP_ID,
        "response_url": "https://hooks.slack.invalid/commands/T/1/x",
        "trigger_id": f"{next(_counter)}.{int(time.time())}.trigger",
    }


def block_action(
    action: dict[str, Any],
    *,
    user: str = "U0SALES1",
    channel: str = "C0DEALS1",
    message: dict[str, Any] | None = None,
    container: dict[str, Any] | None = None,
    view: dict[str, Any] | None = None,
) -> dict[str, Any]:
    payload: dict[str, Any] = {
        "type": "block_actions",
        "user": {"id": user, "username": user.lower(), "team_id": TEAM_ID},
        "api_app_id": APP_ID,
        "token": "legacy-verification-token",
        "team": {"id": TEAM_ID, "domain": "kam-test"},
        "trigger_id": f"{next(_counter)}.{int(time.time())}.trigger",
        "actions": [{"action_ts": new_ts(), **action}],
    }
    if view is not None:
        payload["view"] = view
        payload["container"] = {"type": "view", "view_id": view.get("id")}
        return payload
    message = message or {}
    payload["channel"] = {"id": channel, "name": "deals"}
    payload["message"] = message
    payload["container"] = container or {
        "type": "message",
        "message_ts": message.get("ts"),
        "channel_id": channel,
        "is_ephemeral": False,
        **({"thread_ts": message["thread_ts"]} if message.get("thread_ts") else {}),
    }
    payload["response_url"] = "https://hooks.slack.invalid/actions/T/1/x"
    return payload


def view_submission(view: dict[str, Any], values: dict[str, dict[str, Any]], *, user: str) -> dict[str, Any]:
    return {
        "type": "view_submission",
        "team": {"id": TEAM_ID, "domain": "kam-test"},
        "user": {"id": user, "username": user.lower(), "team_id": TEAM_ID},
        "api_app_id": APP_ID,
        "token": "legacy-verification-token",
        "trigger_id": f"{next(_counter)}.{int(time.time())}.trigger",
        "view": {**view, "state": {"values": values}},
    }


class SlackSender:
    """Posts signed requests to the app's ``/slack/events``, as Slack would."""

    def __init__(self, app_url: str, signing_secret: str) -> None:
        self.url = app_url.rstrip("/") + "/slack/events"
        self.secret = signing_secret
        self.http = httpx.Client(timeout=30, verify=LOOPBACK_TLS)

    def close(self) -> None:
        self.http.close()

    def post(
        self,
        body: bytes,
        content_type: str,
        *,
        timestamp: int | None = None,
        secret: str | None = None,
        extra_headers: dict[str, str] | None = None,
    ) -> httpx.Response:
        headers = {"Content-Type": content_type, **signed_headers(secret or self.secret, body, timestamp)}
        headers.update(extra_headers or {})
        return self.http.post(self.url, content=body, headers=headers)

    def event(
        self, event: dict[str, Any], *, event_id: str | None = None, retry_num: int | None = None, **kw: Any
    ) -> httpx.Response:
        envelope = event_envelope(event, event_id)
        extra = {}
        if retry_num is not None:
            extra = {"X-Slack-Retry-Num": str(retry_num), "X-Slack-Retry-Reason": "http_timeout"}
        body = json.dumps(envelope).encode()
        return self.post(body, "application/json", extra_headers=extra, **kw)

    def command(self, text: str, **kw: Any) -> httpx.Response:
        return self.post(urlencode(command_form(text, **kw)).encode(), "application/x-www-form-urlencoded")

    def interaction(self, payload: dict[str, Any]) -> httpx.Response:
        body = urlencode({"payload": json.dumps(payload)}).encode()
        return self.post(body, "application/x-www-form-urlencoded")
