"""The tables, as SQLAlchemy 2 typed models. The schema itself is made by the Alembic migrations.

Slack user ids in other tables (owners, who answered, who asked) are plain strings, not foreign keys to
``people``: a user can draft a plan before anyone imports the people list. ``people.manager_id`` is a
real foreign key, since the reporting chain is what access checks walk.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from sqlalchemy import (
    JSON,
    Boolean,
    CheckConstraint,
    DateTime,
    Float,
    ForeignKey,
    Index,
    Integer,
    MetaData,
    String,
    Text,
    TypeDecorator,
    false,
    text,
)
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column, relationship

PLAN_STATUSES = ("draft", "in_review", "approved")


def utcnow() -> datetime:
    return datetime.now(UTC)


class UTCDateTime(TypeDecorator[datetime]):
    """Timestamps stored in UTC and always read back timezone-aware (SQLite forgets the zone)."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            value = value.replace(tzinfo=UTC)
        return value.astimezone(UTC)

    def process_result_value(self, value: datetime | None, dialect) -> datetime | None:
        if value is None:
            return None
        return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


NAMING_CONVENTION = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s",
}


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING_CONVENTION)
    type_annotation_map = {  # noqa: RUF012
        dict[str, Any]: JSON,
        datetime: UTCDateTime,
    }


class DialogStateRow(Base):
    __tablename__ = "dialog_states"

    conversation_key: Mapped[str] = mapped_column(String(255), primary_key=True)
    kind: Mapped[str] = mapped_column(String(40))
    state: Mapped[dict[str, Any]]
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)


class Escalation(Base):
    __tablename__ = "escalations"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    requested_by: Mapped[str] = mapped_column(String(64), index=True)
    conversation_key: Mapped[str | None] = mapped_column(String(255))
    deal_label: Mapped[str] = mapped_column(String(200), default="")
    inputs: Mapped[dict[str, Any]]
    decision: Mapped[dict[str, Any]]
    created_at: Mapped[datetime] = mapped_column(default=utcnow, index=True)
    seen_by_manager: Mapped[bool] = mapped_column(Boolean, default=False, server_default=false())


class Person(Base):
    __tablename__ = "people"

    slack_id: Mapped[str] = mapped_column(String(64), primary_key=True)
    name: Mapped[str] = mapped_column(String(200))
    email: Mapped[str | None] = mapped_column(String(320))
    manager_id: Mapped[str | None] = mapped_column(
        String(64), ForeignKey("people.slack_id", ondelete="SET NULL"), index=True
    )
    team: Mapped[str | None] = mapped_column(String(120))
    is_admin: Mapped[bool] = mapped_column(Boolean, default=False, server_default=false())
    tz: Mapped[str | None] = mapped_column(String(64))
    """IANA time zone (``Asia/Shanghai``) for reminders and digests; None: ``KAM_TIMEZONE``."""
    language: Mapped[str | None] = mapped_column(String(8))
    """``en`` or ``zh`` for reminders and digests; None: ``KAM_LANGUAGE``."""
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)


def account_key(name: str) -> str:
    """How account names are compared: case-insensitive, spaces collapsed."""
    return " ".join(name.split()).casefold()


class Account(Base):
    __tablename__ = "accounts"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    name: Mapped[str] = mapped_column(String(200))
    name_key: Mapped[str] = mapped_column(String(200), unique=True)
    """``account_key(name)``: makes the name unique case-insensitively on every database."""
    industry: Mapped[str | None] = mapped_column(String(200))
    owner_id: Mapped[str | None] = mapped_column(String(64), index=True)
    crm_id: Mapped[str | None] = mapped_column(String(120), unique=True)
    profit_contribution: Mapped[float | None] = mapped_column(Float)
    cost_to_serve: Mapped[float | None] = mapped_column(Float)
    learning_value: Mapped[float | None] = mapped_column(Float)
    skill_value: Mapped[float | None] = mapped_column(Float)
    referral_value: Mapped[float | None] = mapped_column(Float)
    other_intangible_value: Mapped[float | None] = mapped_column(Float)
    potential_value: Mapped[float | None] = mapped_column(Float)
    extra: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    """Any other columns of the CRM export, kept as text."""
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)

    members: Mapped[list[AccountMember]] = relationship(
        back_populates="account", cascade="all, delete-orphan", lazy="selectin"
    )


class AccountMember(Base):
    """The account team: people who work the account with its owner (and may edit its plan)."""

    __tablename__ = "account_members"

    account_id: Mapped[int] = mapped_column(ForeignKey("accounts.id", ondelete="CASCADE"), primary_key=True)
    person_id: Mapped[str] = mapped_column(String(64), primary_key=True, index=True)
    role: Mapped[str | None] = mapped_column(String(120))
    added_at: Mapped[datetime] = mapped_column(default=utcnow)

    account: Mapped[Account] = relationship(back_populates="members")


class Plan(Base):
    __tablename__ = "plans"
    __table_args__ = (
        CheckConstraint("status IN ('draft', 'in_review', 'approved')", name="status"),
        # One open plan (draft or in review) per account; approved plans stay as history.
        Index(
            "uq_plans_open_per_account",
            "account_id",
            unique=True,
            sqlite_where=text("status <> 'approved'"),
            postgresql_where=text("status <> 'approved'"),
        ),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    account_id: Mapped[int] = mapped_column(ForeignKey("accounts.id", ondelete="CASCADE"), index=True)
    owner_id: Mapped[str] = mapped_column(String(64), index=True)
    status: Mapped[str] = mapped_column(String(20), default="draft")
    data: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    """The plan itself: ``AccountPlan.model_dump(mode="json")``."""
    current_field: Mapped[str | None] = mapped_column(String(120))
    """The field the drafting dialog asks next (None when nothing is left to ask)."""
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)

    account: Mapped[Account] = relationship(lazy="joined", innerjoin=True)


class PlanAnswer(Base):
    """The audit trail: one row per answered (or skipped, or cleared) field."""

    __tablename__ = "plan_answers"
    __table_args__ = (Index("ix_plan_answers_plan_field", "plan_id", "field_path"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    plan_id: Mapped[int] = mapped_column(ForeignKey("plans.id", ondelete="CASCADE"))
    field_path: Mapped[str] = mapped_column(String(120))
    action: Mapped[str] = mapped_column(String(20), default="answer")
    """``answer``, ``skip`` or ``clear``."""
    raw_text: Mapped[str] = mapped_column(Text, default="")
    value: Mapped[Any] = mapped_column(JSON, nullable=True)
    answered_by: Mapped[str] = mapped_column(String(64))
    answered_at: Mapped[datetime] = mapped_column(default=utcnow)


class AccessLog(Base):
    __tablename__ = "access_log"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    user_id: Mapped[str] = mapped_column(String(64), index=True)
    plan_id: Mapped[int | None] = mapped_column(Integer, index=True)
    account_id: Mapped[int | None] = mapped_column(Integer)
    action: Mapped[str] = mapped_column(String(20))
    allowed: Mapped[bool] = mapped_column(Boolean)
    reason: Mapped[str] = mapped_column(String(200), default="")
    at: Mapped[datetime] = mapped_column(default=utcnow)


class HandledEvent(Base):
    """A delivery id (Slack's event_id) whose turn was handled: a redelivery is not handled again."""

    __tablename__ = "handled_events"

    event_id: Mapped[str] = mapped_column(String(255), primary_key=True)
    conversation_key: Mapped[str] = mapped_column(String(255), default="")
    handled_at: Mapped[datetime] = mapped_column(default=utcnow, index=True)


class SlackUser(Base):
    """A Slack user's profile as Slack gave it (cached), and the language of their first message."""

    __tablename__ = "slack_users"

    user_id: Mapped[str] = mapped_column(String(64), primary_key=True)
    name: Mapped[str] = mapped_column(String(200), default="")
    tz: Mapped[str | None] = mapped_column(String(64))
    locale: Mapped[str | None] = mapped_column(String(16))
    language: Mapped[str | None] = mapped_column(String(8))
    """The language of the user's first message: their default when a message has no words ("55%")."""
    fetched_at: Mapped[datetime] = mapped_column(default=utcnow)


class AnswerFeedback(Base):
    """A thumbs up or down on an answer; one per user and message (a second click changes the vote)."""

    __tablename__ = "answer_feedback"
    __table_args__ = (
        CheckConstraint("vote IN ('up', 'down')", name="vote"),
        Index("uq_answer_feedback_user_message", "user_id", "channel", "message_ts", unique=True),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    user_id: Mapped[str] = mapped_column(String(64))
    channel: Mapped[str] = mapped_column(String(64))
    message_ts: Mapped[str] = mapped_column(String(32))
    question: Mapped[str] = mapped_column(Text, default="")
    answer: Mapped[str] = mapped_column(Text, default="")
    vote: Mapped[str] = mapped_column(String(8))
    at: Mapped[datetime] = mapped_column(default=utcnow, index=True)
