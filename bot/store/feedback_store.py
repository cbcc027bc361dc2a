"""Thumbs up and down on the coach's answers, with the question and the answer they judge."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import func, select

from bot.store.db import Database
from bot.store.models import AnswerFeedback, utcnow


@dataclass(frozen=True)
class FeedbackCounts:
    up: int
    down: int

    @property
    def total(self) -> int:
        return self.up + self.down


@dataclass(frozen=True)
class FeedbackRecord:
    user_id: str
    question: str
    answer: str
    vote: str
    at: datetime


class FeedbackStore:
    def __init__(self, db: Database) -> None:
        self.db = db

    def record(
        self, *, user_id: str, channel: str, message_ts: str, question: str, answer: str, vote: str
    ) -> None:
        """One vote per user and message: a second click replaces the first."""
        if vote not in ("up", "down"):
            raise ValueError(f"vote must be 'up' or 'down', not {vote!r}")
        with self.db.session() as session:
            row = session.scalar(
                select(AnswerFeedback)
                .where(
                    AnswerFeedback.user_id == user_id,
                    AnswerFeedback.channel == channel,
                    AnswerFeedback.message_ts == message_ts,
                )
                .with_for_update()
            )
            if row is None:
                session.add(
                    AnswerFeedback(
                        user_id=user_id,
                        channel=channel,
                        message_ts=message_ts,
                        question=question,
                        answer=answer,
                        vote=vote,
                    )
                )
            else:
                row.vote, row.at = vote, utcnow()

    def counts(self, since: datetime | None = None) -> FeedbackCounts:
        with self.db.session() as session:
            query = select(AnswerFeedback.vote, func.count()).group_by(AnswerFeedback.vote)
            if since is not None:
                query = query.where(AnswerFeedback.at >= since)
            found = dict(session.execute(query).all())
            return FeedbackCounts(up=found.get("up", 0), down=found.get("down", 0))

    def recent(self, vote: str | None = None, limit: int = 20) -> list[FeedbackRecord]:
        with self.db.session() as session:
            query = select(AnswerFeedback).order_by(AnswerFeedback.at.desc(), AnswerFeedback.id.desc())
            if vote is not None:
                query = query.where(AnswerFeedback.vote == vote)
            return [
                FeedbackRecord(r.user_id, r.question, r.answer, r.vote, r.at)
                for r in session.scalars(query.limit(limit))
            ]
