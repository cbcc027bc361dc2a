"""The rhythm put together from the settings, for the CLI and the Slack app's composition root."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime

from bot.rhythm.config import RhythmConfig
from bot.rhythm.delivery import Delivery, RecordingDelivery
from bot.rhythm.digest_run import DigestRun
from bot.rhythm.service import RhythmService
from bot.rhythm.sweep import ReminderSweep
from bot.rhythm.wording import RhythmWording
from bot.store.db import Database
from bot.store.models import utcnow


@dataclass(frozen=True)
class Rhythm:
    db: Database
    config: RhythmConfig
    wording: RhythmWording
    delivery: Delivery
    service: RhythmService
    sweep: ReminderSweep
    digests: DigestRun


def slack_or_recording(settings, wording: RhythmWording) -> Delivery:
    """Slack direct messages when ``SLACK_BOT_TOKEN`` is set; otherwise record only."""
    if not settings.slack_bot_token:
        return RecordingDelivery()
    from bot.rhythm.slack_delivery import SlackDelivery, web_client

    return SlackDelivery(web_client(settings.slack_bot_token, settings.slack_api_url), wording)


def build_rhythm(
    settings,
    db: Database,
    *,
    delivery: Delivery | None = None,
    clock: Callable[[], datetime] = utcnow,
) -> Rhythm:
    config = RhythmConfig.from_settings(settings)
    wording = RhythmWording(settings.prompts_dir)
    delivery = delivery or slack_or_recording(settings, wording)
    return Rhythm(
        db=db,
        config=config,
        wording=wording,
        delivery=delivery,
        service=RhythmService(db, config, wording, clock),
        sweep=ReminderSweep(db, config, wording, delivery),
        digests=DigestRun(db, config, wording, delivery),
    )
