"""The account plan (seed chunks 30-31 and 38) as a pydantic model, and the field catalogue derived from it.

Every field the drafting dialog asks for is declared here once, with ``asked(kind, ...)``: its type
(text, choice, money, share, int, date, person, list of text, or a table of rows), whether it is required,
and for tables the row model whose fields are the columns. ``CATALOGUE`` walks the model in declaration
order and lists those fields; the dialog iterates over it, so adding a field to the model (and its wording
to ``prompts/plan_questions.yaml``) is all it takes to ask one more question.

Fields marked ``derived`` are computed by the rules (the tier from ``kam_rules.tiering``, the ranked
opportunities from ``kam_rules.opportunities``, the review schedule from ``kam_rules.cadence``) and never
asked.
"""

from __future__ import annotations

import types
import typing
from dataclasses import dataclass
from datetime import date
from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field

from kam_rules.opportunities import OpportunityKind

FieldKind = Literal["text", "choice", "money", "share", "int", "date", "person", "bool", "list", "table"]
"""The same kinds as the form engine's slots (``bot.coach.reply.SlotKind``)."""
SegmentSize = Literal["large_org", "sme", "residential"]
SegmentType = Literal["technically_complex", "service_responsive", "general"]
DecisionLevel = Literal["local", "headquarters", "both"]
PricePosition = Literal["premium", "parity", "discount"]
VisitFrequency = Literal["weekly", "fortnightly", "monthly", "quarterly"]
PlanStatus = Literal["draft", "in_review", "approved"]
PLAN_STATUSES: tuple[str, ...] = typing.get_args(PlanStatus)

Money = Annotated[float, Field(allow_inf_nan=False)]
NonNegativeMoney = Annotated[float, Field(ge=0, allow_inf_nan=False)]
Share = Annotated[float, Field(ge=0, le=1, allow_inf_nan=False)]


def asked(kind: FieldKind, *, required: bool = True, min_rows: int = 1, max_rows: int | None = None) -> Any:
    """A field the drafting dialog asks for. Lists and tables default to empty, others to None."""
    extra: dict[str, Any] = {
        "ask": {"kind": kind, "required": required, "min_rows": min_rows, "max_rows": max_rows}
    }
    if kind in ("list", "table"):
        return Field(default_factory=list, json_schema_extra=extra)
    return Field(default=None, json_schema_extra=extra)


def column(kind: FieldKind, *, required: bool = True, default: Any = None) -> Any:
    """A column of a table row."""
    extra: dict[str, Any] = {"ask": {"kind": kind, "required": required}}
    if required:
        return Field(json_schema_extra=extra)
    return Field(default=default, json_schema_extra=extra)


def derived() -> Any:
    """Computed by the rules, never asked."""
    return Field(default=None, json_schema_extra={"derived": True})


class _Part(BaseModel):
    model_config = ConfigDict(extra="ignore", validate_assignment=True)


class PersonRef(_Part):
    """Someone named in the plan: a Slack user (``id``) or just a name (a customer contact, a partner)."""

    id: str | None = None
    name: str = Field(min_length=1)

    def label(self) -> str:
        return self.name if self.name else (self.id or "")


# ---------- table rows ----------
class SalesLine(_Part):
    product: str = column("text")
    annual_sales: Money = column("money")


class OpportunityRow(_Part):
    name: str = column("text")
    kind: OpportunityKind = column("choice")
    outcome_value: NonNegativeMoney = column("money")
    success_probability: Share = column("share")


class ProductTarget(_Part):
    product: str = column("text")
    target: Money = column("money")


class TeamMember(_Part):
    person: PersonRef = column("person")
    role: str = column("text")


class CommunicationRow(_Part):
    audience: str = column("text")
    channel: str = column("text")
    frequency: str = column("text")
    owner: PersonRef = column("person")


class ActivityRow(_Part):
    activity: str = column("text")
    owner: PersonRef = column("person")
    due: date = column("date")
    milestone: bool = column("bool", required=False, default=False)


class RankedOpportunityView(_Part):
    rank: int
    name: str
    kind: str
    quadrant: str
    expected_value: float


class ReviewEventView(_Part):
    date: date
    kind: str


# ---------- sections ----------
class CustomerInfo(_Part):
    name: str | None = asked("text")
    industry: str | None = asked("text")
    segment_size: SegmentSize | None = asked("choice")
    segment_type: SegmentType | None = asked("choice")
    employees: Annotated[int, Field(ge=0)] | None = asked("int", required=False)
    current_sales: list[SalesLine] = asked("table", max_rows=20)
    profitability: Share | None = asked("share")
    decision_makers: list[str] = asked("list")
    decision_level: DecisionLevel | None = asked("choice")
    decision_process: str | None = asked("text", required=False)
    key_purchase_factors: list[str] = asked("list")
    trends: list[str] = asked("list", required=False)


class AccountValueSection(_Part):
    profit_contribution: Money | None = asked("money")
    cost_to_serve: NonNegativeMoney | None = asked("money")
    learning_value: NonNegativeMoney | None = asked("money", required=False)
    skill_value: NonNegativeMoney | None = asked("money", required=False)
    referral_value: NonNegativeMoney | None = asked("money", required=False)
    other_intangible_value: NonNegativeMoney | None = asked("money", required=False)
    potential_value: Money | None = asked("money", required=False)
    tier: Literal["key", "important", "standard"] | None = derived()
    total_value: float | None = derived()


class Goals(_Part):
    opportunities: list[OpportunityRow] = asked("table", max_rows=5)
    risks: list[str] = asked("list")
    targets_by_product: list[ProductTarget] = asked("table", max_rows=20)
    ranked_opportunities: list[RankedOpportunityView] | None = derived()


class ValueProposition(_Part):
    target_customers: str | None = asked("text")
    price_position: PricePosition | None = asked("choice")
    advantage: str | None = asked("text")


class Strategy(_Part):
    call_plan: str | None = asked("text")
    visit_frequency: VisitFrequency | None = asked("choice")
    team: list[TeamMember] = asked("table", max_rows=20)
    measures: list[str] = asked("list")
    milestones: list[str] = asked("list", required=False)


class CommunicationPlan(_Part):
    rows: list[CommunicationRow] = asked("table", max_rows=20)


class ImplementationPlan(_Part):
    activities: list[ActivityRow] = asked("table", max_rows=30)


class ReviewPlan(_Part):
    start_date: date | None = asked("date")
    schedule: list[ReviewEventView] | None = derived()


class AccountPlan(_Part):
    """One account's plan. Sections in the order the dialog drafts them."""

    customer: CustomerInfo = Field(default_factory=CustomerInfo)
    value: AccountValueSection = Field(default_factory=AccountValueSection)
    goals: Goals = Field(default_factory=Goals)
    value_proposition: ValueProposition = Field(default_factory=ValueProposition)
    strategy: Strategy = Field(default_factory=Strategy)
    communication: CommunicationPlan = Field(default_factory=CommunicationPlan)
    implementation: ImplementationPlan = Field(default_factory=ImplementationPlan)
    review: ReviewPlan = Field(default_factory=ReviewPlan)
    skipped: list[str] = Field(default_factory=list)
    """Optional fields the user chose to leave out (so they are not asked again)."""


# ---------- the catalogue ----------
@dataclass(frozen=True)
class ColumnSpec:
    name: str
    kind: FieldKind
    required: bool
    choices: tuple[str, ...] = ()


@dataclass(frozen=True)
class FieldSpec:
    path: str
    section: str
    name: str
    kind: FieldKind
    required: bool
    choices: tuple[str, ...] = ()
    columns: tuple[ColumnSpec, ...] = ()
    row_model: type[BaseModel] | None = None
    min_rows: int = 1
    max_rows: int | None = None
    index: int = 0

    @property
    def is_table(self) -> bool:
        return self.kind == "table"

    @property
    def is_list(self) -> bool:
        return self.kind in ("table", "list")


def _strip_optional(annotation: Any) -> Any:
    origin = typing.get_origin(annotation)
    if origin in (typing.Union, types.UnionType):
        args = [arg for arg in typing.get_args(annotation) if arg is not type(None)]
        if len(args) == 1:
            return _strip_optional(args[0])
    if origin is Annotated:
        return _strip_optional(typing.get_args(annotation)[0])
    return annotation


def _choices(annotation: Any) -> tuple[str, ...]:
    inner = _strip_optional(annotation)
    if typing.get_origin(inner) is Literal:
        return tuple(str(arg) for arg in typing.get_args(inner))
    return ()


def _ask_meta(field_info) -> dict[str, Any] | None:
    extra = field_info.json_schema_extra
    if isinstance(extra, dict) and isinstance(extra.get("ask"), dict):
        return extra["ask"]
    return None


def _columns(row_model: type[BaseModel]) -> tuple[ColumnSpec, ...]:
    columns = []
    for name, info in row_model.model_fields.items():
        meta = _ask_meta(info)
        if meta is None:
            continue
        columns.append(ColumnSpec(name, meta["kind"], meta["required"], _choices(info.annotation)))
    return tuple(columns)


def build_catalogue(model: type[BaseModel] = AccountPlan) -> tuple[FieldSpec, ...]:
    specs: list[FieldSpec] = []
    for section, section_info in model.model_fields.items():
        section_model = _strip_optional(section_info.annotation)
        if not (isinstance(section_model, type) and issubclass(section_model, BaseModel)):
            continue
        for name, info in section_model.model_fields.items():
            meta = _ask_meta(info)
            if meta is None:
                continue
            row_model = None
            columns: tuple[ColumnSpec, ...] = ()
            if meta["kind"] == "table":
                (row_model,) = typing.get_args(_strip_optional(info.annotation))
                columns = _columns(row_model)
            specs.append(
                FieldSpec(
                    path=f"{section}.{name}",
                    section=section,
                    name=name,
                    kind=meta["kind"],
                    required=meta["required"],
                    choices=_choices(info.annotation),
                    columns=columns,
                    row_model=row_model,
                    min_rows=meta.get("min_rows") or 1,
                    max_rows=meta.get("max_rows"),
                    index=len(specs),
                )
            )
    return tuple(specs)


CATALOGUE: tuple[FieldSpec, ...] = build_catalogue()
FIELDS: dict[str, FieldSpec] = {spec.path: spec for spec in CATALOGUE}
SECTIONS: tuple[str, ...] = tuple(dict.fromkeys(spec.section for spec in CATALOGUE))


# ---------- reading and writing values by path ----------
def get_value(plan: AccountPlan, path: str) -> Any:
    section, name = path.split(".", 1)
    return getattr(getattr(plan, section), name)


def is_filled(plan: AccountPlan, path: str) -> bool:
    value = get_value(plan, path)
    if value is None:
        return False
    if isinstance(value, (list, str)):
        return len(value) > 0
    return True


def with_value(plan: AccountPlan, path: str, value: Any) -> AccountPlan:
    """A copy of the plan with ``path`` set to ``value`` (validated; raises ValidationError)."""
    data = plan.model_dump(mode="json")
    section, name = path.split(".", 1)
    if isinstance(value, BaseModel):
        value = value.model_dump(mode="json")
    elif isinstance(value, list):
        value = [item.model_dump(mode="json") if isinstance(item, BaseModel) else item for item in value]
    elif isinstance(value, date):
        value = value.isoformat()
    data[section][name] = value
    if path in data["skipped"] and value not in (None, [], ""):
        data["skipped"] = [p for p in data["skipped"] if p != path]
    return AccountPlan.model_validate(data)


def with_skipped(plan: AccountPlan, path: str) -> AccountPlan:
    if path in plan.skipped:
        return plan
    return plan.model_copy(update={"skipped": [*plan.skipped, path]})


def is_settled(plan: AccountPlan, path: str) -> bool:
    """Filled, or an optional field the user skipped: the dialog does not ask it again by itself."""
    return is_filled(plan, path) or (path in plan.skipped and not FIELDS[path].required)


def next_unsettled(plan: AccountPlan) -> FieldSpec | None:
    for spec in CATALOGUE:
        if not is_settled(plan, spec.path):
            return spec
    return None


def previous_field(path: str | None) -> FieldSpec | None:
    if path is None:
        return CATALOGUE[-1]
    index = FIELDS[path].index
    return CATALOGUE[index - 1] if index > 0 else None


# ---------- completeness ----------
class SectionCompleteness(BaseModel):
    section: str
    filled: int
    total: int
    required_missing: list[str]
    score: float
    """Share of the section's fields that are filled, 0..1."""


class Completeness(BaseModel):
    sections: list[SectionCompleteness]
    filled: int
    total: int
    score: float
    required_missing: list[str]

    @property
    def ready_for_review(self) -> bool:
        return not self.required_missing

    def percent(self) -> int:
        return round(self.score * 100)


def completeness(plan: AccountPlan) -> Completeness:
    sections = []
    for section in SECTIONS:
        specs = [spec for spec in CATALOGUE if spec.section == section]
        filled = sum(1 for spec in specs if is_filled(plan, spec.path))
        missing = [spec.path for spec in specs if spec.required and not is_filled(plan, spec.path)]
        sections.append(
            SectionCompleteness(
                section=section,
                filled=filled,
                total=len(specs),
                required_missing=missing,
                score=filled / len(specs) if specs else 1.0,
            )
        )
    filled = sum(s.filled for s in sections)
    total = sum(s.total for s in sections)
    return Completeness(
        sections=sections,
        filled=filled,
        total=total,
        score=filled / total if total else 1.0,
        required_missing=[path for s in sections for path in s.required_missing],
    )
