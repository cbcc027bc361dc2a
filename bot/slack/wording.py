"""Everything the Slack app says, from ``prompts/slack.yaml`` (an ``en`` and a ``zh`` tree with identical
keys and placeholders; language-independent data, such as the ``/kam`` sub-command aliases, beside them)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from bot.wording import Language, load_prompt_file

PROMPT_FILE = "slack.yaml"


class SlackWording:
    def __init__(self, prompts_dir: Path) -> None:
        self.data = load_prompt_file(prompts_dir, PROMPT_FILE)

    def text(self, key: str, language: Language, **values: Any) -> str:
        node: Any = self.data[language]
        for part in key.split("."):
            node = node[part]
        text = str(node).strip()
        return text.format(**values) if values else text

    def node(self, key: str, language: Language) -> Any:
        node: Any = self.data[language]
        for part in key.split("."):
            node = node[part]
        return node

    def shared(self, key: str) -> Any:
        return self.data[key]
