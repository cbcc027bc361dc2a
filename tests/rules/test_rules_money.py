"""kam_rules.money: every format the README promises, and clear errors for the rest."""

from __future__ import annotations

import pytest

from kam_rules.money import UnreadableNumber, parse_amount, parse_number, parse_share

AMOUNTS = [
    ("1200", 1200),
    ("1,200", 1200),
    ("1,200.50", 1200.5),
    ("1,234,567", 1234567),
    ("1.2k", 1200),
    ("1.2K", 1200),
    ("1.1k", 1100),  # exact: not 1100.0000000000002
    ("3千", 3000),
    ("12万", 120000),
    ("1.2万", 12000),
    ("0.12亿", 12000000),
    ("12w", 120000),
    ("3百万", 3000000),
    ("1.5千万", 15000000),
    ("1万亿", 10**12),
    ("2.4m", 2400000),
    ("2bn", 2 * 10**9),
    ("1.2 million", 1200000),
    ("¥1,200", 1200),
    ("￥1200", 1200),
    ("$1.2k", 1200),
    ("US$1.2k", 1200),
    ("RMB 1200", 1200),
    ("人民币1200", 1200),
    ("1200元", 1200),
    ("1200块钱", 1200),
    ("1200 yuan", 1200),
    ("1.2k USD", 1200),
    ("１，２００", 1200),
    ("  1200  ", 1200),
    ("-300", -300),
    ("-¥300", -300),
    ("三十万", 300000),
    ("一百二十万", 1200000),
    ("两千", 2000),
    ("一万二", 12000),
    ("12万5千", 125000),
    ("负三千", -3000),
    ("三点五", 3.5),
    (".5", 0.5),
]


@pytest.mark.parametrize(("text", "expected"), AMOUNTS)
def test_parse_amount(text: str, expected: float) -> None:
    assert parse_amount(text) == expected


@pytest.mark.parametrize(
    ("text", "hint"),
    [
        ("abc", None),
        ("", "empty"),
        ("   ", "empty"),
        ("45%", "percentage"),
        ("1,2", "groups of three"),
        ("12,34", "groups of three"),
        ("1 200", None),
        ("1e3", None),
        ("nan", None),
        ("inf", None),
        ("--5", None),
        ("¥", None),
        ("五成", None),
        ("1.2.3", None),
        ("12万abc", None),
        ("1" + "0" * 400, "too large"),
        ("-" + "9" * 331 + "亿", "too large"),
    ],
)
def test_parse_amount_errors_name_the_text(text: str, hint: str | None) -> None:
    with pytest.raises(UnreadableNumber) as caught:
        parse_amount(text)
    message = str(caught.value)
    assert message.startswith(f"cannot read {text!r} as an amount")
    assert "\n" not in message
    if hint:
        assert hint in message
    assert isinstance(caught.value, ValueError)


def test_parse_amount_takes_numbers_and_refuses_non_finite() -> None:
    assert parse_amount(12) == 12.0
    assert parse_amount(1.5) == 1.5
    with pytest.raises(UnreadableNumber):
        parse_amount(float("nan"))
    with pytest.raises(UnreadableNumber):
        parse_amount(True)


def test_parse_number_says_number() -> None:
    assert parse_number("160") == 160
    with pytest.raises(UnreadableNumber, match="as a number"):
        parse_number("lots")


SHARES = [
    ("45%", 0.45),
    ("45 %", 0.45),
    ("４５％", 0.45),
    ("12.5%", 0.125),
    ("100%", 1.0),
    ("0%", 0.0),
    ("0.45", 0.45),
    (".5", 0.5),
    ("1", 1.0),
    ("0", 0.0),
    ("五成", 0.5),
    ("四成五", 0.45),
    ("十成", 1.0),
    ("百分之四十五", 0.45),
    ("四十五%", 0.45),
    ("5‰", 0.005),
]


@pytest.mark.parametrize(("text", "expected"), SHARES)
def test_parse_share(text: str, expected: float) -> None:
    assert parse_share(text) == pytest.approx(expected, abs=1e-15)


def test_percent_is_exact() -> None:
    assert parse_share("10%") == 0.1
    assert parse_share("15%") == 0.15
    assert parse_share("55%") == 0.55


@pytest.mark.parametrize(
    ("text", "hint"),
    [
        ("45", "write 45% if you mean 45 per cent"),
        ("1.5", "between 0% and 100%"),
        ("150%", "between 0% and 100%"),
        ("-5%", "between 0% and 100%"),
        ("-0.1", "between 0% and 100%"),
        ("abc", "45% or 0.45"),
        ("%", None),
        ("", "empty"),
        ("1.2k", "between 0% and 100%"),
    ],
)
def test_parse_share_errors(text: str, hint: str | None) -> None:
    with pytest.raises(UnreadableNumber) as caught:
        parse_share(text)
    assert str(caught.value).startswith(f"cannot read {text!r} as a share")
    if hint:
        assert hint in str(caught.value)


def test_parse_share_numbers() -> None:
    assert parse_share(0.3) == 0.3
    with pytest.raises(UnreadableNumber):
        parse_share(1.5)
