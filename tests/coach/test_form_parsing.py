"""Reading answers, the same for every form: dates (relative, zh and en, with a fixed today), amounts,
shares, people, lists, choices and table rows; and the reason given, in the user's language, when an
answer cannot be read."""

from __future__ import annotations

from datetime import date

import pytest

from bot.coach.forms.display import describe_error
from bot.coach.forms.parsing import (
    ParseContext,
    parse_date,
    parse_list,
    parse_person,
    parse_rows,
    parse_value,
)
from bot.coach.forms.plan import FIELD_SLOTS
from bot.coach.forms.slots import Slot
from bot.errors import InputError

TODAY = date(2026, 11, 27)  # a Friday
SLOTS = {slot.name: slot for slot in FIELD_SLOTS}


@pytest.fixture
def plan_session(form_session):
    return lambda language="en": form_session("plan", language)[0]


@pytest.fixture
def ctx(plan_session):
    def make(resolve=None, user="U1") -> ParseContext:
        context = plan_session().parse_context()
        context.today, context.user_id, context.resolve_person = TODAY, user, resolve
        return context

    return make


def why(session, error: InputError, slot: Slot) -> str:
    return describe_error(session, error, slot)


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
    with pytest.raises(InputError) as error:
        parse_date(text, TODAY)
    assert error.value.code in ("date", "empty")


def test_reasons_are_in_the_users_language(plan_session, ctx) -> None:
    slot = SLOTS["review.start_date"]
    with pytest.raises(InputError) as error:
        parse_value(slot, "过几天吧", ctx())
    assert why(plan_session("zh"), error.value, slot) == "我看不懂这个日期（可以写2027-03-31、下周五或3月底）"
    assert why(plan_session("en"), error.value, slot).startswith("it is not a date I understand")


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
def test_numbers(kind: str, text: str, expected: float, ctx) -> None:
    assert parse_value(Slot("x", kind), text, ctx()) == pytest.approx(expected)


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
def test_unreadable_numbers(kind: str, text: str, reason: str, ctx, plan_session) -> None:
    slot = Slot("x", kind)
    with pytest.raises(InputError) as error:
        parse_value(slot, text, ctx())
    assert error.value.code == reason
    assert why(plan_session("en"), error.value, slot) and why(plan_session("zh"), error.value, slot)


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
def test_choices_by_number_label_and_synonym(text: str, choice: str, ctx) -> None:
    assert parse_value(SLOTS["customer.segment_size"], text, ctx()) == choice


@pytest.mark.parametrize(
    ("text", "choice"),
    [("every 2 weeks", "fortnightly"), ("biweekly", "fortnightly"), ("每两周", "fortnightly"),
     ("双周", "fortnightly"), ("once a week", "weekly"), ("每个月", "monthly"),
     ("every quarter", "quarterly")],
)  # fmt: skip
def test_visit_frequencies_as_people_say_them(text: str, choice: str, ctx) -> None:
    assert parse_value(SLOTS["strategy.visit_frequency"], text, ctx()) == choice


def test_a_choice_that_is_not_an_option_lists_the_options(ctx, plan_session) -> None:
    slot = SLOTS["customer.segment_size"]
    with pytest.raises(InputError) as error:
        parse_value(slot, "4", ctx())
    assert "1. large enterprise / institution / government" in why(plan_session(), error.value, slot)


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


def test_people_by_id_name_self_or_free_text(ctx) -> None:
    ann = {"id": "U0AM01", "name": "Ann Lee"}
    known = {"Ann Lee": ann, "U0AM01": ann}
    context = ctx(resolve=known.get, user="U0AM01")
    assert parse_person("@U0SE01", context) == {"id": "U0SE01", "name": "U0SE01"}  # adapters write "@id"
    assert parse_person("@U0AM01", context) == ann
    assert parse_person("Ann Lee", context)["id"] == "U0AM01"
    assert parse_person("me", context)["id"] == "U0AM01"
    assert parse_person("我", context)["id"] == "U0AM01"
    assert parse_person("王总 (客户CIO)", context) == {"id": None, "name": "王总 (客户CIO)"}


def test_table_rows_with_every_column_type(ctx) -> None:
    rows = parse_rows(
        SLOTS["implementation.activities"],
        "Pilot | @U9ABCDEF | 下周五 | 是\nRenewal ｜ me ｜ end of March",
        ctx(),
    )
    assert rows == [
        {
            "activity": "Pilot",
            "owner": {"id": "U9ABCDEF", "name": "U9ABCDEF"},
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
def test_unreadable_rows_say_which_column(text: str, reason: str, english: str, ctx, plan_session) -> None:
    slot = SLOTS["goals.opportunities"]
    with pytest.raises(InputError) as error:
        parse_rows(slot, text, ctx())
    assert error.value.code == reason
    assert english in why(plan_session("en"), error.value, slot)
    assert why(plan_session("zh"), error.value, slot)
