"""The phase-3 review checklist (seed chunks 33-34): which review questions a plan answers, and which it
leaves open. The questions and the fields that speak to each are data (``review_questions`` in
``prompts/plan_questions.yaml``); a question is answered when all its fields are filled, partly answered
when some are, open when none are.
"""

from __future__ import annotations

from typing import Any, Literal

from pydantic import BaseModel

from bot.plans.model import FIELDS, AccountPlan, is_filled
from bot.plans.wording import PlanWording
from bot.wording import Language

ReviewStatus = Literal["answered", "partly", "open"]


class ReviewItem(BaseModel):
    id: str
    scope: Literal["plan", "portfolio"]
    question: str
    status: ReviewStatus
    answered_by: list[str]
    missing: list[str]


class ReviewChecklist(BaseModel):
    account: str
    language: Language
    items: list[ReviewItem]

    def count(self, status: ReviewStatus) -> int:
        return sum(1 for item in self.items if item.status == status)


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
    return ReviewChecklist(account=account, language=language, items=items)


def render_checklist(checklist: ReviewChecklist, wording: PlanWording) -> str:
    language = checklist.language
    text: dict[str, Any] = wording.data["review"][language]
    marks = {"answered": "[x]", "partly": "[~]", "open": "[ ]"}
    lines = [f"# {text['title'].format(account=checklist.account)}", "", text["intro"], ""]
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
