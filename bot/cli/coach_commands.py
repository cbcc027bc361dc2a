"""`kam-coach ask` and `kam-coach chat`: talking to the coach from the terminal."""

from __future__ import annotations

import argparse
import logging
import re
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from pydantic import BaseModel, Field, ValidationError, field_validator

from bot.cli.common import BadInput, add_user_option, catalogue, cli_text, error_text, print_json
from bot.coach.forms.form import Form
from bot.coach.reply import Reply
from bot.coach.turn import Attachment, Turn
from bot.settings import Settings
from bot.wording import LANGUAGES

log = logging.getLogger(__name__)


class AskRequest(BaseModel):
    question: str = Field(min_length=1)

    @field_validator("question")
    @classmethod
    def _not_blank(cls, value: str) -> str:
        if not value.strip():
            raise ValueError("must not be empty")
        return value.strip()


ASK_INTENTS = ("question", "pricing", "plan", "prioritise", "other")
"""The intents contracts section 1 names. A rule the section does not name (tiers, skills, coverage, review
dates, milestones) answers a question: `question` (chat --json, section 9, carries the rule's own)."""


def ask_payload(reply: Any) -> dict[str, Any]:
    """The `ask --json` object of contracts section 1 (plus the suggested next actions)."""
    return {
        "answer": reply.text,
        "language": reply.language,
        "mode": reply.mode,
        "intent": reply.intent if reply.intent in ASK_INTENTS else "question",
        "sources": [
            {"id": c.id, "title": c.title, "seed_chunks": c.seed_chunks, "score": c.score}
            for c in reply.citations[:5]
        ],
        "actions": [a.model_dump() for a in reply.actions],
    }


class BatchLine(BaseModel):
    """One line of a batch file: a question, a comment (``#``) or a blank line (neither)."""

    line: int
    question: str | None = None
    comment: bool = False


def _read_batch(source: str) -> list[BatchLine]:
    """Every line of the batch, in order, each question checked like a single one; a line that is not
    UTF-8 is bad input naming it (before any model is loaded)."""
    try:
        data = _stdin_bytes() if source == "-" else Path(source).read_bytes()
    except FileNotFoundError:
        raise BadInput(f"--batch: file not found: {source}") from None
    except OSError as bad:
        raise BadInput(f"--batch: cannot read {source} ({bad.strerror or bad})") from None
    lines = []
    for number, raw in enumerate(data.removeprefix(b"\xef\xbb\xbf").splitlines(), start=1):
        try:
            text = raw.decode("utf-8")
        except UnicodeDecodeError:
            raise BadInput(f"--batch line {number}: not UTF-8 text") from None
        if not text.strip():
            lines.append(BatchLine(line=number))
        elif text.lstrip().startswith("#"):
            lines.append(BatchLine(line=number, comment=True))
        else:
            try:
                lines.append(BatchLine(line=number, question=AskRequest(question=text).question))
            except ValidationError as invalid:
                raise BadInput(f"--batch line {number}: {error_text(invalid.errors()[0])}") from None
    return lines


def _stdin_bytes() -> bytes:
    stream = getattr(sys.stdin, "buffer", None)
    return stream.read() if stream is not None else sys.stdin.read().encode("utf-8")


def _unanswered(item: BatchLine, language: str) -> dict[str, Any]:
    """The row of a line with no question: every field of an answer, empty, so rows line up with lines."""
    return {
        "answer": "",
        "language": language,
        "mode": "extractive",
        "intent": "other",
        "sources": [],
        "actions": [],
        "line": item.line,
        "error": None if item.comment else "empty_line",
        "comment": item.comment,
    }


def run_ask(args: argparse.Namespace) -> int:
    from bot.app import build_coach
    from bot.render_text import render_text

    if args.batch is None and args.question is None:
        raise BadInput("question: give a question, or --batch FILE (- for standard input)")
    batch = _read_batch(args.batch) if args.batch is not None else []
    single = AskRequest(question=args.question).question if args.question is not None else None
    if single is None and not any(item.question for item in batch):
        raise BadInput("--batch: no questions found (one question a line)")
    coach = build_coach(with_store=False)
    if single is not None:
        _answer(coach.ask(single), args.json, coach, render_text)
    for item in batch:
        if item.question is None:
            if args.json:  # JSON Lines: one row a line; the text output just leaves them out
                print_json(_unanswered(item, coach.default_language))
            continue
        reply = coach.ask(item.question)
        extra = {"line": item.line, "error": None, "comment": False}
        _answer(reply, args.json, coach, render_text, extra)
    return 0


def _answer(
    reply: Any, as_json: bool, coach: Any, render_text: Any, extra: dict[str, Any] | None = None
) -> None:
    if as_json:
        print_json({**ask_payload(reply), **(extra or {})})
    else:
        sys.stdout.write(render_text(reply, coach.catalogue) + "\n\n")
        sys.stdout.flush()


_CSV_PATH = re.compile(r"""(?:^|\s)["'“]?(?P<path>[^\s"'”]+\.csv)["'”]?(?=\s|$)""", re.IGNORECASE)


def attachments_in(text: str) -> list[Attachment]:
    """CSV files named in a line typed in the terminal, read here so that no form ever opens a file: the
    terminal's way of doing what an upload does in Slack."""
    found = []
    for match in _CSV_PATH.finditer(text):
        path = Path(match["path"]).expanduser()
        if path.is_file():
            found.append(Attachment(name=path.name, content=path.read_bytes(), media_type="text/csv"))
    return found


def save_files(reply: Reply, settings: Settings) -> list[dict[str, str]]:
    """Writes the files a reply hands over into KAM_DATA_DIR/exports; returns what was saved where."""
    saved = []
    folder = settings.ensure_data_dir() / "exports"
    folder.mkdir(exist_ok=True)
    for file in reply.files:
        stem, dot, suffix = file.name.rpartition(".")
        target = folder / file.name
        n = 1
        while target.exists():
            n += 1
            target = folder / f"{stem}-{n}{dot}{suffix}"
        target.write_text(file.content, encoding="utf-8")
        saved.append({"name": file.name, "media_type": file.media_type, "path": str(target)})
    return saved


def chat_payload(reply: Reply, saved: list[dict[str, str]]) -> dict[str, Any]:
    """The `chat --json` object of contracts section 9: a file is given by where it was saved."""
    payload = reply.model_dump(mode="json")
    payload["files"] = saved
    return payload


def run_chat(args: argparse.Namespace) -> int:
    from bot.app import build_coach
    from bot.render_text import render_text
    from bot.settings import get_settings

    settings = get_settings()
    interactive = sys.stdin.isatty()
    words = catalogue().file("cli.yaml")

    def both(*path: str, form: Form | None = None) -> str:  # who types, in which language, is not known yet
        lines = []
        for language in LANGUAGES:
            named = {"form": form.wording_name(coach.catalogue, language)} if form is not None else {}
            lines.append(words.text(language, *path, **named) + "\n")
        return "".join(lines)

    if interactive:  # the first run indexes the knowledge base: say so rather than sit silent
        sys.stdout.write(cli_text(args, "chat", "loading") + "\n")
        sys.stdout.flush()
    coach = build_coach(settings, with_store=True)
    if interactive:
        sys.stdout.write(both("chat", "banner"))
        state = coach.open_form(Turn(text="", user_id=args.user))
        if state is not None:
            sys.stdout.write(both("chat", "open_form", form=coach.forms[state.form]))
    unreadable = 0
    for number, line in enumerate(_input_lines(interactive), start=1):
        if line is None:  # one bad line is reported and skipped; the conversation goes on
            unreadable += 1
            sys.stderr.write(f"kam-coach: standard input line {number}: not UTF-8 text (skipped)\n")
            sys.stderr.flush()
            continue
        text = line.strip()
        if not text:
            continue
        if (
            text.lower() in {"quit", "exit", "/quit", "退出"}
            and coach.open_form(Turn(text="", user_id=args.user)) is None
        ):
            break
        turn = Turn(text=text, user_id=args.user, attachments=attachments_in(text))
        try:
            reply = coach.handle(turn)
        except Exception:  # one bad turn must not end the conversation; what was saved stays saved
            log.exception("turn failed for %s", turn.conversation_key)
            reply = coach.failure_reply(turn)
        saved = save_files(reply, settings)
        if args.json:
            print_json(chat_payload(reply, saved))
        else:
            prefix = "coach> " if interactive else ""
            shown = render_text(reply, coach.catalogue)
            words = coach.catalogue.file("render.yaml")
            for file in saved:
                shown += "\n" + words.text(reply.language, "file_saved", name=file["name"], path=file["path"])
            sys.stdout.write(prefix + shown + "\n")
            if not interactive:
                sys.stdout.write("\n")
            sys.stdout.flush()
    return 2 if unreadable else 0


def _input_lines(interactive: bool) -> Iterator[str | None]:
    """Standard input line by line, each decoded on its own (None for a line that is not UTF-8), so one
    bad line cannot end the conversation the way a text stream's UnicodeDecodeError did."""
    stream = getattr(sys.stdin, "buffer", None)
    while True:
        if interactive:
            sys.stdout.write("\nyou> ")
            sys.stdout.flush()
        raw = stream.readline() if stream is not None else sys.stdin.readline()
        if not raw:
            return
        if isinstance(raw, str):
            yield raw
            continue
        try:
            yield raw.decode("utf-8").removeprefix("\ufeff")
        except UnicodeDecodeError:
            yield None


def register(subparsers: argparse._SubParsersAction) -> None:
    ask = subparsers.add_parser("ask", help="ask the coach one question (or a batch)")
    ask.add_argument("question", nargs="?", help="the question, in Chinese or English")
    ask.add_argument("--json", action="store_true", help="print one JSON object (contracts section 1)")
    ask.add_argument(
        "--batch", metavar="FILE", help="one question a line; - for standard input; JSON Lines out"
    )
    ask.set_defaults(func=run_ask)

    chat = subparsers.add_parser("chat", help="talk to the coach in the terminal")
    add_user_option(chat, "who is talking (default: your login name)")
    chat.add_argument("--json", action="store_true", help="print each reply as one JSON object")
    chat.set_defaults(func=run_chat)
