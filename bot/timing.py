"""Local times: when a reminder or a digest is due, in the recipient's time zone, as a UTC instant.

Send times are wall-clock times (09:00 in Shanghai, 09:00 in New York), converted with the zone's rules for
that very day, so they stay at 09:00 local across a daylight saving change.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta
from functools import lru_cache
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

WEEKDAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
OVERDUE_MANAGER = "overdue_manager"


@lru_cache(maxsize=512)
def zone(name: str) -> ZoneInfo:
    """The IANA zone named ``name``; ValueError naming it when there is no such zone."""
    cleaned = name.strip()
    try:
        if not cleaned or cleaned != name or "\\" in cleaned:
            raise ValueError
        return ZoneInfo(cleaned)
    except (ZoneInfoNotFoundError, ValueError, OSError):
        raise ValueError(
            f"{name!r} is not an IANA time zone (e.g. Asia/Shanghai, Europe/Berlin, UTC)"
        ) from None


def parse_clock(text: str) -> time:
    """``09:00`` -> time(9, 0); ValueError for anything else."""
    try:
        hours, minutes = text.strip().split(":")
        return time(int(hours), int(minutes))
    except ValueError:
        raise ValueError(f"{text!r} is not a time of day like 09:00") from None


def reminder_kind(days_before: int) -> str:
    """The reminder's name: ``7_days``, ``1_day`` or ``due`` (on the day)."""
    if days_before == 0:
        return "due"
    return "1_day" if days_before == 1 else f"{days_before}_days"


def local_instant(day: date, at: time, tz: str) -> datetime:
    """``at`` o'clock on ``day`` in ``tz``, as an aware UTC datetime."""
    return datetime.combine(day, at, tzinfo=zone(tz)).astimezone(UTC)


def local_today(now: datetime, tz: str) -> date:
    return as_utc(now).astimezone(zone(tz)).date()


def as_utc(moment: datetime) -> datetime:
    """An aware datetime in UTC (a naive one is taken as UTC)."""
    if moment.tzinfo is None:
        return moment.replace(tzinfo=UTC)
    return moment.astimezone(UTC)


def week_start(day: date) -> date:
    """The Monday of ``day``'s ISO week."""
    return day - timedelta(days=day.weekday())


def iso_week(day: date) -> str:
    """``2027-W10``."""
    year, week, _ = day.isocalendar()
    return f"{year}-W{week:02d}"
