"""Which language a message is in: Chinese or English, the two the coach answers in.

Counting scripts is more reliable than a statistical detector on the short, mixed messages salespeople
type ("LRAIC 怎么算", "price for 华为?"): a Chinese word is ~1.5 characters, an English one ~4.5 letters.
"""

from __future__ import annotations

import re

from bot.wording import Language

_CJK = re.compile(r"[\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff]")
_LATIN = re.compile(r"[A-Za-z]")
LATIN_LETTERS_PER_WORD = 3


def detect_language(text: str) -> Language | None:
    """`zh`, `en`, or None when the text has no letters at all ("55%", "12,000")."""
    cjk = len(_CJK.findall(text))
    latin = len(_LATIN.findall(text))
    if cjk == 0 and latin == 0:
        return None
    return "zh" if cjk * LATIN_LETTERS_PER_WORD >= latin else "en"
