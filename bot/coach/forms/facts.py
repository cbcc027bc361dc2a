"""Facts told in prose: what a situation ("the customer wants 20% off, our policy allows 10%", "手上三个机会：
A客户交叉销售200万、七成把握；…") gives a rule, read as the values of the rule's form.

Each form says which facts it reads (its ``situation`` hook, next to its slots); this module holds what they
share: the figures people write inside a sentence (amounts, shares, "八折", hours, dates) and the pieces a
list written as prose falls into. Figures are parsed by the forms' own parsers (``parsing.py``), so "1.2万",
"七成" or "45%" mean the same as when typed as an answer. Words that name a concept in prose (a skill, an
activity, the policy) are data, in the form's prompt file under ``situation:``.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import date
from typing import Any

from bot.coach.forms.parsing import parse_date, parse_money, parse_share_text
from bot.errors import InputError

# A figure inside a sentence: 100, 1,200.5, $1.2k, 85万元, 1.2M, 两百万, 45%, 百分之四十五, 七成, 四成五.
AMOUNT = re.compile(
    r"(?:(?:US\$|RMB|CNY|USD|人民币|[¥￥$€£])\s*)?"
    r"(?:(?:\d{1,3}(?:,\d{3})+|\d+)(?:\.\d+)?|\.\d+)"
    r"(?:\s*(?:万亿|千万|百万|十万|千|万|亿|(?:thousand|million|billion|mn|bn|k|m|b|w)(?![A-Za-z])))?"
    r"|[一二两三四五六七八九十百千]+(?:万|亿)",
    re.IGNORECASE,
)
SHARE = re.compile(
    r"(?:\d+(?:\.\d+)?|\.\d+)\s*(?:[%％]|percent(?![A-Za-z])|per cent(?![A-Za-z]))"
    r"|百分之[零〇一二两三四五六七八九十点]+"
    r"|(?:[一二两三四五六七八九]|\d)成(?:[一二三四五六七八九]|\d(?!\d))?"
)
# "八折" is 80% of the price, a discount of 20%; "八五折" / "8.5折" 15%; "95折" 5%.
ZHE = re.compile(r"(?<![\d.一二三四五六七八九])([一二三四五六七八九]{1,2}|\d(?:\.\d)?|\d{2})\s*折")
_ZH_DIGIT = {"一": 1, "二": 2, "三": 3, "四": 4, "五": 5, "六": 6, "七": 7, "八": 8, "九": 9}
HOURS = re.compile(r"(?P<n>\d+(?:\.\d+)?)\s*(?:h|hrs?|hours?|个?小时|钟头)(?![A-Za-z])", re.IGNORECASE)
SMALL_INT = re.compile(r"(?<![\d.])([1-5])(?![\d%％]|\.\d)|([一二三四五])(?=分)")
DATE = re.compile(
    r"\d{4}-\d{1,2}-\d{1,2}"
    r"|(?:\d{4}年)?\d{1,2}月\d{1,2}[日号]?"
    r"|(?:jan|feb|mar|apr|may|jun|jul|aug|sep|sept|oct|nov|dec)[a-z]*\.?\s+\d{1,2}(?:st|nd|rd|th)?(?:,?\s+\d{4})?"
    r"|\d{1,2}(?:st|nd|rd|th)?\s+(?:of\s+)?(?:jan|feb|mar|apr|may|jun|jul|aug|sep|sept|oct|nov|dec)[a-z]*\.?"
    r"(?:,?\s+\d{4})?",
    re.IGNORECASE,
)
ITEM_BREAK = re.compile(r"[;；\n。]|[？?](?=\s|$)|\.(?:\s+|$)|(?<=\S)\s+\d[.)、]\s+")
CLAUSE_BREAK = re.compile(r"[,，;；。！？!?\n]|\.(?:\s|$)|\s(?:and|but|while|whereas)\s")


@dataclass
class Facts:
    """Values a message gave in prose, by slot name (a table's rows as a list of dicts)."""

    values: dict[str, Any] = field(default_factory=dict)

    def __bool__(self) -> bool:
        return bool(self.values)

    @property
    def rows(self) -> bool:
        """Two rows of a rule's table or more (opportunities, accounts, ratings, hours): data, not words."""
        return any(isinstance(v, list) and len(v) >= 2 for v in self.values.values())

    @property
    def weight(self) -> int:
        """How much the message told: a value counts one, a table its rows."""
        return sum(len(v) if isinstance(v, list) else 1 for v in self.values.values())


@dataclass(frozen=True)
class Found:
    """A figure or word found in a text, where it is."""

    start: int
    end: int
    value: Any


def _valid(pattern: re.Pattern[str], text: str, parse: Any) -> list[Found]:
    found = []
    for match in pattern.finditer(text):
        try:
            found.append(Found(match.start(), match.end(), parse(match.group(0))))
        except InputError:
            continue
    return found


_PERCENT_WORD = re.compile(r"\s*(?:per\s*cent|percent)", re.IGNORECASE)


def shares(text: str) -> list[Found]:
    """Percentages and Chinese tenths (七成) in a text, as fractions."""
    return _valid(SHARE, text, lambda raw: parse_share_text(_PERCENT_WORD.sub("%", raw).replace(" ", "")))


def amounts(text: str) -> list[Found]:
    """Amounts in a text, percentages and tenths left out ("50%" is no amount)."""
    taken = [(f.start, f.end) for f in shares(text)]
    return [
        f
        for f in _valid(AMOUNT, text, lambda raw: parse_money(raw.replace(" ", "")))
        if not any(start <= f.start < end for start, end in taken)
    ]


def zhe_discounts(text: str) -> list[Found]:
    """ "八折" (20% off), "八五折" (15%), "9.5折" (5%): the discount a 折 figure means."""
    found = []
    for match in ZHE.finditer(text):
        raw = match.group(1)
        if raw[0] in _ZH_DIGIT:
            digits = [_ZH_DIGIT[c] for c in raw]
            tenths = digits[0] + (digits[1] / 10 if len(digits) > 1 else 0)
        elif "." in raw:
            tenths = float(raw)
        else:
            tenths = float(raw) if len(raw) == 1 else int(raw) / 10
        if 0 < tenths < 10:
            found.append(Found(match.start(), match.end(), round(1 - tenths / 10, 4)))
    return found


def hours(text: str) -> list[Found]:
    return [Found(m.start(), m.end(), float(m["n"])) for m in HOURS.finditer(text)]


def ratings(text: str) -> list[int]:
    """Scores of 1 to 5 in order ("重要性5分、现在只有2分", "4 vs 2")."""
    return [int(m[1]) if m[1] else _ZH_DIGIT[m[2]] for m in SMALL_INT.finditer(text)]


def dates(text: str, today: date) -> list[Found]:
    return _valid(DATE, text, lambda raw: parse_date(raw, today))


def words(text: str, vocabulary: Mapping[str, Iterable[str]]) -> list[Found]:
    """Where each id's words occur (case-insensitive, English as whole words), longest word first, no two
    finds overlapping: {"travel": ["driving", "路上"]} finds "travel" at "10h driving"."""
    entries = sorted(
        ((str(word), key) for key, group in vocabulary.items() for word in group if str(word).strip()),
        key=lambda entry: -len(entry[0]),
    )
    found: list[Found] = []
    lowered = text.lower()
    for word, key in entries:
        if word.lower() not in lowered:  # most words are absent: a substring test spares their regex
            continue
        pattern = re.escape(word.lower())
        if word[0].isascii() and word[0].isalnum():
            pattern = r"(?<![a-z])" + pattern
        if word[-1].isascii() and word[-1].isalnum():
            pattern += r"(?![a-z])"
        for match in re.finditer(pattern, lowered):
            if not any(f.start < match.end() and match.start() < f.end for f in found):
                found.append(Found(match.start(), match.end(), key))
    return sorted(found, key=lambda f: f.start)


def items(text: str) -> list[str]:
    """A list written as prose, one piece an item: after a lead-in ("手上三个机会：", "4 deals on my plate:"),
    split at semicolons, new lines and numbering."""
    colon = re.search(r"[:：]", text)
    body = text[colon.end() :] if colon and len(text) - colon.end() > colon.start() else text
    return [piece.strip(" ,，。.") for piece in ITEM_BREAK.split(body) if piece.strip(" ,，。.")]


def clauses(text: str) -> list[tuple[int, str]]:
    """The clauses of a sentence, each with where it starts."""
    out: list[tuple[int, str]] = []
    start = 0
    for match in CLAUSE_BREAK.finditer(text):
        if match.start() > start:
            out.append((start, text[start : match.start()]))
        start = match.end()
    if start < len(text):
        out.append((start, text[start:]))
    return out


def segments(text: str, anchors: list[Found]) -> list[tuple[Found, str]]:
    """Each anchor (a skill, an activity) with the text up to the next anchor: its figures are in there."""
    out = []
    for n, anchor in enumerate(anchors):
        end = anchors[n + 1].start if n + 1 < len(anchors) else len(text)
        out.append((anchor, text[anchor.end : end]))
    return out


def has_any(text: str, patterns: Iterable[str]) -> bool:
    return any(re.search(pattern, text, re.IGNORECASE) for pattern in patterns)


def leftover(text: str, spans: Iterable[Found], filler: Iterable[str]) -> str:
    """What is left of a text once its figures and named words are taken out, less filler: a name."""
    chars = list(text)
    for span in spans:
        for i in range(span.start, span.end):
            chars[i] = " "
    rest = "".join(chars)
    for word in sorted(filler, key=len, reverse=True):
        if word.isascii():
            rest = re.sub(rf"(?<![A-Za-z]){re.escape(word)}(?![A-Za-z])", " ", rest)  # "A客户" keeps its A
        else:
            rest = rest.replace(word, " ")
    return " ".join(re.sub(r"[~～、,，:：;；()（）\"'“”]+", " ", rest).split()).strip(" .-")


_UNIT_WORDS = [
    "zero",
    "one",
    "two",
    "three",
    "four",
    "five",
    "six",
    "seven",
    "eight",
    "nine",
    "ten",
    "eleven",
    "twelve",
    "thirteen",
    "fourteen",
    "fifteen",
    "sixteen",
    "seventeen",
    "eighteen",
    "nineteen",
]
_TENS_WORDS = ["twenty", "thirty", "forty", "fifty", "sixty", "seventy", "eighty", "ninety"]
_NUMBER_WORD = "|".join([*_UNIT_WORDS, *_TENS_WORDS, "hundred"])
_NUMBER_RUN = re.compile(rf"\b(?:{_NUMBER_WORD})(?:[\s-]+(?:and[\s-]+)?(?:{_NUMBER_WORD}))*\b", re.IGNORECASE)
_SCALE_NEXT = re.compile(r"\s*(?:thousand|million|billion|percent|per cent)\b", re.IGNORECASE)


def spell_out(text: str) -> str:
    """Numbers written in English words, where they are a figure ("two hundred thousand", "twenty-five
    percent", "forty five"), as digits ("200 thousand", "25 percent", "45"); a lone "one" or "two" stays."""

    def value(match: re.Match[str]) -> str:
        words = [w for w in re.split(r"[\s-]+", match.group(0).lower()) if w != "and"]
        followed = bool(_SCALE_NEXT.match(text, match.end()))
        if len(words) < 2 and not followed:
            return match.group(0)
        current = 0
        for word in words:
            if word == "hundred":
                current = max(current, 1) * 100
            elif word in _TENS_WORDS:
                current += 10 * (_TENS_WORDS.index(word) + 2)
            else:
                current += _UNIT_WORDS.index(word)
        return str(current)

    return _NUMBER_RUN.sub(value, text)
