"""Tokens for BM25 in Chinese and English: jieba splits Chinese words (BM25 libraries' default tokenisers
split on spaces, which leaves a Chinese sentence as one token).

jieba's dictionary (350,000 words, 580,000 entries with their prefixes) takes 0.7 s to load even from
its cache, which a one-question `kam-coach ask` cannot afford. So a question is cut against a
memory-mapped, sorted copy of the same dictionary, looking up only the substrings of the sentence at
hand: jieba's own algorithm on the same entries, so the tokens are identical (a test checks it), and
only the pages holding those entries are read. Bulk tokenising (ingest, card sync) loads the full
dictionary, which is faster per character once loaded.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import logging
import os
import re
import sys
import threading
from collections.abc import Iterable
from pathlib import Path
from typing import Any

log = logging.getLogger(__name__)

_WORD = re.compile(r"[0-9a-z]+(?:[.'][0-9a-z]+)*|[\u4e00-\u9fff]+", re.IGNORECASE)
_lock = threading.Lock()
_cache_dir: Path | None = None
_bulk: Any = None  # jieba's default tokenizer with its whole dictionary loaded
_lazy: _LazyJieba | None = None
# Below this much Chinese text a call takes the memory-mapped dictionary; above, the loaded one pays off.
BULK_CHARACTERS = 2_000

# Function words that match everything; content words (price, 客户) stay.
_STOPWORDS_TEXT = """
a an the and or of to in on for with is are was be do does did how what why when which who whom
i we you they it my our your their this that these those can could should would will shall me us
at by from as about into if then than so not no yes get got have has had there here
的 了 和 是 在 我 我们 你 你们 他们 它 这 那 这个 那个 个 吗 呢 吧 啊 也 都 就 要 会 能 该 怎么 如何 什么
为什么 哪些 哪个 一个 有 没有 与 及 或 对 把 被 让 给 从 到 上 下 中 还 又 很 更 最 请 帮 一下
"""
STOPWORDS = frozenset(_STOPWORDS_TEXT.split())


def use_cache_dir(path: Path) -> None:
    """Keep jieba's caches in ``path``, the settings' cache folder (jieba writes to the system temp folder
    by default, and contracts section 7 keeps every cache in KAM_DATA_DIR). No effect on a dictionary
    already loaded."""
    global _cache_dir
    _cache_dir = path


def _caches() -> Path:
    if _cache_dir is None:  # a tokenizer used before any index was built (a tool, a test)
        from bot.settings import get_settings

        use_cache_dir(get_settings().cache_dir)
    assert _cache_dir is not None
    return _cache_dir


def _import_jieba() -> Any:
    """jieba, imported without pkg_resources: jieba only uses it to open its own data files (and falls
    back to plain open() without it), but importing it costs more than the rest of jieba."""
    if "jieba" in sys.modules:
        return sys.modules["jieba"]
    blocked = "pkg_resources" not in sys.modules
    if blocked:
        sys.modules["pkg_resources"] = None  # type: ignore[assignment]
    try:
        import jieba
    finally:
        if blocked:
            del sys.modules["pkg_resources"]
    jieba.setLogLevel(logging.WARNING)
    return jieba


def _bulk_tokenizer() -> Any:
    global _bulk
    if _bulk is None:
        jieba = _import_jieba()
        folder = _caches()
        # If the folder cannot be made, jieba fails to write its cache, logs it and carries on: nothing
        # is written anywhere else.
        with contextlib.suppress(OSError):
            folder.mkdir(parents=True, exist_ok=True)
        if not jieba.dt.initialized:
            jieba.dt.tmp_dir = str(folder)
        jieba.dt.check_initialized()
        _bulk = jieba.dt
        table = _dictionary_folder(jieba)
        if not (table / "meta.json").is_file():
            with contextlib.suppress(OSError):
                _DictionaryTable.build(table, _bulk.FREQ, _bulk.total)
    return _bulk


class _DictionaryTable:
    """jieba's prefix dictionary as two sorted arrays in files, memory-mapped: UTF-8 words and counts."""

    def __init__(self, folder: Path) -> None:
        import numpy as np

        meta = json.loads((folder / "meta.json").read_text(encoding="utf-8"))
        self.total: int = meta["total"]
        self.longest: int = meta["longest"]
        self.words = np.load(folder / "words.npy", mmap_mode="r")
        self.counts = np.load(folder / "counts.npy", mmap_mode="r")

    @staticmethod
    def build(folder: Path, frequencies: dict[str, int], total: int) -> None:
        """Written once per data folder, from the prefix dictionary jieba builds from its own word list."""
        import numpy as np

        folder.parent.mkdir(parents=True, exist_ok=True)
        ordered = sorted((word.encode("utf-8"), count) for word, count in frequencies.items())
        staging = folder.with_name(folder.name + f".tmp{os.getpid()}")
        staging.mkdir(parents=True, exist_ok=True)
        np.save(staging / "words.npy", np.array([word for word, _ in ordered]))
        np.save(staging / "counts.npy", np.array([count for _, count in ordered], dtype=np.int64))
        longest = max(len(word) for word in frequencies)
        (staging / "meta.json").write_text(json.dumps({"total": total, "longest": longest}), encoding="utf-8")
        try:
            staging.rename(folder)
        except OSError:  # another process built it first
            for part in staging.iterdir():
                part.unlink()
            staging.rmdir()

    def entries_in(self, sentence: str) -> dict[str, int]:
        """Every dictionary entry that is a substring of `sentence`: all jieba looks up to cut it."""
        import numpy as np

        fragments = list(
            {
                sentence[start:end]
                for start in range(len(sentence))
                for end in range(start + 1, min(len(sentence), start + self.longest) + 1)
            }
        )
        keys = np.array([fragment.encode("utf-8") for fragment in fragments], dtype=self.words.dtype)
        positions = np.searchsorted(self.words, keys)
        positions[positions >= len(self.words)] = 0
        found = self.words[positions] == keys
        counts = self.counts[positions]
        return {
            fragment: int(count)
            for fragment, present, count in zip(fragments, found.tolist(), counts.tolist(), strict=True)
            if present
        }


class _LazyJieba:
    """A jieba tokenizer whose dictionary, for each sentence, is just the entries found in it."""

    def __init__(self, table: _DictionaryTable, jieba: Any) -> None:
        self.table = table
        self.tokenizer = jieba.Tokenizer()
        self.tokenizer.total = table.total
        self.tokenizer.initialized = True  # its dictionary is set per sentence below

    def lcut(self, sentence: str) -> list[str]:
        self.tokenizer.FREQ = self.table.entries_in(sentence)
        return self.tokenizer.lcut(sentence)


def _dictionary_folder(jieba: Any) -> Path:
    dict_file = Path(jieba.__file__).parent / "dict.txt"
    stamp = f"{jieba.__version__}:{dict_file.stat().st_size}:{dict_file.stat().st_mtime_ns}"
    return _caches() / f"jieba-{hashlib.sha1(stamp.encode()).hexdigest()[:10]}"


def _lazy_tokenizer() -> _LazyJieba:
    global _lazy
    if _lazy is None:
        jieba = _import_jieba()
        folder = _dictionary_folder(jieba)
        if not (folder / "meta.json").is_file():
            _DictionaryTable.build(folder, *jieba.Tokenizer.gen_pfdict(jieba.dt.get_dict_file()))
        _lazy = _LazyJieba(_DictionaryTable(folder), jieba)
    return _lazy


def _cutter(chinese_characters: int) -> Any:
    if _bulk is not None or chinese_characters > BULK_CHARACTERS:
        return _bulk_tokenizer()
    try:
        return _lazy_tokenizer()
    except OSError as unwritable:  # no room for the table: the loaded dictionary needs no files
        log.warning("jieba dictionary table unavailable (%s); loading the whole dictionary", unwritable)
        return _bulk_tokenizer()


def tokenize(text: str) -> list[str]:
    pieces = _WORD.findall(text.lower())
    chinese = sum(len(piece) for piece in pieces if piece[0] >= "\u4e00")
    tokens: list[str] = []
    cutter = None
    for piece in pieces:
        if piece[0] >= "\u4e00":
            with _lock:  # jieba's tokenizers keep state (the dictionary, its lazy load): one at a time
                cutter = cutter or _cutter(chinese)
                words = cutter.lcut(piece)
            tokens.extend(w for w in words if w not in STOPWORDS)
        elif piece not in STOPWORDS:
            tokens.append(piece)
    return tokens


def tokenize_many(texts: Iterable[str]) -> list[list[str]]:
    """Tokens of many texts (ingest, card sync): with the whole dictionary loaded once."""
    with _lock:
        _bulk_tokenizer()
    return [tokenize(text) for text in texts]


def chinese_segments(run: str) -> list[str]:
    """jieba's cut of a run of Chinese characters, as written (no stop words taken out). Characters its
    dictionary has no word for may come back glued into a word of jieba's own making ("规化")."""
    with _lock:
        return list(_cutter(len(run)).lcut(run))


def dictionary_counts(words: Iterable[str]) -> dict[str, int]:
    """How often jieba's dictionary counts each word: 0 for a string that is no word of it."""
    with _lock:
        cutter = _cutter(0)  # whichever dictionary is loaded (the lazy table, or the whole one)
        if isinstance(cutter, _LazyJieba):
            return {word: cutter.table.entries_in(word).get(word, 0) for word in words}
        return {word: int(cutter.FREQ.get(word) or 0) for word in words}
