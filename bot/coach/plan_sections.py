"""Editing a whole plan section at once (Slack's modal, or any form-like adapter): the section's fields with
their current values as text, and applying the edited texts.

It reads answers exactly as the plan form does (the form's slots, the engine's parsers and its worded
errors, the plan model's checks), so a value that the conversation accepts the modal accepts too. When any
field cannot be read nothing is saved, and each failing field gets its reason in the user's language.
Otherwise every change is committed through ``PlanRepository.apply`` (an audit row each) in one unit of
work, after an edit-access check that is logged like every other.
"""

from __future__ import annotations

from collections.abc import Callable
from contextlib import AbstractContextManager
from dataclasses import dataclass, field
from typing import Any

from pydantic import ValidationError

from bot.coach.forms.display import describe_error, label, show_row, show_value
from bot.coach.forms.form import FormTools, Session
from bot.coach.forms.parsing import parse_rows, parse_value
from bot.coach.forms.plan import FIELD_SLOTS, PlanData, PlanForm
from bot.coach.forms.slots import Slot
from bot.coach.forms.state import FormState
from bot.coach.reply import PlanView, Reply
from bot.coach.turn import Turn
from bot.errors import InputError
from bot.plans.access import AccessDecision, Action
from bot.plans.model import SECTIONS, get_value, is_filled, with_value
from bot.plans.repository import PlanRecord, PlanRepository
from bot.store.models import Plan
from bot.wording import Language


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
    """(id, label) for a choice field."""


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
        self,
        form: PlanForm,
        tools: FormTools,
        plans: PlanRepository,
        unit_of_work: Callable[[], AbstractContextManager[Any]],
    ) -> None:
        self.form = form
        self.tools = tools
        self.plans = plans
        self.unit_of_work = unit_of_work

    @staticmethod
    def slots(section: str) -> list[Slot]:
        if section not in SECTIONS:
            raise UnknownSection(section)
        return [slot for slot in FIELD_SLOTS if slot.section == section]

    def _session(self, user_id: str, record: PlanRecord | None, language: Language) -> Session:
        state = FormState(form=self.form.kind, language=language)
        state.data = PlanData(plan_id=record.id if record else None).model_dump(mode="json")
        session = Session(self.form, state, Turn(text="", user_id=user_id), self.tools, _no_questions)
        if record is not None:
            session.cache["plan"] = record
        return session

    def section_title(self, section: str, language: Language) -> str:
        return self.tools.catalogue.file(self.form.wording_file).text(language, "sections", section)

    # ---------- access ----------
    def open(
        self, user_id: str, plan_id: int, action: Action = "view"
    ) -> tuple[PlanRecord | None, AccessDecision]:
        """The plan if the user may ``action`` it; the attempt is logged either way. One unit of work: the
        plan is loaded in the transaction that checked access."""
        with self.unit_of_work() as session:
            plan = session.get(Plan, plan_id)
            if plan is None:
                return None, AccessDecision(False, "no_plan")
            decision = self.plans.policy.check(session, user_id, plan.account, action, plan.id)
            if not decision.allowed:
                return None, decision
            return self.plans.load(plan_id), decision

    # ---------- reading ----------
    def view(self, user_id: str, record: PlanRecord, language: Language) -> PlanView:
        """The plan's completeness by section, exactly as the plan form shows it."""
        s = self._session(user_id, record, language)
        self.form.view(s)
        assert s.plan is not None
        return s.plan

    def fields(
        self, user_id: str, record: PlanRecord, section: str, language: Language
    ) -> list[SectionField]:
        s = self._session(user_id, record, language)
        return [
            SectionField(
                path=slot.name,
                label=label(s, slot),
                hint=self.form.slot_wording(s, slot, "hint"),
                kind=slot.kind,
                required=slot.required,
                multiline=slot.is_list or slot.kind == "text",
                value=self._text(s, record, slot),
                choices=[(choice, self.form.choice_label(s, choice)) for choice in slot.choices],
            )
            for slot in self.slots(section)
        ]

    @staticmethod
    def _text(s: Session, record: PlanRecord, slot: Slot) -> str:
        if not is_filled(record.plan, slot.name):
            return ""
        value = get_value(record.plan, slot.name)
        if slot.is_table:
            return "\n".join(show_row(s, slot, row) for row in value)
        if slot.kind == "list":
            return "\n".join(str(item) for item in value)
        if hasattr(value, "model_dump"):
            value = value.model_dump(mode="json")
        return show_value(s, slot, value)

    # ---------- writing ----------
    def apply(
        self, user_id: str, plan_id: int, section: str, texts: dict[str, str], language: Language
    ) -> SectionEdit:
        slots = {slot.name: slot for slot in self.slots(section)}
        with self.unit_of_work():
            record, decision = self.open(user_id, plan_id, "edit")
            if record is None:
                return SectionEdit(refused=decision)
            s = self._session(user_id, record, language)
            changes, errors = self._read(s, record, slots, texts)
            if errors:
                return SectionEdit(errors=errors, record=record)
            for path, action, text, value in changes:
                record = self.plans.apply(plan_id, user_id, path, action, raw_text=text, value=value)
            return SectionEdit(saved=[path for path, *_ in changes], record=record)

    def _read(
        self, s: Session, record: PlanRecord, slots: dict[str, Slot], texts: dict[str, str]
    ) -> tuple[list[tuple[str, Any, str, Any]], dict[str, str]]:
        changes: list[tuple[str, Any, str, Any]] = []
        errors: dict[str, str] = {}
        ctx = s.parse_context()
        plan = record.plan
        for path, raw in texts.items():
            slot = slots.get(path)
            if slot is None:
                continue
            text = (raw or "").strip()
            if text == self._text(s, record, slot).strip():
                continue
            if not text:
                if slot.required:
                    errors[path] = describe_error(s, InputError("empty"), slot)
                else:
                    changes.append((path, "clear", "", None))
                continue
            try:
                value = parse_rows(slot, text, ctx) if slot.is_table else parse_value(slot, text, ctx)
                plan = with_value(plan, path, value)
            except InputError as error:
                errors[path] = describe_error(s, error, slot)
                continue
            except ValidationError as invalid:
                kind = invalid.errors()[0].get("type", "")
                errors[path] = describe_error(
                    s, InputError("negative" if kind == "greater_than_equal" else "invalid"), slot
                )
                continue
            changes.append((path, "answer", text, _json(value)))
        return changes, errors


def _no_questions(question: str, language: Language) -> Reply:
    raise RuntimeError("a section edit asks no side questions")


def _json(value: Any) -> Any:
    if hasattr(value, "model_dump"):
        return value.model_dump(mode="json")
    if isinstance(value, list):
        return [_json(item) for item in value]
    return value
