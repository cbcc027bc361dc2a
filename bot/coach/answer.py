"""The extractive answer: the passages of the best sources that answer this question, quoted as written.

The best few sources are cut into passages (paragraphs, list items, table rows; bot/coach/passages.py),
each scored against the question by meaning (the sentence embedding) and by the question's words it
holds, with the source's own rank as a prior. What the question asks for (bot/coach/cues.py) decides what
leads: a figure for "how much / 多少", a rule or verdict for "should I / 可以…吗", the steps in order for
"how do I / 怎么". The answer is a short lead (one or two sentences), then up to three supporting points;
the sources are cited best first, in the order retrieval ranked them.
"""

from __future__ import annotations

import re
import weakref
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

import numpy as np

from bot.coach.cues import Cues, QuestionKind
from bot.coach.passages import Passage, PassageCache, plain, words
from bot.coach.reply import Citation, Intent, Language, Reply, Section, SuggestedAction
from bot.retrieval.embeddings import TextEmbeddings
from bot.retrieval.index import SearchHit
from bot.wording import Catalogue

MAX_SOURCES = 5
# Passages come from the best few sources, and from a lower one only when retrieval ranks it near the best.
PASSAGE_SOURCES = 3
# A figure may sit in a lower source; other questions are answered from the best two (embedding a
# source's passages the first time is most of a cold answer's time).
PASSAGE_SOURCES_BY_KIND = {"figure": 3, "plain": 2, "verdict": 2, "steps": 2}
NEAR_BEST = 0.6
# A passage's score: similarity in meaning, plus the share of the question's words it holds, less how far
# its source ranks below the best; plus a bonus when it holds what the question asks for.
WORD_WEIGHT = 0.35
RANK_PENALTY = (0.0, 0.08, 0.12)
RANK_WEIGHT = 0.25
KIND_BONUS = 0.12
UNIT_BONUS = 0.12
FIGURE_MARGIN = 0.2
OPENING_BONUS = 0.15
# Supporting points: at most this many, each within this margin of the lead's score.
MAX_POINTS = 3
MAX_STEPS = 8
POINT_MARGIN = 0.25
POINT_SHARE = 0.7
OTHER_SOURCE_MARGIN = 0.15
OTHER_SOURCE_SHARE = 0.85
# A point shorter than this (a bare label such as "**Travel.**") says nothing alone.
MIN_POINT = 10
LEAD_SENTENCES = 2
POINT_CHARACTERS = 320
INTENT_ACTIONS: dict[str, str] = {
    "pricing": "price_deal",
    "plan": "start_plan",
    "prioritise": "prioritise",
    "tiers": "tiers",
    "skills": "skills",
    "coverage": "coverage",
    "cadence": "cadence",
}
MAX_ACTIONS = 2
_SENTENCE = re.compile(r"(?<=[。！？])|(?<=[.!?])\s+(?=[A-Z0-9*\"'(\[])")


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


def sentences(text: str) -> list[str]:
    return [part.strip() for part in _SENTENCE.split(text.strip()) if part and part.strip()]


def _join(text: str, parts: list[str]) -> str:
    """Sentences back together: Chinese runs on, English takes a space."""
    return ("" if re.search(r"[\u4e00-\u9fff]", text) else " ").join(parts)


@dataclass(frozen=True)
class Scored:
    passage: Passage
    hit: SearchHit
    score: float
    words: frozenset[str]


@dataclass(frozen=True)
class Question:
    text: str
    kind: QuestionKind
    vector: np.ndarray
    words: frozenset[str]
    units: frozenset[str] = frozenset()
    """For a figure question, the units it asks in (hours, weeks, %)."""

    def overlap(self, found: Iterable[str]) -> float:
        return len(self.words & set(found)) / len(self.words) if self.words else 0.0


class AnswerComposer:
    """Composes extractive answers; one per embedding model, holding its sources' passages embedded."""

    def __init__(self, catalogue: Catalogue, embeddings: TextEmbeddings) -> None:
        self.coach = catalogue.file("coach.yaml")
        self.layout = catalogue.file("answers.yaml")
        self.cues = Cues(self.layout)
        self.embeddings = embeddings
        self.passages = PassageCache(embeddings)

    # ---------- choosing the passages ----------
    def question(self, text: str, vector: Sequence[float] | None = None) -> Question:
        """The question as the composer weighs passages against it; `vector`, the text's embedding when the
        caller has it already."""
        embedded = np.asarray(self.embeddings.embed_query(text) if vector is None else vector, np.float32)
        norm = float(np.linalg.norm(embedded)) or 1.0
        kind = self.cues.kind(text)
        units = frozenset(self.cues.asked_units(text)) if kind == "figure" else frozenset()
        return Question(text, kind, embedded / norm, frozenset(words(text)), units)

    def scored(self, question: Question, hits: list[SearchHit]) -> list[Scored]:
        """Every passage of the best sources, best first."""
        best = hits[0].fused or 1.0
        found: list[Scored] = []
        for rank, hit in enumerate(hits[: PASSAGE_SOURCES_BY_KIND.get(question.kind, PASSAGE_SOURCES)]):
            if rank and hit.fused < NEAR_BEST * best:
                continue
            embedded = self.passages.get(hit.source_id, hit.lang, hit.title, hit.text)
            if not embedded.passages:
                continue
            similarity = embedded.vectors @ question.vector
            for passage, cosine, held in zip(
                embedded.passages, similarity.tolist(), embedded.words, strict=True
            ):
                score = cosine + WORD_WEIGHT * question.overlap(held)
                score -= RANK_PENALTY[rank] + RANK_WEIGHT * (1 - hit.fused / best)
                score += KIND_BONUS * self._fits(question.kind, passage)
                if question.units and self.cues.has_figure_in(passage.text, question.units):
                    score += UNIT_BONUS
                if rank == 0 and passage.position == 0 and question.kind in ("plain", "verdict"):
                    # A card's opening is written to stand alone as its answer.
                    score += OPENING_BONUS if question.kind == "plain" else OPENING_BONUS / 2
                found.append(Scored(passage, hit, score, held))
        return sorted(found, key=lambda s: (-s.score, s.passage.position))

    def _fits(self, kind: QuestionKind, passage: Passage) -> float:
        if kind == "figure":
            return self.cues.figure_strength(passage.text)
        if kind == "verdict":
            return float(self.cues.states_rule(passage.text))
        if kind == "steps":
            return float(passage.kind == "item")
        return 0.0

    def focus(self, question: Question, passage: Passage, most: int) -> str:
        """The one or two sentences of a passage that answer the question (all of it when short).

        A figure question gets the sentence with the figure first; any other question gets the best
        sentence with the one before it, which it may lean on ("If not, ...")."""
        parts = sentences(passage.text)
        if len(parts) <= most or "\n" in passage.text:
            return passage.text.strip()

        def value(sentence: str) -> float:
            fits = {
                "figure": self.cues.figure_strength(sentence),
                "verdict": float(self.cues.states_rule(sentence)),
            }.get(question.kind, 0.0)
            in_unit = bool(question.units) and self.cues.has_figure_in(sentence, question.units)
            return question.overlap(words(sentence)) + 0.5 * fits + (0.5 if in_unit else 0.0)

        best = max(range(len(parts)), key=lambda n: (value(parts[n]), -n))
        if most == 1:
            chosen = [best]
        elif question.kind == "figure":
            chosen = [best, best + 1] if best + 1 < len(parts) and len(parts[best]) < 120 else [best]
        else:
            chosen = [best - 1, best] if best else [0, 1]
        return _join(passage.text, [parts[n] for n in chosen])

    @staticmethod
    def clip(text: str) -> str:
        """A supporting point: its first sentences up to about POINT_CHARACTERS, never cut mid-sentence;
        an item with sub-items is kept whole, line by line."""
        if "\n" in text:
            return text.strip()
        kept: list[str] = []
        for sentence in sentences(text):
            if kept and sum(len(s) for s in kept) + len(sentence) > POINT_CHARACTERS:
                break
            kept.append(sentence)
        return _join(text, kept) if kept else text

    # ---------- the answer ----------
    def compose(
        self,
        question_text: str,
        hits: list[SearchHit],
        intent: Intent,
        language: Language,
        vector: Sequence[float] | None = None,
    ) -> Reply:
        question = self.question(question_text, vector)
        ranked = self.scored(question, hits)
        if not ranked:  # sources with no text at all: name them, cite them
            return Reply(
                text=hits[0].title,
                language=language,
                intent=intent,
                citations=best_first(citation_for(hit) for hit in hits[:MAX_SOURCES]),
                actions=self.actions(hits[0], hits, intent, language),
            )
        if question.kind == "figure":
            # The best passage holding a figure leads, unless it is far from the best of all.
            figured = next((s for s in ranked if self.cues.figure_strength(s.passage.text) == 1.0), None)
            if figured is not None and figured.score >= ranked[0].score - FIGURE_MARGIN:
                ranked = [figured, *(s for s in ranked if s is not figured)]
        lead = ranked[0]
        steps = self._steps(question, ranked, language) if question.kind == "steps" else None
        listing = None if steps is not None else self._listing(question, ranked, language)
        if steps is not None:
            lead_text, points = steps
        elif listing is not None:
            lead_text, points = listing
        else:
            lead_text = self._shown(lead, self.focus(question, lead.passage, LEAD_SENTENCES), language, True)
            points = self._points(ranked, lead, language)
        marker = "{n}. " if steps is not None else "- "
        listed = "\n".join(marker.format(n=n) + p.text for n, p in enumerate(points, 1))
        text = "\n\n".join(part for part in (lead_text, listed) if part)
        return Reply(
            text=text,
            language=language,
            intent=intent,
            sections=self._sections(lead_text, lead, points, language),
            citations=best_first(citation_for(hit) for hit in hits[:MAX_SOURCES]),
            actions=self.actions(lead.hit, hits, intent, language),
        )

    def _shown(self, scored: Scored, text: str, language: Language, lead: bool = False) -> str:
        """A passage as quoted: a user's document passage under its heading (so the heading is context,
        never the answer alone), and a lead that is a list item or table row under its lead-in line."""
        passage = scored.passage
        wants_context = scored.hit.kind == "document" or (lead and passage.kind != "paragraph")
        if wants_context and passage.context and passage.context not in text:
            return self.layout.text(language, "in_context", context=passage.context, text=text)
        return text

    def _point(self, scored: Scored, lead: Scored, text: str, language: Language) -> _Point:
        shown = self._shown(scored, text, language)
        if scored.hit.source_id != lead.hit.source_id:
            shown = self.layout.text(language, "point_from", point=shown, source=scored.hit.title)
        return _Point(scored, shown)

    def _points(self, ranked: list[Scored], lead: Scored, language: Language) -> list[_Point]:
        points: list[_Point] = []
        seen = {plain(lead.passage.text)}
        for scored in ranked[1:]:
            if len(points) >= MAX_POINTS or not self._near(scored, lead, POINT_MARGIN, POINT_SHARE):
                break
            key = plain(scored.passage.text)
            other_source = scored.hit.source_id != lead.hit.source_id
            if len(key) < MIN_POINT or (
                other_source and not self._near(scored, lead, OTHER_SOURCE_MARGIN, OTHER_SOURCE_SHARE)
            ):
                continue
            if any(key in before or before in key for before in seen):
                continue
            seen.add(key)
            points.append(self._point(scored, lead, self.clip(scored.passage.text), language))
        return points

    @staticmethod
    def _near(scored: Scored, lead: Scored, margin: float, share: float) -> bool:
        """Close enough to the lead to support it: within a margin of its score and a share of it (a lead
        that scores low leaves less room)."""
        return scored.score >= lead.score - margin and scored.score >= share * lead.score

    def _listing(
        self, question: Question, ranked: list[Scored], language: Language
    ) -> tuple[str, list[_Point]] | None:
        """A plain question whose best passages are items of one list ("who is on the KAM team?") is
        answered with that list, in its order, under its lead-in line."""
        lead = ranked[0]
        if question.kind != "plain" or lead.passage.kind == "paragraph" or not lead.passage.context:
            return None
        near = [s for s in ranked[1:] if self._near(s, lead, POINT_MARGIN, POINT_SHARE)][:MAX_POINTS]
        same_list = [s for s in near if s.hit is lead.hit and s.passage.group == lead.passage.group]
        if len(same_list) < 2:
            return None
        members = sorted(
            (s for s in ranked if s.hit is lead.hit and s.passage.group == lead.passage.group),
            key=lambda s: s.passage.position,
        )[:MAX_STEPS]
        return lead.passage.context, [
            self._point(s, lead, self.clip(s.passage.text), language) for s in members
        ]

    def _steps(
        self, question: Question, ranked: list[Scored], language: Language
    ) -> tuple[str, list[_Point]] | None:
        """For a how-to, the steps: the best list of the lead's source (or, failing one, of any source
        near it), its items in their order, under the source's best passage that is not one of them."""
        lead = ranked[0]
        items = [s for s in ranked if s.passage.kind == "item" and s.hit.source_id == lead.hit.source_id]
        items = items or [
            s for s in ranked if s.passage.kind == "item" and s.score >= lead.score - OTHER_SOURCE_MARGIN
        ]
        if not items:
            return None
        best = items[0]
        steps = sorted(
            (
                s
                for s in ranked
                if s.hit.source_id == best.hit.source_id
                and s.passage.kind == "item"
                and s.passage.group == best.passage.group
            ),
            key=lambda s: s.passage.position,
        )[:MAX_STEPS]
        opening = lead
        if lead in steps:
            opening = next(
                (s for s in ranked if s.hit.source_id == lead.hit.source_id and s.passage.kind != "item"),
                lead,
            )
        if opening in steps:
            lead_text = best.passage.context or ""
        else:
            lead_text = self._shown(opening, self.focus(question, opening.passage, LEAD_SENTENCES), language)
        shown = [s for s in steps if s is not opening]
        return lead_text, [self._point(s, opening, self.clip(s.passage.text), language) for s in shown]

    def _sections(
        self, lead_text: str, lead: Scored, points: list[_Point], language: Language
    ) -> list[Section]:
        """The lead under its own title, then the points grouped by the source they quote."""
        sections = [Section(title=self.layout.text(language, "lead_section"), body=lead_text)]
        by_source: dict[str, list[str]] = {}
        titles: dict[str, str] = {}
        for point in points:
            source = point.scored.hit.source_id
            titles[source] = point.scored.hit.title
            by_source.setdefault(source, []).append("- " + self.clip(point.scored.passage.text))
        for source, lines in by_source.items():
            sections.append(Section(title=titles[source], body="\n".join(lines)))
        return sections

    # ---------- next steps ----------
    def actions(
        self, lead: SearchHit, hits: list[SearchHit], intent: Intent, language: Language
    ) -> list[SuggestedAction]:
        """Chat commands (what the coach's start patterns accept), for this question's intent first, then
        for the source the answer leads with."""
        wanted: list[str] = []
        if intent in INTENT_ACTIONS:
            wanted.append(INTENT_ACTIONS[intent])
        wanted.extend(lead.actions)
        if lead is not hits[0]:
            wanted.extend(hits[0].actions)
        actions: list[SuggestedAction] = []
        for action in dict.fromkeys(wanted):
            if self.coach.has(language, "actions", action):
                actions.append(
                    SuggestedAction(
                        id=action,
                        label=self.coach.text(language, "actions", action, "label"),
                        command=self.coach.text(language, "actions", action, "command"),
                    )
                )
        return actions[:MAX_ACTIONS]


@dataclass(frozen=True)
class _Point:
    scored: Scored
    text: str


_composers: weakref.WeakKeyDictionary[object, dict[str, AnswerComposer]] = weakref.WeakKeyDictionary()


def composer_for(catalogue: Catalogue, embeddings: TextEmbeddings) -> AnswerComposer:
    """The process's composer for this embedding model and catalogue: its passage vectors stay warm."""
    composers = _composers.setdefault(embeddings, {})
    key = str(catalogue.prompts_dir)
    if key not in composers:
        composers[key] = AnswerComposer(catalogue, embeddings)
    return composers[key]


def compose_answer(
    question: str,
    hits: list[SearchHit],
    intent: Intent,
    language: Language,
    catalogue: Catalogue,
    embeddings: TextEmbeddings,
    vector: Sequence[float] | None = None,
) -> Reply:
    """The extractive answer; `vector`, the question's embedding when the caller has it already."""
    return composer_for(catalogue, embeddings).compose(question, hits, intent, language, vector)


__all__ = ["AnswerComposer", "best_first", "citation_for", "compose_answer", "composer_for"]
