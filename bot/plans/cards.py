"""The knowledge card a plan question comes from, for "why" (title and seed chunks from its front matter)."""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

from bot.retrieval.cards import parse_card


@dataclass(frozen=True)
class CardRef:
    id: str
    title: str
    seed_chunks: tuple[int, ...]
    summary: str
    """The card's first paragraph."""


@lru_cache(maxsize=256)
def load_card(knowledge_dir: Path, card_id: str, language: str) -> CardRef | None:
    """The card in ``language`` (else in English, else in Chinese), read as the index reads it."""
    for lang in (language, "en", "zh"):
        path = Path(knowledge_dir) / lang / f"{card_id}.md"
        if path.is_file():
            card = parse_card(path)
            return CardRef(
                id=card.id, title=card.title, seed_chunks=tuple(card.seed_chunks), summary=card.summary
            )
    return None
