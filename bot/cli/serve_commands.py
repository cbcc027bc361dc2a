"""`kam-coach serve` (the Slack app, in Socket Mode or over HTTP) and `kam-coach feedback` (what users
thought of the answers, for admins)."""

from __future__ import annotations

import argparse
import functools
import gc
import logging
import os
import sys
from collections.abc import Callable
from datetime import UTC, datetime
from typing import TYPE_CHECKING

from pydantic import BaseModel, Field

from bot.cli.common import BadInput, print_json

if TYPE_CHECKING:
    from multiprocessing.synchronize import Event

log = logging.getLogger(__name__)

DEFAULT_PORT = 3000
MAX_DEFAULT_PROCESSES = 4
"""The default (one process per core) stops here: each process holds its own coach (~400 MB)."""


class ServeOptions(BaseModel):
    http: bool = False
    host: str = Field(default="127.0.0.1", min_length=1)
    port: int = Field(default=DEFAULT_PORT, ge=1, le=65535)
    scheduler: bool = True
    processes: int = Field(default=1, ge=1, le=64)


def start_scheduler(settings, db) -> object:
    """The reminders and digests scheduler (``bot.rhythm``), in this process, in a background thread."""
    from bot.rhythm.scheduler import build_scheduler
    from bot.rhythm.wiring import build_rhythm

    scheduler = build_scheduler(build_rhythm(settings, db))
    scheduler.start()
    log.info("reminders and digests scheduler started in this process")
    return scheduler


def tune_for_threads() -> None:
    """The serve process gets its concurrency from its threads. Native thread pools inside each embedding
    (OpenBLAS, OpenMP) on top of them only oversubscribe the cores, so they get one thread. And a request
    waiting for the GIL behind the workers' Python code gets it after 1 ms instead of 5, which keeps the
    acknowledgements quick while turns are being worked on."""
    from threadpoolctl import threadpool_limits

    threadpool_limits(limits=1)
    sys.setswitchinterval(0.001)


def run_serve(args: argparse.Namespace) -> int:
    from bot.settings import get_settings

    settings = get_settings()
    processes = args.processes if args.processes is not None else settings.slack_http_processes
    options = ServeOptions(
        http=args.http,
        host=args.host,
        port=args.port,
        scheduler=not args.no_scheduler,
        processes=processes or default_processes(),
    )
    socket_mode = bool(settings.slack_app_token) and not options.http
    if not settings.slack_bot_token:
        raise BadInput("SLACK_BOT_TOKEN: not set (the bot token, xoxb-…, from the app's OAuth page)")
    if not socket_mode and not settings.slack_signing_secret:
        raise BadInput("SLACK_SIGNING_SECRET: not set (HTTP mode verifies every request with it)")
    if socket_mode or options.processes == 1:
        if socket_mode and args.processes not in (None, 1):
            raise BadInput("--processes: Socket Mode runs in one process (use --http for several)")
        return serve_one(options, socket_mode=socket_mode)
    from bot.slack.replicas import Replicas

    log.info("HTTP on %s:%d in %d processes", options.host, options.port, options.processes)
    level = logging.getLevelName(logging.getLogger().getEffectiveLevel())
    return Replicas(options.processes, functools.partial(serve_replica, options, level)).run()


def default_processes() -> int:
    """SLACK_HTTP_PROCESSES=0: one serve process per usable core, at most MAX_DEFAULT_PROCESSES."""
    from bot.slack.replicas import usable_cores

    return max(1, min(usable_cores(), MAX_DEFAULT_PROCESSES))


def serve_replica(options: ServeOptions, log_level: str, index: int, ready: Event) -> int:
    """One of several HTTP serve processes (``bot.slack.replicas``): the same app on a shared port; only
    the first runs the scheduler. Errors end it as they would end ``kam-coach serve``."""
    from bot.errors import ServiceUnavailable, SettingError
    from bot.logging_setup import configure_logging

    configure_logging(log_level)
    options = options.model_copy(update={"scheduler": options.scheduler and index == 0})
    try:
        return serve_one(options, socket_mode=False, replica=index, on_ready=ready.set)
    except (BadInput, SettingError, ServiceUnavailable) as unusable:
        sys.stderr.write(f"kam-coach: {' '.join(str(unusable).split())}\n")
        return 1 if isinstance(unusable, ServiceUnavailable) and not isinstance(unusable, SettingError) else 2
    except Exception as failure:
        log.exception("serve process %d failed", index)
        sys.stderr.write(f"kam-coach: {failure}\n")
        return 1


def serve_one(
    options: ServeOptions,
    *,
    socket_mode: bool,
    replica: int | None = None,
    on_ready: Callable[[], None] | None = None,
) -> int:
    """The app in this process until SIGINT/SIGTERM. As a replica it binds its port with SO_REUSEPORT,
    next to the others."""
    from bot.app import build_coach
    from bot.settings import get_settings
    from bot.slack.app import SlackConfigError, build_slack_app

    settings = get_settings()
    log.info("loading the coach")
    coach = build_coach(settings)
    try:
        slack = build_slack_app(settings, coach, socket_mode=socket_mode)
    except SlackConfigError as bad:
        raise BadInput(str(bad)) from None
    scheduler = start_scheduler(settings, slack.db) if options.scheduler else None
    tune_for_threads()  # after the coach is built: threadpoolctl reaches only the libraries loaded by then
    # Everything loaded so far (the index, the vocabularies, the models) lives as long as the process: the
    # garbage collector need not walk it again at every full collection, which paused all threads.
    gc.collect()
    gc.freeze()
    try:
        if socket_mode:
            from bot.slack.socket_mode import serve_socket_mode

            serve_socket_mode(slack.bolt, settings.slack_app_token or "")
        else:
            from bot.slack.http_server import SlackHttpApp, serve_http
            from bot.slack.replicas import reuse_port_socket

            sockets = None if replica is None else [reuse_port_socket(options.host, options.port)]
            app = SlackHttpApp(slack.bolt, settings.slack_signing_secret or "", on_ready=on_ready)
            serve_http(app, options.host, options.port, sockets=sockets, name=_process_name(replica))
    finally:
        log.info("stopping: finishing the work already acknowledged")
        slack.shutdown()
        if scheduler is not None:
            scheduler.shutdown()  # type: ignore[attr-defined]
    return 0


def _process_name(replica: int | None) -> str:
    return "serve" if replica is None else f"serve process {replica} (pid {os.getpid()})"


def _parse_since(text: str | None) -> datetime | None:
    if text is None:
        return None
    try:
        return datetime.fromisoformat(text).replace(tzinfo=UTC)
    except ValueError:
        raise BadInput(f"--since: not a date (YYYY-MM-DD): {text!r}") from None


def run_feedback(args: argparse.Namespace) -> int:
    from bot.settings import get_settings
    from bot.store import open_database
    from bot.store.feedback_store import FeedbackStore

    since = _parse_since(args.since)
    if args.limit < 0:
        raise BadInput("--limit: must be 0 or more")
    store = FeedbackStore(open_database(get_settings()))
    counts = store.counts(since)
    recent = store.recent("down", args.limit) if args.limit else []
    if args.json:
        print_json(
            {
                "up": counts.up,
                "down": counts.down,
                "since": since.date().isoformat() if since else None,
                "recent_down": [
                    {"user": r.user_id, "question": r.question, "answer": r.answer, "at": r.at.isoformat()}
                    for r in recent
                ],
            }
        )
        return 0
    sys.stdout.write(f"👍 {counts.up}   👎 {counts.down}   ({counts.total} votes)\n")
    for record in recent:
        sys.stdout.write(f"\n👎 {record.at:%Y-%m-%d} {record.user_id}: {record.question}\n")
    return 0


def register(subparsers: argparse._SubParsersAction) -> None:
    serve = subparsers.add_parser(
        "serve", help="run the Slack app (Socket Mode when SLACK_APP_TOKEN is set, else HTTP)"
    )
    serve.add_argument("--http", action="store_true", help="take events over HTTP at POST /slack/events")
    serve.add_argument("--port", type=int, default=DEFAULT_PORT, help=f"HTTP port (default {DEFAULT_PORT})")
    serve.add_argument("--host", default="127.0.0.1", help="HTTP address to listen on (default 127.0.0.1)")
    serve.add_argument(
        "--processes",
        type=int,
        metavar="N",
        help="HTTP mode: N serve processes sharing the port (default SLACK_HTTP_PROCESSES; 0: one per core)",
    )
    serve.add_argument(
        "--no-scheduler", action="store_true", help="do not run reminders and digests in this process"
    )
    serve.set_defaults(func=run_serve)

    feedback = subparsers.add_parser("feedback", help="thumbs up and down on the coach's answers (admins)")
    feedback.add_argument("--since", metavar="YYYY-MM-DD", help="count votes from this day on")
    feedback.add_argument("--limit", type=int, default=10, help="recent thumbs-down questions to list")
    feedback.add_argument("--json", action="store_true", help="print one JSON object")
    feedback.set_defaults(func=run_feedback)
