"""Is a message about key account management at all? Decided by how close the best card is, with the
message's own vocabulary as a tie-breaker for loosely matching ones."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

from bot.coach.terms import TermMatcher
from bot.retrieval.index import SearchHit
from bot.retrieval.tokenize import tokenize
from bot.wording import load_prompt_file

# Below the relevance bar by at most this much, a message that uses sales vocabulary is still on topic.
LOOSE_MARGIN = 0.08
# A source holding nearly all of a message's words (three or more) is on topic whatever the embedding
# says: users' own documents use names (products, customers) that no sentence encoder knows.
LEXICAL_COVERAGE = 0.75
LEXICAL_MIN_TERMS = 3


class TopicGate:
    def __init__(self, prompts_dir: Path, min_relevance: float) -> None:
        terms = load_prompt_file(prompts_dir, "domain_terms.yaml")
        self.min_relevance = min_relevance
        self._domain = TermMatcher([*terms.get("en", []), *terms.get("zh", [])])

    def uses_domain_terms(self, text: str) -> bool:
        return self._domain.found_in(text)

    def on_topic(self, text: str, hits: Sequence[SearchHit], has_intent_keyword: bool = False) -> bool:
        if not hits:
            return False
        best_score = max(hit.score for hit in hits)
        if has_intent_keyword or best_score >= self.min_relevance:
            return True
        if len(set(tokenize(text))) >= LEXICAL_MIN_TERMS and any(
            hit.term_coverage >= LEXICAL_COVERAGE for hit in hits
        ):
            return True
        return best_score >= self.min_relevance - LOOSE_MARGIN and self.uses_domain_terms(text)
