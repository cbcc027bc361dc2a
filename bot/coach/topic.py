"""Is a message about key account management at all? Decided by how close the best card is, with the
message's own vocabulary as a tie-breaker for loosely matching ones."""

from __future__ import annotations

import re
from pathlib import Path

from bot.coach.phrases import load_prompt_file

# Below the relevance bar by at most this much, a message that uses sales vocabulary is still on topic.
LOOSE_MARGIN = 0.08


class TopicGate:
    def __init__(self, prompts_dir: Path, min_relevance: float) -> None:
        terms = load_prompt_file(prompts_dir, "domain_terms.yaml")
        self.min_relevance = min_relevance
        english = [re.escape(term.lower()) for term in terms.get("en", [])]
        self._english = re.compile(rf"\b(?:{'|'.join(english)})\b") if english else None
        self._chinese = [term for term in terms.get("zh", [])]

    def uses_domain_terms(self, text: str) -> bool:
        lowered = text.lower()
        if self._english is not None and self._english.search(lowered):
            return True
        return any(term in text for term in self._chinese)

    def on_topic(self, text: str, best_score: float | None, has_intent_keyword: bool = False) -> bool:
        if best_score is None:
            return False
        if has_intent_keyword or best_score >= self.min_relevance:
            return True
        return best_score >= self.min_relevance - LOOSE_MARGIN and self.uses_domain_terms(text)
