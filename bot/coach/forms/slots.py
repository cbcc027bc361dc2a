"""A form's slots, declared as data: name, kind, whether required, choices, columns, default, validators.

What a slot is called and asked (label, aliases, question, hint, example, why) is wording, in the form's file
in `prompts/` under ``slots.<name>``; a slot declares only what the engine needs to ask and read it.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from bot.coach.reply import SlotKind

Validator = Callable[[Any], Any]
"""Checks (and may normalise) a parsed value; raises ``bot.errors.InputError`` to have it asked again."""


@dataclass(frozen=True)
class Slot:
    name: str
    kind: SlotKind
    required: bool = True
    choices: tuple[str, ...] = ()
    """Choice ids, in the order they are offered (labels are wording, under ``choices.<id>``)."""
    columns: tuple[Slot, ...] = ()
    """A table's columns, each a slot of its own kind."""
    default: Any = None
    """Taken when the user answers "default"; shown with the question."""
    validate: Validator | None = None
    validate_row: Validator | None = None
    min_rows: int = 1
    max_rows: int | None = None
    section: str = ""
    """The part of the form the slot belongs to, where a form has parts (an account plan's sections)."""
    wording: tuple[str, ...] = ()
    """Where the slot's wording is in the form's file: ``("slots", name)`` unless set (a table's columns
    share ``("columns", name)``)."""

    @property
    def key(self) -> str:
        return self.wording[-1] if self.wording else self.name

    @property
    def wording_path(self) -> tuple[str, ...]:
        return self.wording or ("slots", self.name)

    @property
    def is_table(self) -> bool:
        return self.kind == "table"

    @property
    def is_list(self) -> bool:
        return self.kind in ("table", "list")

    def column(self, name: str) -> Slot:
        return next(column for column in self.columns if column.name == name)


def is_filled(value: Any) -> bool:
    if value is None:
        return False
    if isinstance(value, (list, str, dict)):
        return len(value) > 0
    return True
