"""The rules word their rationales from their own catalogue (kam_rules/wording.yaml), with numbers from the
one formatter: a Chinese rationale says 85万 and 1亿 (not 850,000 or 10,000万) and uses full-width
punctuation between Chinese characters, whatever numbers are filled in."""

from __future__ import annotations

import re
from datetime import date

import pytest

from kam_rules import wording
from kam_rules.cadence import ScheduleInput, plan_reviews
from kam_rules.coverage import (
    ACTIVITIES,
    AccountEffort,
    FunnelInput,
    MacroInput,
    MicroInput,
    diagnose_funnel,
    macro_efficiency,
    micro_efficiency,
)
from kam_rules.opportunities import QUADRANT_ORDER, Opportunity, RankInput, prioritise
from kam_rules.pricing import Platform, PricingInput, decide
from kam_rules.skills import KEY_SKILLS, SkillRating, SkillsInput, plan_skills
from kam_rules.tiering import TIERS, AccountValue, TieringInput, tier

HALF_WIDTH_BETWEEN_CHINESE = re.compile(r"[\u4e00-\u9fff][,:;?!()]|[,:;?!()][\u4e00-\u9fff]")


def opportunity(name: str, kind: str, value: float, probability: float) -> Opportunity:
    return Opportunity(name=name, kind=kind, outcome_value=value, success_probability=probability)


def chinese_texts() -> list[str]:
    """Every rationale and path question the rules write in Chinese, over inputs that reach each sentence."""
    ranked = prioritise(
        RankInput(
            opportunities=[
                opportunity("华为升级", "increase_usage", 850_000, 0.7),
                opportunity("中兴", "cross_sell", 1e8, 0.3),
                opportunity("联通", "price_mix", 12_000, 0.6),
            ],
            language="zh",
        )
    )
    priced = [
        decide(
            PricingInput(
                list_price=3_800_000,
                max_discount=0.1,
                winning_price=winning,
                current=Platform(lraic=3_000_000, marginal_cost=2_000_000, utilisation=0.55),
                alternative=alternative,
                language="zh",
            )
        )
        for winning, alternative in [
            (3_500_000, None),
            (2_500_000, None),
            (1_000_000, None),
            (2_500_000, Platform(lraic=2_000_000, marginal_cost=1_000_000, utilisation=0.9)),
            (1_500_000, Platform(lraic=2_000_000, marginal_cost=1_000_000, utilisation=0.5)),
            (1_500_000, Platform(lraic=2_000_000, marginal_cost=1_000_000, utilisation=0.9)),
        ]
    ]
    tiers = tier(
        TieringInput(
            accounts=[
                AccountValue(name="华为", profit_contribution=850_000, cost_to_serve=50_000),
                AccountValue(name="中兴", profit_contribution=100_000, potential_value=500_000),
                AccountValue(name="亏损", profit_contribution=10_000, cost_to_serve=90_000),
            ],
            language="zh",
        )
    )
    skills = [
        plan_skills(SkillsInput(ratings=[SkillRating("negotiate_price", 5, gap)], language="zh"))
        for gap in (2, 5)
    ]
    schedules = [plan_reviews(ScheduleInput(tier=t, start=date(2027, 1, 4), language="zh")) for t in TIERS]
    funnels = [
        diagnose_funnel(
            FunnelInput(not_contacted=a, contacted_not_pursued=b, pursued_lost=c, won=d, language="zh")
        )
        for a, b, c, d in [(0.4, 0.2, 0.1, 0.3), (0.1, 0.2, 0.4, 0.3), (0.25, 0.3, 0.1, 0.35)]
    ]
    macro = macro_efficiency(
        MacroInput(
            accounts=[AccountEffort(name=f"客户{n}", potential=100 - n, hours=n) for n in range(1, 25)],
            language="zh",
        )
    )
    micro = micro_efficiency(MicroInput(timesheet={"travel": 30, "proposals": 10}, language="zh"))
    texts = [ranked.rationale, *(r.rationale for r in ranked.opportunities)]
    for decision in priced:
        texts += [decision.rationale, *(step.question for step in decision.path)]
    texts += [tiers.rationale, *(a.rationale for a in tiers.accounts)]
    for plan in skills:
        texts += [plan.rationale, *(s.rationale for s in plan.skills)]
    texts += [s.rationale for s in schedules] + [f.rationale for f in funnels]
    texts += [macro.rationale, micro.rationale]
    return texts


def test_chinese_rationales_count_money_in_wan_and_yi() -> None:
    ranked = prioritise(
        RankInput(
            opportunities=[
                opportunity("华为升级", "increase_usage", 850_000, 0.7),
                opportunity("中兴", "cross_sell", 1e8, 0.3),
            ],
            value_threshold=850_000,
            language="zh",
        )
    )
    first, second = ranked.opportunities
    assert first.name == "华为升级" and "成果大（85万 >= 85万）" in first.rationale
    assert "成果大（1亿 >= 85万）" in second.rationale
    assert "成功可能性小（30% < 50%）" in second.rationale
    assert ">= 85万为大" in ranked.rationale
    every = " ".join(chinese_texts())
    assert "850,000" not in every and "10,000万" not in every and "3,800,000" not in every
    assert "底价342万" in every  # 3,800,000 less 10%


def test_english_rationales_keep_grouped_amounts() -> None:
    decision = decide(
        PricingInput(
            list_price=3_800_000,
            max_discount=0.1,
            winning_price=3_500_000,
            current=Platform(lraic=3_000_000, marginal_cost=2_000_000, utilisation=0.55),
        )
    )
    assert decision.rationale.startswith("The winning price 3,500,000 is within the 10% discount policy")
    assert "(floor 3,420,000)" in decision.rationale and decision.rationale.endswith("(seed chunks 16-17)")


def test_chinese_rationales_use_full_width_punctuation() -> None:
    offending = [text for text in chinese_texts() if HALF_WIDTH_BETWEEN_CHINESE.search(text)]
    assert offending == []


@pytest.mark.parametrize("language", wording.LANGUAGES)
def test_every_rule_id_has_a_label(language: wording.Language) -> None:
    assert list(wording.labels(language, "skills", "labels")) == list(KEY_SKILLS)
    assert list(wording.labels(language, "coverage", "micro", "activities")) == list(ACTIVITIES)
    assert list(wording.labels(language, "opportunities", "quadrants")) == list(QUADRANT_ORDER)
    assert list(wording.labels(language, "tiering", "tiers")) == list(TIERS)


def test_the_catalogue_ships_inside_the_package() -> None:
    from importlib.resources import files

    assert files("kam_rules").joinpath("wording.yaml").is_file()
