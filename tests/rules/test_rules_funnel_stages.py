"""Each stage of the sales-loss funnel judged against the seed's 25/30/10/35 (chunks 17-19): more not
contacted, more not pursued and more lost are worse; more won is better. 40% not contacted was called
"at or better than the benchmark" because only the sum of the two coverage stages was compared."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from kam_rules.coverage import FUNNEL_STAGES, SEED_FUNNEL, FunnelInput, diagnose_funnel
from kam_rules.formatting import format_share

LABELS = {
    "not_contacted": "not contacted",
    "contacted_not_pursued": "contacted but not pursued",
    "pursued_lost": "pursued but lost",
    "won": "won",
}


def funnel(a: float, b: float, c: float, d: float, language: str = "en"):
    return diagnose_funnel(
        FunnelInput(not_contacted=a, contacted_not_pursued=b, pursued_lost=c, won=d, language=language)
    )


@pytest.mark.parametrize(
    ("shares", "verdicts", "fix_first"),
    [
        # the seed itself: every stage at its benchmark
        ((0.25, 0.30, 0.10, 0.35), ("at_benchmark",) * 4, "efficiency"),
        # the reported case: 40% never contacted is worse, although the two coverage stages sum to 50%
        ((0.40, 0.10, 0.20, 0.30), ("worse", "better", "worse", "worse"), "efficiency"),
        ((0.20, 0.35, 0.20, 0.25), ("better", "worse", "worse", "worse"), "efficiency"),
        # coverage fine, too many pursued deals lost: effectiveness first
        ((0.10, 0.20, 0.40, 0.30), ("better", "better", "worse", "worse"), "effectiveness"),
        ((0.25, 0.30, 0.20, 0.25), ("at_benchmark", "at_benchmark", "worse", "worse"), "effectiveness"),
        # everything better: the faster lever stays first
        ((0.10, 0.10, 0.05, 0.75), ("better", "better", "better", "better"), "efficiency"),
    ],
)
def test_each_stage_against_the_seed(shares, verdicts, fix_first) -> None:
    result = funnel(*shares)
    assert tuple(stage.stage for stage in result.stages) == FUNNEL_STAGES
    assert tuple(stage.verdict for stage in result.stages) == verdicts
    assert result.fix_first == fix_first
    assert [stage.benchmark for stage in result.stages] == [getattr(SEED_FUNNEL, s) for s in FUNNEL_STAGES]


def test_the_reported_case_never_says_coverage_is_fine() -> None:
    for language, claim, named in (("en", "at or better than", "not contacted"), ("zh", "已达到", "未接触")):
        result = funnel(0.40, 0.10, 0.20, 0.30, language=language)
        assert claim not in result.rationale
        assert named in result.rationale and "40%" in result.rationale and "25%" in result.rationale


shares = st.lists(st.integers(min_value=0, max_value=100), min_size=4, max_size=4).filter(
    lambda v: sum(v) > 0
)


@given(shares)
def test_verdicts_follow_the_direction_of_each_stage(values: list[int]) -> None:
    result = funnel(*values)
    total = sum(values)
    for stage, value in zip(result.stages, values, strict=True):
        share = value / total
        assert stage.share == pytest.approx(share)
        better_when_higher = stage.stage == "won"
        if abs(share - stage.benchmark) < 1e-9:
            assert stage.verdict == "at_benchmark"
        elif (share > stage.benchmark) == better_when_higher:
            assert stage.verdict == "better"
        else:
            assert stage.verdict == "worse"


@given(shares)
def test_coverage_is_called_fine_only_when_both_coverage_stages_are(values: list[int]) -> None:
    result = funnel(*values)
    by_stage = {stage.stage: stage.verdict for stage in result.stages}
    coverage_fine = all(by_stage[s] != "worse" for s in ("not_contacted", "contacted_not_pursued"))
    assert ("at or better than" in result.rationale) == (result.fix_first == "effectiveness")
    if result.fix_first == "effectiveness":
        assert coverage_fine and by_stage["pursued_lost"] == "worse"
    for stage in result.stages:  # each stage worse than the seed is named in the rationale, and only those
        share, seed = format_share(stage.share), format_share(stage.benchmark)
        named = f"{LABELS[stage.stage]} {share} (seed {seed})"
        assert (named in result.rationale) == (stage.verdict == "worse"), result.rationale
