"""Review cadence for account plans by tier (seed chunks 33 and 35; contracts section 5).

- ``key``: a ``quarterly_review`` every 3 months after ``start`` and a ``progress_report`` every 6 months
  (chunk 35: the most important accounts' plans are reviewed each quarter; a progress report on the top
  accounts every 6 months);
- ``important``: an ``annual_review`` every 12 months after start (second-tier accounts, reviewed yearly);
- ``standard``: an ``annual_collective_review`` every 12 months after start (the rest, in a yearly
  collective review);
- every tier: a ``plan_checkpoint`` at start + 8 weeks and ``plan_due`` at start + 12 weeks (chunk 33:
  drafting the plan takes 8-12 weeks a year).

Adding months keeps the day of the month, clipped to the month's last day, and is always counted from
``start`` (Jan 31 + 1 month = Feb 28 or 29, Jan 31 + 2 months = Mar 31). Events must fall on or before
``start + months`` *before* the weekend shift; then a Saturday or Sunday moves to the next Monday.
Events are sorted by (date, kind).
"""

from __future__ import annotations

import calendar
from datetime import date, timedelta
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationInfo, field_validator, validate_call

from kam_rules import wording
from kam_rules.rationale import Language, with_citation

Tier = Literal["key", "important", "standard"]
EventKind = Literal[
    "quarterly_review",
    "progress_report",
    "annual_review",
    "annual_collective_review",
    "plan_due",
    "plan_checkpoint",
]
SEED_CHUNKS = (33, 35)
PLAN_CHECKPOINT_WEEKS = 8
PLAN_DUE_WEEKS = 12
MAX_MONTHS = 1200

# (kind, every how many months) for each tier's recurring reviews.
RECURRING: dict[str, tuple[tuple[EventKind, int], ...]] = {
    "key": (("quarterly_review", 3), ("progress_report", 6)),
    "important": (("annual_review", 12),),
    "standard": (("annual_collective_review", 12),),
}


class ReviewEvent(BaseModel):
    model_config = ConfigDict(frozen=True)

    date: date
    kind: EventKind


class ScheduleInput(BaseModel):
    model_config = ConfigDict(extra="forbid")

    tier: Tier
    start: date = Field(description="the day the planning cycle starts")
    months: int = Field(12, ge=0, le=MAX_MONTHS, description="how many months ahead to schedule")
    language: Language = "en"

    @field_validator("months")
    @classmethod
    def _fits_the_calendar(cls, months: int, info: ValidationInfo) -> int:
        start = info.data.get("start")
        if start is not None:
            try:
                # the latest an event can fall: the end, or plan_due, moved past a weekend
                next_weekday(max(add_months(start, months), start + timedelta(weeks=PLAN_DUE_WEEKS)))
            except (ValueError, OverflowError):
                raise ValueError(
                    f"from {start.isoformat()} the schedule would run past {date.max.isoformat()}"
                ) from None
        return months


class ReviewSchedule(BaseModel):
    tier: Tier
    start: date
    months: int
    end: date = Field(description="start + months: the last day an event may fall on before the shift")
    events: list[ReviewEvent]
    rationale: str


def add_months(day: date, months: int) -> date:
    """``day`` plus whole months, the day of the month clipped to the month's last day."""
    index = day.year * 12 + (day.month - 1) + months
    year, month = divmod(index, 12)
    last = calendar.monthrange(year, month + 1)[1]
    return date(year, month + 1, min(day.day, last))


def next_weekday(day: date) -> date:
    """A Saturday or Sunday moves to the following Monday; weekdays stay."""
    weekday = day.weekday()
    return day + timedelta(days=7 - weekday) if weekday >= 5 else day


def plan_reviews(request: ScheduleInput) -> ReviewSchedule:
    """The schedule with its rationale."""
    start, months, lang = request.start, request.months, request.language
    end = add_months(start, months)
    raw: list[tuple[date, EventKind]] = [
        (start + timedelta(weeks=PLAN_CHECKPOINT_WEEKS), "plan_checkpoint"),
        (start + timedelta(weeks=PLAN_DUE_WEEKS), "plan_due"),
    ]
    for kind, every in RECURRING[request.tier]:
        step = 1
        while step * every <= months:
            raw.append((add_months(start, step * every), kind))
            step += 1
    events = sorted(
        (ReviewEvent(date=next_weekday(day), kind=kind) for day, kind in raw if day <= end),
        key=lambda event: (event.date, event.kind),
    )
    text = wording.text(
        lang,
        "cadence",
        "summary",
        tier_rule=wording.text(lang, "cadence", "tiers", request.tier),
        count=len(events),
        months=months,
    )
    return ReviewSchedule(
        tier=request.tier,
        start=start,
        months=months,
        end=end,
        events=events,
        rationale=with_citation(text, lang, *SEED_CHUNKS),
    )


@validate_call
def review_schedule(
    tier: Tier, start: date, months: int = Field(12, ge=0, le=MAX_MONTHS), language: Language = "en"
) -> list[ReviewEvent]:
    """The review events of one account plan (contracts section 5). Raises ValidationError on bad input."""
    return plan_reviews(ScheduleInput(tier=tier, start=start, months=months, language=language)).events
