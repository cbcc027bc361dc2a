"""Reading answers: dates (relative, zh and en, with a fixed today), amounts, shares, people, lists,
choices and table rows; and the reason given, in the user's language, when an answer cannot be read."""

from __future__ import annotations

from datetime import date

import pytest

from bot.plans.model import FIELDS, PersonRef
from bot.plans.parsing import Unreadable, parse_date, parse_list, parse_person, parse_rows, parse_scalar
from bot.plans.wording import PlanWording
from bot.settings import _shipped_dir

TODAY = date(2026, 11, 27)  # a Friday
WORDS = PlanWording(_shipped_dir("prompts"))


def ctx(resolve=None, user="U1"):
    return WORDS.parse_context(TODAY, user, resolve)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("下周五", date(2026, 12, 4)),
        ("end of March", date(2027, 3, 31)),
        ("2027-03-31", date(2027, 3, 31)),
        ("3月底", date(2027, 3, 31)),
        ("next Friday", date(2026, 12, 4)),
        ("明天", date(2026, 11, 28)),
        ("这周五", date(2026, 11, 27)),
        ("下下周一", date(2026, 12, 7)),
        ("12月中旬", date(2026, 12, 15)),
        ("明年3月初", date(2027, 3, 1)),
        ("2027年3月31日", date(2027, 3, 31)),
        ("3月15号", date(2027, 3, 15)),
        ("两周后", date(2026, 12, 11)),
        ("下个月底", date(2026, 12, 31)),
        ("年底", date(2026, 12, 31)),
        ("第二季度", date(2027, 6, 30)),
        ("Q1", date(2027, 3, 31)),
        ("mid-April", date(2027, 4, 15)),
        ("the end of June 2028", date(2028, 6, 30)),
        ("end of next month", date(2026, 12, 31)),
        ("in 2 weeks", date(2026, 12, 11)),
        ("31/03/2027", date(2027, 3, 31)),
        ("tomorrow", date(2026, 11, 28)),
    ],
)
def test_dates(text: str, expected: date) -> None:
    assert parse_date(text, TODAY) == expected


@pytest.mark.parametrize("text", ["someday soon", "过几天吧", "12", "", "blah"])
def test_unreadable_dates(text: str) -> None:
    with pytest.raises(Unreadable) as error:
        parse_date(text, TODAY)
    assert error.value.reason in ("date", "empty")


def test_reasons_are_in_the_users_language() -> None:
    spec = FIELDS["review.start_date"]
    with pytest.raises(Unreadable) as error:
        parse_scalar("date", "过几天吧", ctx())
    assert WORDS.unreadable("过几天吧", error.value, spec, "zh") == (
        "我没能把“过几天吧”读成日期,因为我看不懂这个日期(可以写2027-03-31、下周五或3月底)。请再试一次。"
    )
    assert WORDS.unreadable("soon", error.value, spec, "en").startswith(
        "I could not read “soon” as a date because it is not a date I understand"
    )


@pytest.mark.parametrize(
    ("kind", "text", "expected"),
    [
        ("money", "450k", 450_000),
        ("money", "1,200,000", 1_200_000),
        ("money", "120万", 1_200_000),
        ("money", "0.12亿", 12_000_000),
        ("money", "-5万", -50_000),
        ("share", "18%", 0.18),
        ("share", "0.45", 0.45),
        ("share", "百分之四十五", 0.45),
        ("share", "五成", 0.5),
        ("int", "12,000", 12_000),
        ("int", "1.2万", 12_000),
    ],
)
def test_numbers(kind: str, text: str, expected: float) -> None:
    assert parse_scalar(kind, text, ctx()) == pytest.approx(expected)


@pytest.mark.parametrize(
    ("kind", "text", "reason"),
    [
        ("money", "a lot", "amount"),
        ("money", "45%", "amount_is_share"),
        ("share", "18", "share_bare"),
        ("share", "150%", "share_range"),
        ("share", "high", "share"),
        ("int", "12.5", "int"),
        ("int", "-3", "negative"),
    ],
)
def test_unreadable_numbers(kind: str, text: str, reason: str) -> None:
    with pytest.raises(Unreadable) as error:
        parse_scalar(kind, text, ctx())
    assert error.value.reason == reason
    assert WORDS.reason(error.value, "en") and WORDS.reason(error.value, "zh")


@pytest.mark.parametrize(
    ("text", "choice"),
    [
        ("1", "large_org"),
        ("large", "large_org"),
        ("大型企业", "large_org"),
        ("Government", "large_org"),
        ("中小企业", "sme"),
        ("SME", "sme"),
        ("3", "residential"),
        ("居民", "residential"),
    ],
)
def test_choices_by_number_label_and_synonym(text: str, choice: str) -> None:
    spec = FIELDS["customer.segment_size"]
    assert parse_scalar("choice", text, ctx(), choices=spec.choices) == choice


def test_a_choice_that_is_not_an_option_lists_the_options() -> None:
    spec = FIELDS["customer.segment_size"]
    options = WORDS.options_text(spec.choices, "en")
    with pytest.raises(Unreadable) as error:
        parse_scalar("choice", "4", ctx(), choices=spec.choices, options_text=options)
    assert "1. large enterprise / institution / government" in WORDS.reason(error.value, "en")


@pytest.mark.parametrize(
    ("text", "items"),
    [
        ("price, quality, service", ["price", "quality", "service"]),
        ("价格、质量、服务", ["价格", "质量", "服务"]),
        ("价格；质量;服务", ["价格", "质量", "服务"]),
        ("1. price\n2. quality\n- service", ["price", "quality", "service"]),
        ("价格，价格", ["价格"]),
    ],
)
def test_lists(text: str, items: list[str]) -> None:
    assert parse_list(text) == items


def test_people_by_mention_name_self_or_free_text() -> None:
    known = {
        "Ann Lee": PersonRef(id="U0AM01", name="Ann Lee"),
        "U0AM01": PersonRef(id="U0AM01", name="Ann Lee"),
    }
    context = ctx(resolve=known.get, user="U0AM01")
    assert parse_person("<@U0SE01|chen>", context) == PersonRef(id="U0SE01", name="chen")
    assert parse_person("<@U0AM01>", context) == PersonRef(id="U0AM01", name="Ann Lee")
    assert parse_person("Ann Lee", context).id == "U0AM01"
    assert parse_person("me", context).id == "U0AM01"
    assert parse_person("我", context).id == "U0AM01"
    assert parse_person("王总 (客户CIO)", context) == PersonRef(id=None, name="王总 (客户CIO)")


def test_table_rows_with_every_column_type() -> None:
    spec = FIELDS["implementation.activities"]
    rows = parse_rows(
        spec,
        "Pilot | <@U9ABCDEF|bo> | 下周五 | 是\nRenewal ｜ me ｜ end of March",
        ctx(),
        WORDS.options_for("en"),
    )
    assert rows == [
        {
            "activity": "Pilot",
            "owner": {"id": "U9ABCDEF", "name": "bo"},
            "due": "2026-12-04",
            "milestone": True,
        },
        {"activity": "Renewal", "owner": {"id": "U1", "name": "U1"}, "due": "2027-03-31"},
    ]


@pytest.mark.parametrize(
    ("text", "reason", "english"),
    [
        ("SD-WAN | cross-sell | 600k", "columns", "a row needs 4 columns separated by |"),
        (
            "SD-WAN | resell | 600k | 60%",
            "cell",
            "the kind “resell” could not be read: it is not one of the options",
        ),
        (
            "SD-WAN | cross-sell | -5 | 60%",
            "cell",
            "the outcome value “-5” could not be read: it cannot be negative",
        ),
        ("SD-WAN | cross-sell | 600k | 60", "cell", "write 60% if you mean 60 per cent"),
    ],
)
def test_unreadable_rows_say_which_column(text: str, reason: str, english: str) -> None:
    spec = FIELDS["goals.opportunities"]
    with pytest.raises(Unreadable) as error:
        parse_rows(spec, text, ctx(), WORDS.options_for("en"))
    assert error.value.reason == reason
    assert english in WORDS.reason(error.value, "en", spec)
    assert WORDS.reason(error.value, "zh", spec)
