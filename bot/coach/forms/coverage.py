"""Sales coverage (``kam_rules.coverage``, seed chunks 17-23) as one form with three checks: where sales
are lost in the funnel, hours against potential across accounts (macro), and the revenue-generating share
of a timesheet (micro). The first question picks the check; only its inputs are asked."""

from __future__ import annotations

import re
from typing import ClassVar

from bot.coach.forms import facts as prose
from bot.coach.forms.display import describe_error
from bot.coach.forms.facts import Facts
from bot.coach.forms.form import Form, Session
from bot.coach.forms.results import FormWording, Rows, Shown
from bot.coach.forms.slots import Slot
from bot.coach.forms.tables import rows_from_csv
from bot.coach.turn import Attachment
from bot.errors import InputError
from kam_rules.coverage import (
    ACTIVITIES,
    FUNNEL_STAGES,
    AccountEffort,
    FunnelDiagnosis,
    FunnelInput,
    MacroEfficiency,
    MacroInput,
    MicroEfficiency,
    MicroInput,
    diagnose_funnel,
    macro_efficiency,
    micro_efficiency,
)
from kam_rules.formatting import format_amount, format_number, format_share


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

    def situation(self, s: Session, text: str) -> Facts:
        """A week of hours told in prose, two activities or more ("路上12小时、内部开会10小时", "10h driving,
        9h internal meetings"): the micro-efficiency check on that timesheet. Or a funnel, three stages or
        more as shares ("40% never contacted, 30% contacted but not pursued, 10% lost"): where sales are
        lost."""
        extra = s.wording.data("situation", "activities", default={})
        named = {
            activity: [*self.choice_words(s, activity), *extra.get(activity, [])] for activity in ACTIVITIES
        }
        stages = s.wording.data("situation", "stages", default={})
        rows: list[dict[str, object]] = []
        funnel: dict[str, float] = {}
        for piece in re.split(r"[,，、;；\n]", text):
            spent, activity = prose.hours(piece), prose.words(piece, named)
            if spent and activity:
                rows.append({"activity": activity[0].value, "hours": spent[0].value})
            share, stage = prose.shares(piece), prose.words(piece, stages)
            if share and stage and not spent:
                funnel.setdefault(stage[0].value, share[0].value)
        if len(rows) >= 2:
            return Facts({MODE.name: "micro", TIMESHEET.name: rows})
        if len(funnel) >= 3:  # where the sales are lost: "25% never contacted, 30% not pursued, 35% won"
            return Facts({MODE.name: "funnel", **funnel})
        accounts = self._accounts_in_prose(s, text)
        if len(accounts) >= 2:
            return Facts({MODE.name: "macro", ACCOUNTS.name: accounts})
        return Facts()

    @staticmethod
    def _accounts_in_prose(s: Session, text: str) -> list[dict[str, object]]:
        """Accounts told with their potential and hours ("ACME has 5M potential and gets 200 hours, Beta
        1M potential, 300 hours", "华为潜力500万，花了200小时；中兴潜力100万，花了300小时"), clause by clause:
        a clause naming a potential starts an account (its name is what is left of the clause), hours in it
        or in the clauses after it are that account's."""
        potential_words = {"potential": s.wording.data("situation", "potential", default=[])}
        filler = [str(word) for word in s.wording.data("situation", "filler", default=[])]
        accounts: list[dict[str, object]] = []
        for _, clause in prose.clauses(text):
            spent = prose.hours(clause)
            sizes = [
                size
                for size in prose.amounts(clause)
                if not any(h.start <= size.start < h.end for h in spent)
            ]
            named = prose.words(clause, potential_words)
            if sizes and named:
                name = prose.leftover(clause, [sizes[0], *named, *spent[:1]], filler)
                name = name or s.word("situation_name", n=len(accounts) + 1)
                accounts.append({"name": name, "potential": sizes[0].value})
            if spent and accounts and "hours" not in accounts[-1]:
                accounts[-1]["hours"] = spent[0].value
        return [account for account in accounts if "hours" in account]

    def rule_cards(self, s: Session) -> list[str]:
        mode = s.values().get(MODE.name) or "default"
        cards = s.wording.data("cards", mode, default=[])
        return [str(card) for card in (cards if isinstance(cards, list) else [cards])]

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
            funnel = FunnelInput(**{stage: values[stage] for stage in FUNNEL_STAGES}, language=language)
            s.show(show_funnel(s.words, diagnose_funnel(funnel)))
        elif mode == "macro":
            accounts = [AccountEffort(**row) for row in values.get(ACCOUNTS.name) or []]
            s.show(show_macro(s.words, macro_efficiency(MacroInput(accounts=accounts, language=language))))
        else:
            timesheet: dict[str, float] = {}
            for row in values.get(TIMESHEET.name) or []:
                timesheet[row["activity"]] = timesheet.get(row["activity"], 0.0) + row["hours"]
            micro = MicroInput(timesheet=timesheet, language=language)
            s.show(show_micro(s.words, micro_efficiency(micro)))
        s.cite(s.wording.data("cards", mode, default=[]))
        s.closed = True


FUNNEL_COLUMNS = ("stage", "yours", "benchmark")
MACRO_COLUMNS = (
    "group",
    "count",
    "potential",
    "hours",
    "status",
    "potential_total",
    "hours_total",
    "target_hours",
)
MACRO_ACCOUNT_COLUMNS = ("rank", "name", "potential", "hours", "status")
MICRO_COLUMNS = ("activity", "hours", "share", "revenue_generating")


def show_funnel(words: FormWording, diagnosis: FunnelDiagnosis) -> Shown:
    """Each stage of the funnel against the seed's benchmark, and what to fix first."""
    language = words.language
    rows: Rows = [
        [
            words.word("slots", stage, "label"),
            format_share(getattr(diagnosis.shares, stage), language),
            format_share(getattr(diagnosis.benchmark, stage), language),
        ]
        for stage in FUNNEL_STAGES
    ]
    table = words.table("funnel_title", "funnel_columns", FUNNEL_COLUMNS, rows)
    return Shown(lines=[diagnosis.rationale], tables=[table])


def show_macro(words: FormWording, macro: MacroEfficiency) -> Shown:
    """Hours against potential by group of accounts, then the accounts out of balance."""
    language = words.language
    groups: Rows = [
        [
            group.label,
            group.accounts,
            format_share(group.potential_share, language),
            format_share(group.hours_share, language),
            words.word("statuses", group.status),
            format_amount(group.potential, language),
            format_number(group.hours, language, decimals=1),
            format_number(group.target_hours, language, decimals=1),
        ]
        for group in macro.groups
    ]
    tables = [words.table("macro_title", "macro_columns", MACRO_COLUMNS, groups)]
    unbalanced: Rows = [
        [
            account.rank,
            account.name,
            format_share(account.potential_share, language),
            format_share(account.hours_share, language),
            words.word("statuses", account.status),
        ]
        for account in macro.accounts
        if account.status != "balanced"
    ]
    if unbalanced:
        columns = ("macro_account_columns", MACRO_ACCOUNT_COLUMNS)
        tables.append(words.table("macro_accounts_title", *columns, unbalanced))
    return Shown(lines=[macro.rationale], tables=tables)


def show_micro(words: FormWording, micro: MicroEfficiency) -> Shown:
    """Where a timesheet's hours go, revenue-generating activities first."""
    language = words.language
    rows: Rows = [
        [
            activity.label,
            format_number(activity.hours, language),
            format_share(activity.share, language),
            words.yes_or_blank(activity.revenue_generating),
        ]
        for activity in micro.activities
    ]
    table = words.table("micro_title", "micro_columns", MICRO_COLUMNS, rows)
    return Shown(lines=[micro.rationale], tables=[table])
