"""Plans in the database: open or create a draft, commit each answer with its audit row, list, derive.

``PlanRepository.apply`` is the one way an answer reaches the store: in a single transaction it locks the
plan row, applies the change to the plan JSON, refreshes the derived parts (tier, ranked opportunities,
review schedule) and the account's milestones made from them (``bot.store.milestone_sync``), moves the
current-field pointer, and writes the ``plan_answers`` row, all in the turn's unit of work.
"""

from __future__ import annotations

import logging
import unicodedata
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, datetime
from difflib import SequenceMatcher
from typing import Any, Literal

from sqlalchemy import func, or_, select
from sqlalchemy.orm import Session

from bot.plans.access import AccessDecision, AccessPolicy, Relation, managers_of
from bot.plans.model import (
    FIELDS,
    AccountPlan,
    Completeness,
    PersonRef,
    completeness,
    get_value,
    next_unsettled,
    with_skipped,
    with_value,
)
from bot.store.db import Database
from bot.store.milestone_sync import sync_plan_milestones
from bot.store.models import Account, AccountMember, Person, Plan, PlanAnswer, account_key, utcnow
from kam_rules.tiering import VALUE_FIELDS

log = logging.getLogger(__name__)

AnswerAction = Literal["answer", "add_row", "skip", "clear", "import"]
CRM_USER = "crm-import"
_NO_CHANGE = object()


@dataclass(frozen=True)
class PlanRecord:
    id: int
    account_id: int
    account_name: str
    owner_id: str
    status: str
    plan: AccountPlan
    current_field: str | None
    created_at: datetime
    updated_at: datetime

    @property
    def completeness(self) -> Completeness:
        return completeness(self.plan)


@dataclass(frozen=True)
class VisiblePlan(PlanRecord):
    """A plan someone may see, with how they stand to its account (``bot.plans.access.Relation``)."""

    relation: Relation


AccountMatchKind = Literal["exact", "contains", "similar"]


@dataclass(frozen=True)
class AccountMatch:
    """An account whose name is close to a name typed in chat: the same (case aside), holding it or held
    by it ("华为" / "华为技术"), or similar in spelling ("Acme Bnak"). ``score`` is 0..1, 1 for exact."""

    id: int
    name: str
    match: AccountMatchKind
    score: float
    industry: str | None = None
    owner_id: str | None = None


class PlanLocked(Exception):
    """The plan is in review or approved: its content is frozen, and only an approver (a manager up the
    chain, or an admin) may change its status (send it back as a draft, or approve it)."""

    def __init__(self, plan_id: int, status: str) -> None:
        super().__init__(f"plan {plan_id} is {status}: it cannot be changed")
        self.plan_id = plan_id
        self.status = status


LOCKED_STATUSES = frozenset({"in_review", "approved"})
APPROVERS = frozenset({"manager", "admin"})
_MAX_MATCHES = 5
_SIMILAR_ENOUGH = 0.6


@dataclass(frozen=True)
class OpenResult:
    """What ``open_for_edit`` found: a plan, or a refusal; ``created`` when the draft is new."""

    plan: PlanRecord | None
    decision: AccessDecision
    created: bool = False
    account_name: str = ""


class PlanRepository:
    """The plans service the dialog, the CLI and the exports use (``ctx.services["plans"]``)."""

    def __init__(
        self,
        db: Database,
        admin_ids: frozenset[str] | set[str] | tuple[str, ...] = frozenset(),
        today: Callable[[], date] = date.today,
    ) -> None:
        self.db = db
        self.policy = AccessPolicy(admin_ids)
        self.today = today

    # ---------- accounts and people ----------
    @staticmethod
    def _account_by_name(session: Session, name: str) -> Account | None:
        return session.scalar(select(Account).where(Account.name_key == account_key(name)))

    def find_account_name(self, name: str) -> str | None:
        with self.db.session() as session:
            account = self._account_by_name(session, name)
            return account.name if account else None

    def close_accounts(self, name: str, limit: int = 5) -> list[str]:
        """The names of ``account_matches``, at most ``limit``."""
        return [match.name for match in self.account_matches(name)[:limit]]

    def account_matches(self, name: str) -> list[AccountMatch]:
        """Accounts close to a name typed in chat, best first, at most five: the one with that name (case
        aside) alone if there is one; else those whose name holds the query or is held by it ("华为" and
        "华为技术"), then those similar in spelling (difflib's ratio, character by character, so Chinese names
        compare by characters too), each with its id, kind of match and a 0..1 score. The plan form offers
        them (``close_accounts``) instead of creating a near-duplicate."""
        wanted = _match_key(name)
        if not wanted:
            return []
        with self.db.session() as session:
            accounts = session.execute(
                select(Account.id, Account.name, Account.industry, Account.owner_id)
            ).all()
        found: list[AccountMatch] = []
        for account_id, account_name, industry, owner_id in accounts:
            key = _match_key(account_name)
            if key == wanted:
                return [AccountMatch(account_id, account_name, "exact", 1.0, industry, owner_id)]
            kind: AccountMatchKind = "contains"
            shorter, longer = sorted((key, wanted), key=len)
            if len(shorter) >= 2 and shorter in longer:
                score = 0.6 + 0.4 * len(shorter) / len(longer)  # the closer in length, the closer
            else:
                kind, score = "similar", SequenceMatcher(None, wanted, key, autojunk=False).ratio()
                if score < _SIMILAR_ENOUGH:
                    continue
            found.append(AccountMatch(account_id, account_name, kind, round(score, 4), industry, owner_id))
        # Names holding the query (or held by it) before names merely spelt alike.
        found.sort(key=lambda m: (m.match != "contains", -m.score, m.name.casefold(), m.name))
        return found[:_MAX_MATCHES]

    def resolve_person(self, text: str) -> PersonRef | None:
        """A person by Slack id, or by name (case-insensitive, then a unique prefix); None if unknown."""
        cleaned = text.strip()
        if not cleaned:
            return None
        with self.db.session() as session:
            person = session.get(Person, cleaned)
            if person is None:
                lowered = cleaned.casefold()
                people = session.scalars(
                    select(Person).where(
                        or_(func.lower(Person.name) == lowered, func.lower(Person.email) == lowered)
                    )
                ).all()
                if len(people) != 1:
                    people = session.scalars(
                        select(Person).where(func.lower(Person.name).like(f"{lowered}%")).limit(2)
                    ).all()
                person = people[0] if len(people) == 1 else None
            return PersonRef(id=person.slack_id, name=person.name) if person else None

    # ---------- opening plans ----------
    def open_for_edit(self, user_id: str, account_name: str) -> OpenResult:
        """The open draft or in-review plan for the account (created if none), if the user may edit it."""
        name = " ".join(account_name.split())
        with self.db.session() as session:
            account = self._account_by_name(session, name)
            if account is None:
                account = Account(name=name, name_key=account_key(name), owner_id=user_id, extra={})
                session.add(account)
                session.flush()
                log.info("account %r created by %s", name, user_id)
            elif account.owner_id is None:
                account.owner_id = user_id  # an imported account nobody owns yet: whoever plans it owns it
            plan = self._open_plan(session, account.id)
            decision = self.policy.check(session, user_id, account, "edit", plan.id if plan else None)
            if not decision.allowed:
                return OpenResult(None, decision, account_name=account.name)
            created = plan is None
            if plan is None:
                plan = self._create_plan(session, account, user_id)
            return OpenResult(self._record(plan, account), decision, created, account.name)

    @staticmethod
    def _open_plan(session: Session, account_id: int) -> Plan | None:
        return session.scalar(
            select(Plan)
            .where(Plan.account_id == account_id, Plan.status != "approved")
            .order_by(Plan.updated_at.desc())
            .limit(1)
        )

    def _create_plan(self, session: Session, account: Account, user_id: str) -> Plan:
        plan_model = AccountPlan()
        prefilled: list[tuple[str, Any]] = [("customer.name", account.name)]
        if account.industry:
            prefilled.append(("customer.industry", account.industry))
        for column in VALUE_FIELDS:
            value = getattr(account, column)
            if value is not None and f"value.{column}" in FIELDS:
                prefilled.append((f"value.{column}", value))
        for path, value in prefilled:
            plan_model = with_value(plan_model, path, value)
        plan_model = self._derive(session, plan_model, account)
        nxt = next_unsettled(plan_model)
        plan = Plan(
            account_id=account.id,
            owner_id=account.owner_id or user_id,
            status="draft",
            data=plan_model.model_dump(mode="json"),
            current_field=nxt.path if nxt else None,
        )
        session.add(plan)
        session.flush()
        for path, value in prefilled:
            session.add(
                PlanAnswer(
                    plan_id=plan.id,
                    field_path=path,
                    action="import",
                    raw_text=str(value),
                    value=get_value(plan_model, path),
                    answered_by=CRM_USER,
                )
            )
        log.info("plan %s created for %r by %s", plan.id, account.name, user_id)
        return plan

    def load(self, plan_id: int) -> PlanRecord:
        with self.db.session() as session:
            plan = session.get(Plan, plan_id)
            if plan is None:
                raise KeyError(f"no plan {plan_id}")
            return self._record(plan, plan.account)

    @staticmethod
    def _record(plan: Plan, account: Account) -> PlanRecord:
        return PlanRecord(
            id=plan.id,
            account_id=account.id,
            account_name=account.name,
            owner_id=plan.owner_id,
            status=plan.status,
            plan=AccountPlan.model_validate(plan.data or {}),
            current_field=plan.current_field,
            created_at=plan.created_at,
            updated_at=plan.updated_at,
        )

    # ---------- committing answers ----------
    def apply(
        self,
        plan_id: int,
        user_id: str,
        field_path: str,
        action: AnswerAction,
        *,
        raw_text: str = "",
        value: Any = None,
        current_field: str | object | None = _NO_CHANGE,
        next_field: Callable[[AccountPlan], str | None] | None = None,
    ) -> PlanRecord:
        """Apply one answer and commit it with its audit row. ``value`` is already parsed and validated.

        The pointer moves to ``current_field`` when given, else to ``next_field(plan)``, else to the first
        field not yet settled.
        """
        with self.db.session() as session:
            plan = session.scalar(select(Plan).where(Plan.id == plan_id).with_for_update(of=Plan))
            if plan is None:
                raise KeyError(f"no plan {plan_id}")
            if plan.status in LOCKED_STATUSES:
                raise PlanLocked(plan.id, plan.status)
            model = AccountPlan.model_validate(plan.data or {})
            if action in ("answer", "import"):
                model = with_value(model, field_path, value)
            elif action == "add_row":
                rows = [row.model_dump(mode="json") for row in get_value(model, field_path)]
                model = with_value(model, field_path, [*rows, value])
            elif action == "skip":
                model = with_skipped(model, field_path)
            elif action == "clear":
                model = with_value(model, field_path, [] if FIELDS[field_path].is_list else None)
            account = plan.account
            retier = field_path.startswith("value.") or (
                model.value.tier is None and model.value.profit_contribution is not None
            )
            model = self._derive(session, model, account, retier=retier)
            plan.data = model.model_dump(mode="json")
            sync_plan_milestones(session, plan, model)
            if current_field is not _NO_CHANGE:
                plan.current_field = current_field  # type: ignore[assignment]
            else:
                chooser = next_field or (lambda m: getattr(next_unsettled(m), "path", None))
                plan.current_field = chooser(model)
            plan.updated_at = utcnow()
            session.add(
                PlanAnswer(
                    plan_id=plan.id,
                    field_path=field_path,
                    action=action,
                    raw_text=raw_text[:4000],
                    value=_jsonable(value),
                    answered_by=user_id,
                )
            )
            session.flush()
            return self._record(plan, account)

    def set_current_field(self, plan_id: int, path: str | None) -> None:
        with self.db.session() as session:
            plan = session.scalar(select(Plan).where(Plan.id == plan_id).with_for_update(of=Plan))
            if plan is not None:
                plan.current_field = path

    def set_status(self, plan_id: int, user_id: str, status: str) -> tuple[PlanRecord | None, AccessDecision]:
        with self.db.session() as session:
            plan = session.scalar(select(Plan).where(Plan.id == plan_id).with_for_update(of=Plan))
            if plan is None:
                raise KeyError(f"no plan {plan_id}")
            account = plan.account
            locked = plan.status in LOCKED_STATUSES
            # Approving, or moving a plan that is in review or approved, is an approver's decision.
            action = "view" if status == "approved" or locked else "status"
            decision = self.policy.check(session, user_id, account, action, plan.id)  # type: ignore[arg-type]
            if (status == "approved" or locked) and decision.reason not in APPROVERS:
                if locked and decision.allowed:
                    raise PlanLocked(plan.id, plan.status)
                decision = AccessDecision(False, decision.reason)
            if not decision.allowed:
                return None, decision
            plan.status = status
            plan.updated_at = utcnow()
            session.add(
                PlanAnswer(
                    plan_id=plan.id,
                    field_path="status",
                    action="answer",
                    raw_text=status,
                    value=status,
                    answered_by=user_id,
                )
            )
            session.flush()
            return self._record(plan, account), decision

    # ---------- reading for people ----------
    def drafts_of(self, user_id: str) -> list[PlanRecord]:
        """Open plans the user can edit (owner or account team), most recently updated first."""
        with self.db.session() as session:
            team_accounts = select(AccountMember.account_id).where(AccountMember.person_id == user_id)
            rows = session.execute(
                select(Plan, Account)
                .join(Account, Plan.account_id == Account.id)
                .where(
                    or_(Account.owner_id == user_id, Plan.owner_id == user_id, Account.id.in_(team_accounts))
                )
                .order_by(Plan.updated_at.desc(), Plan.id.desc())
            ).all()
            return [self._record(plan, account) for plan, account in rows]

    def visible_to(self, user_id: str) -> list[PlanRecord]:
        """Every plan the user may view; see ``plans_visible_to``."""
        return list(self.plans_visible_to(user_id))

    def plans_visible_to(self, user_id: str) -> list[VisiblePlan]:
        """Every plan the user may see, with their relation to it: their own and their team's, their
        reports' (up the reporting chain) for a manager, all for an admin (``bot.plans.access``). By account
        name, then plan. The one answer to "my plans" for `plan list` and chat alike; not logged per plan."""
        with self.db.session() as session:
            rows = session.execute(
                select(Plan, Account).join(Account, Plan.account_id == Account.id).order_by(Plan.id)
            ).all()
            relations: dict[int, Relation] = {}
            visible = []
            for plan, account in rows:
                if account.id not in relations:
                    relations[account.id] = self.policy.relation(session, user_id, account)
                if relations[account.id] != "outsider":
                    record = self._record(plan, account)
                    visible.append(VisiblePlan(**vars(record), relation=relations[account.id]))
            return sorted(visible, key=lambda p: (p.account_name.casefold(), p.account_name, p.id))

    def latest_for_account(self, user_id: str, account_name: str, action: str = "view") -> OpenResult:
        """The account's open plan (else its latest approved one) if the user may see it; logged."""
        with self.db.session() as session:
            account = self._account_by_name(session, account_name)
            if account is None:
                return OpenResult(None, AccessDecision(False, "no_account"), account_name=account_name)
            plan = self._open_plan(session, account.id) or session.scalar(
                select(Plan).where(Plan.account_id == account.id).order_by(Plan.updated_at.desc()).limit(1)
            )
            decision = self.policy.check(session, user_id, account, action, plan.id if plan else None)  # type: ignore[arg-type]
            if not decision.allowed or plan is None:
                reason = decision if not decision.allowed else AccessDecision(False, "no_plan")
                return OpenResult(None, reason, account_name=account.name)
            record = self._record(plan, account)
            fresh = self._derive(session, record.plan, account)
            return OpenResult(_replace_plan(record, fresh), decision, account_name=account.name)

    def people_names(self) -> dict[str, str]:
        """Slack id -> name, for showing people in exports."""
        with self.db.session() as session:
            return {
                slack_id: name for slack_id, name in session.execute(select(Person.slack_id, Person.name))
            }

    def managers_of(self, user_id: str) -> set[str]:
        with self.db.session() as session:
            return managers_of(session, [user_id])

    # ---------- derived parts ----------
    def _derive(
        self, session: Session, model: AccountPlan, account: Account, *, retier: bool = True
    ) -> AccountPlan:
        """Tier (over every account), ranked opportunities and review schedule. Without ``retier`` the tier
        already in the plan is kept: re-tiering reads every account, which an answer outside the value
        section has no need to do (exports always re-tier)."""
        from bot.plans.derive import derive

        if not retier:
            return derive(model, account.name, [], keep_tier=True)
        return derive(model, account.name, self._values_by_account(session, account, model))

    def _values_by_account(
        self, session: Session, current: Account, model: AccountPlan
    ) -> list[dict[str, Any]]:
        return account_value_rows(session, {current.id: model.value.model_dump()})


def current_plans(session: Session) -> dict[int, Plan]:
    """Each account's current plan: its open plan, else its latest approved one."""
    plans: dict[int, Plan] = {}
    has_open_plan: set[int] = set()
    for plan in session.scalars(select(Plan).order_by(Plan.updated_at, Plan.id)):  # oldest first
        is_open = plan.status != "approved"
        if is_open or plan.account_id not in has_open_plan:
            plans[plan.account_id] = plan
            if is_open:
                has_open_plan.add(plan.account_id)
    return plans


def account_value_rows(
    session: Session, overrides: dict[int, dict[str, Any]] | None = None
) -> list[dict[str, Any]]:
    """Each account's value for tiering: its current plan's value section (or ``overrides[account id]``),
    else the CRM's."""
    plans = {
        account_id: (plan.data or {}).get("value") or {}
        for account_id, plan in current_plans(session).items()
    }
    plans.update(overrides or {})
    rows = []
    for account in session.scalars(select(Account)):
        value = plans.get(account.id, {})
        merged = {}
        for column in VALUE_FIELDS:
            planned = value.get(column)
            merged[column] = planned if planned is not None else getattr(account, column)
        merged["name"] = account.name
        rows.append(merged)
    return rows


def _match_key(name: str) -> str:
    """A name as compared for closeness: NFKC, case-folded, without spaces or punctuation."""
    folded = unicodedata.normalize("NFKC", name).casefold()
    return "".join(char for char in folded if char.isalnum())


def _replace_plan(record: PlanRecord, plan: AccountPlan) -> PlanRecord:
    from dataclasses import replace

    return replace(record, plan=plan)


def _jsonable(value: Any) -> Any:
    if hasattr(value, "model_dump"):
        return value.model_dump(mode="json")
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, list):
        return [_jsonable(item) for item in value]
    if isinstance(value, dict):
        return {key: _jsonable(item) for key, item in value.items()}
    return value
