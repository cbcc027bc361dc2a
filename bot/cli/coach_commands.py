"""`kam-coach ask` and `kam-coach chat`: talking to the coach from the terminal."""

from __future__ import annotations

import argparse
import getpass
import logging
import sys
from pathlib import Path
from typing import Any

from pydantic import BaseModel, Field, ValidationError, field_validator

from bot.cli.common import BadInput, error_text, print_json

log = logging.getLogger(__name__)


class AskRequest(BaseModel):
    question: str = Field(min_length=1)

    @field_validator("question")
    @classmethod
    def _not_blank(cls, value: str) -> str:
        if not value.strip():
            raise ValueError("must not be empty")
        return value.strip()


def ask_payload(reply: Any) -> dict[str, Any]:
    """The `ask --json` object of contracts section 1 (plus the suggested next actions)."""
    return {
        "answer": reply.text,
        "language": reply.language,
        "mode": reply.mode,
        "intent": reply.intent,
        "sources": [
            {"id": c.id, "title": c.title, "seed_chunks": c.seed_chunks, "score": c.score}
            for c in reply.citations[:5]
        ],
        "actions": [a.model_dump() for a in reply.actions],
    }


def _read_batch(source: str) -> list[str]:
    """The questions of a batch, one a line (blank lines skipped), each checked like a single question."""
    try:
        text = sys.stdin.read() if source == "-" else Path(source).read_text(encoding="utf-8-sig")
    except FileNotFoundError:
        raise BadInput(f"--batch: file not found: {source}") from None
    except (OSError, UnicodeDecodeError) as bad:
        raise BadInput(f"--batch: cannot read {source} as UTF-8 text ({bad.__class__.__name__})") from None
    questions = []
    for number, line in enumerate(text.removeprefix("\ufeff").splitlines(), start=1):
        if not line.strip():
            continue
        try:
            questions.append(AskRequest(question=line).question)
        except ValidationError as invalid:
            raise BadInput(f"--batch line {number}: {error_text(invalid.errors()[0])}") from None
    return questions


def run_ask(args: argparse.Namespace) -> int:
    from bot.app import build_coach
    from bot.render_text import render_text

    if args.batch is None and args.question is None:
        raise BadInput("question: give a question, or --batch FILE (- for standard input)")
    questions = _read_batch(args.batch) if args.batch is not None else []
    if args.question is not None:
        questions.insert(0, AskRequest(question=args.question).question)
    if not questions:
        raise BadInput("--batch: no questions found (one question a line)")
    coach = build_coach(with_store=False)
    for question in questions:
        reply = coach.ask(question)
        if args.json:
            print_json(ask_payload(reply))
        else:
            sys.stdout.write(render_text(reply, coach.phrases) + "\n\n")
            sys.stdout.flush()
    return 0


def _default_user() -> str:
    try:
        return getpass.getuser()
    except (KeyError, OSError):
        return "local-user"


def run_chat(args: argparse.Namespace) -> int:
    from bot.app import build_coach
    from bot.coach.turn import Turn
    from bot.render_text import render_text

    interactive = sys.stdin.isatty()
    if interactive:  # the first run indexes the knowledge base: say so rather than sit silent
        sys.stdout.write("Loading the coach…\n")
        sys.stdout.flush()
    coach = build_coach(with_store=True)
    if interactive:
        sys.stdout.write(
            "KAM Coach. Ask a question, or say 'price a deal', 'start a plan for ACME'. Ctrl-D to quit.\n"
            "关键客户辅导：直接提问，或说“帮我报价”“给华为做个客户计划”。按 Ctrl-D 退出。\n"
        )
        state = coach.open_dialog(Turn(text="", user_id=args.user))
        if state is not None:
            sys.stdout.write(
                f"(You have an open {state.kind} dialog; type 'status' to see where you are."
                " 有未完成的对话，输入“状态”查看进度。)\n"
            )
    while True:
        if interactive:
            sys.stdout.write("\nyou> ")
            sys.stdout.flush()
        line = sys.stdin.readline()
        if not line:
            break
        text = line.strip()
        if not text:
            continue
        if (
            text.lower() in {"quit", "exit", "/quit", "退出"}
            and coach.open_dialog(Turn(text="", user_id=args.user)) is None
        ):
            break
        turn = Turn(text=text, user_id=args.user)
        try:
            reply = coach.handle(turn)
        except Exception:  # one bad turn must not end the conversation; what was saved stays saved
            log.exception("turn failed for %s", turn.conversation_key)
            reply = coach.failure_reply(turn)
        if args.json:
            print_json(reply)
        else:
            prefix = "coach> " if interactive else ""
            sys.stdout.write(prefix + render_text(reply, coach.phrases) + "\n")
            if not interactive:
                sys.stdout.write("\n")
            sys.stdout.flush()
    return 0


def register(subparsers: argparse._SubParsersAction) -> None:
    ask = subparsers.add_parser("ask", help="ask the coach one question (or a batch)")
    ask.add_argument("question", nargs="?", help="the question, in Chinese or English")
    ask.add_argument("--json", action="store_true", help="print one JSON object (contracts section 1)")
    ask.add_argument(
        "--batch", metavar="FILE", help="one question a line; - for standard input; JSON Lines out"
    )
    ask.set_defaults(func=run_ask)

    chat = subparsers.add_parser("chat", help="talk to the coach in the terminal")
    chat.add_argument("--user", default=_default_user(), help="who is talking (default: your login name)")
    chat.add_argument("--json", action="store_true", help="print each reply as one JSON object")
    chat.set_defaults(func=run_chat)
