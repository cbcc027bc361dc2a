"""slack: cached Slack user profiles (name, time zone, locale, first message's language) and answer feedback

Revision ID: 0004
Revises: 0003
Create Date: 2026-11-30
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0004"
down_revision: str | None = "0003"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

Timestamp = sa.DateTime(timezone=True)


def upgrade() -> None:
    op.create_table(
        "slack_users",
        sa.Column("user_id", sa.String(64), primary_key=True),
        sa.Column("name", sa.String(200), nullable=False, server_default=""),
        sa.Column("tz", sa.String(64), nullable=True),
        sa.Column("locale", sa.String(16), nullable=True),
        sa.Column("language", sa.String(8), nullable=True),
        sa.Column("fetched_at", Timestamp, nullable=False),
    )
    op.create_table(
        "answer_feedback",
        sa.Column("id", sa.Integer(), primary_key=True, autoincrement=True),
        sa.Column("user_id", sa.String(64), nullable=False),
        sa.Column("channel", sa.String(64), nullable=False),
        sa.Column("message_ts", sa.String(32), nullable=False),
        sa.Column("question", sa.Text(), nullable=False, server_default=""),
        sa.Column("answer", sa.Text(), nullable=False, server_default=""),
        sa.Column("vote", sa.String(8), nullable=False),
        sa.Column("at", Timestamp, nullable=False),
        sa.CheckConstraint("vote IN ('up', 'down')", name="ck_answer_feedback_vote"),
    )
    op.create_index(
        "uq_answer_feedback_user_message",
        "answer_feedback",
        ["user_id", "channel", "message_ts"],
        unique=True,
    )
    op.create_index("ix_answer_feedback_at", "answer_feedback", ["at"])


def downgrade() -> None:
    op.drop_index("ix_answer_feedback_at", table_name="answer_feedback")
    op.drop_index("uq_answer_feedback_user_message", table_name="answer_feedback")
    op.drop_table("answer_feedback")
    op.drop_table("slack_users")
