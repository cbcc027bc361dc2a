"""The Slack app's composition: the Web API client (with retries), the Bolt app acknowledging inside the
request, the worker pool, and every listener module registered on it.

``build_slack_app(settings, coach)`` is all ``kam-coach serve`` needs; Socket Mode and HTTP share it.
"""

from __future__ import annotations

import importlib
import json
import logging
from dataclasses import dataclass
from typing import Any

from slack_bolt import App, BoltResponse
from slack_sdk.http_retry.builtin_handlers import (
    ConnectionErrorRetryHandler,
    RateLimitErrorRetryHandler,
    ServerErrorRetryHandler,
)

from bot.coach.coach import Coach
from bot.coach.forms.plan import PlanForm
from bot.coach.plan_sections import PlanSections
from bot.plans.render import PlanRenderer
from bot.plans.repository import PlanRepository
from bot.plans.wording import PlanWording
from bot.rhythm.config import RhythmConfig
from bot.rhythm.service import RhythmService
from bot.rhythm.wording import RhythmWording
from bot.settings import Settings
from bot.slack.delivery import Delivery
from bot.slack.deps import SlackDeps
from bot.slack.files import FileFetcher
from bot.slack.inbound import apology_place
from bot.slack.places import Place
from bot.slack.profiles import Profiles
from bot.slack.progress import ProgressTimer
from bot.slack.runner import QueueFull, TurnRunner, reference_id
from bot.slack.views.reply import ReplyView
from bot.slack.web_api import KeepAliveWebClient, quiet_sdk_logger
from bot.slack.wording import SlackWording
from bot.slack.worker import Priority, WorkerPool
from bot.store.db import Database, open_database
from bot.store.escalation_store import EscalationStore
from bot.store.feedback_store import FeedbackStore
from bot.store.slack_users import SlackUserStore

log = logging.getLogger(__name__)

LISTENER_MODULES = (
    "bot.slack.listeners.events",
    "bot.slack.listeners.commands",
    "bot.slack.listeners.actions",
    "bot.slack.listeners.views",
    "bot.slack.listeners.home",
    "bot.slack.listeners.rhythm",
)


class SlackConfigError(ValueError):
    """A Slack setting is missing or wrong; the message names it."""


@dataclass
class SlackApp:
    bolt: App
    deps: SlackDeps
    pool: WorkerPool
    timer: ProgressTimer
    db: Database

    def shutdown(self, timeout: float = 30.0) -> None:
        """Finish the work already acknowledged to Slack, then stop."""
        self.pool.shutdown(timeout)
        self.timer.stop()


def web_client(settings: Settings) -> KeepAliveWebClient:
    """The Web API client: Slack's own URL or a stand-in's, retrying connection errors, rate limits (429,
    waiting Retry-After) and server errors, over kept-alive connections."""
    return KeepAliveWebClient(
        token=settings.slack_bot_token,
        base_url=settings.slack_api_url,
        timeout=settings.slack_api_timeout,
        logger=quiet_sdk_logger(),
        retry_handlers=[
            ConnectionErrorRetryHandler(max_retry_count=2),
            RateLimitErrorRetryHandler(max_retry_count=settings.slack_api_retries),
            ServerErrorRetryHandler(max_retry_count=settings.slack_api_retries),
        ],
    )


def build_slack_app(
    settings: Settings, coach: Coach, *, socket_mode: bool = False, db: Database | None = None
) -> SlackApp:
    """The Slack app around a coach. Its own stores (profiles, feedback, plans for App Home and the
    modal) use ``db``, by default the database the settings name (already migrated by the coach)."""
    if not settings.slack_bot_token:
        raise SlackConfigError("SLACK_BOT_TOKEN is not set (the bot token, xoxb-…)")
    if not socket_mode and not settings.slack_signing_secret:
        raise SlackConfigError("SLACK_SIGNING_SECRET is not set (HTTP mode verifies every request with it)")
    client = web_client(settings)
    bolt = App(
        signing_secret=settings.slack_signing_secret or "socket-mode",
        client=client,
        # Listeners acknowledge inside the request and queue the slow work themselves: measured on this
        # kind of machine, that acks 20-50x faster than Bolt's default ack-then-thread runner.
        process_before_response=True,
        token_verification_enabled=False,
        # HTTP requests are verified before Bolt sees them (bot.slack.http_server: 401 and a log line);
        # Socket Mode's are not signed at all. Bolt checking the signature again is only cost.
        request_verification_enabled=False,
        logger=logging.getLogger("slack_bolt.App"),
    )
    db = db or open_database(settings, migrate=False)
    wording = SlackWording(settings.prompts_dir)
    view = ReplyView(wording)
    delivery = Delivery(client, view, streaming=settings.slack_streaming)
    profiles = Profiles(client, SlackUserStore(db), settings.default_language)
    pool = WorkerPool(settings.slack_workers, settings.slack_queue_limit)
    timer = ProgressTimer()
    runner = TurnRunner(
        coach=coach,
        client=client,
        delivery=delivery,
        profiles=profiles,
        files=FileFetcher(client, settings.slack_max_file_mb * 1024 * 1024),
        wording=wording,
        pool=pool,
        timer=timer,
        placeholder_delay=settings.slack_placeholder_delay,
        default_language=settings.default_language,
        concurrent_turns=settings.slack_concurrent_turns,
    )
    plans = PlanRepository(db, admin_ids=settings.admin_ids)
    plan_wording = PlanWording(settings.prompts_dir)
    deps = SlackDeps(
        settings=settings,
        coach=coach,
        client=client,
        wording=wording,
        view=view,
        delivery=delivery,
        runner=runner,
        profiles=profiles,
        feedback=FeedbackStore(db),
        plans=plans,
        sections=plan_sections(coach, plans, db),
        plan_wording=plan_wording,
        rhythm=RhythmService(db, RhythmConfig.from_settings(settings), RhythmWording(settings.prompts_dir)),
        renderer=PlanRenderer(plan_wording),
        escalations=EscalationStore(db),
    )
    for name in LISTENER_MODULES:
        importlib.import_module(name).register(bolt, deps)
    bolt.error(_error_handler(deps))
    return SlackApp(bolt=bolt, deps=deps, pool=pool, timer=timer, db=db)


def plan_sections(coach: Coach, plans: PlanRepository, db: Database) -> PlanSections:
    """The section editor reads answers with the coach's own plan form and form tools."""
    form = coach.forms.get("plan")
    if not isinstance(form, PlanForm) or coach.runner is None:
        raise SlackConfigError("the Slack app needs a coach with its plan form (build_coach(settings))")
    return PlanSections(form, coach.runner.tools, plans, db.unit_of_work)


def _say(deps: SlackDeps, place: Place, text: str) -> None:
    deps.delivery.say(place, text)


def _error_handler(deps: SlackDeps):
    """A listener that fails before acknowledging: never silence. A full queue is a 503 (Slack delivers
    the event again later); anything else is logged with a reference id and the user gets the apology
    with that id (in the acknowledgement of a command, as a message elsewhere)."""

    def on_error(error: Exception, body: dict[str, Any]) -> BoltResponse:
        if isinstance(error, QueueFull):
            log.warning("worker queue full: refused event %s with 503; Slack will deliver it again", error)
            return BoltResponse(status=503, body="busy")
        ref = reference_id()
        log.error("Slack listener failed (ref %s)", ref, exc_info=error)
        place = apology_place(body)
        language = deps.settings.default_language
        if place is not None:
            language = deps.profiles.cached_language(place.user) or language
        apology = deps.wording.text("apology", language, ref=ref)
        if "command" in body:
            return BoltResponse(
                status=200,
                body=json.dumps({"response_type": "ephemeral", "text": apology}),
                headers={"content-type": "application/json"},
            )
        if place is not None:
            deps.runner.run_later(lambda: _say(deps, place, apology), place, Priority.QUICK)
        return BoltResponse(status=200, body="")

    return on_error
