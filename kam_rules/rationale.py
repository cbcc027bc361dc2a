"""What every rule's rationale shares: the seed citation that ends it, and comparisons that ignore rounding.

Each rationale names the seed chunks it rests on, e.g. "(seed chunks 16-17)" or "（种子第16-17段）"; the
words come from the rules' catalogue (``kam_rules/wording.yaml``).
"""

from __future__ import annotations

import math

from kam_rules.wording import Language, text

# Values that differ by less than this relative amount are treated as equal in the decision trees,
# so 90 * (1 - 0.3) = 62.99999999999999 still counts as a price floor of 63.
REL_TOLERANCE = 1e-9


def _chunk_span(chunks: tuple[int, ...], separator: str) -> str:
    ordered = sorted(set(chunks))
    if len(ordered) > 1 and ordered == list(range(ordered[0], ordered[-1] + 1)):
        return f"{ordered[0]}-{ordered[-1]}"
    return separator.join(str(chunk) for chunk in ordered)


def cite(language: Language, *chunks: int) -> str:
    """The citation of seed chunks in the given language."""
    span = _chunk_span(chunks, text(language, "chunk_separator"))
    return text(language, "seed_chunks" if len(set(chunks)) > 1 else "seed_chunk", chunks=span)


def is_close(a: float, b: float) -> bool:
    return math.isclose(a, b, rel_tol=REL_TOLERANCE, abs_tol=1e-12)


def ge(a: float, b: float) -> bool:
    """a >= b, counting values equal within rounding noise as equal."""
    return a >= b or is_close(a, b)


def lt(a: float, b: float) -> bool:
    """a < b, and not merely by rounding noise."""
    return a < b and not is_close(a, b)


def with_citation(rationale: str, language: Language, *chunks: int) -> str:
    """Append the seed citation to a rationale: a space before it in English, none in Chinese."""
    return text(language, "sentence_separator").join([rationale.strip(), cite(language, *chunks)])
