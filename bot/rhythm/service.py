"""What people do with milestones and escalations, for the CLI, Slack's buttons and listeners, and chat.

Who may: a milestone's owner, the managers above the owner in the reporting chain, and admins
(``people.is_admin`` or ``KAM_ADMINS``); an escalation's decision belongs to the managers above whoever raised
it, and admins. ``user=None`` is the local operator at the terminal (``kam-coach milestones done ID`` without
``--user``), who already holds the database. Every refusal raises ``NotAllowed`` saying who may.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterable
from datetime import date, datetime
from typing import TYPE_CHECKING

from sqlalchemy import select
from sqlalchemy.orm import Session

from bot.plans.access import AccessPolicy, managers_of
from bot.rhythm.config import RhythmConfig
from bot.rhythm.models import EscalationDecisionView, Language, MilestoneView
from bot.rhythm.wording import RhythmWording
from bot.store.db import Database
from bot.store.models import Account, Escalation, Person, account_key, utcnow
from bot.store.rhythm_store import LIVE_STATES
from bot.store.rhythm_tables import MILESTONE_STATES, EscalationDecision, Milestone
from bot.timing import local_today

if TYPE_CHECKING:
    from bot.rhythm.digest import Digest

log = logging.getLogger(__name__)
TITLE_MAX = 300


class RhythmError(Exception):
    """Base of the errors below; the message is meant for the person who asked."""


class InvalidRequest(RhythmError):
    """Input the user can correct: an unknown id, an empty title, a date in the past. Names the field."""

    def __init__(self, field: str, message: str) -> None:
        super().__init__(f"{field}: {message}")
        self.field = field


class UnknownMilestone(InvalidRequest):
    def __init__(self, milestone_id: int) -> None:
        super().__init__("ID", f"no milestone {milestone_id} (see kam-coach milestones list)")
        self.milestone_id = milestone_id


class NotAllowed(RhythmError):
    """The user may not do this."""


def milestone_view(
    milestone: Milestone, account: str, wording: RhythmWording, language: Language
) -> MilestoneView:
    return MilestoneView(
        id=milestone.id,
        account=account,
        owner=milestone.owner_id,
        title=wording.milestone_title(milestone.kind, milestone.title, language),
        due=milestone.due_date,
        kind=milestone.kind,
        state=milestone.state,
        snoozed_until=milestone.snoozed_until,
        source=milestone.source,
        plan_id=milestone.plan_id,
        done_at=milestone.done_at,
        done_by=milestone.done_by,
    )


class RhythmService:
    def __init__(
        self,
        db: Database,
        config: RhythmConfig,
        wording: RhythmWording,
        clock: Callable[[], datetime] = utcnow,
    ) -> None:
        self.db, self.config, self.wording, self.clock = db, config, wording, clock
        self.policy = AccessPolicy(config.admin_ids)

    # ---------- milestones ----------
    def add_milestone(
        self,
        *,
        account: str,
        owner: str,
        due: date,
        title: str,
        created_by: str = "",
        language: Language | None = None,
    ) -> MilestoneView:
        """An ad hoc milestone; the account is created if it is new (owned by the milestone's owner)."""
        name, owner, title = " ".join(account.split()), owner.strip(), " ".join(title.split())
        if not name:
            raise InvalidRequest("account", "must not be empty")
        if not owner:
            raise InvalidRequest("owner", "must not be empty")
        if not title:
            raise InvalidRequest("title", "must not be empty")
        if len(title) > TITLE_MAX:
            raise InvalidRequest("title", f"is {len(title)} characters long; at most {TITLE_MAX}")
        with self.db.session() as session:
            row = session.scalar(select(Account).where(Account.name_key == account_key(name)))
            if row is None:
                row = Account(name=name, name_key=account_key(name), owner_id=owner, extra={})
                session.add(row)
                session.flush()
                log.info("account %r created for a milestone of %s", name, owner)
            milestone = Milestone(
                account_id=row.id,
                owner_id=owner,
                due_date=due,
                kind="ad_hoc",
                title=title,
                state="open",
                source="ad_hoc",
                due_set_at=self.clock(),
                reminders_dirty=True,
                created_by=created_by,
            )
            session.add(milestone)
            session.flush()
            return milestone_view(milestone, row.name, self.wording, language or self.config.language)

    def list_milestones(
        self,
        *,
        owner: str | None = None,
        account: str | None = None,
        states: Iterable[str] = ("open", "snoozed", "done"),
        language: Language | None = None,
    ) -> list[MilestoneView]:
        wanted = [state for state in states if state in MILESTONE_STATES]
        query = (
            select(Milestone, Account.name)
            .join(Account, Milestone.account_id == Account.id)
            .where(Milestone.state.in_(wanted))
            .order_by(Milestone.due_date, Milestone.id)
        )
        if owner:
            query = query.where(Milestone.owner_id == owner.strip())
        if account:
            query = query.where(Account.name_key == account_key(account))
        with self.db.session() as session:
            return [
                milestone_view(m, name, self.wording, language or self.config.language)
                for m, name in session.execute(query)
            ]

    def mark_done(
        self, milestone_id: int, user: str | None, language: Language | None = None
    ) -> MilestoneView:
        """Done now; its unsent reminders are cancelled by the next sweep. Done twice is still done."""
        with self.db.session() as session:
            milestone, name = self._milestone(session, milestone_id)
            self._check(session, user, milestone, "mark done")
            if milestone.state == "cancelled":
                raise InvalidRequest("ID", f"milestone {milestone_id} was cancelled (it left its plan)")
            if milestone.state != "done":
                milestone.state, milestone.snoozed_until = "done", None
                milestone.done_at, milestone.done_by = self.clock(), user or "operator"
                milestone.reminders_dirty = True
            return milestone_view(milestone, name, self.wording, language or self.config.language)

    def snooze(
        self, milestone_id: int, until: date, user: str | None, language: Language | None = None
    ) -> MilestoneView:
        """No reminders to the owner before ``until`` (a day after today in the owner's time zone)."""
        with self.db.session() as session:
            milestone, name = self._milestone(session, milestone_id)
            self._check(session, user, milestone, "snooze")
            if milestone.state not in LIVE_STATES:
                raise InvalidRequest(
                    "ID", f"milestone {milestone_id} is {milestone.state}; only open ones snooze"
                )
            owner = session.get(Person, milestone.owner_id)
            today = local_today(self.clock(), self.config.zone_of(owner))
            if until <= today:
                raise InvalidRequest("until", f"{until.isoformat()} is not after today ({today.isoformat()})")
            milestone.state, milestone.snoozed_until = "snoozed", until
            milestone.reminders_dirty = True
            return milestone_view(milestone, name, self.wording, language or self.config.language)

    # ---------- digests ----------
    def digest_for(self, manager_id: str, language: Language | None = None) -> Digest:
        """This week's digest of a manager's team, as of now (``/kam digest``); UnknownManager when the
        person is not in the people directory."""
        from bot.rhythm.digest import DigestBuilder

        with self.db.session() as session:
            return DigestBuilder(session, self.config, self.wording).build(manager_id, self.clock(), language)

    @staticmethod
    def _milestone(session: Session, milestone_id: int) -> tuple[Milestone, str]:
        found = session.execute(
            select(Milestone, Account.name)
            .join(Account, Milestone.account_id == Account.id)
            .where(Milestone.id == milestone_id)
            .with_for_update(of=Milestone)
        ).first()
        if found is None:
            raise UnknownMilestone(milestone_id)
        return found[0], found[1]

    def _check(self, session: Session, user: str | None, milestone: Milestone, action: str) -> str:
        if user is None:
            return "operator"
        if user == milestone.owner_id:
            return "owner"
        if user in managers_of(session, [milestone.owner_id]):
            return "manager"
        if self.policy.is_admin(session, user):
            return "admin"
        log.info("refused: %s may not %s milestone %s", user, action, milestone.id)
        raise NotAllowed(
            f"{user} may not {action} milestone {milestone.id}: only its owner ({milestone.owner_id}), "
            "the owner's managers or an admin may"
        )

    # ---------- escalations ----------
    def decide_escalation(self, escalation_id: int, manager: str, approve: bool) -> EscalationDecisionView:
        """Approve or reject an escalated deal. The first decision stands; a second one is refused."""
        with self.db.session() as session:
            escalation = session.scalar(
                select(Escalation).where(Escalation.id == escalation_id).with_for_update()
            )
            if escalation is None:
                raise InvalidRequest("escalation", f"no escalation {escalation_id}")
            allowed = manager in managers_of(session, [escalation.requested_by]) or self.policy.is_admin(
                session, manager
            )
            if not allowed:
                log.info("refused: %s may not decide escalation %s", manager, escalation_id)
                raise NotAllowed(
                    f"{manager} may not decide escalation {escalation_id}: only the managers of "
                    f"{escalation.requested_by} or an admin may"
                )
            earlier = session.scalar(
                select(EscalationDecision).where(EscalationDecision.escalation_id == escalation_id)
            )
            if earlier is not None:
                raise InvalidRequest(
                    "escalation",
                    f"escalation {escalation_id} was already {earlier.decision} by {earlier.decided_by} "
                    f"on {earlier.decided_at.date().isoformat()}",
                )
            decision = EscalationDecision(
                escalation_id=escalation_id,
                decision="approved" if approve else "rejected",
                decided_by=manager,
                decided_at=self.clock(),
            )
            session.add(decision)
            escalation.seen_by_manager = True
            log.info("escalation %s %s by %s", escalation_id, decision.decision, manager)
            return EscalationDecisionView(
                escalation_id=escalation_id,
                decision=decision.decision,
                decided_by=manager,
                decided_at=decision.decided_at,
            )
