"""How reminders and digests leave the coach: a port, and the default that only records them.

``SlackDelivery`` (``bot.rhythm.slack_delivery``) sends direct messages. Without Slack settings, the
``RecordingDelivery`` keeps what would have been sent (the sweep writes each to its delivery row) and logs it;
``kam-coach reminders run`` prints it.
"""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING, Protocol

from bot.rhythm.models import ReminderMessage

if TYPE_CHECKING:
    from bot.rhythm.digest import Digest

log = logging.getLogger(__name__)


class DeliveryFailed(RuntimeError):
    """The message did not go out (Slack down, rate limited, refused); the sweep retries it later."""


class Delivery(Protocol):
    def send_reminder(self, message: ReminderMessage) -> None:
        """Deliver, or raise ``DeliveryFailed``; returning means it went out."""

    def send_digest(self, digest: Digest) -> None:
        """Deliver a manager's weekly digest, or raise ``DeliveryFailed``."""


class RecordingDelivery:
    """Delivers nowhere: what was sent is in the database (and the log, and this object's lists)."""

    def __init__(self) -> None:
        self.reminders: list[ReminderMessage] = []
        self.digests: list[Digest] = []

    def send_reminder(self, message: ReminderMessage) -> None:
        self.reminders.append(message)
        log.info("reminder %s to %s: %s", message.reminder, message.recipient, message.text)

    def send_digest(self, digest: Digest) -> None:
        self.digests.append(digest)
        log.info("digest %s to %s", digest.week, digest.manager)
