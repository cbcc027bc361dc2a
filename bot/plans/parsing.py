"""Reading a plan answer as the field's type: money, shares, dates, people, lists, choices, table rows.

Every parser raises ``Unreadable(reason, **params)`` when it cannot read the text; ``reason`` is a key of
``reasons`` in ``prompts/plan_questions.yaml``, so the dialog tells the user why in their own language.
Amounts and shares are read by ``kam_rules.money``; dates by a small reader for the forms people type in
chat ("下周五", "3月底", "end of March", "Q1") with ``dateparser`` (zh, en) behind it for the rest. ``today``
is always passed in, so relative dates are testable.
"""

from __future__ import annotations

import calendar
import re
import unicodedata
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from typing import Any

from pydantic import ValidationError

from bot.plans.model import ColumnSpec, FieldSpec, PersonRef
from kam_rules.money import UnreadableNumber, parse_amount, parse_number, parse_share


class Unreadable(ValueError):
    """An answer that is not a value of the field's type; ``reason`` names the wording to explain why."""

    def __init__(self, reason: str, **params: Any) -> None:
        self.reason = reason
        self.params = params
        super().__init__(f"{reason}: {params}")


@dataclass
class ParseContext:
    """What parsing needs besides the text."""

    today: date
    user_id: str | None = None
    resolve_person: Callable[[str], PersonRef | None] | None = None
    """Looks a name up in the people directory; None when nobody by that name is known."""
    choice_words: dict[str, dict[str, Iterable[str]]] = field(default_factory=dict)
    """For each choice value, the words (en and zh labels, synonyms) that mean it, by language."""
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
            raise Unreadable("amount_is_share") from None
        raise Unreadable("amount") from None


def parse_share_text(text: str) -> float:
    try:
        return parse_share(text)
    except UnreadableNumber as error:
        compact = text.strip().replace(" ", "")
        if re.fullmatch(r"\d+(?:\.\d+)?", compact) and float(compact) > 1:
            raise Unreadable("share_bare", number=compact) from None
        if error.hint and "between" in error.hint:
            raise Unreadable("share_range") from None
        raise Unreadable("share") from None


def parse_int(text: str) -> int:
    try:
        value = parse_number(text)
    except UnreadableNumber:
        raise Unreadable("int") from None
    if value != int(value):
        raise Unreadable("int")
    if value < 0:
        raise Unreadable("negative")
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
        quarter = _small_number(match[2]) or 1
        year = _year_word(match[1], today)
        return _future(lambda y: _last_day(y, quarter * 3), today, year)
    # 3月底, 明年3月初, 2027年3月15日, 十二月中旬, 3月15号
    match = re.fullmatch(
        r"(今年|明年|后年|\d{4}年)?([0-9]{1,2}|[一二三四五六七八九十]{1,3})月"
        r"(?:(底|末|初|中旬|中|上旬|下旬)|([0-9]{1,2}|[一二三四五六七八九十]{1,3})[日号])?",
        compact,
    )
    if match:
        month = _small_number(match[2])
        if month is None or not 1 <= month <= 12:
            return None
        day = _small_number(match[4]) if match[4] else None
        where = _WHERE_ZH.get(match[3] or "", "end")
        year = _year_word(match[1], today)
        try:
            return _future(lambda y: _in_month(y, month, where, day), today, year)
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
        raise Unreadable("empty")
    for reader in (_read_chinese_date, _read_english_date):
        result = reader(cleaned, today)
        if result is not None:
            return result
    if not re.search(r"\d|[A-Za-z]{3,}|[今明昨后天周月年日]", cleaned) or re.fullmatch(r"\d{1,7}", cleaned):
        raise Unreadable("date")
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
        raise Unreadable("date")
    return parsed.date()


# ---------- people, lists, choices, yes/no ----------
_MENTION = re.compile(r"<@([A-Z0-9]+)(?:\|([^>]*))?>")
_SLACK_ID = re.compile(r"[UW][A-Z0-9]{6,}")


def parse_person(text: str, ctx: ParseContext) -> PersonRef:
    cleaned = _clean(text)
    if not cleaned:
        raise Unreadable("empty")
    mention = _MENTION.fullmatch(cleaned)
    if mention:
        known = ctx.resolve_person(mention[1]) if ctx.resolve_person else None
        if known is not None:
            return known
        return PersonRef(id=mention[1], name=(mention[2] or mention[1]).lstrip("@"))
    if ctx.user_id and cleaned.lower() in ctx.self_words:
        known = ctx.resolve_person(ctx.user_id) if ctx.resolve_person else None
        return known or PersonRef(id=ctx.user_id, name=ctx.user_id)
    known = ctx.resolve_person(cleaned.lstrip("@")) if ctx.resolve_person else None
    if known is not None:
        return known
    if _SLACK_ID.fullmatch(cleaned):
        return PersonRef(id=cleaned, name=cleaned)
    if len(cleaned) > 120:
        raise Unreadable("person")
    return PersonRef(id=None, name=cleaned)


_LIST_SPLIT = re.compile(r"\s*[,，、;；\n]\s*")
_NUMBERING = re.compile(r"^(?:\d+[.)、]|[-*•·])\s*")


def parse_list(text: str) -> list[str]:
    parts = [_NUMBERING.sub("", part).strip() for part in _LIST_SPLIT.split(text.strip())]
    items = [part for part in parts if part]
    if not items:
        raise Unreadable("empty")
    return list(dict.fromkeys(items))


def _norm_word(text: str) -> str:
    return re.sub(r"[\s_\-/()（）]+", "", unicodedata.normalize("NFKC", text).casefold())


def parse_choice(text: str, choices: tuple[str, ...], ctx: ParseContext, options_text: str) -> str:
    cleaned = _clean(unicodedata.normalize("NFKC", text)).rstrip(".。")
    if not cleaned:
        raise Unreadable("empty")
    if cleaned.isdigit() and 1 <= int(cleaned) <= len(choices):
        return choices[int(cleaned) - 1]
    wanted = _norm_word(cleaned)
    for choice in choices:
        words = [choice]
        for language_words in ctx.choice_words.get(choice, {}).values():
            words.extend(language_words)
        if wanted in {_norm_word(word) for word in words}:
            return choice
    # A unique prefix or containment ("large", "技术") is enough.
    matches = set()
    for choice in choices:
        words = [choice]
        for language_words in ctx.choice_words.get(choice, {}).values():
            words.extend(language_words)
        for word in words:
            normalised = _norm_word(word)
            if len(wanted) >= 2 and (normalised.startswith(wanted) or wanted in normalised):
                matches.add(choice)
    if len(matches) == 1:
        return matches.pop()
    raise Unreadable("choice", options=options_text)


def parse_bool(text: str, ctx: ParseContext) -> bool:
    cleaned = _clean(text).lower().rstrip(".。")
    if cleaned in ctx.yes_words:
        return True
    if cleaned in ctx.no_words or cleaned == "":
        return False
    raise Unreadable("bool")


def parse_text(text: str) -> str:
    cleaned = text.strip()
    if not cleaned:
        raise Unreadable("empty")
    return cleaned


# ---------- one value of a kind, table rows ----------
def parse_scalar(
    kind: str, text: str, ctx: ParseContext, *, choices: tuple[str, ...] = (), options_text: str = ""
) -> Any:
    if kind == "text":
        return parse_text(text)
    if kind == "money":
        return parse_money(text)
    if kind == "share":
        return parse_share_text(text)
    if kind == "int":
        return parse_int(text)
    if kind == "date":
        return parse_date(text, ctx.today)
    if kind == "person":
        return parse_person(text, ctx)
    if kind == "bool":
        return parse_bool(text, ctx)
    if kind == "choice":
        return parse_choice(text, choices, ctx, options_text)
    if kind == "list_of_text":
        return parse_list(text)
    raise ValueError(f"no parser for {kind}")


_COLUMN_SPLIT = re.compile(r"\s*[|｜;；\t]\s*")


def split_row(text: str) -> list[str]:
    """Columns of one table row: separated by ``|``, ``;`` (or their full-width forms) or tabs."""
    # A Slack mention carries its own bar (<@U123|ann>): keep it whole.
    protected = _MENTION.sub(lambda m: m.group(0).replace("|", "\x00"), text.strip())
    return [part.strip().replace("\x00", "|") for part in _COLUMN_SPLIT.split(protected)]


class CellUnreadable(Unreadable):
    def __init__(self, column: str, cell: str, inner: Unreadable) -> None:
        self.column = column
        self.cell = cell
        self.inner = inner
        super().__init__("cell", column=column, cell=cell)


def parse_row(
    spec: FieldSpec, text: str, ctx: ParseContext, options_for: Callable[[ColumnSpec], str]
) -> dict[str, Any]:
    cells = split_row(text)
    needed = [column for column in spec.columns if column.required]
    if len(cells) < len(needed) or len(cells) > len(spec.columns):
        raise Unreadable("columns", count=len(needed), given=len(cells))
    row: dict[str, Any] = {}
    for column, cell in zip(spec.columns, cells, strict=False):
        if not cell and not column.required:
            continue
        try:
            value = parse_scalar(
                column.kind, cell, ctx, choices=column.choices, options_text=options_for(column)
            )
        except Unreadable as inner:
            raise CellUnreadable(column.name, cell, inner) from None
        row[column.name] = value.model_dump(mode="json") if isinstance(value, PersonRef) else value
        if isinstance(row[column.name], date):
            row[column.name] = row[column.name].isoformat()
    if spec.row_model is not None:
        try:
            spec.row_model.model_validate(row)
        except ValidationError as invalid:
            first = invalid.errors()[0]
            name = str(first["loc"][0]) if first.get("loc") else spec.columns[0].name
            cell = dict(zip([c.name for c in spec.columns], cells, strict=False)).get(name, "")
            reason = "negative" if first.get("type") == "greater_than_equal" else "invalid"
            raise CellUnreadable(name, cell, Unreadable(reason)) from None
    return row


def parse_rows(
    spec: FieldSpec, text: str, ctx: ParseContext, options_for: Callable[[ColumnSpec], str]
) -> list[dict[str, Any]]:
    """One row a line (several lines in one message are several rows)."""
    lines = [line for line in text.splitlines() if line.strip()]
    if not lines:
        raise Unreadable("empty")
    return [parse_row(spec, line, ctx, options_for) for line in lines]
