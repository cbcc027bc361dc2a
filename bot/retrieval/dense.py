"""Nearest pieces by cosine over the snapshot's float32 vectors (unit length, so a dot product).

Measured on this 2-core machine (benchmarks/run.py; 60 questions, the true top 150 as reference):
an exact search reads every vector, 20 MB at 10,000 pieces (about a millisecond) but 100 MB at 50,000,
where memory bandwidth makes it 5-20 ms. Chroma's HNSW index needs ef_search around 800 for a recall of
0.99 at 50,000 pieces, and then takes 14 ms a question; at its default it recalls 0.90.

So up to SHORTLIST_FROM pieces the search is exact. Above, the vectors are also kept projected onto
their 128 main directions (a quarter of the bytes): a question is scored against those, the best
`shortlist` are re-scored exactly, and the top of that is the answer. The shortlist's length is
chosen when the snapshot is written, by trying it on probe questions (the cards' own questions) against
the exact search, as the smallest that recalls at least MIN_RECALL; if none does, the search stays exact.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

SHORTLIST_FROM = 20_000
DIMENSIONS = 128
SHORTLISTS = (600, 1200, 2400, 4800)
MIN_RECALL = 0.99
SAMPLE = 20_000
PROBES = 64
CHECKED_TOP = 150


def top(scores: np.ndarray, n: int) -> np.ndarray:
    """Positions of the `n` highest scores, best first (equal scores in position order)."""
    n = min(n, len(scores))
    if n <= 0:
        return np.empty(0, dtype=np.int64)
    best = np.argpartition(-scores, n - 1)[:n] if n < len(scores) else np.arange(len(scores))
    return best[np.lexsort((best, -scores[best]))]


@dataclass(frozen=True)
class Reduction:
    basis: np.ndarray
    """(dimensions, DIMENSIONS): the main directions of the stored vectors."""
    reduced: np.ndarray
    """(pieces, DIMENSIONS): every vector projected onto them."""
    shortlist: int


class DenseIndex:
    def __init__(self, vectors: np.ndarray, reduction: Reduction | None = None) -> None:
        self.vectors = vectors
        self.reduction = reduction

    def search(self, vector: np.ndarray, n: int) -> tuple[np.ndarray, np.ndarray]:
        """The `n` nearest pieces (rows) and their cosine, best first."""
        if not len(self.vectors) or n <= 0:
            return np.empty(0, dtype=np.int64), np.empty(0, dtype=np.float32)
        reduction = self.reduction
        if reduction is None or n > reduction.shortlist:
            scores = self.vectors @ vector
            rows = top(scores, n)
            return rows, scores[rows]
        candidates = np.sort(top(reduction.reduced @ (vector @ reduction.basis), reduction.shortlist))
        scores = self.vectors[candidates] @ vector
        best = top(scores, n)
        return candidates[best], scores[best]

    def similarity(self, rows: np.ndarray, vector: np.ndarray) -> np.ndarray:
        return self.vectors[rows] @ vector


def reduce_for_search(vectors: np.ndarray, probes: np.ndarray) -> Reduction | None:
    """The projection and shortlist for a large snapshot, or None where an exact search is the choice
    (few pieces, or no shortlist reaches MIN_RECALL on the probes)."""
    count = len(vectors)
    if count < SHORTLIST_FROM or vectors.shape[1] <= DIMENSIONS:
        return None
    rng = np.random.default_rng(0)
    sample = np.asarray(vectors[np.sort(rng.choice(count, min(count, SAMPLE), replace=False))])
    basis = np.ascontiguousarray(
        np.linalg.svd(sample, full_matrices=False)[2][:DIMENSIONS].T, dtype=np.float32
    )
    reduced = np.empty((count, DIMENSIONS), dtype=np.float32)
    for start in range(0, count, 16_384):
        reduced[start : start + 16_384] = vectors[start : start + 16_384] @ basis
    if len(probes) < PROBES:  # top up with stored pieces, slightly moved off themselves
        extra = np.asarray(vectors[rng.choice(count, PROBES - len(probes), replace=False)])
        extra = extra + rng.normal(0, 0.02, extra.shape).astype(np.float32)
        probes = np.concatenate([probes, extra / np.linalg.norm(extra, axis=1, keepdims=True)])
    exact = DenseIndex(vectors)
    truths = [set(exact.search(probe, CHECKED_TOP)[0].tolist()) for probe in probes]
    for shortlist in SHORTLISTS:
        if shortlist >= count // 4:
            break
        candidate = DenseIndex(vectors, Reduction(basis, reduced, shortlist))
        recalls = [
            len(truth & set(candidate.search(probe, CHECKED_TOP)[0].tolist())) / CHECKED_TOP
            for probe, truth in zip(probes, truths, strict=True)
        ]
        if min(recalls) >= MIN_RECALL:
            return Reduction(basis, reduced, shortlist)
    return None
