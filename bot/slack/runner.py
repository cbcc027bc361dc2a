"""A turn's life after the ack: queue it, show progress, ask the coach, deliver the reply, and if anything
fails, apologise visibly with a reference id that is in the log. Never a silent bot.

Listeners build a ``TurnRequest`` (pure data from the payload) and call ``TurnRunner.submit``; everything
slow happens in the worker pool.
"""

from __future__ import annotations

import logging
import threading
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, Literal

from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError

from bot.coach.coach import Coach
from bot.coach.errors import AlreadyHandled
from bot.coach.reply import Language, Reply
from bot.coach.turn import Attachment, Turn
from bot.language import detect_language
from bot.slack.delivery import Delivery
from bot.slack.files import FileFetcher, FileProblem
from bot.slack.places import Place
from bot.slack.profiles import Profiles
from bot.slack.progress import Progress, ProgressTimer
from bot.slack.views.reply import ReplyContext
from bot.slack.wording import SlackWording
from bot.slack.worker import Priority, WorkerPool

log = logging.getLogger(__name__)

TITLED_THREADS_KEPT = 10_000
THREAD_TITLE_MAX = 80

Mode = Literal["conversation", "ask", "continue_only"]
"""``conversation``: coach.handle; ``ask``: a one-shot answer; ``continue_only``: handled only when a
dialog is open in that thread (a message in a channel thread that does not mention the bot)."""


@dataclass(frozen=True)
class TurnRequest:
    place: Place
    text: str
    mode: Mode = "conversation"
    event_id: str | None = None
    files: list[dict[str, Any]] = field(default_factory=list)
    new_thread: bool = False
    """A slash command: the reply starts a thread of its own (posted first, then the turn runs in it)."""
    acked_at: float = field(default_factory=time.monotonic)


class QueueFull(RuntimeError):
    """The worker pool is at its limit: the request is refused (Slack delivers an event again later)."""


def reference_id() -> str:
    return uuid.uuid4().hex[:8]


class TurnRunner:
    def __init__(
        self,
        *,
        coach: Coach,
        client: WebClient,
        delivery: Delivery,
        profiles: Profiles,
        files: FileFetcher,
        wording: SlackWording,
        pool: WorkerPool,
        timer: ProgressTimer,
        placeholder_delay: float,
        default_language: Language,
        concurrent_turns: int = 2,
    ) -> None:
        self.coach = coach
        self.client = client
        self.delivery = delivery
        self.profiles = profiles
        self.files = files
        self.wording = wording
        self.pool = pool
        self.timer = timer
        self.placeholder_delay = placeholder_delay
        self.default_language = default_language
        self._turn_slots = threading.BoundedSemaphore(concurrent_turns)
        self._titled: dict[tuple[str, str | None], None] = {}
        self._titled_lock = threading.Lock()

    # ---------- queueing ----------
    def submit(self, request: TurnRequest) -> bool:
        """Queue the turn; False when the pool is full (the caller says so rather than drop it)."""
        language = detect_language(request.text) or self.default_language
        progress = Progress(self.client, self.wording, request.place, language)
        if not self.pool.submit(lambda: self._run(request, progress)):
            return False
        if request.mode != "continue_only" and not request.new_thread:
            delay = 0.0 if request.place.assistant else self.placeholder_delay
            self.timer.at(request.acked_at + delay, progress.show)
        return True

    def run_later(self, job: Callable[[], None], place: Place, priority: Priority = Priority.NORMAL) -> bool:
        """Queue a job that is not a coach turn (a click's bookkeeping, App Home) with the same apology."""
        return self.pool.submit(lambda: self.guarded(place, None, job), priority)

    # ---------- the AI-app surface ----------
    def greet_thread(self, place: Place) -> None:
        """A new assistant thread: suggested prompts in the user's language (plain DMs have none)."""
        language = self.profiles.language(place.user)
        prompts = [
            {"title": item["title"], "message": item["message"]}
            for item in self.wording.node("suggested_prompts", language)
        ]
        try:
            self.client.assistant_threads_setSuggestedPrompts(
                channel_id=place.channel,
                thread_ts=place.thread_ts or "",
                prompts=prompts,
                title=self.wording.text("suggested_title", language),
            )
        except SlackApiError as failure:
            log.info("suggested prompts unavailable: %s", failure.response.get("error"))

    def _title_thread(self, place: Place, text: str) -> None:
        """Name a new assistant thread after its first question (once per thread in this process)."""
        key = (place.channel, place.thread_ts)
        with self._titled_lock:
            if key in self._titled:
                return
            self._titled[key] = None
            while len(self._titled) > TITLED_THREADS_KEPT:
                self._titled.pop(next(iter(self._titled)))
        try:
            self.client.assistant_threads_setTitle(
                channel_id=place.channel, thread_ts=place.thread_ts or "", title=text[:THREAD_TITLE_MAX]
            )
        except SlackApiError as failure:
            log.debug("thread title not set: %s", failure.response.get("error"))

    # ---------- running ----------
    def _run(self, request: TurnRequest, progress: Progress) -> None:
        place = request.place
        language: Language = progress.language
        if place.assistant and request.mode != "continue_only" and not request.new_thread:
            # The assistant pane shows "thinking" before the work starts, also when the worker got here
            # before the timer's thread (a no-op when the timer was first).
            progress.show()
        try:
            language = self.profiles.language(place.user, request.text)
            progress.language = language
            if place.assistant and request.text.strip():
                self._title_thread(place, request.text.strip())
            if request.new_thread:
                place = self._open_thread(place, progress)
            attachments = self._attachments(request, place, progress, language)
            if attachments is None:
                return
            turn = Turn(
                text=request.text,
                user_id=place.user,
                channel_id=place.channel,
                thread_id=place.thread_ts,
                attachments=attachments,
                event_id=request.event_id,
            )
            if request.mode == "continue_only" and self.coach.open_form(turn) is None:
                return
            reply = self._reply(request, turn, language)
        except AlreadyHandled:
            log.info("event %s was handled already: acknowledged, not answered again", request.event_id)
            progress.withdraw()
            return
        except Exception:
            self.apologise(place, language, progress.claim(), "turn")
            return
        placeholder = progress.claim()
        ctx = ReplyContext(
            owner=place.user, channel=place.channel, thread=place.thread_ts, question=request.text
        )
        try:
            self.delivery.send(place, reply, ctx, placeholder)
        except Exception:
            self.apologise(place, reply.language, placeholder, "delivery")

    def _reply(self, request: TurnRequest, turn: Turn, language: Language) -> Reply:
        # The coach's work is CPU-bound Python: past a couple at once, more turns only take the GIL from
        # the event loop that acknowledges Slack. Workers beyond that wait here, or do Web API calls.
        with self._turn_slots:
            if request.mode == "ask":
                return self.coach.ask(request.text, language)
            return self.coach.handle(turn)

    def _open_thread(self, place: Place, progress: Progress) -> Place:
        """A slash command's conversation lives in a thread under the first message the bot posts; when
        the bot cannot post in the channel, the conversation moves to a DM with the user."""
        progress.show()
        root = progress.placeholder_ts
        if root is None:
            dm = self.client.conversations_open(users=place.user)["channel"]["id"]
            place = place.model_copy(update={"channel": dm, "thread_ts": None})
            progress.place = place
            progress.reset()
            progress.show()
            root = progress.placeholder_ts
        return place.model_copy(update={"thread_ts": root})

    def _attachments(
        self, request: TurnRequest, place: Place, progress: Progress, language: Language
    ) -> list[Attachment] | None:
        if not request.files:
            return []
        try:
            return self.files.attachments(request.files)
        except FileProblem as problem:
            limit_mb = self.files.max_bytes // (1024 * 1024)
            note = self.wording.text(f"files.{problem.reason}", language, name=problem.name, limit=limit_mb)
            self.delivery.say(place, note, replace_ts=progress.claim())
            return None

    # ---------- failures ----------
    def guarded(self, place: Place, language: Language | None, job: Callable[[], None]) -> None:
        try:
            job()
        except Exception:
            self.apologise(place, language or self.profiles.language(place.user), None, "job")

    def apologise(self, place: Place, language: Language, replace_ts: str | None, stage: str) -> None:
        """Log the failure with a reference id and tell the user, with the same id, in the conversation."""
        ref = reference_id()
        log.exception("Slack %s failed for user %s in %s (ref %s)", stage, place.user, place.channel, ref)
        try:
            self.delivery.say(place, self.wording.text("apology", language, ref=ref), replace_ts=replace_ts)
        except SlackApiError as failure:
            log.error("could not post the apology (ref %s): %s", ref, failure.response.get("error"))
        except Exception:
            log.exception("could not post the apology (ref %s)", ref)
