"""The app manifests ask for exactly what the app uses: every event a listener takes, the scope of every
Web API method it calls, the /kam command and interactivity; the HTTP and Socket Mode variants differ only
in how Slack reaches the app."""

from __future__ import annotations

import re

import pytest
import yaml

from tests.conftest import REPO

MANIFESTS = REPO / "slack"
# Web API methods the app calls, and the bot scope each needs.
SCOPES_FOR_METHODS = {
    "chat_postMessage": "chat:write",
    "chat_update": "chat:write",
    "chat_delete": "chat:write",
    "chat_postEphemeral": "chat:write",
    "chat_stream": "chat:write",
    "assistant_threads_setStatus": "assistant:write",
    "assistant_threads_setTitle": "assistant:write",
    "assistant_threads_setSuggestedPrompts": "assistant:write",
    "users_info": "users:read",
    "conversations_open": "im:write",
    "files_info": "files:read",
    "files_upload_v2": "files:write",
    "views_publish": None,
    "views_open": None,
}


def _manifest(name: str) -> dict:
    return yaml.safe_load((MANIFESTS / name).read_text(encoding="utf-8"))


def _source() -> str:
    return "\n".join(p.read_text(encoding="utf-8") for p in (REPO / "bot" / "slack").rglob("*.py"))


@pytest.mark.parametrize("name", ["manifest-socket-mode.yaml", "manifest-http.yaml"])
def test_the_manifest_covers_every_event_method_and_the_command(name):
    manifest = _manifest(name)
    source = _source()
    events = set(manifest["settings"]["event_subscriptions"]["bot_events"])
    listened = set(re.findall(r'@app\.event\("([a-z_]+)"\)', source))
    assert listened - {"message"} <= events
    assert {"message.im", "message.channels", "message.groups"} <= events
    scopes = set(manifest["oauth_config"]["scopes"]["bot"])
    called = set(re.findall(r"client\.([a-z]+_[A-Za-z_]+)\(", source))
    assert called <= set(SCOPES_FOR_METHODS), (
        f"a method without a known scope: {called - set(SCOPES_FOR_METHODS)}"
    )
    assert {SCOPES_FOR_METHODS[m] for m in called} - {None} <= scopes
    assert {"app_mentions:read", "commands", "channels:history", "im:history"} <= scopes
    [command] = manifest["features"]["slash_commands"]
    assert command["command"] == "/kam"
    assert manifest["settings"]["interactivity"]["is_enabled"] is True
    assert manifest["features"]["app_home"]["home_tab_enabled"] is True
    assert 174 <= len(manifest["display_information"]["long_description"]) <= 4000  # Slack's bounds


def test_the_two_variants_differ_only_in_how_slack_reaches_the_app():
    socket, http = _manifest("manifest-socket-mode.yaml"), _manifest("manifest-http.yaml")
    assert (
        socket["settings"]["socket_mode_enabled"] is True and http["settings"]["socket_mode_enabled"] is False
    )
    assert http["settings"]["event_subscriptions"]["request_url"].endswith("/slack/events")
    assert http["settings"]["interactivity"]["request_url"].endswith("/slack/events")
    assert http["features"]["slash_commands"][0]["url"].endswith("/slack/events")
    for manifest in (socket, http):
        manifest["settings"].pop("socket_mode_enabled")
        manifest["settings"]["event_subscriptions"].pop("request_url", None)
        manifest["settings"]["interactivity"].pop("request_url", None)
        manifest["features"]["slash_commands"][0].pop("url", None)
    assert socket == http
