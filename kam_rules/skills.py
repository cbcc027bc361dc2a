"""Which selling skills to develop first (seed chunks 27-28; contracts section 6).

Each skill is rated 1..5 twice: its importance in 2-3 years and the current performance. ``gap =
importance - performance``. Develop first the skills with the largest gap (chunk 28): results are
sorted by gap high to low, then importance high to low, then skill name; ``priority`` is the 1-based
position. ``action`` is ``develop`` where the gap is positive, else ``maintain``.
"""

from __future__ import annotations

from typing import Annotated, ClassVar, Literal

from pydantic import BaseModel, ConfigDict, Field

from kam_rules._models import PositionalModel
from kam_rules.rationale import Language, fmt_number, pick, with_citation

Action = Literal["develop", "maintain"]
SEED_CHUNKS = (27, 28)
Rating = Annotated[int | float, Field(ge=1, le=5, allow_inf_nan=False)]

# The nine key skills of chunk 27, with the identifiers used in the examples.
KEY_SKILLS: dict[str, tuple[str, str]] = {
    "develop_needs": ("develop the customer's needs in full, mining for requirements", "全面地发展客户需求"),
    "quantify_benefits": ("explain and quantify the benefits", "说明效益并加以量化"),
    "reach_decision_makers": (
        "reach and influence the decision makers and influencers",
        "接触并影响关键决策者",
    ),
    "access_senior_executives": ("win access to senior executives", "赢得接触高级主管的机会"),
    "run_internal_systems": ("keep the internal systems running", "保持内部系统的正常运转"),
    "negotiate_price": ("negotiate price effectively", "高效地磋商价格"),
    "build_relationships": ("build solid business relationships", "建立巩固的商业关系"),
    "account_planning": ("account planning", "客户规划"),
    "sell_against_competitors": ("sell against competitors", "针对竞争对手进行销售"),
}


class SkillRating(PositionalModel):
    model_config = ConfigDict(frozen=True, extra="forbid")
    _positional: ClassVar[tuple[str, ...]] = ("skill", "importance", "performance")

    skill: str = Field(min_length=1, description="the skill, e.g. negotiate_price")
    importance: Rating = Field(description="importance in 2-3 years, 1 (low) to 5 (high)")
    performance: Rating = Field(description="current performance, 1 (low) to 5 (high)")


class SkillPriority(BaseModel):
    skill: str
    gap: int | float
    priority: int = Field(ge=1)
    action: Action
    importance: int | float
    performance: int | float
    label: str | None = Field(
        None, description="the skill's description when it is one of the nine key skills"
    )
    rationale: str


class SkillsInput(BaseModel):
    model_config = ConfigDict(extra="forbid")

    ratings: list[SkillRating]
    language: Language = "en"


class SkillPlan(BaseModel):
    skills: list[SkillPriority]
    rationale: str


def prioritise_skills(ratings: list[SkillRating], language: Language = "en") -> list[SkillPriority]:
    """Order the skills by gap (contracts section 6). Raises ValidationError on bad input."""
    return plan_skills(SkillsInput(ratings=list(ratings), language=language)).skills


prioritize_skills = prioritise_skills


def plan_skills(request: SkillsInput) -> SkillPlan:
    lang = request.language
    ordered = sorted(request.ratings, key=lambda r: (-(r.importance - r.performance), -r.importance, r.skill))
    results = []
    for position, rating in enumerate(ordered, start=1):
        gap = rating.importance - rating.performance
        action: Action = "develop" if gap > 0 else "maintain"
        known = KEY_SKILLS.get(rating.skill)
        text = pick(
            lang,
            f"Importance {fmt_number(rating.importance)} in 2-3 years against performance "
            f"{fmt_number(rating.performance)} now: gap {fmt_number(gap)}, "
            + ("develop it." if action == "develop" else "maintain it."),
            f"2-3年内的重要性{fmt_number(rating.importance)}，当前绩效{fmt_number(rating.performance)}："
            f"缺口{fmt_number(gap)}，" + ("应当培养。" if action == "develop" else "保持即可。"),
        )
        results.append(
            SkillPriority(
                skill=rating.skill,
                gap=gap,
                priority=position,
                action=action,
                importance=rating.importance,
                performance=rating.performance,
                label=(pick(lang, *known) if known else None),
                rationale=with_citation(text, lang, *SEED_CHUNKS),
            )
        )
    develop = [r.skill for r in results if r.action == "develop"]
    summary = pick(
        lang,
        f"Develop first the skills with the largest gap: {', '.join(develop[:3])}."
        if develop
        else "No skill falls short of its importance: maintain them all.",
        f"应当首先培养缺口最大的技能：{'、'.join(develop[:3])}。"
        if develop
        else "所有技能都达到了其重要性：保持即可。",
    )
    return SkillPlan(skills=results, rationale=with_citation(summary, lang, *SEED_CHUNKS))
