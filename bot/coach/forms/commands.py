"""The words that steer a form (stop, back, skip, status, why, help...), one vocabulary for every form.

Read from `prompts/commands.yaml`. A message is a command when, normalised (width, case, the punctuation
around it), it equals one of the words; corrections ("change X to Y", "把X改成Y") are patterns.
"""

from __future__ import annotations

import re
import string
import unicodedata
from dataclasses import dataclass

from bot.wording import LANGUAGES, Wording

COMMANDS = (
    "stop",
    "back",
    "skip",
    "status",
    "why",
    "help",
    "done",
    "clear",
    "submit",
    "resume",
    "default",
    "yes",
    "no",
)
# Punctuation stripped from both ends of a message before it is compared with command words.
_EDGE = string.punctuation + string.whitespace + "。，、；：？！…～“”‘’（）【】《》·"


def normalise(text: str) -> str:
    cleaned = unicodedata.normalize("NFKC", text).strip(_EDGE).lower()
    return " ".join(cleaned.split())


@dataclass(frozen=True)
class Correction:
    """ "change X to Y" (value given) or "change X" (value None): which slot, as the user named it."""

    slot: str
    value: str | None


class CommandWords:
    def __init__(self, wording: Wording) -> None:
        self._command_of: dict[str, str] = {}
        for command in COMMANDS:
            for word in wording.words(command):
                self._command_of[normalise(word)] = command
        self._change_to = [re.compile(p) for p in wording.data("change_to", default=[])]
        self._change_slot = [re.compile(p) for p in wording.data("change_slot", default=[])]
        starts = wording.data("question_starts", default={})
        english = [re.escape(word) for word in starts.get("en", [])]
        self._question_en = re.compile(rf"^(?:{'|'.join(english)})\b", re.IGNORECASE) if english else None
        self._question_zh = tuple(starts.get("zh", []))
        self._question_zh_ends = tuple(wording.data("question_ends", "zh", default=[]) or [])
        self.self_words = tuple(normalise(word) for word in wording.data("self_words", default=[]))
        self.words_of = {
            command: tuple(normalise(word) for word in wording.words(command)) for command in COMMANDS
        }
        self.languages = LANGUAGES

    def command(self, text: str) -> str | None:
        return self._command_of.get(normalise(text))

    def is_(self, command: str, text: str) -> bool:
        return self.command(text) == command

    def correction(self, text: str) -> Correction | None:
        stripped = unicodedata.normalize("NFKC", text).strip()
        for pattern in self._change_to:
            match = pattern.match(stripped)
            if match and match["slot"].strip() and match["value"].strip():
                return Correction(match["slot"].strip(), match["value"].strip())
        for pattern in self._change_slot:
            match = pattern.match(stripped)
            if match and match["slot"].strip():
                return Correction(match["slot"].strip(), None)
        return None

    def looks_like_question(self, text: str) -> bool:
        """Ends like a question (`ends_like_question`) or starts with a question word."""
        stripped = unicodedata.normalize("NFKC", text).strip()
        if not stripped:
            return False
        if self.ends_like_question(stripped):
            return True
        if self._question_en is not None and self._question_en.match(stripped):
            return True
        return stripped.startswith(self._question_zh)

    def may_ask(self, text: str) -> bool:
        """Looks like a question, or holds a Chinese question word anywhere ("服务成本怎么算的")."""
        return self.looks_like_question(text) or any(word in text for word in self._question_zh)

    def ends_like_question(self, text: str, *, question_words: bool = True) -> bool:
        """Ends with a question mark or 吗, or (with `question_words`) a Chinese question word
        ("8-12周是指什么")."""
        stripped = unicodedata.normalize("NFKC", text).strip()
        if stripped.endswith("?"):
            return True
        tail = stripped.rstrip("。.! ")
        return tail.endswith(("吗", *(self._question_zh_ends if question_words else ())))
