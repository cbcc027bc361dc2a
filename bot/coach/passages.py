"""Passages: a card or a document chunk cut into the pieces an answer can quote.

A passage is a paragraph, a list item or a table row, each carrying what it needs to be read alone:
its source's title and seed chunks, and its context (the heading above it, the line that leads into a
list, a table's header). A list item keeps its sub-items; a table row is shown with its header's labels.

The text is kept exactly as written (figures, units, bold), so an answer quotes the card, never a
paraphrase of it.
"""

from __future__ import annotations

import hashlib
import re
import threading
from collections import OrderedDict
from dataclasses import dataclass
from typing import Literal

import numpy as np

from bot.retrieval.embeddings import TextEmbeddings, embed_array, vector_cache
from bot.retrieval.tokenize import tokenize
from bot.retrieval.vector_cache import load_vectors, save_vectors

PassageKind = Literal["paragraph", "item", "row"]

_HEADING = re.compile(r"^\s{0,3}#{1,6}\s+(.*?)\s*#*\s*$")
_ITEM = re.compile(r"^(\s*)(?:[-*+]|\d{1,2}[.)])\s+(.*)$")
_ROW = re.compile(r"^\s*\|(.*)\|\s*$")
_RULE = re.compile(r"^[\s|:-]+$")
_BOLD_ONLY = re.compile(r"^\*\*[^*]+\*\*[:：]?$")
# A short line ending in a colon leads into the list or table under it ("Around the reviews:", "分工：").
_LEAD_IN_MAX = 120
_MARKUP = re.compile(r"\*\*|__|`")
EMBEDDED_LENGTH = 240
CJK_WEIGHT = 2.5
SUB_INDENT = "   "
"""How a sub-item is indented under its item, whatever the source used."""


@dataclass(frozen=True)
class Passage:
    source_id: str
    title: str
    kind: PassageKind
    text: str
    """As written, without its list marker; a table row as `header: cell` pairs."""
    context: str = ""
    """The heading, lead-in line or table header it belongs under ("" when none)."""
    group: int = 0
    """Items of one list, or rows of one table, share a group (a paragraph's is -1), so an answer can show
    a list's steps in order."""
    position: int = 0
    """Order in the source."""

    @property
    def plain(self) -> str:
        """The text without Markdown emphasis: for matching, never for showing."""
        return plain(self.text)

    @property
    def for_matching(self) -> str:
        """What is matched against a question's words: the passage under its context."""
        return plain(f"{self.context}\n{self.text}" if self.context else self.text)

    @property
    def for_embedding(self) -> str:
        """What is embedded: the passage under its source's title, so a passage is read as part of its
        source (a short line alone sits close to any short question in the embedding's space). Only its
        opening is embedded: embedding time grows with length (a Chinese character costs about what an
        English word does) and the words of the rest still count through word overlap."""
        return _opening(plain(f"{self.title}\n{self.for_matching}"), EMBEDDED_LENGTH)


def _opening(text: str, budget: float) -> str:
    """The start of a text within a length budget, a Chinese character weighing CJK_WEIGHT."""
    spent = 0.0
    for n, character in enumerate(text):
        spent += CJK_WEIGHT if "\u4e00" <= character <= "\u9fff" else 1.0
        if spent > budget:
            return text[:n]
    return text


def plain(text: str) -> str:
    return _MARKUP.sub("", text).strip()


def _is_lead_in(line: str) -> bool:
    stripped = line.strip()
    return len(stripped) <= _LEAD_IN_MAX and (
        stripped.endswith((":", "：")) or bool(_BOLD_ONLY.match(stripped))
    )


def _cells(line: str) -> list[str]:
    match = _ROW.match(line)
    return [cell.strip() for cell in match.group(1).split("|")] if match else []


@dataclass
class _Draft:
    kind: PassageKind
    lines: list[str]
    context: str
    group: int
    indent: int = 0


def split_passages(source_id: str, title: str, text: str) -> list[Passage]:
    """The passages of one source's text, in order; a text with no structure is one paragraph."""
    drafts: list[_Draft] = []
    heading = ""
    lead_in = ""  # a lead-in line waiting for the list or table under it
    group = 0
    for block in re.split(r"\n\s*\n", text.strip()):
        lines = [line.rstrip() for line in block.splitlines() if line.strip()]
        if not lines:
            continue
        paragraph: list[str] = []
        in_list = structured = False
        base_indent = 0
        header: list[str] = []
        for line in lines:
            heading_match = _HEADING.match(line)
            item = _ITEM.match(line)
            cells = _cells(line)
            if heading_match:
                _flush_paragraph(drafts, paragraph, _context(heading, ""), group)
                heading, lead_in, in_list, header = heading_match.group(1).strip(), "", False, []
                continue
            if cells:
                if paragraph:
                    lead_in = _take_lead_in(drafts, paragraph, heading, group)
                if not header:
                    header, group, structured = cells, group + 1, True
                elif not _RULE.match(line):
                    named = zip(header, cells, strict=False)
                    pairs = [f"{name}: {cell}" if name else cell for name, cell in named]
                    row_context = _context(heading, lead_in)
                    drafts.append(_Draft("row", [" · ".join(pairs)], row_context, group))
                continue
            if item:
                indent = len(item.group(1))
                if not in_list:
                    if paragraph:
                        lead_in = _take_lead_in(drafts, paragraph, heading, group)
                    in_list, structured, group = True, True, group + 1
                    base_indent = indent
                if indent > base_indent and drafts and drafts[-1].kind == "item":
                    drafts[-1].lines.append(SUB_INDENT + line.strip())  # a sub-item stays with its item
                else:
                    drafts.append(_Draft("item", [item.group(2).strip()], _context(heading, lead_in), group))
                continue
            if in_list and drafts and drafts[-1].kind == "item" and line.startswith((" ", "\t")):
                drafts[-1].lines[-1] += " " + line.strip()  # an item's wrapped line
                continue
            in_list = False
            paragraph.append(line.strip())
        if paragraph and not structured and _is_lead_in(" ".join(paragraph)):
            lead_in = " ".join(paragraph)  # leads into the list or table of the next block
            continue
        _flush_paragraph(drafts, paragraph, _context(heading, ""), group)
        lead_in = ""
    if not drafts and (text.strip() or title.strip()):
        drafts.append(_Draft("paragraph", [text.strip() or title.strip()], "", -1))
    return [
        Passage(
            source_id=source_id,
            title=title,
            kind=draft.kind,
            text="\n".join(draft.lines).strip(),
            context=draft.context,
            group=draft.group,
            position=n,
        )
        for n, draft in enumerate(drafts)
    ]


def _context(*parts: str) -> str:
    return " › ".join(plain(part).rstrip(":：") for part in parts if part and part.strip())


def _flush_paragraph(drafts: list[_Draft], paragraph: list[str], context: str, group: int) -> None:
    if paragraph:
        joiner = "" if re.search(r"[\u4e00-\u9fff]$", paragraph[0]) else " "
        drafts.append(_Draft("paragraph", [joiner.join(paragraph)], context, -1))
        paragraph.clear()


def _take_lead_in(drafts: list[_Draft], paragraph: list[str], heading: str, group: int) -> str:
    """The lines just above a list or table in the same block: its lead-in when short, else a paragraph
    of its own that also leads in (its last line)."""
    text = " ".join(paragraph)
    if _is_lead_in(text) or len(text) <= _LEAD_IN_MAX:
        paragraph.clear()
        return text
    last = paragraph[-1]
    _flush_paragraph(drafts, paragraph, _context(heading, ""), group)
    return last if _is_lead_in(last) else ""


@dataclass(frozen=True)
class Embedded:
    """A source's passages with what matching them needs: unit vectors and word sets, one row a passage."""

    passages: list[Passage]
    vectors: np.ndarray
    words: list[frozenset[str]]


class PassageCache:
    """Each source's passages, embedded once: a warm answer only embeds its question.

    Keyed by the source, its language and its text (a re-ingested document with new text is cut again);
    the least recently used sources are dropped from memory past `size`. Where the embedding model keeps
    a cache folder (USE keeps one in KAM_DATA_DIR), the vectors are also saved there, so a new process
    (`kam-coach ask`, a restarted server) finds them instead of embedding the passages again."""

    def __init__(self, embeddings: TextEmbeddings, size: int = 512) -> None:
        self.embeddings = embeddings
        self.size = size
        self._entries: OrderedDict[tuple[str, str, str], Embedded] = OrderedDict()
        self._lock = threading.Lock()
        self._folder, self._model = vector_cache(embeddings, "passages")

    def get(self, source_id: str, lang: str, title: str, text: str) -> Embedded:
        key = (source_id, lang, hashlib.sha1(text.encode("utf-8")).hexdigest())
        with self._lock:
            found = self._entries.get(key)
            if found is not None:
                self._entries.move_to_end(key)
                return found
        passages = split_passages(source_id, title, text)
        texts = [p.for_embedding for p in passages]
        vectors = load_vectors(self._folder, texts, self._model) if texts else np.zeros((0, 1), np.float32)
        if vectors is None:
            vectors = embed_array(self.embeddings, texts)
            norms = np.linalg.norm(vectors, axis=1, keepdims=True)
            vectors = vectors / np.where(norms == 0, 1.0, norms)
            save_vectors(self._folder, texts, vectors, self._model)
        embedded = Embedded(passages, vectors, [frozenset(words(p.for_matching)) for p in passages])
        with self._lock:
            self._entries[key] = embedded
            while len(self._entries) > self.size:
                self._entries.popitem(last=False)
        return embedded


def words(text: str) -> list[str]:
    """Content words for overlap with a question: jieba tokens, English plurals folded ("hours" ~ "hour")."""
    return [_singular(token) for token in tokenize(text)]


def _singular(token: str) -> str:
    return token[:-1] if len(token) > 3 and token.endswith("s") and token.isascii() else token
