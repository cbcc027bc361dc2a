"""Checking what a model-phrased answer cites (contracts section 11).

The passages were given numbered ``[1]``, ``[2]``, ...; an answer must cite at least one, and only numbers
that were given. Its citations are then the sources of the passages it cited, in the order retrieval ranked
them, and the markers in its text are renumbered to match (``[n]`` in the answer is the n-th citation), so a
reader of the reply finds each marker's source in its list. Several passages of one source cite it once.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from bot.coach.answer import best_first, citation_for
from bot.coach.reply import Citation
from bot.retrieval.index import SearchHit

# [1], [1, 3], [1][2]; the full-width brackets and separators Chinese text uses too (［1］, 【1】, [1，2]).
MARKER = re.compile(r"[\[［【]\s*(\d{1,3}(?:\s*[,，、]\s*\d{1,3})*)\s*[\]］】]")
_NUMBER = re.compile(r"\d+")


class Ungrounded(Exception):
    """The answer cannot be shown as it is; the message says why, for the log."""


@dataclass
class Grounded:
    text: str
    citations: list[Citation]


def cited_numbers(text: str) -> list[int]:
    """The passage numbers an answer cites, each once, in the order they first appear."""
    numbers = [int(n) for marker in MARKER.finditer(text) for n in _NUMBER.findall(marker.group(1))]
    return list(dict.fromkeys(numbers))


def ground(text: str, passages: list[SearchHit]) -> Grounded:
    """The answer with its markers renumbered and its citations; raises Ungrounded."""
    if not text.strip():
        raise Ungrounded("empty answer")
    cited = cited_numbers(text)
    if not cited:
        raise Ungrounded("cites no passage")
    unknown = [n for n in cited if not 1 <= n <= len(passages)]
    if unknown:
        raise Ungrounded(f"cites {unknown} but {len(passages)} passages were given")
    sources: list[str] = []
    hits: list[SearchHit] = []
    for n in sorted(cited):
        hit = passages[n - 1]
        if hit.source_id not in sources:
            sources.append(hit.source_id)
            hits.append(hit)
    position = {n: sources.index(passages[n - 1].source_id) + 1 for n in cited}

    def renumber(marker: re.Match[str]) -> str:
        numbers = dict.fromkeys(position[int(n)] for n in _NUMBER.findall(marker.group(1)))
        return "[" + ", ".join(str(n) for n in numbers) + "]"

    return Grounded(
        text=MARKER.sub(renumber, text).strip(), citations=best_first(citation_for(h) for h in hits)
    )
