"""Reminders and digests as Slack direct messages (``conversations.open`` then ``chat.postMessage``).

The ``WebClient`` is given to it (``web_client`` makes one the way the app does: ``SLACK_API_URL`` as its base
URL, retrying on 429 with Retry-After and on 5xx). Any failure raises ``DeliveryFailed``, so the sweep keeps
the reminder unsent and tries again later. A digest's chart is uploaded into the digest's thread with
``files_upload_v2``; a failed upload is logged and does not send the digest twice.
"""

from __future__ import annotations

import logging
from typing import Any

from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError, SlackClientError
from slack_sdk.http_retry.builtin_handlers import RateLimitErrorRetryHandler, ServerErrorRetryHandler

from bot.rhythm.chart import tier_pyramid_png
from bot.rhythm.delivery import DeliveryFailed
from bot.rhythm.digest import Digest
from bot.rhythm.digest_render import DigestText
from bot.rhythm.models import ReminderMessage
from bot.rhythm.slack_blocks import digest_blocks, reminder_blocks
from bot.rhythm.wording import RhythmWording

log = logging.getLogger(__name__)
TIMEOUT_SECONDS = 10


def web_client(token: str, base_url: str, *, timeout: int = TIMEOUT_SECONDS, retries: int = 2) -> WebClient:
    """A client for ``SLACK_API_URL`` that retries a 429 (after Retry-After) and a 5xx (with backoff)."""
    base = base_url if base_url.endswith("/") else base_url + "/"
    client = WebClient(token=token, base_url=base, timeout=timeout)
    client.retry_handlers.extend(
        [
            RateLimitErrorRetryHandler(max_retry_count=retries),
            ServerErrorRetryHandler(max_retry_count=retries),
        ]
    )
    return client


class SlackDelivery:
    def __init__(self, client: WebClient, wording: RhythmWording, *, charts: bool = True) -> None:
        self.client, self.wording, self.charts = client, wording, charts

    def send_reminder(self, message: ReminderMessage) -> None:
        self._post(message.recipient, message.text, reminder_blocks(message, self.wording))

    def send_digest(self, digest: Digest) -> None:
        title = DigestText(digest, self.wording).title()
        channel, ts = self._post(digest.manager, title, digest_blocks(digest, self.wording))
        if self.charts:
            self._upload_chart(digest, channel, ts)

    def _post(self, user: str, text: str, blocks: list[dict[str, Any]]) -> tuple[str, str]:
        try:
            opened = self.client.conversations_open(users=user)
            channel = opened["channel"]["id"]
            posted = self.client.chat_postMessage(
                channel=channel, text=text, blocks=blocks, unfurl_links=False
            )
            return channel, posted["ts"]
        except SlackApiError as refused:
            response = refused.response
            reason = f"Slack refused (HTTP {response.status_code}): {response.get('error', 'no error given')}"
            raise DeliveryFailed(reason) from None
        except (SlackClientError, OSError) as failure:
            raise DeliveryFailed(f"Slack unreachable: {failure}") from None

    def _upload_chart(self, digest: Digest, channel: str, ts: str) -> None:
        try:
            png = tier_pyramid_png(digest, self.wording)
            self.client.files_upload_v2(
                channel=channel,
                thread_ts=ts,
                file=png,
                filename=f"tier-pyramid-{digest.week}.png",
                title=self.wording.phrase("digest.chart_file", digest.language, week=digest.week),
            )
        except (SlackClientError, OSError) as failure:
            log.warning("digest chart for %s not uploaded: %s", digest.manager, failure)
