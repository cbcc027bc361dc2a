"""Deals escalated to management (the pricing tree's ``escalate_to_management``), for managers to see."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from pydantic import BaseModel
from sqlalchemy import select, update

from bot.store.db import Database, rows_changed
from bot.store.models import Escalation, Person


@dataclass(frozen=True)
class EscalationRecord:
    id: int
    requested_by: str
    conversation_key: str | None
    deal_label: str
    inputs: dict[str, Any]
    decision: dict[str, Any]
    created_at: datetime
    seen_by_manager: bool

    @classmethod
    def from_row(cls, row: Escalation) -> EscalationRecord:
        return cls(
            id=row.id,
            requested_by=row.requested_by,
            conversation_key=row.conversation_key,
            deal_label=row.deal_label,
            inputs=dict(row.inputs or {}),
            decision=dict(row.decision or {}),
            created_at=row.created_at,
            seen_by_manager=row.seen_by_manager,
        )


def _as_json(value: BaseModel | Mapping[str, Any] | None) -> dict[str, Any]:
    if value is None:
        return {}
    if isinstance(value, BaseModel):
        return value.model_dump(mode="json")
    return {str(key): item for key, item in value.items()}


def reports_of(session, manager_id: str) -> set[str]:
    """Everyone who reports to ``manager_id``, directly or further down the chain."""
    found: set[str] = set()
    frontier = {manager_id}
    while frontier:
        below = set(session.scalars(select(Person.slack_id).where(Person.manager_id.in_(frontier))))
        frontier = below - found - {manager_id}
        found |= frontier
    return found


class EscalationStore:
    def __init__(self, db: Database) -> None:
        self.db = db

    def record(
        self,
        *,
        requested_by: str,
        deal_label: str = "",
        inputs: BaseModel | Mapping[str, Any] | None = None,
        decision: BaseModel | Mapping[str, Any] | None = None,
        conversation_key: str | None = None,
    ) -> EscalationRecord:
        with self.db.session() as session:
            row = Escalation(
                requested_by=requested_by,
                conversation_key=conversation_key,
                deal_label=deal_label[:200],
                inputs=_as_json(inputs),
                decision=_as_json(decision),
            )
            session.add(row)
            session.flush()
            return EscalationRecord.from_row(row)

    def list_for_manager(self, manager_id: str, *, unseen_only: bool = False) -> list[EscalationRecord]:
        """Escalations raised by the people who report to this manager (directly or down the chain)."""
        with self.db.session() as session:
            reports = reports_of(session, manager_id)
            if not reports:
                return []
            query = select(Escalation).where(Escalation.requested_by.in_(reports))
            if unseen_only:
                query = query.where(Escalation.seen_by_manager.is_(False))
            rows = session.scalars(query.order_by(Escalation.created_at.desc(), Escalation.id.desc()))
            return [EscalationRecord.from_row(row) for row in rows]

    def list_all(self) -> list[EscalationRecord]:
        with self.db.session() as session:
            rows = session.scalars(
                select(Escalation).order_by(Escalation.created_at.desc(), Escalation.id.desc())
            )
            return [EscalationRecord.from_row(row) for row in rows]

    def mark_seen(self, ids: Iterable[int]) -> int:
        wanted = list(ids)
        if not wanted:
            return 0
        with self.db.session() as session:
            result = session.execute(
                update(Escalation).where(Escalation.id.in_(wanted)).values(seen_by_manager=True)
            )
            return rows_changed(result)


# The brief's module-level names, for callers that hold a Database rather than a store.
def record(db: Database, **kwargs: Any) -> EscalationRecord:
    return EscalationStore(db).record(**kwargs)


def list_for_manager(db: Database, manager_id: str) -> list[EscalationRecord]:
    return EscalationStore(db).list_for_manager(manager_id)


def list_all(db: Database) -> list[EscalationRecord]:
    return EscalationStore(db).list_all()
