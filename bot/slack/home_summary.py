"""What App Home shows a user, read from the stores: their plans with completeness and next review date,
the pricing escalations waiting for them as a manager, and (for admins) the answer feedback so far."""

from __future__ import annotations

from datetime import date

from pydantic import BaseModel

from bot.plans.repository import PlanRepository
from bot.store.escalation_store import EscalationStore
from bot.store.feedback_store import FeedbackCounts, FeedbackStore

MAX_PLANS = 15
MAX_ESCALATIONS = 10


class HomePlan(BaseModel):
    id: int
    account: str
    status: str
    percent: int
    next_review: date | None = None
    next_review_kind: str | None = None


class HomeEscalation(BaseModel):
    id: int
    deal: str
    requested_by: str
    recommended_price: float | None
    created: date


class HomeSummary(BaseModel):
    plans: list[HomePlan]
    escalations: list[HomeEscalation]
    feedback: tuple[int, int] | None = None
    """(up, down) for admins; None for everyone else."""


def home_summary(
    user_id: str,
    plans: PlanRepository,
    escalations: EscalationStore,
    feedback: FeedbackStore,
    today: date,
) -> HomeSummary:
    found = []
    for record in plans.drafts_of(user_id)[:MAX_PLANS]:
        upcoming = sorted(
            (event for event in record.plan.review.schedule or [] if event.date >= today),
            key=lambda e: e.date,
        )
        found.append(
            HomePlan(
                id=record.id,
                account=record.account_name,
                status=record.status,
                percent=record.completeness.percent(),
                next_review=upcoming[0].date if upcoming else None,
                next_review_kind=upcoming[0].kind if upcoming else None,
            )
        )
    waiting = [
        HomeEscalation(
            id=item.id,
            deal=item.deal_label,
            requested_by=item.requested_by,
            recommended_price=item.decision.get("recommended_price"),
            created=item.created_at.date(),
        )
        for item in escalations.list_for_manager(user_id, unseen_only=True)[:MAX_ESCALATIONS]
    ]
    counts: FeedbackCounts | None = None
    with plans.db.session() as session:
        if plans.policy.is_admin(session, user_id):
            counts = feedback.counts()
    return HomeSummary(
        plans=found, escalations=waiting, feedback=(counts.up, counts.down) if counts is not None else None
    )
