"""Vectors of a list of texts kept on disk, so a new process (`kam-coach ask`, a restarted server) reads
them instead of embedding the same texts again. Best effort both ways: a missing, unreadable or unwritable
file only costs an embedding."""

from __future__ import annotations

import hashlib
import logging
import os
import uuid
from collections.abc import Sequence
from pathlib import Path

import numpy as np

log = logging.getLogger(__name__)


def _file(folder: Path, texts: Sequence[str], salt: str) -> Path:
    """One file per list of texts (and `salt`, e.g. the model where the folder is shared by several)."""
    digest = hashlib.sha1("\0".join([salt, *texts]).encode("utf-8")).hexdigest()
    return folder / f"{digest}.npy"


def load_vectors(folder: Path | None, texts: Sequence[str], salt: str = "") -> np.ndarray | None:
    """The texts' vectors, one row a text, if they were saved; else None."""
    if folder is None:
        return None
    try:
        vectors = np.load(_file(folder, texts, salt))
    except (OSError, ValueError):
        return None
    return vectors if vectors.ndim == 2 and len(vectors) == len(texts) else None


def save_vectors(folder: Path | None, texts: Sequence[str], vectors: np.ndarray, salt: str = "") -> None:
    """Saves the texts' vectors as float32, written aside then renamed, so a reader never sees half a file."""
    if folder is None:
        return
    target = _file(folder, texts, salt)
    staging = target.with_name(f"{target.stem}.{uuid.uuid4().hex[:8]}.tmp.npy")
    try:
        folder.mkdir(parents=True, exist_ok=True)
        np.save(staging, vectors.astype(np.float32))
        os.replace(staging, target)
    except OSError as failure:
        log.debug("vectors not cached in %s: %s", folder, failure)
