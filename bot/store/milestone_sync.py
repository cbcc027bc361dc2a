"""Milestones from a plan, written in the plan's own transaction (``PlanRepository.apply`` calls this).

- the review schedule (``kam_rules.cadence`` via ``bot.plans.derive``): one milestone per event, owned by the
  plan's owner, keyed ``schedule:<kind>:<n>`` (the n-th event of that kind), so a new start date or tier
  moves the same rows instead of adding new ones;
- the implementation plan's activities: one per activity, owned by its owner when that person is known by
  Slack id or by name (else by the plan's owner), keyed by the activity's words.

Keys are per account, so an account's next plan takes over the milestones of the one before. A plan that
has no schedule (or no activities) yet leaves the earlier plan's milestones of that source alone; once it
has some, those it no longer lists are cancelled. Done milestones stay done. Every change marks the
milestone's reminders for re-planning by the next sweep (``bot.rhythm.planner``).
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass
from datetime import date, datetime
from typing import TYPE_CHECKING

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from bot.store.models import Person, Plan, utcnow
from bot.store.rhythm_store import LIVE_STATES
from bot.store.rhythm_tables import Milestone

if TYPE_CHECKING:
    from bot.plans.model import AccountPlan

SOURCES = ("schedule", "activity")


@dataclass(frozen=True)
class WantedMilestone:
    key: str
    source: str
    kind: str
    due: date
    owner_id: str
    title: str


def wanted_milestones(session: Session, plan: Plan, model: AccountPlan) -> list[WantedMilestone]:
    wanted: list[WantedMilestone] = []
    seen: Counter[str] = Counter()
    for event in model.review.schedule or []:
        seen[event.kind] += 1
        wanted.append(
            WantedMilestone(
                f"schedule:{event.kind}:{seen[event.kind]}",
                "schedule",
                event.kind,
                event.date,
                plan.owner_id,
                "",
            )
        )
    activities = model.implementation.activities
    by_name = _people_by_name(session, [a.owner.name for a in activities if a.owner.id is None])
    for activity in activities:
        words = " ".join(activity.activity.split())
        base = f"activity:{words.casefold()}"[:280]
        seen[base] += 1
        key = base if seen[base] == 1 else f"{base}#{seen[base]}"
        owner = activity.owner.id or by_name.get(activity.owner.name.casefold()) or plan.owner_id
        wanted.append(WantedMilestone(key, "activity", "activity", activity.due, owner, words[:300]))
    return wanted


def _people_by_name(session: Session, names: list[str]) -> dict[str, str]:
    """Slack ids of the people named, where the name is unique in the directory."""
    lowered = sorted({name.casefold() for name in names if name})
    if not lowered:
        return {}
    found: dict[str, list[str]] = {}
    for slack_id, name in session.execute(
        select(Person.slack_id, Person.name).where(func.lower(Person.name).in_(lowered))
    ):
        found.setdefault(name.casefold(), []).append(slack_id)
    return {name: ids[0] for name, ids in found.items() if len(ids) == 1}


def sync_plan_milestones(
    session: Session, plan: Plan, model: AccountPlan, now: datetime | None = None
) -> None:
    """Bring the account's plan-made milestones in line with ``model`` (the plan as just saved)."""
    now = now or utcnow()
    wanted = wanted_milestones(session, plan, model)
    existing = {
        m.sync_key: m
        for m in session.scalars(
            select(Milestone).where(Milestone.account_id == plan.account_id, Milestone.source.in_(SOURCES))
        )
    }
    for item in wanted:
        milestone = existing.pop(item.key, None)
        if milestone is None:
            session.add(
                Milestone(
                    account_id=plan.account_id,
                    plan_id=plan.id,
                    owner_id=item.owner_id,
                    due_date=item.due,
                    kind=item.kind,
                    title=item.title,
                    state="open",
                    source=item.source,
                    sync_key=item.key,
                    due_set_at=now,
                    reminders_dirty=True,
                    created_by=f"plan:{plan.id}",
                )
            )
            continue
        _update(milestone, item, plan.id, now)
    listed = {item.source for item in wanted}
    for milestone in existing.values():
        owned_by_plan = milestone.plan_id == plan.id or milestone.source in listed
        if owned_by_plan and milestone.state in LIVE_STATES:
            milestone.state = "cancelled"
            milestone.reminders_dirty = True


def _update(milestone: Milestone, item: WantedMilestone, plan_id: int, now: datetime) -> None:
    milestone.plan_id = plan_id
    milestone.kind, milestone.title = item.kind, item.title
    changed = False
    if milestone.due_date != item.due:
        milestone.due_date, milestone.due_set_at, changed = item.due, now, True
    if milestone.owner_id != item.owner_id:
        milestone.owner_id, changed = item.owner_id, True
    if milestone.state == "cancelled":  # back in the plan: open again, reminders from today on
        milestone.state, milestone.due_set_at, changed = "open", now, True
    if changed:
        milestone.reminders_dirty = True
