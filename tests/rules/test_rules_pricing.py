"""kam_rules.pricing: every branch of the tree (seed chunks 16-17), its boundaries and below_cost."""

from __future__ import annotations

import json

import pytest
from hypothesis import given
from hypothesis import strategies as st
from pydantic import ValidationError

from kam_rules.pricing import Platform, PricingDecision, PricingInput, decide


def run(
    winning: float,
    current: Platform,
    alternative: Platform | None = None,
    list_price: float = 100,
    max_discount: float = 0.10,
    language: str = "en",
) -> PricingDecision:
    return decide(
        PricingInput(
            list_price=list_price,
            max_discount=max_discount,
            winning_price=winning,
            current=current,
            alternative=alternative,
            language=language,
        )
    )


IDLE = Platform(lraic=70, marginal_cost=40, utilisation=0.55, effective_utilisation=0.75)
BUSY = Platform(lraic=70, marginal_cost=40, utilisation=0.90, effective_utilisation=0.75)


def answers(decision: PricingDecision) -> list[tuple[str, bool]]:
    return [(step.key, step.answer) for step in decision.path]


def test_contract_example() -> None:
    d = decide(
        PricingInput(
            list_price=100,
            max_discount=0.10,
            winning_price=85,
            current=Platform(lraic=70, marginal_cost=40, utilisation=0.55, effective_utilisation=0.75),
            alternative=None,
        )
    )
    assert d.decision == "marginal_cost_pricing"
    assert d.recommended_price == 85
    assert d.cost_basis == "marginal_cost"
    assert d.platform == "current"
    assert d.below_cost is False
    assert answers(d) == [
        ("within_discount", False),
        ("lower_cost_platform", False),
        ("current_under_used", True),
    ]
    assert "(seed chunks 16-17)" in d.rationale
    json.dumps(d.model_dump(mode="json"))  # path is a list of JSON objects
    assert all(set(step) >= {"question", "answer"} for step in d.model_dump()["path"])


# 1. within the discount policy -------------------------------------------------------------------


def test_maintain_at_winning_price_with_lraic_basis_when_busy() -> None:
    d = run(95, BUSY)
    assert (d.decision, d.recommended_price, d.cost_basis, d.platform) == (
        "maintain_pricing",
        95,
        "lraic",
        "current",
    )
    assert answers(d) == [("within_discount", True)]


def test_maintain_with_marginal_basis_when_under_used() -> None:
    d = run(95, IDLE)
    assert (d.decision, d.cost_basis) == ("maintain_pricing", "marginal_cost")


def test_maintain_never_above_list_price() -> None:
    d = run(130, BUSY)
    assert d.decision == "maintain_pricing"
    assert d.recommended_price == 100


def test_winning_price_exactly_at_floor_is_within_policy() -> None:
    assert run(90, IDLE).decision == "maintain_pricing"
    # 90 * (1 - 0.3) is 62.99999999999999 in floating point; 63 is still at the floor.
    assert run(63, IDLE, list_price=90, max_discount=0.3).decision == "maintain_pricing"
    assert run(90 * (1 - 0.3), IDLE, list_price=90, max_discount=0.3).decision == "maintain_pricing"


def test_just_below_floor_is_outside_policy() -> None:
    assert run(89.99, IDLE).decision != "maintain_pricing"


def test_utilisation_equal_to_effective_counts_as_fully_used() -> None:
    at_effective = Platform(lraic=70, marginal_cost=40, utilisation=0.75, effective_utilisation=0.75)
    assert run(95, at_effective).cost_basis == "lraic"
    # and below the floor it is not under-used: no marginal-cost pricing
    d = run(85, at_effective)
    assert d.decision == "escalate_to_management"
    assert answers(d)[-1] == ("current_under_used", False)


def test_zero_discount_floor_is_list_price() -> None:
    assert run(100, BUSY, max_discount=0).decision == "maintain_pricing"
    assert run(99.99, BUSY, max_discount=0).decision == "escalate_to_management"


# 2. no lower-cost platform ----------------------------------------------------------------------


def test_marginal_cost_pricing_on_current() -> None:
    d = run(85, IDLE)
    assert (d.decision, d.platform, d.cost_basis, d.recommended_price) == (
        "marginal_cost_pricing",
        "current",
        "marginal_cost",
        85,
    )


def test_current_marginal_equal_to_winning_still_prices() -> None:
    current = Platform(lraic=95, marginal_cost=85, utilisation=0.5)
    d = run(85, current)
    assert d.decision == "marginal_cost_pricing"
    assert d.below_cost is False


def test_current_marginal_above_winning_escalates() -> None:
    current = Platform(lraic=95, marginal_cost=85.01, utilisation=0.5)
    d = run(85, current)
    assert d.decision == "escalate_to_management"
    assert (d.recommended_price, d.cost_basis, d.platform, d.below_cost) == (None, None, None, False)


def test_busy_current_escalates() -> None:
    d = run(85, BUSY)
    assert d.decision == "escalate_to_management"
    assert answers(d) == [
        ("within_discount", False),
        ("lower_cost_platform", False),
        ("current_under_used", False),
    ]


def test_alternative_with_equal_lraic_is_not_lower_cost() -> None:
    alternative = Platform(lraic=70, marginal_cost=10, utilisation=0.1)
    d = run(85, IDLE, alternative)
    assert answers(d)[1] == ("lower_cost_platform", False)
    assert (d.decision, d.platform) == ("marginal_cost_pricing", "current")


def test_alternative_with_higher_lraic_is_ignored() -> None:
    alternative = Platform(lraic=80, marginal_cost=10, utilisation=0.1)
    d = run(85, BUSY, alternative)
    assert d.decision == "escalate_to_management"


# 2. lower-cost platform -------------------------------------------------------------------------


def test_migrate_when_alternative_lraic_supports_price() -> None:
    alternative = Platform(lraic=60, marginal_cost=30, utilisation=0.9)
    d = run(85, BUSY, alternative)
    assert (d.decision, d.recommended_price, d.cost_basis, d.platform) == (
        "migrate_platform",
        85,
        "lraic",
        "alternative",
    )
    assert answers(d) == [
        ("within_discount", False),
        ("lower_cost_platform", True),
        ("savings_support_price", True),
    ]


def test_migrate_when_alternative_lraic_equals_winning_price() -> None:
    current = Platform(lraic=100, marginal_cost=40, utilisation=0.9)
    alternative = Platform(lraic=85, marginal_cost=30, utilisation=0.9)
    d = run(85, current, alternative)
    assert d.decision == "migrate_platform"
    assert d.below_cost is False


def test_marginal_cost_pricing_on_under_used_alternative() -> None:
    current = Platform(lraic=100, marginal_cost=40, utilisation=0.9)
    alternative = Platform(lraic=90, marginal_cost=50, utilisation=0.4)
    d = run(85, current, alternative)
    assert (d.decision, d.platform, d.cost_basis, d.recommended_price) == (
        "marginal_cost_pricing",
        "alternative",
        "marginal_cost",
        85,
    )
    assert answers(d)[-2:] == [("savings_support_price", False), ("alternative_under_used", True)]


def test_alternative_marginal_equal_to_winning_prices() -> None:
    current = Platform(lraic=100, marginal_cost=40, utilisation=0.9)
    alternative = Platform(lraic=90, marginal_cost=85, utilisation=0.4)
    assert run(85, current, alternative).decision == "marginal_cost_pricing"


def test_busy_alternative_escalates_even_if_current_is_idle() -> None:
    current = Platform(lraic=100, marginal_cost=40, utilisation=0.1)
    alternative = Platform(lraic=90, marginal_cost=50, utilisation=0.9)
    d = run(85, current, alternative)
    assert d.decision == "escalate_to_management"
    assert answers(d)[-1] == ("alternative_under_used", False)


def test_alternative_marginal_above_winning_escalates() -> None:
    current = Platform(lraic=100, marginal_cost=40, utilisation=0.9)
    alternative = Platform(lraic=90, marginal_cost=86, utilisation=0.4)
    assert run(85, current, alternative).decision == "escalate_to_management"


# below_cost ------------------------------------------------------------------------------------


def test_below_cost_warning_on_maintain() -> None:
    current = Platform(lraic=97, marginal_cost=40, utilisation=0.9)
    d = run(95, current)
    assert d.decision == "maintain_pricing"
    assert d.below_cost is True
    assert "Warning" in d.rationale


def test_below_cost_uses_the_named_basis() -> None:
    current = Platform(lraic=97, marginal_cost=40, utilisation=0.5)  # under-used: marginal basis
    d = run(95, current)
    assert d.cost_basis == "marginal_cost"
    assert d.below_cost is False


# validation ------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "change",
    [
        {"list_price": 0},
        {"list_price": -1},
        {"winning_price": 0},
        {"max_discount": 1},
        {"max_discount": 1.5},
        {"max_discount": -0.1},
        {"list_price": float("nan")},
    ],
)
def test_invalid_deal(change: dict) -> None:
    data = {"list_price": 100, "max_discount": 0.1, "winning_price": 85, "current": IDLE} | change
    with pytest.raises(ValidationError):
        PricingInput(**data)


@pytest.mark.parametrize(
    "change",
    [
        {"lraic": 0},
        {"marginal_cost": -5},
        {"utilisation": 1.01},
        {"utilisation": -0.01},
        {"effective_utilisation": 2},
    ],
)
def test_invalid_platform(change: dict) -> None:
    with pytest.raises(ValidationError):
        Platform(**({"lraic": 70, "marginal_cost": 40, "utilisation": 0.5} | change))


def test_platform_positional_and_default() -> None:
    platform = Platform(70, 40, 0.55)
    assert platform == Platform(lraic=70, marginal_cost=40, utilisation=0.55, effective_utilisation=0.75)
    with pytest.raises(TypeError):
        Platform(70, 40, 0.5, 0.75, 1)


def test_chinese_rationale_and_questions() -> None:
    d = run(85, IDLE, language="zh")
    assert "种子第16-17段" in d.rationale
    assert "边际成本" in d.rationale
    assert all("？" in step.question for step in d.path)


# invariants ------------------------------------------------------------------------------------

prices = st.floats(min_value=0.01, max_value=1000, allow_nan=False, allow_infinity=False)
shares = st.floats(min_value=0, max_value=1, allow_nan=False)
platforms = st.builds(
    Platform, lraic=prices, marginal_cost=prices, utilisation=shares, effective_utilisation=shares
)
deals = st.builds(
    PricingInput,
    list_price=prices,
    max_discount=st.floats(min_value=0, max_value=0.99),
    winning_price=prices,
    current=platforms,
    alternative=st.none() | platforms,
)


@given(deals)
def test_below_cost_exactly_when_price_under_named_cost(deal: PricingInput) -> None:
    d = decide(deal)
    if d.recommended_price is None:
        assert d.decision == "escalate_to_management"
        assert d.cost_basis is None and d.platform is None and d.below_cost is False
        return
    platform = deal.current if d.platform == "current" else deal.alternative
    assert platform is not None
    cost = platform.lraic if d.cost_basis == "lraic" else platform.marginal_cost
    assert d.below_cost == (d.recommended_price < cost)


@given(deals)
def test_decision_follows_the_tree(deal: PricingInput) -> None:
    d = decide(deal)
    assert d.path[0].key == "within_discount"
    assert d.path[0].answer == (d.decision == "maintain_pricing")
    if d.decision == "maintain_pricing":
        assert d.recommended_price == min(deal.list_price, deal.winning_price)
        assert len(d.path) == 1
    elif d.decision != "escalate_to_management":
        assert d.recommended_price == deal.winning_price
    if d.decision == "migrate_platform":
        assert deal.alternative is not None and deal.alternative.lraic < deal.current.lraic
    if d.decision == "marginal_cost_pricing":
        platform = deal.current if d.platform == "current" else deal.alternative
        assert platform is not None and platform.utilisation < platform.effective_utilisation
    assert d.path[-1].answer == (d.decision != "escalate_to_management")


# --- asking one input at a time (kam_rules.pricing.next_needed_input) ---

from hypothesis import given  # noqa: E402
from hypothesis import strategies as st  # noqa: E402

from kam_rules.pricing import next_needed_input  # noqa: E402

_price = st.floats(min_value=1, max_value=1_000, allow_nan=False)
_share = st.floats(min_value=0, max_value=1, allow_nan=False)


@given(
    list_price=_price,
    max_discount=st.floats(0, 0.9),
    winning=_price,
    lraic=_price,
    marginal=_price,
    util=_share,
    eff=_share,
    has_alt=st.booleans(),
    alt_lraic=_price,
    alt_marginal=_price,
    alt_util=_share,
    alt_eff=_share,
    other_marginal=_price,
    other_util=_share,
    other_eff=_share,
)
def test_inputs_the_tree_never_asks_for_cannot_change_its_decision(
    list_price,
    max_discount,
    winning,
    lraic,
    marginal,
    util,
    eff,
    has_alt,
    alt_lraic,
    alt_marginal,
    alt_util,
    alt_eff,
    other_marginal,
    other_util,
    other_eff,
):
    full = {
        "list_price": list_price,
        "max_discount": max_discount,
        "winning_price": winning,
        "lraic": lraic,
        "marginal_cost": marginal,
        "utilisation": util,
        "effective_utilisation": eff,
        "has_alternative": has_alt,
        "alt_lraic": alt_lraic,
        "alt_marginal_cost": alt_marginal,
        "alt_utilisation": alt_util,
        "alt_effective_utilisation": alt_eff,
    }
    known: dict = {}
    while (name := next_needed_input(known)) is not None:
        assert name not in known
        known[name] = full[name]

    def decision(alt_values):
        alternative = None
        if full["has_alternative"]:
            alternative = Platform(lraic=alt_lraic, **alt_values)
        request = PricingInput(
            list_price=list_price,
            max_discount=max_discount,
            winning_price=winning,
            current=Platform(lraic, marginal, util, eff),
            alternative=alternative,
        )
        d = decide(request)
        return d.decision, d.recommended_price, d.cost_basis, d.platform

    # Whatever the unasked inputs are, the decision is the same as with the real ones.
    asked = {
        "marginal_cost": known.get("alt_marginal_cost", other_marginal),
        "utilisation": known.get("alt_utilisation", other_util),
        "effective_utilisation": known.get("alt_effective_utilisation", other_eff),
    }
    real = {"marginal_cost": alt_marginal, "utilisation": alt_util, "effective_utilisation": alt_eff}
    if "alt_lraic" in known or not has_alt:
        assert decision(asked) == decision(real)


def test_the_tree_asks_step_by_step():
    known = {
        "list_price": 100,
        "max_discount": 0.1,
        "winning_price": 85,
        "lraic": 70,
        "marginal_cost": 40,
        "utilisation": 0.55,
        "effective_utilisation": 0.75,
    }
    assert next_needed_input({}) == "list_price"
    assert next_needed_input(known) == "has_alternative"
    assert next_needed_input({**known, "winning_price": 95}) is None  # within the discount policy
    assert next_needed_input({**known, "has_alternative": False}) is None
    assert next_needed_input({**known, "has_alternative": True}) == "alt_lraic"
    assert next_needed_input({**known, "has_alternative": True, "alt_lraic": 60}) is None  # supports 85
    assert next_needed_input({**known, "has_alternative": True, "alt_lraic": 90}) is None  # not cheaper
    below = {**known, "has_alternative": True, "alt_lraic": 68, "winning_price": 60}
    assert next_needed_input(below) == "alt_utilisation"
    assert next_needed_input({**below, "alt_utilisation": 0.5}) == "alt_effective_utilisation"
    assert next_needed_input({**below, "alt_utilisation": 0.5, "alt_effective_utilisation": 0.75}) == (
        "alt_marginal_cost"
    )
    assert next_needed_input({**below, "alt_utilisation": 0.9, "alt_effective_utilisation": 0.75}) is None
