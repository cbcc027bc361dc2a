"""The one way numbers, amounts, shares and dates are written for people, in English and Chinese.

Every reply, rationale, CLI table and export formats through here, so one amount reads the same everywhere:
850,000 is "850,000" in English and "85万" in Chinese; 100,000,000 is "1亿", never "10,000万". Grouping and
percent signs follow the locale (Babel); Chinese amounts of ten thousand and more count in 万 and 亿, with
at most four decimals (one yuan in 万) and no trailing zeros.
"""

from __future__ import annotations

import math
from datetime import date
from typing import Literal

from babel.dates import format_date as _babel_date
from babel.numbers import format_decimal, format_percent

Language = Literal["en", "zh"]
LOCALES: dict[str, str] = {"en": "en", "zh": "zh_Hans_CN"}
_WAN = 10_000
_YI = 100_000_000
_WAN_YI = 1_000_000_000_000


def _plain(value: float, language: Language, decimals: int = 2) -> str:
    pattern = "#,##0." + "#" * decimals if decimals else "#,##0"
    text = format_decimal(round(value, decimals), format=pattern, locale=LOCALES[language])
    return "0" if text in ("-0", "") else text


def format_number(value: float, language: Language = "en", decimals: int = 2) -> str:
    """A count or a measure (hours, employees): grouped, at most `decimals` decimals, no trailing zeros."""
    if not math.isfinite(value):
        return str(value)
    return _plain(value, language, decimals)


def format_amount(value: float, language: Language = "en") -> str:
    """Money and outcome values. Chinese: 12,000 -> 1.2万, 3,800,000 -> 380万, 250,000,000 -> 2.5亿."""
    if not math.isfinite(value):
        return str(value)
    if language == "zh" and abs(value) >= _WAN:
        unit, size = next(
            (u, s) for u, s in (("万亿", _WAN_YI), ("亿", _YI), ("万", _WAN)) if abs(value) >= s
        )
        return f"{_plain(value / size, 'zh', 4)}{unit}"
    return _plain(value, language, 2)


def format_share(value: float, language: Language = "en") -> str:
    """A fraction as a percentage with at most one decimal: 0.455 -> 45.5%."""
    if not math.isfinite(value):
        return str(value)
    text = format_percent(round(value, 3), format="#,##0.#%", locale=LOCALES[language])
    return "0%" if text == "-0%" else text


def format_date(day: date, language: Language = "en") -> str:
    """A date in prose: "Mar 10, 2027" / "2027年3月10日"."""
    return _babel_date(day, format="medium", locale=LOCALES[language])


def format_weekday(day: date, language: Language = "en") -> str:
    """The day of the week, short: "Mon" / "周一"."""
    return _babel_date(day, format="EEE", locale=LOCALES[language])
