"""The plan dialog's wording, read from ``prompts/plan_questions.yaml``: labels, questions, phrases, and how
values are shown back to the user. Nothing user-facing is written in the code."""

from __future__ import annotations

import re
from datetime import date
from pathlib import Path
from typing import Any

from babel.numbers import format_decimal, format_percent

from bot.coach.phrases import load_prompt_file
from bot.coach.reply import Language
from bot.plans.model import CATALOGUE, FIELDS, ColumnSpec, FieldSpec
from bot.plans.parsing import CellUnreadable, ParseContext, Unreadable

PROMPT_FILE = "plan_questions.yaml"
_LOCALES = {"en": "en", "zh": "zh_Hans_CN"}


def _norm(text: str) -> str:
    return re.sub(r"[\s_\-./()（）\"“”'‘’]+", "", text.casefold())


class PlanWording:
    def __init__(self, prompts_dir: Path) -> None:
        self.data = load_prompt_file(Path(prompts_dir), PROMPT_FILE)

    # ---------- phrases ----------
    def phrase(self, key: str, language: Language, **values: Any) -> str:
        text = str(self.data["phrases"][language][key])
        return text.format(**values) if values else text

    def section(self, section: str, language: Language) -> str:
        return self.data["sections"][section][language]

    def field(self, path: str) -> dict[str, Any]:
        return self.data["fields"][path]

    def label(self, path: str, language: Language) -> str:
        return self.field(path)["label"][language]

    def column(self, name: str, language: Language) -> str:
        return self.data["columns"][name][language]

    def choice(self, value: str, language: Language) -> str:
        entry = self.data["choices"].get(value)
        return entry[language] if entry else value

    def named(self, group: str, key: str, language: Language) -> str:
        """A label from one of the small tables: statuses, tiers, quadrants, events."""
        entry = self.data.get(group, {}).get(key)
        return entry[language] if entry else key

    def what(self, kind: str, language: Language) -> str:
        return self.data["what"][language][kind]

    def join(self, items: list[str], language: Language) -> str:
        return self.phrase("list_join", language).join(items)

    def plans_list(self, plans: list[Any], language: Language) -> str:
        """Plans (``PlanRecord``s) one a line with status and completeness, for chat and the CLI."""
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
                    updated=plan.updated_at.date().isoformat(),
                )
            )
        return "\n".join(lines)

    # ---------- commands and patterns ----------
    def command_words(self, command: str) -> list[str]:
        entry = self.data["commands"][command]
        return [word for language in ("en", "zh") for word in entry.get(language, [])]

    def is_command(self, text: str, command: str) -> bool:
        wanted = _norm(text.rstrip("!！.。"))
        return any(wanted == _norm(word) for word in self.command_words(command))

    def command_prefix(self, text: str, command: str) -> str | None:
        """What follows a command word at the start ("change industry" -> "industry"), or None."""
        stripped = text.strip()
        lowered = stripped.casefold()
        for word in sorted(self.command_words(command), key=len, reverse=True):
            if not lowered.startswith(word.casefold()):
                continue
            rest = stripped[len(word) :]
            if word.isascii() and rest and not rest[0].isspace():
                continue
            return rest.strip(" :：")
        return None

    def patterns(self, group: str) -> list[re.Pattern[str]]:
        entry = self.data.get(group, {})
        return [re.compile(pattern) for language in ("en", "zh") for pattern in entry.get(language, [])]

    def question_starts(self) -> list[str]:
        entry = self.data["question_starts"]
        return [word for language in ("en", "zh") for word in entry.get(language, [])]

    def parse_context(self, today: date, user_id: str | None, resolve_person=None) -> ParseContext:
        choice_words = {
            value: {
                "en": [entry["en"]],
                "zh": [entry["zh"]],
                "synonyms": list(entry.get("synonyms", [])),
            }
            for value, entry in self.data["choices"].items()
        }
        return ParseContext(
            today=today,
            user_id=user_id,
            resolve_person=resolve_person,
            choice_words=choice_words,
            self_words=tuple(w.casefold() for lang in ("en", "zh") for w in self.data["self_words"][lang]),
            yes_words=tuple(w.casefold() for lang in ("en", "zh") for w in self.data["yes_words"][lang]),
            no_words=tuple(w.casefold() for lang in ("en", "zh") for w in self.data["no_words"][lang]),
        )

    # ---------- fields by name ----------
    def find_field(self, text: str) -> FieldSpec | None:
        """A field by path (customer.industry), name (industry), label or alias, in either language."""
        wanted = _norm(text)
        if not wanted:
            return None
        exact: list[FieldSpec] = []
        partial: list[FieldSpec] = []
        for spec in CATALOGUE:
            entry = self.field(spec.path)
            names = [spec.path, spec.name, entry["label"]["en"], entry["label"]["zh"]]
            for language in ("en", "zh"):
                names.extend(entry.get("aliases", {}).get(language, []))
            normalised = {_norm(name) for name in names}
            if wanted in normalised:
                exact.append(spec)
            elif len(wanted) >= 3 and any(wanted in name for name in normalised):
                partial.append(spec)
        if exact:
            return exact[0]
        return partial[0] if len(partial) == 1 else None

    def field_names(self, language: Language) -> str:
        return self.join([self.label(spec.path, language) for spec in CATALOGUE], language)

    # ---------- questions ----------
    def options_text(self, choices: tuple[str, ...], language: Language) -> str:
        return self.join([f"{n}. {self.choice(c, language)}" for n, c in enumerate(choices, 1)], language)

    def columns_text(self, spec: FieldSpec, language: Language) -> str:
        return " | ".join(self.column(column.name, language) for column in spec.columns)

    def question(self, spec: FieldSpec, language: Language, *, account: str, number: int, total: int) -> str:
        entry = self.field(spec.path)
        values = {"account": account, "kinds": self._kinds(spec, language)}
        flag = "" if spec.required else self.phrase("flag_optional", language)
        lines = [
            self.phrase(
                "question_header",
                language,
                number=number,
                total=total,
                section=self.section(spec.section, language),
                label=entry["label"][language],
                flag=flag,
            ),
            entry["question"][language].format(**values),
            self.phrase("hint", language, hint=entry["hint"][language].format(**values)),
        ]
        if spec.kind == "choice":
            lines.append(self.phrase("options", language, options=self.options_text(spec.choices, language)))
        if spec.is_table:
            lines.append(self.phrase("columns", language, columns=self.columns_text(spec, language)))
        lines.append(self.phrase("example", language, example=entry["example"][language]))
        return "\n".join(lines)

    def _kinds(self, spec: FieldSpec, language: Language) -> str:
        kinds = next((column.choices for column in spec.columns if column.kind == "choice"), ())
        return self.join([self.choice(kind, language) for kind in kinds], language)

    # ---------- values shown back ----------
    def money(self, value: float, language: Language) -> str:
        return format_decimal(round(value, 2), locale=_LOCALES[language])

    def share(self, value: float, language: Language) -> str:
        return format_percent(value, format="#,##0.#%", locale=_LOCALES[language])

    def scalar(self, kind: str, value: Any, language: Language) -> str:
        if value is None:
            return self.phrase("none", language)
        if kind == "money":
            return self.money(float(value), language)
        if kind == "share":
            return self.share(float(value), language)
        if kind == "int":
            return format_decimal(int(value), locale=_LOCALES[language])
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
        if kind == "list_of_text":
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

    # ---------- why an answer could not be read ----------
    def reason(self, error: Unreadable, language: Language, spec: FieldSpec | None = None) -> str:
        reasons = self.data["reasons"][language]
        if isinstance(error, CellUnreadable):
            return reasons["cell"].format(
                column=self.column(error.column, language),
                cell=error.cell,
                inner=self.reason(error.inner, language),
            )
        params = dict(error.params)
        if error.reason == "columns" and spec is not None:
            params.setdefault("columns", self.columns_text(spec, language))
        return reasons[error.reason].format(**params)

    def unreadable(self, text: str, error: Unreadable, spec: FieldSpec, language: Language) -> str:
        return self.phrase(
            "unreadable",
            language,
            text=text.strip(),
            what=self.what(spec.kind, language),
            reason=self.reason(error, language, spec),
        )

    def options_for(self, language: Language):
        def options(column: ColumnSpec) -> str:
            return self.options_text(column.choices, language)

        return options


def field_spec(path: str) -> FieldSpec:
    return FIELDS[path]
