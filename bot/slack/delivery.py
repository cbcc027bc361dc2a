"""Putting a Reply in front of the user: streamed into its thread where Slack allows, else posted (or
replacing the placeholder), split to Slack's limits, with any files uploaded into the same thread."""

from __future__ import annotations

import logging
from dataclasses import replace

from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError

from bot.coach.reply import OutFile, Reply
from bot.slack.places import Place
from bot.slack.views.limits import MAX_MARKDOWN, SlackMessage, split_text
from bot.slack.views.reply import FeedbackStyle, ReplyContext, ReplyView

log = logging.getLogger(__name__)


class Delivery:
    def __init__(self, client: WebClient, view: ReplyView, *, streaming: bool) -> None:
        self.client = client
        self.view = view
        self.streaming = streaming
        self.feedback_style: FeedbackStyle = "context_actions"

    # ---------- replies ----------
    def send(self, place: Place, reply: Reply, ctx: ReplyContext, placeholder_ts: str | None = None) -> None:
        ctx = replace(ctx, feedback_style=self.feedback_style)
        streamed = placeholder_ts is None and self._streams(place, reply) and self._stream(place, reply, ctx)
        if not streamed:
            self._post_all(place, reply, ctx, placeholder_ts)
        self.upload(place, reply.files)

    def _streams(self, place: Place, reply: Reply) -> bool:
        """Answers stream into threads; a form's question comes whole, with its buttons at once."""
        return self.streaming and place.thread_ts is not None and reply.ask is None and reply.dialog is None

    def _stream(self, place: Place, reply: Reply, ctx: ReplyContext) -> bool:
        """Stream the prose, then close the message with the rest. False when Slack would not stream."""
        stream = self.client.chat_stream(
            channel=place.channel,
            thread_ts=place.thread_ts or "",
            recipient_team_id=place.team,
            recipient_user_id=place.user,
            buffer_size=1,  # every piece goes out as it comes: the first call (startStream) is in the try
        )
        try:
            for piece in split_text(reply.text, MAX_MARKDOWN):
                stream.append(markdown_text=piece + "\n\n")
        except SlackApiError as failure:
            if stream.ts is not None:
                raise
            log.info("streaming unavailable in %s (%s): posting instead", place.channel, _error(failure))
            return False
        try:
            stream.stop(blocks=self.view.details(reply, ctx) or None)
        except SlackApiError as failure:
            if _error(failure) != "invalid_blocks" or ctx.feedback_style == "buttons":
                raise
            self._feedback_refused()
            stream.stop(blocks=self.view.details(reply, replace(ctx, feedback_style="buttons")) or None)
        return True

    def _post_all(self, place: Place, reply: Reply, ctx: ReplyContext, placeholder_ts: str | None) -> None:
        try:
            self._post_messages(place, self.view.messages(reply, ctx), placeholder_ts)
        except SlackApiError as failure:
            if _error(failure) != "invalid_blocks" or ctx.feedback_style == "buttons":
                raise
            # Some workspaces do not take the context_actions block yet: plain buttons from now on.
            self._feedback_refused()
            plain = self.view.messages(reply, replace(ctx, feedback_style="buttons"))
            self._post_messages(place, plain, placeholder_ts)

    def _post_messages(self, place: Place, messages: list[SlackMessage], placeholder_ts: str | None) -> None:
        for number, message in enumerate(messages):
            if number == 0 and placeholder_ts is not None:
                self.client.chat_update(
                    channel=place.channel, ts=placeholder_ts, text=message.text, blocks=message.blocks
                )
            else:
                self.client.chat_postMessage(
                    channel=place.channel, thread_ts=place.thread_ts, text=message.text, blocks=message.blocks
                )

    def _feedback_refused(self) -> None:
        log.warning("Slack refused the context_actions feedback block; using plain buttons from now on")
        self.feedback_style = "buttons"

    def upload(self, place: Place, files: list[OutFile]) -> None:
        for file in files:
            self.client.files_upload_v2(
                channel=place.channel,
                thread_ts=place.thread_ts,
                content=file.content,
                filename=file.name,
                title=file.name,
            )

    # ---------- short notes ----------
    def say(self, place: Place, text: str, *, replace_ts: str | None = None) -> str | None:
        """A plain message in the conversation (replacing ``replace_ts`` when given); its ts."""
        if replace_ts is not None:
            self.client.chat_update(channel=place.channel, ts=replace_ts, text=text, blocks=[])
            return replace_ts
        response = self.client.chat_postMessage(channel=place.channel, thread_ts=place.thread_ts, text=text)
        return str(response["ts"])

    def whisper(self, place: Place, text: str) -> None:
        """A note only the user sees."""
        self.client.chat_postEphemeral(
            channel=place.channel, user=place.user, thread_ts=place.thread_ts, text=text
        )


def _error(failure: SlackApiError) -> str:
    return str(failure.response.get("error", ""))
