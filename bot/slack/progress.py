"""Never a silent bot: while a turn is being worked on the user sees that it is.

In an AI-app thread the assistant status ("is thinking…") is set at once (Slack clears it when the reply
arrives). Elsewhere a placeholder message is posted only when the answer is slow to come (past a short
delay counted from the acknowledgement, so time spent queued counts too) and the reply then replaces it.
A turn that turns out to be a duplicate withdraws what it showed.
"""

from __future__ import annotations

import heapq
import itertools
import logging
import threading
import time
from collections.abc import Callable

from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError

from bot.coach.reply import Language
from bot.slack.places import Place
from bot.slack.views import blocks as bk
from bot.slack.wording import SlackWording
from bot.slack.worker import lower_priority

log = logging.getLogger(__name__)

PLACEHOLDER_BLOCK = "kam_placeholder"


class Progress:
    """What a turn shows while it runs. States: armed -> showing -> shown, or armed -> claimed."""

    def __init__(self, client: WebClient, wording: SlackWording, place: Place, language: Language) -> None:
        self.client = client
        self.wording = wording
        self.place = place
        self.language = language
        self.placeholder_ts: str | None = None
        self.status_set = False
        self._state = "armed"
        self._cond = threading.Condition()

    def show(self) -> None:
        """Called by the timer: put up the status or the placeholder, unless the reply came first."""
        with self._cond:
            if self._state != "armed":
                return
            self._state = "showing"
        try:
            if self.place.assistant:
                self.status_set = self._set_status(self.wording.text("status_thinking", self.language))
            else:
                self.placeholder_ts = self._post_placeholder()
        finally:
            with self._cond:
                self._state = "shown"
                self._cond.notify_all()

    def _set_status(self, status: str) -> bool:
        try:
            self.client.assistant_threads_setStatus(
                channel_id=self.place.channel, thread_ts=self.place.thread_ts or "", status=status
            )
            return True
        except SlackApiError as failure:  # a workspace without the AI-app surface: plain messages only
            log.debug("assistant status unavailable: %s", failure.response.get("error"))
            return False

    def _post_placeholder(self) -> str | None:
        text = self.wording.text("thinking", self.language)
        try:
            response = self.client.chat_postMessage(
                channel=self.place.channel,
                thread_ts=self.place.thread_ts,
                text=text,
                blocks=[bk.context([f"_{text}_"], block_id=PLACEHOLDER_BLOCK)],
            )
            return str(response["ts"])
        except SlackApiError as failure:
            log.warning("placeholder not posted in %s: %s", self.place.channel, failure.response.get("error"))
            return None

    def claim(self) -> str | None:
        """The reply is ready: stop the timer's work; the placeholder to replace, if one was posted."""
        with self._cond:
            while self._state == "showing":
                self._cond.wait()
            self._state = "claimed"
            return self.placeholder_ts

    def reset(self) -> None:
        """Forget a placeholder that could not be posted, to try again elsewhere (a DM)."""
        with self._cond:
            self._state = "armed"
            self.placeholder_ts = None

    def withdraw(self) -> None:
        """Nothing will be said (a duplicate delivery): take down what was shown."""
        placeholder = self.claim()
        if placeholder is not None:
            try:
                self.client.chat_delete(channel=self.place.channel, ts=placeholder)
            except SlackApiError as failure:
                log.warning("placeholder %s not deleted: %s", placeholder, failure.response.get("error"))
        if self.status_set:
            self._set_status("")


class ProgressTimer:
    """One thread that shows each turn's progress when its moment comes."""

    def __init__(self) -> None:
        self._heap: list[tuple[float, int, Callable[[], None]]] = []
        self._order = itertools.count()
        self._cond = threading.Condition()
        self._stopped = False
        self._thread = threading.Thread(target=self._run, name="slack-progress", daemon=True)
        self._thread.start()

    def at(self, deadline: float, action: Callable[[], None]) -> None:
        with self._cond:
            heapq.heappush(self._heap, (deadline, next(self._order), action))
            self._cond.notify()

    def _run(self) -> None:
        lower_priority()
        while True:
            with self._cond:
                while not self._stopped and (not self._heap or self._heap[0][0] > time.monotonic()):
                    timeout = self._heap[0][0] - time.monotonic() if self._heap else None
                    self._cond.wait(timeout)
                if self._stopped:
                    return
                _, _, action = heapq.heappop(self._heap)
            try:
                action()
            except Exception:
                log.exception("showing progress failed")

    def stop(self) -> None:
        with self._cond:
            self._stopped = True
            self._cond.notify()
