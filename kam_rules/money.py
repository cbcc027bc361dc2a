"""Reading amounts of money and shares from text, the way people type them.

One module for every place that reads a number a person wrote (the CLI options, CSV cells, the coach).

Amounts (``parse_amount``):

- plain and grouped: ``1200``, ``1,200``, ``1,200.50``, ``-300`` (a sign is kept: a loss is a negative
  profit contribution);
- a unit after the number: ``1.2k`` / ``1.2K`` / ``1.2 thousand``, ``3m`` / ``3M`` / ``3mn`` / ``3 million``,
  ``2bn`` / ``2 billion``, ``3千``, ``12万``, ``1.2万``, ``12w`` (万), ``3百万``, ``1.5千万``, ``0.12亿``,
  ``1万亿``;
- a currency sign or word before or after: ``¥1,200``, ``￥1200``, ``$1.2k``, ``US$1.2k``, ``€5k``,
  ``RMB 1200``, ``CNY1200``, ``人民币1200``,
  ``1200元``, ``1200块``, ``1200 yuan``, ``1200 RMB``, ``1200 USD``;
- Chinese numerals as a person types them: ``三十万``, ``一百二十万``, ``两千``, ``一万二`` (12,000),
  ``12万5千``, ``负三千`` (read with cn2an);
- full-width characters (``１，２００``, ``４５％``) are read as their ASCII forms.

A percentage is not an amount: ``parse_amount("45%")`` raises. Exponents (``1e3``), ``nan`` and ``inf`` are
refused. A comma must group thousands (``1,2`` is refused rather than guessed as the decimal comma).

Shares and probabilities (``parse_share``) return a fraction between 0 and 1:

- ``45%``, ``45 %``, ``４５％``, ``12.5%``, ``百分之四十五``, ``四十五%`` -> percent / 100;
- ``5‰`` -> per mille / 1000;
- ``五成`` (0.5), ``四成五`` (0.45), ``七成`` (0.7): Chinese tenths;
- a bare number is a fraction: ``0.45`` -> 0.45, ``1`` -> 1.0, ``0`` -> 0.0.

A bare number above 1 is refused rather than guessed: ``45`` could mean 45% but ``1.5`` could as well be
a typo for 0.15, and reading either silently as a percentage would hide the mistake. The error says to
write ``45%``. Shares outside 0..1 (``150%``, ``-5%``) are refused too.

Every failure raises ``UnreadableNumber`` (a ``ValueError``) whose message names the text that could not
be read and what was expected, e.g. ``cannot read 'abc' as an amount``.
"""

from __future__ import annotations

import math
import re
import unicodedata
from decimal import Decimal, InvalidOperation

__all__ = ["UnreadableNumber", "parse_amount", "parse_number", "parse_share"]


class UnreadableNumber(ValueError):
    """Text that could not be read as the number asked for."""

    def __init__(self, text: object, what: str = "a number", hint: str | None = None) -> None:
        self.text = text
        self.what = what
        self.hint = hint
        message = f"cannot read {str(text)!r} as {what}"
        if hint:
            message += f" ({hint})"
        super().__init__(message)


# Units after a number, matched case-insensitively. Longest first so "万亿" wins over "万".
_UNITS: dict[str, Decimal] = {
    "thousand": Decimal(10) ** 3,
    "million": Decimal(10) ** 6,
    "billion": Decimal(10) ** 9,
    "万亿": Decimal(10) ** 12,
    "千万": Decimal(10) ** 7,
    "百万": Decimal(10) ** 6,
    "十万": Decimal(10) ** 5,
    "mn": Decimal(10) ** 6,
    "bn": Decimal(10) ** 9,
    "k": Decimal(10) ** 3,
    "m": Decimal(10) ** 6,
    "b": Decimal(10) ** 9,
    "w": Decimal(10) ** 4,
    "千": Decimal(10) ** 3,
    "万": Decimal(10) ** 4,
    "亿": Decimal(10) ** 8,
    "百": Decimal(10) ** 2,
}

_CURRENCY_PREFIX = re.compile(r"^(?:us\$|hk\$|rmb|cny|usd|eur|人民币|[¥$€£])\s*", re.IGNORECASE)
_CURRENCY_SUFFIX = re.compile(
    r"\s*(?:元人民币|块钱|人民币|元|块|圆|yuan|rmb|cny|usd|eur|dollars?|euros?)$", re.IGNORECASE
)
_UNIT_PATTERN = "|".join(re.escape(unit) for unit in _UNITS)
_NUMBER = re.compile(
    r"(?P<sign>[+-]?)\s*(?P<digits>\d{1,3}(?:,\d{3})+(?:\.\d+)?|\d+(?:\.\d+)?|\.\d+)"
    rf"\s*(?P<unit>{_UNIT_PATTERN})?",
    re.IGNORECASE,
)
_CHINESE_NUMERAL_CHARS = set("零〇一二两三四五六七八九十百千万亿壹贰叁肆伍陆柒捌玖拾佰仟负点")
_CHINESE_DIGITS = {
    "零": 0, "〇": 0, "一": 1, "二": 2, "两": 2, "三": 3, "四": 4,
    "五": 5, "六": 6, "七": 7, "八": 8, "九": 9, "十": 10,
}  # fmt: skip


def _normalise(text: object) -> str:
    if not isinstance(text, str):
        raise TypeError(f"expected text or a number, got {type(text).__name__}")
    # NFKC turns full-width digits, '％', '，' and '＄' into their ASCII forms; '￥' becomes '¥'.
    cleaned = unicodedata.normalize("NFKC", text).strip()
    cleaned = cleaned.replace("\u00a0", " ").replace("\u3000", " ")
    return cleaned


def _from_chinese(text: str) -> Decimal | None:
    """Chinese numerals (possibly mixed with digits) via cn2an, or None when they are not numerals."""
    if not text or not any(char in _CHINESE_NUMERAL_CHARS for char in text):
        return None
    if not all(char in _CHINESE_NUMERAL_CHARS or char.isdigit() or char == "." for char in text):
        return None
    try:
        import cn2an  # imported here: only Chinese numerals need it
    except ImportError:  # pragma: no cover - cn2an is a dependency
        return None
    try:
        value = cn2an.cn2an(text, "smart")
    except (ValueError, KeyError, IndexError, TypeError):
        return None
    try:
        return Decimal(str(value))
    except InvalidOperation:  # pragma: no cover - cn2an returns int or float
        return None


def _read_decimal(text: str, what: str) -> Decimal:
    """A number with an optional unit, or Chinese numerals. Raises UnreadableNumber."""
    match = _NUMBER.fullmatch(text)
    if match:
        value = Decimal(match["digits"].replace(",", ""))
        unit = match["unit"]
        if unit:
            value *= _UNITS[unit.lower()]
        return -value if match["sign"] == "-" else value
    if "," in text and re.search(r"\d,\d", text):
        raise UnreadableNumber(text, what, "a comma must separate groups of three digits, as in 1,200")
    chinese = _from_chinese(text)
    if chinese is not None:
        return chinese
    raise UnreadableNumber(text, what)


def _from_number(value: object, what: str) -> float:
    if isinstance(value, bool):
        raise UnreadableNumber(value, what)
    number = float(value)  # type: ignore[arg-type]
    if not math.isfinite(number):
        raise UnreadableNumber(value, what, "it must be a finite number")
    return number


def parse_amount(text: str | float | int | Decimal) -> float:
    """An amount of money (or any plain quantity, such as hours) from text; see the module docstring."""
    what = "an amount"
    if isinstance(text, (int, float, Decimal)):
        return _from_number(text, what)
    original = text
    cleaned = _normalise(text)
    if not cleaned:
        raise UnreadableNumber(original, what, "it is empty")
    if cleaned.endswith(("%", "‰")) or cleaned.startswith("百分之"):
        raise UnreadableNumber(original, what, "a percentage is a share, not an amount")
    sign = ""
    if cleaned[0] in "+-":
        sign, cleaned = cleaned[0], cleaned[1:].lstrip()
    # Currency marks may sit on either side, and a sign may also come after the currency (¥-300).
    stripped = _CURRENCY_SUFFIX.sub("", _CURRENCY_PREFIX.sub("", cleaned)).strip()
    if not sign and stripped[:1] in {"+", "-"}:
        sign, stripped = stripped[0], stripped[1:].lstrip()
    if not stripped or stripped[0] in "+-":
        raise UnreadableNumber(original, what)
    try:
        value = _read_decimal(stripped, what)
    except UnreadableNumber as unreadable:
        raise UnreadableNumber(original, what, unreadable.hint) from None
    number = float(-value if sign == "-" else value)
    if not math.isfinite(number):  # hundreds of digits: beyond what a float holds
        raise UnreadableNumber(original, what, "it is too large")
    return number


def parse_number(text: str | float | int | Decimal) -> float:
    """A plain quantity (hours, a rating): the same formats as an amount."""
    try:
        return parse_amount(text)
    except UnreadableNumber as unreadable:
        raise UnreadableNumber(unreadable.text, "a number", unreadable.hint) from None


def _chinese_tenths(text: str) -> Decimal | None:
    """'五成' -> 0.5, '四成五' -> 0.45, '十成' -> 1."""
    match = re.fullmatch(r"([零〇一二两三四五六七八九十]|\d{1,2})成([一二三四五六七八九]|\d)?", text)
    if not match:
        return None
    tenths_text, hundredths_text = match.groups()
    tenths = int(tenths_text) if tenths_text.isdigit() else _CHINESE_DIGITS[tenths_text]
    hundredths = 0
    if hundredths_text:
        hundredths = int(hundredths_text) if hundredths_text.isdigit() else _CHINESE_DIGITS[hundredths_text]
    return Decimal(tenths) / 10 + Decimal(hundredths) / 100


def parse_share(text: str | float | int | Decimal) -> float:
    """A share or probability as a fraction 0..1 from text; see the module docstring."""
    what = "a share"
    range_hint = "a share must be between 0% and 100%"
    if isinstance(text, (int, float, Decimal)):
        value = _from_number(text, what)
        if not 0 <= value <= 1:
            raise UnreadableNumber(text, what, f"{range_hint}; write 45% or 0.45 for forty-five per cent")
        return value
    original = text
    cleaned = _normalise(text)
    if not cleaned:
        raise UnreadableNumber(original, what, "it is empty")
    compact = cleaned.replace(" ", "")
    share: Decimal | None = None
    if compact.startswith("百分之"):
        share = _percent_body(compact[3:], original) / 100
    elif compact.endswith("%"):
        share = _percent_body(compact[:-1], original) / 100
    elif compact.endswith("‰"):
        share = _percent_body(compact[:-1], original) / 1000
    else:
        share = _chinese_tenths(compact)
        if share is None:
            try:
                share = _read_decimal(compact, what)
            except UnreadableNumber:
                raise UnreadableNumber(original, what, "write it as 45% or 0.45") from None
            if share > 1:
                hint = range_hint
                if re.fullmatch(r"\d+(?:\.\d+)?", compact):
                    hint += f"; write {compact}% if you mean {compact} per cent"
                raise UnreadableNumber(original, what, hint)
    if not 0 <= share <= 1:
        raise UnreadableNumber(original, what, range_hint)
    return float(share)


def _percent_body(body: str, original: str) -> Decimal:
    if not body:
        raise UnreadableNumber(original, "a share")
    match = re.fullmatch(r"([+-]?)(\d+(?:\.\d+)?|\.\d+)", body)
    if match:
        value = Decimal(match[2])
        return -value if match[1] == "-" else value
    chinese = _from_chinese(body)
    if chinese is None:
        raise UnreadableNumber(original, "a share", "write it as 45% or 0.45")
    return chinese
