"""What a search reads, on local disk beside Chroma: one folder per generation, memory-mapped.

Chroma keeps every piece (text, metadata, vector) and is the truth; a snapshot is what searching needs,
derived from it and laid out as flat arrays: the pieces' ids, their source and language as small
integers, their vectors as one float32 matrix, and the BM25 index over their tokens. Nothing is read
whole at start: the arrays are memory-mapped, and a search touches the vectors and the postings of its
own terms. Text and metadata stay in Chroma and are fetched for the hits shown.

A generation is written once and never changed: a writer builds the next one in a fresh folder and
swaps the `current` pointer (an atomic rename), so a reader always maps a complete generation, and
notices a new one by the pointer's change.
"""

from __future__ import annotations

import contextlib
import fcntl
import json
import os
import shutil
import uuid
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Literal

import numpy as np
from pydantic import BaseModel, Field

from bot.retrieval.dense import DenseIndex, Reduction, reduce_for_search
from bot.retrieval.keyword_index import KeywordIndex

FORMAT = 1
SourceKind = Literal["card", "template", "document"]
POINTER = "current.json"
PENDING = "pending"
LOCK = "write.lock"


class SourceEntry(BaseModel):
    """One source in the index: a card in one language, or an ingested file; replaced as a whole."""

    key: str
    """The unit of replacement: `id@lang` for a card, the document id for a file."""
    source_id: str
    """What answers cite (a card's id is shared by its two languages)."""
    kind: SourceKind
    version: str
    """Content hash of a card; a fresh id for each ingest of a file."""
    title: str = ""
    path: str = ""
    lang: str = ""
    pieces: int = 0
    ingested_at: float = 0.0


class Manifest(BaseModel):
    format: int = FORMAT
    stamp: str = ""
    """The store's stamp (bot/retrieval/chroma_store.py) when this generation was derived from it."""
    dimensions: int = 0
    langs: list[str] = Field(default_factory=list)
    sources: list[SourceEntry] = Field(default_factory=list)
    cards_fingerprint: str = ""
    """The knowledge folder's fingerprint (bot/retrieval/cards.py) when the cards were last synced."""
    shortlist: int = 0
    """Dense search by a projected shortlist of this length; 0: exact (bot/retrieval/dense.py)."""


def _mapped(path: Path) -> np.ndarray:
    # mmap cannot map an empty array; small files are cheaper read than mapped anyway
    return np.load(path, mmap_mode="r") if path.stat().st_size > 4096 else np.load(path)


@dataclass
class Snapshot:
    manifest: Manifest
    ids: np.ndarray
    """Chroma ids of the pieces (bytes)."""
    source: np.ndarray
    """Position of each piece's source in `manifest.sources`."""
    lang: np.ndarray
    """Position of each piece's language in `manifest.langs`."""
    vectors: np.ndarray
    text: np.ndarray
    """Every piece's text, UTF-8, end to end (bytes); `text_offsets[i]:text_offsets[i+1]` is piece i's."""
    text_offsets: np.ndarray
    lexical: np.ndarray
    """The piece behind each BM25 document (pieces without tokens are not keyword-indexed)."""
    tokens: np.ndarray
    offsets: np.ndarray
    keyword: KeywordIndex
    folder: Path | None = None
    reduction: Reduction | None = None
    _piece_rows: dict[str, int] | None = field(default=None, repr=False)

    @property
    def dense_index(self) -> DenseIndex:
        return DenseIndex(self.vectors, self.reduction)

    @classmethod
    def empty(cls, dimensions: int = 0) -> Snapshot:
        return cls(
            manifest=Manifest(dimensions=dimensions),
            ids=np.empty(0, dtype="S1"),
            source=np.empty(0, dtype=np.int32),
            lang=np.empty(0, dtype=np.uint8),
            vectors=np.empty((0, dimensions), dtype=np.float32),
            text=np.empty(0, dtype=np.uint8),
            text_offsets=np.zeros(1, dtype=np.int64),
            lexical=np.empty(0, dtype=np.int32),
            tokens=np.empty(0, dtype=np.int32),
            offsets=np.zeros(1, dtype=np.int64),
            keyword=KeywordIndex(None),
        )

    @classmethod
    def load(cls, folder: Path) -> Snapshot:
        manifest = Manifest.model_validate_json((folder / "manifest.json").read_text(encoding="utf-8"))
        if manifest.format != FORMAT:
            raise FileNotFoundError(f"{folder}: snapshot format {manifest.format}, not {FORMAT}")
        return cls(
            manifest=manifest,
            ids=_mapped(folder / "ids.npy"),
            source=_mapped(folder / "source.npy"),
            lang=_mapped(folder / "lang.npy"),
            vectors=_mapped(folder / "vectors.npy"),
            text=_mapped(folder / "text.npy"),
            text_offsets=_mapped(folder / "text_offsets.npy"),
            lexical=_mapped(folder / "lexical.npy"),
            tokens=_mapped(folder / "tokens.npy"),
            offsets=_mapped(folder / "offsets.npy"),
            keyword=KeywordIndex.load(folder / "bm25"),
            folder=folder,
            reduction=Reduction(
                basis=_mapped(folder / "basis.npy"),
                reduced=_mapped(folder / "reduced.npy"),
                shortlist=manifest.shortlist,
            )
            if manifest.shortlist
            else None,
        )

    def __len__(self) -> int:
        return len(self.ids)

    @property
    def sources(self) -> list[SourceEntry]:
        return self.manifest.sources

    def piece_id(self, row: int) -> str:
        return bytes(self.ids[row]).decode("utf-8")

    def piece_text(self, row: int) -> str:
        start, end = int(self.text_offsets[row]), int(self.text_offsets[row + 1])
        return bytes(self.text[start:end]).decode("utf-8")

    def piece_ids_of(self, key: str) -> list[str]:
        """Ids of a source's pieces in this generation."""
        position = next((n for n, entry in enumerate(self.sources) if entry.key == key), None)
        if position is None:
            return []
        return [self.piece_id(int(row)) for row in np.flatnonzero(np.asarray(self.source) == position)]

    def rows_of(self, piece_ids: Sequence[str]) -> list[int]:
        if self._piece_rows is None:
            self._piece_rows = {bytes(key).decode("utf-8"): row for row, key in enumerate(self.ids)}
        return [self._piece_rows[key] for key in piece_ids if key in self._piece_rows]

    def dense(self, vector: np.ndarray, n: int) -> tuple[np.ndarray, np.ndarray]:
        """The `n` pieces nearest to `vector` by cosine, best first."""
        return self.dense_index.search(vector, n)

    def similarity(self, rows: np.ndarray, vector: np.ndarray) -> np.ndarray:
        return self.dense_index.similarity(rows, vector)


@dataclass
class _NewPieces:
    key: str
    version: str
    ids: list[bytes]
    texts: list[str]
    langs: list[str]
    vectors: np.ndarray
    token_codes: list[np.ndarray]
    """Per piece, its tokens as codes in the builder's vocabulary (empty: not keyword-indexed)."""


class SnapshotBuilder:
    """The next generation: the base one with whole sources removed, replaced or added."""

    def __init__(self, base: Snapshot) -> None:
        self.base = base
        self.sources: dict[str, SourceEntry] = {entry.key: entry for entry in base.sources}
        self.parts: list[_NewPieces] = []
        self.dimensions = base.manifest.dimensions
        self.vocabulary: dict[str, int] = dict(base.keyword.vocabulary)

    @property
    def changed(self) -> bool:
        return bool(self.parts) or self.sources != {entry.key: entry for entry in self.base.sources}

    def remove(self, key: str) -> None:
        self.sources.pop(key, None)

    def put(self, entry: SourceEntry) -> None:
        """Registers a source, replacing any with its key; its pieces come with `add_pieces`."""
        self.sources[entry.key] = entry

    def add_pieces(
        self,
        entry: SourceEntry,
        ids: Sequence[str],
        texts: Sequence[str],
        langs: Sequence[str],
        vectors: np.ndarray,
        token_lists: Sequence[Sequence[str]],
    ) -> None:
        vectors = np.asarray(vectors, dtype=np.float32).reshape(len(ids), -1)
        if len(ids):
            self.dimensions = self.dimensions or vectors.shape[1]
        vocabulary = self.vocabulary
        # One flat array split per piece: an array built per piece cost more than the words it holds.
        flat = np.fromiter(
            (vocabulary.setdefault(word, len(vocabulary)) for tokens in token_lists for word in tokens),
            dtype=np.int32,
        )
        codes = np.split(flat, np.cumsum([len(tokens) for tokens in token_lists])[:-1]) if token_lists else []
        self.parts.append(
            _NewPieces(
                entry.key,
                entry.version,
                [key.encode("utf-8") for key in ids],
                list(texts),
                list(langs),
                vectors,
                codes,
            )
        )

    def write(self, root: Path, stamp: str, cards_fingerprint: str) -> Path:
        """Writes the generation in a new folder under `root`; `SnapshotFolder.publish` makes it current."""
        base = self.base
        if not self.changed and base.folder is not None and base.folder.is_dir():
            return self._relabel(root, stamp, cards_fingerprint)
        parts = [
            part
            for part in self.parts
            if part.key in self.sources and self.sources[part.key].version == part.version
        ]
        sources = sorted(self.sources.values(), key=lambda entry: entry.key)
        position = {entry.key: n for n, entry in enumerate(sources)}
        langs = list(base.manifest.langs)
        for part in parts:
            langs.extend(lang for lang in dict.fromkeys(part.langs) if lang not in langs)
        lang_code = {lang: n for n, lang in enumerate(langs)}

        # Base pieces stay when their source stays at the same version.
        kept_source = np.array(
            [
                position[entry.key]
                if entry.key in self.sources and self.sources[entry.key].version == entry.version
                else -1
                for entry in base.sources
            ]
            + [-1],
            dtype=np.int32,
        )
        new_source_of_base = kept_source[np.asarray(base.source)] if len(base) else np.empty(0, np.int32)
        keep = new_source_of_base >= 0
        kept_rows = np.flatnonzero(keep)
        total = len(kept_rows) + sum(len(part.ids) for part in parts)

        staging = _staging(root)
        id_parts = [np.asarray(base.ids[kept_rows])] + [np.array(part.ids) for part in parts if part.ids]
        ids = np.concatenate(id_parts) if total else np.empty(0, dtype="S1")
        source = np.concatenate(
            [new_source_of_base[kept_rows]]
            + [np.full(len(part.ids), position[part.key], dtype=np.int32) for part in parts]
        ).astype(np.int32)
        lang = np.concatenate(
            [np.asarray(base.lang[kept_rows])]
            + [np.array([lang_code[x] for x in part.langs], dtype=np.uint8) for part in parts]
        ).astype(np.uint8)
        np.save(staging / "ids.npy", ids)
        np.save(staging / "source.npy", source)
        np.save(staging / "lang.npy", lang)
        self._write_texts(staging, keep, parts)

        # Vectors are the bulk (200 MB at 100,000 pieces): copied into the new file in slices, never
        # held in memory whole.
        if total * self.dimensions:
            self._write_vectors(staging / "vectors.npy", kept_rows, parts, total)
        else:  # nothing to map: an empty array (mmap cannot map an empty file)
            np.save(staging / "vectors.npy", np.empty((total, self.dimensions), dtype=np.float32))
        lexical = self._write_keyword_index(staging, keep, parts)
        shortlist = self._write_reduction(staging, source, lexical, sources)
        pieces_per_source = np.bincount(source, minlength=len(sources)).tolist()
        manifest = Manifest(
            stamp=stamp,
            dimensions=self.dimensions,
            langs=langs,
            sources=[
                entry.model_copy(update={"pieces": count})
                for entry, count in zip(sources, pieces_per_source, strict=True)
            ],
            cards_fingerprint=cards_fingerprint,
            shortlist=shortlist,
        )
        return _finish(staging, manifest)

    def _relabel(self, root: Path, stamp: str, cards_fingerprint: str) -> Path:
        """The base's pieces under a new manifest (after a rebuild from Chroma, only the cards' fingerprint
        is new): its files linked, not written again (rewriting 100,000 pieces and their search projection
        takes seconds). A generation's files are never changed once written, so sharing them is safe."""
        base = self.base
        assert base.folder is not None
        staging = _staging(root)
        for item in base.folder.iterdir():
            if item.name == "manifest.json":
                continue
            target = staging / item.name
            if item.is_dir():
                shutil.copytree(item, target, copy_function=_link_or_copy)
            else:
                _link_or_copy(item, target)
        manifest = base.manifest.model_copy(update={"stamp": stamp, "cards_fingerprint": cards_fingerprint})
        return _finish(staging, manifest)

    def _write_texts(self, staging: Path, keep: np.ndarray, parts: list[_NewPieces]) -> None:
        base = self.base
        lengths = np.diff(np.asarray(base.text_offsets))
        kept = np.asarray(base.text)[np.repeat(keep, lengths)] if len(base) else np.empty(0, np.uint8)
        new = [text.encode("utf-8") for part in parts for text in part.texts]
        text = np.concatenate([kept, np.frombuffer(b"".join(new), dtype=np.uint8)])
        all_lengths = np.concatenate([lengths[keep], np.array([len(t) for t in new], dtype=np.int64)])
        offsets = np.zeros(len(all_lengths) + 1, dtype=np.int64)
        np.cumsum(all_lengths, out=offsets[1:])
        np.save(staging / "text.npy", text)
        np.save(staging / "text_offsets.npy", offsets)

    def _write_vectors(self, path: Path, kept_rows: np.ndarray, parts: list[_NewPieces], total: int) -> None:
        vectors = np.lib.format.open_memmap(path, mode="w+", dtype=np.float32, shape=(total, self.dimensions))
        at = 0
        for start in range(0, len(kept_rows), 8192):
            rows = kept_rows[start : start + 8192]
            vectors[at : at + len(rows)] = self.base.vectors[rows]
            at += len(rows)
        for part in parts:
            vectors[at : at + len(part.ids)] = part.vectors
            at += len(part.ids)
        vectors.flush()
        del vectors

    @staticmethod
    def _write_reduction(
        staging: Path, source: np.ndarray, lexical: np.ndarray, sources: list[SourceEntry]
    ) -> int:
        """For a large snapshot, the projection its dense search scores first; probed with the cards'
        own questions (their pieces that are not keyword-indexed), as real questions look."""
        vectors = _mapped(staging / "vectors.npy")
        question = np.ones(len(source), dtype=bool)
        question[lexical] = False
        card_rows = np.flatnonzero(np.array([e.kind != "document" for e in sources] + [False])[source])
        probe_rows = card_rows[question[card_rows]]
        probe_rows = probe_rows[:: max(1, len(probe_rows) // 64)][:64]
        reduction = reduce_for_search(vectors, np.asarray(vectors[probe_rows]))
        if reduction is None:
            return 0
        np.save(staging / "basis.npy", reduction.basis)
        np.save(staging / "reduced.npy", reduction.reduced)
        return reduction.shortlist

    def _write_keyword_index(self, staging: Path, keep: np.ndarray, parts: list[_NewPieces]) -> np.ndarray:
        base = self.base
        lexical_rows = np.asarray(base.lexical, dtype=np.int64)
        lengths = np.diff(np.asarray(base.offsets))
        kept_docs = keep[lexical_rows] if len(lexical_rows) else np.zeros(0, dtype=bool)
        new_row_of_base = np.cumsum(keep) - 1  # a kept base piece's row in the new generation
        token_parts = [np.asarray(base.tokens)[np.repeat(kept_docs, lengths)]]
        length_parts = [lengths[kept_docs]]
        row_parts = [new_row_of_base[lexical_rows[kept_docs]]]
        row = int(keep.sum())
        for part in parts:
            sizes = np.fromiter(map(len, part.token_codes), dtype=np.int64, count=len(part.token_codes))
            held = sizes > 0  # keyword-indexed pieces
            if held.any():
                token_parts.append(np.concatenate([codes for codes in part.token_codes if len(codes)]))
                length_parts.append(sizes[held])
                row_parts.append(row + np.flatnonzero(held))
            row += len(sizes)
        tokens = np.concatenate(token_parts).astype(np.int32)
        doc_lengths = np.concatenate(length_parts).astype(np.int64)
        lexical = np.concatenate(row_parts).astype(np.int32)
        # Words no piece holds any more leave the vocabulary: the rest are renumbered densely.
        used, renumbered = np.unique(tokens, return_inverse=True)
        words = [""] * len(self.vocabulary)
        for word, code in self.vocabulary.items():
            words[code] = word
        vocabulary = {words[code]: n for n, code in enumerate(used.tolist())}
        tokens = renumbered.astype(np.int32).reshape(-1)
        offsets = np.zeros(len(doc_lengths) + 1, dtype=np.int64)
        np.cumsum(doc_lengths, out=offsets[1:])
        np.save(staging / "lexical.npy", lexical)
        np.save(staging / "tokens.npy", tokens)
        np.save(staging / "offsets.npy", offsets)
        KeywordIndex.build(tokens, offsets, vocabulary).save(staging / "bm25")
        return lexical


def _staging(root: Path) -> Path:
    """A new generation's folder while it is written (``g-<id>.tmp``): `_finish` gives it its name."""
    staging = root / f"g-{uuid.uuid4().hex[:12]}.tmp"
    staging.mkdir(parents=True)
    return staging


def _finish(staging: Path, manifest: Manifest) -> Path:
    """Writes the manifest last, then renames the folder to ``g-<id>``: a generation is whole or absent."""
    (staging / "manifest.json").write_text(manifest.model_dump_json(), encoding="utf-8")
    folder = staging.with_suffix("")
    staging.rename(folder)
    return folder


def _link_or_copy(source: Path | str, target: Path | str) -> None:
    try:
        os.link(source, target)
    except OSError:  # a file system without hard links
        shutil.copy2(source, target)


class SnapshotFolder:
    """The generations of one index (one Chroma collection) under KAM_DATA_DIR, and their pointer."""

    def __init__(self, root: Path) -> None:
        self.root = root

    @property
    def pointer(self) -> Path:
        return self.root / POINTER

    def pointer_state(self) -> tuple[int, int] | None:
        """Changes whenever another generation becomes current (os.replace makes a new inode)."""
        try:
            info = self.pointer.stat()
        except FileNotFoundError:
            return None
        return (info.st_ino, info.st_mtime_ns)

    def current(self) -> Snapshot | None:
        """The current generation, or None when there is none yet (or it is unreadable)."""
        for _ in range(3):  # a writer may retire the generation between reading the pointer and mapping it
            try:
                name = json.loads(self.pointer.read_text(encoding="utf-8"))["generation"]
                return Snapshot.load(self.root / name)
            except FileNotFoundError:
                continue
            except (ValueError, KeyError):
                return None
        return None

    def publish(self, folder: Path) -> None:
        temporary = self.root / f"{POINTER}.{os.getpid()}.tmp"
        temporary.write_text(json.dumps({"generation": folder.name}), encoding="utf-8")
        os.replace(temporary, self.pointer)
        self._retire(keep={folder.name})

    def _retire(self, keep: set[str]) -> None:
        """Removes all but the newest two generations; a reader still mapping one keeps its pages."""
        generations = sorted(
            (path for path in self.root.glob("g-*") if path.name not in keep),
            key=lambda path: path.stat().st_mtime_ns,
        )
        for path in generations[:-1] if generations else []:
            shutil.rmtree(path, ignore_errors=True)

    @contextlib.contextmanager
    def writing(self) -> Iterator[None]:
        """One writer at a time per data folder; `pending` marks a write under way until it is published,
        so a reader finding it with no writer alive knows the last write died before publishing."""
        self.root.mkdir(parents=True, exist_ok=True)
        with open(self.root / LOCK, "a+") as lock:
            fcntl.flock(lock, fcntl.LOCK_EX)
            try:
                for stale in self.root.glob("*.tmp"):
                    shutil.rmtree(stale, ignore_errors=True) if stale.is_dir() else stale.unlink()
                yield
            finally:
                fcntl.flock(lock, fcntl.LOCK_UN)

    def mark_pending(self) -> None:
        (self.root / PENDING).touch()

    def clear_pending(self) -> None:
        with contextlib.suppress(FileNotFoundError):
            (self.root / PENDING).unlink()

    def pending(self) -> bool:
        """Inside `writing()`: a write began and never published (its process died)."""
        return (self.root / PENDING).exists()

    def interrupted_write(self) -> bool:
        """Outside `writing()`: a write began and never published, and no writer holds the lock."""
        if not (self.root / PENDING).exists():
            return False
        with open(self.root / LOCK, "a+") as lock:
            try:
                fcntl.flock(lock, fcntl.LOCK_EX | fcntl.LOCK_NB)
            except BlockingIOError:
                return False
            fcntl.flock(lock, fcntl.LOCK_UN)
        return True
