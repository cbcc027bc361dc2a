"""Fusing the three kinds of evidence a source has for a question into one score to rank by.

The meaning (cosine of the source's best-matching piece: the card's text or one of the questions it
answers) leads; exact words add to it: the source's BM25 relative to the question's best BM25, and the
share of the question's words the source holds. Scores, not ranks, are fused: a card whose question sits
at 0.75 from the asker's must stay ahead of one at 0.50, which reciprocal rank fusion (ranks 1 and 2,
1/61 against 1/62) all but forgets. The weights were chosen on the evaluation's dev split
(tests/data/answers_eval.yaml; benchmarks/answers_eval.py): the right card first for 0.95 of the dev
questions, against 0.92 with reciprocal rank fusion over the same cards; any words weight from 0.1 to
0.3 does about as well.
"""

from __future__ import annotations

from collections.abc import Mapping

WORDS_WEIGHT = 0.2
"""What the best BM25 for a question adds (a source at half of it adds half)."""
COVERAGE_WEIGHT = 0.1
"""What holding every one of the question's words adds."""


def fuse_scores(
    meaning: Mapping[str, float], words: Mapping[str, float], coverage: Mapping[str, float]
) -> dict[str, float]:
    """Fused score per source, best first: `meaning` is a cosine (every candidate has one), `words` the
    BM25 score, `coverage` the share of the question's terms held (0..1); absent means none."""
    top_words = max(words.values(), default=0.0) or 1.0
    scores = {
        key: cosine
        + WORDS_WEIGHT * words.get(key, 0.0) / top_words
        + COVERAGE_WEIGHT * coverage.get(key, 0.0)
        for key, cosine in meaning.items()
    }
    return dict(sorted(scores.items(), key=lambda item: (-item[1], item[0])))
