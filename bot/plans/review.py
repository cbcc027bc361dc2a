"""The phase-3 review of one plan (seed chunks 33-35; the card ``plan-review-questions``): the review
questions with what the plan answers, and what the rules find in it.

The checklist: the questions and the fields that speak to each are data (``review_questions`` in
``prompts/plan.yaml``); a question is answered when all its fields are filled, partly answered
when some are, open when none are.

The findings (``find_issues``, worded from ``prompts/plan_review.yaml``), each with a severity and a
suggestion, checking the plan against the rules rather than for filled fields:

- tier vs planned effort (tiering, chunks 4-5; deployment, chunks 19-21): a key account visited less often
  than monthly; a standard account visited weekly by a team of three or more; no tier to check against;
- the opportunities' quadrants (chunks 11-13): none to act on now; half or more of them shelved;
- targets vs opportunities (chunk 34, goals that look reasonable but cannot be reached): the growth the
  product targets ask over today's sales, against what the opportunities could bring (their outcome
  values) and are likely to bring (their expected values);
- named owners: activities whose owner is not in the people directory (reminders cannot reach them);
- review dates (chunks 33, 35): no start date, or a start date but no schedule (the tier is unknown).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Literal

from pydantic import BaseModel, Field

from bot.plans.model import FIELDS, AccountPlan, VisitFrequency, is_filled
from bot.plans.wording import PlanWording
from bot.wording import Language
from kam_rules.formatting import format_amount

ReviewStatus = Literal["answered", "partly", "open"]
Severity = Literal["high", "medium", "low"]
FINDINGS_FILE = "plan_review.yaml"
SEVERITIES: tuple[Severity, ...] = ("high", "medium", "low")
VISITS_MOST_OFTEN_FIRST: tuple[VisitFrequency, ...] = ("weekly", "fortnightly", "monthly", "quarterly")
KEY_ACCOUNT_VISITS_AT_LEAST: VisitFrequency = "monthly"
BIG_TEAM = 3
"""A team of this many people or more is a big one for a standard account."""
_AMOUNTS = frozenset({"growth", "current", "target", "outcome", "expected"})
_LISTS = frozenset({"names", "activities"})


class ReviewItem(BaseModel):
    id: str
    scope: Literal["plan", "portfolio"]
    question: str
    status: ReviewStatus
    answered_by: list[str]
    missing: list[str]


class ReviewFinding(BaseModel):
    """What the rules find in the plan, worded: ``details`` holds the figures and names behind it."""

    id: str
    severity: Severity
    question: str | None = Field(description="the review question it speaks to (an item's id), if one")
    message: str
    suggestion: str
    details: dict[str, Any]


class ReviewChecklist(BaseModel):
    account: str
    language: Language
    items: list[ReviewItem]
    findings: list[ReviewFinding] = Field(default_factory=list)

    def count(self, status: ReviewStatus) -> int:
        return sum(1 for item in self.items if item.status == status)


@dataclass(frozen=True)
class Issue:
    """A finding before it is worded."""

    id: str
    severity: Severity
    question: str | None
    details: dict[str, Any] = field(default_factory=dict)


def _effort(plan: AccountPlan) -> list[Issue]:
    tier, frequency, team = plan.value.tier, plan.strategy.visit_frequency, len(plan.strategy.team)
    if tier is None:
        return [Issue("tier_unknown", "low", "resources_needed")]
    if frequency is None:
        return []
    rarer = VISITS_MOST_OFTEN_FIRST.index(frequency) > VISITS_MOST_OFTEN_FIRST.index(
        KEY_ACCOUNT_VISITS_AT_LEAST
    )
    if tier == "key" and rarer:
        return [
            Issue("effort_below_tier", "high", "resources_needed", {"tier": tier, "frequency": frequency})
        ]
    if tier == "standard" and frequency == "weekly" and team >= BIG_TEAM:
        details = {"tier": tier, "frequency": frequency, "team": team}
        return [Issue("effort_above_tier", "medium", "enough_return", details)]
    return []


def _quadrants(plan: AccountPlan) -> list[Issue]:
    ranked = plan.goals.ranked_opportunities or []
    if not plan.goals.opportunities:
        return [Issue("no_opportunities", "medium", "goals_realistic")]
    issues = []
    if not any(r.quadrant == "act_now" for r in ranked):
        issues.append(Issue("no_act_now", "medium", "new_initiatives", {"count": len(ranked)}))
    shelved = [r.name for r in ranked if r.quadrant == "shelve"]
    if shelved and 2 * len(shelved) >= len(ranked):
        details = {"shelved": len(shelved), "count": len(ranked), "names": shelved}
        issues.append(Issue("leans_on_shelve", "high", "goals_realistic", details))
    return issues


def _targets(plan: AccountPlan) -> list[Issue]:
    if not plan.goals.targets_by_product:
        return []
    current = sum(line.annual_sales for line in plan.customer.current_sales)
    target = sum(line.target for line in plan.goals.targets_by_product)
    growth = target - current
    if growth <= 0:
        return []
    figures: dict[str, Any] = {"current": current, "target": target, "growth": growth}
    opportunities = plan.goals.opportunities
    if not opportunities:
        return [Issue("targets_without_opportunities", "high", "goals_realistic", figures)]
    outcome = sum(o.outcome_value for o in opportunities)
    expected = sum(o.outcome_value * o.success_probability for o in opportunities)
    figures |= {"outcome": outcome, "expected": expected}
    if growth > outcome:
        return [Issue("targets_beyond_opportunities", "high", "goals_realistic", figures)]
    if growth > expected:
        return [Issue("targets_need_every_opportunity", "medium", "goals_realistic", figures)]
    return []


def _owners(plan: AccountPlan) -> list[Issue]:
    unknown = [row.activity for row in plan.implementation.activities if row.owner.id is None]
    if not unknown:
        return []
    details = {"count": len(unknown), "activities": unknown}
    return [Issue("owner_not_in_directory", "medium", "strategy_resources_linked", details)]


def _review_dates(plan: AccountPlan) -> list[Issue]:
    if plan.review.start_date is None:
        return [Issue("no_start_date", "high", None)]
    if not plan.review.schedule:
        return [Issue("no_schedule", "medium", None, {"start": plan.review.start_date.isoformat()})]
    return []


def find_issues(plan: AccountPlan) -> list[Issue]:
    """What the rules find in a plan (its derived parts computed: tier, ranked opportunities, schedule),
    most severe first."""
    issues = [*_effort(plan), *_quadrants(plan), *_targets(plan), *_owners(plan), *_review_dates(plan)]
    return sorted(issues, key=lambda issue: SEVERITIES.index(issue.severity))


def _shown(key: str, value: Any, wording: PlanWording, language: Language) -> Any:
    if key in _AMOUNTS:
        return format_amount(value, language)
    if key in _LISTS:
        return wording.join([str(item) for item in value], language)
    if key == "frequency":
        return wording.choice(value, language)
    return value


def word_issues(issues: list[Issue], wording: PlanWording, language: Language) -> list[ReviewFinding]:
    text = wording.catalogue.file(FINDINGS_FILE).node(language, "findings")
    findings = []
    for issue in issues:
        shown = {key: _shown(key, value, wording, language) for key, value in issue.details.items()}
        findings.append(
            ReviewFinding(
                id=issue.id,
                severity=issue.severity,
                question=issue.question,
                message=text[issue.id]["message"].format(**shown),
                suggestion=text[issue.id]["suggestion"].format(**shown),
                details=issue.details,
            )
        )
    return findings


def review_plan(
    plan: AccountPlan, account: str, wording: PlanWording, language: Language = "en"
) -> ReviewChecklist:
    items = []
    for entry in wording.data["review_questions"]:
        paths = [path for path in entry["fields"] if path in FIELDS]
        filled = [path for path in paths if is_filled(plan, path)]
        missing = [path for path in paths if path not in filled]
        status: ReviewStatus = "answered" if not missing else ("partly" if filled else "open")
        items.append(
            ReviewItem(
                id=entry["id"],
                scope=entry["scope"],
                question=entry[language],
                status=status,
                answered_by=filled,
                missing=missing,
            )
        )
    findings = word_issues(find_issues(plan), wording, language)
    return ReviewChecklist(account=account, language=language, items=items, findings=findings)


def render_checklist(checklist: ReviewChecklist, wording: PlanWording) -> str:
    language = checklist.language
    text: dict[str, Any] = wording.data["review"][language]
    found: dict[str, Any] = wording.catalogue.file(FINDINGS_FILE).node(language)
    marks = {"answered": "[x]", "partly": "[~]", "open": "[ ]"}
    lines = [f"# {text['title'].format(account=checklist.account)}", "", text["intro"], ""]
    lines += [f"## {found['heading']}", ""]
    for finding in checklist.findings:
        severity = found["severity"][finding.severity]
        lines.append("- " + found["finding"].format(severity=severity, message=finding.message))
        lines.append("  - " + found["suggestion"].format(suggestion=finding.suggestion))
    if not checklist.findings:
        lines.append(found["none"])
    lines.append("")
    for scope, heading in (("plan", text["plan_heading"]), ("portfolio", text["portfolio_heading"])):
        lines += [f"## {heading}", ""]
        for item in (i for i in checklist.items if i.scope == scope):
            lines.append(
                "- "
                + text["item"].format(
                    mark=marks[item.status], question=item.question, status=text[item.status]
                )
            )
            if item.answered_by:
                labels = wording.join([wording.label(p, language) for p in item.answered_by], language)
                lines.append(f"  - {text['answered_by'].format(fields=labels)}")
            if item.missing:
                labels = wording.join([wording.label(p, language) for p in item.missing], language)
                lines.append(f"  - {text['missing'].format(fields=labels)}")
        lines.append("")
    lines.append(
        text["summary"].format(
            answered=checklist.count("answered"),
            partly=checklist.count("partly"),
            open=checklist.count("open"),
            total=len(checklist.items),
        )
    )
    return "\n".join(lines) + "\n"
