"""Who may see and who may edit an account plan.

- edit: the account's owner and its account team;
- view: those, plus the managers up the reporting chain of the owner and of each team member
  (``people.manager_id``, followed transitively), plus admins (``people.is_admin`` or ``KAM_ADMINS``).

Every check made through ``AccessPolicy.check`` is written to ``access_log`` (and to the log), allowed or not.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Literal

from sqlalchemy import select
from sqlalchemy.orm import Session

from bot.store.models import AccessLog, Account, AccountMember, Person

log = logging.getLogger(__name__)

Action = Literal["view", "edit", "create", "export", "review", "status"]
Relation = Literal["owner", "team", "admin", "manager", "outsider"]
EDIT_ACTIONS = frozenset({"edit", "create", "status"})
EDITORS = frozenset({"owner", "team"})


@dataclass(frozen=True)
class AccessDecision:
    allowed: bool
    reason: str
    """The user's relation to the account (owner, team, admin, manager, outsider), allowed or not; or
    no_account / no_plan from the repository."""


def managers_of(session: Session, person_ids: Iterable[str]) -> set[str]:
    """Everyone above these people in the reporting chain (cycles in bad data are tolerated)."""
    found: set[str] = set()
    frontier = {pid for pid in person_ids if pid}
    seen = set(frontier)
    while frontier:
        above = {
            manager
            for manager in session.scalars(
                select(Person.manager_id).where(Person.slack_id.in_(frontier), Person.manager_id.is_not(None))
            )
            if manager is not None
        }
        frontier = above - seen
        seen |= frontier
        found |= above
    return found


def team_of(session: Session, account_id: int) -> set[str]:
    return set(session.scalars(select(AccountMember.person_id).where(AccountMember.account_id == account_id)))


class AccessPolicy:
    def __init__(self, admin_ids: Iterable[str] = ()) -> None:
        self.admin_ids = frozenset(admin_ids)

    def is_admin(self, session: Session, user_id: str) -> bool:
        if user_id in self.admin_ids:
            return True
        person = session.get(Person, user_id)
        return bool(person and person.is_admin)

    def relation(self, session: Session, user_id: str, account: Account) -> Relation:
        """How the user stands to the account, the closest first: owner, team, admin, manager, outsider."""
        if account.owner_id == user_id:
            return "owner"
        team = team_of(session, account.id)
        if user_id in team:
            return "team"
        if self.is_admin(session, user_id):
            return "admin"
        people = {account.owner_id, *team} - {None}
        if user_id in managers_of(session, people):  # type: ignore[arg-type]
            return "manager"
        return "outsider"

    def decide(self, session: Session, user_id: str, account: Account, action: Action) -> AccessDecision:
        """Allowed or not, with the user's relation to the account as the reason (a refused edit by a
        manager is logged as "manager", not "outsider")."""
        relation = self.relation(session, user_id, account)
        if action in EDIT_ACTIONS:
            return AccessDecision(relation in EDITORS, relation)
        return AccessDecision(relation != "outsider", relation)

    def check(
        self,
        session: Session,
        user_id: str,
        account: Account,
        action: Action,
        plan_id: int | None = None,
    ) -> AccessDecision:
        """Decide, and record the attempt in ``access_log`` (in the caller's transaction)."""
        decision = self.decide(session, user_id, account, action)
        session.add(
            AccessLog(
                user_id=user_id,
                plan_id=plan_id,
                account_id=account.id,
                action=action,
                allowed=decision.allowed,
                reason=decision.reason,
            )
        )
        log.log(
            logging.INFO if decision.allowed else logging.WARNING,
            "plan access %s: user=%s account=%s plan=%s action=%s (%s)",
            "allowed" if decision.allowed else "refused",
            user_id,
            account.name,
            plan_id,
            action,
            decision.reason,
        )
        return decision
