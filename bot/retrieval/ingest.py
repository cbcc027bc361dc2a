"""Users' own documents (playbooks, proposals, notes) into the knowledge index.

pypdf and docx2txt read PDF and Word, Markdown and text are read as UTF-8. A PDF's lines are re-flowed
into paragraphs (pypdf keeps the page's line breaks, which cut sentences in half). Text is chunked by
its structure: paragraphs are packed into chunks under their heading, a heading always travels with
the text under it (never a chunk of its own), and only a paragraph too long for one chunk is cut, at
sentence ends (langchain's recursive splitter), each part keeping the heading. A file is keyed by its
absolute path, so ingesting it again replaces its chunks rather than adding a second copy; it is
registered only when all its chunks are written (bot/retrieval/writer.py).
"""

from __future__ import annotations

import logging
import re
import time
from collections.abc import Callable, Iterator, Sequence
from pathlib import Path

from langchain_text_splitters import RecursiveCharacterTextSplitter
from pydantic import BaseModel

from bot.language import detect_language
from bot.retrieval.index import KnowledgeIndex

log = logging.getLogger(__name__)

SUPPORTED = {
    ".md": "markdown",
    ".markdown": "markdown",
    ".txt": "text",
    ".text": "text",
    ".pdf": "pdf",
    ".docx": "docx",
}
CHUNK_SIZE = 800
CHUNK_OVERLAP = 120
GROUP_CHUNKS = 256  # four batches of 64: both embedders busy, and little lost if interrupted

_MARKDOWN_HEADING = re.compile(r"^#{1,6}\s+\S")
_SENTENCE_END = "。！？；.!?;"
_LIST_ITEM = re.compile(
    r"^([-*•●▪–]\s|\(?\d{1,3}[.)、]\s*|[（(][一二三四五六七八九十\d]{1,3}[)）]|[一二三四五六七八九十]{1,3}、)"
)
_CJK = re.compile(r"[\u3000-\u303f\u3400-\u9fff\uff00-\uffef]")
_PAGE_NUMBER = re.compile(r"^(page\s*)?\d{1,4}(\s*/\s*\d{1,4})?$", re.IGNORECASE)


class UnreadableDocument(ValueError):
    """The file cannot be ingested: missing, an unsupported type, or unreadable content."""


class IngestResult(BaseModel):
    path: str
    title: str
    chunks: int
    replaced: int
    seconds: float


# ---------- reading ----------
def _read_text(path: Path) -> list[str]:
    return [path.read_text(encoding="utf-8")]


def _read_pdf(path: Path) -> list[str]:
    from pypdf import PdfReader

    return [reflow(page.extract_text() or "") for page in PdfReader(path).pages]


def _read_docx(path: Path) -> list[str]:
    import docx2txt

    return [docx2txt.process(str(path))]


# pypdf and docx2txt directly: langchain-community's loaders wrap exactly these, and that package is being
# sunset by its maintainers.
_READERS = {"markdown": _read_text, "text": _read_text, "pdf": _read_pdf, "docx": _read_docx}


def _join_lines(left: str, right: str) -> str:
    if left.endswith("-") and len(left) > 1 and left[-2].isalpha() and right[:1].islower():
        return left[:-1] + right  # a word hyphenated at the line end
    if _CJK.match(left[-1]) or _CJK.match(right[0]):
        return left + right  # Chinese has no spaces between words
    return f"{left} {right}"


def _width(line: str) -> int:
    """How wide a line is set: a Chinese character takes about two Latin ones' room."""
    return len(line) + len(_CJK.findall(line))


def _starts_paragraph(previous: str, line: str, width: int) -> bool:
    if _LIST_ITEM.match(line):
        return True
    if _width(previous) < 0.6 * width:  # the line before ended short: a heading, or a paragraph's end
        return True
    return previous[-1] in _SENTENCE_END + ":：" and _width(previous) < 0.85 * width


def reflow(page: str) -> str:
    """A PDF page's text as paragraphs: lines joined back into sentences, a paragraph ending where a
    line ends short, a list item starts, or a blank line falls; page numbers dropped."""
    lines = [line.strip() for line in page.splitlines()]
    width = max((_width(line) for line in lines), default=0)
    paragraphs: list[str] = []
    current, previous = "", ""
    for line in lines:
        if not line or _PAGE_NUMBER.match(line):
            if current:
                paragraphs.append(current)
            current, previous = "", ""
            continue
        if current and _starts_paragraph(previous, line, width):
            paragraphs.append(current)
            current = line
        else:
            current = _join_lines(current, line) if current else line
        previous = line
    if current:
        paragraphs.append(current)
    return "\n\n".join(paragraphs)


def load_text(path: Path) -> str:
    kind = _kind(path)
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


def _kind(path: Path) -> str:
    if not path.exists():
        raise UnreadableDocument(f"{path}: no such file or folder")
    kind = SUPPORTED.get(path.suffix.lower())
    if kind is None or not path.is_file():
        raise UnreadableDocument(
            f"{path}: unsupported file type {path.suffix or '(none)'}; use {', '.join(sorted(SUPPORTED))}"
        )
    return kind


# ---------- finding files ----------
def collect_files(paths: Sequence[Path], glob: str | None = None) -> list[Path]:
    """The files to ingest: each file given, and the supported files under each folder given (at any
    depth), those matching `glob` when one is given (`*.md`, `playbooks/*.pdf`: matched from the right
    of the path, as pathlib's `match`)."""
    found: list[Path] = []
    for given in paths:
        path = given.expanduser().resolve()
        if path.is_dir():
            inside = sorted(
                child
                for child in path.rglob("*")
                if child.is_file()
                and child.suffix.lower() in SUPPORTED
                and not any(part.startswith(".") for part in child.relative_to(path).parts)
                and (glob is None or child.match(glob))
            )
            if not inside:
                wanted = f" matching {glob}" if glob else f" ({', '.join(sorted(SUPPORTED))})"
                raise UnreadableDocument(f"{path}: no files to ingest in this folder{wanted}")
            found.extend(inside)
        else:
            _kind(path)
            found.append(path)
    return list(dict.fromkeys(found))


# ---------- chunking ----------
def _is_heading(block: str, kind: str) -> bool:
    if kind == "markdown":
        return all(_MARKDOWN_HEADING.match(line) for line in block.splitlines())
    # plain text, Word, PDF: a short single line that does not end a sentence reads as a heading
    return (
        "\n" not in block
        and len(block) <= 80
        and block[-1] not in _SENTENCE_END + ",，、"
        and not _LIST_ITEM.match(block)
        and len(block.split()) <= 12
    )


def _sections(text: str, kind: str) -> Iterator[tuple[str, str]]:
    """(heading, paragraph) pairs in order; consecutive headings stay together as one."""
    heading, pending = "", []
    for raw in re.split(r"\n\s*\n", text):
        block = raw.strip()
        if not block:
            continue
        if kind == "markdown" and _MARKDOWN_HEADING.match(block) and "\n" in block:
            first, rest = block.split("\n", 1)  # "## Title" with its paragraph right below it
            if not _MARKDOWN_HEADING.match(rest.strip()):
                pending.append(first.strip())
                block = rest.strip()
        if _is_heading(block, kind):
            pending.append(block)
            continue
        if pending:
            heading, pending = "\n".join(pending), []
        yield heading, block
    if pending:  # headings with nothing under them at the end: kept, as their own text
        yield "", "\n".join(pending)


def _splitter(size: int) -> RecursiveCharacterTextSplitter:
    return RecursiveCharacterTextSplitter(
        chunk_size=max(size, 200),
        chunk_overlap=CHUNK_OVERLAP,
        separators=["\n\n", "\n", "。", "！", "？", "；", ". ", "! ", "? ", "; ", "，", ", ", " ", ""],
        keep_separator="end",
    )


def chunk_text(text: str, kind: str = "text", size: int = CHUNK_SIZE) -> list[str]:
    """Chunks of at most about `size` characters, each starting with its section's heading."""
    chunks: list[str] = []
    current_heading, body = None, ""

    def flush() -> None:
        if body:
            chunks.append(f"{current_heading}\n\n{body}" if current_heading else body)

    for heading, paragraph in _sections(text, kind):
        room = size - len(heading) - 2
        if heading != current_heading or len(body) + len(paragraph) + 2 > room:
            flush()
            current_heading, body = heading, ""
        if len(paragraph) > room:
            parts = _splitter(room).split_text(paragraph)
            for part in parts[:-1]:
                chunks.append(f"{heading}\n\n{part.strip()}" if heading else part.strip())
            paragraph = parts[-1].strip()
        body = f"{body}\n\n{paragraph}" if body else paragraph
    flush()
    return [chunk.strip() for chunk in chunks if chunk.strip()]


# ---------- into the index ----------
class PreparedFile(BaseModel):
    """A file read and chunked, ready to index: reading every file first means a bad fifth file is
    reported before anything is indexed, and the progress bar knows the total."""

    path: Path
    chunks: list[str]


def prepare(paths: Sequence[Path]) -> list[PreparedFile]:
    prepared = []
    for path in paths:
        resolved = path.expanduser().resolve()
        prepared.append(PreparedFile(path=resolved, chunks=chunk_text(load_text(resolved), _kind(resolved))))
    return prepared


def _language(chunk: str) -> str:
    return detect_language(chunk) or "en"


def _groups(files: Sequence[PreparedFile]) -> Iterator[list[PreparedFile]]:
    """Files in order, small ones together up to GROUP_CHUNKS: a file of one batch alone would keep one
    embedder busy and the other idle while it is registered. A path is never twice in a group."""
    group: list[PreparedFile] = []
    for prepared in files:
        if group and (
            sum(len(file.chunks) for file in group) >= GROUP_CHUNKS
            or any(file.path == prepared.path for file in group)
        ):
            yield group
            group = []
        group.append(prepared)
    if group:
        yield group


def ingest_files(
    index: KnowledgeIndex,
    files: Sequence[PreparedFile],
    progress: Callable[[int], None] | None = None,
    on_file: Callable[[PreparedFile], None] | None = None,
) -> list[IngestResult]:
    """Indexes files in one session: each is complete or absent, never half-there. Small files are
    written a few at a time (registered together once all of them are written); a group's seconds are
    shared among its files by their chunks."""
    results = []
    with index.writing() as writer:
        for group in _groups(files):
            if on_file is not None:
                on_file(group[0])
            started = time.perf_counter()
            counts = index.write_documents(
                writer,
                [(str(file.path), file.path.name, file.chunks) for file in group],
                _language,
                progress=progress,
            )
            seconds = time.perf_counter() - started
            total = max(1, sum(count for count, _ in counts))
            for file, (count, replaced) in zip(group, counts, strict=True):
                log.info("ingested %s: %d chunks (replaced %d)", file.path, count, replaced)
                results.append(
                    IngestResult(
                        path=str(file.path),
                        title=file.path.name,
                        chunks=count,
                        replaced=replaced,
                        seconds=round(seconds * count / total, 3),
                    )
                )
    return results


def ingest_file(index: KnowledgeIndex, path: Path) -> IngestResult:
    return ingest_files(index, prepare([path]))[0]


def remove_file(index: KnowledgeIndex, path: Path) -> int:
    return index.remove_document(str(path.expanduser().resolve()))
