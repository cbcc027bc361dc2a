"""The knowledge card a plan question comes from, for "why" (title and seed chunks from its front matter)."""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

import yaml


@dataclass(frozen=True)
class CardRef:
    id: str
    title: str
    seed_chunks: tuple[int, ...]
    summary: str
    """The card's first paragraph."""


@lru_cache(maxsize=256)
def load_card(knowledge_dir: Path, card_id: str, language: str) -> CardRef | None:
    for lang in (language, "en", "zh"):
        path = Path(knowledge_dir) / lang / f"{card_id}.md"
        if not path.is_file():
            continue
        text = path.read_text(encoding="utf-8")
        meta: dict = {}
        body = text
        if text.startswith("---"):
            _, front, body = text.split("---", 2)
            meta = yaml.safe_load(front) or {}
        paragraphs = [p.strip() for p in body.strip().split("\n\n") if p.strip()]
        return CardRef(
            id=str(meta.get("id", card_id)),
            title=str(meta.get("title", card_id)),
            seed_chunks=tuple(int(n) for n in meta.get("seed_chunks", []) or []),
            summary=paragraphs[0] if paragraphs else "",
        )
    return None
