"""rhythm: milestones, reminder and digest deliveries, escalation decisions; people.tz and people.language

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-30
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0003"
down_revision: str | None = "0002"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

Timestamp = sa.DateTime(timezone=True)
DELIVERY_STATES = "state IN ('pending', 'sent', 'failed', 'skipped', 'cancelled')"


def _delivery_columns() -> list[sa.Column]:
    return [
        sa.Column("send_at", Timestamp, nullable=False),
        sa.Column("state", sa.String(10), nullable=False),
        sa.Column("next_attempt_at", Timestamp, nullable=True),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("last_error", sa.String(500), nullable=True),
    ]


def upgrade() -> None:
    op.add_column("people", sa.Column("tz", sa.String(64), nullable=True))
    op.add_column("people", sa.Column("language", sa.String(8), nullable=True))

    op.create_table(
        "milestones",
        sa.Column("id", sa.Integer(), primary_key=True, autoincrement=True),
        sa.Column(
            "account_id",
            sa.Integer(),
            sa.ForeignKey("accounts.id", name="fk_milestones_account_id", ondelete="CASCADE"),
            nullable=False,
        ),
        sa.Column(
            "plan_id",
            sa.Integer(),
            sa.ForeignKey("plans.id", name="fk_milestones_plan_id", ondelete="SET NULL"),
            nullable=True,
        ),
        sa.Column("owner_id", sa.String(64), nullable=False),
        sa.Column("due_date", sa.Date(), nullable=False),
        sa.Column("kind", sa.String(40), nullable=False),
        sa.Column("title", sa.String(300), nullable=False),
        sa.Column("state", sa.String(12), nullable=False),
        sa.Column("snoozed_until", sa.Date(), nullable=True),
        sa.Column("source", sa.String(12), nullable=False),
        sa.Column("sync_key", sa.String(300), nullable=True),
        sa.Column("due_set_at", Timestamp, nullable=False),
        sa.Column("reminders_dirty", sa.Boolean(), server_default=sa.true(), nullable=False),
        sa.Column("created_by", sa.String(64), nullable=False),
        sa.Column("done_at", Timestamp, nullable=True),
        sa.Column("done_by", sa.String(64), nullable=True),
        sa.Column("created_at", Timestamp, nullable=False),
        sa.Column("updated_at", Timestamp, nullable=False),
        sa.CheckConstraint("state IN ('open', 'done', 'snoozed', 'cancelled')", name="ck_milestones_state"),
        sa.CheckConstraint("source IN ('schedule', 'activity', 'ad_hoc')", name="ck_milestones_source"),
        sa.UniqueConstraint("account_id", "sync_key", name="uq_milestones_sync_key"),
    )
    op.create_index("ix_milestones_account_id", "milestones", ["account_id"])
    op.create_index("ix_milestones_plan_id", "milestones", ["plan_id"])
    op.create_index("ix_milestones_owner_due", "milestones", ["owner_id", "due_date"])
    op.create_index(
        "ix_milestones_dirty",
        "milestones",
        ["id"],
        sqlite_where=sa.text("reminders_dirty = 1"),
        postgresql_where=sa.text("reminders_dirty"),
    )

    op.create_table(
        "reminder_deliveries",
        sa.Column("id", sa.Integer(), primary_key=True, autoincrement=True),
        sa.Column(
            "milestone_id",
            sa.Integer(),
            sa.ForeignKey("milestones.id", name="fk_reminder_deliveries_milestone_id", ondelete="CASCADE"),
            nullable=False,
        ),
        sa.Column("kind", sa.String(20), nullable=False),
        sa.Column("due_date", sa.Date(), nullable=False),
        *_delivery_columns(),
        sa.Column("recipient", sa.String(64), nullable=True),
        sa.Column("message", sa.Text(), nullable=True),
        sa.Column("sent_at", Timestamp, nullable=True),
        sa.Column("created_at", Timestamp, nullable=False),
        sa.Column("updated_at", Timestamp, nullable=False),
        sa.UniqueConstraint("milestone_id", "kind", "due_date", name="uq_reminder_deliveries_key"),
        sa.CheckConstraint(DELIVERY_STATES, name="ck_reminder_deliveries_state"),
    )
    op.create_index(
        "ix_reminder_deliveries_next_attempt",
        "reminder_deliveries",
        ["next_attempt_at", "id"],
        sqlite_where=sa.text("next_attempt_at IS NOT NULL"),
        postgresql_where=sa.text("next_attempt_at IS NOT NULL"),
    )

    op.create_table(
        "digest_deliveries",
        sa.Column("id", sa.Integer(), primary_key=True, autoincrement=True),
        sa.Column("manager_id", sa.String(64), nullable=False),
        sa.Column("week", sa.String(10), nullable=False),
        *_delivery_columns(),
        sa.Column("sent_at", Timestamp, nullable=True),
        sa.Column("created_at", Timestamp, nullable=False),
        sa.Column("updated_at", Timestamp, nullable=False),
        sa.UniqueConstraint("manager_id", "week", name="uq_digest_deliveries_key"),
        sa.CheckConstraint(DELIVERY_STATES, name="ck_digest_deliveries_state"),
    )
    op.create_index(
        "ix_digest_deliveries_next_attempt",
        "digest_deliveries",
        ["next_attempt_at", "id"],
        sqlite_where=sa.text("next_attempt_at IS NOT NULL"),
        postgresql_where=sa.text("next_attempt_at IS NOT NULL"),
    )

    op.create_table(
        "escalation_decisions",
        sa.Column("id", sa.Integer(), primary_key=True, autoincrement=True),
        sa.Column(
            "escalation_id",
            sa.Integer(),
            sa.ForeignKey("escalations.id", name="fk_escalation_decisions_escalation_id", ondelete="CASCADE"),
            nullable=False,
        ),
        sa.Column("decision", sa.String(10), nullable=False),
        sa.Column("decided_by", sa.String(64), nullable=False),
        sa.Column("decided_at", Timestamp, nullable=False),
        sa.UniqueConstraint("escalation_id", name="uq_escalation_decisions_escalation_id"),
        sa.CheckConstraint("decision IN ('approved', 'rejected')", name="ck_escalation_decisions_decision"),
    )


def downgrade() -> None:
    for table in ("escalation_decisions", "digest_deliveries", "reminder_deliveries", "milestones"):
        op.drop_table(table)
    with op.batch_alter_table("people") as batch:
        batch.drop_column("language")
        batch.drop_column("tz")
