"""The knowledge index: cards and ingested documents, searched by meaning and by words.

Dense retrieval (USE multilingual) carries meaning across Chinese and English; BM25 over jieba tokens
catches the exact terms (LRAIC, 边际成本, 25%) that a sentence embedding blurs. Each source's best
cosine, its BM25 and the share of the question's words it holds are fused into one score
(bot/retrieval/fusion.py); the two language versions of a card collapse into one source shown in the
asker's language.

Chroma stores every piece (bot/retrieval/chroma_store.py); a search reads the snapshot derived from it
on local disk (bot/retrieval/snapshot.py): an exact search over the memory-mapped vectors, BM25 over the
memory-mapped keyword index, and the text of the hits only, also memory-mapped. A search never opens
Chroma (embedded Chroma loads its whole vector index on any first read); cards are shown from the card
files.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import logging
import threading
import time
import uuid
from collections import defaultdict
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np
from pydantic import BaseModel, Field

from bot.retrieval.cards import Card, knowledge_fingerprint, load_cards
from bot.retrieval.embeddings import TextEmbeddings, load_embeddings, vector_cache
from bot.retrieval.fusion import fuse_scores
from bot.retrieval.snapshot import Snapshot, SnapshotBuilder, SnapshotFolder, SourceEntry, SourceKind
from bot.retrieval.tokenize import tokenize
from bot.retrieval.vector_cache import load_vectors, save_vectors
from bot.settings import Settings

if TYPE_CHECKING:
    from bot.retrieval.chroma_store import ChromaStore
    from bot.retrieval.writer import IndexWriter, PieceDraft

log = logging.getLogger(__name__)

__all__ = ["KnowledgeIndex", "SearchHit", "SourceKind", "SyncReport", "document_id"]

CANDIDATES = 60
DENSE_CANDIDATES = 150
MIN_TERM_COVERAGE = 0.5
# With a Chroma server, how often a search asks it whether another machine changed the index.
SERVER_CHECK_SECONDS = 2.0
CARDS_CACHE = "cards.json"


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
    """Meaning and words fused (bot/retrieval/fusion.py): what the order is by."""
    bm25: float = 0.0
    term_coverage: float = 0.0
    """Share of the query's distinct terms found in the source: exact-word evidence of relevance."""


class SyncReport(BaseModel):
    added: int = 0
    updated: int = 0
    removed: int = 0
    unchanged: int = 0
    seconds: float = 0.0


def _join_ints(values: Sequence[int]) -> str:
    return ",".join(str(v) for v in values)


def document_id(path: str) -> str:
    """A stable id for an ingested file: the same path always maps to the same id (so re-ingest replaces)."""
    return "doc:" + hashlib.sha1(str(Path(path)).encode("utf-8")).hexdigest()[:12]


class KnowledgeIndex:
    """One Chroma collection per embedding model, so switching models never mixes vector spaces."""

    def __init__(self, settings: Settings, embeddings: TextEmbeddings | None = None) -> None:
        self.settings = settings
        self.embeddings = embeddings or load_embeddings(settings.embeddings, cache_dir=settings.cache_dir)
        self._lock = threading.RLock()
        self._store: ChromaStore | None = None
        self._snapshot: Snapshot | None = None
        self._pointer_state: tuple[int, int] | None = None
        self._server_checked = 0.0
        self._cards: dict[str, Card] = {}
        self.folder = SnapshotFolder(settings.data_dir / "index" / self._location())

    # ---------- where things live ----------
    @property
    def collection_name(self) -> str:
        digest = hashlib.sha1(self.settings.embeddings.encode()).hexdigest()[:8]
        return f"kam_knowledge_{digest}"

    @property
    def registry_name(self) -> str:
        return self.collection_name.replace("kam_knowledge_", "kam_sources_")

    def _location(self) -> str:
        """The snapshot belongs to one collection in one Chroma: the embedded one, or a server."""
        if not self.settings.chroma_host:
            return self.collection_name
        server = f"{self.settings.chroma_host}:{self.settings.chroma_port}"
        return f"{self.collection_name}-{hashlib.sha1(server.encode()).hexdigest()[:8]}"

    @property
    def store(self) -> ChromaStore:
        """Chroma, opened on first need: a write, a document's text, or a check on a server."""
        with self._lock:
            if self._store is None:
                from bot.retrieval.chroma_store import ChromaStore

                self._store = ChromaStore(
                    self.settings, self.embeddings, self.collection_name, self.registry_name
                )
            return self._store

    # ---------- the snapshot, kept current ----------
    def _current(self) -> Snapshot:
        """The snapshot to search: reloaded when another process published one, caught up with Chroma
        when it is missing, left unfinished by a dead writer, or (with a server) behind its stamp."""
        with self._lock:
            state = self.folder.pointer_state()
            if self._snapshot is None or state != self._pointer_state:
                snapshot = self.folder.current()
                if snapshot is None or self.folder.interrupted_write() or self._server_moved(snapshot):
                    snapshot = self._catch_up()
                self._use(snapshot)
            elif self.settings.chroma_host and self._server_moved(self._snapshot):
                self._use(self._catch_up())
            assert self._snapshot is not None
            return self._snapshot

    def _use(self, snapshot: Snapshot) -> None:
        self._snapshot = snapshot
        self._pointer_state = self.folder.pointer_state()

    def _server_moved(self, snapshot: Snapshot) -> bool:
        if not self.settings.chroma_host:
            return False
        now = time.monotonic()
        if self._snapshot is snapshot and now - self._server_checked < SERVER_CHECK_SECONDS:
            return False
        self._server_checked = now
        return self.store.stamp() != snapshot.manifest.stamp

    def _catch_up(self) -> Snapshot:
        with self.folder.writing():
            return self._catch_up_locked()

    def _catch_up_locked(self) -> Snapshot:
        """Brings the snapshot in line with Chroma's registry, reading only the sources that differ."""
        current = self.folder.current()
        store = self.store
        stamp = store.stamp()
        up_to_date = current is not None and current.manifest.stamp == stamp and not self.folder.pending()
        if up_to_date and (stamp or not store.count()):  # no stamp yet: an empty store, or a legacy one
            assert current is not None
            return current
        registry = store.sources()
        if not registry and store.count():
            registry = self._register_legacy_pieces()
            stamp = store.stamp()
        base = current or Snapshot.empty()
        builder = SnapshotBuilder(base)
        known = {entry.key: entry for entry in base.sources}
        for key, entry in known.items():
            if registry.get(key) is None or registry[key].version != entry.version:
                builder.remove(key)
        missing = {key: entry for key, entry in registry.items() if key not in builder.sources}
        if missing:
            log.info("catching up with the store: %d sources to read", len(missing))
            self._read_sources(builder, missing)
        cards_changed = any(
            entry.kind != "document"
            for entry in [*missing.values(), *(e for k, e in known.items() if k not in builder.sources)]
        )
        fingerprint = "" if cards_changed else base.manifest.cards_fingerprint
        folder = builder.write(self.folder.root, stamp, fingerprint)
        self.folder.publish(folder)
        self.folder.clear_pending()
        return Snapshot.load(folder)

    def _read_sources(self, builder: SnapshotBuilder, wanted: dict[str, SourceEntry]) -> None:
        """The pieces of the wanted sources, read from Chroma a page at a time."""
        from bot.retrieval.chroma_store import piece_source_key, piece_version

        if len(wanted) <= 20:
            pages: Iterator[dict[str, Any]] = (
                page
                for entry in wanted.values()
                for page in self.store.scan({"$and": [{"source_key": entry.key}, {"version": entry.version}]})
            )
        else:
            pages = self.store.scan()
        for entry in wanted.values():
            builder.put(entry)
        for page in pages:
            ids, metadatas, texts = page["ids"], page["metadatas"], page["documents"]
            grouped: dict[str, list[int]] = defaultdict(list)
            for n, (key, metadata) in enumerate(zip(ids, metadatas, strict=True)):
                source = piece_source_key(key, metadata)
                if source in wanted and piece_version(metadata) == wanted[source].version:
                    grouped[source].append(n)
            page_vectors = np.asarray(page["embeddings"], dtype=np.float32)
            for source, positions in grouped.items():
                builder.add_pieces(
                    wanted[source],
                    [ids[n] for n in positions],
                    [texts[n] or "" for n in positions],
                    [str(metadatas[n].get("lang", "en")) for n in positions],
                    page_vectors[positions],
                    [str(metadatas[n].get("tokens", "")).split() for n in positions],
                )

    def _register_legacy_pieces(self) -> dict[str, SourceEntry]:
        """A store written before the registry existed: register its sources as they are (each was
        complete as far as it can tell) and label its pieces with their source and version."""
        from bot.retrieval.chroma_store import PAGE, piece_source_key, piece_version

        log.info("registering the sources of an index written by an earlier version")
        entries: dict[str, SourceEntry] = {}
        pieces = self.store.pieces
        for offset in range(0, 10**9, PAGE):
            page = pieces.get(include=["metadatas"], limit=PAGE, offset=offset)
            labelled = []
            for key, metadata in zip(page["ids"], page["metadatas"], strict=True):
                source, version = piece_source_key(key, metadata), piece_version(metadata)
                labelled.append({**metadata, "source_key": source, "version": version})
                entry = entries.get(source) or SourceEntry(
                    key=source,
                    source_id=str(metadata.get("source_id", source)),
                    kind=metadata.get("kind", "document"),
                    version=version,
                    title=str(metadata.get("title", "")),
                    path=str(metadata.get("path", "")),
                    lang=str(metadata.get("lang", "")) if metadata.get("kind") != "document" else "",
                    ingested_at=float(metadata.get("ingested_at", 0) or 0),
                )
                entries[source] = entry.model_copy(update={"pieces": entry.pieces + 1})
            if page["ids"]:
                pieces.update(ids=page["ids"], metadatas=labelled)
            if len(page["ids"]) < PAGE:
                break
        self.store.register(list(entries.values()))
        self.store.new_stamp()
        return entries

    @contextlib.contextmanager
    def _writing(self) -> Iterator[IndexWriter]:
        """A write session: one writer per data folder; what it registered is published when it ends,
        whether it ends well or not."""
        from bot.retrieval.writer import IndexWriter

        with self._lock, self.folder.writing():
            base = self._catch_up_locked()
            self.folder.mark_pending()
            writer = IndexWriter(
                self.store, self.folder, base, self.embeddings, base.manifest.cards_fingerprint
            )
            try:
                yield writer
            finally:
                writer.close()
                self._use(writer.publish())
                self.folder.clear_pending()

    # ---------- cards ----------
    def _cards_cache(self) -> Path:
        return self.folder.root / CARDS_CACHE

    def _cached_cards(self, fingerprint: str, snapshot: Snapshot) -> dict[str, Card] | None:
        """The cards as last synced, when the folder has not changed since and the snapshot has them."""
        if not fingerprint or snapshot.manifest.cards_fingerprint != fingerprint:
            return None
        try:
            cached = json.loads(self._cards_cache().read_text(encoding="utf-8"))
        except (OSError, ValueError):
            return None
        if cached.get("fingerprint") != fingerprint:
            return None
        cards = {card.key: card for card in (Card.model_validate(raw) for raw in cached["cards"])}
        indexed = {entry.key: entry.version for entry in snapshot.sources if entry.kind != "document"}
        if indexed != {key: card.content_hash for key, card in cards.items()}:
            return None
        return cards

    def sync_cards(self) -> SyncReport:
        """Bring the index in line with `knowledge/`: embed only the cards whose content changed."""
        started = time.perf_counter()
        with self._lock:
            fingerprint = knowledge_fingerprint(self.settings.knowledge_dir)
            cached = self._cached_cards(fingerprint, self._current())
            if cached is not None:
                self._cards = cached
                return SyncReport(unchanged=len(cached), seconds=round(time.perf_counter() - started, 3))
            cards = load_cards(self.settings.knowledge_dir)
            with self._writing() as writer:
                indexed = {e.key: e for e in writer.builder.sources.values() if e.kind != "document"}
                changed = [
                    card
                    for card in cards
                    if card.key not in indexed or indexed[card.key].version != card.content_hash
                ]
                removed = [key for key in indexed if key not in {card.key for card in cards}]
                if len(changed) > 20:  # the first run embeds every card: say why the wait
                    log.info("indexing %d knowledge cards (first run or new cards)…", len(changed))
                self._write_cards(writer, changed)
                for key in removed:
                    writer.remove(key)
                writer.cards_fingerprint = fingerprint
            self._cards = {card.key: card for card in cards}
            self._write_cards_cache(fingerprint, cards)
            added = sum(1 for card in changed if card.key not in indexed)
            report = SyncReport(
                added=added,
                updated=len(changed) - added,
                removed=len(removed),
                unchanged=len(cards) - len(changed),
                seconds=round(time.perf_counter() - started, 3),
            )
        if changed or removed:
            log.info("knowledge index synced: %s", report.model_dump())
        return report

    def _write_cards_cache(self, fingerprint: str, cards: list[Card]) -> None:
        payload = {"fingerprint": fingerprint, "cards": [card.model_dump(mode="json") for card in cards]}
        temporary = self._cards_cache().with_suffix(f".{uuid.uuid4().hex[:8]}.tmp")
        temporary.write_text(json.dumps(payload, ensure_ascii=False), encoding="utf-8")
        temporary.replace(self._cards_cache())

    @staticmethod
    def _card_entry(card: Card) -> SourceEntry:
        return SourceEntry(
            key=card.key,
            source_id=card.id,
            kind="template" if card.is_template else "card",
            version=card.content_hash,
            title=card.title,
            path=card.path,
            lang=card.lang,
        )

    def _write_cards(self, writer: IndexWriter, cards: list[Card]) -> None:
        """Writes the cards' pieces. A card's vectors come from the cache folder when a data folder on this
        machine (another, or this one before it was wiped) embedded the same card with the same model;
        the others are embedded, then kept there, one file a card."""
        folder, model = vector_cache(self.embeddings, "cards")
        cached: list[tuple[SourceEntry, list[PieceDraft]]] = []
        vectors: list[np.ndarray] = []
        fresh: list[tuple[SourceEntry, list[PieceDraft]]] = []
        for card in cards:
            pieces = self._card_pieces(card)
            found = load_vectors(folder, [piece.text for piece in pieces], model)
            (cached if found is not None else fresh).append((self._card_entry(card), pieces))
            if found is not None:
                vectors.append(found)
        if cached:
            writer.replace_many(cached, np.concatenate(vectors))
        if not fresh:
            return
        written = writer.replace_many(fresh, keep_vectors=folder is not None)
        if written is None:
            return
        at = 0
        for _, pieces in fresh:
            save_vectors(folder, [piece.text for piece in pieces], written[at : at + len(pieces)], model)
            at += len(pieces)

    @staticmethod
    def _card_pieces(card: Card) -> list[PieceDraft]:
        """A card is embedded as its whole text and once per question it answers: a short question sits
        much closer to another short question than to a 200-word card in USE's space. Only the whole
        card is keyword-indexed: the questions repeat its words."""
        from bot.retrieval.writer import PieceDraft

        metadata = {
            "seed_chunks": _join_ints(card.seed_chunks),
            "actions": ",".join(card.actions),
            "content_hash": card.content_hash,
        }
        pieces = [PieceDraft(card.index_text, card.lang, keyword=True, metadata=metadata)]
        pieces += [
            PieceDraft(f"{card.title}: {ask}", card.lang, keyword=False, metadata=metadata)
            for ask in card.asks
        ]
        return pieces

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
    def replace_document(
        self,
        path: str,
        title: str,
        chunks: list[str],
        lang_of: Any,
        vectors: np.ndarray | None = None,
        progress: Any = None,
    ) -> tuple[int, int]:
        """Index a document's chunks, replacing what was indexed before for the same path.

        The file is registered as complete only after its last chunk is written, and its earlier copy is
        dropped only then: a failure or an interruption leaves the earlier copy as it was. `vectors`,
        when given, are the chunks' embeddings already computed. Returns (chunks indexed, chunks there
        before)."""
        from bot.retrieval.writer import PieceDraft

        with self._writing() as writer:
            before = self._pieces_before(writer, path)
            drafts = [PieceDraft(chunk, lang_of(chunk)) for chunk in chunks]
            writer.replace(self._document_entry(path, title), drafts, vectors=vectors, progress=progress)
            return len(chunks), before

    def write_documents(
        self,
        writer: IndexWriter,
        documents: Sequence[tuple[str, str, list[str]]],
        lang_of: Any,
        progress: Any = None,
    ) -> list[tuple[int, int]]:
        """`replace_document` for several files (path, title, chunks; distinct paths) inside a write session,
        in one stream of batches, so small files keep every embedder busy; each is registered once all are
        written."""
        from bot.retrieval.writer import PieceDraft

        counts = [(len(chunks), self._pieces_before(writer, path)) for path, _, chunks in documents]
        writer.replace_many(
            [
                (self._document_entry(path, title), [PieceDraft(chunk, lang_of(chunk)) for chunk in chunks])
                for path, title, chunks in documents
            ],
            progress=progress,
        )
        return counts

    @staticmethod
    def _pieces_before(writer: IndexWriter, path: str) -> int:
        """How many pieces the document at `path` has before this write (0 when it is new)."""
        before = writer.builder.sources.get(document_id(path))
        return before.pieces if before is not None else 0

    @staticmethod
    def _document_entry(path: str, title: str) -> SourceEntry:
        key = document_id(path)
        return SourceEntry(
            key=key, source_id=key, kind="document", version=uuid.uuid4().hex[:12], title=title, path=path
        )

    @contextlib.contextmanager
    def writing(self) -> Iterator[IndexWriter]:
        """A session for writing several documents (see `write_documents`), published as it ends."""
        with self._writing() as writer:
            yield writer

    def remove_document(self, path: str) -> int:
        if document_id(path) not in {entry.key for entry in self._current().sources}:
            return 0
        with self._writing() as writer:
            return writer.remove(document_id(path))

    def documents(self) -> list[dict[str, Any]]:
        """One row per completely ingested document: path, title, chunk count, when it was ingested."""
        rows = [
            {
                "id": entry.source_id,
                "path": entry.path,
                "title": entry.title,
                "chunks": entry.pieces,
                "ingested_at": entry.ingested_at,
            }
            for entry in self._current().sources
            if entry.kind == "document"
        ]
        return sorted(rows, key=lambda row: row["path"])

    # ---------- for benchmarks and checks ----------
    def piece_count(self) -> int:
        return len(self._current())

    @property
    def live_piece_ids(self) -> set[str]:
        """Ids of the searchable pieces (those of complete sources)."""
        snapshot = self._current()
        return {snapshot.piece_id(row) for row in range(len(snapshot))}

    def dense_candidates(self, vector: Sequence[float], n: int) -> list[str]:
        snapshot = self._current()
        rows, _ = snapshot.dense(np.asarray(vector, dtype=np.float32), n)
        return [snapshot.piece_id(int(row)) for row in rows]

    # ---------- search ----------
    def holds_word(self, word: str) -> bool:
        """Whether any stored piece (a card or a user's document) has `word` among its keyword tokens."""
        return word.lower() in self._current().keyword.vocabulary

    def search(
        self, query: str, k: int = 5, lang: str | None = None, vector: Sequence[float] | None = None
    ) -> list[SearchHit]:
        """The best `k` sources for a query, best first; each card once, in `lang` where it exists.

        `vector` is the query's embedding, when the caller has it already."""
        if not self._cards:
            self.sync_cards()
        snapshot = self._current()
        if not len(snapshot) or not query.strip():
            return []
        query_vector = np.asarray(
            self.embeddings.embed_query(query) if vector is None else vector, dtype=np.float32
        )
        # One wide dense search, so ingested documents and the cards' several pieces find room. Typos are
        # mended before the search, where the question is read (bot/coach/spelling.py).
        rows = snapshot.dense(query_vector, min(DENSE_CANDIDATES, len(snapshot)))[0]

        query_tokens = tokenize(query)
        found = snapshot.keyword.search(query_tokens, k=min(CANDIDATES, len(snapshot)))
        lexical_rows = np.asarray(snapshot.lexical[found.docs]).tolist()
        lexical_score = dict(zip(lexical_rows, found.scores.tolist(), strict=True))
        coverage = dict(zip(lexical_rows, found.coverage.tolist(), strict=True))

        # Words find what the nearest-neighbour search missed: those pieces are measured too, so every
        # candidate has a meaning score and the shown score covers it.
        candidates = np.asarray(list(dict.fromkeys([*rows.tolist(), *lexical_rows])))
        closeness = snapshot.similarity(candidates, query_vector)
        cosine = dict(zip(candidates.tolist(), closeness.tolist(), strict=True))
        dense_order = sorted(cosine, key=lambda row: -cosine[row])

        sources = snapshot.sources
        groups: dict[str, list[int]] = defaultdict(list)
        for row in dense_order:  # every candidate, words' finds included, nearest first
            groups[sources[int(snapshot.source[row])].source_id].append(row)

        # Each source by its best piece: a card embedded as its text and each question it answers scores
        # by the one nearest the asker's, so many questions on one card never outvote a closer one.
        best = {source_id: max(cosine[row] for row in rows) for source_id, rows in groups.items()}
        words: dict[str, float] = {}
        held: dict[str, float] = {}
        for row in lexical_rows:
            source_id = sources[int(snapshot.source[row])].source_id
            words[source_id] = max(words.get(source_id, 0.0), lexical_score[row])
            # Only sources holding at least half of the words count: one shared word is no evidence. It
            # lets an exact match on rare words (a product name in a user's own playbook) win where the
            # sentence embedding is blind to it.
            if coverage[row] >= MIN_TERM_COVERAGE:
                held[source_id] = max(held.get(source_id, 0.0), coverage[row])
        fused = fuse_scores(best, words, held)
        chosen = list(fused)[:k]

        langs = snapshot.manifest.langs
        shown_rows: dict[str, int] = {}
        for source_id in chosen:
            members = groups[source_id]
            shown_rows[source_id] = next(
                (row for row in members if langs[int(snapshot.lang[row])] == lang), members[0]
            )
        hits = []
        for source_id in chosen:
            keys = groups[source_id]
            hits.append(
                SearchHit(
                    **self._shown(snapshot, shown_rows[source_id], lang),
                    score=round(best[source_id], 4),
                    fused=fused[source_id],
                    bm25=max((lexical_score.get(key, 0.0) for key in keys), default=0.0),
                    term_coverage=max((coverage.get(key, 0.0) for key in keys), default=0.0),
                )
            )
        return hits

    def _shown(self, snapshot: Snapshot, row: int, lang: str | None) -> dict[str, Any]:
        """What a hit shows: a card from its file, in the asker's language where it exists; any other
        piece as stored."""
        entry = snapshot.sources[int(snapshot.source[row])]
        piece_lang = snapshot.manifest.langs[int(snapshot.lang[row])]
        own_card = self._cards.get(entry.key) if entry.kind != "document" else None
        if own_card is not None:
            card = self.card(entry.source_id, lang or piece_lang) or own_card
            return {
                "source_id": entry.source_id,
                "kind": entry.kind,
                "lang": card.lang,
                "title": card.title,
                "seed_chunks": own_card.seed_chunks,
                "text": card.body,
                "actions": own_card.actions,
            }
        return {
            "source_id": entry.source_id,
            "kind": entry.kind,
            "lang": piece_lang,
            "title": entry.title,
            "text": snapshot.piece_text(row),
        }
