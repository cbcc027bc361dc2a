"""The one error for input the coach cannot use: a code naming what is wrong, and its parameters.

The code is a key of `errors` in `prompts/forms.yaml`, so every adapter words it in the user's language;
the parameters fill its placeholders (the text that could not be read, the options, the column...).
"""

from __future__ import annotations

from typing import Any


class InputError(ValueError):
    def __init__(self, code: str, **params: Any) -> None:
        super().__init__(f"{code}: {params}" if params else code)
        self.code = code
        self.params = params
