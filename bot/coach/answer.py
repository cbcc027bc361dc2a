"""The extractive answer: a short synthesis from the best cards, with sources and the next step.

Cards are written so their first paragraph stands alone as an answer; the composer leads with the best
card's, adds the next-best card where it is nearly as relevant, and cites every card it drew on.
"""

from __future__ import annotations

import re
from collections.abc import Iterable

from bot.coach.reply import Citation, Intent, Language, Reply, Section, SuggestedAction
from bot.retrieval.cards import first_paragraph
from bot.retrieval.index import SearchHit
from bot.wording import Wording

MAX_SOURCES = 5
# A second card joins the answer when its fused score is at least this share of the best one's.
SEE_ALSO_SHARE = 0.8
INTENT_ACTIONS: dict[str, str] = {"pricing": "price_deal", "plan": "start_plan", "prioritise": "prioritise"}


def lead_paragraph(text: str) -> str:
    """A source's opening paragraph; an ingested chunk may be all headings, then it is shown whole."""
    return first_paragraph(text) or text.strip()


def first_sentence(text: str) -> str:
    match = re.match(r"(.+?[。！？!?]|.+?\.(?=\s|$))", text.strip(), re.DOTALL)
    return (match.group(1) if match else text).strip()


def _excerpt(hit: SearchHit, limit: int = 600) -> str:
    text = lead_paragraph(hit.text)
    return text if len(text) <= limit else text[:limit].rsplit(" ", 1)[0] + "…"


def citation_for(hit: SearchHit) -> Citation:
    return Citation(
        id=hit.source_id, title=hit.title, seed_chunks=hit.seed_chunks, score=hit.score, kind=hit.kind
    )


def best_first(citations: Iterable[Citation]) -> list[Citation]:
    """Sources in rank order with scores that never rise down the list.

    The order is the fused ranking (meaning, words and word coverage together); the score is how close in
    meaning a source is. Where a source ranks below one that is less similar, its score is shown capped at
    the one above, so the list reads best first.
    """
    ordered: list[Citation] = []
    ceiling = 1.0
    for citation in citations:
        ceiling = min(ceiling, max(0.0, citation.score))
        ordered.append(citation.model_copy(update={"score": round(ceiling, 4)}))
    return ordered


def suggested_actions(
    hits: list[SearchHit], intent: Intent, language: Language, wording: Wording
) -> list[SuggestedAction]:
    wanted: list[str] = []
    if intent in INTENT_ACTIONS:
        wanted.append(INTENT_ACTIONS[intent])
    for hit in hits[:2]:
        wanted.extend(hit.actions)
    actions: list[SuggestedAction] = []
    for action in dict.fromkeys(wanted):
        if wording.has(language, "actions", action):
            actions.append(
                SuggestedAction(
                    id=action,
                    label=wording.text(language, "actions", action, "label"),
                    command=wording.text(language, "actions", action, "command"),
                )
            )
    return actions[:3]


def compose_answer(hits: list[SearchHit], intent: Intent, language: Language, wording: Wording) -> Reply:
    best = hits[0]
    sections = [Section(title=best.title, body=_excerpt(best))]
    text = _excerpt(best)
    for other in hits[1:3]:
        if other.fused >= SEE_ALSO_SHARE * best.fused and other.kind != "template":
            summary = first_sentence(lead_paragraph(other.text))
            sections.append(Section(title=other.title, body=summary))
            text += f"\n\n{wording.text(language, 'see_also')} · {other.title}: {summary}"
    return Reply(
        text=text,
        language=language,
        intent=intent,
        sections=sections,
        citations=best_first(citation_for(hit) for hit in hits[:MAX_SOURCES]),
        actions=suggested_actions(hits, intent, language, wording),
    )
