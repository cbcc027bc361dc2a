"""What the user wants: a question answered, a deal priced, a plan drafted, opportunities ranked.

No language model: the intent whose exemplar sentence is nearest in meaning wins, keywords tip the balance
(a keyword match is the strongest signal a short message gives), and anything else about KAM is a
question. Whether a message is about KAM at all is decided by the gate (bot/coach/topic.py).
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np

from bot.coach.reply import Intent
from bot.coach.terms import TermMatcher
from bot.retrieval.embeddings import embed_in_parallel
from bot.retrieval.vector_cache import load_vectors, save_vectors
from bot.wording import load_prompt_file

if TYPE_CHECKING:
    from bot.retrieval.embeddings import TextEmbeddings


KEYWORD_BONUS = 0.25
# Without a keyword, an action intent needs a close exemplar and must beat the best "question" exemplar
# by a margin, so a question about pricing theory ("when is the deal decided?") stays a question.
DIALOG_MIN_SIMILARITY = 0.55
DIALOG_MARGIN = 0.08


_VECTORS: dict[tuple[int, tuple[str, ...]], tuple[TextEmbeddings, np.ndarray]] = {}


def _exemplar_vectors(
    embeddings: TextEmbeddings, texts: tuple[str, ...], cache_dir: Path | None = None
) -> np.ndarray:
    """The exemplars' vectors, embedded once per model and process (each coach built in a process, a test's
    or a restarted one, would embed the same sentences again). With `cache_dir` (a folder belonging to one
    embedding model), also kept on disk: a one-question `kam-coach ask` then reads them instead of
    embedding a thousand sentences."""
    key = (id(embeddings), texts)
    cached = _VECTORS.get(key)
    if cached is None or cached[0] is not embeddings:
        # The folder is named by the KAM_EMBEDDINGS setting, which stays the same when the shipped model's
        # weights are upgraded: the weights' stamp (where the model has one) keeps their vectors apart.
        weights = getattr(embeddings, "stamp", "")
        vectors = load_vectors(cache_dir, texts, weights)
        if vectors is None:
            vectors = embed_in_parallel(embeddings, list(texts))
            save_vectors(cache_dir, texts, vectors, weights)
        cached = (embeddings, vectors)
        _VECTORS[key] = cached
    return cached[1]


def exemplar_cache_dir(cache_dir: Path, embeddings_setting: str) -> Path:
    """The folder for one embedding model's exemplar vectors in the cache folder."""
    return cache_dir / f"exemplars-{hashlib.sha1(embeddings_setting.encode()).hexdigest()[:8]}"


class IntentDetector:
    def __init__(self, prompts_dir: Path, embeddings: TextEmbeddings, cache_dir: Path | None = None) -> None:
        spec = load_prompt_file(prompts_dir, "intents.yaml")
        self.embeddings = embeddings
        self.keywords: dict[str, TermMatcher] = {
            intent: TermMatcher(kw for lang in ("en", "zh") for kw in body.get("keywords", {}).get(lang, []))
            for intent, body in spec.items()
        }
        self.switch_patterns: dict[str, list[re.Pattern[str]]] = {
            intent: [re.compile(pattern) for pattern in body.get("switch", [])]
            for intent, body in spec.items()
        }
        self.explanation_patterns = [
            re.compile(pattern, re.IGNORECASE) for pattern in spec.get("question", {}).get("patterns", [])
        ]
        self.labels: list[str] = []
        texts: list[str] = []
        for intent, body in spec.items():
            for exemplar in body.get("exemplars", []):
                self.labels.append(intent)
                texts.append(exemplar)
        self.vectors = _exemplar_vectors(embeddings, tuple(texts), cache_dir)

    def switch_request(self, text: str) -> str | None:
        """The intent an explicit start command asks for ("start a plan for ACME"), or None."""
        stripped = text.strip().lower()
        for intent, patterns in self.switch_patterns.items():
            if any(pattern.search(stripped) for pattern in patterns):
                return intent
        return None

    def keyword_hits(self, text: str) -> set[str]:
        return {intent for intent, keywords in self.keywords.items() if keywords.found_in(text)}

    def scores(
        self, text: str, vector: Sequence[float] | None = None, keyword_intents: set[str] | None = None
    ) -> dict[str, float]:
        """Best exemplar similarity per intent, plus the keyword bonus. `vector` and `keyword_intents`,
        when the caller already has them, spare embedding and scanning the message again."""
        if vector is None:
            vector = self.embeddings.embed_query(text)
        if keyword_intents is None:
            keyword_intents = self.keyword_hits(text)
        similarity = self.vectors @ np.asarray(vector, dtype=np.float32)
        best: dict[str, float] = {}
        for label, value in zip(self.labels, similarity, strict=True):
            best[label] = max(best.get(label, -1.0), float(value))
        for intent in keyword_intents:
            best[intent] = best.get(intent, 0.0) + KEYWORD_BONUS
        return best

    def _asks_why(self, text: str, has_keyword: bool) -> bool:
        """A message asking why wants an explanation, not a form: always when it opens with "why" or
        "为什么", and otherwise when no form's keyword is in it ("客户为什么压价，这个单子怎么报价" is
        pricing)."""
        stripped = text.strip()
        for pattern in self.explanation_patterns:
            found = pattern.search(stripped)
            if found is not None and (found.start() == 0 or not has_keyword):
                return True
        return False

    def detect(
        self, text: str, vector: Sequence[float] | None = None, keyword_intents: set[str] | None = None
    ) -> Intent:
        if keyword_intents is None:
            keyword_intents = self.keyword_hits(text)
        if self._asks_why(text, bool(keyword_intents)):
            return "question"
        scores = self.scores(text, vector, keyword_intents)
        question = scores.get("question", 0.0)
        candidates = [(intent, score) for intent, score in scores.items() if intent != "question"]
        if not candidates:
            return "question"
        best_intent, best = max(candidates, key=lambda item: item[1])
        if best_intent in keyword_intents:
            return best_intent  # type: ignore[return-value]
        if best >= DIALOG_MIN_SIMILARITY and best >= question + DIALOG_MARGIN:
            return best_intent  # type: ignore[return-value]
        return "question"
