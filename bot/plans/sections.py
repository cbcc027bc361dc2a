"""Editing a whole plan section at once (Slack's modal, or any form-like adapter): the section's fields with
their current values as text, and applying the edited texts.

Each changed text is read with the same parsers as the drafting dialog (``bot.plans.parsing``) and checked
against the plan model; when any field cannot be read, nothing is saved and each failing field gets its
reason in the user's language. Otherwise every change is committed through ``PlanRepository.apply`` (an
audit row each) in one transaction, after an edit-access check that is logged like every other.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date
from typing import Any

from pydantic import ValidationError
from sqlalchemy import select

from bot.coach.reply import Language
from bot.plans.access import AccessDecision, Action
from bot.plans.model import CATALOGUE, SECTIONS, FieldSpec, get_value, is_filled, with_value
from bot.plans.parsing import Unreadable, parse_rows, parse_scalar
from bot.plans.repository import PlanRecord, PlanRepository
from bot.plans.wording import PlanWording
from bot.store.models import Plan

LONG_TEXT = 150
"""A text field whose current value is longer than this gets a multi-line input."""


@dataclass(frozen=True)
class SectionField:
    path: str
    label: str
    hint: str
    kind: str
    required: bool
    multiline: bool
    value: str
    """The current value as the user would type it ("" when unanswered)."""
    choices: list[tuple[str, str]] = field(default_factory=list)
    """(value, label) for a choice field."""


@dataclass(frozen=True)
class SectionEdit:
    """What applying a section's texts did: the saved field paths, or errors by path (nothing saved), or a
    refusal."""

    saved: list[str] = field(default_factory=list)
    errors: dict[str, str] = field(default_factory=dict)
    record: PlanRecord | None = None
    refused: AccessDecision | None = None


class UnknownSection(ValueError):
    pass


class PlanSections:
    def __init__(
        self, repo: PlanRepository, wording: PlanWording, today: Callable[[], date] = date.today
    ) -> None:
        self.repo = repo
        self.words = wording
        self.today = today

    @staticmethod
    def specs(section: str) -> list[FieldSpec]:
        if section not in SECTIONS:
            raise UnknownSection(section)
        return [spec for spec in CATALOGUE if spec.section == section]

    def section_title(self, section: str, language: Language) -> str:
        return self.words.section(section, language)

    # ---------- access ----------
    def open(
        self, user_id: str, plan_id: int, action: Action = "view"
    ) -> tuple[PlanRecord | None, AccessDecision]:
        """The plan if the user may ``action`` it; the attempt is logged either way."""
        # One unit of work: loading the plan joins the transaction that checked access (on SQLite a
        # second transaction in the same thread would wait for the first one's write lock).
        with self.repo.db.unit_of_work() as session:
            plan = session.scalar(select(Plan).where(Plan.id == plan_id))
            if plan is None:
                return None, AccessDecision(False, "no_plan")
            decision = self.repo.policy.check(session, user_id, plan.account, action, plan.id)
            if not decision.allowed:
                return None, decision
            return self.repo.load(plan_id), decision

    # ---------- reading ----------
    def fields(self, record: PlanRecord, section: str, language: Language) -> list[SectionField]:
        found = []
        for spec in self.specs(section):
            entry = self.words.field(spec.path)
            values = {"account": record.account_name, "kinds": ""}
            found.append(
                SectionField(
                    path=spec.path,
                    label=entry["label"][language],
                    hint=str(entry["hint"][language]).format(**values),
                    kind=spec.kind,
                    required=spec.required,
                    multiline=spec.is_list or spec.kind == "text",
                    value=self.value_text(record, spec, language),
                    choices=[(c, self.words.choice(c, language)) for c in spec.choices],
                )
            )
        return found

    def value_text(self, record: PlanRecord, spec: FieldSpec, language: Language) -> str:
        if not is_filled(record.plan, spec.path):
            return ""
        value = get_value(record.plan, spec.path)
        if spec.is_table:
            return "\n".join(self.words.row(spec, row, language) for row in value)
        if spec.kind == "list_of_text":
            return "\n".join(str(item) for item in value)
        if spec.kind == "person":
            return str(getattr(value, "name", None) or getattr(value, "id", "") or "")
        return self.words.scalar(spec.kind, value, language)

    # ---------- writing ----------
    def apply(
        self, user_id: str, plan_id: int, section: str, texts: dict[str, str], language: Language
    ) -> SectionEdit:
        specs = {spec.path: spec for spec in self.specs(section)}
        with self.repo.db.unit_of_work():
            record, decision = self.open(user_id, plan_id, "edit")
            if record is None:
                return SectionEdit(refused=decision)
            changes, errors = self._read(record, specs, texts, language, user_id)
            if errors:
                return SectionEdit(errors=errors, record=record)
            for path, action, text, value in changes:
                record = self.repo.apply(plan_id, user_id, path, action, raw_text=text, value=value)
            return SectionEdit(saved=[path for path, *_ in changes], record=record)

    def _read(
        self,
        record: PlanRecord,
        specs: dict[str, FieldSpec],
        texts: dict[str, str],
        language: Language,
        user_id: str,
    ) -> tuple[list[tuple[str, Any, str, Any]], dict[str, str]]:
        changes: list[tuple[str, Any, str, Any]] = []
        errors: dict[str, str] = {}
        ctx = self.words.parse_context(self.today(), user_id, self.repo.resolve_person)
        plan = record.plan
        for path, raw in texts.items():
            spec = specs.get(path)
            if spec is None:
                continue
            text = (raw or "").strip()
            if text == self.value_text(record, spec, language).strip():
                continue
            if not text:
                if spec.required:
                    errors[path] = self.words.unreadable(text, Unreadable("empty"), spec, language)
                else:
                    changes.append((path, "clear", "", None))
                continue
            try:
                value = self._parse(spec, text, ctx, language)
                plan = with_value(plan, path, value)
            except Unreadable as error:
                errors[path] = self.words.unreadable(text, error, spec, language)
                continue
            except ValidationError as invalid:
                kind = invalid.errors()[0].get("type", "")
                reason = Unreadable("negative" if kind == "greater_than_equal" else "invalid")
                errors[path] = self.words.unreadable(text, reason, spec, language)
                continue
            changes.append((path, "answer", text, value))
        return changes, errors

    def _parse(self, spec: FieldSpec, text: str, ctx: Any, language: Language) -> Any:
        if spec.is_table:
            return parse_rows(spec, text, ctx, self.words.options_for(language))
        options = self.words.options_text(spec.choices, language) if spec.kind == "choice" else ""
        return parse_scalar(spec.kind, text, ctx, choices=spec.choices, options_text=options)
