"""Sales coverage (``kam_rules.coverage``, seed chunks 17-23) as one form with three checks: where sales
are lost in the funnel, hours against potential across accounts (macro), and the revenue-generating share
of a timesheet (micro). The first question picks the check; only its inputs are asked."""

from __future__ import annotations

from typing import ClassVar

from bot.coach.forms.display import describe_error
from bot.coach.forms.form import Form, Session
from bot.coach.forms.slots import Slot
from bot.coach.forms.tables import rows_from_csv
from bot.coach.reply import Table
from bot.coach.turn import Attachment
from bot.errors import InputError
from kam_rules.coverage import (
    ACTIVITIES,
    FUNNEL_STAGES,
    AccountEffort,
    FunnelInput,
    MacroInput,
    MicroInput,
    diagnose_funnel,
    macro_efficiency,
    micro_efficiency,
)
from kam_rules.formatting import format_number, format_share


def _not_negative(value: float) -> float:
    if value < 0:
        raise InputError("negative")
    return value


MODE = Slot("mode", "choice", choices=("funnel", "macro", "micro"))
FUNNEL = tuple(Slot(stage, "share") for stage in FUNNEL_STAGES)
ACCOUNTS = Slot(
    "accounts",
    "table",
    columns=(
        Slot("name", "text", wording=("columns", "name")),
        Slot("potential", "money", validate=_not_negative, wording=("columns", "potential")),
        Slot("hours", "money", validate=_not_negative, wording=("columns", "hours")),
    ),
)
TIMESHEET = Slot(
    "timesheet",
    "table",
    columns=(
        Slot("activity", "choice", choices=ACTIVITIES, wording=("columns", "activity")),
        Slot("hours", "money", validate=_not_negative, wording=("columns", "hours")),
    ),
)


class CoverageForm(Form):
    kind: ClassVar[str] = "coverage"
    intent = "coverage"
    wording_file = "coverage.yaml"

    def __init__(self) -> None:
        super().__init__([MODE, *FUNNEL, ACCOUNTS, TIMESHEET])

    def needed(self, s: Session) -> list[str]:
        mode = s.values().get(MODE.name)
        if mode is None:
            return [MODE.name]
        wanted = {"funnel": list(FUNNEL), "macro": [ACCOUNTS], "micro": [TIMESHEET]}[mode]
        return [slot.name for slot in wanted if not self.settled(s, slot)]

    def begin(self, s: Session) -> None:
        s.lines.append(s.word("intro"))

    def attach(self, s: Session, attachment: Attachment) -> bool:
        mode = s.values().get(MODE.name)
        table = TIMESHEET if mode == "micro" else ACCOUNTS
        if mode is None:
            s.state.values[MODE.name] = "macro"
        rows, problems = rows_from_csv(s, table, attachment)
        s.lines.extend(describe_error(s, error, table) for error in problems)
        if rows:
            self.add_rows(s, table, rows, attachment.name)
            s.state.answered(table.name)
            if not problems:
                s.state.finished.append(table.name)
        return True

    def complete(self, s: Session) -> None:
        values = s.values()
        language = s.language
        mode = values[MODE.name]
        if mode == "funnel":
            diagnosis = diagnose_funnel(
                FunnelInput(**{stage: values[stage] for stage in FUNNEL_STAGES}, language=language)
            )
            rows: list[list[str | float | int | None]] = [
                [
                    s.word("slots", stage, "label"),
                    format_share(getattr(diagnosis.shares, stage), language),
                    format_share(getattr(diagnosis.benchmark, stage), language),
                ]
                for stage in FUNNEL_STAGES
            ]
            heads = s.wording.node(language, "funnel_columns")
            s.tables.append(Table(title=s.word("funnel_title"), columns=list(heads.values()), rows=rows))
            s.lines.append(diagnosis.rationale)
            s.cite(s.wording.data("cards", "funnel", default=[]))
        elif mode == "macro":
            accounts = [AccountEffort(**row) for row in values.get(ACCOUNTS.name) or []]
            macro = macro_efficiency(MacroInput(accounts=accounts, language=language))
            rows = [
                [
                    group.label,
                    group.accounts,
                    format_share(group.potential_share, language),
                    format_share(group.hours_share, language),
                    s.word("statuses", group.status),
                ]
                for group in macro.groups
            ]
            heads = s.wording.node(language, "macro_columns")
            s.tables.append(Table(title=s.word("macro_title"), columns=list(heads.values()), rows=rows))
            s.lines.append(macro.rationale)
            s.cite(s.wording.data("cards", "macro", default=[]))
        else:
            timesheet: dict[str, float] = {}
            for row in values.get(TIMESHEET.name) or []:
                timesheet[row["activity"]] = timesheet.get(row["activity"], 0.0) + row["hours"]
            micro = micro_efficiency(MicroInput(timesheet=timesheet, language=language))
            rows = [
                [
                    activity.label,
                    format_number(activity.hours, language),
                    format_share(activity.share, language),
                ]
                for activity in micro.activities
            ]
            heads = s.wording.node(language, "micro_columns")
            s.tables.append(Table(title=s.word("micro_title"), columns=list(heads.values()), rows=rows))
            s.lines.append(micro.rationale)
            s.cite(s.wording.data("cards", "micro", default=[]))
        s.closed = True
