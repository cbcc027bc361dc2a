"""The keyword index: built vectorised with bm25s's formula, it scores exactly as bm25s's own build."""

from __future__ import annotations

import bm25s
import numpy as np

from bot.retrieval.cards import load_cards
from bot.retrieval.keyword_index import KeywordIndex
from bot.retrieval.tokenize import tokenize, tokenize_many
from bot.settings import _shipped_dir

QUERIES = ["边际成本定价 LRAIC", "how to tier accounts by profit", "客户分层", "quokka zanzibarian"]


def _corpus() -> list[list[str]]:
    return tokenize_many([card.index_text for card in load_cards(_shipped_dir("knowledge"))])


def _ours(corpus: list[list[str]]) -> KeywordIndex:
    vocabulary: dict[str, int] = {}
    codes = [[vocabulary.setdefault(word, len(vocabulary)) for word in doc] for doc in corpus]
    offsets = np.cumsum([0] + [len(doc) for doc in codes])
    tokens = np.array([code for doc in codes for code in doc], dtype=np.int32)
    return KeywordIndex.build(tokens, offsets, vocabulary)


def test_scores_match_bm25s_own_build():
    corpus = _corpus()
    reference = bm25s.BM25(k1=1.5, b=0.75, method="lucene")
    reference.index(corpus, show_progress=False)
    ours = _ours(corpus)
    for query in QUERIES:
        tokens = tokenize(query)
        known = [t for t in tokens if t in reference.vocab_dict]
        expected = reference.get_scores(known) if known else np.zeros(len(corpus))
        ids = ours.bm25.get_tokens_ids(tokens)
        got = ours.bm25.get_scores_from_ids(ids) if known else np.zeros(len(corpus))
        np.testing.assert_allclose(got, expected, rtol=1e-5, atol=1e-6)


def test_search_is_best_first_with_the_share_of_query_words_held(tmp_path):
    corpus = _corpus()
    built = _ours(corpus)
    built.save(tmp_path)
    loaded = KeywordIndex.load(tmp_path)  # memory-mapped from the files bm25s wrote
    tokens = tokenize("边际成本定价 LRAIC")
    hits = loaded.search(tokens, k=5)
    scores = loaded.bm25.get_scores_from_ids(loaded.bm25.get_tokens_ids(tokens))
    assert list(hits.docs) == list(np.argsort(-scores, kind="stable")[:5])
    for doc, share in zip(hits.docs, hits.coverage, strict=True):
        assert share == len(set(tokens) & set(corpus[doc])) / len(set(tokens))
    assert len(loaded.search(tokenize("quokka zanzibarian"), k=5).docs) == 0
