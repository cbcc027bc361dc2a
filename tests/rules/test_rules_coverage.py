"""kam_rules.coverage: the sales-loss funnel, macro efficiency (Kunming) and micro efficiency."""

from __future__ import annotations

import pytest
from pydantic import ValidationError

from kam_rules.coverage import (
    AccountEffort,
    FunnelInput,
    MacroInput,
    MicroInput,
    diagnose_funnel,
    macro_efficiency,
    micro_efficiency,
)

# Funnel -------------------------------------------------------------------------------------------


def funnel(a: float, b: float, c: float, d: float, **kw: str):
    return diagnose_funnel(FunnelInput(not_contacted=a, contacted_not_pursued=b, pursued_lost=c, won=d, **kw))


def test_seed_funnel_is_at_benchmark_and_starts_with_efficiency() -> None:
    result = funnel(0.25, 0.30, 0.10, 0.35)
    assert result.efficiency_loss == pytest.approx(0.55)
    assert result.effectiveness_loss == pytest.approx(0.10)
    assert result.efficiency_gap == pytest.approx(0)
    assert result.fix_first == "efficiency"
    assert "(seed chunks 17-19)" in result.rationale


def test_amounts_are_normalised() -> None:
    shares = funnel(0.25, 0.30, 0.10, 0.35)
    amounts = funnel(250_000, 300_000, 100_000, 350_000)
    assert amounts.shares.model_dump() == pytest.approx(shares.shares.model_dump())
    assert amounts.fix_first == shares.fix_first


def test_effectiveness_first_only_when_coverage_is_fine_and_losses_are_high() -> None:
    assert funnel(0.10, 0.20, 0.40, 0.30).fix_first == "effectiveness"
    assert funnel(0.25, 0.30, 0.20, 0.25).fix_first == "effectiveness"  # efficiency exactly at benchmark
    assert funnel(0.30, 0.30, 0.30, 0.10).fix_first == "efficiency"  # both worse: efficiency first
    assert funnel(0.10, 0.10, 0.05, 0.75).fix_first == "efficiency"  # both fine
    assert funnel(0.10, 0.20, 0.10, 0.60).fix_first == "efficiency"  # effectiveness exactly at benchmark


def test_chinese_funnel() -> None:
    assert "效能" in funnel(0.1, 0.2, 0.4, 0.3, language="zh").rationale


@pytest.mark.parametrize("values", [(0, 0, 0, 0), (-0.1, 0.5, 0.3, 0.3)])
def test_funnel_rejects_empty_or_negative(values: tuple[float, ...]) -> None:
    with pytest.raises(ValidationError):
        funnel(*values)


# Macro efficiency ---------------------------------------------------------------------------------


def kunming() -> list[AccountEffort]:
    """45 accounts, 9,600 hours shared evenly, potential concentrated in the top accounts."""
    potentials = [300, 240, 200, 170, 150, 130, 115, 100, 90, 80] + [40] * 10 + [10] * 25
    return [
        AccountEffort(name=f"A{i:02d}", potential=p, hours=9600 / 45) for i, p in enumerate(potentials, 1)
    ]


def test_kunming_shape_top_accounts_under_served() -> None:
    result = macro_efficiency(MacroInput(accounts=kunming()))
    assert [g.group for g in result.groups] == ["top_10", "top_11_20", "rest"]
    assert [g.accounts for g in result.groups] == [10, 10, 25]
    top, _middle, rest = result.groups
    assert top.hours_share == pytest.approx(10 / 45)
    assert top.potential_share == pytest.approx(1575 / 2225)
    assert top.status == "under_served"
    assert rest.status == "over_served"
    assert result.total_hours == pytest.approx(9600)
    assert result.under_served[:3] == ["A01", "A02", "A03"]
    assert "A45" in result.over_served
    assert sum(a.target_hours for a in result.accounts) == pytest.approx(9600)
    assert (rest.first_rank, rest.last_rank) == (21, 45)
    assert "(seed chunks 19-21)" in result.rationale


def test_balanced_when_hours_follow_potential() -> None:
    accounts = [AccountEffort(name=n, potential=p, hours=p * 2) for n, p in [("a", 10), ("b", 5), ("c", 1)]]
    result = macro_efficiency(MacroInput(accounts=accounts))
    assert result.under_served == [] and result.over_served == []
    assert len(result.groups) == 1 and result.groups[0].status == "balanced"


def test_tolerance_is_configurable_and_inclusive() -> None:
    accounts = [AccountEffort(name="a", potential=1, hours=1), AccountEffort(name="b", potential=1, hours=3)]
    # shares: a 25% of hours for 50% of potential (ratio 0.5), b ratio 1.5
    assert macro_efficiency(MacroInput(accounts=accounts, tolerance=0.5)).under_served == []
    strict = macro_efficiency(MacroInput(accounts=accounts, tolerance=0.2))
    assert (strict.under_served, strict.over_served) == (["a"], ["b"])


def test_zero_potential_account_with_hours_is_over_served() -> None:
    accounts = [
        AccountEffort(name="a", potential=10, hours=10),
        AccountEffort(name="dead", potential=0, hours=5),
    ]
    result = macro_efficiency(MacroInput(accounts=accounts))
    dead = next(a for a in result.accounts if a.name == "dead")
    assert (dead.ratio, dead.status) == (None, "over_served")


@pytest.mark.parametrize(
    "accounts",
    [
        [],
        [{"name": "a", "potential": 0, "hours": 5}],
        [{"name": "a", "potential": 5, "hours": 0}],
        [{"name": "a", "potential": -5, "hours": 1}],
    ],
)
def test_macro_rejects(accounts: list) -> None:
    with pytest.raises(ValidationError):
        MacroInput(accounts=accounts)


# Micro efficiency ---------------------------------------------------------------------------------


def micro(revenue: float, other: float, **kw) -> str:
    return micro_efficiency(
        MicroInput(timesheet={"face_to_face_visits": revenue, "admin": other}, **kw)
    ).status


@pytest.mark.parametrize(
    ("revenue", "status"),
    [
        (10, "below_average"),
        (15, "average"),
        (20, "average"),
        (25, "average"),
        (30, "below_target"),
        (40, "on_target"),
        (45, "on_target"),
        (50, "on_target"),
        (60, "above_target"),
    ],
)
def test_micro_status_bands(revenue: float, status: str) -> None:
    assert micro(revenue, 100 - revenue) == status


def test_micro_custom_band() -> None:
    assert micro(30, 70, target_low=0.3, target_high=0.35) == "on_target"
    with pytest.raises(ValidationError):
        MicroInput(timesheet={"admin": 1}, target_low=0.6, target_high=0.5)


def test_micro_breakdown_and_hours_to_target() -> None:
    result = micro_efficiency(
        MicroInput(
            timesheet={
                "face_to_face_visits": 6,
                "account_planning": 2,
                "proposals": 2,
                "travel": 8,
                "admin": 10,
                "internal_coordination": 12,
            }
        )
    )
    assert result.revenue_share == pytest.approx(0.25)
    assert result.hours_to_target == pytest.approx(6)  # 40% of 40 hours = 16, have 10
    assert result.largest_other_activities[:2] == ["internal_coordination", "admin"]
    assert [a.activity for a in result.activities if a.revenue_generating] == [
        "face_to_face_visits",
        "account_planning",
        "proposals",
    ]
    assert "(seed chunks 22-23)" in result.rationale


def test_micro_accepts_lists_and_aliases() -> None:
    result = micro_efficiency(
        MicroInput(
            timesheet=[
                {"activity": "Face-to-face visits", "hours": 4},
                ("面对面的销售拜访", 4),
                ("admin", 6),
                ("交通", 6),
            ],
            language="zh",
        )
    )
    assert result.revenue_hours == 8
    assert result.total_hours == 20
    assert "种子第22-23段" in result.rationale


@pytest.mark.parametrize(
    "timesheet",
    [{"golf": 3}, {"admin": 0}, {"admin": -1}, {}],
)
def test_micro_rejects(timesheet: dict) -> None:
    with pytest.raises(ValidationError):
        MicroInput(timesheet=timesheet)
