"""The work behind clicks, modal submissions and App Home, run after the acknowledgement.

Each method turns a payload into calls on the coach or a domain service (plans, sections, feedback,
escalations) and draws the result; the rules about who may do what live in those services.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from datetime import date, timedelta
from typing import Any

from slack_sdk.errors import SlackApiError

from bot.coach.plan_sections import SectionEdit
from bot.coach.reply import Language
from bot.plans.access import Action
from bot.plans.repository import PlanRecord
from bot.slack.deps import SlackDeps
from bot.slack.home_summary import home_summary
from bot.slack.inbound import Click, answer_of, click, click_request, conversation_ref
from bot.slack.places import Place
from bot.slack.runner import TurnRequest
from bot.slack.views import blocks as bk
from bot.slack.views.home import home_view
from bot.slack.views.plan_modal import section_modal
from bot.slack.views.refs import FeedbackValue, PlanRef
from bot.slack.views.reply import ReplyContext
from bot.slack.worker import Priority

log = logging.getLogger(__name__)

SNOOZE_DAYS = 7


class Interactions:
    def __init__(self, deps: SlackDeps) -> None:
        self.deps = deps
        self.wording = deps.wording
        self.client = deps.client

    def _language(self, user: str) -> Language:
        return self.deps.profiles.language(user)

    def _whisper(self, clicked: Click, key: str, **values: Any) -> None:
        place = Place(user=clicked.user, channel=clicked.channel, thread_ts=clicked.message_thread_ts)
        self.deps.delivery.whisper(place, self.wording.text(key, self._language(clicked.user), **values))

    # ---------- a form's answers and next steps ----------
    def answer(self, clicked: Click) -> None:
        """Called on the acknowledgement path: only decides and queues."""
        ref = conversation_ref(clicked)
        place = Place(user=clicked.user, channel=clicked.channel, thread_ts=clicked.message_thread_ts)
        runner = self.deps.runner
        if clicked.user != ref.owner:
            runner.run_later(
                lambda: self._whisper(clicked, "not_your_form", owner=ref.owner), place, Priority.QUICK
            )
            return
        text = answer_of(clicked.action)
        if not runner.submit(click_request(clicked, ref, text)):
            runner.run_later(lambda: self._whisper(clicked, "busy"), place, Priority.QUICK)
            return
        runner.run_later(lambda: self._mark_answered(clicked, text), place, Priority.QUICK)

    def _mark_answered(self, clicked: Click, text: str) -> None:
        """The question's buttons give way to the answer given, so the thread reads as it went."""
        blocks = list(clicked.message.get("blocks") or [])
        if not blocks:
            return
        note = bk.context(
            [self.wording.text("answered", self._language(clicked.user), answer=bk.escape(text))]
        )
        updated = [note if b.get("block_id") == clicked.action.block_id else b for b in blocks]
        try:
            self.client.chat_update(
                channel=clicked.channel,
                ts=clicked.message_ts,
                text=str(clicked.message.get("text") or text),
                blocks=updated,
            )
        except SlackApiError as failure:
            log.info("question message not updated: %s", failure.response.get("error"))

    def command(self, clicked: Click) -> None:
        """A next-step button: its command, said in the conversation the buttons belong to."""
        ref = conversation_ref(clicked)
        request = click_request(clicked, ref, str(clicked.action.value or ""))
        if not self.deps.runner.submit(request):
            self.deps.runner.run_later(lambda: self._whisper(clicked, "busy"), request.place, Priority.QUICK)

    # ---------- feedback ----------
    def feedback(self, body: dict[str, Any]) -> None:
        clicked = click(body)
        value = FeedbackValue.decode(str(clicked.action.value or ""))
        self.deps.feedback.record(
            user_id=clicked.user,
            channel=clicked.channel,
            message_ts=clicked.message_ts,
            question=value.question,
            answer=message_text(clicked.message),
            vote=value.vote,
        )
        if ":" in clicked.action.action_id:  # plain buttons show no state of their own: say thanks
            self._whisper(clicked, "feedback.thanks")

    # ---------- plans ----------
    def _plan(self, clicked: Click, action: Action) -> tuple[PlanRef, PlanRecord | None]:
        """The plan a button names, if the clicker may ``action`` it; a refusal is said to them (and
        logged by the access check)."""
        option = clicked.action.selected_option or {}
        ref = PlanRef.decode(str(option.get("value") or clicked.action.value or ""))
        record, decision = self.deps.sections.open(clicked.user, ref.plan_id, action)
        if record is None:
            self._whisper(clicked, "plan.not_found" if decision.reason == "no_plan" else "plan.refused")
        return ref, record

    def open_section_editor(self, body: dict[str, Any]) -> None:
        clicked = click(body)
        ref, record = self._plan(clicked, "edit")
        if record is None:
            return
        language = self._language(clicked.user)
        section = ref.section or ""
        view = section_modal(
            self.deps.sections.fields(clicked.user, record, section, language),
            title=self.deps.sections.section_title(section, language),
            account=record.account_name,
            ref=ref,
            language=language,
            wording=self.wording,
        )
        self.client.views_open(trigger_id=body["trigger_id"], view=view)

    def export_plan(self, body: dict[str, Any]) -> None:
        clicked = click(body)
        ref, record = self._plan(clicked, "export")
        if record is None:
            return
        language = self._language(clicked.user)
        markdown = self.deps.renderer.markdown(record, language, self.deps.plans.people_names())
        self.client.files_upload_v2(
            channel=ref.channel or clicked.channel,
            thread_ts=ref.thread or clicked.message_thread_ts,
            content=markdown,
            filename=export_name(record),
            title=self.wording.text("plan.export_title", language, account=record.account_name),
        )

    def open_plan(self, body: dict[str, Any]) -> None:
        """A plan opened from a link (App Home): shown in the user's DM if they may see it; refused and
        logged if not."""
        clicked = click_from_home(body)
        value = str(clicked["value"])
        # App Home's buttons carry a PlanRef; a reminder's carries the plan id alone.
        ref = PlanRef(plan_id=int(value)) if value.isdigit() else PlanRef.decode(value)
        user = clicked["user"]
        language = self._language(user)
        dm = self.client.conversations_open(users=user)["channel"]["id"]
        place = Place(user=user, channel=dm)
        record, decision = self.deps.sections.open(user, ref.plan_id, "view")
        if record is None:
            key = "plan.not_found" if decision.reason == "no_plan" else "plan.refused"
            self.deps.delivery.say(place, self.wording.text(key, language))
            return
        view = self.deps.sections.view(user, record, language)
        ctx = ReplyContext(owner=user, channel=dm, thread=None)
        blocks = [
            bk.section(self.wording.text("plan.opened", language, account=bk.escape(record.account_name)))
        ]
        blocks += self.deps.view.plan(view, language, ctx)
        self.client.chat_postMessage(channel=dm, text=record.account_name, blocks=blocks)

    def section_saved(self, place: Place, ref: PlanRef, edit: SectionEdit, language: Language) -> None:
        """After a modal saved a section: say what was saved, and show the plan's completeness."""
        record = edit.record
        if record is None:
            return
        title = self.deps.sections.section_title(ref.section or "", language)
        text = self.wording.text(
            "plan.saved", language, count=len(edit.saved), section=title, account=record.account_name
        )
        ctx = ReplyContext(owner=place.user, channel=place.channel, thread=place.thread_ts)
        blocks = [
            bk.section(bk.escape(text)),
            *self.deps.view.plan(self.deps.sections.view(place.user, record, language), language, ctx),
        ]
        self.client.chat_postMessage(
            channel=place.channel, thread_ts=place.thread_ts, text=text, blocks=blocks
        )

    # ---------- reminders and digests ----------
    def _rhythm_done(self, body: dict[str, Any], key: str, **values: Any) -> None:
        """The outcome said to the clicker, and on the message the buttons were on (which gives way to it)."""
        clicked = click_from_home(body)
        language = self._language(clicked["user"])
        text = self.wording.text(key, language, **values)
        channel = (body.get("channel") or {}).get("id")
        message = body.get("message") or {}
        if channel and message.get("ts") and key.startswith("rhythm.done"):
            action_block = ((body.get("actions") or [{}])[0]).get("block_id")
            blocks = [
                bk.context([text]) if b.get("block_id") == action_block else b
                for b in message.get("blocks") or []
            ]
            try:
                self.client.chat_update(channel=channel, ts=message["ts"], text=text, blocks=blocks)
                return
            except SlackApiError as failure:
                log.info("reminder message not updated: %s", failure.response.get("error"))
        self.deps.delivery.say(Place(user=clicked["user"], channel=channel or clicked["user"]), text)

    def _rhythm(self, body: dict[str, Any], act: Callable[[str, int], tuple[str, dict[str, Any]]]) -> None:
        from bot.rhythm.service import InvalidRequest, NotAllowed

        clicked = click_from_home(body)
        try:
            key, values = act(clicked["user"], int(clicked["value"]))
        except (ValueError, InvalidRequest) as bad:
            log.warning("%s refused: %s", (body.get("actions") or [{}])[0].get("action_id"), bad)
            self._rhythm_done(body, "rhythm.invalid")
            return
        except NotAllowed:
            self._rhythm_done(body, "rhythm.not_allowed")
            return
        self._rhythm_done(body, key, **values)

    def milestone_done(self, body: dict[str, Any]) -> None:
        def act(user: str, milestone: int) -> tuple[str, dict[str, Any]]:
            view = self.deps.rhythm.mark_done(milestone, user, self._language(user))
            return "rhythm.done_milestone", {"title": view.title, "user": user}

        self._rhythm(body, act)

    def milestone_snooze_week(self, body: dict[str, Any]) -> None:
        def act(user: str, milestone: int) -> tuple[str, dict[str, Any]]:
            until = self.deps.profiles.today(user) + timedelta(days=SNOOZE_DAYS)
            view = self.deps.rhythm.snooze(milestone, until, user, self._language(user))
            return "rhythm.done_snoozed", {"title": view.title, "until": until.isoformat(), "user": user}

        self._rhythm(body, act)

    def decide_escalation(self, body: dict[str, Any], *, approve: bool) -> None:
        def act(user: str, escalation: int) -> tuple[str, dict[str, Any]]:
            self.deps.rhythm.decide_escalation(escalation, user, approve)
            return ("rhythm.done_approved" if approve else "rhythm.done_rejected"), {
                "id": escalation,
                "user": user,
            }

        self._rhythm(body, act)

    # ---------- App Home ----------
    def start_in_dm(self, body: dict[str, Any], key: str) -> None:
        user = click_from_home(body)["user"]
        language = self._language(user)
        dm = self.client.conversations_open(users=user)["channel"]["id"]
        text = self.wording.shared("command_turns")[key][language]
        request = TurnRequest(place=Place(user=user, channel=dm), text=text, new_thread=True)
        if not self.deps.runner.submit(request):
            self.deps.delivery.say(Place(user=user, channel=dm), self.wording.text("busy", language))

    def escalation_seen(self, body: dict[str, Any]) -> None:
        clicked = click_from_home(body)
        user = clicked["user"]
        wanted = int(str(clicked["value"]))
        mine = {item.id for item in self.deps.escalations.list_for_manager(user, unseen_only=True)}
        if wanted in mine:
            self.deps.escalations.mark_seen([wanted])
        else:
            log.warning("escalation %s marked seen by %s, who does not manage it: refused", wanted, user)
        self.publish_home(user)

    def publish_home(self, user: str) -> None:
        language = self._language(user)
        summary = home_summary(user, self.deps.plans, self.deps.escalations, self.deps.feedback, date.today())
        view = home_view(summary, language, self.wording, self.deps.plan_wording)
        self.client.views_publish(user_id=user, view=view)


def click_from_home(body: dict[str, Any]) -> dict[str, str]:
    """A click in App Home (no channel, no message): who clicked and the element's value."""
    action = (body.get("actions") or [{}])[0]
    option = action.get("selected_option") or {}
    return {"user": str(body["user"]["id"]), "value": str(option.get("value") or action.get("value") or "")}


def message_text(message: dict[str, Any]) -> str:
    """What the message said: its text, else the text of its prose blocks."""
    parts = [str(message.get("text") or "")]
    for block in message.get("blocks") or []:
        if block.get("type") == "markdown":
            parts.append(str(block.get("text") or ""))
    return "\n".join(p for p in parts if p).strip()


def export_name(record: PlanRecord) -> str:
    safe = "".join(ch if ch.isalnum() or ch in "-_" else "-" for ch in record.account_name).strip("-")
    return f"{safe or 'account'}-plan.md"
