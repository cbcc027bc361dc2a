"""The plan's wording for exports, reviews and lists, read from the catalogue (``prompts/plan.yaml`` and
``prompts/choices.yaml``); values shown back through the one formatter (``kam_rules.formatting``)."""

from __future__ import annotations

from datetime import date
from pathlib import Path
from typing import Any

from bot.plans.model import FieldSpec
from bot.wording import Catalogue, Language
from kam_rules.formatting import format_amount, format_date, format_number, format_share

PROMPT_FILE = "plan.yaml"

# Labels a plan shows that other forms own, each stored once in its owner's file: a tier is a choice, a
# quadrant the ranking's, a review event the review schedule's.
SHARED_LABELS: dict[str, tuple[str, ...]] = {
    "tiers": ("choices.yaml", "choices", "{key}", "label"),
    "quadrants": ("prioritise.yaml", "quadrants", "{key}"),
    "events": ("cadence.yaml", "events", "{key}"),
}


def shared_label(catalogue: Catalogue, group: str, key: str, language: Language) -> str:
    """A tier's, quadrant's or review event's label from the file that owns it; the key when it has none."""
    file, *path = SHARED_LABELS[group]
    where = [part.format(key=key) for part in path]
    wording = catalogue.file(file)
    return wording.text(language, *where) if wording.has(language, *where) else key


class PlanWording:
    def __init__(self, prompts_dir: Path | Catalogue) -> None:
        catalogue = prompts_dir if isinstance(prompts_dir, Catalogue) else Catalogue(Path(prompts_dir))
        self.catalogue = catalogue
        self.file = catalogue.file(PROMPT_FILE)
        self.choices = catalogue.file("choices.yaml")

    @property
    def data(self) -> dict[str, Any]:
        """The export and review sections by language, and the review questions with their fields."""
        raw = self.file.raw
        questions = [
            {
                **entry,
                "en": raw["en"]["review_questions"][entry["id"]],
                "zh": raw["zh"]["review_questions"][entry["id"]],
            }
            for entry in self.file.data("review_questions", default=[])
        ]
        return {
            "render": {language: raw[language]["render"] for language in ("en", "zh")},
            "review": {language: raw[language]["review"] for language in ("en", "zh")},
            "review_questions": questions,
        }

    def phrase(self, key: str, language: Language, **values: Any) -> str:
        return self.file.text(language, "phrases", key, **values)

    def section(self, section: str, language: Language) -> str:
        return self.file.text(language, "sections", section)

    def label(self, path: str, language: Language) -> str:
        return self.file.text(language, "slots", path, "label")

    def column(self, name: str, language: Language) -> str:
        return self.file.text(language, "columns", name, "label")

    def choice(self, value: str, language: Language) -> str:
        if self.choices.has(language, "choices", value, "label"):
            return self.choices.text(language, "choices", value, "label")
        return value

    def named(self, group: str, key: str, language: Language) -> str:
        """A label from one of the small tables: statuses (the plan's own), tiers, quadrants, events."""
        if group in SHARED_LABELS:
            return shared_label(self.catalogue, group, key, language)
        return self.file.text(language, group, key) if self.file.has(language, group, key) else key

    def join(self, items: list[str], language: Language) -> str:
        return self.phrase("list_join", language).join(items)

    def plans_list(self, plans: list[Any], language: Language) -> str:
        """Plans (``PlanRecord``s) one a line with status and completeness, for the CLI."""
        if not plans:
            return self.phrase("no_plans", language)
        lines = [self.phrase("plans_heading", language)]
        for plan in plans:
            lines.append(
                self.phrase(
                    "plans_line",
                    language,
                    account=plan.account_name,
                    status=self.named("statuses", plan.status, language),
                    percent=plan.completeness.percent(),
                    updated=format_date(plan.updated_at.date(), language),
                )
            )
        return "\n".join(lines)

    # ---------- values shown back ----------
    def money(self, value: float, language: Language) -> str:
        return format_amount(value, language)

    def scalar(self, kind: str, value: Any, language: Language) -> str:
        if value is None:
            return self.phrase("none", language)
        if kind == "money":
            return format_amount(float(value), language)
        if kind == "share":
            return format_share(float(value), language)
        if kind == "int":
            return format_number(int(value), language)
        if kind == "choice":
            return self.choice(str(value), language)
        if kind == "bool":
            return self.phrase("yes_word" if value else "no_word", language)
        if kind == "person":
            if isinstance(value, dict):
                return str(value.get("name") or value.get("id") or "")
            return str(getattr(value, "name", value))
        if kind == "date":
            return value.isoformat() if isinstance(value, date) else str(value)
        if kind == "list":
            return self.join([str(item) for item in value], language)
        return str(value)

    def row(self, spec: FieldSpec, row: Any, language: Language) -> str:
        data = row.model_dump(mode="json") if hasattr(row, "model_dump") else dict(row)
        return " | ".join(
            self.scalar(column.kind, data.get(column.name), language) for column in spec.columns
        )

    def value(self, spec: FieldSpec, value: Any, language: Language) -> str:
        if spec.is_table:
            return "; ".join(self.row(spec, row, language) for row in value or [])
        return self.scalar(spec.kind, value, language)
