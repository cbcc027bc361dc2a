"""Answers read back to the user: each kind shown the one way (amounts and shares by the one formatter)."""

from __future__ import annotations

from datetime import date
from typing import TYPE_CHECKING, Any

from bot.coach.forms.slots import Slot, is_filled
from bot.errors import InputError
from kam_rules.formatting import format_amount, format_date, format_number, format_share

if TYPE_CHECKING:
    from bot.coach.forms.form import Session


def join(s: Session, items: list[str]) -> str:
    return s.engine.text(s.language, "list_join").join(items) if items else ""


def show_value(s: Session, slot: Slot, value: Any) -> str:
    language = s.language
    if value is None or value == [] or value == "":
        return s.engine.text(language, "none")
    kind = slot.kind
    if kind == "money":
        return format_amount(float(value), language)
    if kind == "share":
        return format_share(float(value), language)
    if kind == "int":
        return format_number(int(value), language)
    if kind == "date":
        day = value if isinstance(value, date) else date.fromisoformat(str(value))
        return format_date(day, language)
    if kind == "person":
        return str(value.get("name") or value.get("id") or "") if isinstance(value, dict) else str(value)
    if kind == "bool":
        return s.engine.text(language, "yes" if value else "no")
    if kind == "choice":
        return s.form.choice_label(s, str(value))
    if kind == "list":
        return join(s, [str(item) for item in value])
    if kind == "table":
        return "; ".join(show_row(s, slot, row) for row in value)
    return str(value)


def show_row(s: Session, slot: Slot, row: Any) -> str:
    data = row.model_dump(mode="json") if hasattr(row, "model_dump") else dict(row)
    return " | ".join(show_value(s, column, data.get(column.name)) for column in slot.columns)


def label(s: Session, slot: Slot) -> str:
    return s.form.slot_wording(s, slot, "label") or slot.name


def answers_so_far(s: Session) -> list[str]:
    values = s.values()
    shown = [
        s.engine.text(
            s.language, "status_line", label=label(s, slot), value=show_value(s, slot, values[slot.name])
        )
        for slot in s.form.all_slots()
        if is_filled(values.get(slot.name))
    ]
    if not shown:
        return [s.engine.text(s.language, "status_none")]
    return ["\n".join([s.engine.text(s.language, "status_header"), *shown])]


def describe_error(s: Session, error: InputError, slot: Slot | None = None) -> str:
    """Why an answer could not be used, in the user's language (the code's wording, its blanks filled)."""
    params = dict(error.params)
    if error.code == "cell" and slot is not None:
        column = slot.column(params["column"])
        params["column"] = label(s, column)
        params["inner"] = describe_error(s, params["inner"], column)
    if error.code == "csv_row":
        params["reason"] = describe_error(s, params.pop("error"), slot)
    if error.code == "choice" and slot is not None:
        choices = s.form.choices(s, slot)
        params["options"] = join(s, [f"{n}. {choice.label}" for n, choice in enumerate(choices, 1)])
    if error.code == "columns" and slot is not None:
        params["columns"] = " | ".join(label(s, column) for column in slot.columns)
    return s.engine.text(s.language, "errors", error.code, **params)
