"""Dates on a day of a relative month ("下个月1号", "the 1st of next month") and visit frequencies as
people say them ("every 2 weeks", "每两周") mapped onto the plan's VisitFrequency choices."""

from __future__ import annotations

import typing
from datetime import date

import pytest

from bot.coach.forms.parsing import parse_date, read_visit_frequency
from bot.errors import InputError
from bot.plans.model import VisitFrequency

TODAY = date(2026, 11, 27)  # a Friday


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("下个月1号", date(2026, 12, 1)),
        ("下月1日", date(2026, 12, 1)),
        ("下个月一号", date(2026, 12, 1)),
        ("下个月的15号", date(2026, 12, 15)),
        ("本月30号", date(2026, 11, 30)),
        ("这个月28日", date(2026, 11, 28)),
        ("下下个月1号", date(2027, 1, 1)),
        ("the 1st of next month", date(2026, 12, 1)),
        ("first of next month", date(2026, 12, 1)),
        ("next month on the 15th", date(2026, 12, 15)),
        ("next month 1st", date(2026, 12, 1)),
        ("the 30th of this month", date(2026, 11, 30)),
    ],
)
def test_a_day_of_a_relative_month(text: str, expected: date) -> None:
    assert parse_date(text, TODAY) == expected


@pytest.mark.parametrize(
    "text", ["下个月32号", "本月31号", "the 31st of this month", "next month on the 0th"]
)
def test_a_day_the_month_does_not_have_is_unreadable(text: str) -> None:
    with pytest.raises(InputError):
        parse_date(text, TODAY)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("every 2 weeks", "fortnightly"),
        ("Every two weeks", "fortnightly"),
        ("biweekly", "fortnightly"),
        ("bi-weekly", "fortnightly"),
        ("every other week", "fortnightly"),
        ("twice a month", "fortnightly"),
        ("每两周", "fortnightly"),
        ("每2周一次", "fortnightly"),
        ("双周", "fortnightly"),
        ("隔周", "fortnightly"),
        ("两周一次", "fortnightly"),
        ("每月两次", "fortnightly"),
        ("weekly", "weekly"),
        ("once a week", "weekly"),
        ("every week", "weekly"),
        ("每周", "weekly"),
        ("每星期一次", "weekly"),
        ("4 times a month", "weekly"),
        ("monthly", "monthly"),
        ("every 4 weeks", "monthly"),
        ("once a month", "monthly"),
        ("每月", "monthly"),
        ("每个月一次", "monthly"),
        ("quarterly", "quarterly"),
        ("every 3 months", "quarterly"),
        ("every quarter", "quarterly"),
        ("每季度", "quarterly"),
        ("每三个月", "quarterly"),
        ("  Fortnightly. ", "fortnightly"),
    ],
)
def test_visit_frequencies(text: str, expected: str) -> None:
    assert expected in typing.get_args(VisitFrequency)
    assert read_visit_frequency(text) == expected


@pytest.mark.parametrize("text", ["every 3 weeks", "every 5 months", "sometimes", "每三周", "", "daily"])
def test_frequencies_that_are_no_choice_are_none(text: str) -> None:
    assert read_visit_frequency(text) is None
