"""Reading a message the way it was meant: letter case and English typos, against the knowledge base's words.

Salespeople type "what is lraic", "prioritse my oportunities", "hw do i price". The sentence encoder and
BM25 see a different word in each; so before retrieval and the on-topic gate, every Latin word is written
the way the knowledge base writes it (its most frequent spelling: "lraic" -> "LRAIC"), and a word that is
neither the knowledge base's nor common English is corrected to the nearest knowledge-base word
(SymSpell, Damerau edit distance 1, 2 for longer words). Common English words are left alone, so
"passcode" never becomes a KAM term. Chinese is typed by sound, so its typos are a character of the same
sound ("客户规化" for 客户规划, "份级" for 分级): a two-character word that is neither the cards' nor in
jieba's dictionary is read as the cards' word that sounds the same (pypinyin) and differs in one character.
Only what is searched changes: the user's text is shown as typed.

The vocabulary is the cards (titles, questions, bodies) and the prompts; it is built once per process
(a few milliseconds) and a message costs microseconds per word.
"""

from __future__ import annotations

import logging
import re
import threading
from collections import Counter
from collections.abc import Callable, Iterable
from functools import cached_property, lru_cache
from importlib import resources
from pathlib import Path
from typing import Any

from bot.retrieval.tokenize import chinese_segments, dictionary_counts
from bot.wording import load_prompt_file

log = logging.getLogger(__name__)

_WORD = re.compile(r"[A-Za-z]+(?:'[A-Za-z]+)?")
_HAN_RUN = re.compile(r"[\u4e00-\u9fff]{2,}")
_SENTENCE_ENDS = ".!?:;。！？：；-–—\"“”'(（"
MIN_CORRECTED_LENGTH = 2
SHORT_WORD = 3
"""Up to this length a word is corrected only by a letter left out inside it."""
LONG_WORD = 7
"""From this length a word may be two edits away from the one meant ("segmantation", "prioritization")."""
COMMON_ENGLISH_COUNT = 50_000
"""A word this frequent in SymSpell's English list (Google n-grams counts) is a real word, not a typo."""
HOMOPHONE_MIN_COUNT = 2
"""A two-character word the cards write at least this often may be what a same-sounding typo meant."""
MEANT_KEPT = 10_000
"""Unknown Chinese words whose reading is remembered, at most."""


def _symspell() -> Any:
    """SymSpell, or None where the package is missing (the coach then only fixes letter case)."""
    try:
        from symspellpy import SymSpell
    except ImportError:  # pragma: no cover - a declared dependency; this keeps an old venv working
        log.warning("symspellpy is not installed: typos are not corrected")
        return None
    return SymSpell


@lru_cache(maxsize=1)
def _common_english() -> frozenset[str]:
    """Common English words, from the frequency list that ships with symspellpy (nothing downloaded)."""
    try:
        listing = resources.files("symspellpy").joinpath("frequency_dictionary_en_82_765.txt")
        text = listing.read_text(encoding="utf-8")
    except (ModuleNotFoundError, FileNotFoundError, OSError):
        return frozenset()
    words = []
    for line in text.splitlines():
        word, _, count = line.partition(" ")
        if count.isdigit() and int(count) >= COMMON_ENGLISH_COUNT:
            words.append(word)
    return frozenset(words)


class Speller:
    """The knowledge base's own spelling of the words in a message."""

    def __init__(
        self,
        texts: Iterable[str],
        more_words: Iterable[str] = (),
        abbreviations: Iterable[str] = (),
        stored_word: Callable[[str], bool] | None = None,
    ) -> None:
        """`texts` (the cards) give words and how they are written; `more_words` (the prompts) add words,
        written as the cards write them where the cards have them; `abbreviations` are "short: long" lines
        ("AP: account plan"), expanded before anything; `stored_word` says whether the index holds a word
        (a user's document may name a customer or product that sounds like a card word)."""
        cards = self._forms(texts)
        prompts = self._forms(more_words)
        self._counts = {word: sum(counter.values()) for word, counter in cards.items()}
        for word in prompts.keys() - cards.keys():
            self._counts[word] = 1
        self._cased = {word: self._preferred(cards.get(word) or prompts[word]) for word in self._counts}
        self._expansions: dict[str, str] = {}
        for line in abbreviations:
            short, _, long = str(line).partition(":")
            if short.strip() and long.strip():
                self._expansions[short.strip().lower()] = long.strip()
        self._lock = threading.Lock()
        self._index: Any = None
        self._corrections: dict[tuple[str, bool], str | None] = {}
        self._homophones = ChineseHomophones(texts, stored_word)

    @staticmethod
    def _forms(texts: Iterable[str]) -> dict[str, Counter[str]]:
        """Each word (lower case) with the ways it is written and how often."""
        written = Counter(_WORD.findall("\n".join(texts)))  # counted in C: ~100k words per coach built
        forms: dict[str, Counter[str]] = {}
        for word, count in written.items():
            forms.setdefault(word.lower(), Counter())[word] = count
        return forms

    @staticmethod
    def _preferred(counter: Counter[str]) -> str:
        """How the knowledge base writes a word: lower case if it ever does so (a little), so a word
        capitalised at the start of sentences stays lower case; else its most frequent form ("LRAIC")."""
        best, _ = counter.most_common(1)[0]
        lowered = best.lower()
        return lowered if counter.get(lowered, 0) * 10 >= sum(counter.values()) else best

    @property
    def vocabulary_size(self) -> int:
        return len(self._counts)

    def _lookup_index(self) -> Any:
        with self._lock:
            if self._index is None:
                symspell = _symspell()
                if symspell is None:
                    self._index = False
                else:
                    index = symspell(max_dictionary_edit_distance=2, prefix_length=7)
                    for word, count in self._counts.items():
                        if len(word) >= MIN_CORRECTED_LENGTH:
                            index.create_dictionary_entry(word, count)
                    self._index = index
            return self._index

    def correction(self, word: str, name_like: bool = False) -> str | None:
        """The knowledge-base word meant by `word`, or None to leave it as typed. A `name_like` word (written
        with a capital inside a sentence, or in capitals: "Quokka", "LRIAC") is corrected only to a name or
        an acronym the knowledge base has ("LRAIC"): customers', products' and documents' names are not
        typos of ordinary words."""
        lowered = word.lower()
        if lowered in self._counts:
            return self._cased[lowered]
        if len(lowered) < MIN_CORRECTED_LENGTH or lowered in _common_english():
            return None
        key = (lowered, name_like)
        if key not in self._corrections:
            self._corrections[key] = self._nearest(lowered, name_like)
        return self._corrections[key]

    def _nearest(self, lowered: str, name_like: bool = False) -> str | None:
        index = self._lookup_index()
        if not index:
            return None
        from symspellpy import Verbosity

        distance = 2 if len(lowered) >= LONG_WORD else 1
        suggestions = index.lookup(lowered, Verbosity.CLOSEST, max_edit_distance=distance)
        if len(lowered) <= SHORT_WORD:
            # A short word is one letter away from many; only a letter left out inside it is trusted
            # ("hw" -> "how"), never a different first or last letter ("ap" -> "an").
            suggestions = [
                s
                for s in suggestions
                if len(s.term) == len(lowered) + 1 and s.term[0] == lowered[0] and s.term[-1] == lowered[-1]
            ]
        if name_like:
            suggestions = [s for s in suggestions if self._cased[s.term] != s.term]
        if not suggestions:
            return None
        # Among equally near words, a letter left out is the commonest slip ("wich" -> "which", not
        # "with"), then the same first letter; then the more frequent word.
        best = min(
            suggestions,
            key=lambda s: (s.distance, len(s.term) != len(lowered) + 1, s.term[0] != lowered[0], -s.count),
        )
        return self._cased[best.term]

    def normalise(self, text: str) -> str:
        """`text` with abbreviations written out and each Latin word spelt as the knowledge base spells it."""

        def fix(match: re.Match[str]) -> str:
            word = match.group(0)
            expanded = self._expansions.get(word.lower())
            if expanded is not None:
                return expanded
            before = text[: match.start()].rstrip()
            opens_sentence = not before or before[-1] in _SENTENCE_ENDS
            name_like = (word.isupper() and len(word) > 1) or (word[0].isupper() and not opens_sentence)
            return self.correction(word, name_like) or word

        return self._homophones.normalise(_WORD.sub(fix, text))


class ChineseHomophones:
    """The cards' two-character words, to read a same-sounding typo as the word meant."""

    def __init__(self, texts: Iterable[str], stored_word: Callable[[str], bool] | None = None) -> None:
        self._text = "\n".join(texts)
        self._stored_word = stored_word
        self._lock = threading.Lock()
        self._sharing: dict[tuple[int, str], list[str]] | None = None
        self._meant: dict[str, str | None] = {}

    @cached_property
    def _counts(self) -> Counter[str]:
        """How often the cards write each pair of characters (counted on the first Chinese message: 20 ms
        an English-only coach never spends)."""
        counts: Counter[str] = Counter()
        for run in _HAN_RUN.findall(self._text):
            counts.update(run[at : at + 2] for at in range(len(run) - 1))
        return counts

    def _sharing_a_character(self) -> dict[tuple[int, str], list[str]]:
        """(position of the other character, the character kept) -> the cards' words, commonest first.
        Built on the first unknown Chinese word: most messages never need it."""
        with self._lock:
            if self._sharing is None:
                sharing: dict[tuple[int, str], list[str]] = {}
                for word, count in self._counts.most_common():
                    if count < HOMOPHONE_MIN_COUNT:
                        break
                    for position in (0, 1):
                        sharing.setdefault((position, word[1 - position]), []).append(word)
                self._sharing = sharing
            return self._sharing

    def meant(self, word: str) -> str | None:
        """The cards' word a two-character `word` sounds like, differing in one character; None when there
        is none, or when `word` is a word of its own (the cards', or jieba's dictionary's)."""
        if len(word) != 2 or self._counts[word]:
            return None
        if self._stored_word is not None and self._stored_word(word):  # a document's own name: not a typo
            return None
        meant = self._meant.get(word, ...)
        if meant is ...:
            if len(self._meant) >= MEANT_KEPT:  # a long-running server meets ever new words: start afresh
                self._meant.clear()
            meant = self._meant[word] = self._nearest(word)
        return meant

    def _nearest(self, word: str) -> str | None:
        if dictionary_counts([word])[word]:
            return None
        sharing = self._sharing_a_character()
        candidates = [
            candidate
            for position in (0, 1)
            for candidate in sharing.get((position, word[1 - position]), [])
            if _readings(candidate[position]) & _readings(word[position])
        ]
        known = dictionary_counts(candidates) if candidates else {}
        words = [candidate for candidate in candidates if known[candidate]]
        return max(words, key=lambda candidate: self._counts[candidate]) if words else None

    def normalise(self, text: str) -> str:
        """`text` with each unknown two-character word as jieba cuts it read as the cards' word it sounds
        like."""

        def fix(match: re.Match[str]) -> str:
            run = match.group(0)
            return "".join(self.meant(segment) or segment for segment in chinese_segments(run))

        return _HAN_RUN.sub(fix, text)


@lru_cache(maxsize=4096)
def _readings(character: str) -> frozenset[str]:
    """How a character may be read, without tones (all its readings: 行 is xing, hang and heng)."""
    from pypinyin import Style, pinyin

    return frozenset(pinyin(character, style=Style.NORMAL, heteronym=True)[0])


def vocabulary_texts(prompts_dir: Path) -> list[str]:
    """Every string of every prompt file: the coach's own words (form commands, intents, exemplars)."""
    texts: list[str] = []

    def walk(node: Any) -> None:
        if isinstance(node, str):
            texts.append(node)
        elif isinstance(node, dict):
            for value in node.values():
                walk(value)
        elif isinstance(node, list):
            for value in node:
                walk(value)

    for file in sorted(prompts_dir.glob("*.yaml")):
        walk(load_prompt_file(prompts_dir, file.name))
    return texts
