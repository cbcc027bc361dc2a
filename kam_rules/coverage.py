"""Sales-force efficiency: where sales are lost, macro efficiency and micro efficiency
(seed chunks 17-23).

Three diagnoses:

``diagnose_funnel`` - where sales are lost (chunks 17-19). Of the total market target, the seed's
example loses 25% to accounts never contacted, 30% to accounts contacted but not pursued seriously and
10% to accounts pursued but lost, and wins 35%. The input may be shares or amounts (revenue, deal
counts): it is always normalised by its total, so shares that do not add up to 1 are read as relative
sizes. Negative values and an all-zero funnel are refused.
Each stage is judged against its own benchmark (``stages``): more not contacted, more not pursued and
more lost are ``worse``, more won is ``better``; equal within rounding is ``at_benchmark``.
*Efficiency loss* = not contacted + contacted but not pursued (the seed marks the middle stage
"efficiency/effectiveness"; we count it where most of it is fixed, in coverage); *effectiveness loss* =
pursued but lost. Each is compared with the seed benchmark (55% and 10%).
The rule for what to fix first: chunk 19 says to start with efficiency, because it can be fixed top
down and improves faster. So ``fix_first`` is ``efficiency`` unless both coverage stages (not contacted,
not pursued) are at or better than their benchmarks while pursued-but-lost is worse than its own; then it is
``effectiveness``. Judging the two coverage stages one by one matters: 40% never contacted is far worse
than the seed's 25% even when few contacted accounts are dropped and the sum stays under 55%. When no stage
is worse it stays ``efficiency`` (the faster lever).

``macro_efficiency`` - is time spent on the accounts with the most potential (chunks 19-21, the Kunming
financial-sector example: 45 accounts, 20 account managers, 9,600 hours a quarter shared evenly, so the
top accounts got far less time than their potential warrants)? Accounts are sorted by potential (high to
low, then name) and grouped into the top 10, accounts 11-20 and the rest; for each group and each
account the share of hours is compared with the share of potential. ``ratio = hours_share /
potential_share``; an account or group is ``under_served`` when ``ratio < 1 - tolerance``,
``over_served`` when ``ratio > 1 + tolerance`` (an account with no potential but some hours is
over-served), else ``balanced``. Default tolerance 0.5: under half, or over one and a half times, the
time its potential warrants. ``target_hours`` allocates the same total hours in proportion to potential.

``micro_efficiency`` - how much selling time is revenue-generating (chunks 22-23). Revenue-generating
activities: face-to-face visits, account planning, proposals; the rest (travel, admin, internal
coordination, error fixing, personnel, training, other) is not. Chunk 22 sets two bands side by side,
"40-50%" and "15-25%", for an average sales force and a high-performing one; the deck's point
("raise micro efficiency, maximise revenue-generating activities") and the McKinsey benchmark it comes
from read as: an average sales force spends 15-25% of its time on revenue-generating work, a
high-performing one 40-50%. So the default *target* band is 40-50% (what good sales forces achieve) and
15-25% is reported as the *average*. ``status`` is ``on_target`` inside the target band,
``above_target`` above it, and below it ``below_average`` (< 15%), ``average`` (15-25%) or
``below_target``.
"""

from __future__ import annotations

from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationInfo, field_validator, model_validator

from kam_rules import wording
from kam_rules.formatting import format_number, format_share
from kam_rules.rationale import Language, is_close, with_citation

NonNegative = Annotated[float, Field(ge=0, allow_inf_nan=False)]
Share = Annotated[float, Field(ge=0, le=1, allow_inf_nan=False)]

# ---------------------------------------------------------------------------------------------------
# Where sales are lost (chunks 17-19)

FUNNEL_STAGES = ("not_contacted", "contacted_not_pursued", "pursued_lost", "won")
FUNNEL_SEED_CHUNKS = (17, 18, 19)


class FunnelShares(BaseModel):
    not_contacted: float
    contacted_not_pursued: float
    pursued_lost: float
    won: float


SEED_FUNNEL = FunnelShares(not_contacted=0.25, contacted_not_pursued=0.30, pursued_lost=0.10, won=0.35)
BENCHMARK_EFFICIENCY_LOSS = 0.55
BENCHMARK_EFFECTIVENESS_LOSS = 0.10
COVERAGE_STAGES = ("not_contacted", "contacted_not_pursued")
HIGHER_IS_BETTER = frozenset({"won"})
StageVerdict = Literal["worse", "at_benchmark", "better"]


class FunnelStage(BaseModel):
    """One stage against the seed: ``gap`` is share minus benchmark; ``verdict`` reads it the right way
    round (a higher share is worse for the three losses, better for won)."""

    stage: str
    share: float
    benchmark: float
    gap: float
    verdict: StageVerdict


def judge_stage(stage: str, share: float) -> FunnelStage:
    benchmark = getattr(SEED_FUNNEL, stage)
    if is_close(share, benchmark):
        verdict: StageVerdict = "at_benchmark"
    else:
        higher = share > benchmark
        verdict = "better" if higher == (stage in HIGHER_IS_BETTER) else "worse"
    return FunnelStage(stage=stage, share=share, benchmark=benchmark, gap=share - benchmark, verdict=verdict)


class FunnelInput(BaseModel):
    """The market target split by where it ended: shares (0..1) or amounts, normalised by their total."""

    model_config = ConfigDict(extra="forbid")

    not_contacted: NonNegative = Field(description="target never contacted")
    contacted_not_pursued: NonNegative = Field(description="contacted but not pursued seriously")
    pursued_lost: NonNegative = Field(description="pursued but lost")
    won: NonNegative = Field(description="won")
    language: Language = "en"

    @model_validator(mode="after")
    def _not_empty(self) -> FunnelInput:
        if self.total <= 0:
            raise ValueError("the funnel is empty: at least one stage must be above zero")
        return self

    @property
    def total(self) -> float:
        return self.not_contacted + self.contacted_not_pursued + self.pursued_lost + self.won


class FunnelDiagnosis(BaseModel):
    shares: FunnelShares
    benchmark: FunnelShares
    stages: list[FunnelStage] = Field(description="each stage against the seed, in funnel order")
    efficiency_loss: float
    effectiveness_loss: float
    benchmark_efficiency_loss: float
    benchmark_effectiveness_loss: float
    efficiency_gap: float = Field(description="efficiency loss minus its benchmark (positive: worse)")
    effectiveness_gap: float = Field(description="effectiveness loss minus its benchmark (positive: worse)")
    fix_first: Literal["efficiency", "effectiveness"]
    rationale: str


def diagnose_funnel(request: FunnelInput) -> FunnelDiagnosis:
    """Where the sales are lost and what to fix first."""
    lang = request.language
    total = request.total
    shares = FunnelShares(**{stage: getattr(request, stage) / total for stage in FUNNEL_STAGES})
    efficiency = shares.not_contacted + shares.contacted_not_pursued
    effectiveness = shares.pursued_lost
    stages = [judge_stage(stage, getattr(shares, stage)) for stage in FUNNEL_STAGES]
    verdicts = {stage.stage: stage.verdict for stage in stages}
    coverage_fine = all(verdicts[stage] != "worse" for stage in COVERAGE_STAGES)
    fix_first: Literal["efficiency", "effectiveness"] = (
        "effectiveness" if coverage_fine and verdicts["pursued_lost"] == "worse" else "efficiency"
    )

    def share(value: float) -> str:
        return format_share(value, lang)

    losses = wording.text(
        lang,
        "coverage",
        "funnel",
        "losses",
        efficiency=share(efficiency),
        efficiency_benchmark=share(BENCHMARK_EFFICIENCY_LOSS),
        effectiveness=share(effectiveness),
        effectiveness_benchmark=share(BENCHMARK_EFFECTIVENESS_LOSS),
        won=share(shares.won),
    )
    stage_labels = wording.labels(lang, "coverage", "stages")
    named = [
        wording.text(
            lang,
            "coverage",
            "funnel",
            "worse_stage",
            stage=stage_labels[s.stage],
            share=share(s.share),
            benchmark=share(s.benchmark),
        )
        for s in stages
        if s.verdict == "worse"
    ]
    if named:
        judged = wording.text(lang, "coverage", "funnel", "worse", stages=wording.join(lang, named))
    else:
        judged = wording.text(lang, "coverage", "funnel", "none_worse")
    advice = wording.text(lang, "coverage", "funnel", "advice", fix_first)
    return FunnelDiagnosis(
        shares=shares,
        benchmark=SEED_FUNNEL,
        stages=stages,
        efficiency_loss=efficiency,
        effectiveness_loss=effectiveness,
        benchmark_efficiency_loss=BENCHMARK_EFFICIENCY_LOSS,
        benchmark_effectiveness_loss=BENCHMARK_EFFECTIVENESS_LOSS,
        efficiency_gap=efficiency - BENCHMARK_EFFICIENCY_LOSS,
        effectiveness_gap=effectiveness - BENCHMARK_EFFECTIVENESS_LOSS,
        fix_first=fix_first,
        rationale=with_citation(wording.sentences(lang, losses, judged, advice), lang, *FUNNEL_SEED_CHUNKS),
    )


# ---------------------------------------------------------------------------------------------------
# Macro efficiency (chunks 19-21)

MACRO_SEED_CHUNKS = (19, 20, 21)
ServiceStatus = Literal["under_served", "balanced", "over_served"]
# (group, first rank, last rank or None for all the rest); their labels are wording.
GROUPS: tuple[tuple[str, int, int | None], ...] = (
    ("top_10", 1, 10),
    ("top_11_20", 11, 20),
    ("rest", 21, None),
)


class AccountEffort(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")

    name: str = Field(min_length=1)
    potential: NonNegative = Field(description="revenue (or profit) potential of the account")
    hours: NonNegative = Field(description="sales hours spent on the account in the period")


class MacroInput(BaseModel):
    model_config = ConfigDict(extra="forbid")

    accounts: list[AccountEffort] = Field(min_length=1)
    tolerance: float = Field(
        0.5,
        ge=0,
        lt=1,
        allow_inf_nan=False,
        description="how far hours share may stray from potential share, relative (0.5: under half or "
        "over 1.5x counts)",
    )
    language: Language = "en"

    @model_validator(mode="after")
    def _totals(self) -> MacroInput:
        if sum(a.potential for a in self.accounts) <= 0:
            raise ValueError("the total potential must be above zero")
        if sum(a.hours for a in self.accounts) <= 0:
            raise ValueError("the total hours must be above zero")
        return self


class AccountCoverage(BaseModel):
    rank: int
    name: str
    group: str
    potential: float
    hours: float
    potential_share: float
    hours_share: float
    ratio: float | None = Field(description="hours share / potential share (None when potential is 0)")
    target_hours: float = Field(description="hours in proportion to potential, same total")
    status: ServiceStatus


class GroupCoverage(BaseModel):
    group: str
    label: str
    first_rank: int
    last_rank: int
    accounts: int
    potential: float
    hours: float
    potential_share: float
    hours_share: float
    ratio: float | None
    target_hours: float
    status: ServiceStatus


class MacroEfficiency(BaseModel):
    total_potential: float
    total_hours: float
    tolerance: float
    groups: list[GroupCoverage]
    accounts: list[AccountCoverage]
    under_served: list[str]
    over_served: list[str]
    rationale: str


def _status(
    potential_share: float, hours_share: float, tolerance: float
) -> tuple[float | None, ServiceStatus]:
    if potential_share <= 0:
        return None, ("over_served" if hours_share > 0 else "balanced")
    ratio = hours_share / potential_share
    if ratio < 1 - tolerance and not is_close(ratio, 1 - tolerance):
        return ratio, "under_served"
    if ratio > 1 + tolerance and not is_close(ratio, 1 + tolerance):
        return ratio, "over_served"
    return ratio, "balanced"


def macro_efficiency(request: MacroInput) -> MacroEfficiency:
    """Compare each account's and group's share of hours with its share of potential."""
    lang = request.language
    ordered = sorted(request.accounts, key=lambda a: (-a.potential, a.name))
    total_potential = sum(a.potential for a in ordered)
    total_hours = sum(a.hours for a in ordered)
    accounts: list[AccountCoverage] = []
    for position, account in enumerate(ordered, start=1):
        group = next(g for g in GROUPS if g[2] is None or position <= g[2])
        potential_share = account.potential / total_potential
        hours_share = account.hours / total_hours
        ratio, status = _status(potential_share, hours_share, request.tolerance)
        accounts.append(
            AccountCoverage(
                rank=position,
                name=account.name,
                group=group[0],
                potential=account.potential,
                hours=account.hours,
                potential_share=potential_share,
                hours_share=hours_share,
                ratio=ratio,
                target_hours=potential_share * total_hours,
                status=status,
            )
        )
    groups: list[GroupCoverage] = []
    group_labels = wording.labels(lang, "coverage", "macro", "groups")
    for key, first, last in GROUPS:
        members = [a for a in accounts if a.group == key]
        if not members:
            continue
        potential = sum(a.potential for a in members)
        hours = sum(a.hours for a in members)
        ratio, status = _status(potential / total_potential, hours / total_hours, request.tolerance)
        groups.append(
            GroupCoverage(
                group=key,
                label=group_labels[key],
                first_rank=first,
                last_rank=members[-1].rank if last is None else min(last, members[-1].rank),
                accounts=len(members),
                potential=potential,
                hours=hours,
                potential_share=potential / total_potential,
                hours_share=hours / total_hours,
                ratio=ratio,
                target_hours=potential / total_potential * total_hours,
                status=status,
            )
        )
    under = [a.name for a in accounts if a.status == "under_served"]
    over = [a.name for a in accounts if a.status == "over_served"]
    top = groups[0]
    parts = [
        wording.text(
            lang,
            "coverage",
            "macro",
            "top",
            count=top.accounts,
            potential_share=format_share(top.potential_share, lang),
            hours_share=format_share(top.hours_share, lang),
            hours=format_number(total_hours, lang),
            status=wording.text(lang, "coverage", "macro", "statuses", top.status),
        ),
        wording.text(
            lang,
            "coverage",
            "macro",
            "served",
            under=len(under),
            over=len(over),
            tolerance=format_share(request.tolerance, lang),
        ),
    ]
    if under:
        parts.append(wording.text(lang, "coverage", "macro", "advice"))
    return MacroEfficiency(
        total_potential=total_potential,
        total_hours=total_hours,
        tolerance=request.tolerance,
        groups=groups,
        accounts=accounts,
        under_served=under,
        over_served=over,
        rationale=with_citation(wording.sentences(lang, *parts), lang, *MACRO_SEED_CHUNKS),
    )


# ---------------------------------------------------------------------------------------------------
# Micro efficiency (chunks 22-23)

MICRO_SEED_CHUNKS = (22, 23)
Activity = Literal[
    "face_to_face_visits",
    "account_planning",
    "proposals",
    "travel",
    "admin",
    "internal_coordination",
    "error_fixing",
    "personnel",
    "training",
    "other",
]
ACTIVITIES: tuple[str, ...] = Activity.__args__  # type: ignore[attr-defined]
REVENUE_GENERATING: frozenset[str] = frozenset({"face_to_face_visits", "account_planning", "proposals"})
AVERAGE_BAND = (0.15, 0.25)
TARGET_BAND = (0.40, 0.50)
ACTIVITY_ALIASES: dict[str, str] = {
    "visits": "face_to_face_visits",
    "face_to_face": "face_to_face_visits",
    "sales_visits": "face_to_face_visits",
    "customer_visits": "face_to_face_visits",
    "planning": "account_planning",
    "proposal": "proposals",
    "administration": "admin",
    "paperwork": "admin",
    "coordination": "internal_coordination",
    "internal": "internal_coordination",
    "errors": "error_fixing",
    "rework": "error_fixing",
    "hr": "personnel",
    "面对面拜访": "face_to_face_visits",
    "销售拜访": "face_to_face_visits",
    "方案": "proposals",
    "内部协调、关系处理": "internal_coordination",
    "文案": "admin",
    "事务管理": "admin",
}
for _language in wording.LANGUAGES:  # each activity's label, in either language, names it too
    for _key, _label in wording.labels(_language, "coverage", "micro", "activities").items():
        ACTIVITY_ALIASES.setdefault(_label.replace("-", "_").replace(" ", "_"), _key)


def normalise_activity(value: str) -> str:
    """'Face-to-face visits', 'face_to_face_visits' and '面对面的销售拜访' all name one activity."""
    key = value.strip().lower().replace("-", "_").replace(" ", "_")
    return ACTIVITY_ALIASES.get(key, key)


class TimesheetEntry(BaseModel):
    activity: Activity
    hours: NonNegative

    @field_validator("activity", mode="before")
    @classmethod
    def _activity(cls, value: object) -> object:
        return normalise_activity(value) if isinstance(value, str) else value


class MicroInput(BaseModel):
    """A timesheet: hours per activity (a mapping, or a list of {activity, hours}; repeats add up)."""

    model_config = ConfigDict(extra="forbid")

    timesheet: dict[Activity, NonNegative] = Field(description="hours per activity")
    target_low: Share = Field(TARGET_BAND[0], description="low end of the target revenue-generating share")
    target_high: Share = Field(
        TARGET_BAND[1], validate_default=True, description="high end of the target revenue-generating share"
    )
    language: Language = "en"

    @field_validator("timesheet", mode="before")
    @classmethod
    def _entries(cls, value: object) -> object:
        if isinstance(value, dict):
            items = list(value.items())
        elif isinstance(value, list):
            items = []
            for entry in value:
                if isinstance(entry, TimesheetEntry):
                    items.append((entry.activity, entry.hours))
                elif isinstance(entry, dict):
                    parsed = TimesheetEntry.model_validate(entry)
                    items.append((parsed.activity, parsed.hours))
                elif isinstance(entry, (tuple, list)) and len(entry) == 2:
                    items.append((entry[0], entry[1]))
                else:
                    return value  # let the field validation report it
        else:
            return value
        merged: dict[object, object] = {}
        for activity, hours in items:
            key = normalise_activity(activity) if isinstance(activity, str) else activity
            if key in merged and isinstance(hours, (int, float)) and isinstance(merged[key], (int, float)):
                merged[key] = merged[key] + hours  # type: ignore[operator]
            else:
                merged[key] = hours
        return merged

    @field_validator("target_high")
    @classmethod
    def _band(cls, value: float, info: ValidationInfo) -> float:
        low = info.data.get("target_low")
        if low is not None and value < low:
            raise ValueError(f"must be at least target_low ({low:g})")
        return value

    @model_validator(mode="after")
    def _check(self) -> MicroInput:
        if sum(self.timesheet.values()) <= 0:
            raise ValueError("the timesheet has no hours")
        return self


class ActivityShare(BaseModel):
    activity: Activity
    label: str
    hours: float
    share: float
    revenue_generating: bool


class MicroEfficiency(BaseModel):
    total_hours: float
    revenue_hours: float
    other_hours: float
    revenue_share: float
    target_low: float
    target_high: float
    average_low: float
    average_high: float
    status: Literal["below_average", "average", "below_target", "on_target", "above_target"]
    hours_to_target: float = Field(
        description="revenue-generating hours to add (same total) to reach target_low"
    )
    activities: list[ActivityShare]
    largest_other_activities: list[str]
    rationale: str


def micro_efficiency(request: MicroInput) -> MicroEfficiency:
    """The revenue-generating share of a timesheet against the target band."""
    lang = request.language
    total = sum(request.timesheet.values())
    revenue = sum(h for a, h in request.timesheet.items() if a in REVENUE_GENERATING)
    share = revenue / total
    low, high = request.target_low, request.target_high
    status: Literal["below_average", "average", "below_target", "on_target", "above_target"]
    if (share > low or is_close(share, low)) and (share < high or is_close(share, high)):
        status = "on_target"
    elif share > high:
        status = "above_target"
    elif share < AVERAGE_BAND[0] and not is_close(share, AVERAGE_BAND[0]):
        status = "below_average"
    elif share < AVERAGE_BAND[1] or is_close(share, AVERAGE_BAND[1]):
        status = "average"
    else:
        status = "below_target"
    activity_labels = wording.labels(lang, "coverage", "micro", "activities")
    activities = sorted(
        (
            ActivityShare(
                activity=activity,
                label=activity_labels[activity],
                hours=hours,
                share=hours / total,
                revenue_generating=activity in REVENUE_GENERATING,
            )
            for activity, hours in request.timesheet.items()
        ),
        key=lambda a: (not a.revenue_generating, -a.hours, ACTIVITIES.index(a.activity)),
    )
    largest_other = [a.activity for a in activities if not a.revenue_generating and a.hours > 0]
    hours_to_target = max(0.0, low * total - revenue)
    text = wording.text(
        lang,
        "coverage",
        "micro",
        "summary",
        share=format_share(share, lang),
        hours=format_number(total, lang),
        status=wording.text(lang, "coverage", "micro", "statuses", status),
        low=format_share(low, lang),
        high=format_share(high, lang),
        average_low=format_share(AVERAGE_BAND[0], lang),
        average_high=format_share(AVERAGE_BAND[1], lang),
    )
    if hours_to_target > 0 and largest_other:
        names = [activity_labels[a] for a in largest_other[:2]]
        move = wording.text(
            lang,
            "coverage",
            "micro",
            "move",
            hours=format_number(round(hours_to_target, 1), lang),
            activities=wording.join(lang, names, "pair_separator"),
        )
        text = wording.sentences(lang, text, move)
    return MicroEfficiency(
        total_hours=total,
        revenue_hours=revenue,
        other_hours=total - revenue,
        revenue_share=share,
        target_low=low,
        target_high=high,
        average_low=AVERAGE_BAND[0],
        average_high=AVERAGE_BAND[1],
        status=status,
        hours_to_target=hours_to_target,
        activities=activities,
        largest_other_activities=largest_other,
        rationale=with_citation(text, lang, *MICRO_SEED_CHUNKS),
    )
