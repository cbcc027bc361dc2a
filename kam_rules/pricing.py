"""The deal-pricing decision tree (seed chunks 16-17; contracts section 2).

Two ways to cost a product (chunk 16): the long-run average incremental cost (LRAIC) is always used,
except when the platform's capacity utilisation is below its effective level; then the marginal cost
is the relevant cost. The tree (chunk 17), with ``floor = list_price * (1 - max_discount)``:

1. Can the winning price be offered within the discount policy (``winning_price >= floor``)?
   Yes -> ``maintain_pricing`` at ``min(list_price, winning_price)`` on the current platform, cost
   basis ``lraic`` when the current platform is at or above its effective utilisation, else
   ``marginal_cost``.
2. No. Is there a lower-cost platform (``alternative`` given with ``alternative.lraic < current.lraic``)?
   - Yes. Do its savings support the winning price (``alternative.lraic <= winning_price``)?
     Yes -> ``migrate_platform`` at the winning price, basis ``lraic``, platform ``alternative``.
     No -> is the new platform under-used (``utilisation < effective_utilisation``) with
     ``marginal_cost <= winning_price``? Yes -> ``marginal_cost_pricing`` on ``alternative``;
     No -> ``escalate_to_management``.
   - No. Is the current platform under-used with ``marginal_cost <= winning_price``?
     Yes -> ``marginal_cost_pricing`` on ``current``; No -> ``escalate_to_management``.

Comparisons in the tree treat values equal within one part in a billion as equal (so that
``90 * (1 - 0.3)``, which is 62.99999999999999 in floating point, is a floor of 63). ``below_cost`` is
the plain comparison ``recommended_price < cost`` where the cost is the one ``cost_basis`` names on
``platform``; it is a warning and never changes the decision.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Annotated, ClassVar, Literal

from pydantic import BaseModel, ConfigDict, Field

from kam_rules import wording
from kam_rules._models import PositionalModel
from kam_rules.formatting import format_amount, format_share
from kam_rules.rationale import Language, ge, lt, with_citation

Decision = Literal["maintain_pricing", "migrate_platform", "marginal_cost_pricing", "escalate_to_management"]
CostBasis = Literal["lraic", "marginal_cost"]
PlatformName = Literal["current", "alternative"]

PositiveAmount = Annotated[float, Field(gt=0, allow_inf_nan=False)]
Share = Annotated[float, Field(ge=0, le=1, allow_inf_nan=False)]

SEED_CHUNKS = (16, 17)


class Platform(PositionalModel):
    """A network or platform the product can run on, with its two unit costs and its utilisation."""

    model_config = ConfigDict(frozen=True, extra="forbid")
    _positional: ClassVar[tuple[str, ...]] = (
        "lraic",
        "marginal_cost",
        "utilisation",
        "effective_utilisation",
    )

    lraic: PositiveAmount = Field(description="long-run average incremental cost per unit")
    marginal_cost: PositiveAmount = Field(description="cost of one more unit while capacity is idle")
    utilisation: Share = Field(description="capacity utilisation, a fraction 0..1")
    effective_utilisation: Share = Field(
        0.75, description="the utilisation below which the platform counts as under-used (fraction 0..1)"
    )

    @property
    def under_used(self) -> bool:
        return under_used(self.utilisation, self.effective_utilisation)

    def cost(self, basis: CostBasis) -> float:
        return self.lraic if basis == "lraic" else self.marginal_cost


class PricingInput(BaseModel):
    """A deal to price: the list price and discount policy, the price that would win, the platforms."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    list_price: PositiveAmount = Field(description="list price per unit")
    max_discount: float = Field(
        ge=0, lt=1, allow_inf_nan=False, description="largest discount the policy allows, fraction 0..1"
    )
    winning_price: PositiveAmount = Field(description="the price per unit that would win the deal")
    current: Platform = Field(description="the platform the customer is on now")
    alternative: Platform | None = Field(None, description="a platform the customer could move to")
    language: Language = Field("en", description="language of the rationale and the path questions")

    @property
    def floor(self) -> float:
        return self.list_price * (1 - self.max_discount)


class PathStep(BaseModel):
    """One question of the tree and its answer."""

    key: str = Field(description="a stable identifier of the question")
    question: str
    answer: bool


class PricingDecision(BaseModel):
    decision: Decision
    recommended_price: float | None
    cost_basis: CostBasis | None
    platform: PlatformName | None
    below_cost: bool
    path: list[PathStep]
    rationale: str
    floor: float = Field(description="list_price * (1 - max_discount): the lowest price the policy allows")
    language: Language = "en"


def _step(key: str, answer: bool, language: Language, **values: str) -> PathStep:
    question = wording.text(language, "pricing", "questions", key, **values)
    return PathStep(key=key, question=question, answer=answer)


# The tree's tests, shared by decide() and next_needed_input() so that asking and deciding never drift.
def within_discount(winning_price: float, floor: float) -> bool:
    return ge(winning_price, floor)


def cheaper_platform(alternative_lraic: float, current_lraic: float) -> bool:
    return lt(alternative_lraic, current_lraic)


def savings_support(winning_price: float, alternative_lraic: float) -> bool:
    return ge(winning_price, alternative_lraic)


def under_used(utilisation: float, effective_utilisation: float) -> bool:
    return utilisation < effective_utilisation


CURRENT_INPUTS = (
    "list_price",
    "max_discount",
    "winning_price",
    "lraic",
    "marginal_cost",
    "utilisation",
    "effective_utilisation",
)
"""Always needed: step 1 of the tree, and the current platform (cost basis, below-cost check, steps 2-4)."""


def next_needed_input(known: Mapping[str, float | bool]) -> str | None:
    """The next input the tree needs to decide a deal, given the ones known; None when it can decide.

    Names: CURRENT_INPUTS, then ``has_alternative`` (is there a lower-cost platform at all), ``alt_lraic``,
    ``alt_utilisation``, ``alt_effective_utilisation``, ``alt_marginal_cost``, each asked only where the
    tree's path reaches the question that uses it. For a conversation that asks one input at a time.
    """
    for name in CURRENT_INPUTS:
        if name not in known:
            return name
    winning = float(known["winning_price"])
    if within_discount(winning, float(known["list_price"]) * (1 - float(known["max_discount"]))):
        return None
    if "has_alternative" not in known:
        return "has_alternative"
    if not known["has_alternative"]:
        return None
    if "alt_lraic" not in known:
        return "alt_lraic"
    alt_lraic = float(known["alt_lraic"])
    if not cheaper_platform(alt_lraic, float(known["lraic"])) or savings_support(winning, alt_lraic):
        return None
    for name in ("alt_utilisation", "alt_effective_utilisation"):
        if name not in known:
            return name
    if not under_used(float(known["alt_utilisation"]), float(known["alt_effective_utilisation"])):
        return None
    return "alt_marginal_cost" if "alt_marginal_cost" not in known else None


def decide(pricing: PricingInput) -> PricingDecision:
    """Walk the pricing decision tree for one deal (seed chunks 16-17)."""
    lang = pricing.language
    current, alternative, winning = pricing.current, pricing.alternative, pricing.winning_price
    floor = pricing.floor
    path: list[PathStep] = []

    within = within_discount(winning, floor)
    path.append(_step("within_discount", within, lang, floor=format_amount(floor, lang)))
    if within:
        basis: CostBasis = "marginal_cost" if current.under_used else "lraic"
        return _result(pricing, "maintain_pricing", min(pricing.list_price, winning), basis, "current", path)

    lower_cost = alternative is not None and cheaper_platform(alternative.lraic, current.lraic)
    path.append(_step("lower_cost_platform", lower_cost, lang))
    if alternative is not None and lower_cost:
        supports = savings_support(winning, alternative.lraic)
        path.append(_step("savings_support_price", supports, lang))
        if supports:
            return _result(pricing, "migrate_platform", winning, "lraic", "alternative", path)
        marginal = alternative.under_used and ge(winning, alternative.marginal_cost)
        path.append(_step("alternative_under_used", marginal, lang))
        if marginal:
            return _result(pricing, "marginal_cost_pricing", winning, "marginal_cost", "alternative", path)
        return _result(pricing, "escalate_to_management", None, None, None, path)

    marginal = current.under_used and ge(winning, current.marginal_cost)
    path.append(_step("current_under_used", marginal, lang))
    if marginal:
        return _result(pricing, "marginal_cost_pricing", winning, "marginal_cost", "current", path)
    return _result(pricing, "escalate_to_management", None, None, None, path)


def _result(
    pricing: PricingInput,
    decision: Decision,
    price: float | None,
    basis: CostBasis | None,
    platform: PlatformName | None,
    path: list[PathStep],
) -> PricingDecision:
    below_cost = False
    cost: float | None = None
    if price is not None and basis is not None and platform is not None:
        chosen = pricing.current if platform == "current" else pricing.alternative
        assert chosen is not None
        cost = chosen.cost(basis)
        below_cost = price < cost
    return PricingDecision(
        decision=decision,
        recommended_price=price,
        cost_basis=basis,
        platform=platform,
        below_cost=below_cost,
        path=path,
        rationale=_rationale(pricing, decision, price, basis, platform, below_cost, cost),
        floor=pricing.floor,
        language=pricing.language,
    )


def _rationale(
    pricing: PricingInput,
    decision: Decision,
    price: float | None,
    basis: CostBasis | None,
    platform: PlatformName | None,
    below_cost: bool,
    cost: float | None,
) -> str:
    lang = pricing.language
    values = {
        "winning": format_amount(pricing.winning_price, lang),
        "floor": format_amount(pricing.floor, lang),
        "discount": format_share(pricing.max_discount, lang),
        "price": format_amount(price or 0, lang),
        "cost": format_amount(cost or 0, lang),
        "utilisation": format_share(pricing.current.utilisation, lang),
        "effective": format_share(pricing.current.effective_utilisation, lang),
        "basis": wording.text(lang, "pricing", "cost_bases", basis) if basis else "",
        "platform": wording.text(lang, "pricing", "platforms", platform) if platform else "",
    }
    text = wording.text(lang, "pricing", "rationale", decision, **values)
    if below_cost and cost is not None:
        text = wording.sentences(lang, text, wording.text(lang, "pricing", "below_cost", **values))
    return with_citation(text, lang, *SEED_CHUNKS)
