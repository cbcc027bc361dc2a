"""Review dates for an account plan (``kam_rules.cadence``, seed chunks 33 and 35) as a form: the tier and
the start of the planning cycle, then every checkpoint and review."""

from __future__ import annotations

from datetime import date
from typing import ClassVar

from bot.coach.forms import facts as prose
from bot.coach.forms.facts import Facts
from bot.coach.forms.form import Form, Session
from bot.coach.forms.results import FormWording, Rows, Shown
from bot.coach.forms.slots import Slot
from bot.errors import InputError
from kam_rules.cadence import MAX_MONTHS, ReviewSchedule, ScheduleInput, plan_reviews
from kam_rules.formatting import format_date, format_weekday


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

    def situation(self, s: Session, text: str) -> Facts:
        """A tier and a start date told in prose ("刚定了5家关键客户，计划3月1号开始执行", "moved
        Northwind into the key tier, their plan starts Jan 6"): both, or nothing."""
        tiers = s.wording.data("situation", "tiers", default={})
        tier = prose.words(text, {name: tiers.get(name, []) for name in SLOTS[0].choices})
        start = prose.dates(text, s.tools.today())
        if not (tier and start):
            return Facts()
        return Facts({"tier": tier[0].value, "start": start[0].value.isoformat()})

    def complete(self, s: Session) -> None:
        values = s.values()
        request = ScheduleInput(
            tier=values["tier"],
            start=date.fromisoformat(values["start"]),
            months=values.get("months", 12),
            language=s.language,
        )
        s.show(show_schedule(s.words, plan_reviews(request)))
        s.cite(s.wording.data("result_cards", default=[]))
        s.closed = True


TABLE_COLUMNS = ("date", "event", "weekday")


def show_schedule(words: FormWording, schedule: ReviewSchedule) -> Shown:
    """Every checkpoint and review, by date, and the rationale."""
    language = words.language
    rows: Rows = [
        [
            format_date(event.date, language),
            words.word("events", event.kind),
            format_weekday(event.date, language),
        ]
        for event in schedule.events
    ]
    table = words.table("table_title", "table_columns", TABLE_COLUMNS, rows)
    return Shown(lines=[schedule.rationale], tables=[table])
