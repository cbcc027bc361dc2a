"""Prioritising growth opportunities by size of outcome and likelihood of success (seed chunks 11-13;
contracts section 3).

``big = outcome_value >= value_threshold`` and ``likely = success_probability >= probability_threshold``:
big and likely -> ``act_now`` (马上行动); big, not likely -> ``plan_attack`` (计划出击); likely, not big ->
``opportunistic`` (伺机而动); neither -> ``shelve`` (搁置). ``rank`` orders act_now, plan_attack,
opportunistic, shelve; inside a quadrant by expected value (``outcome_value * success_probability``)
high to low, then name (then kind and input order, so the order is always total). A missing
``value_threshold`` is the median outcome value of the list (the mean of the two middle values for an
even count). Both comparisons are plain ``>=``: a value exactly at a threshold is big / likely.
"""

from __future__ import annotations

import statistics
from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator, validate_call

from kam_rules import wording
from kam_rules.formatting import format_amount, format_share
from kam_rules.rationale import Language, with_citation

OpportunityKind = Literal[
    "increase_usage",
    "cross_sell",
    "price_mix",
    "prune_unprofitable",
    "new_customer_core",
    "new_customer_adjacent",
]
OPPORTUNITY_KINDS: tuple[str, ...] = OpportunityKind.__args__  # type: ignore[attr-defined]
Quadrant = Literal["act_now", "plan_attack", "opportunistic", "shelve"]
QUADRANT_ORDER: tuple[Quadrant, ...] = ("act_now", "plan_attack", "opportunistic", "shelve")

SEED_CHUNKS = (11, 12, 13)

Probability = Annotated[float, Field(ge=0, le=1, allow_inf_nan=False)]
Value = Annotated[float, Field(ge=0, allow_inf_nan=False)]


def normalise_kind(value: object) -> object:
    """'Cross-sell', 'cross sell' and 'CROSS_SELL' all mean cross_sell."""
    if isinstance(value, str):
        return value.strip().lower().replace("-", "_").replace(" ", "_")
    return value


class Opportunity(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")

    name: str = Field(min_length=1)
    kind: OpportunityKind
    outcome_value: Value = Field(description="size of the outcome (e.g. extra annual revenue or profit)")
    success_probability: Probability = Field(description="likelihood of success, a fraction 0..1")

    @field_validator("kind", mode="before")
    @classmethod
    def _kind(cls, value: object) -> object:
        return normalise_kind(value)


class RankedOpportunity(BaseModel):
    name: str
    kind: OpportunityKind
    quadrant: Quadrant
    expected_value: float
    rank: int = Field(ge=1)
    outcome_value: float
    success_probability: float
    rationale: str


class OpportunityMatrix(BaseModel):
    """The ranked list with the thresholds actually used (the median when none was given)."""

    opportunities: list[RankedOpportunity]
    value_threshold: float | None
    probability_threshold: float
    rationale: str


class RankInput(BaseModel):
    """Input of the ranking tool: opportunities and the two thresholds."""

    model_config = ConfigDict(extra="forbid")

    opportunities: list[Opportunity]
    value_threshold: Value | None = Field(
        None, description="outcome value at or above which an opportunity is big; default: the median"
    )
    probability_threshold: Probability = Field(
        0.5, description="probability at or above which success is likely"
    )
    language: Language = "en"


@validate_call
def classify(
    outcome_value: Value,
    success_probability: Probability,
    value_threshold: Value,
    probability_threshold: Probability = 0.5,
) -> Quadrant:
    """The quadrant of one opportunity."""
    big = outcome_value >= value_threshold
    likely = success_probability >= probability_threshold
    if big:
        return "act_now" if likely else "plan_attack"
    return "opportunistic" if likely else "shelve"


def median_value(opportunities: list[Opportunity]) -> float | None:
    """The median outcome value, or None for an empty list."""
    if not opportunities:
        return None
    return float(statistics.median(opp.outcome_value for opp in opportunities))


def prioritise(request: RankInput) -> OpportunityMatrix:
    """Rank the opportunities and report the thresholds used."""
    lang = request.language
    threshold = request.value_threshold
    if threshold is None:
        threshold = median_value(request.opportunities)
    ranked = _rank(request.opportunities, threshold, request.probability_threshold, lang)
    labels = wording.labels(lang, "opportunities", "quadrants")
    counts = [
        wording.text(
            lang,
            "opportunities",
            "quadrant_count",
            count=sum(1 for r in ranked if r.quadrant == quadrant),
            quadrant=labels[quadrant],
        )
        for quadrant in QUADRANT_ORDER
    ]
    source = "median" if request.value_threshold is None else "given"
    text = wording.text(
        lang,
        "opportunities",
        "summary",
        count=len(ranked),
        value_threshold=(
            format_amount(threshold, lang)
            if threshold is not None
            else wording.text(lang, "opportunities", "no_threshold")
        ),
        source=wording.text(lang, "opportunities", "threshold_sources", source),
        probability_threshold=format_share(request.probability_threshold, lang),
        counts=wording.text(lang, "opportunities", "count_separator").join(counts),
    )
    return OpportunityMatrix(
        opportunities=ranked,
        value_threshold=threshold,
        probability_threshold=request.probability_threshold,
        rationale=with_citation(text, lang, *SEED_CHUNKS),
    )


def rank(
    opportunities: list[Opportunity],
    value_threshold: float | None = None,
    probability_threshold: float = 0.5,
    language: Language = "en",
) -> list[RankedOpportunity]:
    """Classify and order the opportunities (contracts section 3). Raises ValidationError on bad input."""
    request = RankInput(
        opportunities=list(opportunities),
        value_threshold=value_threshold,
        probability_threshold=probability_threshold,
        language=language,
    )
    return prioritise(request).opportunities


def _rank(
    opportunities: list[Opportunity],
    value_threshold: float | None,
    probability_threshold: float,
    lang: Language,
) -> list[RankedOpportunity]:
    if value_threshold is None:
        return []
    rows = []
    for index, opp in enumerate(opportunities):
        quadrant = classify(
            opp.outcome_value, opp.success_probability, value_threshold, probability_threshold
        )
        expected = opp.outcome_value * opp.success_probability
        rows.append((QUADRANT_ORDER.index(quadrant), -expected, opp.name, opp.kind, index, quadrant, opp))
    rows.sort(key=lambda row: row[:5])
    ranked = []
    for position, (_, negative_expected, _, _, _, quadrant, opp) in enumerate(rows, start=1):
        ranked.append(
            RankedOpportunity(
                name=opp.name,
                kind=opp.kind,
                quadrant=quadrant,
                expected_value=-negative_expected,
                rank=position,
                outcome_value=opp.outcome_value,
                success_probability=opp.success_probability,
                rationale=_one_rationale(opp, quadrant, value_threshold, probability_threshold, lang),
            )
        )
    return ranked


def _one_rationale(
    opp: Opportunity, quadrant: Quadrant, value_threshold: float, probability_threshold: float, lang: Language
) -> str:
    big = opp.outcome_value >= value_threshold
    likely = opp.success_probability >= probability_threshold
    value_limit = format_amount(value_threshold, lang)
    probability_limit = format_share(probability_threshold, lang)
    size = wording.text(
        lang,
        "opportunities",
        "size",
        "big" if big else "small",
        value=format_amount(opp.outcome_value, lang),
        compare=wording.text(lang, "at_least" if big else "below", value=value_limit),
    )
    chance = wording.text(
        lang,
        "opportunities",
        "chance",
        "likely" if likely else "unlikely",
        probability=format_share(opp.success_probability, lang),
        compare=wording.text(lang, "at_least" if likely else "below", value=probability_limit),
    )
    quadrant_label = wording.text(lang, "opportunities", "quadrants", quadrant)
    text = wording.text(lang, "opportunities", "one", size=size, chance=chance, quadrant=quadrant_label)
    return with_citation(text, lang, *SEED_CHUNKS)
