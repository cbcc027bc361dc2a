"""Is a message about key account management at all, a greeting, or an attempt to re-instruct the coach?

Not one cosine threshold: a message is compared with labelled examples on both sides. On-topic evidence is
its nearest on-topic example (the cards' own questions and titles, the intents' exemplars and the
colloquial ones in prompts/ontopic_exemplars.yaml) or a user's own document that answers it; off-topic
evidence is its nearest labelled off-topic example (HR, personal finance, consumer marketing, coding,
daily life, prompt injection, near misses: prompts/offtopic_exemplars.yaml). It is on topic when the
on-topic evidence wins by a margin. Comparing the two sides, rather than the score against a fixed bar,
keeps the gate steady when the cards or the ranking change: both sides move together.

Before that, the message is read the way it was meant (bot/coach/spelling.py: case, abbreviations,
typos), greetings and "help" are recognised (answered with what the coach can do), and prompt injection is
refused outright by its patterns.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from functools import cached_property
from pathlib import Path
from typing import TYPE_CHECKING, Literal

import numpy as np

from bot.coach.cues import Cues
from bot.coach.intent import _exemplar_vectors
from bot.coach.spelling import Speller
from bot.retrieval.index import SearchHit
from bot.retrieval.tokenize import tokenize
from bot.wording import Wording, load_prompt_file

if TYPE_CHECKING:
    from bot.retrieval.cards import Card
    from bot.retrieval.embeddings import TextEmbeddings

Verdict = Literal["on_topic", "off_topic", "greeting", "injection"]

# On-topic evidence must beat the nearest off-topic example by this much (cosine). Chosen on the dev sets,
# once the off-topic side had ~50 examples a category and language: on-topic questions sit at least 0.054
# above, off-topic ones at most -0.013 (one outlier at 0.042: a raise asked of a sales director).
MARGIN = 0.02
# Whatever the off-topic side says, a message nothing about KAM comes even this close to is off topic
# (the dev sets' on-topic questions all sit above 0.32; trivia, weather and jokes mostly below).
MIN_ON_TOPIC_SIMILARITY = 0.28
# A message quoting a range the cards state, with its unit ("8-12周是指什么", "what does 40-50% mean"), asks
# about the method's own figure: its on-topic side may trail the off-topic one by this much. Such messages
# sat 0.01-0.05 below their nearest off-topic example ("8-12周" is near "产假多少天"); off-topic ones
# quoting a range ("is my mortgage fixed for 2-3 years") sit 0.2 and more below.
QUOTED_RANGE_ALLOWANCE = 0.08
# A user's document holding nearly all of a message's words (three or more) is on topic whatever the
# embedding says: documents use names (products, customers) no sentence encoder knows.
DOCUMENT_COVERAGE = 0.75
DOCUMENT_MIN_TERMS = 3
# What is left of a message once an injection is taken out is a question only with this many content words.
QUESTION_MIN_TERMS = 2
# A short message this close to a listed greeting, and closer to it than to anything about KAM, is one.
GREETING_SIMILARITY = 0.8
GREETING_MAX_WORDS = 4
GREETING_MAX_HAN = 6

_PUNCTUATION = re.compile(r"[\s\W_]+", re.UNICODE)
_HAN = re.compile(r"[\u4e00-\u9fff]")
_LATIN_WORD = re.compile(r"[A-Za-z]+")


def _plain(text: str) -> str:
    return _PUNCTUATION.sub(" ", text.casefold()).strip()


class TopicGate:
    def __init__(
        self,
        prompts_dir: Path,
        embeddings: TextEmbeddings | None = None,
        cards: Sequence[Card] = (),
        min_relevance: float = 0.0,
        cache_dir: Path | None = None,
        stored_word: Callable[[str], bool] | None = None,
    ) -> None:
        spec = load_prompt_file(prompts_dir, "offtopic_exemplars.yaml")
        ontopic = load_prompt_file(prompts_dir, "ontopic_exemplars.yaml")
        intents = load_prompt_file(prompts_dir, "intents.yaml")
        terms = load_prompt_file(prompts_dir, "domain_terms.yaml")
        spelling = load_prompt_file(prompts_dir, "spelling.yaml")
        self.cues = Cues(Wording("answers.yaml", load_prompt_file(prompts_dir, "answers.yaml")))
        self.embeddings = embeddings
        self.cache_dir = cache_dir
        self.min_relevance = min_relevance
        self._injection = [re.compile(p, re.IGNORECASE) for p in spec.get("injection_patterns", [])]

        self._off_labels: list[str] = []
        self._off_texts: list[str] = []
        for category, by_language in spec.get("exemplars", {}).items():
            for texts in by_language.values():
                self._off_labels.extend(category for _ in texts)
                self._off_texts.extend(texts)
        self._greetings = [g for texts in spec.get("greetings", {}).values() for g in texts]
        # A form's command word outside a form ("help", "why", "status", "为什么") has no form to act on: it
        # gets what the coach can do, as a greeting does.
        commands = load_prompt_file(prompts_dir, "commands.yaml")
        command_words = [
            word for lang in ("en", "zh") for words in commands.get(lang, {}).values() for word in words
        ]
        self._greeting_set = {_plain(str(g)) for g in (*self._greetings, *command_words)}
        on_texts = [ask for card in cards for ask in card.asks] + [card.title for card in cards]
        on_texts += [e for body in intents.values() for e in body.get("exemplars", [])]
        on_texts += [e for lang in ("en", "zh") for e in ontopic.get(lang, {}).get("exemplars", [])]
        self._on_texts = list(dict.fromkeys(on_texts))

        card_texts = [part for card in cards for part in (card.title, *card.asks, card.body)]
        prompt_words = [*self._on_texts, *self._off_texts, *self._greetings]
        prompt_words += [str(t) for t in (*terms.get("en", []), *terms.get("zh", []))]
        prompt_words += [
            k for body in intents.values() for kw in body.get("keywords", {}).values() for k in kw
        ]
        self.speller = Speller(
            card_texts, prompt_words, spelling.get("en", {}).get("abbreviations", []), stored_word
        )

    # ---------- reading the message ----------
    def normalise(self, text: str) -> str:
        """What is searched and gated: `text` with the knowledge base's spelling (never shown)."""
        return self.speller.normalise(text)

    def is_injection(self, text: str) -> bool:
        return any(pattern.search(text) for pattern in self._injection)

    # ---------- the evidence ----------
    def _vectors(self, texts: list[str]) -> np.ndarray:
        assert self.embeddings is not None, "the gate compares embeddings: give it the model"
        return _exemplar_vectors(self.embeddings, tuple(texts), self.cache_dir)

    # Each side's vectors, looked up once per gate (the process-wide lookup keys on every text).
    @cached_property
    def _on_vectors(self) -> np.ndarray:
        return self._vectors(self._on_texts)

    @cached_property
    def _off_vectors(self) -> np.ndarray:
        return self._vectors(self._off_texts)

    @cached_property
    def _greeting_vectors(self) -> np.ndarray:
        return self._vectors(self._greetings)

    def evidence(self, vector: Sequence[float]) -> dict[str, float]:
        """Nearest on-topic example, nearest off-topic example per category, nearest greeting."""
        query = np.asarray(vector, dtype=np.float32)
        found = {"on_topic": float(np.max(self._on_vectors @ query))}
        off = self._off_vectors @ query
        for label, value in zip(self._off_labels, off.tolist(), strict=True):
            found[label] = max(found.get(label, -1.0), value)
        found["greeting"] = float(np.max(self._greeting_vectors @ query)) if self._greetings else -1.0
        return found

    def _is_greeting(self, text: str, evidence: dict[str, float]) -> bool:
        plain = _plain(text)
        if plain in self._greeting_set or (plain and all(p in self._greeting_set for p in plain.split())):
            return True
        short = (
            len(_LATIN_WORD.findall(text)) <= GREETING_MAX_WORDS
            and len(_HAN.findall(text)) <= GREETING_MAX_HAN
        )
        greeting = evidence["greeting"]
        return short and greeting >= GREETING_SIMILARITY and greeting > evidence["on_topic"] + MARGIN

    def _document_evidence(self, text: str, hits: Sequence[SearchHit]) -> tuple[bool, float]:
        """Whether a user's document answers the message (it holds the message's words, or is within
        KAM_MIN_RELEVANCE in meaning), and how close in meaning the best one is."""
        documents = [hit for hit in hits if hit.kind == "document"]
        if not documents:
            return False, -1.0
        closest = max(hit.score for hit in documents)
        covered = len(set(tokenize(text))) >= DOCUMENT_MIN_TERMS and any(
            hit.term_coverage >= DOCUMENT_COVERAGE for hit in documents
        )
        return covered or (self.min_relevance > 0 and closest >= self.min_relevance), closest

    # ---------- the decision ----------
    def verdict(self, text: str, hits: Sequence[SearchHit], vector: Sequence[float] | None = None) -> Verdict:
        """`text` as normalised (see `normalise`), the hits found for it and its embedding.

        An attempt to re-instruct the coach is refused, unless a KAM question remains once it is taken out:
        that question is answered, and the injection changes nothing (a language model only ever sees the
        user's text fenced as data, bot/llm)."""
        if self.is_injection(text):
            remainder = self._without_injection(text)
            if len(set(tokenize(remainder))) < QUESTION_MIN_TERMS:
                return "injection"
            return "on_topic" if self._judge(remainder, hits, None) == "on_topic" else "injection"
        return self._judge(text, hits, vector)

    def _without_injection(self, text: str) -> str:
        """`text` without every span an injection pattern matches (found in the original, so that taking
        out one match never hides another)."""
        taken = sorted(found.span() for pattern in self._injection for found in pattern.finditer(text))
        kept, position = [], 0
        for start, end in taken:
            if start > position:
                kept.append(text[position:start])
            position = max(position, end)
        kept.append(text[position:])
        return " ".join(kept)

    def _judge(self, text: str, hits: Sequence[SearchHit], vector: Sequence[float] | None) -> Verdict:
        if vector is None:
            assert self.embeddings is not None
            vector = self.embeddings.embed_query(text)
        evidence = self.evidence(vector)
        if self._is_greeting(text, evidence):
            return "greeting"
        if not hits:
            return "off_topic"
        covered, document = self._document_evidence(text, hits)
        if covered:
            return "on_topic"
        on = max(evidence["on_topic"], document)
        off = max(value for label, value in evidence.items() if label not in ("on_topic", "greeting"))
        margin = MARGIN - (QUOTED_RANGE_ALLOWANCE if self._quotes_a_card_range(text, hits) else 0.0)
        return "on_topic" if on >= max(off + margin, MIN_ON_TOPIC_SIMILARITY) else "off_topic"

    def _quotes_a_card_range(self, text: str, hits: Sequence[SearchHit]) -> bool:
        """Whether the message quotes a range with its unit that a card found for it states."""
        quoted = self.cues.ranges(text)
        return bool(quoted) and any(quoted & self.cues.ranges(hit.text) for hit in hits if hit.kind == "card")
