"""Which opportunities first: the size-of-outcome x likelihood-of-success matrix (``kam_rules.opportunities``,
seed chunks 11-13) as a form with one table slot.

Opportunities arrive as lines of ``name, kind, outcome value, likelihood`` (several in a message or one at a
time, then "done"), as rows separated by ``|``, or as a CSV file attached to the message (the terminal
attaches a CSV path typed in chat; Slack an uploaded file). Two or more lines in the opening message, or a
clean CSV, are ranked at once. A long list is summarised in the reply and handed over whole as a CSV file.
"""

from __future__ import annotations

import csv
import io
import re
from typing import Any, ClassVar

from bot.coach.forms import facts as prose
from bot.coach.forms.display import describe_error, join
from bot.coach.forms.facts import Facts
from bot.coach.forms.form import Form, Session
from bot.coach.forms.parsing import parse_row
from bot.coach.forms.results import FormWording, Rows, Shown
from bot.coach.forms.slots import Slot
from bot.coach.forms.tables import header_key, is_csv, rows_from_csv
from bot.coach.reply import Matrix, OutFile
from bot.coach.turn import Attachment
from bot.errors import InputError
from bot.wording import Catalogue
from kam_rules.formatting import format_amount, format_share
from kam_rules.opportunities import (
    OPPORTUNITY_KINDS,
    QUADRANT_ORDER,
    Opportunity,
    OpportunityMatrix,
    RankInput,
    prioritise,
)

SHOWN_ROWS = 30
"""A longer ranking is summarised: the table shows the first rows and the whole list comes as a file."""

_SEPARATORS = re.compile(r"\s*[,，\t|｜]\s*")
_SEPARATOR_CHARS = re.compile(r"[,，\t|｜]")
_ITEM_BREAK = re.compile(r"[;；]")
_BULLET = re.compile(r"^\s*(?:[-*•·]|\d{1,3}[.)、])\s+")


def _not_negative(value: float) -> float:
    if value < 0:
        raise InputError("negative")
    return value


COLUMNS = (
    Slot("name", "text", wording=("columns", "name")),
    Slot("kind", "choice", choices=OPPORTUNITY_KINDS, wording=("columns", "kind")),
    Slot("outcome_value", "money", validate=_not_negative, wording=("columns", "outcome_value")),
    Slot("success_probability", "share", wording=("columns", "success_probability")),
)
OPPORTUNITIES = Slot("opportunities", "table", columns=COLUMNS)


class PrioritiseForm(Form):
    kind: ClassVar[str] = "prioritise"
    intent = "prioritise"
    wording_file = "prioritise.yaml"

    def __init__(self) -> None:
        super().__init__([OPPORTUNITIES])

    def claims(self, s: Session, text: str) -> bool:
        """A request with a CSV attached, or a message of two or more opportunity lines."""
        request = re.search(s.wording.data("request"), text or "")
        if request and any(is_csv(a) for a in s.turn.attachments):
            return True
        rows, _ = self._lines(s, text, opening=True)
        return len(rows) >= 2

    def question_values(self, s: Session) -> dict[str, Any]:
        return {"kinds": join(s, [self.choice_label(s, kind) for kind in OPPORTUNITY_KINDS])}

    def situation(self, s: Session, text: str) -> Facts:
        """Two or more opportunities told in prose, each with a kind, a size and odds
        ("A客户交叉销售大概200万、七成把握；B客户提价50万、三成把握", "upsell at Acme ~$300k, 60% likely;
        price rise at Beta $80k, 90%")."""
        rows, _ = self._lines(s, text, opening=True)
        if len(rows) >= 2:
            return Facts({OPPORTUNITIES.name: rows})
        extra = s.wording.data("situation", "kinds", default={})
        kinds = {kind: [*self.choice_words(s, kind), *extra.get(kind, [])] for kind in OPPORTUNITY_KINDS}
        filler = [str(word) for word in s.wording.data("situation", "filler", default=[])]
        rows = []
        for n, piece in enumerate(prose.items(text), start=1):
            sizes, odds, kind = prose.amounts(piece), prose.shares(piece), prose.words(piece, kinds)
            if not (sizes and odds and kind):
                continue
            name = prose.leftover(piece, [sizes[0], odds[0], kind[0]], filler)
            rows.append(
                {
                    "name": name or s.word("situation_name", n=n),
                    "kind": kind[0].value,
                    "outcome_value": sizes[0].value,
                    "success_probability": odds[0].value,
                }
            )
        return Facts({OPPORTUNITIES.name: rows}) if len(rows) >= 2 else Facts()

    # ---------- rows ----------
    def _lines(self, s: Session, text: str, *, opening: bool) -> tuple[list[dict[str, Any]], list[str]]:
        """The opportunities in a message, and a line saying what is wrong with each bad one. In the opening
        message only lines that look like an opportunity count (the request itself is not a bad line)."""
        rows: list[dict[str, Any]] = []
        problems: list[str] = []
        context = s.parse_context()
        pieces = [
            (number, piece.strip())
            for number, line in enumerate(text.splitlines(), start=1)
            for piece in _ITEM_BREAK.split(line)
            if piece.strip()
        ]
        for number, piece in pieces:
            candidate = _BULLET.sub("", piece)
            head, _, tail = candidate.partition(":") if ":" in candidate else candidate.partition("：")
            if tail and not _SEPARATOR_CHARS.search(head) and len(_SEPARATOR_CHARS.findall(tail)) >= 2:
                candidate = tail.strip()
            if len(_SEPARATOR_CHARS.findall(candidate)) < (2 if opening else 1):
                if not opening and s.tools.commands.command(candidate) is None:
                    problems.append(self._bad_line(s, number, piece, s.word("reasons", "too_few_parts")))
                continue
            try:
                rows.append(parse_row(OPPORTUNITIES, self._cells(s, candidate), context))
            except InputError as error:
                problems.append(self._bad_line(s, number, piece, describe_error(s, error, OPPORTUNITIES)))
        return rows, problems

    def _cells(self, s: Session, line: str) -> list[str]:
        """name..., kind, value (a grouped number may have been split at its commas)..., likelihood."""
        tokens = [token for token in _SEPARATORS.split(line.strip()) if token != ""]
        if len(tokens) < 4:
            raise InputError("columns", count=4, given=len(tokens))
        kind_column = OPPORTUNITIES.column("kind")
        context = s.parse_context()

        def is_kind(token: str) -> bool:
            try:
                from bot.coach.forms.parsing import parse_choice

                parse_choice(token, kind_column.choices, context)
            except InputError:
                return False
            return True

        kind_at = next((i for i in range(len(tokens) - 3, 0, -1) if is_kind(tokens[i])), None)
        if kind_at is None:
            kinds = join(s, [self.choice_label(s, kind) for kind in OPPORTUNITY_KINDS])
            raise InputError(
                "cell", column="kind", cell=tokens[-3], inner=InputError("choice", options=kinds)
            )
        name = ", ".join(tokens[:kind_at]).strip()
        return [name, tokens[kind_at], ",".join(tokens[kind_at + 1 : -1]), tokens[-1]]

    def _bad_line(self, s: Session, number: int, line: str, reason: str) -> str:
        return s.word("bad_line", where=s.word("line_where", n=number), line=line, reason=reason)

    def _take(self, s: Session, rows: list[dict[str, Any]], problems: list[str], *, rank_now: bool) -> None:
        s.lines.extend(problems)
        if rows:
            self.add_rows(s, OPPORTUNITIES, rows, "")
            s.state.answered(OPPORTUNITIES.name)
        if rank_now and rows and not problems and OPPORTUNITIES.name not in s.state.finished:
            s.state.finished.append(OPPORTUNITIES.name)

    # ---------- hooks ----------
    def begin(self, s: Session) -> None:
        if s.state.values.get(OPPORTUNITIES.name):
            return  # a CSV came with the request
        rows, problems = self._lines(s, s.turn.text, opening=True)
        rank_now = len(rows) >= 2 and not problems
        if not rank_now:
            s.lines.append(s.word("intro", kinds=self.question_values(s)["kinds"]))
        self._take(s, rows, problems, rank_now=rank_now)

    def attach(self, s: Session, attachment: Attachment) -> bool:
        rows, problems = rows_from_csv(s, OPPORTUNITIES, attachment)
        lines = [describe_error(s, error, OPPORTUNITIES) for error in problems]
        self._take(s, rows, lines, rank_now=True)
        return True

    def interpret(self, s: Session, slot: Slot, text: str) -> bool:
        lines = [line for line in text.splitlines() if line.strip()]
        done = bool(lines) and s.tools.commands.is_("done", lines[-1])
        body = "\n".join(lines[:-1] if done else lines)
        if "|" in body or "｜" in body:
            return False  # rows in the engine's own format
        rows, problems = self._lines(s, body, opening=False)
        self._take(s, rows, problems, rank_now=False)
        if rows:
            s.say("rows_added", count=len(rows), total=len(s.values()[OPPORTUNITIES.name]))
        if done and s.values().get(OPPORTUNITIES.name) and not problems:
            s.state.finished.append(OPPORTUNITIES.name)
        return True

    # ---------- the ranking ----------
    def complete(self, s: Session) -> None:
        opportunities = [Opportunity(**row) for row in s.values().get(OPPORTUNITIES.name) or []]
        matrix = prioritise(RankInput(opportunities=opportunities, language=s.language))
        shown = show_ranking(s.words, matrix, threshold_given=False, shown_rows=SHOWN_ROWS)
        if len(matrix.opportunities) > SHOWN_ROWS:
            file = self._export(matrix)
            s.files.append(file)
            total = len(matrix.opportunities)
            shown.lines.insert(1, s.word("long_list", shown=SHOWN_ROWS, total=total, file=file.name))
        s.show(shown)
        s.cite(s.wording.data("result_cards", default=[]))
        s.closed = True

    @staticmethod
    def _export(matrix: OpportunityMatrix) -> OutFile:
        out = io.StringIO()
        writer = csv.writer(out)
        writer.writerow(
            ["rank", "name", "kind", "quadrant", "outcome_value", "success_probability", "expected_value"]
        )
        for r in matrix.opportunities:
            writer.writerow(
                [r.rank, r.name, r.kind, r.quadrant, r.outcome_value, r.success_probability, r.expected_value]
            )
        return OutFile(name="opportunities-ranked.csv", media_type="text/csv", content=out.getvalue())


TABLE_COLUMNS = ("rank", "name", "quadrant", "kind", "value", "probability", "expected")


def show_ranking(
    words: FormWording, matrix: OpportunityMatrix, *, threshold_given: bool, shown_rows: int | None = None
) -> Shown:
    """The ranking as a table (its first ``shown_rows`` rows), the 2x2 matrix, the advice, the rationale."""
    language = words.language
    ranked = matrix.opportunities
    header = words.word(
        "result_header",
        count=len(ranked),
        value_threshold=format_amount(matrix.value_threshold or 0, language),
        source=words.word("source_given" if threshold_given else "source_median"),
        probability_threshold=format_share(matrix.probability_threshold, language),
    )
    quadrants = {quadrant: words.word("quadrants", quadrant) for quadrant in QUADRANT_ORDER}
    rows: Rows = [
        [
            r.rank,
            r.name,
            quadrants[r.quadrant],
            words.choice_label(r.kind),
            format_amount(r.outcome_value, language),
            format_share(r.success_probability, language),
            format_amount(round(r.expected_value, 2), language),
        ]
        for r in ranked
    ]
    shown = rows if shown_rows is None else rows[:shown_rows]
    total_rows = len(rows) if len(shown) < len(rows) else None
    table = words.table("table_title", "table_columns", TABLE_COLUMNS, shown, total_rows)
    grid = Matrix(
        **{quadrant: [r.name for r in ranked if r.quadrant == quadrant] for quadrant in QUADRANT_ORDER},
        labels=quadrants,
    )
    return Shown(lines=[header, words.word("advice"), matrix.rationale], tables=[table], matrix=grid)


def _names(catalogue: Catalogue, file: str, *path: str) -> list[str]:
    wording = catalogue.file(file)
    names: list[str] = []
    for language in ("en", "zh"):
        for part in ("label", "aliases", "synonyms"):
            if wording.has(language, *path, part):
                node = wording.node(language, *path, part)
                names.extend(str(n) for n in (node if isinstance(node, list) else [node]))
    return names


def opportunity_kind(text: str, catalogue: Catalogue) -> str | None:
    """The kind (``cross_sell``...) for a kind as people type it (``Cross-sell``, ``交叉销售``), or None:
    the same names the form accepts, for the terminal's `prioritise` command."""
    wanted = header_key(text)
    for kind in OPPORTUNITY_KINDS:
        if wanted in {
            header_key(kind),
            *(header_key(n) for n in _names(catalogue, "choices.yaml", "choices", kind)),
        }:
            return kind
    return None


def opportunity_column(header: str, catalogue: Catalogue) -> str | None:
    """The column (``outcome_value``...) a CSV header names (``value``, ``成果规模``), or None."""
    wanted = header_key(header)
    for column in COLUMNS:
        if wanted in {
            header_key(column.name),
            *(header_key(n) for n in _names(catalogue, "prioritise.yaml", "columns", column.name)),
        }:
            return column.name
    return None
