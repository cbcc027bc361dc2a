"""Which opportunities first: the size-of-outcome x likelihood-of-success matrix (seed chunks 11-13).

"Which opportunities first?" / "我们该优先做哪些机会?" opens it. Opportunities are lines of
``name, kind, outcome value, likelihood`` (``ACME upgrade, increase_usage, 1.2万, 60%``; kinds in English or
Chinese, ``提高使用率``, ``交叉销售``...). Two or more lines in the opening message are ranked at once;
otherwise the dialog collects lines (several per message or one per message) until "done" / "好了".
In the terminal, ``prioritise examples/opportunities.csv`` reads a CSV file (columns name, kind,
outcome_value, success_probability); a Slack message never makes the bot read a file on its server.

A bad line is named (its number in the message and its text) with the reason, and the user is asked to
send it again; good lines of the same message are kept. The ranking is ``kam_rules.opportunities.prioritise``
(big at the median outcome value, likely at 50%); the reply lists the ranked opportunities with quadrant
and expected value and draws the 2x2 matrix in a monospace block. Wording: ``prompts/prioritise_dialog.yaml``.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import Any

from bot import tabular
from bot.coach.dialog import DialogContext, DialogOutcome, DialogState
from bot.coach.dialog_kit import (
    Commands,
    Wording,
    cite_cards,
    display_width,
    fmt_amount,
    pad,
    prompts_dir_of,
    truncate,
    turn_language,
)
from bot.coach.reply import Language, Reply
from bot.coach.turn import Turn
from bot.tabular import TableProblem
from kam_rules.money import UnreadableNumber, parse_amount, parse_share
from kam_rules.opportunities import OPPORTUNITY_KINDS, Opportunity, OpportunityMatrix, RankInput, prioritise
from kam_rules.rationale import fmt_share

WORDING_FILE = "prioritise_dialog.yaml"
CARDS = ["opportunity-prioritisation-matrix", "opportunity-types"]
_SEPARATORS = re.compile(r"\s*[,，\t|]\s*")
_SEPARATOR_CHARS = re.compile(r"[,，\t|]")
_ITEM_BREAK = re.compile(r"[;；]")
_BULLET = re.compile(r"^\s*(?:[-*•·]|\d{1,3}[.)、])\s+")
MATRIX_NAME_WIDTH = 26
COLUMNS = ("name", "kind", "outcome_value", "success_probability")


@dataclass
class Parsed:
    items: list[dict[str, Any]] = field(default_factory=list)
    problems: list[tuple[str, str, str]] = field(default_factory=list)
    """(where, line, reason) for each line that could not be read."""
    done: bool = False


class LineProblem(ValueError):
    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


def _kind_key(text: str) -> str:
    return re.sub(r"[\s_\-/()（）]+", "", text.lower())


class Reader:
    """Reads opportunity lines and CSV files with the wording file's kind names and column names."""

    def __init__(self, wording: Wording) -> None:
        self.wording = wording
        self.kind_of: dict[str, str] = {}
        for kind, names in wording.shared("kinds").items():
            for name in [kind, *names]:
                self.kind_of[_kind_key(str(name))] = kind
        self.columns: dict[str, str] = {}
        for column, names in wording.shared("csv_columns").items():
            for name in names:
                self.columns[_kind_key(str(name))] = column
        self.csv_request = re.compile(wording.shared("csv_request"))

    def kind(self, text: str) -> str | None:
        return self.kind_of.get(_kind_key(text))

    def column(self, header: str) -> str | None:
        return self.columns.get(_kind_key(header))

    def kinds_text(self, language: Language) -> str:
        separator = str(self.wording.node(language, "list_separator"))
        if language == "zh":
            return separator.join(self.wording.text("zh", "kind_names", kind) for kind in OPPORTUNITY_KINDS)
        return separator.join(OPPORTUNITY_KINDS)

    def item(self, line: str, language: Language) -> dict[str, Any]:
        """One opportunity from ``name, kind, outcome value, likelihood``, or a LineProblem."""
        tokens = [token for token in _SEPARATORS.split(line.strip()) if token != ""]
        if len(tokens) < 4:
            raise LineProblem(self._reason(language, "too_few_parts"))
        # name..., kind, value (a grouped number may have been split at its commas)..., likelihood
        kind_at = next((i for i in range(len(tokens) - 3, 0, -1) if self.kind(tokens[i])), None)
        if kind_at is None:
            raise LineProblem(self._reason(language, "unknown_kind", kinds=self.kinds_text(language)))
        name = ", ".join(tokens[:kind_at]).strip()
        if not name:
            raise LineProblem(self._reason(language, "no_name"))
        return self.build(
            name, self.kind(tokens[kind_at]) or "", ",".join(tokens[kind_at + 1 : -1]), tokens[-1], language
        )

    def build(self, name: str, kind: str, value_text: str, probability_text: str, language: Language) -> dict:
        try:
            value = parse_amount(value_text)
        except UnreadableNumber:
            raise LineProblem(self._reason(language, "bad_value", text=value_text)) from None
        if value < 0:
            raise LineProblem(self._reason(language, "negative_value", text=value_text))
        try:
            probability = parse_share(probability_text)
        except UnreadableNumber:
            raise LineProblem(self._reason(language, "bad_probability", text=probability_text)) from None
        return {"name": name[:200], "kind": kind, "outcome_value": value, "success_probability": probability}

    def _reason(self, language: Language, code: str, **values: Any) -> str:
        return self.wording.text(language, "reasons", code, **values)

    def lines(self, text: str, language: Language, commands: Commands, *, opening: bool) -> Parsed:
        """Every opportunity in a message. In the opening message only lines that look like one count
        (the request itself is not a bad line); later, every line that is not a command is read."""
        parsed = Parsed()
        pieces: list[tuple[int, str]] = []
        for number, line in enumerate(text.splitlines(), start=1):
            for piece in _ITEM_BREAK.split(line):
                if piece.strip():
                    pieces.append((number, piece.strip()))
        if pieces and commands.is_("done", pieces[-1][1]):
            parsed.done = True
            pieces.pop()
        for number, piece in pieces:
            candidate = _BULLET.sub("", piece)
            head, colon, tail = _split_colon(candidate)
            if colon and not _SEPARATOR_CHARS.search(head) and len(_SEPARATOR_CHARS.findall(tail)) >= 2:
                candidate = tail.strip()
            if opening and len(_SEPARATOR_CHARS.findall(candidate)) < 2:
                continue
            try:
                parsed.items.append(self.item(candidate, language))
            except LineProblem as problem:
                where = self.wording.text(language, "line_where", n=number)
                parsed.problems.append((where, piece, problem.reason))
        return parsed

    def csv_file(self, path_text: str, language: Language) -> tuple[Parsed, str | None]:
        """Opportunities from a CSV file, or an error message about the file as a whole."""
        path = Path(path_text).expanduser()
        if not path.is_file():
            return Parsed(), self.wording.text(language, "file_missing", path=path_text)
        try:
            content = path.read_bytes().decode("utf-8-sig")
        except (OSError, UnicodeDecodeError):
            return Parsed(), self.wording.text(language, "file_unreadable", path=path_text)
        parsed = Parsed()
        try:
            for row in tabular.rows(content, COLUMNS, column_of=self.column, extra_cells=True):
                cells = row.cells
                where = self.wording.text(language, "csv_where", path=path_text, n=row.line)
                try:
                    kind = self.kind(cells.get("kind", ""))
                    if kind is None:
                        raise LineProblem(
                            self._reason(language, "unknown_kind", kinds=self.kinds_text(language))
                        )
                    if not cells.get("name"):
                        raise LineProblem(self._reason(language, "no_name"))
                    parsed.items.append(
                        self.build(
                            cells["name"],
                            kind,
                            cells.get("outcome_value", ""),
                            cells.get("success_probability", ""),
                            language,
                        )
                    )
                except LineProblem as problem:
                    parsed.problems.append((where, ", ".join(row.raw), problem.reason))
        except TableProblem as problem:
            if problem.code in ("missing_columns", "repeated_column"):
                found = ", ".join(cell.strip() for cell in problem.details["found"])
                return Parsed(), self.wording.text(language, "file_columns", path=path_text, found=found)
            return Parsed(), self.wording.text(language, "file_empty", path=path_text)
        return parsed, None


def _split_colon(text: str) -> tuple[str, str, str]:
    match = re.search(r"[:：]", text)
    if not match:
        return text, "", ""
    return text[: match.start()], match.group(0), text[match.end() :]


@lru_cache(maxsize=4)
def _resources(prompts_dir: str) -> tuple[Wording, Commands, Reader]:
    wording = Wording.load(Path(prompts_dir), WORDING_FILE)
    return wording, Commands.load(Path(prompts_dir)), Reader(wording)


def opportunity_kind(text: str, prompts_dir: Path | str) -> str | None:
    """The canonical kind (``cross_sell``...) for a kind as people type it (``Cross-sell``, ``交叉销售``),
    from the wording file's synonym table; ``None`` for no known kind. The terminal command uses it too."""
    return _resources(str(prompts_dir))[2].kind(text)


def opportunity_column(header: str, prompts_dir: Path | str) -> str | None:
    """The column (``outcome_value``...) a CSV header names (``value``, ``成果规模``), or ``None``."""
    return _resources(str(prompts_dir))[2].column(header)


class PrioritiseDialog:
    kind = "prioritise"

    def claims(self, text: str, ctx: DialogContext) -> bool:
        """Starts without intent detection on `prioritise FILE.csv`, or on a message of opportunity lines."""
        _, commands, reader = _resources(str(prompts_dir_of(ctx)))
        if reader.csv_request.search(text):
            return True
        return bool(reader.lines(text, "en", commands, opening=True).items)

    # ---------- the Dialog protocol ----------
    def start(self, turn: Turn, ctx: DialogContext) -> DialogOutcome:
        wording, commands, reader = _resources(str(prompts_dir_of(ctx)))
        language = ctx.language
        state = DialogState(kind=self.kind, language=language, step="collect", data={"items": []})
        request = reader.csv_request.search(turn.text)
        if request:
            return self._from_csv(request["path"], turn, state, ctx, language)
        parsed = reader.lines(turn.text, language, commands, opening=True)
        state.data["items"].extend(parsed.items)
        if len(parsed.items) >= 2 and not parsed.problems:
            return self._finish(state, ctx, language, [])
        lines = self._problem_lines(wording, language, parsed.problems)
        if parsed.items:
            if parsed.done:
                return self._finish(state, ctx, language, lines)
            lines.append(self._so_far(wording, language, state, "got_so_far"))
        else:
            lines.append(wording.text(language, "ask_list", kinds=reader.kinds_text(language)))
        return self._reply(state, language, lines)

    def handle(self, turn: Turn, state: DialogState, ctx: DialogContext) -> DialogOutcome:
        wording, commands, reader = _resources(str(prompts_dir_of(ctx)))
        previous = state.language
        language = turn_language(turn.text, previous)
        state = state.model_copy(deep=True)
        state.language = language
        state.data.setdefault("items", [])
        items: list[dict[str, Any]] = state.data["items"]
        text = turn.text.strip()

        command = commands.which(text, "stop", "back", "status", "done")
        if command == "stop":
            reply = Reply(text=wording.text(language, "stopped"), language=language, intent="prioritise")
            return DialogOutcome(reply=reply, state=None)
        if command == "back":
            if not items:
                return self._reply(state, language, [wording.text(language, "nothing_to_remove")])
            removed = items.pop()
            lines = [wording.text(language, "removed_last", name=removed["name"])]
            lines.append(self._so_far(wording, language, state, "status"))
            return self._reply(state, language, lines)
        if command == "status":
            return self._reply(state, language, [self._so_far(wording, language, state, "status")])
        if command == "done":
            if not items:
                return self._reply(state, language, [wording.text(language, "none_yet")])
            return self._finish(state, ctx, language, [])

        request = reader.csv_request.search(text) or re.fullmatch(r"\s*(?P<path>\S+\.csv)\s*", text, re.I)
        if request:
            return self._from_csv(request["path"], turn, state, ctx, language)
        if commands.is_side_question(text) and len(_SEPARATOR_CHARS.findall(text)) < 2:
            answer = ctx.answer_question(text, language)
            lines = [answer.text.strip(), "", wording.text(language, "side_resume")]
            outcome = self._reply(state, language, lines)
            outcome.reply.citations = list(answer.citations)
            return outcome

        parsed = reader.lines(text, language, commands, opening=False)
        if (parsed.items or parsed.problems) and language != previous:
            # Opportunity lines mix names and kinds of either language: they keep the dialog's language.
            language = state.language = previous
            parsed = reader.lines(text, language, commands, opening=False)
        items.extend(parsed.items)
        lines = self._problem_lines(wording, language, parsed.problems)
        if parsed.done and items and not parsed.problems:
            return self._finish(state, ctx, language, lines)
        lines.append(self._so_far(wording, language, state, "got_so_far" if items else "status"))
        return self._reply(state, language, lines)

    # ---------- steps ----------
    def _from_csv(
        self, path: str, turn: Turn, state: DialogState, ctx: DialogContext, language: Language
    ) -> DialogOutcome:
        wording, _, reader = _resources(str(prompts_dir_of(ctx)))
        if turn.channel_id is not None:
            # Only the terminal may name files: a chat message must not make the server read its own files.
            return self._reply(state, language, [wording.text(language, "file_terminal_only")])
        parsed, error = reader.csv_file(path, language)
        if error is not None:
            lines = [error]
            if not state.data["items"]:
                lines.append(wording.text(language, "ask_list", kinds=reader.kinds_text(language)))
            return self._reply(state, language, lines)
        state.data["items"].extend(parsed.items)
        lines = self._problem_lines(wording, language, parsed.problems)
        if parsed.problems:
            lines.append(self._so_far(wording, language, state, "got_so_far"))
            return self._reply(state, language, lines)
        return self._finish(state, ctx, language, lines)

    def _finish(
        self, state: DialogState, ctx: DialogContext, language: Language, lines: list[str]
    ) -> DialogOutcome:
        wording = _resources(str(prompts_dir_of(ctx)))[0]
        opportunities = [Opportunity(**item) for item in state.data["items"]]
        matrix = prioritise(RankInput(opportunities=opportunities, language=language))
        text = "\n".join([*lines, *self._result_lines(wording, language, matrix)]).strip()
        reply = Reply(
            text=text,
            language=language,
            intent="prioritise",
            citations=cite_cards(ctx, CARDS, language),
            data=matrix.model_dump(mode="json"),
        )
        return DialogOutcome(reply=reply, state=None)

    def _result_lines(self, wording: Wording, language: Language, matrix: OpportunityMatrix) -> list[str]:
        def say(*path: str, **values: Any) -> str:
            return wording.text(language, *path, **values)

        threshold = fmt_amount(matrix.value_threshold or 0, language)
        probability = fmt_share(matrix.probability_threshold)
        lines = [
            say(
                "result_header",
                count=len(matrix.opportunities),
                value_threshold=threshold,
                source=say("source_median"),
                probability_threshold=probability,
            ),
            "",
        ]
        for ranked in matrix.opportunities:
            lines.append(
                say(
                    "result_line",
                    rank=ranked.rank,
                    name=ranked.name,
                    quadrant=say("quadrants", ranked.quadrant),
                    kind=say("kind_names", ranked.kind),
                    value=fmt_amount(ranked.outcome_value, language),
                    probability=fmt_share(ranked.success_probability),
                    expected=fmt_amount(round(ranked.expected_value, 2), language),
                )
            )
        lines += ["", say("matrix_title"), "```", *self._matrix(wording, language, matrix), "```", ""]
        lines.append(say("advice"))
        lines.append(matrix.rationale)
        lines.append(say("again"))
        return lines

    def _matrix(self, wording: Wording, language: Language, matrix: OpportunityMatrix) -> list[str]:
        """The 2x2 grid as plain text: likelihood down the side, size of outcome across."""
        value = fmt_amount(matrix.value_threshold or 0, language)
        probability = fmt_share(matrix.probability_threshold)

        def cell(quadrant: str) -> list[str]:
            title = wording.text(language, "quadrants", quadrant)
            title = title.upper() if language == "en" else f"【{title}】"
            names = [
                truncate(f"{r.rank}. {r.name}", MATRIX_NAME_WIDTH)
                for r in matrix.opportunities
                if r.quadrant == quadrant
            ]
            return [title, *(names or [wording.text(language, "empty_cell")])]

        columns = [
            wording.text(language, "axis_small", value=value),
            wording.text(language, "axis_big", value=value),
        ]
        rows = [
            (
                wording.text(language, "axis_likely", probability=probability),
                cell("opportunistic"),
                cell("act_now"),
            ),
            (
                wording.text(language, "axis_unlikely", probability=probability),
                cell("shelve"),
                cell("plan_attack"),
            ),
        ]
        side = max(display_width(row[0]) for row in rows)
        widths = [
            max(display_width(columns[i]), *(display_width(line) for row in rows for line in row[i + 1]))
            for i in range(2)
        ]
        rule = "-" * (side + 1) + "+" + "+".join("-" * (width + 2) for width in widths)
        out = [" " * side + " | " + " | ".join(pad(columns[i], widths[i]) for i in range(2)).rstrip(), rule]
        for label, left, right in rows:
            height = max(len(left), len(right))
            for n in range(height):
                head = label if n == 0 else ""
                cells = [left[n] if n < len(left) else "", right[n] if n < len(right) else ""]
                out.append(
                    (
                        pad(head, side) + " | " + " | ".join(pad(cells[i], widths[i]) for i in range(2))
                    ).rstrip()
                )
            out.append(rule)
        return out[:-1]

    # ---------- helpers ----------
    def _reply(self, state: DialogState, language: Language, lines: list[str]) -> DialogOutcome:
        reply = Reply(
            text="\n".join(lines).strip(),
            language=language,
            intent="prioritise",
            dialog=self.kind,
            data={"items": list(state.data["items"])},
        )
        return DialogOutcome(reply=reply, state=state)

    @staticmethod
    def _so_far(wording: Wording, language: Language, state: DialogState, key: str) -> str:
        items = state.data["items"]
        if not items:
            return wording.text(language, "status_none")
        names = str(wording.node(language, "list_separator")).join(item["name"] for item in items)
        return wording.text(language, key, count=len(items), names=names)

    @staticmethod
    def _problem_lines(
        wording: Wording, language: Language, problems: list[tuple[str, str, str]]
    ) -> list[str]:
        return [
            wording.text(language, "bad_line", where=where, line=line, reason=reason)
            for where, line, reason in problems
        ]
