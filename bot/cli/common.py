"""What every CLI command shares: the bad-input error, JSON output, and its wording (`prompts/`)."""

from __future__ import annotations

import argparse
import getpass
import json
import sys
from typing import TYPE_CHECKING, Any

from pydantic import BaseModel, ValidationError

if TYPE_CHECKING:
    from bot.wording import Catalogue, Language


class BadInput(Exception):
    """Input the user can fix: printed as one line on stderr, exit status 2."""


def error_text(error: Any) -> str:
    """What is wrong, from one of pydantic's errors, without its "Value error, " prefix."""
    return str(error.get("msg", "invalid value")).removeprefix("Value error, ")


def validation_message(error: ValidationError) -> str:
    """One line naming the field and what is wrong with it."""
    first = error.errors()[0]
    field = ".".join(str(part) for part in first.get("loc", ())) or "input"
    return f"{field}: {error_text(first)}"


def print_json(payload: BaseModel | dict[str, Any] | list[Any]) -> None:
    """One JSON object, one line, in UTF-8 whatever the terminal's encoding (contracts: --json output)."""
    data = payload.model_dump(mode="json") if isinstance(payload, BaseModel) else payload
    line = json.dumps(data, ensure_ascii=False) + "\n"
    sys.stdout.flush()
    buffer = getattr(sys.stdout, "buffer", None)
    if buffer is None:  # a text-only stand-in for stdout
        sys.stdout.write(line)
        sys.stdout.flush()
        return
    buffer.write(line.encode("utf-8"))
    buffer.flush()


def catalogue() -> Catalogue:
    """The wording catalogue (`prompts/`, or KAM_PROMPTS_DIR)."""
    from bot.settings import get_settings
    from bot.wording import Catalogue

    return Catalogue(get_settings().prompts_dir)


def language_of(args: argparse.Namespace) -> Language:
    """The language a command speaks: its ``--lang``, else KAM_LANGUAGE."""
    from bot.settings import get_settings

    lang = getattr(args, "lang", None)
    return get_settings().default_language if lang is None else lang


def cli_text(args: argparse.Namespace, *path: str, **values: Any) -> str:
    """One of the commands' own lines (`prompts/cli.yaml`), in the command's language."""
    return catalogue().file("cli.yaml").text(language_of(args), *path, **values)


def _default_user() -> str:
    try:
        return getpass.getuser()
    except (KeyError, OSError):
        return "local-user"


def user_id(text: str) -> str:
    """An argparse type for a user id: stripped, and never empty (an empty one is bad input)."""
    cleaned = text.strip()
    if not cleaned:
        raise argparse.ArgumentTypeError("must not be empty (a user id such as U0AM01)")
    return cleaned


def add_user_option(parser: argparse.ArgumentParser, help_text: str) -> None:
    """``--user ID``: who is asking, default the login name; an empty id is bad input, not an outsider."""
    parser.add_argument("--user", type=user_id, default=_default_user(), help=help_text)
