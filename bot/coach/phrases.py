"""The coach's fixed wording, loaded from `prompts/` so it can be edited without touching code."""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path
from typing import Any

import yaml

from bot.coach.reply import Language


@lru_cache(maxsize=16)
def load_prompt_file(prompts_dir: Path, name: str) -> dict[str, Any]:
    path = prompts_dir / name
    if not path.is_file():
        raise FileNotFoundError(f"prompt file missing: {path} (set KAM_PROMPTS_DIR)")
    return yaml.safe_load(path.read_text(encoding="utf-8")) or {}


class Phrases:
    def __init__(self, prompts_dir: Path) -> None:
        self.data = load_prompt_file(prompts_dir, "coach.yaml")

    def get(self, key: str, language: Language, **values: Any) -> str:
        text = str(self.data[language][key]).strip()
        return text.format(**values) if values else text

    def action_label(self, action: str, language: Language) -> str:
        return self.data["actions"][action][language]

    def action_command(self, action: str, language: Language) -> str:
        return self.data["action_commands"][action][language]

    def dialog_name(self, kind: str, language: Language) -> str:
        return self.data.get("dialogs", {}).get(kind, {}).get(language, kind)

    def known_action(self, action: str) -> bool:
        return action in self.data["actions"]
