"""Writing to the index: sources replaced whole, their pieces streamed into Chroma, then registered.

Batches are tokenised in the calling thread, embedded on two threads (numpy releases the GIL in its
matrix products) with batches queued ahead of them, and written to Chroma on a third in large writes, so
a large file keeps both cores busy. A source is registered (bot/retrieval/chroma_store.py) only after its
last batch is written, and its earlier version is deleted only after that: an interrupted or failed
write leaves the earlier version complete and searchable, and its own pieces unlisted. A new snapshot
is published at the end of the session, and during a long one every PUBLISH_SECONDS, so other
processes see finished files as they finish.
"""

from __future__ import annotations

import itertools
import logging
import time
from collections import deque
from collections.abc import Callable, Sequence
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from bot.retrieval.chroma_store import ChromaStore
from bot.retrieval.embeddings import EMBEDDING_THREADS, TextEmbeddings, embed_array
from bot.retrieval.snapshot import Snapshot, SnapshotBuilder, SnapshotFolder, SourceEntry
from bot.retrieval.tokenize import tokenize_many

log = logging.getLogger(__name__)

BATCH = 64
EMBEDDING_WORKERS = EMBEDDING_THREADS
# Batches handed to the embedding threads ahead of the one awaited: two queued per thread, so a thread
# finishing a batch starts the next at once (with one each in flight, it sat idle while this thread
# stored the last batch and tokenised the next).
EMBEDDINGS_AHEAD = 3 * EMBEDDING_WORKERS
WRITE_BATCH = 512  # Chroma spends 40% less per piece on 500-piece writes than on 64-piece ones
WRITES_IN_FLIGHT = 2
PUBLISH_SECONDS = 30.0


@dataclass(slots=True)
class PieceDraft:
    """A piece to store: its text, its language, whether it is keyword-indexed, and its metadata."""

    text: str
    lang: str
    keyword: bool = True
    metadata: dict[str, Any] = field(default_factory=dict)


_Item = tuple[SourceEntry, str, PieceDraft]  # a piece on its way: its source, its id, the piece


class _WriteBuffer:
    """Pieces on their way into Chroma: gathered into large writes, made on the writer thread, at most
    WRITES_IN_FLIGHT at a time (so embedding never runs far ahead of what is stored)."""

    def __init__(self, pool: ThreadPoolExecutor, store: ChromaStore) -> None:
        self.pool = pool
        self.store = store
        self.pending: tuple[list[str], list[Any], list[str], list[dict[str, Any]]] = ([], [], [], [])
        self.in_flight: deque[Future[None]] = deque()

    def add(self, ids: list[str], vectors: np.ndarray, texts: list[str], metadatas: list[dict]) -> None:
        self.pending[0].extend(ids)
        self.pending[1].append(vectors)
        self.pending[2].extend(texts)
        self.pending[3].extend(metadatas)
        if len(self.pending[0]) >= WRITE_BATCH:
            self._submit()

    def _submit(self) -> None:
        ids, vectors, texts, metadatas = self.pending
        if ids:
            self.in_flight.append(
                self.pool.submit(self.store.add, ids, np.concatenate(vectors), texts, metadatas)
            )
        self.pending = ([], [], [], [])
        while len(self.in_flight) > WRITES_IN_FLIGHT:
            self.in_flight.popleft().result()

    def finish(self) -> None:
        self._submit()
        while self.in_flight:
            self.in_flight.popleft().result()

    def settle(self) -> None:
        """After a failure: wait for the writes under way, whatever their outcome."""
        for write in self.in_flight:
            write.exception()


def _done(value: Any) -> Future[Any]:
    future: Future[Any] = Future()
    future.set_result(value)
    return future


def piece_ids(entry: SourceEntry, count: int) -> list[str]:
    """Ids carry the version, so a new version's pieces sit beside the old ones until it is complete."""
    return [f"{entry.key}~{entry.version}#{n}" for n in range(count)]


class IndexWriter:
    def __init__(
        self,
        store: ChromaStore,
        folder: SnapshotFolder,
        base: Snapshot,
        embeddings: TextEmbeddings,
        cards_fingerprint: str,
    ) -> None:
        self.store = store
        self.folder = folder
        self.embeddings = embeddings
        self.cards_fingerprint = cards_fingerprint
        self.snapshot = base
        self.builder = SnapshotBuilder(base)
        self.registered = False
        self._published_at = time.monotonic()
        self._embedders = ThreadPoolExecutor(EMBEDDING_WORKERS, thread_name_prefix="embed")
        self._writer = ThreadPoolExecutor(max_workers=1, thread_name_prefix="chroma-write")

    def replace(
        self,
        entry: SourceEntry,
        drafts: Sequence[PieceDraft],
        vectors: np.ndarray | None = None,
        progress: Callable[[int], None] | None = None,
    ) -> None:
        """Writes `entry`'s pieces, then registers it as complete, then drops its earlier version."""
        self.replace_many([(entry, drafts)], vectors, progress)

    def replace_many(
        self,
        sources: Sequence[tuple[SourceEntry, Sequence[PieceDraft]]],
        vectors: np.ndarray | None = None,
        progress: Callable[[int], None] | None = None,
        keep_vectors: bool = False,
    ) -> np.ndarray | None:
        """Several sources in one stream of batches (cards are many and small); each is registered once
        all of them are written. `vectors`, when given, are the pieces' embeddings in order. With
        `keep_vectors`, returns the vectors stored, in order (for a cache; documents can be too large)."""
        now = time.time()
        entries = [
            entry.model_copy(update={"pieces": len(drafts), "ingested_at": now}) for entry, drafts in sources
        ]
        flat = [
            (entry, piece_id, draft)
            for entry, (_, drafts) in zip(entries, sources, strict=True)
            for piece_id, draft in zip(piece_ids(entry, len(drafts)), drafts, strict=True)
        ]
        # Batches move through three stages: tokenised here, embedded on the embedding workers (one per
        # core; numpy releases the GIL), written to Chroma on the writer thread, in order.
        stages: deque[tuple[list[_Item], list[list[str]], Future[Any]]] = deque()
        writes = _WriteBuffer(self._writer, self.store)
        kept: list[np.ndarray] | None = [] if keep_vectors else None
        try:
            for start in range(0, len(flat), BATCH):
                batch = flat[start : start + BATCH]
                texts = [draft.text for _, _, draft in batch]
                embedding = (  # handed over first, so it runs while this thread tokenises
                    self._embedders.submit(embed_array, self.embeddings, texts)
                    if vectors is None
                    else _done(vectors[start : start + len(batch)])
                )
                stages.append((batch, self._tokens(batch), embedding))
                while len(stages) > EMBEDDINGS_AHEAD:
                    self._store_batch(*stages.popleft(), writes, progress, kept)
            while stages:
                self._store_batch(*stages.popleft(), writes, progress, kept)
            writes.finish()
        finally:  # after a failure, let the batches under way finish before the error goes up
            for _, _, embedding in stages:
                embedding.exception()
            writes.settle()
        self.store.register(entries)
        stale: list[str] = []
        for entry in entries:
            earlier = self.builder.sources.get(entry.key)
            if earlier is not None and earlier.version != entry.version:
                stale.extend(self.snapshot.piece_ids_of(earlier.key))
            self.builder.put(entry)
        self.store.delete(stale)
        for entry in entries:
            if entry.kind == "document":  # also what an interrupted ingest of this file left behind
                self.store.delete_where(
                    {"$and": [{"source_key": entry.key}, {"version": {"$ne": entry.version}}]}
                )
        self.registered = True
        if time.monotonic() - self._published_at > PUBLISH_SECONDS:
            self.publish()
        if kept is None:
            return None
        return np.concatenate(kept) if kept else np.zeros((0, 0), dtype=np.float32)

    @staticmethod
    def _tokens(batch: list[_Item]) -> list[list[str]]:
        keyword_tokens = iter(tokenize_many([draft.text for _, _, draft in batch if draft.keyword]))
        return [next(keyword_tokens) if draft.keyword else [] for _, _, draft in batch]

    def _store_batch(
        self,
        batch: list[_Item],
        tokens: list[list[str]],
        embedding: Future[Any],
        writes: _WriteBuffer,
        progress: Callable[[int], None] | None,
        kept: list[np.ndarray] | None = None,
    ) -> None:
        batch_vectors = embedding.result()
        if kept is not None:
            kept.append(batch_vectors)
        metadatas = [
            {
                **self._source_metadata(entry),
                **draft.metadata,
                "lang": draft.lang,
                "chunk": int(piece_id.rsplit("#", 1)[1]),
                "tokens": " ".join(words),
            }
            for (entry, piece_id, draft), words in zip(batch, tokens, strict=True)
        ]
        ids = [piece_id for _, piece_id, _ in batch]
        texts = [draft.text for _, _, draft in batch]
        writes.add(ids, batch_vectors, texts, metadatas)
        at = 0
        for entry, group in itertools.groupby(batch, key=lambda item: item[0]):
            size = len(list(group))
            self.builder.add_pieces(
                entry,
                ids[at : at + size],
                texts[at : at + size],
                [draft.lang for _, _, draft in batch[at : at + size]],
                batch_vectors[at : at + size],
                tokens[at : at + size],
            )
            at += size
        if progress is not None:
            progress(len(batch))

    def remove(self, key: str) -> int:
        """Unregisters a source and deletes its pieces; the number of pieces it had."""
        known = next((entry for entry in self.builder.sources.values() if entry.key == key), None)
        if known is None:
            return 0
        self.store.unregister([key])
        self.builder.remove(key)
        self.registered = True
        self.store.delete(self.snapshot.piece_ids_of(key))
        self.store.delete_where({"source_key": key})
        return known.pieces

    @staticmethod
    def _source_metadata(entry: SourceEntry) -> dict[str, Any]:
        return {
            "kind": entry.kind,
            "source_id": entry.source_id,
            "source_key": entry.key,
            "version": entry.version,
            "title": entry.title,
            "path": entry.path,
            "ingested_at": entry.ingested_at,
        }

    def publish(self) -> Snapshot:
        """Makes what is registered so far the current snapshot (nothing to do if nothing changed)."""
        if self.builder.changed or self.cards_fingerprint != self.snapshot.manifest.cards_fingerprint:
            stamp = self.store.new_stamp() if self.registered else self.snapshot.manifest.stamp
            folder = self.builder.write(self.folder.root, stamp, self.cards_fingerprint)
            self.folder.publish(folder)
            self.snapshot = Snapshot.load(folder)
            self.builder = SnapshotBuilder(self.snapshot)
            self.registered = False
        self._published_at = time.monotonic()
        return self.snapshot

    def close(self) -> None:
        self._embedders.shutdown(wait=True)
        self._writer.shutdown(wait=True)
