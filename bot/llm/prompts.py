"""The messages the model is sent, from ``prompts/llm.yaml``: the system prompt is fixed per language and the
user's text only ever goes inside the human message, between markers, as data."""

from __future__ import annotations

import re

from langchain_core.messages import BaseMessage, HumanMessage, SystemMessage

from bot.coach.forms.form import FieldRequest
from bot.coach.reply import Language
from bot.retrieval.index import SearchHit
from bot.wording import Catalogue, Wording

_MARKERS = re.compile(r"<{3,}|>{3,}")
_SENTENCE_END = re.compile(r"(?<=[.!?。！？])\s*|\n+")
_SPACE = re.compile(r"\s+")
LEAK_SENTENCE_CHARS = 24
"""A sentence of the system prompt this long or longer, found in an answer, means the prompt leaked."""


def _data(text: str) -> str:
    """The user's text with the markers that fence it taken out, so it cannot close its own fence."""
    return _MARKERS.sub(" ", text).strip()


def _squash(text: str) -> str:
    return _SPACE.sub(" ", text).strip().casefold()


class LlmPrompts:
    def __init__(self, catalogue: Catalogue) -> None:
        self.wording: Wording = catalogue.file("llm.yaml")
        self.passage_chars = int(self.wording.data("passage_chars", default=1500))

    def text(self, language: Language, *path: str, **values: object) -> str:
        return self.wording.text(language, *path, **values)

    def system(self, language: Language) -> str:
        return self.text(language, "system")

    # ---------- grounded answers ----------
    def passage(self, n: int, hit: SearchHit, language: Language) -> str:
        body = hit.text.strip()
        if len(body) > self.passage_chars:
            body = body[: self.passage_chars].rsplit("\n", 1)[0].rstrip() + " …"
        return self.text(language, "passage", n=n, title=hit.title, text=body)

    def answer(self, question: str, language: Language, passages: list[SearchHit]) -> list[BaseMessage]:
        numbered = "\n\n".join(self.passage(n, hit, language) for n, hit in enumerate(passages, start=1))
        return [
            SystemMessage(self.system(language)),
            HumanMessage(self.text(language, "answer", passages=numbered, question=_data(question))),
        ]

    def leaks(self, answer: str, language: Language) -> bool:
        """Whether an answer repeats a sentence of the system prompt (in either language)."""
        said = _squash(answer)
        for lang in ("en", "zh"):
            for sentence in _SENTENCE_END.split(self.system(lang)):
                sentence = _squash(sentence)
                if len(sentence) >= LEAK_SENTENCE_CHARS and sentence in said:
                    return True
        return False

    # ---------- fields from free text ----------
    def fields(self, request: FieldRequest) -> list[BaseMessage]:
        language = request.language
        lines = []
        for field in request.fields:
            details = []
            if field.choices:
                details.append(self.text(language, "field_choices", choices=", ".join(field.choices)))
            if field.example:
                details.append(self.text(language, "field_example", example=field.example))
            shown = self.text(language, "field_details", details="; ".join(details)) if details else ""
            lines.append(
                self.text(
                    language, "field_line", name=field.name, kind=field.kind, label=field.label, details=shown
                )
            )
        asked = next((field for field in request.fields if field.name == request.asked), None)
        asked_line = (
            self.text(language, "asked", name=asked.name, label=asked.label)
            if asked is not None
            else self.text(language, "not_asked")
        )
        return [
            SystemMessage(self.text(language, "fields_system")),
            HumanMessage(
                self.text(
                    language, "fields", fields="\n".join(lines), asked=asked_line, text=_data(request.text)
                )
            ),
        ]
