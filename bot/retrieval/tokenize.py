"""Tokens for BM25 in Chinese and English: jieba splits Chinese words (BM25 libraries' default tokenisers
split on spaces, which leaves a Chinese sentence as one token)."""

from __future__ import annotations

import contextlib
import logging
import re
import threading
from pathlib import Path

import jieba

jieba.setLogLevel(logging.WARNING)


def use_cache_dir(path: Path) -> None:
    """Keep jieba's dictionary cache in ``path`` (it writes to the system temp folder by default, and
    contracts section 7 keeps every cache in KAM_DATA_DIR). No effect once the dictionary is loaded."""
    if jieba.dt.initialized:
        return
    # If the folder cannot be made, jieba fails to write its cache, logs it and carries on: nothing
    # is written anywhere else.
    with contextlib.suppress(OSError):
        path.mkdir(parents=True, exist_ok=True)
    jieba.dt.tmp_dir = str(path)


def _ensure_cache_dir() -> None:
    if jieba.dt.tmp_dir is None and not jieba.dt.initialized:
        from bot.settings import get_settings

        use_cache_dir(get_settings().data_dir)


_WORD = re.compile(r"[0-9a-z]+(?:[.'][0-9a-z]+)*|[\u4e00-\u9fff]+", re.IGNORECASE)
_lock = threading.Lock()

# Function words that match everything; content words (price, 客户) stay.
_STOPWORDS_TEXT = """
a an the and or of to in on for with is are was be do does did how what why when which who whom
i we you they it my our your their this that these those can could should would will shall me us
at by from as about into if then than so not no yes get got have has had there here
的 了 和 是 在 我 我们 你 你们 他们 它 这 那 这个 那个 个 吗 呢 吧 啊 也 都 就 要 会 能 该 怎么 如何 什么
为什么 哪些 哪个 一个 有 没有 与 及 或 对 把 被 让 给 从 到 上 下 中 还 又 很 更 最 请 帮 一下
"""
STOPWORDS = frozenset(_STOPWORDS_TEXT.split())


def tokenize(text: str) -> list[str]:
    tokens: list[str] = []
    for match in _WORD.finditer(text.lower()):
        piece = match.group(0)
        if piece[0] >= "\u4e00":
            with _lock:  # jieba's lazy dictionary load is not thread-safe
                _ensure_cache_dir()
                words = jieba.lcut(piece)
            tokens.extend(w for w in words if w not in STOPWORDS)
        elif piece not in STOPWORDS:
            tokens.append(piece)
    return tokens
