"""What the language model layer is told by the composition root: which model, where, and its limits."""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict, Field, SecretStr


class LlmConfig(BaseModel):
    model_config = ConfigDict(frozen=True)

    model: str = Field(min_length=1)
    """A langchain model string, ``provider:model`` (``openai:gpt-4o-mini``)."""
    base_url: str | None = None
    api_key: SecretStr | None = None
    timeout: float = Field(default=20.0, gt=0)
    """Seconds one turn may spend waiting for the model, all its calls together."""
    share_plans: bool = False
    """Whether a user's account-plan answers may be sent to the model."""
    max_steps: int = Field(default=4, ge=1)
    """Model calls one answer may make: each round trip through a tool is one more."""
    max_tokens: int = Field(default=1024, ge=16)
    """Tokens the model may write in one call."""
    token_budget: int = Field(default=20_000, ge=100)
    """Tokens (sent and written) one turn may spend over all its calls."""

    @property
    def provider(self) -> str | None:
        """The provider named in the model string, or None when langchain is left to infer it."""
        provider, colon, _ = self.model.partition(":")
        return provider.strip().lower() if colon else None
