"""The language model's parts, built once by the composition root (``bot.app``) when KAM_LLM is set."""

from __future__ import annotations

from dataclasses import dataclass

from langchain_core.language_models import BaseChatModel

from bot.coach.forms.form import CardLookup
from bot.llm.calls import ModelCalls
from bot.llm.config import LlmConfig
from bot.llm.factory import build_chat_model
from bot.llm.fields import LlmFieldReader
from bot.llm.phraser import LlmPhraser
from bot.llm.prompts import LlmPrompts
from bot.llm.rules import RuleTools
from bot.wording import Catalogue


@dataclass
class LlmParts:
    phraser: LlmPhraser
    read_fields: LlmFieldReader
    calls: ModelCalls


def build_llm(
    config: LlmConfig, catalogue: Catalogue, cards: CardLookup, model: BaseChatModel | None = None
) -> LlmParts:
    """The phraser and the field reader on one model (``model`` given: that one, as tests do)."""
    model = model if model is not None else build_chat_model(config)
    calls = ModelCalls(config.model)
    prompts = LlmPrompts(catalogue)
    return LlmParts(
        phraser=LlmPhraser(
            model=model, calls=calls, prompts=prompts, rules=RuleTools(catalogue, cards), config=config
        ),
        read_fields=LlmFieldReader(model=model, calls=calls, prompts=prompts, config=config),
        calls=calls,
    )
