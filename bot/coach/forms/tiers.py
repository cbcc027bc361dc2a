"""Account tiers by total customer value (``kam_rules.tiering``, seed chunks 4-5) as a form: a table of
accounts typed row by row or attached as a CSV, then the customer value pyramid."""

from __future__ import annotations

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
from kam_rules.formatting import format_amount, format_share
from kam_rules.tiering import TIERS, VALUE_FIELDS, AccountValue, TieringInput, TieringResult, tier


def _not_negative(value: float) -> float:
    if value < 0:
        raise InputError("negative")
    return value


def _column(name: str) -> Slot:
    required = name == "profit_contribution"
    validate = None if name in ("profit_contribution", "potential_value") else _not_negative
    return Slot(name, "money", required=required, validate=validate, wording=("columns", name))


ACCOUNTS = Slot(
    "accounts",
    "table",
    columns=(Slot("name", "text", wording=("columns", "name")), *(_column(name) for name in VALUE_FIELDS)),
)


class TiersForm(Form):
    kind: ClassVar[str] = "tiers"
    intent = "tiers"
    wording_file = "tiers.yaml"

    def __init__(self) -> None:
        super().__init__([ACCOUNTS])

    def begin(self, s: Session) -> None:
        if not s.state.values.get(ACCOUNTS.name):
            s.lines.append(s.word("intro"))

    def situation(self, s: Session, text: str) -> Facts:
        """Two or more accounts told in prose, each with its profit and (if given) its cost to serve
        ("A公司利润300万、服务成本80万；B公司利润120万、服务成本60万", "Acme: profit 500k, cost to serve
        200k; ...")."""
        named = {
            str(k): [str(w) for w in v] for k, v in s.wording.data("situation", "values", default={}).items()
        }
        filler = [str(word) for word in s.wording.data("situation", "filler", default=[])]
        rows = []
        for n, piece in enumerate(prose.items(text), start=1):
            anchors = prose.words(piece, named)
            row: dict[str, object] = {}
            for anchor, tail in prose.segments(piece, anchors):
                found = prose.amounts(tail)
                if found and anchor.value not in row:
                    row[anchor.value] = found[0].value
            if "profit_contribution" not in row:
                continue
            name = prose.leftover(piece[: anchors[0].start], prose.amounts(piece[: anchors[0].start]), filler)
            rows.append({"name": name or s.word("situation_name", n=n), **row})
        return Facts({ACCOUNTS.name: rows}) if len(rows) >= 2 else Facts()

    def attach(self, s: Session, attachment: Attachment) -> bool:
        rows, problems = rows_from_csv(s, ACCOUNTS, attachment)
        s.lines.extend(describe_error(s, error, ACCOUNTS) for error in problems)
        if rows:
            self.add_rows(s, ACCOUNTS, rows, attachment.name)
            s.state.answered(ACCOUNTS.name)
            if not problems:
                s.state.finished.append(ACCOUNTS.name)
        return True

    def complete(self, s: Session) -> None:
        accounts = [AccountValue(**row) for row in s.values().get(ACCOUNTS.name) or []]
        s.show(show_tiers(s.words, tier(TieringInput(accounts=accounts, language=s.language))))
        s.cite(s.wording.data("result_cards", default=[]))
        s.closed = True


TABLE_COLUMNS = ("rank", "name", "tier", "value", "share", "rank_value", "unprofitable")


def show_tiers(words: FormWording, result: TieringResult) -> Shown:
    """The customer value pyramid: how many accounts in each tier, every account in order, the rationale."""
    language = words.language
    counts = {name: sum(1 for account in result.accounts if account.tier == name) for name in TIERS}
    rows: Rows = [
        [
            n,
            account.name,
            words.choice_label(account.tier),
            format_amount(account.total_value, language),
            format_share(account.cumulative_share, language),
            format_amount(account.rank_value, language),
            words.yes_or_blank(account.unprofitable),
        ]
        for n, account in enumerate(result.accounts, 1)
    ]
    table = words.table("table_title", "table_columns", TABLE_COLUMNS, rows)
    return Shown(lines=[words.word("result", **counts), result.rationale], tables=[table])
