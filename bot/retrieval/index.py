"""The knowledge index: cards and ingested documents in Chroma, with a BM25 ranking fused in.

Dense retrieval (USE multilingual) carries meaning across Chinese and English; BM25 over jieba tokens
catches the exact terms (LRAIC, 边际成本, 25%) that a sentence embedding blurs. The two rankings are fused
by reciprocal rank fusion, then the two language versions of a card collapse into one source shown in the
asker's language.
"""

from __future__ import annotations

import hashlib
import logging
import threading
import time
from collections import defaultdict
from collections.abc import Iterable, Sequence
from pathlib import Path
from typing import Any, Literal

import bm25s
import numpy as np
from langchain_core.embeddings import Embeddings
from pydantic import BaseModel, Field

from bot.retrieval.cards import Card, load_cards
from bot.retrieval.embeddings import ChromaLangchainEmbeddingFunction, load_embeddings
from bot.retrieval.fusion import reciprocal_rank_fusion
from bot.retrieval.tokenize import tokenize
from bot.settings import Settings

log = logging.getLogger(__name__)

SourceKind = Literal["card", "template", "document"]
CANDIDATES = 60
DENSE_CANDIDATES = 150
MIN_TERM_COVERAGE = 0.5


class SearchHit(BaseModel):
    source_id: str
    kind: SourceKind
    lang: str
    title: str
    seed_chunks: list[int] = Field(default_factory=list)
    text: str
    actions: list[str] = Field(default_factory=list)
    score: float
    """Cosine similarity of the best matching piece (0..1): how close in meaning, shown to users."""
    fused: float
    """Reciprocal-rank-fusion score: what the order is by."""
    bm25: float = 0.0
    term_coverage: float = 0.0
    """Share of the query's distinct terms found in the source: exact-word evidence of relevance."""


class SyncReport(BaseModel):
    added: int = 0
    updated: int = 0
    removed: int = 0
    unchanged: int = 0
    seconds: float = 0.0


class _Doc(BaseModel):
    key: str
    source_id: str
    kind: SourceKind
    lang: str
    title: str
    seed_chunks: list[int]
    actions: list[str]
    text: str
    tokens: list[str]


def _join_ints(values: Iterable[int]) -> str:
    return ",".join(str(v) for v in values)


def _split_ints(value: Any) -> list[int]:
    return [int(v) for v in str(value or "").split(",") if v.strip()]


def _split_words(value: Any) -> list[str]:
    return [v for v in str(value or "").split(",") if v]


class KnowledgeIndex:
    """One Chroma collection per embedding model, so switching models never mixes vector spaces."""

    def __init__(self, settings: Settings, embeddings: Embeddings | None = None) -> None:
        self.settings = settings
        self.embeddings = embeddings or load_embeddings(settings.embeddings)
        self._lock = threading.RLock()
        self._store: Any = None
        self._collection: Any = None
        self._docs: list[_Doc] | None = None
        self._lexical: list[_Doc] = []
        self._by_key: dict[str, _Doc] = {}
        self._bm25: bm25s.BM25 | None = None
        self._cards: dict[str, Card] = {}

    # ---------- storage ----------
    @property
    def collection_name(self) -> str:
        digest = hashlib.sha1(self.settings.embeddings.encode()).hexdigest()[:8]
        return f"kam_knowledge_{digest}"

    def _client(self) -> Any:
        import chromadb
        from chromadb.config import Settings as ChromaSettings

        chroma_settings = ChromaSettings(anonymized_telemetry=False)
        if self.settings.chroma_host:
            return chromadb.HttpClient(
                host=self.settings.chroma_host, port=self.settings.chroma_port, settings=chroma_settings
            )
        self.settings.ensure_data_dir()
        return chromadb.PersistentClient(path=str(self.settings.chroma_dir), settings=chroma_settings)

    @property
    def store(self) -> Any:
        """The langchain-chroma vector store, opened on first use."""
        with self._lock:
            if self._store is None:
                from langchain_chroma import Chroma

                client = self._client()
                # Create the collection with our registered embedding function first, so Chroma records it
                # and never reaches for its default one (a model download) when the collection is reopened.
                self._collection = client.get_or_create_collection(
                    self.collection_name,
                    embedding_function=ChromaLangchainEmbeddingFunction(
                        self.settings.embeddings, self.embeddings
                    ),
                    metadata={"hnsw:space": "cosine"},
                )
                self._store = Chroma(
                    collection_name=self.collection_name,
                    embedding_function=self.embeddings,
                    client=client,
                    collection_metadata={"hnsw:space": "cosine"},
                )
            return self._store

    def _stored(self, where: dict[str, Any] | None = None) -> dict[str, Any]:
        return self.store.get(where=where, include=["metadatas", "documents"])

    # ---------- cards ----------
    def sync_cards(self) -> SyncReport:
        """Bring the index in line with `knowledge/`: embed only the cards whose content changed."""
        started = time.perf_counter()
        with self._lock:
            cards = load_cards(self.settings.knowledge_dir)
            self._cards = {card.key: card for card in cards}
            stored = self._stored({"kind": {"$in": ["card", "template"]}})
            stored_hash = {
                key: meta.get("content_hash")
                for key, meta in zip(stored["ids"], stored["metadatas"], strict=True)
            }
            wanted = {key: (card, text) for card in cards for key, text in self._card_pieces(card)}
            changed = {k: v for k, v in wanted.items() if stored_hash.get(k) != v[0].content_hash}
            removed = [k for k in stored_hash if k not in wanted]
            if removed:
                self.store.delete(ids=removed)
            if changed:
                if len(changed) > 20:  # the first run embeds every card: say why the wait
                    log.info("indexing %d knowledge card pieces (first run or new cards)…", len(changed))
                self.store.add_texts(
                    texts=[text for _, text in changed.values()],
                    metadatas=[self._card_metadata(card, key) for key, (card, _) in changed.items()],
                    ids=list(changed),
                )
            if changed or removed:
                self._invalidate()
            changed_cards = {card.key for card, _ in changed.values()}
            stored_cards = {key.split(":")[1] for key in stored_hash}
            added = len(changed_cards - stored_cards)
            report = SyncReport(
                added=added,
                updated=len(changed_cards) - added,
                removed=len(stored_cards - set(self._cards)),
                unchanged=len(self._cards) - len(changed_cards),
                seconds=round(time.perf_counter() - started, 3),
            )
        if changed or removed:
            log.info("knowledge index synced: %s", report.model_dump())
        return report

    @staticmethod
    def _card_pieces(card: Card) -> list[tuple[str, str]]:
        """A card is embedded as its whole text and once per question it answers: a short question sits
        much closer to another short question than to a 200-word card in USE's space."""
        pieces = [(f"card:{card.key}", card.index_text)]
        pieces += [(f"card:{card.key}:q{n}", f"{card.title}: {ask}") for n, ask in enumerate(card.asks)]
        return pieces

    @staticmethod
    def _card_metadata(card: Card, key: str) -> dict[str, Any]:
        # Only the whole-card piece carries BM25 tokens: the question pieces repeat its words.
        whole = key == f"card:{card.key}"
        return {
            "kind": "template" if card.is_template else "card",
            "source_id": card.id,
            "lang": card.lang,
            "title": card.title,
            "seed_chunks": _join_ints(card.seed_chunks),
            "actions": ",".join(card.actions),
            "content_hash": card.content_hash,
            "path": card.path,
            "tokens": " ".join(tokenize(card.index_text)) if whole else "",
        }

    def card(self, card_id: str, lang: str) -> Card | None:
        if not self._cards:
            self.sync_cards()
        return self._cards.get(f"{card_id}@{lang}") or next(
            (c for c in self._cards.values() if c.id == card_id), None
        )

    @property
    def cards(self) -> list[Card]:
        if not self._cards:
            self.sync_cards()
        return list(self._cards.values())

    # ---------- documents (see bot/retrieval/ingest.py) ----------
    def replace_document(self, path: str, title: str, chunks: list[str], lang_of: Any) -> tuple[int, int]:
        """Index a document's chunks, replacing what was indexed before for the same path.

        The new chunks are written (upserted) before the old ones are dropped, so a failure while embedding
        leaves the earlier copy searchable. Returns (chunks indexed, chunks there before).
        """
        with self._lock:
            previous = set(self.store.get(where={"path": path}, include=[])["ids"])
            doc_id = document_id(path)
            metadatas = [
                {
                    "kind": "document",
                    "source_id": doc_id,
                    "lang": lang_of(chunk),
                    "title": title,
                    "seed_chunks": "",
                    "actions": "",
                    "content_hash": hashlib.sha256(chunk.encode()).hexdigest()[:16],
                    "path": path,
                    "chunk": n,
                    "ingested_at": time.time(),
                    "tokens": " ".join(tokenize(chunk)),
                }
                for n, chunk in enumerate(chunks)
            ]
            ids = [f"{doc_id}#{n}" for n in range(len(chunks))]
            for start in range(0, len(chunks), 2000):  # Chroma caps one batch
                self.store.add_texts(
                    texts=chunks[start : start + 2000],
                    metadatas=metadatas[start : start + 2000],
                    ids=ids[start : start + 2000],
                )
            stale = sorted(previous - set(ids))
            if stale:
                self.store.delete(ids=stale)
            self._invalidate()
            return len(chunks), len(previous)

    def remove_document(self, path: str) -> int:
        with self._lock:
            existing = self.store.get(where={"path": path}, include=[])
            if existing["ids"]:
                self.store.delete(ids=existing["ids"])
                self._invalidate()
            return len(existing["ids"])

    def documents(self) -> list[dict[str, Any]]:
        """One row per ingested document: path, title, chunk count, when it was ingested."""
        stored = self.store.get(where={"kind": "document"}, include=["metadatas"])
        rows: dict[str, dict[str, Any]] = {}
        for meta in stored["metadatas"]:
            row = rows.setdefault(
                meta["path"],
                {
                    "id": meta["source_id"],
                    "path": meta["path"],
                    "title": meta["title"],
                    "chunks": 0,
                    "ingested_at": meta.get("ingested_at", 0),
                },
            )
            row["chunks"] += 1
        return sorted(rows.values(), key=lambda row: row["path"])

    # ---------- search ----------
    def _invalidate(self) -> None:
        self._docs = None
        self._bm25 = None

    def _ensure_lexical(self) -> tuple[list[_Doc], list[_Doc], bm25s.BM25 | None]:
        with self._lock:
            if self._docs is None:
                if not self._cards:
                    self.sync_cards()
                stored = self._stored()
                docs = [
                    _Doc(
                        key=key,
                        source_id=meta["source_id"],
                        kind=meta["kind"],
                        lang=meta.get("lang", "en"),
                        title=meta.get("title", ""),
                        seed_chunks=_split_ints(meta.get("seed_chunks")),
                        actions=_split_words(meta.get("actions")),
                        text=text or "",
                        tokens=str(meta.get("tokens", "")).split(),
                    )
                    for key, meta, text in zip(
                        stored["ids"], stored["metadatas"], stored["documents"], strict=True
                    )
                ]
                lexical = [doc for doc in docs if doc.tokens]
                bm25 = None
                if lexical:
                    bm25 = bm25s.BM25()
                    bm25.index([doc.tokens for doc in lexical], show_progress=False)
                self._docs, self._lexical, self._bm25 = docs, lexical, bm25
                self._by_key = {doc.key: doc for doc in docs}
            return self._docs, self._lexical, self._bm25

    def search(
        self, query: str, k: int = 5, lang: str | None = None, vector: Sequence[float] | None = None
    ) -> list[SearchHit]:
        """The best `k` sources for a query, best first; each card once, in `lang` where it exists.

        `vector` is the query's embedding, when the caller has it already."""
        docs, lexical, bm25 = self._ensure_lexical()
        if not docs or not query.strip():
            return []
        by_key = self._by_key
        n = min(CANDIDATES, len(docs))

        # Ids and distances only: the pieces' text and metadata are already in memory, and shipping them
        # back from Chroma cost more than the search itself. One wide query, so ingested documents and
        # the cards' several pieces each find room among the candidates.
        _ = self.store
        vector = np.asarray(
            self.embeddings.embed_query(query) if vector is None else vector, dtype=np.float32
        )
        found = self._collection.query(
            query_embeddings=[vector], n_results=min(DENSE_CANDIDATES, len(docs)), include=["distances"]
        )
        cosine = {
            key: 1.0 - float(distance)
            for key, distance in zip(found["ids"][0], found["distances"][0], strict=True)
            if key in by_key
        }

        lexical_ids: list[str] = []
        lexical_score: dict[str, float] = {}
        coverage: dict[str, float] = {}
        query_tokens = tokenize(query)
        distinct = set(query_tokens)
        if bm25 is not None and query_tokens:
            positions, scores = bm25.retrieve([query_tokens], k=min(n, len(lexical)), show_progress=False)
            for position, score in zip(positions[0], scores[0], strict=True):
                if score > 0:
                    doc = lexical[int(position)]
                    lexical_ids.append(doc.key)
                    lexical_score[doc.key] = float(score)
                    coverage[doc.key] = len(distinct & set(doc.tokens)) / len(distinct)

        # Words found what the nearest-neighbour search missed: measure those pieces' similarity too, so the
        # dense ranking and the shown score cover every candidate.
        unmeasured = [key for key in lexical_ids if key not in cosine]
        if unmeasured:
            stored = self._collection.get(ids=unmeasured, include=["embeddings"])
            for key, embedding in zip(stored["ids"], stored["embeddings"], strict=True):
                cosine[key] = float(np.dot(np.asarray(embedding, dtype=np.float32), vector))
        dense_ids = sorted(cosine, key=lambda key: -cosine[key])

        # Fuse at the level of sources: a card embedded as five pieces must not outvote a card matched once.
        def by_source(keys: list[str]) -> list[str]:
            return list(dict.fromkeys(by_key[key].source_id for key in keys))

        # A third ranking, by the share of the query's words a source holds, lets an exact match on rare
        # words (a product name in a user's own playbook) win where the sentence embedding is blind to it.
        # Only sources holding at least half of the words take part: one shared word is no evidence.
        coverage_ids = sorted(
            (key for key in lexical_ids if coverage[key] >= MIN_TERM_COVERAGE), key=lambda key: -coverage[key]
        )
        fused = reciprocal_rank_fusion(
            [by_source(dense_ids), by_source(lexical_ids), by_source(coverage_ids)]
        )
        groups: dict[str, list[str]] = defaultdict(list)
        for key in dense_ids + lexical_ids:
            groups[by_key[key].source_id].append(key)
        hits: list[SearchHit] = []
        for source_id, source_fused in fused.items():
            keys = groups[source_id]
            members = [by_key[key] for key in keys]
            shown = next((m for m in members if m.lang == lang), members[0])
            if shown.kind != "document":
                card = self.card(source_id, lang or shown.lang)
                if card is not None:  # show the whole card, in the asker's language where it exists
                    shown = shown.model_copy(
                        update={"lang": card.lang, "title": card.title, "text": card.body}
                    )
            hits.append(
                SearchHit(
                    source_id=source_id,
                    kind=shown.kind,
                    lang=shown.lang,
                    title=shown.title,
                    seed_chunks=shown.seed_chunks,
                    text=shown.text,
                    actions=shown.actions,
                    score=round(max((cosine.get(key, 0.0) for key in keys), default=0.0), 4),
                    fused=source_fused,
                    bm25=max((lexical_score.get(key, 0.0) for key in keys), default=0.0),
                    term_coverage=max((coverage.get(key, 0.0) for key in keys), default=0.0),
                )
            )
        hits.sort(key=lambda hit: (-hit.fused, -hit.score, hit.source_id))
        return hits[:k]


def document_id(path: str) -> str:
    """A stable id for an ingested file: the same path always maps to the same id (so re-ingest replaces)."""
    return "doc:" + hashlib.sha1(str(Path(path)).encode("utf-8")).hexdigest()[:12]
