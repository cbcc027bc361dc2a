"""Account plan drafting as a form: the slots are the plan model's field catalogue (``bot.plans.model``).

The answers live in the plan row, not in the form's state: each one is committed through the plan
repository with its audit row (in the turn's unit of work), so an account team drafting one plan shares it,
and a restart or another conversation picks up the same answers. The form's state holds where this
conversation is (its position) and which plan it is on.

"start a plan for ACME" / "给华为做个客户计划" opens (or creates) the account's plan; a name close to
imported accounts ("华为" for "华为技术") is offered as a choice first. "show my plans" lists the plans the
user may see; "resume my plan" reopens the latest draft. When every question is settled, "submit" sends it
for review.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from datetime import date
from typing import Any, ClassVar

from pydantic import BaseModel, ValidationError

from bot.coach.forms.display import join, label
from bot.coach.forms.form import Form, Session
from bot.coach.forms.slots import Slot
from bot.coach.reply import Choice, PlanSection, PlanView
from bot.errors import InputError
from bot.plans.model import (
    CATALOGUE,
    SECTIONS,
    AccountPlan,
    ColumnSpec,
    FieldSpec,
    completeness,
    get_value,
    is_settled,
    with_value,
)
from bot.plans.repository import PlanRecord, PlanRepository
from bot.plans.wording import shared_label
from kam_rules.formatting import format_amount, format_date

ACCOUNT = "account"
ACCOUNT_CHOICE = "account_choice"
NEW_ACCOUNT = "new"


def _column(spec: ColumnSpec) -> Slot:
    return Slot(
        spec.name, spec.kind, required=spec.required, choices=spec.choices, wording=("columns", spec.name)
    )


def _row_validator(spec: FieldSpec) -> Callable[[dict[str, Any]], dict[str, Any]] | None:
    """A table row checked against the plan's row model (an outcome value cannot be negative...), the
    column that fails named as it is for a cell that cannot be read."""
    model = spec.row_model
    if model is None:
        return None

    def check(row: dict[str, Any]) -> dict[str, Any]:
        try:
            model.model_validate(row)
        except ValidationError as invalid:
            first = invalid.errors()[0]
            column = str(first["loc"][0]) if first.get("loc") else spec.columns[0].name
            reason = "negative" if first.get("type") == "greater_than_equal" else "invalid"
            raise InputError(
                "cell", column=column, cell=str(row.get(column, "")), inner=InputError(reason)
            ) from None
        return row

    return check


def slot_of(spec: FieldSpec) -> Slot:
    return Slot(
        spec.path,
        spec.kind,
        required=spec.required,
        choices=spec.choices,
        columns=tuple(_column(column) for column in spec.columns),
        min_rows=spec.min_rows,
        max_rows=spec.max_rows,
        section=spec.section,
        validate_row=_row_validator(spec),
    )


FIELD_SLOTS = tuple(slot_of(spec) for spec in CATALOGUE)
META_SLOTS = (Slot(ACCOUNT, "text"), Slot(ACCOUNT_CHOICE, "choice"))


class PlanData(BaseModel):
    plan_id: int | None = None
    typed: str = ""
    """The account name as the user typed it, while they choose between close matches."""
    candidates: list[str] = []


def _json(value: Any) -> Any:
    if isinstance(value, BaseModel):
        return value.model_dump(mode="json")
    if isinstance(value, list):
        return [_json(item) for item in value]
    if isinstance(value, date):
        return value.isoformat()
    return value


class PlanForm(Form):
    kind: ClassVar[str] = "plan"
    intent = "plan"
    wording_file = "plan.yaml"
    Data = PlanData
    keeps_answers_in_state = False
    plan_data = True

    def __init__(self, plans: PlanRepository) -> None:
        super().__init__([*META_SLOTS, *FIELD_SLOTS])
        self.plans = plans

    def correctable(self) -> list[Slot]:
        return list(FIELD_SLOTS)

    # ---------- recognising requests ----------
    def _patterns(self, s: Session, group: str) -> list[re.Pattern[str]]:
        entry = s.wording.data(group, default={})
        return [re.compile(p) for language in ("en", "zh") for p in entry.get(language, [])]

    def account_in(self, s: Session, text: str) -> str | None:
        for pattern in self._patterns(s, "start_patterns"):
            match = pattern.match(text.strip())
            if match:
                account = match.group("account").strip(" \"'“”‘’「」《》")
                if (
                    account
                    and s.tools.commands.command(account) is None
                    and account.casefold() not in {"my", "our", "a", "the", "我", "我们", "我的"}
                ):
                    return account
        return None

    def wants_list(self, s: Session, text: str) -> bool:
        from bot.coach.forms.commands import normalise

        return normalise(text) in {
            normalise(word) for word in s.wording.data("list_words", "en", default=[])
        } | {normalise(word) for word in s.wording.data("list_words", "zh", default=[])}

    def wants_resume(self, s: Session, text: str) -> bool:
        return any(pattern.match(text.strip()) for pattern in self._patterns(s, "resume_patterns"))

    def claims(self, s: Session, text: str) -> bool:
        return bool(self.wants_list(s, text) or self.wants_resume(s, text) or self.account_in(s, text))

    # ---------- the plan this conversation is on ----------
    def record(self, s: Session) -> PlanRecord | None:
        plan_id = self.data(s).plan_id
        if plan_id is None:
            return None
        cached = s.cache.get("plan")
        if cached is None or cached.id != plan_id:
            try:
                cached = self.plans.load(plan_id)
            except KeyError:  # the plan was deleted meanwhile: ask for the account again
                self.set_data(s, PlanData())
                return None
            s.cache["plan"] = cached
        return cached

    @staticmethod
    def _refresh(s: Session, record: PlanRecord) -> None:
        s.cache["plan"] = record

    def values(self, s: Session) -> dict[str, Any]:
        record = self.record(s)
        data = self.data(s)
        values: dict[str, Any] = {ACCOUNT: record.account_name if record else None}
        if record is None:
            return values
        values[ACCOUNT_CHOICE] = record.account_name
        for spec in CATALOGUE:
            values[spec.path] = _json(get_value(record.plan, spec.path))
        del data
        return values

    def settled(self, s: Session, slot: Slot) -> bool:
        record = self.record(s)
        if slot.name == ACCOUNT:
            return record is not None or bool(self.data(s).candidates)
        if slot.name == ACCOUNT_CHOICE:
            return record is not None
        return record is not None and is_settled(record.plan, slot.name)

    def needed(self, s: Session) -> list[str]:
        if self.record(s) is None:
            return [ACCOUNT_CHOICE if self.data(s).candidates else ACCOUNT]
        return [slot.name for slot in FIELD_SLOTS if not self.settled(s, slot)]

    def progress(self, s: Session):
        from bot.coach.reply import Progress

        record = self.record(s)
        if record is None:
            return Progress(done=0, total=len(CATALOGUE))
        settled = sum(1 for spec in CATALOGUE if is_settled(record.plan, spec.path))
        return Progress(done=settled, total=len(CATALOGUE))

    # ---------- writing answers ----------
    def _validate(self, record: PlanRecord, path: str, value: Any) -> None:
        try:
            with_value(record.plan, path, value)
        except ValidationError as invalid:
            kind = invalid.errors()[0].get("type", "")
            raise InputError("negative" if kind == "greater_than_equal" else "invalid") from None

    def store(self, s: Session, slot: Slot, value: Any, raw: str) -> None:
        if slot.name == ACCOUNT:
            self._open(s, str(value), resolve=True)
            return
        if slot.name == ACCOUNT_CHOICE:
            data = self.data(s)
            self._open(s, data.typed if value == NEW_ACCOUNT else str(value), resolve=False)
            return
        record = self.record(s)
        assert record is not None
        self._validate(record, slot.name, value)
        self._refresh(
            s, self.plans.apply(record.id, s.turn.user_id, slot.name, "answer", raw_text=raw, value=value)
        )

    def add_rows(self, s: Session, slot: Slot, rows: list[dict[str, Any]], raw: str) -> int:
        record = self.record(s)
        assert record is not None
        current = list(get_value(record.plan, slot.name))
        kept = 0
        for row in rows:
            if slot.max_rows is not None and len(current) + kept >= slot.max_rows:
                break
            self._validate(record, slot.name, [*_json(current), row])
            record = self.plans.apply(
                record.id, s.turn.user_id, slot.name, "add_row", raw_text=raw, value=row
            )
            kept += 1
        self._refresh(s, record)
        return kept

    def clear(self, s: Session, slot: Slot) -> None:
        record = self.record(s)
        assert record is not None
        self._refresh(s, self.plans.apply(record.id, s.turn.user_id, slot.name, "clear"))

    def skip(self, s: Session, slot: Slot) -> None:
        record = self.record(s)
        assert record is not None
        self._refresh(s, self.plans.apply(record.id, s.turn.user_id, slot.name, "skip", raw_text=s.turn.text))

    # ---------- opening a plan ----------
    def _open(self, s: Session, name: str, *, resolve: bool) -> None:
        data = self.data(s)
        if resolve:
            close = self.plans.close_accounts(name)
            exact = [n for n in close if n.casefold() == " ".join(name.split()).casefold()]
            if close and not exact:
                self.set_data(s, PlanData(typed=name, candidates=close))
                s.lines.append(s.word("phrases", "close_matches", typed=name))
                return
        result = self.plans.open_for_edit(s.turn.user_id, name)
        if result.plan is None:
            s.lines.append(s.word("phrases", "denied_edit", account=result.account_name or name))
            s.closed = True
            return
        record = result.plan
        if record.status != "draft":
            status = s.word("statuses", record.status)
            s.lines.append(s.word("phrases", "locked", account=record.account_name, status=status))
            s.closed = True
            return
        self.set_data(s, PlanData(plan_id=record.id))
        self._refresh(s, record)
        key = "started" if result.created else "resumed"
        s.lines.append(
            s.word("phrases", key, account=record.account_name, percent=record.completeness.percent())
        )
        del data

    def choices(self, s: Session, slot: Slot) -> list[Choice]:
        if slot.name == ACCOUNT_CHOICE:
            data = self.data(s)
            new = Choice(id=NEW_ACCOUNT, label=s.word("phrases", "new_account", typed=data.typed))
            return [*(Choice(id=name, label=name) for name in data.candidates), new]
        return super().choices(s, slot)

    def interpret(self, s: Session, slot: Slot, text: str) -> bool:
        if slot.name != ACCOUNT_CHOICE:
            return False
        choices = self.choices(s, slot)
        from bot.coach.forms.commands import normalise

        wanted = normalise(text)
        for number, choice in enumerate(choices, 1):
            if wanted in (str(number), normalise(choice.id), normalise(choice.label)):
                self.store(s, slot, choice.id, text)
                s.state.answered(slot.name)
                return True
        raise InputError("choice", text=text)

    def begin(self, s: Session) -> None:
        text = s.turn.text.strip()
        if self.wants_list(s, text):
            self._list(s)
            s.closed = True
            return
        if self.wants_resume(s, text) and not self.account_in(s, text):
            drafts = [plan for plan in self.plans.drafts_of(s.turn.user_id) if plan.status == "draft"]
            if not drafts:
                s.lines.append(s.word("phrases", "no_draft_to_resume"))
                s.closed = True
                return
            self._open(s, drafts[0].account_name, resolve=False)
            return
        account = self.account_in(s, text)
        if account:
            self._open(s, account, resolve=True)

    def _list(self, s: Session) -> None:
        plans = self.plans.visible_to(s.turn.user_id)
        if not plans:
            s.lines.append(s.word("phrases", "no_plans"))
            return
        lines = [s.word("phrases", "plans_heading")]
        for plan in plans:
            lines.append(
                s.word(
                    "phrases",
                    "plans_line",
                    account=plan.account_name,
                    status=s.word("statuses", plan.status),
                    percent=plan.completeness.percent(),
                    updated=format_date(plan.updated_at.date(), s.language),
                )
            )
        s.lines.append("\n".join(lines))

    # ---------- wording ----------
    def question_values(self, s: Session) -> dict[str, Any]:
        record = self.record(s)
        data = self.data(s)
        kinds = next(
            (column.choices for slot in FIELD_SLOTS for column in slot.columns if column.kind == "choice"), ()
        )
        return {
            "account": record.account_name if record else data.typed,
            "typed": data.typed,
            "kinds": join(s, [self.choice_label(s, kind) for kind in kinds]),
        }

    def section_title(self, s: Session, slot: Slot) -> str:
        return s.word("sections", slot.section) if slot.section else ""

    def command(self, s: Session, name: str) -> bool:
        if name != "submit":
            return False
        record = self.record(s)
        if record is None:
            return False
        score = record.completeness
        if not score.ready_for_review:
            labels = [label(s, self.slots[path]) for path in score.required_missing]
            s.lines.append(s.word("phrases", "not_ready", fields=join(s, labels)))
            return True
        updated, _decision = self.plans.set_status(record.id, s.turn.user_id, "in_review")
        if updated is None:
            s.lines.append(s.word("phrases", "denied_edit", account=record.account_name))
            return True
        self._refresh(s, updated)
        s.lines.append(s.word("phrases", "submitted", account=record.account_name))
        s.closed = True
        return True

    def status(self, s: Session) -> list[str]:
        record = self.record(s)
        if record is None:
            return [s.word("phrases", "ask_account")]
        return [self.status_text(s, record)]

    def status_text(self, s: Session, record: PlanRecord) -> str:
        plan: AccountPlan = record.plan
        score = completeness(plan)
        lines = [
            s.word(
                "phrases",
                "status_heading",
                account=record.account_name,
                percent=score.percent(),
                filled=score.filled,
                total=score.total,
                status=s.word("statuses", record.status),
            )
        ]
        for section in score.sections:
            lines.append(
                s.word(
                    "phrases",
                    "status_section",
                    section=s.word("sections", section.section),
                    filled=section.filled,
                    total=section.total,
                )
            )
        if score.required_missing:
            labels = [label(s, self.slots[path]) for path in score.required_missing]
            lines.append(s.word("phrases", "status_missing", fields=join(s, labels)))
        else:
            lines.append(s.word("phrases", "status_ready"))
        value = plan.value
        if value.tier:
            tier = shared_label(s.tools.catalogue, "tiers", value.tier, s.language)
            lines.append(
                s.word(
                    "phrases",
                    "status_tier",
                    tier=tier,
                    value=format_amount(value.total_value or 0, s.language),
                )
            )
        else:
            lines.append(s.word("phrases", "status_no_tier"))
        ranked = plan.goals.ranked_opportunities or []
        if ranked:
            lines.append(s.word("phrases", "ranked_heading"))
            for item in ranked:
                lines.append(
                    s.word(
                        "phrases",
                        "ranked_line",
                        rank=item.rank,
                        name=item.name,
                        quadrant=shared_label(s.tools.catalogue, "quadrants", item.quadrant, s.language),
                        value=format_amount(item.expected_value, s.language),
                    )
                )
        schedule = plan.review.schedule or []
        if schedule and value.tier:
            lines.append(s.word("phrases", "schedule_heading", tier=tier))
            for event in schedule:
                lines.append(
                    s.word(
                        "phrases",
                        "schedule_line",
                        date=format_date(event.date, s.language),
                        event=shared_label(s.tools.catalogue, "events", event.kind, s.language),
                    )
                )
        return "\n".join(lines)

    def complete(self, s: Session) -> None:
        record = self.record(s)
        if record is None:
            s.closed = True
            return
        s.lines.append(
            s.word("phrases", "complete", account=record.account_name, percent=record.completeness.percent())
        )
        s.lines.append(self.status_text(s, record))
        s.lines.append(s.word("phrases", "complete_next"))

    def view(self, s: Session) -> None:
        record = self.record(s)
        if record is None:
            return
        score = record.completeness
        s.plan = PlanView(
            id=record.id,
            account=record.account_name,
            status=record.status,
            percent=score.percent(),
            sections=[
                PlanSection(
                    id=section.section,
                    title=s.word("sections", section.section),
                    done=section.filled,
                    total=section.total,
                )
                for section in score.sections
                if section.section in SECTIONS
            ],
        )
