"""The parts of a plan the rules compute, never the user: tier, ranked opportunities, review schedule.

- tier: ``kam_rules.tiering.tier_accounts`` over every account's value (seed chunks 4-5);
- ranked opportunities: ``kam_rules.opportunities.rank`` (seed chunks 11-13);
- review schedule: ``kam_rules.cadence.review_schedule`` from the tier and the start date (chunks 33, 35).
"""

from __future__ import annotations

import logging
from typing import Any

from pydantic import ValidationError

from bot.plans.model import AccountPlan, RankedOpportunityView, ReviewEventView
from kam_rules.cadence import review_schedule
from kam_rules.opportunities import Opportunity, rank
from kam_rules.tiering import VALUE_FIELDS, AccountValue, tier_accounts

log = logging.getLogger(__name__)
SCHEDULE_MONTHS = 12


def account_values(rows: list[dict[str, Any]]) -> list[AccountValue]:
    """The accounts that have a profit contribution, as ``AccountValue`` (others cannot be tiered yet)."""
    values = []
    for row in rows:
        if row.get("profit_contribution") is None:
            continue
        data = {key: row.get(key) for key in VALUE_FIELDS if row.get(key) is not None}
        try:
            values.append(AccountValue(name=row["name"], **data))
        except ValidationError as invalid:
            log.warning("account %r left out of tiering: %s", row.get("name"), invalid.errors()[0]["msg"])
    return values


def derive(
    plan: AccountPlan, account_name: str, all_accounts: list[dict[str, Any]], *, keep_tier: bool = False
) -> AccountPlan:
    """The plan with its derived parts; ``keep_tier`` keeps its tier (``all_accounts`` then unused)."""
    tier = total = None
    if keep_tier:
        tier, total = plan.value.tier, plan.value.total_value
    else:
        tiered = {t.name: t for t in tier_accounts(account_values(all_accounts))} if all_accounts else {}
        if account_name in tiered and plan.value.profit_contribution is not None:
            tier, total = tiered[account_name].tier, tiered[account_name].total_value
    ranked = None
    if plan.goals.opportunities:
        ranked = [
            RankedOpportunityView(
                rank=r.rank, name=r.name, kind=r.kind, quadrant=r.quadrant, expected_value=r.expected_value
            )
            for r in rank(
                [
                    Opportunity(
                        name=o.name,
                        kind=o.kind,
                        outcome_value=o.outcome_value,
                        success_probability=o.success_probability,
                    )
                    for o in plan.goals.opportunities
                ]
            )
        ]
    schedule = None
    if tier is not None and plan.review.start_date is not None:
        try:
            events = review_schedule(tier=tier, start=plan.review.start_date, months=SCHEDULE_MONTHS)
        except ValidationError as invalid:  # a start date so far ahead the calendar ends first
            log.warning("no review schedule from %s: %s", plan.review.start_date, invalid.errors()[0]["msg"])
        else:
            schedule = [ReviewEventView(date=event.date, kind=event.kind) for event in events]
    return plan.model_copy(
        update={
            "value": plan.value.model_copy(update={"tier": tier, "total_value": total}),
            "goals": plan.goals.model_copy(update={"ranked_opportunities": ranked}),
            "review": plan.review.model_copy(update={"schedule": schedule}),
        }
    )
