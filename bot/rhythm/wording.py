"""The rhythm's wording (``prompts/rhythm.yaml``) and how dates, spans and amounts are shown in each language.

Review event, plan status, tier and quadrant names come from the plan wording (``prompts/plan.yaml``), so
each label lives in one place; amounts go through the one formatter.
"""

from __future__ import annotations

from datetime import date, timedelta
from pathlib import Path
from typing import Any

from babel.dates import format_skeleton, format_timedelta
from babel.numbers import format_percent

from bot.plans.wording import PlanWording
from bot.rhythm.models import Language
from bot.wording import load_prompt_file
from kam_rules.formatting import format_amount

PROMPT_FILE = "rhythm.yaml"
LOCALES = {"en": "en", "zh": "zh_Hans_CN"}


class RhythmWording:
    def __init__(self, prompts_dir: Path) -> None:
        self.data = load_prompt_file(Path(prompts_dir), PROMPT_FILE)
        self.plan_wording = PlanWording(Path(prompts_dir))

    def phrase(self, key: str, language: Language, **values: Any) -> str:
        node: Any = self.data[language]
        for part in key.split("."):
            node = node[part]
        text = str(node).strip()
        return text.format(**values) if values else text

    def items(self, key: str, language: Language) -> list[str]:
        node: Any = self.data[language]
        for part in key.split("."):
            node = node[part]
        return [str(item) for item in node]

    def milestone_title(self, kind: str, title: str, language: Language) -> str:
        """The user's words, else the review event's name."""
        return title or self.plan_wording.named("events", kind, language)

    def status(self, status: str, language: Language) -> str:
        return self.plan_wording.named("statuses", status, language)

    def tier(self, tier: str, language: Language) -> str:
        return self.plan_wording.named("tiers", tier, language)

    @staticmethod
    def date(day: date, language: Language, *, year: bool = True) -> str:
        return format_skeleton("yMMMEd" if year else "MMMEd", day, locale=LOCALES[language])

    @staticmethod
    def days(count: int, language: Language) -> str:
        """``3 days`` / ``3天``."""
        return format_timedelta(
            timedelta(days=count), granularity="day", threshold=100_000, locale=LOCALES[language]
        )

    @staticmethod
    def percent(value: int, language: Language) -> str:
        """A whole percentage (45 -> ``45%``)."""
        return format_percent(value / 100, locale=LOCALES[language])

    @staticmethod
    def amount(value: float, language: Language) -> str:
        return format_amount(value, language)
