"""`kam-coach serve` (the Slack app, in Socket Mode or over HTTP) and `kam-coach feedback` (what users
thought of the answers, for admins)."""

from __future__ import annotations

import argparse
import gc
import logging
import sys
from datetime import UTC, datetime

from pydantic import BaseModel, Field

from bot.cli.common import BadInput, print_json

log = logging.getLogger(__name__)

DEFAULT_PORT = 3000


class ServeOptions(BaseModel):
    http: bool = False
    host: str = Field(default="127.0.0.1", min_length=1)
    port: int = Field(default=DEFAULT_PORT, ge=1, le=65535)
    scheduler: bool = True


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
    from bot.app import build_coach
    from bot.settings import get_settings
    from bot.slack.app import SlackConfigError, build_slack_app

    options = ServeOptions(http=args.http, host=args.host, port=args.port, scheduler=not args.no_scheduler)
    settings = get_settings()
    socket_mode = bool(settings.slack_app_token) and not options.http
    if not settings.slack_bot_token:
        raise BadInput("SLACK_BOT_TOKEN: not set (the bot token, xoxb-…, from the app's OAuth page)")
    if not socket_mode and not settings.slack_signing_secret:
        raise BadInput("SLACK_SIGNING_SECRET: not set (HTTP mode verifies every request with it)")
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

            serve_http(
                SlackHttpApp(slack.bolt, settings.slack_signing_secret or ""), options.host, options.port
            )
    finally:
        log.info("stopping: finishing the work already acknowledged")
        slack.shutdown()
        if scheduler is not None:
            scheduler.shutdown()  # type: ignore[attr-defined]
    return 0


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
        "--no-scheduler", action="store_true", help="do not run reminders and digests in this process"
    )
    serve.set_defaults(func=run_serve)

    feedback = subparsers.add_parser("feedback", help="thumbs up and down on the coach's answers (admins)")
    feedback.add_argument("--since", metavar="YYYY-MM-DD", help="count votes from this day on")
    feedback.add_argument("--limit", type=int, default=10, help="recent thumbs-down questions to list")
    feedback.add_argument("--json", action="store_true", help="print one JSON object")
    feedback.set_defaults(func=run_feedback)
