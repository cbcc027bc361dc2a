"""Knowledge cards: Markdown files with YAML front matter, read from `knowledge/`."""

from __future__ import annotations

import hashlib
import re
from pathlib import Path
from typing import Literal

from pydantic import BaseModel, Field, ValidationError

from bot.errors import SettingError
from bot.wording import parse_yaml

_FRONT_MATTER = re.compile(r"\A---\s*\n(.*?)\n---\s*\n(.*)\Z", re.DOTALL)


def first_paragraph(text: str) -> str:
    """The first paragraph that is not a heading ("" when there is none)."""
    for paragraph in re.split(r"\n\s*\n", text.strip()):
        cleaned = paragraph.strip()
        if cleaned and not cleaned.startswith("#"):
            return cleaned
    return ""


class CardFormatError(SettingError):
    """A card in the knowledge folder that cannot be read: the folder is the KAM_KNOWLEDGE_DIR setting."""

    def __init__(self, problem: str) -> None:
        super().__init__("KAM_KNOWLEDGE_DIR", problem)


def _one_line(error: Exception) -> str:
    if isinstance(error, ValidationError):
        first = error.errors()[0]
        field = ".".join(str(part) for part in first.get("loc", ())) or "front matter"
        return f"{field}: {first.get('msg', 'invalid')}"
    return " ".join(str(error).split())


class Card(BaseModel):
    id: str = Field(pattern=r"^[a-z0-9][a-z0-9-]*$")
    title: str
    lang: Literal["en", "zh"]
    tags: list[str] = Field(default_factory=list)
    seed_chunks: list[int]
    asks: list[str] = Field(default_factory=list)
    actions: list[str] = Field(default_factory=list)
    body: str
    path: str
    is_template: bool = False

    @property
    def key(self) -> str:
        """Unique per language: both language versions of a topic share one `id`."""
        return f"{self.id}@{self.lang}"

    @property
    def summary(self) -> str:
        """The card's first paragraph: written to stand alone as an answer."""
        return first_paragraph(self.body) or self.title

    @property
    def content_hash(self) -> str:
        return hashlib.sha256(self.index_text.encode("utf-8")).hexdigest()[:16]

    @property
    def index_text(self) -> str:
        """What is embedded and BM25-indexed: title, the questions it answers, tags and the body."""
        parts = [self.title, *self.asks, " ".join(self.tags), self.body]
        return "\n".join(part for part in parts if part)


def parse_card(path: Path, is_template: bool = False) -> Card:
    import yaml

    text = path.read_text(encoding="utf-8")
    match = _FRONT_MATTER.match(text)
    if not match:
        raise CardFormatError(f"{path}: no YAML front matter between '---' lines")
    try:
        meta = parse_yaml(match.group(1)) or {}
        return Card(**meta, body=match.group(2).strip(), path=str(path), is_template=is_template)
    except (yaml.YAMLError, ValidationError, TypeError) as bad:
        raise CardFormatError(f"{path}: {_one_line(bad)}") from bad


def card_files(knowledge_dir: Path) -> list[Path]:
    if not knowledge_dir.is_dir():
        raise SettingError("KAM_KNOWLEDGE_DIR", f"knowledge folder not found: {knowledge_dir}")
    return [path for path in sorted(knowledge_dir.rglob("*.md")) if not path.name.startswith(("README", "_"))]


def knowledge_fingerprint(knowledge_dir: Path) -> str:
    """Changes when a card file is added, removed or rewritten: the folder's names, sizes and times,
    read without opening a file (a start compares it and skips parsing and re-syncing the cards)."""
    digest = hashlib.sha1(str(knowledge_dir.resolve()).encode("utf-8"))
    for path in card_files(knowledge_dir):
        info = path.stat()
        digest.update(f"\0{path.relative_to(knowledge_dir)}\0{info.st_size}\0{info.st_mtime_ns}".encode())
    return digest.hexdigest()


def load_cards(knowledge_dir: Path) -> list[Card]:
    """Every card and template under the folder; a folder that is missing or holds no card (templates
    alone answer nothing) is a ``SettingError`` naming KAM_KNOWLEDGE_DIR."""
    cards = [
        parse_card(path, is_template=path.parent.name == "templates") for path in card_files(knowledge_dir)
    ]
    seen: dict[str, str] = {}
    for card in cards:
        if card.key in seen:
            raise CardFormatError(f"{card.path}: card {card.key} is also defined in {seen[card.key]}")
        seen[card.key] = card.path
    if not any(not card.is_template for card in cards):
        raise SettingError(
            "KAM_KNOWLEDGE_DIR",
            f"{knowledge_dir} holds no knowledge cards (Markdown files with front matter, in en/ and zh/)",
        )
    return cards
