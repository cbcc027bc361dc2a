"""Review dates for an account plan (``kam_rules.cadence``, seed chunks 33 and 35) as a form: the tier and
the start of the planning cycle, then every checkpoint and review."""

from __future__ import annotations

from datetime import date
from typing import ClassVar

from bot.coach.forms.form import Form, Session
from bot.coach.forms.slots import Slot
from bot.coach.reply import Table
from bot.errors import InputError
from kam_rules.cadence import MAX_MONTHS, ScheduleInput, plan_reviews
from kam_rules.formatting import format_date


def _months(value: int) -> int:
    if not 1 <= value <= MAX_MONTHS:
        raise InputError("int_range", low=1, high=MAX_MONTHS)
    return value


SLOTS = (
    Slot("tier", "choice", choices=("key", "important", "standard")),
    Slot("start", "date"),
    Slot("months", "int", default=12, validate=_months),
)


class CadenceForm(Form):
    kind: ClassVar[str] = "cadence"
    intent = "cadence"
    wording_file = "cadence.yaml"

    def __init__(self) -> None:
        super().__init__(SLOTS)

    def begin(self, s: Session) -> None:
        s.lines.append(s.word("intro"))

    def complete(self, s: Session) -> None:
        values = s.values()
        request = ScheduleInput(
            tier=values["tier"],
            start=date.fromisoformat(values["start"]),
            months=values.get("months", 12),
            language=s.language,
        )
        schedule = plan_reviews(request)
        rows: list[list[str | float | int | None]] = [
            [format_date(event.date, s.language), s.word("events", event.kind)] for event in schedule.events
        ]
        heads = s.wording.node(s.language, "table_columns")
        s.tables.append(Table(title=s.word("table_title"), columns=list(heads.values()), rows=rows))
        s.lines.append(schedule.rationale)
        s.cite(s.wording.data("result_cards", default=[]))
        s.closed = True
