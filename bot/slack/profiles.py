"""Who is talking: a user's Slack profile (name, time zone, locale), fetched with ``users.info`` once a day
at most and cached in the database and in memory, and the language to address them in."""

from __future__ import annotations

import logging
import threading
import time
from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError
from sqlalchemy.exc import SQLAlchemyError

from bot.coach.reply import Language
from bot.language import detect_language
from bot.store.models import utcnow
from bot.store.slack_users import SlackProfile, SlackUserStore

log = logging.getLogger(__name__)

PROFILE_MAX_AGE = timedelta(days=1)
MEMORY_SECONDS = 300.0


def locale_language(locale: str | None) -> Language | None:
    if not locale:
        return None
    lowered = locale.lower()
    if lowered.startswith("zh"):
        return "zh"
    if lowered.startswith("en"):
        return "en"
    return None


class Profiles:
    def __init__(self, client: WebClient, store: SlackUserStore, default_language: Language) -> None:
        self.client = client
        self.store = store
        self.default_language = default_language
        self._memory: dict[str, tuple[float, SlackProfile | None]] = {}
        self._lock = threading.Lock()

    def get(self, user_id: str) -> SlackProfile | None:
        """The user's profile: from memory, else the database, else Slack (refreshed when a day old)."""
        now = time.monotonic()
        with self._lock:
            cached = self._memory.get(user_id)
        if cached is not None and now - cached[0] < MEMORY_SECONDS:
            return cached[1]
        try:
            profile = self.store.get(user_id)
            if profile is None or utcnow() - profile.fetched_at > PROFILE_MAX_AGE:
                profile = self._fetch(user_id) or profile
        except SQLAlchemyError:  # the profile only tunes the wording: never fail a turn over it
            log.warning("profile of %s unavailable", user_id, exc_info=True)
            return cached[1] if cached is not None else None
        with self._lock:
            self._memory[user_id] = (now, profile)
        return profile

    def _fetch(self, user_id: str) -> SlackProfile | None:
        try:
            user = self.client.users_info(user=user_id)["user"]
        except SlackApiError as failure:
            log.warning("users.info %s failed: %s", user_id, failure.response.get("error"))
            return None
        details = user.get("profile") or {}
        name = details.get("real_name") or user.get("real_name") or user.get("name") or user_id
        return self.store.save_profile(user_id, name=name, tz=user.get("tz"), locale=user.get("locale"))

    def _remember_language(self, user_id: str, language: Language) -> bool:
        try:
            return self.store.set_language_once(user_id, language)
        except SQLAlchemyError:
            log.warning("language of %s not saved", user_id, exc_info=True)
            return False

    def today(self, user_id: str) -> date:
        """Today where the user is (their Slack time zone; UTC when unknown)."""
        profile = self.get(user_id)
        try:
            zone = ZoneInfo(profile.tz) if profile is not None and profile.tz else UTC
        except (ZoneInfoNotFoundError, ValueError):
            zone = UTC
        return datetime.now(zone).date()

    def cached_language(self, user_id: str) -> Language | None:
        """The user's default language if it is in memory (no I/O: for the acknowledgement path)."""
        with self._lock:
            cached = self._memory.get(user_id)
        profile = cached[1] if cached else None
        if profile is None:
            return None
        stored = profile.language if profile.language in ("en", "zh") else None
        return stored or locale_language(profile.locale)  # type: ignore[return-value]

    def language(self, user_id: str, text: str = "") -> Language:
        """The message's own language; else the user's first message's; else their Slack locale's; else the
        configured default. The first message with words sets the user's default."""
        spoken = detect_language(text) if text else None
        profile = self.get(user_id)
        if spoken is not None:
            if (
                profile is not None
                and profile.language is None
                and self.store.set_language_once(user_id, spoken)
            ):
                with self._lock:
                    self._memory.pop(user_id, None)
            return spoken
        if profile is not None:
            stored = profile.language if profile.language in ("en", "zh") else None
            return stored or locale_language(profile.locale) or self.default_language  # type: ignore[return-value]
        return self.default_language
