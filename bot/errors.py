"""The errors a person can act on, raised deep in the code and worded or mapped at the edge.

- ``InputError``: input the coach cannot use: a code naming what is wrong, and its parameters. The code is
  a key of `errors` in `prompts/forms.yaml`, so every adapter words it in the user's language; the
  parameters fill its placeholders (the text that could not be read, the options, the column...).
- ``SettingError``: a setting (an environment variable) that cannot be used; ``ServiceUnavailable``:
  something a setting names well that cannot be used now. The CLI entry (``bot.cli.main``) turns each into
  one line on stderr (exit 2 and 1), with no traceback (that goes to the log at DEBUG). Everything else that
  escapes a command is a bug: exit 1, logged with its traceback.
"""

from __future__ import annotations

from typing import Any


class InputError(ValueError):
    def __init__(self, code: str, **params: Any) -> None:
        super().__init__(f"{code}: {params}" if params else code)
        self.code = code
        self.params = params


class SettingError(ValueError):
    """A setting (an environment variable) that cannot be used. Settings are the user's input: exit 2.

    ``SettingError("KAM_DATA_DIR", "… is not writable")`` says "KAM_DATA_DIR: … is not writable"; with one
    argument, the message is that line as given (it names the setting itself: "KAM_LLM=x: …")."""

    def __init__(self, setting: str, problem: str | None = None) -> None:
        super().__init__(setting if problem is None else f"{setting}: {problem}")
        self.setting = setting if problem is not None else setting.partition("=")[0].partition(":")[0]
        self.problem = problem if problem is not None else setting


class ServiceUnavailable(RuntimeError):
    """Something the settings name well (a database server) that cannot be used now: exit 1. An error that
    is both (a subclass of each) counts as a ``SettingError``."""
