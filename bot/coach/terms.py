"""Finding listed words and phrases in a message, in English and Chinese alike.

English terms match as whole words ("rep" is not in "report"); Chinese has no spaces between words, so a
Chinese term matches anywhere. Case is ignored.
"""

from __future__ import annotations

import re
from collections.abc import Iterable


class TermMatcher:
    def __init__(self, terms: Iterable[str]) -> None:
        lowered = [str(term).lower() for term in terms if str(term).strip()]
        english = [re.escape(term) for term in lowered if term.isascii()]
        self._english = re.compile(rf"\b(?:{'|'.join(english)})\b") if english else None
        self._other = [term for term in lowered if not term.isascii()]

    def found_in(self, text: str) -> bool:
        lowered = text.lower()
        if self._english is not None and self._english.search(lowered):
            return True
        return any(term in lowered for term in self._other)
