"""kam_rules.cadence: review dates by tier, month arithmetic, weekend shift, filtering before the shift."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from hypothesis import given
from hypothesis import strategies as st
from pydantic import ValidationError

from kam_rules.cadence import (
    ReviewEvent,
    ScheduleInput,
    add_months,
    next_weekday,
    plan_reviews,
    review_schedule,
)


def events(tier: str, start: date, months: int = 12) -> list[tuple[date, str]]:
    return [(e.date, e.kind) for e in review_schedule(tier=tier, start=start, months=months)]


def test_key_tier_contract_example() -> None:
    assert events("key", date(2027, 1, 4)) == [
        (date(2027, 3, 1), "plan_checkpoint"),  # +8 weeks
        (date(2027, 3, 29), "plan_due"),  # +12 weeks
        (date(2027, 4, 5), "quarterly_review"),  # Apr 4 is a Sunday
        (date(2027, 7, 5), "progress_report"),  # Jul 4 is a Sunday; same date: sorted by kind
        (date(2027, 7, 5), "quarterly_review"),
        (date(2027, 10, 4), "quarterly_review"),
        (date(2028, 1, 4), "progress_report"),
        (date(2028, 1, 4), "quarterly_review"),
    ]
    first = review_schedule(tier="key", start=date(2027, 1, 4), months=12)[0]
    assert first == ReviewEvent(date=date(2027, 3, 1), kind="plan_checkpoint")


def test_important_tier() -> None:
    assert events("important", date(2027, 1, 4)) == [
        (date(2027, 3, 1), "plan_checkpoint"),
        (date(2027, 3, 29), "plan_due"),
        (date(2028, 1, 4), "annual_review"),
    ]


def test_standard_tier() -> None:
    assert [kind for _, kind in events("standard", date(2027, 1, 4))] == [
        "plan_checkpoint",
        "plan_due",
        "annual_collective_review",
    ]


def test_two_years() -> None:
    key = events("key", date(2027, 1, 4), months=24)
    assert sum(kind == "quarterly_review" for _, kind in key) == 8
    assert sum(kind == "progress_report" for _, kind in key) == 4
    assert sum(kind == "annual_review" for _, kind in events("important", date(2027, 1, 4), 24)) == 2
    assert sum(kind == "plan_due" for _, kind in key) == 1


@pytest.mark.parametrize(
    ("start", "months", "expected"),
    [
        (date(2027, 1, 31), 1, date(2027, 2, 28)),
        (date(2028, 1, 31), 1, date(2028, 2, 29)),  # leap year
        (date(2027, 1, 31), 2, date(2027, 3, 31)),  # counted from the start, not from Feb 28
        (date(2027, 1, 31), 3, date(2027, 4, 30)),
        (date(2024, 2, 29), 12, date(2025, 2, 28)),
        (date(2024, 2, 29), 48, date(2028, 2, 29)),
        (date(2027, 11, 30), 3, date(2028, 2, 29)),
        (date(2027, 12, 15), 1, date(2028, 1, 15)),
        (date(2027, 5, 10), 0, date(2027, 5, 10)),
    ],
)
def test_add_months(start: date, months: int, expected: date) -> None:
    assert add_months(start, months) == expected


def test_next_weekday() -> None:
    assert next_weekday(date(2027, 1, 2)) == date(2027, 1, 4)  # Saturday
    assert next_weekday(date(2027, 1, 3)) == date(2027, 1, 4)  # Sunday
    assert next_weekday(date(2027, 1, 5)) == date(2027, 1, 5)  # Tuesday


def test_month_end_start_quarterly_reviews() -> None:
    quarterly = [d for d, kind in events("key", date(2027, 1, 31)) if kind == "quarterly_review"]
    # Apr 30 (Fri), Jul 31 (Sat -> Aug 2), Oct 31 (Sun -> Nov 1), Jan 31 2028 (Mon)
    assert quarterly == [date(2027, 4, 30), date(2027, 8, 2), date(2027, 11, 1), date(2028, 1, 31)]


def test_leap_day_start() -> None:
    # 2025-02-28 is a Friday
    assert events("important", date(2024, 2, 29))[-1] == (date(2025, 2, 28), "annual_review")


def test_filter_is_applied_before_the_weekend_shift() -> None:
    # start Saturday 2027-01-02: start + 12 months = Sunday 2028-01-02, which is on the limit before the
    # shift, so the review is kept and moves to Monday 2028-01-03, after the limit.
    result = events("important", date(2027, 1, 2))
    assert result[-1] == (date(2028, 1, 3), "annual_review")
    assert date(2027, 1, 2) + timedelta(weeks=8) == date(2027, 2, 27)  # a Saturday
    assert result[0] == (date(2027, 3, 1), "plan_checkpoint")


def test_short_horizon_drops_later_events() -> None:
    assert events("key", date(2027, 1, 4), months=2) == [(date(2027, 3, 1), "plan_checkpoint")]
    assert events("key", date(2027, 1, 4), months=0) == []
    # plan_due at +12 weeks = 2027-03-29 is after start + 2 months = 2027-03-04


def test_schedule_model_and_chinese() -> None:
    schedule = plan_reviews(ScheduleInput(tier="standard", start=date(2027, 1, 4), language="zh"))
    assert schedule.end == date(2028, 1, 4)
    assert "种子第33、35段" in schedule.rationale
    assert "(seed chunks 33, 35)" in plan_reviews(ScheduleInput(tier="key", start=date(2027, 1, 4))).rationale


@pytest.mark.parametrize(("tier", "months"), [("gold", 12), ("key", -1), ("key", 100000)])
def test_invalid(tier: str, months: int) -> None:
    with pytest.raises(ValidationError):
        review_schedule(tier=tier, start=date(2027, 1, 4), months=months)


@given(
    st.sampled_from(["key", "important", "standard"]),
    st.dates(min_value=date(2000, 1, 1), max_value=date(2090, 12, 31)),
    st.integers(min_value=0, max_value=36),
)
def test_schedule_invariants(tier: str, start: date, months: int) -> None:
    result = review_schedule(tier=tier, start=start, months=months)
    keys = [(e.date, e.kind) for e in result]
    assert keys == sorted(keys)
    end = add_months(start, months)
    for event in result:
        assert event.date.weekday() < 5
        assert event.date > start
        assert event.date <= next_weekday(end) if end.weekday() >= 5 else event.date <= end


@pytest.mark.parametrize(("start", "months"), [(date(9999, 6, 1), 12), (date(9999, 12, 1), 0)])
def test_a_schedule_past_the_end_of_the_calendar_is_invalid_input(start: date, months: int) -> None:
    # It raised a bare ValueError ("year 10000 is out of range"), which the CLI reported as exit 1.
    with pytest.raises(ValidationError, match="9999-12-31"):
        review_schedule(tier="key", start=start, months=months)
    assert review_schedule(tier="key", start=date(9998, 9, 1), months=12)[-1].date == date(9999, 9, 1)
