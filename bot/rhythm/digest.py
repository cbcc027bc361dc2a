"""A manager's weekly picture of their team, as neutral data (``Digest``), rendered elsewhere.

The team is everyone reporting to the manager, directly or further down. The week is the ISO week of ``now``
in the manager's time zone; "done last week" is the ISO week before it, "due this week" runs from today to
Sunday, "overdue" is anything still open (or snoozed) whose due date has passed.

A ``DigestBuilder`` reads what every digest shares (people, accounts, current plans, tiers) once and keeps it,
so the weekly run builds hundreds of digests from one read of the plans.
"""

from __future__ import annotations

from collections import defaultdict
from datetime import date, datetime, time, timedelta
from functools import cached_property
from typing import Any

from pydantic import BaseModel, ConfigDict
from sqlalchemy import select
from sqlalchemy.orm import Session

from bot.plans.derive import account_values
from bot.plans.model import AccountPlan, completeness
from bot.plans.repository import account_value_rows, current_plans
from bot.rhythm.config import RhythmConfig
from bot.rhythm.models import Language, MilestoneView
from bot.rhythm.service import milestone_view
from bot.rhythm.wording import RhythmWording
from bot.store.models import Account, Escalation, Person, Plan
from bot.store.rhythm_store import LIVE_STATES
from bot.store.rhythm_tables import EscalationDecision, Milestone
from bot.timing import as_utc, iso_week, local_instant, local_today, week_start
from kam_rules.tiering import tier_accounts

TOP_OPPORTUNITIES = 5
TIERS = ("key", "important", "standard")


class _Item(BaseModel):
    model_config = ConfigDict(frozen=True)


class PlanLine(_Item):
    account: str
    owner: str
    status: str
    percent: int
    tier: str | None = None
    plan_id: int


class DigestMilestones(_Item):
    done_last_week: list[MilestoneView]
    due_this_week: list[MilestoneView]
    overdue: list[MilestoneView]


class EscalationLine(_Item):
    id: int
    requested_by: str
    deal: str
    created_at: datetime
    decision: dict[str, Any]
    """The pricing tree's result that escalated (``kam_rules.pricing``)."""
    inputs: dict[str, Any]


class AccountGap(_Item):
    account: str
    owner: str | None
    tier: str
    plan_status: str | None
    """The current plan's status (draft, in_review), or None when the account has no plan."""
    percent: int | None


class OpportunityLine(_Item):
    account: str
    name: str
    kind: str
    quadrant: str
    expected_value: float


class TierCount(_Item):
    tier: str
    approved: int
    in_progress: int
    no_plan: int


class Digest(_Item):
    """The weekly digest (contracts section 10); extra keys after the contract's."""

    manager: str
    week: str
    team: list[str]
    plans: list[PlanLine]
    milestones: DigestMilestones
    escalations: list[EscalationLine]
    accounts_without_approved_plan: list[AccountGap]
    top_opportunities: list[OpportunityLine]
    manager_name: str
    language: Language
    today: date
    tiers: list[TierCount]
    """The team's accounts per tier and how far their plans are: the pyramid the chart draws."""
    people: dict[str, str]
    """Slack id -> name of everyone the digest mentions."""


class UnknownManager(LookupError):
    pass


class DigestBuilder:
    """Digests over one consistent read; make a new one for each run (it caches what it read)."""

    def __init__(self, session: Session, config: RhythmConfig, wording: RhythmWording) -> None:
        self.session, self.config, self.wording = session, config, wording
        self._parsed: dict[int, AccountPlan] = {}

    # ---------- read once ----------
    @cached_property
    def people(self) -> dict[str, Person]:
        return {person.slack_id: person for person in self.session.scalars(select(Person))}

    @cached_property
    def reports(self) -> dict[str, list[str]]:
        below: dict[str, list[str]] = defaultdict(list)
        for person in self.people.values():
            if person.manager_id:
                below[person.manager_id].append(person.slack_id)
        return below

    @cached_property
    def accounts(self) -> list[Account]:
        return list(self.session.scalars(select(Account).order_by(Account.name)))

    @cached_property
    def plans(self) -> dict[int, Plan]:
        return current_plans(self.session)

    @cached_property
    def approved(self) -> set[int]:
        return set(self.session.scalars(select(Plan.account_id).where(Plan.status == "approved").distinct()))

    @cached_property
    def tiers(self) -> dict[str, str]:
        values = account_values(account_value_rows(self.session))
        return {tiered.name: tiered.tier for tiered in tier_accounts(values)} if values else {}

    def _plan_model(self, plan: Plan) -> AccountPlan:
        if plan.id not in self._parsed:
            self._parsed[plan.id] = AccountPlan.model_validate(plan.data or {})
        return self._parsed[plan.id]

    def team_of(self, manager_id: str) -> list[str]:
        """Everyone below the manager in the reporting chain (cycles in bad data tolerated)."""
        found: set[str] = set()
        frontier = [manager_id]
        while frontier:
            below = [
                p for m in frontier for p in self.reports.get(m, ()) if p not in found and p != manager_id
            ]
            found.update(below)
            frontier = below
        return sorted(found)

    def managers(self) -> list[Person]:
        """Everyone with at least one report."""
        return [self.people[m] for m in sorted(self.reports) if m in self.people]

    def zone_of(self, person_id: str) -> str:
        person = self.people.get(person_id)
        return self.config.zone_of(person)

    def language_of(self, person_id: str) -> Language:
        person = self.people.get(person_id)
        return self.config.language_of(person)

    # ---------- one digest ----------
    def build(self, manager_id: str, now: datetime, language: Language | None = None) -> Digest:
        manager = self.people.get(manager_id)
        if manager is None:
            raise UnknownManager(manager_id)
        language = language or self.language_of(manager_id)
        tz = self.zone_of(manager_id)
        today = local_today(as_utc(now), tz)
        monday = week_start(today)
        team = self.team_of(manager_id)
        members = set(team)
        accounts = [a for a in self.accounts if a.owner_id in members or self._plan_owner(a.id) in members]
        plans: list[PlanLine] = []
        gaps: list[AccountGap] = []
        opportunities: list[OpportunityLine] = []
        counts = {tier: {"approved": 0, "in_progress": 0, "no_plan": 0} for tier in TIERS}
        for account in accounts:
            plan = self.plans.get(account.id)
            tier = self.tiers.get(account.name)
            percent = None
            if plan is not None:
                model = self._plan_model(plan)
                percent = completeness(model).percent()
                plans.append(
                    PlanLine(
                        account=account.name,
                        owner=plan.owner_id,
                        status=plan.status,
                        percent=percent,
                        tier=tier,
                        plan_id=plan.id,
                    )
                )
                opportunities.extend(
                    OpportunityLine(
                        account=account.name,
                        name=ranked.name,
                        kind=ranked.kind,
                        quadrant=ranked.quadrant,
                        expected_value=ranked.expected_value,
                    )
                    for ranked in model.goals.ranked_opportunities or []
                    if ranked.quadrant == "act_now"
                )
            has_approved = account.id in self.approved
            if tier is not None:
                state = "approved" if has_approved else "in_progress" if plan is not None else "no_plan"
                counts[tier][state] += 1
            if tier in ("key", "important") and not has_approved:
                gaps.append(
                    AccountGap(
                        account=account.name,
                        owner=account.owner_id,
                        tier=tier,
                        plan_status=plan.status if plan is not None else None,
                        percent=percent,
                    )
                )
        opportunities.sort(key=lambda o: (-o.expected_value, o.account, o.name))
        milestones = self._milestones(members, today, monday, tz, language)
        escalations = self._escalations(members)
        mentioned = {manager_id, *team, *(p.owner for p in plans), *(g.owner for g in gaps if g.owner)}
        mentioned |= {e.requested_by for e in escalations}
        for group in (milestones.done_last_week, milestones.due_this_week, milestones.overdue):
            mentioned |= {m.owner for m in group}
        return Digest(
            manager=manager_id,
            week=iso_week(today),
            team=team,
            plans=plans,
            milestones=milestones,
            escalations=escalations,
            accounts_without_approved_plan=sorted(gaps, key=lambda g: (TIERS.index(g.tier), g.account)),
            top_opportunities=opportunities[:TOP_OPPORTUNITIES],
            manager_name=manager.name,
            language=language,
            today=today,
            tiers=[TierCount(tier=tier, **counts[tier]) for tier in TIERS],
            people={pid: self.people[pid].name for pid in sorted(mentioned) if pid in self.people},
        )

    def _plan_owner(self, account_id: int) -> str | None:
        plan = self.plans.get(account_id)
        return plan.owner_id if plan is not None else None

    def _milestones(
        self, members: set[str], today: date, monday: date, tz: str, language: Language
    ) -> DigestMilestones:
        if not members:
            return DigestMilestones(done_last_week=[], due_this_week=[], overdue=[])
        owners = sorted(members)
        last_monday = local_instant(monday - timedelta(days=7), time(0), tz)
        this_monday = local_instant(monday, time(0), tz)
        base = select(Milestone, Account.name).join(Account, Milestone.account_id == Account.id)
        done = base.where(
            Milestone.owner_id.in_(owners),
            Milestone.state == "done",
            Milestone.done_at >= last_monday,
            Milestone.done_at < this_monday,
        ).order_by(Milestone.done_at, Milestone.id)
        live = base.where(
            Milestone.owner_id.in_(owners),
            Milestone.state.in_(LIVE_STATES),
            Milestone.due_date <= monday + timedelta(days=6),
        ).order_by(Milestone.due_date, Milestone.id)
        due_this_week: list[MilestoneView] = []
        overdue: list[MilestoneView] = []
        for milestone, name in self.session.execute(live):
            view = milestone_view(milestone, name, self.wording, language)
            (overdue if milestone.due_date < today else due_this_week).append(view)
        return DigestMilestones(
            done_last_week=[
                milestone_view(m, n, self.wording, language) for m, n in self.session.execute(done)
            ],
            due_this_week=due_this_week,
            overdue=overdue,
        )

    def _escalations(self, members: set[str]) -> list[EscalationLine]:
        if not members:
            return []
        decided = select(EscalationDecision.escalation_id)
        rows = self.session.scalars(
            select(Escalation)
            .where(Escalation.requested_by.in_(sorted(members)), Escalation.id.not_in(decided))
            .order_by(Escalation.created_at, Escalation.id)
        )
        return [
            EscalationLine(
                id=row.id,
                requested_by=row.requested_by,
                deal=row.deal_label,
                created_at=row.created_at,
                decision=dict(row.decision or {}),
                inputs=dict(row.inputs or {}),
            )
            for row in rows
        ]
