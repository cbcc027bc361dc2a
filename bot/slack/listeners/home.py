"""App Home: published each time the user opens the Home tab."""

from __future__ import annotations

from typing import Any

from slack_bolt import Ack, App

from bot.slack.deps import SlackDeps
from bot.slack.interactions import Interactions
from bot.slack.places import Place


def register(app: App, deps: SlackDeps) -> None:
    work = Interactions(deps)

    @app.event("app_home_opened")
    def on_home_opened(ack: Ack, event: dict[str, Any]) -> None:
        ack()
        user = str(event.get("user") or "")
        if event.get("tab", "home") != "home" or not user:
            return
        deps.runner.run_later(lambda: work.publish_home(user), Place(user=user, channel=user))
