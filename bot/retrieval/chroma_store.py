"""Chroma as the store of every piece, embedded (a folder in KAM_DATA_DIR) or a server.

Two collections per embedding model: the pieces (text, metadata, vector) and a registry with one
record per source saying which version of it is complete, plus a stamp that changes with every
change. A file's pieces are written first and registered last, so a reader never takes an unfinished
ingest for a finished one, and the earlier version stays registered until the new one is complete.

Every bulk read is paged: an unfiltered `get()` of the whole collection fails past 32,766 records
(SQLite's variable limit in chromadb 1.5) and holds everything in memory at once.

Searching never reads Chroma (bot/retrieval/snapshot.py holds what it needs, texts included): embedded
Chroma loads a collection's whole vector index on its first read of any kind, even a `get` of three
ids (0.5 s and 125 MB at 50,000 pieces).
"""

from __future__ import annotations

import logging
import uuid
from collections.abc import Iterator, Sequence
from typing import Any

from chromadb.api.types import Documents, EmbeddingFunction
from chromadb.api.types import Embeddings as ChromaEmbeddings
from chromadb.utils.embedding_functions import register_embedding_function

from bot.retrieval.embeddings import DEFAULT_EMBEDDINGS, TextEmbeddings, load_embeddings
from bot.retrieval.snapshot import SourceEntry
from bot.settings import Settings

log = logging.getLogger(__name__)

PAGE = 2000
STAMP_ID = "__stamp__"
# Chroma builds an HNSW graph of every piece as it is written, though no search reads it (the snapshot's
# search is exact or checked for recall, bot/retrieval/dense.py). A sparser graph, built with a shorter
# candidate list, halves what Chroma spends per piece (0.9 -> 0.45 ms CPU at 15,000 pieces; Chroma's
# defaults are M 16, construction ef 100). Only a collection being created takes it: an existing one
# keeps the graph settings it was made with.
PIECES_METADATA = {"hnsw:space": "cosine", "hnsw:construction_ef": 32, "hnsw:M": 8}
# The registry's records carry no meaning in their vectors; Chroma wants one all the same.
_PLACEHOLDER_VECTOR = [1.0]


@register_embedding_function
class ChromaLangchainEmbeddingFunction(EmbeddingFunction[Documents]):
    """Adapts a langchain `Embeddings` for Chroma, registered by name so a collection reopened without an
    explicit function never falls back to Chroma's default (which downloads a model at run time)."""

    def __init__(self, spec: str = DEFAULT_EMBEDDINGS, embeddings: TextEmbeddings | None = None) -> None:
        self.spec = spec
        self.embeddings = embeddings or load_embeddings(spec)

    def __call__(self, input: Documents) -> ChromaEmbeddings:
        import numpy as np

        return [np.asarray(v, dtype=np.float32) for v in self.embeddings.embed_documents(list(input))]

    def embed_query(self, input: Documents) -> ChromaEmbeddings:
        import numpy as np

        return [np.asarray(self.embeddings.embed_query(text), dtype=np.float32) for text in input]

    @staticmethod
    def name() -> str:
        return "kam-coach-langchain"

    def default_space(self) -> str:  # type: ignore[override]
        return "cosine"

    @staticmethod
    def build_from_config(config: dict[str, Any]) -> ChromaLangchainEmbeddingFunction:
        return ChromaLangchainEmbeddingFunction(spec=config.get("spec", DEFAULT_EMBEDDINGS))

    def get_config(self) -> dict[str, Any]:
        return {"spec": self.spec}


def open_client(settings: Settings) -> Any:
    import chromadb
    from chromadb.config import Settings as ChromaSettings

    chroma_settings = ChromaSettings(anonymized_telemetry=False)
    if settings.chroma_host:
        return chromadb.HttpClient(
            host=settings.chroma_host, port=settings.chroma_port, settings=chroma_settings
        )
    settings.ensure_data_dir()
    return chromadb.PersistentClient(path=str(settings.chroma_dir), settings=chroma_settings)


def piece_source_key(piece_id: str, metadata: dict[str, Any]) -> str:
    """The source a piece belongs to; pieces written before the registry existed say it by their id."""
    if metadata.get("source_key"):
        return str(metadata["source_key"])
    if piece_id.startswith("card:"):
        return piece_id.split(":")[1]  # card:{id}@{lang} or card:{id}@{lang}:q{n}
    return str(metadata.get("source_id", ""))


def piece_version(metadata: dict[str, Any]) -> str:
    if "version" in metadata:
        return str(metadata["version"])
    # Before the registry: a card's version was its content hash, a file had one version only.
    return str(metadata.get("content_hash", "")) if metadata.get("kind") != "document" else ""


class ChromaStore:
    def __init__(self, settings: Settings, embeddings: TextEmbeddings, pieces_name: str, registry_name: str):
        self.client = open_client(settings)
        self.pieces = self.client.get_or_create_collection(
            pieces_name,
            embedding_function=ChromaLangchainEmbeddingFunction(settings.embeddings, embeddings),
            metadata=PIECES_METADATA,
        )
        self.registry = self.client.get_or_create_collection(
            registry_name, embedding_function=None, metadata={"hnsw:space": "l2"}
        )
        self.batch = max(1, min(self.client.get_max_batch_size(), PAGE))

    # ---------- the registry ----------
    def stamp(self) -> str:
        found = self.registry.get(ids=[STAMP_ID], include=["metadatas"])
        return str(found["metadatas"][0]["stamp"]) if found["ids"] else ""

    def new_stamp(self) -> str:
        stamp = uuid.uuid4().hex
        self.registry.upsert(ids=[STAMP_ID], embeddings=[_PLACEHOLDER_VECTOR], metadatas=[{"stamp": stamp}])
        return stamp

    def sources(self) -> dict[str, SourceEntry]:
        entries: dict[str, SourceEntry] = {}
        for offset in range(0, 10**9, PAGE):
            page = self.registry.get(include=["metadatas"], limit=PAGE, offset=offset)
            for key, metadata in zip(page["ids"], page["metadatas"], strict=True):
                if key != STAMP_ID:
                    entries[key] = SourceEntry.model_validate({**metadata, "key": key})
            if len(page["ids"]) < PAGE:
                return entries
        return entries

    def register(self, entries: Sequence[SourceEntry]) -> None:
        """The commit point of a source: from here on this version is the complete one."""
        for start in range(0, len(entries), self.batch):
            part = entries[start : start + self.batch]
            self.registry.upsert(
                ids=[entry.key for entry in part],
                embeddings=[_PLACEHOLDER_VECTOR] * len(part),
                metadatas=[entry.model_dump(exclude={"key"}) for entry in part],
            )

    def unregister(self, keys: Sequence[str]) -> None:
        for start in range(0, len(keys), self.batch):
            self.registry.delete(ids=list(keys[start : start + self.batch]))

    # ---------- the pieces ----------
    def count(self) -> int:
        return int(self.pieces.count())

    def add(self, ids: Sequence[str], vectors: Any, texts: Sequence[str], metadatas: Sequence[dict]) -> None:
        for start in range(0, len(ids), self.batch):
            end = start + self.batch
            self.pieces.upsert(
                ids=list(ids[start:end]),
                embeddings=vectors[start:end],
                documents=list(texts[start:end]),
                metadatas=list(metadatas[start:end]),
            )

    def delete(self, ids: Sequence[str]) -> None:
        for start in range(0, len(ids), self.batch):
            self.pieces.delete(ids=list(ids[start : start + self.batch]))

    def delete_where(self, where: dict[str, Any]) -> int:
        """Deletes every piece matching `where`, a page at a time."""
        removed = 0
        while True:
            page = self.pieces.get(where=where, include=[], limit=PAGE)
            if not page["ids"]:
                return removed
            self.pieces.delete(ids=page["ids"])
            removed += len(page["ids"])

    def scan(self, where: dict[str, Any] | None = None) -> Iterator[dict[str, Any]]:
        """Every piece (matching `where`) with text, metadata and vector, a page at a time."""
        for offset in range(0, 10**9, PAGE):
            page = self.pieces.get(
                where=where, include=["documents", "metadatas", "embeddings"], limit=PAGE, offset=offset
            )
            if page["ids"]:
                yield page
            if len(page["ids"]) < PAGE:
                return
