"""Rows of a CSV text, shared by the terminal commands (``bot.cli.rule_commands.read_csv``) and the
opportunity-ranking dialog (``bot.coach.prioritise_dialog``).

Blank lines and lines starting with ``#`` are skipped; the first remaining line is the header row. Each
header goes through a function that names its column (``None``: the column is ignored). Whatever is wrong
with the table as a whole (or a row with more cells than headers, or a broken quote) is a ``TableProblem``
with a ``code`` and its details; ``explain`` words it from the catalogue in either language.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Callable, Iterator, Sequence
from pathlib import Path
from typing import Any, NamedTuple


def normalise_header(header: str | None) -> str:
    """Case-insensitive, spaces and hyphens read as underscores: ``Outcome Value`` is ``outcome_value``."""
    return (header or "").strip().lower().replace(" ", "_").replace("-", "_")


class TableProblem(ValueError):
    """What is wrong with a table, by ``code``:

    - ``empty``: no header row (``details``: nothing)
    - ``repeated_column``: ``columns`` named more than once; ``found``, the header cells
    - ``missing_columns``: required ``columns`` not in the headers; ``found``, the header cells
    - ``too_many_cells``: a row (``line``) with ``cells`` cells under ``headers`` headers
    - ``no_rows``: headers but no data rows
    - ``unclosed_quote``: a cell opened with ``"`` on ``line`` is never closed (the rest of the text
      would otherwise be read as that one cell)
    - ``stray_quote``: text right after a quoted cell's closing ``"`` on ``line`` (``"a"b``)
    """

    def __init__(self, code: str, line: int | None = None, **details: Any) -> None:
        super().__init__(f"{code}" + (f" at line {line}" if line is not None else "") + f": {details}")
        self.code = code
        self.line = line
        self.details = details


class Row(NamedTuple):
    line: int
    """Line number in the text (of the row's last line, for a cell that spans lines)."""
    cells: dict[str, str]
    """Stripped cell text by column; a column the row is too short for is ``""``."""
    raw: list[str]
    """The row's cells as written."""


def _checked(reader: Any) -> Iterator[list[str]]:
    """The reader's rows, with a quoting error named as a ``TableProblem`` at the line where its row starts
    (``csv.Error`` says only "unexpected end of data", at the end of the file)."""
    while True:
        start = reader.line_num + 1
        try:
            row = next(reader)
        except StopIteration:
            return
        except csv.Error as error:
            code = "unclosed_quote" if "end of data" in str(error) else "stray_quote"
            line = start if code == "unclosed_quote" else reader.line_num
            raise TableProblem(code, line) from None
        yield row


def rows(
    text: str,
    required: Sequence[str] = (),
    *,
    column_of: Callable[[str], str | None] = normalise_header,
    extra_cells: bool = False,
) -> Iterator[Row]:
    """The data rows of a CSV text; ``extra_cells`` lets a row carry non-empty cells past the headers."""
    reader = csv.reader(io.StringIO(text, newline=""), strict=True)
    headers: list[str | None] | None = None
    found = 0
    for row in _checked(reader):
        if not any(cell.strip() for cell in row) or row[0].lstrip().startswith("#"):
            continue
        if headers is None:
            headers = [column_of(cell) or None for cell in row]
            named = [header for header in headers if header]
            repeated = sorted({header for header in named if named.count(header) > 1})
            if repeated:
                raise TableProblem("repeated_column", columns=repeated, found=row)
            missing = [column for column in required if column not in named]
            if missing:
                raise TableProblem("missing_columns", columns=missing, found=row)
            continue
        if not extra_cells and len(row) > len(headers) and any(cell.strip() for cell in row[len(headers) :]):
            raise TableProblem("too_many_cells", reader.line_num, cells=len(row), headers=len(headers))
        cells = {
            header: (row[i].strip() if i < len(row) else "") for i, header in enumerate(headers) if header
        }
        found += 1
        yield Row(reader.line_num, cells, row)
    if headers is None:
        raise TableProblem("empty")
    if found == 0:
        raise TableProblem("no_rows")


def explain(problem: TableProblem, prompts_dir: Path, language: str = "en") -> str:
    """What is wrong, in one line, from the catalogue (``errors.csv_<code>`` in ``prompts/forms.yaml``, the
    wording the forms use for the same problems)."""
    from bot.wording import Catalogue

    details = {
        key: ", ".join(str(item).strip() for item in value) if isinstance(value, list) else value
        for key, value in problem.details.items()
    }
    wording = Catalogue(Path(prompts_dir)).file("forms.yaml")
    return wording.text(language, "errors", f"csv_{problem.code}", line=problem.line, **details)  # type: ignore[arg-type]
