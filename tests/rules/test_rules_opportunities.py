"""kam_rules.opportunities: quadrants at the thresholds, the ranking rule, the median threshold."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st
from pydantic import ValidationError

from kam_rules.opportunities import (
    OPPORTUNITY_KINDS,
    QUADRANT_ORDER,
    Opportunity,
    RankInput,
    classify,
    prioritise,
    rank,
)


def opp(name: str, value: float, probability: float, kind: str = "cross_sell") -> Opportunity:
    return Opportunity(name=name, kind=kind, outcome_value=value, success_probability=probability)


@pytest.mark.parametrize(
    ("value", "probability", "quadrant"),
    [
        (500_000, 0.7, "act_now"),
        (300_000, 0.5, "act_now"),  # both exactly at the thresholds
        (300_000, 0.49, "plan_attack"),
        (299_999, 0.5, "opportunistic"),
        (100, 0.1, "shelve"),
        (0, 0, "shelve"),
        (10**9, 1, "act_now"),
    ],
)
def test_classify(value: float, probability: float, quadrant: str) -> None:
    assert (
        classify(
            outcome_value=value,
            success_probability=probability,
            value_threshold=300_000,
            probability_threshold=0.5,
        )
        == quadrant
    )


def test_classify_contract_example() -> None:
    assert (
        classify(
            outcome_value=500_000, success_probability=0.7, value_threshold=300_000, probability_threshold=0.5
        )
        == "act_now"
    )


@pytest.mark.parametrize("probability", [1.2, -0.1])
def test_classify_rejects_bad_probability(probability: float) -> None:
    with pytest.raises(ValidationError):
        classify(outcome_value=1, success_probability=probability, value_threshold=1)


def test_kinds_are_the_six_of_the_seed() -> None:
    assert set(OPPORTUNITY_KINDS) == {
        "increase_usage",
        "cross_sell",
        "price_mix",
        "prune_unprofitable",
        "new_customer_core",
        "new_customer_adjacent",
    }
    assert opp("x", 1, 0.5, kind="Cross-sell").kind == "cross_sell"
    with pytest.raises(ValidationError):
        opp("x", 1, 0.5, kind="upsell")


def test_rank_orders_quadrants_then_expected_value_then_name() -> None:
    items = [
        opp("shelf", 10, 0.1),
        opp("lucky", 10, 0.9),
        opp("b-big", 100, 0.6),  # EV 60
        opp("a-big", 100, 0.6),  # EV 60, same: name decides
        opp("bigger", 200, 0.9),  # EV 180
        opp("long shot", 500, 0.2),
    ]
    ranked = rank(items, value_threshold=100, probability_threshold=0.5)
    assert [r.name for r in ranked] == ["bigger", "a-big", "b-big", "long shot", "lucky", "shelf"]
    assert [r.quadrant for r in ranked] == [
        "act_now",
        "act_now",
        "act_now",
        "plan_attack",
        "opportunistic",
        "shelve",
    ]
    assert [r.rank for r in ranked] == [1, 2, 3, 4, 5, 6]
    assert ranked[0].expected_value == pytest.approx(180)
    assert "(seed chunks 11-13)" in ranked[0].rationale


def test_median_threshold_odd_count() -> None:
    items = [opp("a", 1, 0.9), opp("b", 2, 0.9), opp("c", 3, 0.9)]
    result = prioritise(RankInput(opportunities=items))
    assert result.value_threshold == 2
    quadrants = {r.name: r.quadrant for r in result.opportunities}
    assert quadrants == {"a": "opportunistic", "b": "act_now", "c": "act_now"}  # the median itself is big


def test_median_threshold_even_count() -> None:
    items = [opp("a", 1, 0.9), opp("b", 2, 0.9), opp("c", 3, 0.9), opp("d", 4, 0.9)]
    result = prioritise(RankInput(opportunities=items))
    assert result.value_threshold == 2.5
    assert {r.name for r in result.opportunities if r.quadrant == "act_now"} == {"c", "d"}
    assert rank(items) == result.opportunities


def test_default_probability_threshold_is_half() -> None:
    (ranked,) = rank([opp("a", 5, 0.5)])
    assert ranked.quadrant == "act_now"


def test_empty_list() -> None:
    assert rank([]) == []
    assert prioritise(RankInput(opportunities=[])).value_threshold is None


def test_chinese_rationale() -> None:
    (ranked,) = rank([opp("a", 5, 0.2)], value_threshold=1, language="zh")
    assert "计划出击" in ranked.rationale and "种子第11-13段" in ranked.rationale


opportunity_lists = st.lists(
    st.builds(
        Opportunity,
        name=st.text(alphabet="abcde", min_size=1, max_size=3),
        kind=st.sampled_from(OPPORTUNITY_KINDS),
        outcome_value=st.floats(min_value=0, max_value=1e6),
        success_probability=st.floats(min_value=0, max_value=1),
    ),
    max_size=12,
)


@given(
    opportunity_lists, st.none() | st.floats(min_value=0, max_value=1e6), st.floats(min_value=0, max_value=1)
)
def test_rank_invariants(items: list[Opportunity], value_threshold: float | None, probability: float) -> None:
    ranked = rank(items, value_threshold=value_threshold, probability_threshold=probability)
    assert sorted(r.rank for r in ranked) == list(range(1, len(items) + 1))
    assert [r.rank for r in ranked] == list(range(1, len(items) + 1))
    threshold = value_threshold
    if threshold is None and items:
        threshold = prioritise(RankInput(opportunities=items)).value_threshold
    keys = [(QUADRANT_ORDER.index(r.quadrant), -r.expected_value, r.name) for r in ranked]
    assert keys == sorted(keys)
    for r in ranked:
        assert r.quadrant == classify(r.outcome_value, r.success_probability, threshold, probability)
        assert r.expected_value == r.outcome_value * r.success_probability
