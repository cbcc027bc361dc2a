"""Every setting the coach reads, in one place, read once from the environment.

Each field is documented in the README's "Settings" table with its default; keep the two in step.
"""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path
from typing import Literal

import platformdirs
from pydantic import Field, field_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

PACKAGE_DIR = Path(__file__).resolve().parent


def _shipped_dir(name: str) -> Path:
    """Data folders live beside the package in a wheel, at the repo root in a checkout."""
    in_wheel = PACKAGE_DIR / "_data" / name
    return in_wheel if in_wheel.is_dir() else PACKAGE_DIR.parent / name


def _default_data_dir() -> Path:
    return Path(platformdirs.user_data_dir("kam-coach", appauthor=False))


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="", extra="ignore", populate_by_name=True)

    data_dir: Path = Field(default_factory=_default_data_dir, alias="KAM_DATA_DIR")
    database_url: str | None = Field(default=None, alias="DATABASE_URL")
    knowledge_dir: Path = Field(default_factory=lambda: _shipped_dir("knowledge"), alias="KAM_KNOWLEDGE_DIR")
    prompts_dir: Path = Field(default_factory=lambda: _shipped_dir("prompts"), alias="KAM_PROMPTS_DIR")
    embeddings: str = Field(default="use-multilingual", alias="KAM_EMBEDDINGS")
    llm: str | None = Field(default=None, alias="KAM_LLM")
    chroma_host: str | None = Field(default=None, alias="CHROMA_HOST")
    chroma_port: int = Field(default=8000, alias="CHROMA_PORT")
    min_relevance: float = Field(default=0.38, ge=0.0, le=1.0, alias="KAM_MIN_RELEVANCE")
    default_language: Literal["en", "zh"] = Field(default="en", alias="KAM_LANGUAGE")
    log_level: str | None = Field(default=None, alias="KAM_LOG_LEVEL")
    """Unset: INFO for services (serve, scheduler), WARNING for terminal commands."""
    admins: str = Field(default="", alias="KAM_ADMINS")
    slack_bot_token: str | None = Field(default=None, alias="SLACK_BOT_TOKEN")
    slack_signing_secret: str | None = Field(default=None, alias="SLACK_SIGNING_SECRET")
    slack_app_token: str | None = Field(default=None, alias="SLACK_APP_TOKEN")
    slack_api_url: str = Field(default="https://slack.com/api/", alias="SLACK_API_URL")

    @field_validator("log_level")
    @classmethod
    def _known_level(cls, value: str | None) -> str | None:
        if value is None:
            return None
        level = value.upper()
        if level not in {"DEBUG", "INFO", "WARNING", "ERROR", "CRITICAL"}:
            raise ValueError(f"KAM_LOG_LEVEL must be DEBUG, INFO, WARNING, ERROR or CRITICAL, not {value!r}")
        return level

    @property
    def sqlalchemy_url(self) -> str:
        if self.database_url:
            return self.database_url
        return f"sqlite:///{self.data_dir / 'kam-coach.db'}"

    @property
    def chroma_dir(self) -> Path:
        return self.data_dir / "chroma"

    @property
    def admin_ids(self) -> frozenset[str]:
        return frozenset(part.strip() for part in self.admins.split(",") if part.strip())

    def ensure_data_dir(self) -> Path:
        self.data_dir.mkdir(parents=True, exist_ok=True)
        return self.data_dir


@lru_cache(maxsize=1)
def get_settings() -> Settings:
    return Settings()
