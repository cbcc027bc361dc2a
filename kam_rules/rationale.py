"""Shared helpers for the short bilingual rationales every rule result carries.

Each rationale names the seed chunks it rests on, e.g. "(seed chunks 16-17)" or "(种子第16-17段)".
"""

from __future__ import annotations

import math
from typing import Literal

Language = Literal["en", "zh"]

# Values that differ by less than this relative amount are treated as equal in the decision trees,
# so 90 * (1 - 0.3) = 62.99999999999999 still counts as a price floor of 63.
REL_TOLERANCE = 1e-9


def _chunk_span(chunks: tuple[int, ...], separator: str = ", ") -> str:
    ordered = sorted(set(chunks))
    if len(ordered) > 1 and ordered == list(range(ordered[0], ordered[-1] + 1)):
        return f"{ordered[0]}-{ordered[-1]}"
    return separator.join(str(chunk) for chunk in ordered)


def cite(language: Language, *chunks: int) -> str:
    """The citation of seed chunks in the given language."""
    if language == "zh":
        return f"(种子第{_chunk_span(chunks, '、')}段)"
    span = _chunk_span(chunks)
    plural = "s" if len(set(chunks)) > 1 else ""
    return f"(seed chunk{plural} {span})"


def pick(language: Language, en: str, zh: str) -> str:
    return zh if language == "zh" else en


def fmt_number(value: float) -> str:
    """A number for people: thousands separators, at most two decimals, no trailing zeros."""
    if not math.isfinite(value):
        return str(value)
    if float(value).is_integer():
        return f"{int(value):,}"
    text = f"{value:,.2f}".rstrip("0").rstrip(".")
    return text if text not in {"-0", ""} else "0"


def fmt_share(value: float) -> str:
    """A fraction as a percentage: 0.455 -> '45.5%'."""
    percent = round(value * 100, 1)
    if percent.is_integer():
        return f"{int(percent)}%"
    return f"{percent:.1f}%"


def is_close(a: float, b: float) -> bool:
    return math.isclose(a, b, rel_tol=REL_TOLERANCE, abs_tol=1e-12)


def ge(a: float, b: float) -> bool:
    """a >= b, counting values equal within rounding noise as equal."""
    return a >= b or is_close(a, b)


def lt(a: float, b: float) -> bool:
    """a < b, and not merely by rounding noise."""
    return a < b and not is_close(a, b)


def with_citation(text: str, language: Language, *chunks: int) -> str:
    """Append the seed citation to a rationale: a space before it in English, none in Chinese."""
    separator = "" if language == "zh" else " "
    return f"{text.rstrip()}{separator}{cite(language, *chunks)}"
