"""One parser per slot kind: text, money, share, int, date, person, list, choice, yes/no, table rows.

Every form reads its answers here, so "1.2万", "45%", "下周五" or "end of March" mean the same in every form.
A parser raises ``InputError(code, **params)`` when it cannot read the text; the code is a key of ``errors``
in ``prompts/forms.yaml``, so the user is told why in their own language. Amounts and shares are read by
``kam_rules.money``; dates by a small reader for the forms people type in chat ("下周五", "3月底",
"end of March", "Q1") with ``dateparser`` (zh, en) behind it for the rest. ``today`` is always passed in, so
relative dates are testable.
"""

from __future__ import annotations

import calendar
import re
import unicodedata
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from typing import Any

from bot.coach.forms.slots import Slot
from bot.errors import InputError
from bot.plans.model import VisitFrequency
from kam_rules.money import UnreadableNumber, parse_amount, parse_number, parse_share

Person = dict[str, str | None]
"""Someone named in an answer: ``{"id": people id or None, "name": ...}``."""


@dataclass
class ParseContext:
    """What parsing needs besides the text."""

    today: date
    user_id: str | None = None
    resolve_person: Callable[[str], Person | None] | None = None
    """Looks a person up in the people directory by id or name; None when nobody by that is known."""
    choice_words: Mapping[str, Iterable[str]] = field(default_factory=dict)
    """For each choice id, the words that mean it (labels in both languages, synonyms)."""
    self_words: tuple[str, ...] = ("me", "myself", "i", "我", "我自己", "本人")
    yes_words: tuple[str, ...] = (
        "yes",
        "y",
        "true",
        "1",
        "x",
        "✓",
        "milestone",
        "是",
        "是的",
        "对",
        "里程碑",
    )
    no_words: tuple[str, ...] = ("no", "n", "false", "0", "-", "否", "不是", "不", "无")


def _clean(text: str) -> str:
    return " ".join(text.strip().split())


# ---------- numbers ----------
def parse_money(text: str) -> float:
    try:
        return parse_amount(text)
    except UnreadableNumber as error:
        if error.hint and "percentage" in error.hint and re.fullmatch(r"[\d.,\s]+[%％‰]", text.strip()):
            raise InputError("amount_is_share") from None
        raise InputError("amount") from None


def parse_share_text(text: str) -> float:
    try:
        return parse_share(text)
    except UnreadableNumber as error:
        compact = text.strip().replace(" ", "")
        if re.fullmatch(r"\d+(?:\.\d+)?", compact) and float(compact) > 1:
            raise InputError("share_bare", number=compact) from None
        if error.hint and "between" in error.hint:
            raise InputError("share_range") from None
        raise InputError("share") from None


def parse_int(text: str) -> int:
    try:
        value = parse_number(text)
    except UnreadableNumber:
        raise InputError("int") from None
    if value != int(value):
        raise InputError("int")
    if value < 0:
        raise InputError("negative")
    return int(value)


# ---------- dates ----------
_ZH_DIGITS = {
    "零": 0,
    "〇": 0,
    "一": 1,
    "二": 2,
    "两": 2,
    "三": 3,
    "四": 4,
    "五": 5,
    "六": 6,
    "七": 7,
    "八": 8,
    "九": 9,
    "十": 10,
    "十一": 11,
    "十二": 12,
}
_WEEKDAYS_ZH = {
    "一": 0,
    "二": 1,
    "三": 2,
    "四": 3,
    "五": 4,
    "六": 5,
    "日": 6,
    "天": 6,
    "1": 0,
    "2": 1,
    "3": 2,
    "4": 3,
    "5": 4,
    "6": 5,
    "7": 6,
}
_MONTHS_EN = {name.lower(): index for index, name in enumerate(calendar.month_name) if name}
_MONTHS_EN.update({name.lower(): index for index, name in enumerate(calendar.month_abbr) if name})
_MONTHS_EN["sept"] = 9


def _small_number(text: str) -> int | None:
    if text.isdigit():
        return int(text)
    if text in _ZH_DIGITS:
        return _ZH_DIGITS[text]
    if len(text) == 2 and text[0] == "十" and text[1] in _ZH_DIGITS:
        return 10 + _ZH_DIGITS[text[1]]
    if len(text) in (2, 3) and text[1] == "十" and text[0] in _ZH_DIGITS:
        tail = _ZH_DIGITS.get(text[2], 0) if len(text) == 3 else 0
        return _ZH_DIGITS[text[0]] * 10 + tail
    return None


def _last_day(year: int, month: int) -> date:
    return date(year, month, calendar.monthrange(year, month)[1])


def _add_months(day: date, months: int) -> date:
    index = day.year * 12 + day.month - 1 + months
    year, month = divmod(index, 12)
    return date(year, month + 1, min(day.day, calendar.monthrange(year, month + 1)[1]))


def _in_month(year: int, month: int, where: str, day: int | None = None) -> date:
    if day is not None:
        return date(year, month, day)
    if where == "end":
        return _last_day(year, month)
    if where == "mid":
        return date(year, month, 15)
    return date(year, month, 1)


def _day_of_month(today: date, months_ahead: int, day: int | None) -> date:
    """That day of the month ``months_ahead`` from today's; a day the month lacks is unreadable (not
    handed on to dateparser, which would move it to another day)."""
    first = _add_months(today.replace(day=1), months_ahead)
    if day is None or not 1 <= day <= calendar.monthrange(first.year, first.month)[1]:
        raise InputError("date")
    return first.replace(day=day)


def _future(make: Callable[[int], date], today: date, year: int | None) -> date:
    """The date in ``year`` if given, else this year's or, once that has passed, next year's."""
    if year is not None:
        return make(year)
    candidate = make(today.year)
    return candidate if candidate >= today else make(today.year + 1)


def _year_word(word: str | None, today: date) -> int | None:
    if not word:
        return None
    word = word.strip()
    if word in ("今年", "this year"):
        return today.year
    if word in ("明年", "next year"):
        return today.year + 1
    if word in ("后年",):
        return today.year + 2
    digits = re.sub(r"\D", "", word)
    return int(digits) if digits else None


_WHERE_ZH = {
    "底": "end",
    "末": "end",
    "初": "start",
    "中": "mid",
    "中旬": "mid",
    "上旬": "start",
    "下旬": "end",
}
_WHERE_EN = {
    "end": "end",
    "the end": "end",
    "late": "end",
    "start": "start",
    "beginning": "start",
    "the start": "start",
    "the beginning": "start",
    "early": "start",
    "mid": "mid",
    "middle": "mid",
    "the middle": "mid",
}


def _read_chinese_date(text: str, today: date) -> date | None:
    compact = text.replace(" ", "")
    # 下周五, 这周三, 本星期一, 下下周一, 周五
    match = re.fullmatch(r"(这|本|下下|下|上)?个?(?:周|星期|礼拜)([一二三四五六日天1-7])", compact)
    if match:
        which, day_word = match.groups()
        weeks = {"下": 1, "下下": 2, "上": -1}.get(which or "", 0)
        monday = today - timedelta(days=today.weekday()) + timedelta(weeks=weeks)
        result = monday + timedelta(days=_WEEKDAYS_ZH[day_word])
        if which is None and result < today:
            result += timedelta(weeks=1)
        return result
    # 3天后, 两周后, 三个月后, 1年后
    match = re.fullmatch(
        r"([0-9]+|[一二两三四五六七八九十]+)(天|日|周|星期|个月|月|年)(?:后|以后|之后)", compact
    )
    if match:
        count = _small_number(match[1])
        if count is None:
            return None
        unit = match[2]
        if unit in ("天", "日"):
            return today + timedelta(days=count)
        if unit in ("周", "星期"):
            return today + timedelta(weeks=count)
        if unit in ("个月", "月"):
            return _add_months(today, count)
        return _add_months(today, 12 * count)
    # 下个月1号, 下月1日, 本月15号, 这个月28日, 下下个月一号, 下个月的15号
    match = re.fullmatch(
        r"(本|这个|这|下下个|下下|下个|下|上个|上)月的?([0-9]{1,2}|[一二三四五六七八九十]{1,3})[日号]",
        compact,
    )
    if match:
        offset = {"下下个": 2, "下下": 2, "下个": 1, "下": 1, "上个": -1, "上": -1}.get(match[1], 0)
        return _day_of_month(today, offset, _small_number(match[2]))
    # 月底, 本月底, 下个月底, 下月初
    match = re.fullmatch(r"(本|这个|下个|下|上个)?月(底|末|初|中|中旬|上旬|下旬)", compact)
    if match:
        offset = {"下个": 1, "下": 1, "上个": -1}.get(match[1] or "", 0)
        first = _add_months(today.replace(day=1), offset)
        return _in_month(first.year, first.month, _WHERE_ZH[match[2]])
    # 年底, 今年年底, 明年年初, 2027年底
    match = re.fullmatch(r"(今年|明年|后年|\d{4}年)?年?(底|末|初|中)", compact)
    if match and (match[1] or compact.startswith("年")):
        year = _year_word(match[1], today) or today.year
        where = _WHERE_ZH[match[2]]
        if where == "end":
            return date(year, 12, 31)
        if where == "mid":
            return date(year, 6, 30)
        return date(year, 1, 1)
    # 一季度, 第一季度, Q1(末), 2027年第二季度
    match = re.fullmatch(r"(今年|明年|\d{4}年)?(?:第)?([一二三四1-4])季度(?:末|底)?", compact)
    if match:
        quarter: int = _small_number(match[2]) or 1
        return _future(lambda y: _last_day(y, quarter * 3), today, _year_word(match[1], today))
    # 3月底, 明年3月初, 2027年3月15日, 十二月中旬, 3月15号
    match = re.fullmatch(
        r"(今年|明年|后年|\d{4}年)?([0-9]{1,2}|[一二三四五六七八九十]{1,3})月"
        r"(?:(底|末|初|中旬|中|上旬|下旬)|([0-9]{1,2}|[一二三四五六七八九十]{1,3})[日号])?",
        compact,
    )
    if match:
        found_month = _small_number(match[2])
        if found_month is None or not 1 <= found_month <= 12:
            return None
        month: int = found_month
        day = _small_number(match[4]) if match[4] else None
        where = _WHERE_ZH.get(match[3] or "", "end")
        try:
            return _future(lambda y: _in_month(y, month, where, day), today, _year_word(match[1], today))
        except ValueError:
            return None
    return None


def _read_english_date(text: str, today: date) -> date | None:
    lowered = text.lower().strip().rstrip(".")
    month_names = "|".join(sorted(_MONTHS_EN, key=len, reverse=True))
    where_words = "|".join(sorted(_WHERE_EN, key=len, reverse=True))
    # end of March, the end of march 2027, mid-April, early May next year, beginning of June
    match = re.fullmatch(
        rf"(?:by\s+)?({where_words})(?:\s+of\s+|-|\s+)({month_names})\.?"
        r"(?:,?\s+(\d{4}|next year|this year))?",
        lowered,
    )
    if match:
        where = _WHERE_EN[match[1]]
        month = _MONTHS_EN[match[2]]
        year = _year_word(match[3], today)
        return _future(lambda y: _in_month(y, month, where), today, year)
    # the 1st of next month, first of this month, next month on the 15th, next month 1st
    ordinal = r"(?:(\d{1,2})(?:st|nd|rd|th)?|first)"
    day_first = re.fullmatch(rf"(?:on\s+)?(?:the\s+)?{ordinal}\s+of\s+(this|next|the)\s+month", lowered)
    month_first = re.fullmatch(rf"(this|next)\s+month,?\s+(?:on\s+)?(?:the\s+)?{ordinal}", lowered)
    if day_first or month_first:
        digits, which = (day_first[1], day_first[2]) if day_first else (month_first[2], month_first[1])  # type: ignore[index]
        return _day_of_month(today, 1 if which == "next" else 0, int(digits) if digits else 1)
    # end of this month / next month / the month
    match = re.fullmatch(rf"(?:by\s+)?({where_words})\s+of\s+(?:the\s+)?(this|next|the)?\s*month", lowered)
    if match:
        first = _add_months(today.replace(day=1), 1 if match[2] == "next" else 0)
        return _in_month(first.year, first.month, _WHERE_EN[match[1]])
    # end of the year / end of next year / year end
    match = re.fullmatch(rf"(?:by\s+)?({where_words})\s+of\s+(?:the\s+)?(this\s+|next\s+)?year", lowered)
    if match or lowered in ("year end", "year-end", "end of year"):
        year = today.year + (1 if match and match[2] and match[2].strip() == "next" else 0)
        where = _WHERE_EN[match[1]] if match else "end"
        return {"end": date(year, 12, 31), "mid": date(year, 6, 30), "start": date(year, 1, 1)}[where]
    # Q1, q2 2027, end of Q3
    match = re.fullmatch(r"(?:(?:by\s+)?(?:the\s+)?end\s+of\s+)?q([1-4])(?:\s+(\d{4}))?", lowered)
    if match:
        quarter = int(match[1])
        year = int(match[2]) if match[2] else None
        return _future(lambda y: _last_day(y, quarter * 3), today, year)
    return None


def parse_date(text: str, today: date) -> date:
    cleaned = _clean(unicodedata.normalize("NFKC", text))
    if not cleaned:
        raise InputError("empty")
    for reader in (_read_chinese_date, _read_english_date):
        result = reader(cleaned, today)
        if result is not None:
            return result
    if not re.search(r"\d|[A-Za-z]{3,}|[今明昨后天周月年日]", cleaned) or re.fullmatch(r"\d{1,7}", cleaned):
        raise InputError("date")
    import dateparser

    parsed = dateparser.parse(
        cleaned,
        languages=["zh", "en"],
        settings={
            "RELATIVE_BASE": datetime.combine(today, datetime.min.time()),
            "PREFER_DATES_FROM": "future",
            "PREFER_DAY_OF_MONTH": "last",
            "RETURN_AS_TIMEZONE_AWARE": False,
            "DATE_ORDER": "YMD" if re.match(r"\d{4}", cleaned) else "DMY",
        },
    )
    if parsed is None:
        raise InputError("date")
    return parsed.date()


# ---------- visit frequency ----------
# How often people say they visit, mapped onto the plan's VisitFrequency choices. Language-independent data
# (both languages in one table): the form engine's choice parser tries this before the choice labels.
_FREQUENCY_WORDS: dict[VisitFrequency, tuple[str, ...]] = {
    "weekly": ("weekly", "every week", "each week", "once a week", "once per week",
               "每周", "每星期", "每礼拜", "每个星期", "一周一次", "每周一次", "每星期一次",
               "每礼拜一次", "按周"),
    "fortnightly": ("fortnightly", "biweekly", "bi-weekly", "every other week", "every second week",
                    "twice a month", "semimonthly", "semi-monthly",
                    "每两周", "双周", "隔周", "两周一次", "每两周一次", "每半个月", "每半月", "半月一次"),
    "monthly": ("monthly", "every month", "each month", "once a month", "once per month",
                "每月", "每个月", "月度", "按月", "一月一次", "一个月一次", "每月一次"),
    "quarterly": ("quarterly", "every quarter", "each quarter", "once a quarter",
                  "每季度", "每个季度", "每季", "按季度", "季度", "一季度一次", "每季度一次"),
}  # fmt: skip
_EN_COUNTS = {
    "one": 1,
    "a": 1,
    "once": 1,
    "two": 2,
    "twice": 2,
    "three": 3,
    "four": 4,
    "six": 6,
    "twelve": 12,
}
_TIMES_A_MONTH: dict[int, VisitFrequency] = {4: "weekly", 2: "fortnightly", 1: "monthly"}
_INTERVAL_DAYS: dict[int, VisitFrequency] = {7: "weekly", 14: "fortnightly", 28: "monthly", 30: "monthly",
                                             84: "quarterly", 90: "quarterly", 91: "quarterly"}  # fmt: skip


def _count(word: str) -> int | None:
    return _EN_COUNTS.get(word) if word in _EN_COUNTS else _small_number(word)


def read_visit_frequency(text: str) -> VisitFrequency | None:
    """The visit frequency a phrase means ("every 2 weeks", "biweekly", "每两周", "双周" -> fortnightly;
    "每周", "once a week" -> weekly; "every 3 months" -> quarterly), or None when it names none of the
    four (every 3 weeks, daily) and the caller should ask again."""
    cleaned = re.sub(r"\s+", " ", unicodedata.normalize("NFKC", text).casefold()).strip(" .。!！")
    if not cleaned:
        return None
    for frequency, words in _FREQUENCY_WORDS.items():
        if cleaned in words:
            return frequency
    number = r"(\d+|[a-z]+|[一二两三四五六七八九十]+)"
    compact = cleaned.replace(" ", "")
    # every 2 weeks, every three months, 每2周(一次), 每三个月, 两周一次, 3个月一次
    match = re.fullmatch(rf"(?:once )?every {number} (week|month)s?", cleaned) or re.fullmatch(
        rf"(?:每{number}个?(周|星期|礼拜|月)(?:一次)?|{number}个?(周|星期|礼拜|月)一次)", compact
    )
    if match:
        count_word, unit = (match[1], match[2]) if match[1] else (match[3], match[4])
        count = _count(count_word)
        days = 7 if unit in ("week", "周", "星期", "礼拜") else 30
        return _INTERVAL_DAYS.get(count * days) if count else None
    # 4 times a month, twice a month, 每月两次, 一个月两次
    match = re.fullmatch(rf"{number} (?:times )?(?:a|per) month", cleaned) or re.fullmatch(
        rf"(?:每|一)个?月{number}次", compact
    )
    if match:
        count = _count(match[1])
        return _TIMES_A_MONTH.get(count) if count else None
    return None


# ---------- people, lists, choices, yes/no ----------
def parse_person(text: str, ctx: ParseContext) -> Person:
    """A person from the people directory (by id or name), "me", "@id", or just a name (a customer contact).

    Adapters turn their own mention syntax into "@id" before the text reaches a form."""
    cleaned = _clean(text)
    if not cleaned:
        raise InputError("empty")
    resolve = ctx.resolve_person or (lambda _text: None)
    if ctx.user_id and cleaned.casefold() in ctx.self_words:
        return resolve(ctx.user_id) or {"id": ctx.user_id, "name": ctx.user_id}
    known = resolve(cleaned.removeprefix("@"))
    if known is not None:
        return known
    if cleaned.startswith("@") and len(cleaned) > 1 and " " not in cleaned:
        return {"id": cleaned[1:], "name": cleaned[1:]}
    if len(cleaned) > 120:
        raise InputError("person")
    return {"id": None, "name": cleaned}


_LIST_SPLIT = re.compile(r"\s*[,，、;；\n]\s*")
_NUMBERING = re.compile(r"^(?:\d+[.)、]|[-*•·])\s*")


def parse_list(text: str) -> list[str]:
    parts = [_NUMBERING.sub("", part).strip() for part in _LIST_SPLIT.split(text.strip())]
    items = [part for part in parts if part]
    if not items:
        raise InputError("empty")
    return list(dict.fromkeys(items))


def norm_word(text: str) -> str:
    """A word for comparison: case, width, spaces and punctuation inside it ignored."""
    return re.sub(r"[\s_\-/()（）.。'’]+", "", unicodedata.normalize("NFKC", text).casefold())


def parse_choice(text: str, choices: tuple[str, ...], ctx: ParseContext) -> str:
    """A choice by its number in the list, its id, a label or synonym; a unique prefix or part of one."""
    cleaned = _clean(unicodedata.normalize("NFKC", text)).rstrip(".。")
    if not cleaned:
        raise InputError("empty")
    if cleaned.isdigit() and 1 <= int(cleaned) <= len(choices):
        return choices[int(cleaned) - 1]
    wanted = norm_word(cleaned)
    words = {
        choice: {norm_word(w) for w in [choice, *ctx.choice_words.get(choice, ())]} for choice in choices
    }
    for choice in choices:
        if wanted in words[choice]:
            return choice
    matches = {
        choice
        for choice in choices
        for word in words[choice]
        if len(wanted) >= 2 and (word.startswith(wanted) or wanted in word)
    }
    if len(matches) == 1:
        return matches.pop()
    raise InputError("choice", text=cleaned)


def parse_bool(text: str, ctx: ParseContext) -> bool:
    cleaned = _clean(unicodedata.normalize("NFKC", text)).casefold().rstrip(".。!！")
    if cleaned in ctx.yes_words:
        return True
    if cleaned in ctx.no_words:
        return False
    raise InputError("bool", text=cleaned)


def parse_text(text: str) -> str:
    cleaned = text.strip()
    if not cleaned:
        raise InputError("empty")
    return cleaned


# ---------- one value of a slot's kind ----------
def parse_value(slot: Slot, text: str, ctx: ParseContext) -> Any:
    """The answer as the slot's kind, JSON-ready: dates as ISO text, people as {id, name}, rows as dicts."""
    kind = slot.kind
    if kind == "text":
        return parse_text(text)
    if kind == "money":
        return parse_money(text)
    if kind == "share":
        return parse_share_text(text)
    if kind == "int":
        return parse_int(text)
    if kind == "date":
        return parse_date(text, ctx.today).isoformat()
    if kind == "person":
        return parse_person(text, ctx)
    if kind == "bool":
        return parse_bool(text, ctx)
    if kind == "choice":
        return parse_choice(text, slot.choices, ctx)
    if kind == "list":
        return parse_list(text)
    if kind == "table":
        return parse_rows(slot, text, ctx)
    raise ValueError(f"no parser for {kind}")


_COLUMN_SPLIT = re.compile(r"\s*[|｜;；\t]\s*")


def split_row(text: str) -> list[str]:
    """Columns of one table row: separated by ``|``, ``;`` (or their full-width forms) or tabs."""
    return [part.strip() for part in _COLUMN_SPLIT.split(text.strip())]


def cell_error(column: str, cell: str, inner: InputError) -> InputError:
    return InputError("cell", column=column, cell=cell, inner=inner)


def parse_row(slot: Slot, cells: list[str], ctx: ParseContext) -> dict[str, Any]:
    """One row of a table slot from its cells, in column order; optional columns may be left empty."""
    needed = [column for column in slot.columns if column.required]
    if len(cells) < len(needed) or len(cells) > len(slot.columns):
        raise InputError("columns", count=len(needed), given=len(cells))
    row: dict[str, Any] = {}
    for column, cell in zip(slot.columns, cells, strict=False):
        if not cell and not column.required:
            continue
        try:
            row[column.name] = parse_value(column, cell, ctx)
            if column.validate is not None:
                row[column.name] = column.validate(row[column.name])
        except InputError as inner:
            raise cell_error(column.name, cell, inner) from None
    if slot.validate_row is not None:
        try:
            row = slot.validate_row(row)
        except InputError as error:
            if error.code != "cell":
                raise
            typed = dict(zip([column.name for column in slot.columns], cells, strict=False))
            column = error.params["column"]
            raise cell_error(column, typed.get(column, ""), error.params["inner"]) from None
    return row


def parse_rows(slot: Slot, text: str, ctx: ParseContext) -> list[dict[str, Any]]:
    """One row a line (several lines in one message are several rows)."""
    lines = [line for line in text.splitlines() if line.strip()]
    if not lines:
        raise InputError("empty")
    return [parse_row(slot, split_row(line), ctx) for line in lines]
