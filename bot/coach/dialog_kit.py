"""Small pieces the step-by-step dialogs share: their wording files, command words, side questions, the
language of a turn, numbers for people, and citations of the knowledge cards a rule rests on.

Nothing here knows a particular dialog; `pricing_dialog` and `prioritise_dialog` build on it.
"""

from __future__ import annotations

import re
import string
import unicodedata
from functools import lru_cache
from pathlib import Path
from typing import Any

from bot.coach.dialog import DialogContext
from bot.coach.language import detect_language
from bot.coach.phrases import load_prompt_file
from bot.coach.reply import Citation, Language
from kam_rules.money import UnreadableNumber, parse_amount, parse_share
from kam_rules.rationale import fmt_number

COMMANDS_FILE = "dialog_commands.yaml"
_CJK = re.compile(r"[\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff]")
_LATIN_WORD = re.compile(r"[A-Za-z]{2,}")
# Punctuation stripped from both ends of a message before it is compared with command words.
_EDGE_PUNCTUATION = string.punctuation + string.whitespace + "。，、；：？！…～“”‘’（）【】《》·"


def settings_of(ctx: DialogContext) -> Any:
    settings = ctx.services.get("settings")
    if settings is None:
        from bot.settings import get_settings

        settings = get_settings()
    return settings


def prompts_dir_of(ctx: DialogContext) -> Path:
    return Path(settings_of(ctx).prompts_dir)


class Wording:
    """One dialog's wording file (``prompts/<name>.yaml``): ``en`` and ``zh`` trees plus shared data."""

    def __init__(self, data: dict[str, Any]) -> None:
        self.data = data

    @classmethod
    def load(cls, prompts_dir: Path, name: str) -> Wording:
        return cls(load_prompt_file(prompts_dir, name))

    def node(self, language: Language, *path: str) -> Any:
        node: Any = self.data[language]
        for part in path:
            node = node[part]
        return node

    def text(self, language: Language, *path: str, **values: Any) -> str:
        text = str(self.node(language, *path)).strip("\n").rstrip()
        return text.format(**values) if values else text

    def shared(self, *path: str) -> Any:
        node: Any = self.data
        for part in path:
            node = node[part]
        return node


def normalise_command(text: str) -> str:
    cleaned = unicodedata.normalize("NFKC", text).strip(_EDGE_PUNCTUATION).lower()
    return " ".join(cleaned.split())


class Commands:
    """The command words of ``prompts/dialog_commands.yaml``: stop, back, status, done, yes, no..."""

    def __init__(self, data: dict[str, Any]) -> None:
        self.data = data
        self._words: dict[str, set[str]] = {
            name: {normalise_command(str(word)) for word in words}
            for name, words in data.items()
            if isinstance(words, list)
        }
        starts = data.get("question_starts", {})
        english = [re.escape(word) for word in starts.get("en", [])]
        self._question_en = re.compile(rf"^(?:{'|'.join(english)})\b", re.IGNORECASE) if english else None
        self._question_zh = tuple(starts.get("zh", []))
        self.change_words_en = [str(word).lower() for word in data.get("change_words", {}).get("en", [])]
        self.change_words_zh = [str(word) for word in data.get("change_words", {}).get("zh", [])]
        self.filler_en = [str(word).lower() for word in data.get("filler_words", {}).get("en", [])]
        self.filler_zh = [str(word) for word in data.get("filler_words", {}).get("zh", [])]

    @classmethod
    def load(cls, prompts_dir: Path) -> Commands:
        return _commands(str(prompts_dir))

    def is_(self, name: str, text: str) -> bool:
        return normalise_command(text) in self._words.get(name, set())

    def which(self, text: str, *names: str) -> str | None:
        command = normalise_command(text)
        for name in names:
            if command in self._words.get(name, set()):
                return name
        return None

    def is_side_question(self, text: str) -> bool:
        """A question about something else, asked in the middle of a dialog (and not a number)."""
        stripped = unicodedata.normalize("NFKC", text).strip()
        if not stripped or looks_like_number(stripped.rstrip("?？ ")):
            return False
        if stripped.endswith(("?", "？")) or stripped.rstrip("。.!！ ").endswith("吗"):
            return True
        if self._question_en is not None and self._question_en.match(stripped):
            return True
        return stripped.startswith(self._question_zh)

    def has_change_word(self, text: str) -> bool:
        lowered = text.lower()
        if any(re.search(rf"\b{re.escape(word)}\b", lowered) for word in self.change_words_en):
            return True
        return any(word in text for word in self.change_words_zh)

    def strip_words(self, text: str) -> str:
        """The text without change words, filler words and punctuation: what is left to read as an answer."""
        cleaned = text
        for word in sorted(self.change_words_zh + self.filler_zh, key=len, reverse=True):
            cleaned = cleaned.replace(word, " ")
        for word in [*self.change_words_en, *self.filler_en]:
            cleaned = re.sub(rf"(?<![\w']){re.escape(word)}(?![\w'])", " ", cleaned, flags=re.IGNORECASE)
        return " ".join(cleaned.strip(_EDGE_PUNCTUATION).split()).strip(_EDGE_PUNCTUATION)


@lru_cache(maxsize=8)
def _commands(prompts_dir: str) -> Commands:
    return Commands(load_prompt_file(Path(prompts_dir), COMMANDS_FILE))


def looks_like_number(text: str) -> bool:
    for parser in (parse_amount, parse_share):
        try:
            parser(text)
        except (UnreadableNumber, TypeError):
            continue
        return True
    return False


def turn_language(text: str, current: Language) -> Language:
    """The dialog keeps its language unless the user clearly writes in the other one.

    "abc", "yes" or "LRAIC" in a Chinese dialog stay Chinese; two English words or two Chinese characters
    switch. (The coach's own per-message detection would answer "abc" in English.)
    """
    detected = detect_language(text)
    if detected is None or detected == current:
        return current
    if detected == "zh":
        return "zh" if len(_CJK.findall(text)) >= 2 else current
    return "en" if len(_LATIN_WORD.findall(text)) >= 2 else current


def fmt_amount(value: float, language: Language) -> str:
    """An amount for people; in Chinese, round amounts of ten thousand and more in 万 (850000 -> 85万)."""
    if language == "zh" and abs(value) >= 10_000:
        wan = value / 10_000
        if round(wan, 2) == round(wan, 6):
            return f"{fmt_number(round(wan, 2))}万"
    return fmt_number(value)


def display_width(text: str) -> int:
    return sum(2 if unicodedata.east_asian_width(char) in ("W", "F") else 1 for char in text)


def pad(text: str, width: int) -> str:
    return text + " " * max(0, width - display_width(text))


def truncate(text: str, width: int) -> str:
    if display_width(text) <= width:
        return text
    out = ""
    for char in text:
        if display_width(out + char) > width - 1:
            break
        out += char
    return out + "…"


def cite_cards(ctx: DialogContext, card_ids: list[str], language: Language) -> list[Citation]:
    """Citations of the knowledge cards a rule result rests on, in the user's language.

    The score is 1.0: these are named by the rule, not found by a search.
    """
    index = ctx.services["index"]  # the coach's knowledge index: cards in the asker's language first
    citations = []
    for card_id in card_ids:
        card = index.card(card_id, language)
        if card is not None:
            citations.append(
                Citation(
                    id=card.id, title=card.title, seed_chunks=list(card.seed_chunks), score=1.0, kind="card"
                )
            )
    return citations
