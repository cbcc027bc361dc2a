"""The `kam-coach` command: parses arguments, hands off to one command module, maps errors to exit codes.

Exit status (contracts section "All --json outputs"): 0 success, 2 bad input (one line on stderr; a
setting that cannot be used is bad input too), 1 any other failure (a database that cannot be reached: one
line; anything unexpected: logged with its traceback).
"""

from __future__ import annotations

import argparse
import importlib
import logging
import sys
from collections.abc import Sequence
from typing import NoReturn

from pydantic import ValidationError

from bot.cli.common import BadInput, validation_message
from bot.errors import ServiceUnavailable, SettingError

# Each module has register(subparsers); they import their heavy dependencies inside the handlers,
# so `kam-coach price` does not pay for loading the embedding model.
COMMAND_MODULES = (
    "bot.cli.coach_commands",
    "bot.cli.knowledge_commands",
    "bot.cli.rule_commands",
    "bot.cli.plan_commands",
    "bot.cli.rhythm_commands",
    "bot.cli.serve_commands",
)

LOG_LEVELS = ("DEBUG", "INFO", "WARNING", "ERROR", "CRITICAL")

log = logging.getLogger("kam_coach")
# Services log what they do at INFO by default; terminal commands (chat included: its stderr is the
# user's screen) keep stderr for warnings and errors.
SERVICES = frozenset({"serve", "scheduler"})


class _Parser(argparse.ArgumentParser):
    def error(self, message: str) -> NoReturn:  # argparse exits 2 too, but with a multi-line usage dump
        raise BadInput(message)


def build_parser() -> argparse.ArgumentParser:
    parser = _Parser(prog="kam-coach", description="KAM Coach: key account management coaching.")
    parser.add_argument(
        "--log-level",
        type=str.upper,
        choices=LOG_LEVELS,
        help="override KAM_LOG_LEVEL for this run (" + ", ".join(LOG_LEVELS) + ")",
    )
    subparsers = parser.add_subparsers(dest="command", metavar="COMMAND", parser_class=_Parser)
    subparsers.required = True
    for name in COMMAND_MODULES:
        try:
            module = importlib.import_module(name)
        except ModuleNotFoundError as missing:
            if missing.name != name:
                raise
            continue
        module.register(subparsers)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    from bot.logging_setup import configure_logging
    from bot.settings import get_settings

    try:
        args = build_parser().parse_args(argv)
        settings = get_settings()
        default = "INFO" if args.command in SERVICES else "WARNING"
        configure_logging(args.log_level or settings.log_level or default)
        return int(args.func(args) or 0)
    except BadInput as bad:
        sys.stderr.write(f"kam-coach: {bad}\n")
        return 2
    except (SettingError, ServiceUnavailable) as unusable:  # the user can act on it: one line, no traceback
        log.debug("kam-coach stopped", exc_info=True)
        sys.stderr.write(f"kam-coach: {' '.join(str(unusable).split())}\n")
        return 2 if isinstance(unusable, SettingError) else 1
    except ValidationError as invalid:
        sys.stderr.write(f"kam-coach: {validation_message(invalid)}\n")
        return 2
    except KeyboardInterrupt:
        return 130
    except Exception as failure:  # the last line of defence: log it, exit 1, never a bare traceback
        log.exception("kam-coach failed")
        sys.stderr.write(f"kam-coach: {failure}\n")
        return 1


def entry() -> None:
    sys.exit(main())
