"""App Home: buttons to start a plan or price a deal, my plans with completeness and next review date,
pricing escalations waiting for me as a manager, and the answer feedback for admins."""

from __future__ import annotations

from typing import Any

from bot.coach.reply import Language
from bot.plans.wording import PlanWording
from bot.slack.home_summary import HomeSummary
from bot.slack.views import blocks as bk
from bot.slack.views.refs import (
    ESCALATION_SEEN_ACTION,
    HOME_PRICE_ACTION,
    HOME_START_PLAN_ACTION,
    PLAN_OPEN_ACTION,
    PlanRef,
)
from bot.slack.views.reply import progress_bar
from bot.slack.wording import SlackWording
from kam_rules.formatting import format_amount


def home_view(
    summary: HomeSummary, language: Language, wording: SlackWording, plans: PlanWording
) -> dict[str, Any]:
    w = wording
    blocks: list[bk.Block] = [
        bk.header(w.text("home.title", language)),
        bk.section(w.text("home.intro", language)),
        bk.actions(
            [
                bk.button(
                    w.text("home.start_plan", language), HOME_START_PLAN_ACTION, "start", style="primary"
                ),
                bk.button(w.text("home.price_deal", language), HOME_PRICE_ACTION, "price"),
            ]
        ),
        bk.divider(),
        bk.section(f"*{w.text('home.my_plans', language)}*"),
    ]
    if not summary.plans:
        blocks.append(bk.context([w.text("home.no_plans", language)]))
    for plan in summary.plans:
        status = plans.named("statuses", plan.status, language)
        review = (
            w.text(
                "home.next_review",
                language,
                date=plan.next_review.isoformat(),
                kind=plans.named("events", plan.next_review_kind or "", language),
            )
            if plan.next_review
            else w.text("home.no_review", language)
        )
        bar = progress_bar(plan.percent, 100)
        text = f"*{bk.escape(plan.account)}* · {status}\n`{bar}` {plan.percent}%\n{review}"
        open_button = bk.button(
            w.text("home.open_plan", language), PLAN_OPEN_ACTION, PlanRef(plan_id=plan.id).encode()
        )
        blocks.append(bk.section(text, accessory=open_button))
    if summary.escalations:
        blocks += [bk.divider(), bk.section(f"*{w.text('home.escalations', language)}*")]
        for item in summary.escalations:
            price = (
                format_amount(item.recommended_price, language) if item.recommended_price is not None else "–"
            )
            text = w.text(
                "home.escalation",
                language,
                deal=bk.escape(item.deal or f"#{item.id}"),
                user=item.requested_by,
                price=price,
                date=item.created.isoformat(),
            )
            seen = bk.button(w.text("home.mark_seen", language), ESCALATION_SEEN_ACTION, str(item.id))
            blocks.append(bk.section(text, accessory=seen))
    if summary.feedback is not None:
        up, down = summary.feedback
        blocks += [bk.divider(), bk.context([w.text("home.feedback", language, up=up, down=down)])]
    return {"type": "home", "blocks": blocks[:100]}
