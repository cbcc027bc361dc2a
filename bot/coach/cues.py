"""What a question asks for, and which sentences hold what it asks: the cues of `prompts/answers.yaml`.

A question asking "how much / how long / 多少 / 几" wants a figure; "can I / should we / 可以…吗" wants a
rule or a verdict; "how do I / 怎么 / 如何" wants steps. Anything else is a plain question.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass
from functools import cached_property
from typing import Literal

from bot.wording import Wording

QuestionKind = Literal["figure", "verdict", "steps", "plain"]
KINDS: tuple[QuestionKind, ...] = ("figure", "verdict", "steps")
_NUMERALS = "一二三四五六七八九十两百千万半"
_RANGE_DASH = "(?:-|–|—|~|～|到|至)"


def _one_spelling(text: str) -> str:
    return re.sub(_RANGE_DASH, "-", re.sub(r"\s+", "", text.casefold()))


def _any_of(patterns: list[str]) -> re.Pattern[str]:
    return re.compile("|".join(f"(?:{pattern})" for pattern in patterns), re.IGNORECASE)


@dataclass(frozen=True)
class Cues:
    wording: Wording

    @cached_property
    def _kinds(self) -> dict[QuestionKind, re.Pattern[str]]:
        cues = self.wording.data("cues", default={}) or {}
        return {kind: _any_of(cues[kind]) for kind in KINDS if cues.get(kind)}

    @cached_property
    def _figures(self) -> tuple[re.Pattern[str], re.Pattern[str]]:
        strong = self.wording.data("figures", "strong", default=[r"\d"])
        weak = self.wording.data("figures", "weak", default=[r"(?!)"])
        return _any_of(strong), _any_of(weak)

    @cached_property
    def _rule(self) -> re.Pattern[str]:
        return _any_of(self.wording.data("rule_words", default=[r"(?!)"]))

    @cached_property
    def _units(self) -> dict[str, tuple[re.Pattern[str], re.Pattern[str]]]:
        """Per unit: how a question names it, and how a figure in that unit is written."""
        found: dict[str, tuple[re.Pattern[str], re.Pattern[str]]] = {}
        written = self.wording.data("written", default={}) or {}
        for unit, names in (self.wording.data("units", default={}) or {}).items():
            named = "|".join(re.escape(name) for name in sorted(names, key=len, reverse=True))
            number = rf"(?:\d|[{_NUMERALS}])[\d,.{_NUMERALS}]*"
            figure = rf"{number}\s*(?:(?:-|–|~|到|至)\s*{number}\s*)?(?:{named})"
            pattern = _any_of(written[unit]) if written.get(unit) else re.compile(figure, re.IGNORECASE)
            found[unit] = (re.compile(named, re.IGNORECASE), pattern)
        return found

    @cached_property
    def _ranges(self) -> re.Pattern[str]:
        """A range in digits with its unit ("8-12周", "40-50%", "2-3 years"): units a figure is written in
        with a number (frequencies are phrases, not ranges)."""
        written = self.wording.data("written", default={}) or {}
        names = [
            name
            for unit, unit_names in (self.wording.data("units", default={}) or {}).items()
            if not written.get(unit)
            for name in unit_names
        ]
        if not names:
            return re.compile(r"(?!)")
        named = "|".join(re.escape(name) for name in sorted(names, key=len, reverse=True))
        number = r"\d+(?:\.\d+)?"
        return re.compile(rf"(?<![\d.]){number}\s*{_RANGE_DASH}\s*{number}\s*(?:{named})", re.IGNORECASE)

    def ranges(self, text: str) -> set[str]:
        """The ranges with their unit a text states, spelled one way (no spaces, one dash, lower case), so
        "8 – 12 weeks" in a question matches "8-12 weeks" in a card."""
        return {_one_spelling(found.group()) for found in self._ranges.finditer(text)}

    def asked_units(self, question: str) -> set[str]:
        return {unit for unit, (named, _) in self._units.items() if named.search(question)}

    def has_figure_in(self, text: str, units: Iterable[str]) -> bool:
        """Whether the text holds a figure in one of these units ("8-12 weeks", "160小时", "40-50%")."""
        return any(self._units[unit][1].search(text) for unit in units)

    def kind(self, question: str) -> QuestionKind:
        for kind, pattern in self._kinds.items():
            if pattern.search(question):
                return kind
        return "plain"

    def has_figure(self, text: str) -> bool:
        return self.figure_strength(text) > 0

    def figure_strength(self, text: str) -> float:
        """1 for a figure in digits, 0.5 for one in words ("four", "每季度"), 0 for none."""
        strong, weak = self._figures
        return 1.0 if strong.search(text) else 0.5 if weak.search(text) else 0.0

    def states_rule(self, text: str) -> bool:
        return bool(self._rule.search(text))
