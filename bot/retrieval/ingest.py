"""Users' own documents (playbooks, proposals, notes) into the knowledge index.

pypdf and docx2txt read PDF and Word, Markdown and text are read as UTF-8; langchain's recursive splitter
cuts them into chunks at paragraph, then sentence boundaries, Chinese sentence ends included. A file is
keyed by its absolute path, so ingesting it again replaces its chunks rather than adding a second copy.
"""

from __future__ import annotations

import logging
import time
from pathlib import Path

from langchain_text_splitters import RecursiveCharacterTextSplitter
from pydantic import BaseModel

from bot.language import detect_language
from bot.retrieval.index import KnowledgeIndex

log = logging.getLogger(__name__)

SUPPORTED = {
    ".md": "text",
    ".markdown": "text",
    ".txt": "text",
    ".text": "text",
    ".pdf": "pdf",
    ".docx": "docx",
}
CHUNK_SIZE = 800
CHUNK_OVERLAP = 120


class UnreadableDocument(ValueError):
    """The file cannot be ingested: missing, an unsupported type, or unreadable content."""


class IngestResult(BaseModel):
    path: str
    title: str
    chunks: int
    replaced: int
    seconds: float


def splitter() -> RecursiveCharacterTextSplitter:
    return RecursiveCharacterTextSplitter(
        chunk_size=CHUNK_SIZE,
        chunk_overlap=CHUNK_OVERLAP,
        separators=["\n\n", "\n", "。", "！", "？", "；", ". ", "! ", "? ", "; ", "，", ", ", " ", ""],
        keep_separator="end",
    )


def _read_text(path: Path) -> list[str]:
    return [path.read_text(encoding="utf-8")]


def _read_pdf(path: Path) -> list[str]:
    from pypdf import PdfReader

    return [page.extract_text() or "" for page in PdfReader(path).pages]


def _read_docx(path: Path) -> list[str]:
    import docx2txt

    return [docx2txt.process(str(path))]


# pypdf and docx2txt directly: langchain-community's loaders wrap exactly these, and that package is being
# sunset by its maintainers.
_READERS = {"text": _read_text, "pdf": _read_pdf, "docx": _read_docx}


def load_text(path: Path) -> str:
    if not path.is_file():
        raise UnreadableDocument(f"{path}: no such file")
    kind = SUPPORTED.get(path.suffix.lower())
    if kind is None:
        raise UnreadableDocument(
            f"{path}: unsupported file type {path.suffix or '(none)'}; use {', '.join(sorted(SUPPORTED))}"
        )
    try:
        pages = _READERS[kind](path)
    except Exception as bad:  # readers raise many types (PdfReadError, BadZipFile, UnicodeDecodeError…)
        raise UnreadableDocument(
            f"{path}: cannot read it as {kind} ({bad.__class__.__name__}: {bad})"
        ) from bad
    text = "\n\n".join(page for page in pages if page).strip()
    if not text:
        raise UnreadableDocument(f"{path}: no text found in it (a scanned PDF needs OCR first)")
    return text


def ingest_file(index: KnowledgeIndex, path: Path) -> IngestResult:
    started = time.perf_counter()
    resolved = path.expanduser().resolve()
    text = load_text(resolved)
    chunks = [chunk.strip() for chunk in splitter().split_text(text) if chunk.strip()]
    count, replaced = index.replace_document(
        str(resolved), resolved.name, chunks, lambda chunk: detect_language(chunk) or "en"
    )
    result = IngestResult(
        path=str(resolved),
        title=resolved.name,
        chunks=count,
        replaced=replaced,
        seconds=round(time.perf_counter() - started, 3),
    )
    log.info("ingested %s: %d chunks (replaced %d)", resolved, count, replaced)
    return result


def remove_file(index: KnowledgeIndex, path: Path) -> int:
    return index.remove_document(str(path.expanduser().resolve()))
