"""Logging to stderr, so stdout stays clean for --json output."""

from __future__ import annotations

import logging
import os
import sys
from typing import TextIO


class _StderrHandler(logging.StreamHandler):
    """Writes to whatever ``sys.stderr`` is when a record is emitted, not the one at start-up: a command run
    in-process (tests, an embedding application) may have swapped stderr since logging was configured."""

    def __init__(self) -> None:
        super().__init__(sys.stderr)

    @property
    def stream(self) -> TextIO:
        return sys.stderr

    @stream.setter
    def stream(self, _value: TextIO) -> None:
        pass


def configure_logging(level: str = "INFO") -> None:
    root = logging.getLogger()
    if getattr(configure_logging, "_done", False):
        root.setLevel(level)
        for existing in root.handlers:
            existing.setLevel(level)
        return
    handler = _StderrHandler()
    # The handler filters too: some libraries (bm25s) set their own logger to DEBUG when imported.
    handler.setLevel(level)
    handler.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(name)s: %(message)s"))
    root.addHandler(handler)
    root.setLevel(level)
    # Third-party libraries are chatty at INFO (jieba prints its dictionary load, chroma its telemetry).
    for noisy in ("jieba", "chromadb", "httpx", "httpx2", "openai", "urllib3", "bm25s"):
        logging.getLogger(noisy).setLevel(max(logging.WARNING, logging.getLevelName(level)))
    # pypdf warns about every malformed object of a broken file; the user gets one clear error instead.
    logging.getLogger("pypdf").setLevel(logging.ERROR)
    os.environ.setdefault("ANONYMIZED_TELEMETRY", "False")
    configure_logging._done = True  # type: ignore[attr-defined]
