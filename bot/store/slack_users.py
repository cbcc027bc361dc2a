"""Slack users as the app knows them: their cached profile, their default language, and their row in the
people table (keyed by the same Slack user id, created on first sight). The profile's time zone and the
first message's language fill the person's ``tz`` and ``language`` where the people file left them empty
(reminders and digests read them there), and never overwrite what the file says."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select, update
from sqlalchemy.dialects import postgresql, sqlite

from bot.store.db import Database, rows_changed
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
        """Store what Slack says about the user (keeping their language) and make sure a person row exists.

        Upserts: several turns of a new user may fetch the profile at the same moment, in several processes.
        """
        insert = postgresql.insert if self.db.is_postgresql else sqlite.insert
        now = utcnow()
        profile = {"name": name, "tz": tz, "locale": locale, "fetched_at": now}
        with self.db.session() as session:
            session.execute(
                insert(SlackUser)
                .values(user_id=user_id, **profile)
                .on_conflict_do_update(index_elements=["user_id"], set_=profile)
            )
            if name:
                session.execute(
                    insert(Person)
                    .values(
                        slack_id=user_id, name=name, tz=tz, is_admin=False, created_at=now, updated_at=now
                    )
                    .on_conflict_do_nothing(index_elements=["slack_id"])
                )
            if tz:
                session.execute(
                    update(Person).where(Person.slack_id == user_id, Person.tz.is_(None)).values(tz=tz)
                )
            row = session.get(SlackUser, user_id, populate_existing=True)
            assert row is not None
            return _profile(row)

    def set_language_once(self, user_id: str, language: str) -> bool:
        """Record the language of the user's first message; False when they already have one."""
        with self.db.session() as session:
            result = session.execute(
                update(SlackUser)
                .where(SlackUser.user_id == user_id, SlackUser.language.is_(None))
                .values(language=language)
            )
            session.execute(
                update(Person)
                .where(Person.slack_id == user_id, Person.language.is_(None))
                .values(language=language)
            )
            return bool(rows_changed(result))

    def all_ids(self) -> list[str]:
        with self.db.session() as session:
            return list(session.scalars(select(SlackUser.user_id).order_by(SlackUser.user_id)))
