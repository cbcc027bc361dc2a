"""One chat model from KAM_LLM, built by langchain's ``init_chat_model``.

The provider packages are an optional extra (``pip install 'kam-coach[llm]'``); without them, or with a
model string langchain does not know, the coach does not start and says why, rather than quietly answering
without the model it was told to use.
"""

from __future__ import annotations

import os
from typing import Any
from urllib.parse import urlsplit, urlunsplit

from langchain_core.language_models import BaseChatModel

from bot.llm.config import LlmConfig
from bot.settings import SettingError

# Providers whose langchain classes take these request options under these names. Others get only the base
# URL and key; the turn's deadline (bot.llm.calls) bounds their calls all the same.
REQUEST_OPTIONS = frozenset({"openai", "azure_openai", "anthropic"})
OPENAI_LIKE = frozenset({"openai", "azure_openai"})
# An OpenAI-compatible server on a private network often wants no key, but the OpenAI client insists on one.
PLACEHOLDER_KEY = "not-needed"


class LlmUnavailable(SettingError):
    """KAM_LLM is set, but no model can be built from it (the message is one line naming KAM_LLM)."""


def _first_line(error: BaseException) -> str:
    return (str(error).strip().splitlines() or [type(error).__name__])[0]


def openai_base_url(url: str) -> str:
    """``http://host:8000`` means the server's OpenAI API at ``/v1``, where every compatible server has it."""
    parts = urlsplit(url)
    if parts.path in ("", "/"):
        return urlunsplit(parts._replace(path="/v1"))
    return url.rstrip("/")


def model_options(config: LlmConfig, environ: dict[str, str] | None = None) -> dict[str, Any]:
    """The keyword arguments ``init_chat_model`` gets besides the model string."""
    environ = dict(os.environ) if environ is None else environ
    provider = config.provider
    options: dict[str, Any] = {}
    if config.base_url:
        options["base_url"] = openai_base_url(config.base_url) if provider in OPENAI_LIKE else config.base_url
    if config.api_key is not None:
        options["api_key"] = config.api_key.get_secret_value()
    elif config.base_url and provider == "openai" and not environ.get("OPENAI_API_KEY"):
        options["api_key"] = PLACEHOLDER_KEY
    if provider in REQUEST_OPTIONS:
        # One try per call: a retry would only run into the turn's deadline.
        options.update(timeout=config.timeout, max_retries=0, max_tokens=config.max_tokens)
    if provider in OPENAI_LIKE:
        options["stream_usage"] = True  # token counts from the provider when streaming, never estimated
    return options


def build_chat_model(config: LlmConfig) -> BaseChatModel:
    try:
        from langchain.chat_models import init_chat_model
    except ImportError as missing:
        raise LlmUnavailable(
            f"KAM_LLM={config.model}: the language model packages are not installed "
            "(pip install 'kam-coach[llm]')"
        ) from missing
    try:
        model = init_chat_model(config.model, **model_options(config))
    except ImportError as missing:
        raise LlmUnavailable(
            f"KAM_LLM={config.model}: the provider's package is not installed ({missing.name or missing}); "
            "install it beside kam-coach[llm]"
        ) from missing
    except Exception as unusable:  # an unknown provider, a missing key: the provider's own words
        raise LlmUnavailable(f"KAM_LLM={config.model}: {_first_line(unusable)}") from unusable
    if not isinstance(model, BaseChatModel):  # a configurable model: KAM_LLM names one model
        raise LlmUnavailable(f"KAM_LLM={config.model}: give one model as provider:model")
    return model
