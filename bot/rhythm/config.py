"""What the rhythm needs from the settings, as one typed value passed down from the composition root."""

from __future__ import annotations

from datetime import time
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator

from bot.timing import WEEKDAYS, parse_clock, zone

Language = Literal["en", "zh"]


class RhythmConfig(BaseModel):
    model_config = ConfigDict(frozen=True)

    timezone: str = "UTC"
    """Time zone of people without their own (``KAM_TIMEZONE``)."""
    language: Language = "en"
    reminder_days: tuple[int, ...] = (7, 1, 0)
    """Days before the due date an owner is reminded (``KAM_REMINDER_DAYS``); 0 is the due day."""
    reminder_time: time = time(9, 0)
    overdue_days: int = Field(default=3, ge=1)
    digest_weekday: int = Field(default=0, ge=0, le=6)
    """0 = Monday."""
    digest_time: time = time(9, 0)
    sweep_seconds: float = Field(default=300, gt=0)
    plan_url: str | None = None
    """A link template with ``{plan_id}`` and ``{account}``; None: plans are opened with ``/kam plan``."""
    admin_ids: frozenset[str] = frozenset()

    @field_validator("timezone")
    @classmethod
    def _known_zone(cls, value: str) -> str:
        zone(value)
        return value

    @field_validator("reminder_days")
    @classmethod
    def _sorted_days(cls, value: tuple[int, ...]) -> tuple[int, ...]:
        if not value or any(day < 0 for day in value):
            raise ValueError("reminder days must be whole days of 0 or more, e.g. 7,1,0")
        return tuple(sorted(set(value), reverse=True))

    def zone_of(self, person: Any) -> str:
        """A person's time zone (``people.tz``), else ``KAM_TIMEZONE``; ``person`` may be None."""
        return getattr(person, "tz", None) or self.timezone

    def language_of(self, person: Any) -> Language:
        """A person's language (``people.language``), else ``KAM_LANGUAGE``; ``person`` may be None."""
        return getattr(person, "language", None) or self.language

    @classmethod
    def from_settings(cls, settings) -> RhythmConfig:
        return cls(
            timezone=settings.timezone,
            language=settings.default_language,
            reminder_days=tuple(int(day) for day in settings.reminder_days.split(",") if day.strip()),
            reminder_time=parse_clock(settings.reminder_time),
            overdue_days=settings.overdue_days,
            digest_weekday=WEEKDAYS.index(settings.digest_day[:3].lower()),
            digest_time=parse_clock(settings.digest_time),
            sweep_seconds=settings.sweep_seconds,
            plan_url=settings.plan_url or None,
            admin_ids=settings.admin_ids,
        )
