"""kam_rules.tiering: cut-offs by the share held before an account, unprofitable accounts, potential."""

from __future__ import annotations

import itertools

import pytest
from hypothesis import given
from hypothesis import strategies as st
from pydantic import ValidationError

from kam_rules.tiering import AccountValue, TieringInput, tier, tier_accounts


def acct(name: str, profit: float, **extra: float) -> AccountValue:
    return AccountValue(
        name=name, profit_contribution=profit, cost_to_serve=extra.pop("cost_to_serve", 0), **extra
    )


def tiers(accounts: list[AccountValue], **kwargs: float) -> list[tuple[str, str]]:
    return [(t.name, t.tier) for t in tier_accounts(accounts, **kwargs)]


def test_total_value_formula_and_contract_fields() -> None:
    account = AccountValue(
        name="A",
        profit_contribution=100,
        cost_to_serve=30,
        learning_value=5,
        skill_value=4,
        referral_value=3,
        other_intangible_value=2,
        potential_value=None,
    )
    (result,) = tier_accounts([account], key_share=0.5, important_share=0.8)
    assert result.total_value == 84
    assert result.rank_value == 84
    assert result.cumulative_share == 1.0
    assert (result.tier, result.unprofitable) == ("key", False)
    assert "(seed chunks 4-5)" in result.rationale


def test_exact_boundary_at_key_share() -> None:
    result = tier_accounts([acct("a", 50), acct("b", 30), acct("c", 20)])
    assert [(t.name, t.tier) for t in result] == [("a", "key"), ("b", "important"), ("c", "standard")]
    assert [t.cumulative_share for t in result] == [0.5, 0.8, 1.0]
    # b: 50% held before it is not < 50% -> important; c: 80% before it is not < 80% -> standard


def test_account_crossing_the_key_share_is_still_key() -> None:
    assert tiers([acct("a", 40), acct("b", 30), acct("c", 20), acct("d", 10)]) == [
        ("a", "key"),
        ("b", "key"),  # 40% before it
        ("c", "important"),  # 70% before it
        ("d", "standard"),  # 90% before it
    ]


def test_first_account_is_always_key() -> None:
    assert tiers([acct("whale", 95), acct("minnow", 5)]) == [("whale", "key"), ("minnow", "standard")]


def test_custom_shares() -> None:
    accounts = [acct(name, 10) for name in "abcdefghij"]
    result = tier_accounts(accounts, key_share=0.2, important_share=0.5)
    assert [t.tier for t in result] == ["key"] * 2 + ["important"] * 3 + ["standard"] * 5


def test_ties_ordered_by_name() -> None:
    assert [name for name, _ in tiers([acct("b", 10), acct("a", 10), acct("c", 10)])] == ["a", "b", "c"]


def test_unprofitable_accounts_are_standard_and_last() -> None:
    result = tier_accounts([acct("loss", 10, cost_to_serve=25), acct("zero", 0), acct("good", 5)])
    assert [(t.name, t.tier, t.unprofitable) for t in result] == [
        ("good", "key", False),
        ("zero", "standard", True),
        ("loss", "standard", True),
    ]
    assert result[2].total_value == -15
    assert result[1].cumulative_share == result[2].cumulative_share == 1.0


def test_all_unprofitable() -> None:
    result = tier_accounts([acct("x", -1), acct("y", 0)])
    assert all(t.unprofitable and t.tier == "standard" for t in result)


def test_potential_value_lifts_rank_but_never_lowers_it() -> None:
    result = tier_accounts(
        [
            acct("today", 60),
            acct("tomorrow", 10, potential_value=100),
            acct("low-potential", 30, potential_value=5),
        ]
    )
    by_name = {t.name: t for t in result}
    assert [t.name for t in result] == ["tomorrow", "today", "low-potential"]
    assert by_name["tomorrow"].rank_value == 100 and by_name["tomorrow"].total_value == 10
    assert by_name["low-potential"].rank_value == 30


def test_potential_value_rescues_a_loss_maker() -> None:
    (result,) = tier_accounts([acct("start-up", 0, cost_to_serve=10, potential_value=50)])
    assert (result.tier, result.unprofitable, result.rank_value) == ("key", False, 50)


@pytest.mark.parametrize(
    "kwargs",
    [
        {"key_share": 0},
        {"key_share": 1.5},
        {"important_share": -0.1},
        {"key_share": 0.9, "important_share": 0.8},
    ],
)
def test_invalid_shares(kwargs: dict) -> None:
    with pytest.raises(ValidationError):
        tier_accounts([acct("a", 1)], **kwargs)


def test_invalid_account() -> None:
    with pytest.raises(ValidationError):
        AccountValue(name="a", profit_contribution=1, cost_to_serve=-1)
    with pytest.raises(ValidationError):
        AccountValue(name="", profit_contribution=1)


def test_result_model_and_chinese() -> None:
    result = tier(TieringInput(accounts=[acct("a", 3), acct("b", -1)], language="zh"))
    assert result.total_positive_value == 3
    assert "种子第4-5段" in result.rationale and "不赢利" in result.rationale


account_lists = st.lists(
    st.builds(
        AccountValue,
        name=st.text(alphabet="abcdefgh", min_size=1, max_size=4),
        profit_contribution=st.floats(min_value=-1000, max_value=10000),
        cost_to_serve=st.floats(min_value=0, max_value=1000),
        learning_value=st.floats(min_value=0, max_value=500),
        potential_value=st.none() | st.floats(min_value=-100, max_value=20000),
    ),
    max_size=15,
)
share_pairs = st.tuples(st.floats(min_value=0.01, max_value=1), st.floats(min_value=0.01, max_value=1)).map(
    sorted
)


@given(account_lists, share_pairs)
def test_tiers_respect_shares_and_are_monotone(accounts: list[AccountValue], shares: list[float]) -> None:
    key_share, important_share = shares
    result = tier_accounts(accounts, key_share=key_share, important_share=important_share)
    assert len(result) == len(accounts)
    order = {"key": 0, "important": 1, "standard": 2}
    assert [order[t.tier] for t in result] == sorted(order[t.tier] for t in result)
    ranks = [t.rank_value for t in result]
    assert ranks == sorted(ranks, reverse=True)
    cumulative = [t.cumulative_share for t in result]
    assert all(b >= a - 1e-12 for a, b in itertools.pairwise(cumulative))
    positive = [t for t in result if not t.unprofitable]
    total = sum(t.rank_value for t in positive)
    running = 0.0
    for t in positive:
        before = running / total
        running += t.rank_value
        assert t.rank_value > 0
        expected = "key" if before < key_share else "important" if before < important_share else "standard"
        assert t.tier == expected
        assert t.cumulative_share == pytest.approx(running / total)
    if positive:
        assert positive[0].tier == "key"
        assert positive[-1].cumulative_share == pytest.approx(1.0)
    for t in result:
        assert t.unprofitable == (t.rank_value <= 0)
        if t.unprofitable:
            assert t.tier == "standard"


def test_values_too_large_to_add_up_are_a_validation_error():
    import pytest
    from pydantic import ValidationError

    from kam_rules.tiering import AccountValue, tier_accounts

    with pytest.raises(ValidationError, match="too large"):
        tier_accounts(
            [
                AccountValue(name="a", profit_contribution=1e308),
                AccountValue(name="b", profit_contribution=1e308),
            ]
        )
