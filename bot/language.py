"""Which language a message is in: Chinese or English, the two the coach answers in.

The dominant language, counted in words: salespeople mix the two ("我们的 utilisation 只有 40%，可以 marginal
cost pricing 吗" is Chinese with English terms; "how should I handle 客户分级 for my 30 accounts" is English
with one Chinese term). English words are counted as written. Chinese has no spaces: each character
counts as one word, and a tie goes to Chinese. A Chinese word is really 1.7-1.8 characters (jieba on our
questions and cards), so this leans to Chinese on purpose: the English inside a Chinese sentence is mostly
terms that Chinese-speaking salespeople read every day (KAM, LRAIC, account plan, top opportunities) and
counts word for word, while its grammar, the part that says what is asked, is Chinese ("KA 的 account plan
里 top opportunities 列几个比较好" is a Chinese question). It is also the project's own definition of the
dominant language (tests/knowledge/test_eval_data.py labels every evaluation question by it). Counting
characters needs no segmenter here (ingest asks this of every chunk).
"""

from __future__ import annotations

import re

from bot.wording import Language

_CJK = re.compile(r"[\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff]")
_LATIN_WORD = re.compile(r"[A-Za-z]+(?:'[A-Za-z]+)?")
CHINESE_CHARACTERS_PER_WORD = 1.0


def detect_language(text: str) -> Language | None:
    """`zh`, `en`, or None when the text has no letters at all ("55%", "12,000")."""
    chinese = len(_CJK.findall(text)) / CHINESE_CHARACTERS_PER_WORD
    english = len(_LATIN_WORD.findall(text))
    if chinese == 0 and english == 0:
        return None
    return "zh" if chinese >= english else "en"
