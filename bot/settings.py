"""Every setting the coach reads, in one place, read once from the environment.

Each field is documented in the README's "Settings" table with its default; keep the two in step.
"""

from __future__ import annotations

import tempfile
from functools import lru_cache
from pathlib import Path
from typing import Literal

import platformdirs
from pydantic import Field, SecretStr, field_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

from bot.errors import SettingError

__all__ = ["SettingError", "Settings", "get_settings"]  # SettingError: where its users found it first

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
    cache_folder: Path | None = Field(default=None, alias="KAM_CACHE_DIR")
    """Files derived from what ships (the model's weights laid out for mapping, jieba's dictionary, the
    vectors of the cards and examples): the same for every data folder on a machine, so several may share
    one. Unset: ``cache/`` in KAM_DATA_DIR."""
    llm: str | None = Field(default=None, alias="KAM_LLM")
    """A langchain model string (`provider:model`); unset: extractive answers, no model is built."""
    llm_base_url: str | None = Field(default=None, alias="KAM_LLM_BASE_URL")
    llm_api_key: SecretStr | None = Field(default=None, alias="KAM_LLM_API_KEY")
    llm_timeout: float = Field(default=20.0, gt=0, le=600, alias="KAM_LLM_TIMEOUT")
    """Seconds one turn may wait for the model, tool calls included; then the extractive answer is given."""
    llm_share_plans: bool = Field(default=False, alias="KAM_LLM_SHARE_PLANS")
    llm_max_steps: int = Field(default=4, ge=1, le=20, alias="KAM_LLM_MAX_STEPS")
    """Model calls one answer may make (each tool round trip is one more)."""
    llm_max_tokens: int = Field(default=1024, ge=16, le=100_000, alias="KAM_LLM_MAX_TOKENS")
    """Tokens the model may write in one call."""
    llm_token_budget: int = Field(default=20_000, ge=100, le=10_000_000, alias="KAM_LLM_TOKEN_BUDGET")
    """Tokens (sent and written, as the provider reports them) one turn may spend over all its calls."""
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
    timezone: str = Field(default="UTC", alias="KAM_TIMEZONE")
    """Time zone of people without a ``tz`` in the people file (IANA name)."""
    reminder_days: str = Field(default="7,1,0", alias="KAM_REMINDER_DAYS")
    """Days before a milestone's due date its owner is reminded; 0 is the due day itself."""
    reminder_time: str = Field(default="09:00", alias="KAM_REMINDER_TIME")
    overdue_days: int = Field(default=3, ge=1, alias="KAM_OVERDUE_DAYS")
    sweep_seconds: float = Field(default=300, gt=0, alias="KAM_SWEEP_SECONDS")
    digest_day: str = Field(default="mon", alias="KAM_DIGEST_DAY")
    digest_time: str = Field(default="09:00", alias="KAM_DIGEST_TIME")
    plan_url: str | None = Field(default=None, alias="KAM_PLAN_URL")
    """Link to a plan in reminders, with ``{plan_id}`` and ``{account}``; unset: ``/kam plan ACCOUNT``."""
    slack_workers: int = Field(default=8, ge=1, le=64, alias="SLACK_WORKERS")
    """Threads doing the slow work after Slack is acknowledged (the coach's turn, Web API calls)."""
    slack_concurrent_turns: int = Field(default=2, ge=1, le=64, alias="SLACK_CONCURRENT_TURNS")
    """Coach turns worked on at once (CPU-bound); the other workers wait for a slot or call the Web API."""
    slack_queue_limit: int = Field(default=2000, ge=1, alias="SLACK_QUEUE_LIMIT")
    """Acknowledged work waiting at most; past it events get 503 (Slack delivers them again later)."""
    slack_placeholder_delay: float = Field(default=1.0, ge=0.0, le=30.0, alias="SLACK_PLACEHOLDER_DELAY")
    """Seconds after the ack before a "thinking…" placeholder is posted for an answer not yet ready."""
    slack_streaming: bool = Field(default=True, alias="SLACK_STREAMING")
    slack_api_timeout: int = Field(default=30, ge=1, le=300, alias="SLACK_API_TIMEOUT")
    slack_api_retries: int = Field(default=3, ge=0, le=10, alias="SLACK_API_RETRIES")
    """Retries of a Web API call answered 429 (after Retry-After) or 5xx."""
    slack_max_file_mb: int = Field(default=5, ge=1, le=100, alias="SLACK_MAX_FILE_MB")
    slack_http_processes: int = Field(default=0, ge=0, le=64, alias="SLACK_HTTP_PROCESSES")
    """`serve --http` processes sharing the port (SO_REUSEPORT); 0: one per usable core, at most 4."""

    @field_validator("llm", "llm_base_url", "llm_api_key", "cache_folder", mode="before")
    @classmethod
    def _blank_is_unset(cls, value: object) -> object:
        return None if isinstance(value, str) and not value.strip() else value

    @field_validator("log_level")
    @classmethod
    def _known_level(cls, value: str | None) -> str | None:
        if value is None:
            return None
        level = value.upper()
        if level not in {"DEBUG", "INFO", "WARNING", "ERROR", "CRITICAL"}:
            raise ValueError(f"KAM_LOG_LEVEL must be DEBUG, INFO, WARNING, ERROR or CRITICAL, not {value!r}")
        return level

    @field_validator("timezone")
    @classmethod
    def _known_zone(cls, value: str) -> str:
        from bot.timing import zone

        zone(value)
        return value

    @field_validator("reminder_days")
    @classmethod
    def _days_list(cls, value: str) -> str:
        parts = [part.strip() for part in value.split(",") if part.strip()]
        if not parts or not all(part.isdigit() for part in parts):
            raise ValueError(
                f"KAM_REMINDER_DAYS must be whole days before the due date, like 7,1,0, not {value!r}"
            )
        return ",".join(parts)

    @field_validator("reminder_time", "digest_time")
    @classmethod
    def _clock(cls, value: str) -> str:
        from bot.timing import parse_clock

        return parse_clock(value).strftime("%H:%M")

    @field_validator("digest_day")
    @classmethod
    def _weekday(cls, value: str) -> str:
        from bot.timing import WEEKDAYS

        day = value.strip().lower()[:3]
        if day not in WEEKDAYS:
            raise ValueError(f"KAM_DIGEST_DAY must be a weekday (mon, tue, … sun), not {value!r}")
        return day

    @property
    def sqlalchemy_url(self) -> str:
        if self.database_url:
            return self.database_url
        return f"sqlite:///{self.data_dir / 'kam-coach.db'}"

    @property
    def cache_dir(self) -> Path:
        return self.cache_folder or self.data_dir / "cache"

    @property
    def chroma_dir(self) -> Path:
        return self.data_dir / "chroma"

    @property
    def admin_ids(self) -> frozenset[str]:
        return frozenset(part.strip() for part in self.admins.split(",") if part.strip())

    def ensure_data_dir(self) -> Path:
        """The data folder, made if missing; ``SettingError`` naming KAM_DATA_DIR when it is unusable."""
        folder = self.data_dir
        if folder.exists() and not folder.is_dir():
            raise SettingError("KAM_DATA_DIR", f"{folder} is a file, not a folder")
        try:
            folder.mkdir(parents=True, exist_ok=True)
        except OSError as failure:
            raise SettingError(
                "KAM_DATA_DIR", f"cannot create {folder} ({failure.strerror or failure})"
            ) from None
        try:  # a write, not os.access: access() says yes to root even where writing fails
            with tempfile.NamedTemporaryFile(dir=folder, prefix=".write-check-"):
                pass
        except OSError as failure:
            raise SettingError(
                "KAM_DATA_DIR", f"{folder} is not writable ({failure.strerror or failure})"
            ) from None
        return folder


@lru_cache(maxsize=1)
def get_settings() -> Settings:
    return Settings()
