"""Slack users as the app knows them: their cached profile, their default language, and their row in the
people table (keyed by the same Slack user id, created on first sight, never overwriting an import)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select, update

from bot.store.db import Database
from bot.store.models import Person, SlackUser, utcnow


@dataclass(frozen=True)
class SlackProfile:
    user_id: str
    name: str
    tz: str | None
    locale: str | None
    language: str | None
    fetched_at: datetime


def _profile(row: SlackUser) -> SlackProfile:
    return SlackProfile(row.user_id, row.name, row.tz, row.locale, row.language, row.fetched_at)


class SlackUserStore:
    def __init__(self, db: Database) -> None:
        self.db = db

    def get(self, user_id: str) -> SlackProfile | None:
        with self.db.session() as session:
            row = session.get(SlackUser, user_id)
            return _profile(row) if row else None

    def save_profile(self, user_id: str, *, name: str, tz: str | None, locale: str | None) -> SlackProfile:
        """Store what Slack says about the user (keeping their language) and make sure a person row exists."""
        with self.db.session() as session:
            row = session.get(SlackUser, user_id)
            if row is None:
                row = SlackUser(user_id=user_id, name=name, tz=tz, locale=locale)
                session.add(row)
            else:
                row.name, row.tz, row.locale = name, tz, locale
            row.fetched_at = utcnow()
            if session.get(Person, user_id) is None and name:
                session.add(Person(slack_id=user_id, name=name))
            session.flush()
            return _profile(row)

    def set_language_once(self, user_id: str, language: str) -> bool:
        """Record the language of the user's first message; False when they already have one."""
        with self.db.session() as session:
            result = session.execute(
                update(SlackUser)
                .where(SlackUser.user_id == user_id, SlackUser.language.is_(None))
                .values(language=language)
            )
            return bool(result.rowcount)

    def all_ids(self) -> list[str]:
        with self.db.session() as session:
            return list(session.scalars(select(SlackUser.user_id).order_by(SlackUser.user_id)))
