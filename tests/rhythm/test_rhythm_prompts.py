"""prompts/rhythm.yaml: the en and zh trees have the same keys and the same placeholders, and the Chinese
uses full-width punctuation."""

from __future__ import annotations

import re
import string
from typing import Any

import yaml

from tests.rhythm.conftest import REPO

ASCII_PUNCTUATION = re.compile(r"[,;:?!()]")


def leaves(node: Any, path: str = "") -> dict[str, Any]:
    if isinstance(node, dict):
        return {
            k: v for key, child in node.items() for k, v in leaves(child, f"{path}.{key}".strip(".")).items()
        }
    if isinstance(node, list):
        return {f"{path}[{i}]": item for i, item in enumerate(node)}
    return {path: node}


def placeholders(text: str) -> set[str]:
    return {name for _, name, _, _ in string.Formatter().parse(text) if name}


def test_both_languages_say_the_same_things() -> None:
    data = yaml.safe_load((REPO / "prompts" / "rhythm.yaml").read_text(encoding="utf-8"))
    assert set(data) == {"en", "zh"}
    en, zh = leaves(data["en"]), leaves(data["zh"])
    assert set(en) == set(zh)
    for key, text in en.items():
        assert placeholders(str(text)) == placeholders(str(zh[key])), key
        bare = re.sub(r"\{[^}]*\}", "", str(zh[key]))
        assert not ASCII_PUNCTUATION.search(bare), (key, zh[key])
