"""The rules' sentences and labels, from ``kam_rules/wording.yaml`` (shipped inside the package).

kam_rules imports nothing from ``bot``, so it cannot use the coach's catalogue (``bot.wording``); it keeps
its own, in the same layout: an ``en:`` tree and a ``zh:`` tree with the same keys and placeholders. Code
asks for a string by language and path and never holds a sentence of its own.
"""

from __future__ import annotations

from functools import cache
from importlib.resources import files
from typing import Any, Literal

import yaml

Language = Literal["en", "zh"]
LANGUAGES: tuple[Language, ...] = ("en", "zh")


@cache
def _catalogue() -> dict[str, Any]:
    text = files("kam_rules").joinpath("wording.yaml").read_text(encoding="utf-8")
    return yaml.load(text, Loader=getattr(yaml, "CSafeLoader", yaml.SafeLoader))


def _node(language: Language, path: tuple[str, ...]) -> Any:
    node: Any = _catalogue()[language]
    for part in path:
        try:
            node = node[part]
        except (KeyError, TypeError):
            raise KeyError(f"kam_rules/wording.yaml: no {language}.{'.'.join(path)}") from None
    return node


def text(language: Language, *path: str, **values: Any) -> str:
    """The string at ``path`` in ``language``, its {placeholders} filled from ``values``."""
    template = str(_node(language, path))
    return template.format(**values) if values else template


def labels(language: Language, *path: str) -> dict[str, str]:
    """The labels under ``path`` by id, in the catalogue's order."""
    return {str(key): str(value) for key, value in _node(language, path).items()}


def join(language: Language, items: list[str], separator: str = "list_separator") -> str:
    """Items joined the language's way: "a, b" / "a、b" (``pair_separator``: "a and b" / "a和b")."""
    return text(language, separator).join(items)


def sentences(language: Language, *parts: str) -> str:
    """Sentences run together: a space between them in English, none in Chinese."""
    return text(language, "sentence_separator").join(part.strip() for part in parts if part.strip())
