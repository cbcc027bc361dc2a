"""A table slot's rows from a CSV file: headers matched to columns by their names in either language,
every cell read by its column's parser (the same as typed answers), each bad row named by its line."""

from __future__ import annotations

import csv
from typing import Any

from bot import tabular
from bot.coach.forms.commands import normalise
from bot.coach.forms.form import Session
from bot.coach.forms.parsing import parse_row
from bot.coach.forms.slots import Slot
from bot.coach.turn import Attachment
from bot.errors import InputError

CSV_TYPES = ("text/csv", "application/csv", "text/comma-separated-values", "application/vnd.ms-excel")


def is_csv(attachment: Attachment) -> bool:
    return attachment.name.lower().endswith(".csv") or attachment.media_type in CSV_TYPES


def header_key(text: str) -> str:
    return normalise(text).replace(" ", "").replace("_", "").replace("-", "")


def rows_from_csv(
    s: Session, slot: Slot, attachment: Attachment
) -> tuple[list[dict[str, Any]], list[InputError]]:
    """The rows a CSV file gives a table slot, and an error for each row (or the file) that cannot be read."""
    if not is_csv(attachment):
        return [], [InputError("file_type", name=attachment.name)]
    try:
        text = attachment.content.decode("utf-8-sig")
    except UnicodeDecodeError:
        return [], [InputError("file_encoding")]
    columns = {
        header_key(word): column.name for column in slot.columns for word in s.form.slot_words(s, column)
    }
    required = [column.name for column in slot.columns if column.required]
    context = s.parse_context()
    rows: list[dict[str, Any]] = []
    problems: list[InputError] = []
    try:
        for row in tabular.rows(
            text, required, column_of=lambda header: columns.get(header_key(header)), extra_cells=True
        ):
            cells = [row.cells.get(column.name, "") for column in slot.columns]
            try:
                rows.append(parse_row(slot, cells, context))
            except InputError as error:
                problems.append(InputError("csv_row", line=row.line, error=error))
    except tabular.TableProblem as problem:
        details = {
            k: ", ".join(map(str, v)) if isinstance(v, list) else v for k, v in problem.details.items()
        }
        return [], [InputError(f"csv_{problem.code}", line=problem.line, **details)]
    except csv.Error as problem:
        return [], [InputError("csv_unclosed_quote", line=str(problem))]
    return rows, problems
