"""Form fields read from free text by the model's structured output (the forms' FieldReader port).

The model is told the form's open fields and the user's message, and returns the raw text of each value the
message states; the form runner parses and checks those like typed answers, confirms what it kept and asks
again for what it cannot use. An account plan's fields are plan data: they are not sent unless
KAM_LLM_SHARE_PLANS allows it. Any failure reads nothing, and the form reads the message itself.
"""

from __future__ import annotations

import logging

from langchain_core.language_models import BaseChatModel
from pydantic import BaseModel, Field

from bot.coach.forms.form import FieldRequest
from bot.llm.calls import Budget, ModelCallFailed, ModelCalls
from bot.llm.config import LlmConfig
from bot.llm.prompts import LlmPrompts

log = logging.getLogger(__name__)


class FieldValue(BaseModel):
    """One field the message gives a value for."""

    name: str = Field(description="the field's name, exactly as listed")
    value: str = Field(description="the value as the user wrote it, with its unit, currency or per cent sign")


class FormFields(BaseModel):
    """The fields the user's message states a value for; every other field is left out."""

    fields: list[FieldValue] = Field(default_factory=list)


class LlmFieldReader:
    def __init__(
        self, *, model: BaseChatModel, calls: ModelCalls, prompts: LlmPrompts, config: LlmConfig
    ) -> None:
        # Function calling rather than a JSON-schema response format: every OpenAI-compatible server that
        # serves tools (which the rules need anyway) can do it.
        self.reading = model.with_structured_output(FormFields, method="function_calling", include_raw=True)
        self.calls = calls
        self.prompts = prompts
        self.config = config

    def __call__(self, request: FieldRequest) -> dict[str, str]:
        if request.plan_data and not self.config.share_plans:
            log.info("form fields not sent to the model: account-plan data (KAM_LLM_SHARE_PLANS is off)")
            return {}
        try:
            output = self.calls.call(
                self.reading, self.prompts.fields(request), Budget.for_turn(self.config), "fields"
            )
        except ModelCallFailed:
            return {}  # logged by the call
        parsed = output.get("parsed") if isinstance(output, dict) else None
        if not isinstance(parsed, FormFields):
            error = output.get("parsing_error") if isinstance(output, dict) else None
            log.warning("llm fields not used: unreadable structured output (%s)", type(error).__name__)
            return {}
        offered = {field.name for field in request.fields}
        found: dict[str, str] = {}
        for item in parsed.fields:
            if item.name in offered and item.value.strip():
                found.setdefault(item.name, item.value.strip())
        ignored = len(parsed.fields) - len(found)
        log.info(
            "llm read %d field(s) from a message%s", len(found), f", ignored {ignored}" if ignored else ""
        )
        return found
