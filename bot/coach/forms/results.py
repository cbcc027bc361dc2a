"""What a rule's result shows, the same in chat and in the terminal's rule commands (`kam-coach tiers`...).

Each rule form declares, beside its form, a function from the rule's result to ``Shown``: sentences, tables,
the opportunity matrix. The form adds them to its reply; the CLI puts them in a ``Reply`` of its own and
draws it with the terminal renderer. Words come from the form's file in `prompts/` (choice labels from
`choices.yaml`), numbers from ``kam_rules.formatting``: one wording and one formatter for both adapters.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from bot.coach.reply import Decision, Matrix, Table
from bot.wording import Catalogue, Language, Wording

Rows = list[list[str | float | int | None]]


@dataclass(frozen=True)
class FormWording:
    """A form's file of the catalogue, in one language."""

    catalogue: Catalogue
    file: str
    language: Language

    @property
    def wording(self) -> Wording:
        return self.catalogue.file(self.file)

    def word(self, *path: str, **values: Any) -> str:
        return self.wording.text(self.language, *path, **values)

    def choice_label(self, choice: str) -> str:
        """A choice's label: the form's own, else the shared one in choices.yaml, else its id."""
        for wording in (self.wording, self.catalogue.file("choices.yaml")):
            if wording.has(self.language, "choices", choice, "label"):
                return wording.text(self.language, "choices", choice, "label")
        return choice

    def yes_or_blank(self, flag: bool) -> str:
        """A yes/no column: "yes" where it holds, empty where it does not (easier to scan than "no")."""
        return self.catalogue.file("forms.yaml").text(self.language, "yes") if flag else ""

    def table(
        self, title: str, columns: str, keys: tuple[str, ...], rows: Rows, total_rows: int | None = None
    ) -> Table:
        """A table titled by the string at ``title``, its headers those under ``columns`` named by ``keys``
        (in that order: a file may word more columns than one table shows)."""
        headers = [self.word(columns, key) for key in keys]
        return Table(title=self.word(title), columns=headers, rows=rows, total_rows=total_rows)


@dataclass
class Shown:
    """What a result adds to a reply."""

    lines: list[str] = field(default_factory=list)
    tables: list[Table] = field(default_factory=list)
    matrix: Matrix | None = None
    decision: Decision | None = None
