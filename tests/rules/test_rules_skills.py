"""kam_rules.skills: order by gap, then importance, then name; develop vs maintain (seed chunks 27-28)."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st
from pydantic import ValidationError

from kam_rules.skills import SkillRating, SkillsInput, plan_skills, prioritise_skills


def test_contract_example() -> None:
    (result,) = prioritise_skills([SkillRating(skill="negotiate_price", importance=5, performance=2)])
    assert (result.skill, result.gap, result.priority, result.action) == ("negotiate_price", 3, 1, "develop")
    assert "(seed chunks 27-28)" in result.rationale


def test_order_gap_then_importance_then_name() -> None:
    ratings = [
        SkillRating(skill="zeta", importance=3, performance=1),  # gap 2, importance 3
        SkillRating(skill="beta", importance=5, performance=3),  # gap 2, importance 5
        SkillRating(skill="alpha", importance=5, performance=3),  # gap 2, importance 5: name first
        SkillRating(skill="big", importance=5, performance=1),  # gap 4
        SkillRating(skill="fine", importance=2, performance=4),  # gap -2
        SkillRating(skill="even", importance=3, performance=3),  # gap 0
    ]
    result = prioritise_skills(ratings)
    assert [r.skill for r in result] == ["big", "alpha", "beta", "zeta", "even", "fine"]
    assert [r.priority for r in result] == [1, 2, 3, 4, 5, 6]
    assert [r.action for r in result] == ["develop"] * 4 + ["maintain"] * 2
    assert [r.gap for r in result] == [4, 2, 2, 2, 0, -2]


@pytest.mark.parametrize(("importance", "performance"), [(0, 3), (6, 3), (3, 0), (3, 5.5)])
def test_ratings_must_be_1_to_5(importance: float, performance: float) -> None:
    with pytest.raises(ValidationError):
        SkillRating(skill="x", importance=importance, performance=performance)


def test_half_points_and_labels() -> None:
    (result,) = prioritise_skills([SkillRating(skill="account_planning", importance=4.5, performance=2)])
    assert result.gap == 2.5
    assert result.label == "account planning"


def test_plan_summary_chinese() -> None:
    plan = plan_skills(SkillsInput(ratings=[SkillRating("negotiate_price", 5, 2)], language="zh"))
    assert "negotiate_price" in plan.rationale and "种子第27-28段" in plan.rationale
    assert plan.skills[0].label == "高效地磋商价格"


ratings = st.lists(
    st.builds(
        SkillRating,
        skill=st.text(alphabet="abc", min_size=1, max_size=3),
        importance=st.integers(1, 5),
        performance=st.integers(1, 5),
    ),
    max_size=10,
)


@given(ratings)
def test_invariants(items: list[SkillRating]) -> None:
    result = prioritise_skills(items)
    assert [r.priority for r in result] == list(range(1, len(items) + 1))
    keys = [(-r.gap, -r.importance, r.skill) for r in result]
    assert keys == sorted(keys)
    for r in result:
        assert r.gap == r.importance - r.performance
        assert r.action == ("develop" if r.gap > 0 else "maintain")
