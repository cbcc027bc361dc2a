"""What every CLI command shares: the bad-input error and JSON output."""

from __future__ import annotations

import json
import sys
from typing import Any

from pydantic import BaseModel, ValidationError


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
