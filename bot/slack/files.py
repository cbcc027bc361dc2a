"""Files shared with the coach, downloaded with the bot token and handed to the core as Attachments."""

from __future__ import annotations

import logging
import urllib.request
from typing import Any

from pydantic import BaseModel, ValidationError
from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError

from bot.coach.turn import Attachment

log = logging.getLogger(__name__)

MAX_FILE_BYTES = 5 * 1024 * 1024
"""Larger uploads are refused with a message: the coach reads CSVs and short documents, not archives."""
DOWNLOAD_TIMEOUT = 30


class SlackFile(BaseModel):
    id: str
    name: str = "file"
    mimetype: str = "application/octet-stream"
    size: int | None = None
    url_private: str | None = None
    url_private_download: str | None = None


class FileProblem(Exception):
    """A file the coach cannot take: ``reason`` names the wording key, ``name`` the file."""

    def __init__(self, reason: str, name: str) -> None:
        super().__init__(f"{name}: {reason}")
        self.reason = reason
        self.name = name


class FileFetcher:
    def __init__(self, client: WebClient, max_bytes: int = MAX_FILE_BYTES) -> None:
        self.client = client
        self.max_bytes = max_bytes

    def attachments(self, files: list[dict[str, Any]]) -> list[Attachment]:
        return [self.fetch(raw) for raw in files]

    def fetch(self, raw: dict[str, Any]) -> Attachment:
        try:
            info = SlackFile.model_validate(raw)
        except ValidationError:
            raise FileProblem("file_unreadable", str(raw.get("name") or "?")) from None
        if not (info.url_private_download or info.url_private):
            info = self._info(info)
        if info.size is not None and info.size > self.max_bytes:
            raise FileProblem("file_too_large", info.name)
        url = info.url_private_download or info.url_private
        if not url:
            raise FileProblem("file_unreadable", info.name)
        content = self._download(url, info.name)
        return Attachment(name=info.name, content=content, media_type=info.mimetype)

    def _info(self, info: SlackFile) -> SlackFile:
        try:
            found = self.client.files_info(file=info.id)["file"]
        except SlackApiError as failure:
            log.warning("files.info %s failed: %s", info.id, failure.response.get("error"))
            raise FileProblem("file_unreadable", info.name) from None
        return SlackFile.model_validate(found)

    def _download(self, url: str, name: str) -> bytes:
        request = urllib.request.Request(url, headers={"Authorization": f"Bearer {self.client.token}"})
        try:
            with urllib.request.urlopen(request, timeout=DOWNLOAD_TIMEOUT) as response:
                content_type = response.headers.get("Content-Type", "")
                content = response.read(self.max_bytes + 1)
        except OSError as failure:
            log.warning("download of %s failed: %s", name, failure)
            raise FileProblem("file_unreadable", name) from None
        if len(content) > self.max_bytes:
            raise FileProblem("file_too_large", name)
        if content_type.startswith("text/html") and not name.lower().endswith((".html", ".htm")):
            # Slack answers a download without a valid token with its sign-in page, status 200.
            log.warning("download of %s returned a web page (missing files:read scope?)", name)
            raise FileProblem("file_unreadable", name)
        return content
