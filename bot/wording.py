"""Every user-facing string, from the YAML files in `prompts/`: one layout, one loader.

The layout of a file: an `en:` tree and a `zh:` tree with the same keys and, in every string, the same
{placeholders} (tests/test_wording_parity.py checks every file); whatever is not worded per language
(patterns, aliases shared by both, card ids) sits under other top-level keys. Code asks for a string by
file, language and path, and never holds a sentence of its own.
"""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path
from typing import Any, Literal

import yaml

Language = Literal["en", "zh"]
LANGUAGES: tuple[Language, ...] = ("en", "zh")


# libyaml's loader where PyYAML was built with it: the cards and prompts parse 5-10x faster (a first
# index build parses ~100 card headers, every process the prompt files).
_Loader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


def parse_yaml(text: str) -> Any:
    """YAML text as `yaml.safe_load` reads it."""
    return yaml.load(text, Loader=_Loader)


@lru_cache(maxsize=64)
def load_prompt_file(prompts_dir: Path, name: str) -> dict[str, Any]:
    path = Path(prompts_dir) / name
    if not path.is_file():
        raise FileNotFoundError(f"prompt file missing: {path} (set KAM_PROMPTS_DIR)")
    return parse_yaml(path.read_text(encoding="utf-8")) or {}


class Wording:
    """One file of the catalogue."""

    def __init__(self, name: str, data: dict[str, Any]) -> None:
        self.name = name
        self.raw = data

    def node(self, language: Language, *path: str) -> Any:
        node: Any = self.raw[language]
        for part in path:
            try:
                node = node[part]
            except (KeyError, TypeError):
                raise KeyError(f"{self.name}: no {language}.{'.'.join(path)}") from None
        return node

    def has(self, language: Language, *path: str) -> bool:
        try:
            self.node(language, *path)
        except KeyError:
            return False
        return True

    def text(self, language: Language, *path: str, **values: Any) -> str:
        text = str(self.node(language, *path)).strip("\n")
        return text.format(**values) if values else text

    def words(self, *path: str) -> list[str]:
        """A list worded in both languages (command words, aliases), English and Chinese together."""
        found: list[str] = []
        for language in LANGUAGES:
            if self.has(language, *path):
                found.extend(str(item) for item in self.node(language, *path) or [])
        return found

    def data(self, *path: str, default: Any = None) -> Any:
        """Language-independent data beside the two trees."""
        node: Any = self.raw
        for part in path:
            if not isinstance(node, dict) or part not in node:
                return default
            node = node[part]
        return node


class Catalogue:
    def __init__(self, prompts_dir: Path) -> None:
        self.prompts_dir = Path(prompts_dir)

    def file(self, name: str) -> Wording:
        return _wording(self.prompts_dir, name)


@lru_cache(maxsize=64)
def _wording(prompts_dir: Path, name: str) -> Wording:
    return Wording(name, load_prompt_file(prompts_dir, name))
