"""Modal submissions: a plan section edited in its modal. Slack needs the verdict in the acknowledgement
(errors keep the modal open), so the section is read and saved inside the request; the rest is queued."""

from __future__ import annotations

import logging
from typing import Any

from slack_bolt import Ack, App

from bot.slack.deps import SlackDeps
from bot.slack.interactions import Interactions
from bot.slack.places import Place
from bot.slack.views.plan_modal import submitted_texts
from bot.slack.views.refs import PLAN_SECTION_VIEW, BadRef, PlanRef

log = logging.getLogger(__name__)


def register(app: App, deps: SlackDeps) -> None:
    wording = deps.wording
    work = Interactions(deps)

    @app.view(PLAN_SECTION_VIEW)
    def on_section_saved(ack: Ack, body: dict[str, Any], view: dict[str, Any]) -> None:
        user = str((body.get("user") or {}).get("id") or "")
        try:
            ref = PlanRef.decode(str(view.get("private_metadata") or ""))
        except BadRef as bad:
            log.warning("plan section modal refused: %s", bad)
            ack()
            return
        texts = submitted_texts(view)
        language = deps.profiles.cached_language(user) or deps.settings.default_language
        edit = deps.sections.apply(user, ref.plan_id, ref.section or "", texts, language)
        if edit.refused is not None:
            first = next(iter(texts), "")
            ack(response_action="errors", errors={first: wording.text("plan.refused", language)})
            return
        if edit.errors:
            ack(response_action="errors", errors=edit.errors)
            return
        ack()
        place = Place(user=user, channel=ref.channel or user, thread_ts=ref.thread)
        deps.runner.run_later(lambda: work.section_saved(place, ref, edit, language), place)
