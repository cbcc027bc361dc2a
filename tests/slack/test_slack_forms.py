"""Forms in Slack through a real ``kam-coach serve --http``, on SQLite and PostgreSQL: a pricing form in a
thread by typed values and buttons, a plan drafted over DMs and edited in a modal, its export and its
access rules, a CSV uploaded for prioritising, and App Home."""

from __future__ import annotations

import importlib.util
from datetime import date, timedelta

import pytest
from sqlalchemy import select

from bot.store.db import Database
from bot.store.escalation_store import EscalationStore
from bot.store.models import AccessLog, Person
from tests.conftest import REPO
from tests.slack.helpers import as_payload_message, blocks_of, click_button, elements, select_option
from tests.slack.sender import block_action, mention_event, message_event, view_submission
from tests.slack.standin import Message

pytestmark = pytest.mark.slow  # a serve process per database

FORMS_PORTED = importlib.util.find_spec("bot.coach.forms") is not None
needs_forms = pytest.mark.skipif(
    not FORMS_PORTED, reason="needs the ported forms of issue 5 (Reply.ask choices, attachments)"
)


def in_thread(text: str, user: str, channel: str, thread: str) -> dict:
    return message_event(text, user=user, channel=channel, channel_type="channel", thread_ts=thread)


def answer_buttons(message: Message) -> list[tuple[dict, dict]]:
    return [(b, e) for b, e in elements(message) if str(e.get("action_id", "")).startswith("kam_answer")]


def test_a_pricing_form_runs_in_its_thread_to_a_decision(slack_app, standin, ids):
    start = mention_event("price a deal", user=ids.user, channel=ids.channel)
    slack_app.sender.event(start)
    thread = start["ts"]
    answers = ["ACME renewal", "100", "10%", "85", "70", "40", "55%", "75%"]
    for count, text in enumerate(answers, start=1):
        standin.wait_for_message(ids.channel, thread, count=count)
        slack_app.sender.event(in_thread(text, ids.user, ids.channel, thread))
    question = standin.wait_for_message(ids.channel, thread, count=len(answers) + 1)[-1]
    assert "yes/no" in question.all_text() or answer_buttons(question)
    slack_app.sender.event(in_thread("no", ids.user, ids.channel, thread))
    decision = standin.wait_for_message(ids.channel, thread, count=len(answers) + 2)[-1]
    text = decision.all_text()
    assert "85" in text and "marginal" in text.lower()


@needs_forms
def test_a_yes_no_question_is_answered_by_its_button_once(slack_app, standin, ids):
    start = mention_event("price a deal", user=ids.user, channel=ids.channel)
    slack_app.sender.event(start)
    thread = start["ts"]
    for count, text in enumerate(["ACME", "100", "10%", "85", "70", "40", "55%", "75%"], start=1):
        standin.wait_for_message(ids.channel, thread, count=count)
        slack_app.sender.event(in_thread(text, ids.user, ids.channel, thread))
    question = standin.wait_for_message(ids.channel, thread, count=9)[-1]
    block, no = next((b, e) for b, e in answer_buttons(question) if e["text"]["text"].lower() in ("no", "否"))
    # Someone else's click is refused; the owner's answers; a double click is not a second answer.
    stranger = click_button(question, no, block, user=f"{ids.user}X", channel=ids.channel)
    slack_app.sender.interaction(stranger)
    click = click_button(question, no, block, user=ids.user, channel=ids.channel)
    slack_app.sender.interaction(click)
    slack_app.sender.interaction(click_button(question, no, block, user=ids.user, channel=ids.channel))
    decision = standin.wait_for_message(ids.channel, thread, count=10)[-1]
    assert "85" in decision.all_text()
    standin.wait_for(
        lambda: f"event click:{ids.channel}:{question.ts}:" in slack_app.log()
    )  # the second click
    assert len(standin.messages(ids.channel, thread)) == 10
    standin.wait_for(
        lambda: [c for c in standin.calls("chat.postEphemeral") if c.args["user"] == f"{ids.user}X"]
    )
    # The question's buttons give way to the answer given.
    standin.wait_for(lambda: not answer_buttons(standin.messages(ids.channel, thread)[-2]))


def _open_plan_from_home(slack_app, standin, user: str) -> Message:
    slack_app.sender.event({"type": "app_home_opened", "user": user, "channel": f"D{user}", "tab": "home"})
    home = standin.wait_for(lambda: standin.home_views.get(user))
    open_button = next(
        b["accessory"] for b in home["blocks"] if b.get("accessory", {}).get("action_id") == "kam_plan_open"
    )
    click = block_action(
        {"type": "button", "action_id": "kam_plan_open", "block_id": "h", "value": open_button["value"]},
        user=user,
        view={"id": f"VH{user}", "type": "home"},
    )
    slack_app.sender.interaction(click)
    dm = "D" + user.removeprefix("U")[:10]

    def plan_view() -> Message | None:
        shown = [
            m
            for m in standin.messages(dm)
            if any(e.get("action_id") == "kam_plan_edit" for _, e in elements(m))
        ]
        return shown[-1] if shown else None

    return standin.wait_for(plan_view)


def test_a_plan_drafted_over_dms_is_edited_in_a_modal_and_exported(slack_app, standin, ids):
    dm = "D" + ids.user.removeprefix("U")[:10]
    slack_app.sender.event(message_event("start a plan for Initech", user=ids.user, channel=dm))
    standin.wait_for_message(dm, contains="Initech")
    slack_app.sender.event(message_event("Initech", user=ids.user, channel=dm))
    standin.wait_for_message(dm, count=2)

    plan = _open_plan_from_home(slack_app, standin, ids.user)
    assert "Initech" in plan.all_text()
    opened_before = len(standin.calls("views.open"))
    slack_app.sender.interaction(select_option(plan, "kam_plan_edit", "Customer", user=ids.user, channel=dm))
    standin.wait_for(lambda: len(standin.calls("views.open")) > opened_before)
    modal_call = standin.calls("views.open")[-1]
    view = {**modal_call.args["view"], "id": "V1"}
    inputs = {b["block_id"]: b for b in view["blocks"] if b["type"] == "input"}
    assert inputs["customer.name"]["element"]["initial_value"] == "Initech"

    def values(**texts: str) -> dict:
        return {path: {"value": {"type": "plain_text_input", "value": text}} for path, text in texts.items()}

    bad = slack_app.sender.interaction(
        view_submission(
            view, values(**{"customer.industry": "Banking", "customer.employees": "lots"}), user=ids.user
        )
    )
    assert bad.status_code == 200
    assert bad.json()["response_action"] == "errors" and "customer.employees" in bad.json()["errors"]

    good = slack_app.sender.interaction(
        view_submission(
            view, values(**{"customer.industry": "Banking", "customer.employees": "1200"}), user=ids.user
        )
    )
    assert good.status_code == 200 and not good.content, "a valid section closes the modal"
    saved = standin.wait_for_message(dm, contains="Saved 2")[-1]
    assert "Initech" in saved.all_text()

    export_before = len(standin.uploaded())
    export = next((b, e) for b, e in elements(saved) if e.get("action_id") == "kam_plan_export")
    slack_app.sender.interaction(click_button(saved, export[1], export[0], user=ids.user, channel=dm))
    standin.wait_for(lambda: len(standin.uploaded()) > export_before)
    args, stored = standin.uploaded()[-1]
    assert stored.name.endswith(".md") and b"Banking" in stored.content and args["channel_id"] == dm


def test_an_outsider_opening_a_plan_link_is_refused_and_logged(slack_app, standin, ids):
    dm = "D" + ids.user.removeprefix("U")[:10]
    slack_app.sender.event(message_event("start a plan for Stark Industries", user=ids.user, channel=dm))
    standin.wait_for_message(dm, contains="Stark")
    slack_app.sender.event({"type": "app_home_opened", "user": ids.user, "channel": dm, "tab": "home"})
    home = standin.wait_for(lambda: standin.home_views.get(ids.user))
    link = next(
        b["accessory"]["value"]
        for b in home["blocks"]
        if b.get("accessory", {}).get("action_id") == "kam_plan_open"
    )
    outsider = f"{ids.user}Q"
    click = block_action(
        {"type": "button", "action_id": "kam_plan_open", "block_id": "h", "value": link},
        user=outsider,
        view={"id": "VX", "type": "home"},
    )
    slack_app.sender.interaction(click)
    outsider_dm = "D" + outsider.removeprefix("U")[:10]
    [refusal] = standin.wait_for_message(outsider_dm, contains="cannot open")
    assert "Stark" not in refusal.all_text()
    db = Database(slack_app.database_url)
    with db.session() as session:
        logged = session.scalars(select(AccessLog).where(AccessLog.user_id == outsider)).all()
    assert [(row.allowed, row.reason) for row in logged] == [(False, "outsider")]


def test_app_home_shows_plans_and_a_managers_pending_escalations(slack_app, standin, ids):
    db = Database(slack_app.database_url)
    manager, seller = f"{ids.user}M", ids.user
    with db.session() as session:
        session.add(Person(slack_id=manager, name="Mia Manager"))
        session.flush()
        session.add(Person(slack_id=seller, name="Sam Seller", manager_id=manager))
    escalation = EscalationStore(db).record(
        requested_by=seller, deal_label="Umbrella Corp", decision={"recommended_price": 850000.0}
    )
    slack_app.sender.event({"type": "app_home_opened", "user": manager, "channel": "D1", "tab": "home"})
    home = standin.wait_for(lambda: standin.home_views.get(manager))
    text = " ".join(str(b.get("text", {}).get("text", "")) for b in home["blocks"])
    assert "Umbrella Corp" in text and "850,000" in text
    actions = [e["action_id"] for b in home["blocks"] if b["type"] == "actions" for e in b["elements"]]
    assert {"kam_home_start_plan", "kam_home_price"} <= set(actions)

    # "Mark as seen" takes it off the list.
    standin.home_views.pop(manager)
    click = block_action(
        {"type": "button", "action_id": "kam_escalation_seen", "block_id": "e", "value": str(escalation.id)},
        user=manager,
        view={"id": "VH", "type": "home"},
    )
    slack_app.sender.interaction(click)
    home = standin.wait_for(lambda: standin.home_views.get(manager))
    assert "Umbrella Corp" not in str(home)


def test_home_buttons_start_a_conversation_in_the_dm(slack_app, standin, ids):
    click = block_action(
        {"type": "button", "action_id": "kam_home_price", "block_id": "h", "value": "price"},
        user=ids.user,
        view={"id": "VH", "type": "home"},
    )
    slack_app.sender.interaction(click)
    dm = "D" + ids.user.removeprefix("U")[:10]
    [root] = standin.wait_for_message(dm, contains="deal")
    assert root.thread_ts is None and blocks_of(root, "markdown")


@needs_forms
def test_a_csv_uploaded_with_prioritise_is_ranked(slack_app, standin, ids):
    csv = (REPO / "examples" / "opportunities.csv").read_bytes()
    file = standin.add_file("opportunities.csv", csv)
    event = mention_event("prioritise my opportunities", user=ids.user, channel=ids.channel, files=[file])
    slack_app.sender.event(event)
    [ranked] = standin.wait_for_message(ids.channel, event["ts"], contains="Broadband")
    labels = " ".join(b["text"]["text"] for b in blocks_of(ranked, "section")).lower()
    assert "act now" in labels and "shelve" in labels
    downloads = [c for c in standin.calls("download") if c.args["file_id"] == file["id"]]
    assert downloads and downloads[0].token and downloads[0].token.startswith("xoxb-")


def test_a_file_too_large_is_refused_with_a_message(slack_app, standin, ids):
    file = standin.add_file("huge.csv", b"name,kind\n")
    file["size"] = 50 * 1024 * 1024
    event = mention_event("prioritise my opportunities", user=ids.user, channel=ids.channel, files=[file])
    slack_app.sender.event(event)
    [note] = standin.wait_for_message(ids.channel, event["ts"], contains="huge.csv")
    assert "MB" in note.all_text()
    assert not [c for c in standin.calls("download") if c.args["file_id"] == file["id"]]


def test_a_click_on_a_message_without_a_conversation_reference_is_ignored(slack_app, standin, ids):
    forged = block_action(
        {"type": "button", "action_id": "kam_answer:0", "block_id": "nonsense", "value": "yes"},
        user=ids.user,
        channel=ids.channel,
        message=as_payload_message(Message(channel=ids.channel, ts="1.1", thread_ts=None)),
    )
    assert slack_app.sender.interaction(forged).status_code == 200
    standin.wait_for(lambda: "answer click ignored" in slack_app.log())
    assert not standin.messages(ids.channel)


def _rhythm(database_url: str):
    from bot.rhythm.config import RhythmConfig
    from bot.rhythm.service import RhythmService
    from bot.rhythm.wording import RhythmWording
    from bot.settings import Settings

    settings = Settings()
    return RhythmService(
        Database(database_url), RhythmConfig.from_settings(settings), RhythmWording(settings.prompts_dir)
    )


def _reminder_click(action_id: str, value: str, *, user: str, channel: str) -> dict:
    message = Message(channel=channel, ts="1700000999.000001", thread_ts=None, text="Reminder")
    message.blocks = [
        {"type": "section", "block_id": "rhythm_reminder_1", "text": {"type": "mrkdwn", "text": "QBR due"}},
        {"type": "actions", "block_id": "rhythm_actions_1", "elements": []},
    ]
    action = {"type": "button", "action_id": action_id, "block_id": "rhythm_actions_1", "value": value}
    return block_action(action, user=user, channel=channel, message=as_payload_message(message))


def test_reminder_buttons_mark_done_and_snooze_with_the_rhythm_rules(slack_app, standin, ids):
    rhythm = _rhythm(slack_app.database_url)
    due = date.today() + timedelta(days=10)
    done = rhythm.add_milestone(account="Cyberdyne", owner=ids.user, due=due, title="QBR with Cyberdyne")
    later = rhythm.add_milestone(account="Cyberdyne", owner=ids.user, due=due, title="Proposal to Cyberdyne")
    dm = "D" + ids.user.removeprefix("U")[:10]

    # A stranger may not; the owner may. The message's buttons give way to what was done.
    slack_app.sender.interaction(
        _reminder_click("rhythm.milestone_done", str(done.id), user=f"{ids.user}Z", channel=dm)
    )
    slack_app.sender.interaction(
        _reminder_click("rhythm.milestone_done", str(done.id), user=ids.user, channel=dm)
    )
    slack_app.sender.interaction(
        _reminder_click("rhythm.milestone_snooze_week", str(later.id), user=ids.user, channel=dm)
    )

    def outcome(words: str) -> list:
        updates = [c for c in standin.calls("chat.update") if c.args.get("channel") == dm]
        return [c for c in updates if words in c.args.get("text", "")]

    standin.wait_for(lambda: outcome("snoozed until") and outcome("marked done"))
    states = {m.id: m for m in rhythm.list_milestones(owner=ids.user)}
    assert states[done.id].state == "done" and states[done.id].done_by == ids.user
    assert states[later.id].state == "snoozed" and states[later.id].snoozed_until >= due - timedelta(days=10)
    refused = standin.wait_for(lambda: [m for m in standin.messages(dm) if "may not" in m.text])
    assert refused
