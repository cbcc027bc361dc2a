"""initial schema: dialog states, escalations, people, accounts and teams, plans, answers, access log

Revision ID: 0001
Revises:
Create Date: 2026-11-27
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0001"
down_revision: str | None = None
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

# Frozen copies of the types: a migration must not change when the models do.
Timestamp = sa.DateTime(timezone=True)


def upgrade() -> None:
    op.create_table(
        "dialog_states",
        sa.Column("conversation_key", sa.String(255), primary_key=True),
        sa.Column("kind", sa.String(40), nullable=False),
        sa.Column("state", sa.JSON(), nullable=False),
        sa.Column("updated_at", Timestamp, nullable=False),
    )
    op.create_table(
        "escalations",
        sa.Column("id", sa.Integer(), primary_key=True, autoincrement=True),
        sa.Column("requested_by", sa.String(64), nullable=False),
        sa.Column("conversation_key", sa.String(255), nullable=True),
        sa.Column("deal_label", sa.String(200), nullable=False),
        sa.Column("inputs", sa.JSON(), nullable=False),
        sa.Column("decision", sa.JSON(), nullable=False),
        sa.Column("created_at", Timestamp, nullable=False),
        sa.Column("seen_by_manager", sa.Boolean(), server_default=sa.false(), nullable=False),
    )
    op.create_index("ix_escalations_requested_by", "escalations", ["requested_by"])
    op.create_index("ix_escalations_created_at", "escalations", ["created_at"])

    op.create_table(
        "people",
        sa.Column("slack_id", sa.String(64), primary_key=True),
        sa.Column("name", sa.String(200), nullable=False),
        sa.Column("email", sa.String(320), nullable=True),
        sa.Column(
            "manager_id",
            sa.String(64),
            sa.ForeignKey("people.slack_id", name="fk_people_manager_id", ondelete="SET NULL"),
            nullable=True,
        ),
        sa.Column("team", sa.String(120), nullable=True),
        sa.Column("is_admin", sa.Boolean(), server_default=sa.false(), nullable=False),
        sa.Column("created_at", Timestamp, nullable=False),
        sa.Column("updated_at", Timestamp, nullable=False),
    )
    op.create_index("ix_people_manager_id", "people", ["manager_id"])

    op.create_table(
        "accounts",
        sa.Column("id", sa.Integer(), primary_key=True, autoincrement=True),
        sa.Column("name", sa.String(200), nullable=False),
        sa.Column("name_key", sa.String(200), nullable=False),
        sa.Column("industry", sa.String(200), nullable=True),
        sa.Column("owner_id", sa.String(64), nullable=True),
        sa.Column("crm_id", sa.String(120), nullable=True),
        sa.Column("profit_contribution", sa.Float(), nullable=True),
        sa.Column("cost_to_serve", sa.Float(), nullable=True),
        sa.Column("learning_value", sa.Float(), nullable=True),
        sa.Column("skill_value", sa.Float(), nullable=True),
        sa.Column("referral_value", sa.Float(), nullable=True),
        sa.Column("other_intangible_value", sa.Float(), nullable=True),
        sa.Column("potential_value", sa.Float(), nullable=True),
        sa.Column("extra", sa.JSON(), nullable=False),
        sa.Column("created_at", Timestamp, nullable=False),
        sa.Column("updated_at", Timestamp, nullable=False),
        sa.UniqueConstraint("name_key", name="uq_accounts_name_key"),
        sa.UniqueConstraint("crm_id", name="uq_accounts_crm_id"),
    )
    op.create_index("ix_accounts_owner_id", "accounts", ["owner_id"])

    op.create_table(
        "account_members",
        sa.Column(
            "account_id",
            sa.Integer(),
            sa.ForeignKey("accounts.id", name="fk_account_members_account_id", ondelete="CASCADE"),
            primary_key=True,
        ),
        sa.Column("person_id", sa.String(64), primary_key=True),
        sa.Column("role", sa.String(120), nullable=True),
        sa.Column("added_at", Timestamp, nullable=False),
    )
    op.create_index("ix_account_members_person_id", "account_members", ["person_id"])

    op.create_table(
        "plans",
        sa.Column("id", sa.Integer(), primary_key=True, autoincrement=True),
        sa.Column(
            "account_id",
            sa.Integer(),
            sa.ForeignKey("accounts.id", name="fk_plans_account_id", ondelete="CASCADE"),
            nullable=False,
        ),
        sa.Column("owner_id", sa.String(64), nullable=False),
        sa.Column("status", sa.String(20), nullable=False),
        sa.Column("data", sa.JSON(), nullable=False),
        sa.Column("current_field", sa.String(120), nullable=True),
        sa.Column("created_at", Timestamp, nullable=False),
        sa.Column("updated_at", Timestamp, nullable=False),
        sa.CheckConstraint("status IN ('draft', 'in_review', 'approved')", name="ck_plans_status"),
    )
    op.create_index("ix_plans_account_id", "plans", ["account_id"])
    op.create_index("ix_plans_owner_id", "plans", ["owner_id"])
    op.create_index(
        "uq_plans_open_per_account",
        "plans",
        ["account_id"],
        unique=True,
        sqlite_where=sa.text("status <> 'approved'"),
        postgresql_where=sa.text("status <> 'approved'"),
    )

    op.create_table(
        "plan_answers",
        sa.Column("id", sa.Integer(), primary_key=True, autoincrement=True),
        sa.Column(
            "plan_id",
            sa.Integer(),
            sa.ForeignKey("plans.id", name="fk_plan_answers_plan_id", ondelete="CASCADE"),
            nullable=False,
        ),
        sa.Column("field_path", sa.String(120), nullable=False),
        sa.Column("action", sa.String(20), nullable=False),
        sa.Column("raw_text", sa.Text(), nullable=False),
        sa.Column("value", sa.JSON(), nullable=True),
        sa.Column("answered_by", sa.String(64), nullable=False),
        sa.Column("answered_at", Timestamp, nullable=False),
    )
    op.create_index("ix_plan_answers_plan_field", "plan_answers", ["plan_id", "field_path"])

    op.create_table(
        "access_log",
        sa.Column("id", sa.Integer(), primary_key=True, autoincrement=True),
        sa.Column("user_id", sa.String(64), nullable=False),
        sa.Column("plan_id", sa.Integer(), nullable=True),
        sa.Column("account_id", sa.Integer(), nullable=True),
        sa.Column("action", sa.String(20), nullable=False),
        sa.Column("allowed", sa.Boolean(), nullable=False),
        sa.Column("reason", sa.String(200), nullable=False),
        sa.Column("at", Timestamp, nullable=False),
    )
    op.create_index("ix_access_log_user_id", "access_log", ["user_id"])
    op.create_index("ix_access_log_plan_id", "access_log", ["plan_id"])


def downgrade() -> None:
    for table in (
        "access_log",
        "plan_answers",
        "plans",
        "account_members",
        "accounts",
        "people",
        "escalations",
        "dialog_states",
    ):
        op.drop_table(table)
