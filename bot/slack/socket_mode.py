"""Socket Mode: the app opens a WebSocket to Slack (no public URL needed), for one instance.

Envelopes are acknowledged over the socket by the same listeners as in HTTP mode; the connection URL
comes from ``apps.connections.open`` on the configured Web API (so a stand-in can serve both).
"""

from __future__ import annotations

import logging
import signal
import threading

from slack_bolt import App
from slack_bolt.adapter.socket_mode import SocketModeHandler

log = logging.getLogger(__name__)


def serve_socket_mode(bolt: App, app_token: str) -> None:
    """Connect and run until SIGINT or SIGTERM."""
    stop = threading.Event()
    previous = {sig: signal.signal(sig, lambda *_: stop.set()) for sig in (signal.SIGINT, signal.SIGTERM)}
    handler = SocketModeHandler(bolt, app_token=app_token)
    try:
        handler.connect()
        log.info("connected to Slack in Socket Mode")
        stop.wait()
    finally:
        handler.close()
        for sig, old in previous.items():
            signal.signal(sig, old)
