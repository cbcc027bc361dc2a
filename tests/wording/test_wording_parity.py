"""Every prompt file has the one layout: an `en:` tree and a `zh:` tree with the same keys and, in every
string, the same {placeholders}; files without the two trees are data (patterns, exemplars), not wording.
The rules' own catalogue (kam_rules/wording.yaml) is held to the same layout."""

from __future__ import annotations

import string
from pathlib import Path
from typing import Any

import pytest
import yaml

ROOT = Path(__file__).resolve().parents[2]
PROMPTS = ROOT / "prompts"
FILES = [*sorted(PROMPTS.glob("*.yaml")), ROOT / "kam_rules" / "wording.yaml"]
DATA_FILES = {"intents.yaml", "offtopic_exemplars.yaml"}
"""Matching data: exemplars, keywords and patterns in either language, never shown to a user."""
WORDING = [f for f in FILES if f.name not in DATA_FILES]


def placeholders(text: str) -> set[str]:
    return {name for _, name, _, _ in string.Formatter().parse(text) if name is not None}


def compare(en: Any, zh: Any, path: str) -> list[str]:
    problems = []
    if isinstance(en, dict) and isinstance(zh, dict):
        for key in sorted(set(en) | set(zh), key=str):
            if key not in en or key not in zh:
                problems.append(f"{path}.{key}: only in {'en' if key in en else 'zh'}")
            else:
                problems += compare(en[key], zh[key], f"{path}.{key}")
    elif isinstance(en, list) and isinstance(zh, list):
        pass  # word lists (aliases, command words) differ in length and content by language
    elif isinstance(en, str) and isinstance(zh, str):
        if placeholders(en) != placeholders(zh):
            problems.append(f"{path}: placeholders {placeholders(en)} in en, {placeholders(zh)} in zh")
    elif type(en) is not type(zh):
        problems.append(f"{path}: {type(en).__name__} in en, {type(zh).__name__} in zh")
    return problems


def test_every_prompt_file_is_wording_or_declared_data():
    for file in FILES:
        data = yaml.safe_load(file.read_text(encoding="utf-8"))
        assert isinstance(data, dict), file.name
        assert ("en" in data and "zh" in data) or file.name in DATA_FILES, file.name


@pytest.mark.parametrize("file", WORDING, ids=lambda f: f.relative_to(ROOT).as_posix())
def test_both_languages_have_the_same_keys_and_placeholders(file: Path):
    data = yaml.safe_load(file.read_text(encoding="utf-8"))
    assert compare(data["en"], data["zh"], file.stem) == []


@pytest.mark.parametrize("file", WORDING, ids=lambda f: f.relative_to(ROOT).as_posix())
def test_chinese_wording_uses_full_width_punctuation(file: Path):
    """A comma, colon or bracket between Chinese characters, or between one and a {placeholder}, is written
    full-width (，：（）); a Chinese sentence has no half-width bracket at all ("时间{when}(UTC)" reads wrong
    whatever fills the blank)."""
    import re

    data = yaml.safe_load(file.read_text(encoding="utf-8"))
    chinese = re.compile(r"[\u4e00-\u9fff]")
    half = re.compile(r"[\u4e00-\u9fff}][,:;?!()]|[,:;?!(][\u4e00-\u9fff{]|[()]")

    def strings(node: Any):
        if isinstance(node, dict):
            for value in node.values():
                yield from strings(value)
        elif isinstance(node, list):
            for value in node:
                yield from strings(value)
        elif isinstance(node, str):
            yield node

    offending = [text for text in strings(data["zh"]) if chinese.search(text) and half.search(text)]
    assert offending == []
