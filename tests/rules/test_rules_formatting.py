"""One formatter for every number people read: grouping per locale; Chinese amounts in 万 and 亿."""

from __future__ import annotations

from datetime import date

import pytest
from hypothesis import given
from hypothesis import strategies as st

from kam_rules.formatting import format_amount, format_date, format_number, format_share, format_weekday
from kam_rules.money import parse_amount


@pytest.mark.parametrize(
    ("value", "en", "zh"),
    [
        (850_000, "850,000", "85万"),
        (3_800_000, "3,800,000", "380万"),
        (95_000, "95,000", "9.5万"),
        (100_000_000, "100,000,000", "1亿"),
        (250_000_000, "250,000,000", "2.5亿"),
        (1e12, "1,000,000,000,000", "1万亿"),
        (12_345, "12,345", "1.2345万"),
        (9_999.5, "9,999.5", "9,999.5"),
        (1_200.5, "1,200.5", "1,200.5"),
        (-850_000, "-850,000", "-85万"),
        (0, "0", "0"),
        (0.004, "0", "0"),
    ],
)
def test_amounts(value, en, zh):
    assert format_amount(value, "en") == en
    assert format_amount(value, "zh") == zh


@given(st.floats(min_value=-1e13, max_value=1e13, allow_nan=False).map(lambda v: round(v, 2)))
def test_a_formatted_amount_reads_back_as_nearly_the_same_amount(value):
    for language in ("en", "zh"):
        assert parse_amount(format_amount(value, language)) == pytest.approx(
            value, rel=1e-4, abs=0.01
        )  # four decimals of 万 or 亿


def test_shares_numbers_and_dates():
    assert format_share(0.455, "en") == "45.5%"
    assert format_share(0.1, "zh") == "10%"
    assert format_share(1, "en") == "100%"
    assert format_number(12_000, "zh") == "12,000"  # counts are not money: no 万
    assert format_date(date(2027, 3, 10), "en") == "Mar 10, 2027"
    assert format_date(date(2027, 3, 10), "zh") == "2027年3月10日"
    assert format_weekday(date(2027, 3, 10), "en") == "Wed"
    assert format_weekday(date(2027, 3, 10), "zh") == "周三"
