"""Which selling skills to develop first (seed chunks 27-28; contracts section 6).

Each skill is rated 1..5 twice: its importance in 2-3 years and the current performance. ``gap =
importance - performance``. Develop first the skills with the largest gap (chunk 28): results are
sorted by gap high to low, then importance high to low, then skill name; ``priority`` is the 1-based
position. ``action`` is ``develop`` where the gap is positive, else ``maintain``.
"""

from __future__ import annotations

from typing import Annotated, ClassVar, Literal

from pydantic import BaseModel, ConfigDict, Field

from kam_rules import wording
from kam_rules._models import PositionalModel
from kam_rules.formatting import format_number
from kam_rules.rationale import Language, with_citation

Action = Literal["develop", "maintain"]
SEED_CHUNKS = (27, 28)
Rating = Annotated[int | float, Field(ge=1, le=5, allow_inf_nan=False)]

# The nine key skills of chunk 27, by the identifiers used in the examples (their labels are wording).
KEY_SKILLS: tuple[str, ...] = (
    "develop_needs",
    "quantify_benefits",
    "reach_decision_makers",
    "access_senior_executives",
    "run_internal_systems",
    "negotiate_price",
    "build_relationships",
    "account_planning",
    "sell_against_competitors",
)


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
    labels = wording.labels(lang, "skills", "labels")
    ordered = sorted(request.ratings, key=lambda r: (-(r.importance - r.performance), -r.importance, r.skill))
    results = []
    for position, rating in enumerate(ordered, start=1):
        gap = rating.importance - rating.performance
        action: Action = "develop" if gap > 0 else "maintain"
        text = wording.text(
            lang,
            "skills",
            "one",
            importance=format_number(rating.importance, lang),
            performance=format_number(rating.performance, lang),
            gap=format_number(gap, lang),
            action=wording.text(lang, "skills", "actions", action),
        )
        results.append(
            SkillPriority(
                skill=rating.skill,
                gap=gap,
                priority=position,
                action=action,
                importance=rating.importance,
                performance=rating.performance,
                label=labels.get(rating.skill),
                rationale=with_citation(text, lang, *SEED_CHUNKS),
            )
        )
    develop = [r.skill for r in results if r.action == "develop"]
    if develop:
        summary = wording.text(lang, "skills", "develop_first", skills=wording.join(lang, develop[:3]))
    else:
        summary = wording.text(lang, "skills", "maintain_all")
    return SkillPlan(skills=results, rationale=with_citation(summary, lang, *SEED_CHUNKS))
