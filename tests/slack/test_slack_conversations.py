"""Talking to the coach in Slack, through a real ``kam-coach serve --http`` on SQLite and on PostgreSQL:
mentions, DMs, the AI-app thread, conversations that continue in their thread, every ``/kam``
sub-command, and feedback on answers."""

from __future__ import annotations

import json
import subprocess
import sys

import pytest

from bot.store.db import Database
from bot.store.feedback_store import FeedbackStore
from tests.conftest import REPO, cli_env
from tests.slack.helpers import blocks_of, click_feedback
from tests.slack.sender import mention_event, message_event, new_ts

pytestmark = pytest.mark.slow  # a serve process per database

ANSWERED_QUESTION = "What is LRAIC and why does it matter?"


def in_thread(text: str, user: str, channel: str, thread: str) -> dict:
    """A reply in a channel thread, without a mention (a message.channels event)."""
    return message_event(text, user=user, channel=channel, channel_type="channel", thread_ts=thread)


def test_a_mention_is_answered_in_its_thread_with_sources_and_feedback_buttons(slack_app, standin, ids):
    event = mention_event(ANSWERED_QUESTION, user=ids.user, channel=ids.channel)
    response = slack_app.sender.event(event)
    assert response.status_code == 200

    [answer] = standin.wait_for_message(ids.channel, event["ts"], contains="LRAIC")
    assert answer.thread_ts == event["ts"], "a mention is answered in its thread"
    assert answer.streamed, "an answer in a thread streams"
    sources = " ".join(b["elements"][0]["text"] for b in blocks_of(answer, "context"))
    assert "Sources" in sources and "seed chunk" in sources
    [feedback] = blocks_of(answer, "context_actions")
    assert feedback["elements"][0]["type"] == "feedback_buttons"
    start = standin.calls("chat.startStream")[-1].args
    assert start["recipient_user_id"] == ids.user and start["recipient_team_id"]


def test_thumbs_are_stored_with_question_and_answer_and_counted_for_admins(
    slack_app, standin, ids, shared_data_dir
):
    event = mention_event(ANSWERED_QUESTION, user=ids.user, channel=ids.channel)
    slack_app.sender.event(event)
    [answer] = standin.wait_for_message(ids.channel, event["ts"], contains="LRAIC")
    store = FeedbackStore(Database(slack_app.database_url))

    def my_votes() -> list:
        return [r for r in store.recent(limit=1000) if r.user_id == ids.user]

    click = click_feedback(answer, positive=False, user=ids.user, channel=ids.channel)
    assert slack_app.sender.interaction(click).status_code == 200
    [vote] = standin.wait_for(my_votes)
    assert (vote.vote, vote.question) == ("down", ANSWERED_QUESTION) and "LRAIC" in vote.answer

    # A change of mind replaces the vote: still one vote from this user on this answer.
    slack_app.sender.interaction(click_feedback(answer, positive=True, user=ids.user, channel=ids.channel))
    standin.wait_for(lambda: [v.vote for v in my_votes()] == ["up"])

    # Admins read the counts with `kam-coach feedback`.
    env = cli_env(shared_data_dir, DATABASE_URL=slack_app.database_url)
    done = subprocess.run(
        [sys.executable, "-m", "bot", "feedback", "--json"],
        capture_output=True,
        text=True,
        cwd=REPO,
        env=env,
        timeout=120,
    )
    assert done.returncode == 0, done.stderr
    counts = json.loads(done.stdout)
    assert counts["up"] == store.counts().up >= 1 and counts["down"] == store.counts().down


def test_a_direct_message_is_answered_at_the_top_of_the_dm(slack_app, standin, ids):
    event = message_event("LRAIC是什么意思？", user=ids.user, channel=ids.dm)
    assert slack_app.sender.event(event).status_code == 200
    [answer] = standin.wait_for_message(ids.dm, contains="成本")
    assert answer.thread_ts is None and not answer.streamed
    assert any("出处" in b["elements"][0]["text"] for b in blocks_of(answer, "context")), "sources in Chinese"
    assert blocks_of(answer, "markdown"), "the prose is a markdown block"


def test_the_ai_app_thread_gets_prompts_status_title_and_a_streamed_answer(slack_app, standin, ids):
    thread = new_ts()
    started = {
        "type": "assistant_thread_started",
        "assistant_thread": {"user_id": ids.user, "channel_id": ids.dm, "thread_ts": thread, "context": {}},
        "event_ts": thread,
    }
    assert slack_app.sender.event(started).status_code == 200
    prompts = standin.wait_for(
        lambda: [
            c for c in standin.calls("assistant.threads.setSuggestedPrompts") if c.args["thread_ts"] == thread
        ]
    )
    assert len(prompts[0].args["prompts"]) >= 3

    event = message_event(ANSWERED_QUESTION, user=ids.user, channel=ids.dm, thread_ts=thread)
    slack_app.sender.event(event)
    [answer] = standin.wait_for_message(ids.dm, thread, contains="LRAIC")
    assert answer.streamed and answer.thread_ts == thread
    statuses = [c.args for c in standin.calls("assistant.threads.setStatus") if c.args["thread_ts"] == thread]
    assert statuses and statuses[0]["status"], "a thinking status while the answer is worked on"
    titles = [c.args for c in standin.calls("assistant.threads.setTitle") if c.args["thread_ts"] == thread]
    assert titles == [{"channel_id": ids.dm, "thread_ts": thread, "title": ANSWERED_QUESTION}]


def test_without_the_ai_surface_the_answer_is_a_plain_message(slack_app, standin, ids):
    standin.fail("assistant.threads.setStatus", error="not_allowed_token_type", times=1)
    standin.fail("chat.startStream", error="not_allowed", times=1)
    thread = new_ts()
    event = message_event(ANSWERED_QUESTION, user=ids.user, channel=ids.dm, thread_ts=thread)
    slack_app.sender.event(event)
    [answer] = standin.wait_for_message(ids.dm, thread, contains="LRAIC")
    assert not answer.streamed and answer.thread_ts == thread
    assert blocks_of(answer, "context_actions"), "still with its feedback buttons"


def test_a_form_started_by_a_mention_continues_in_its_thread_without_mentions(slack_app, standin, ids):
    event = mention_event("price a deal", user=ids.user, channel=ids.channel)
    slack_app.sender.event(event)
    thread = event["ts"]
    standin.wait_for_message(ids.channel, thread, contains="deal")

    # The answer comes as a plain reply in the thread (a message event, no mention).
    reply = message_event(
        "ACME renewal", user=ids.user, channel=ids.channel, channel_type="channel", thread_ts=thread
    )
    slack_app.sender.event(reply)
    messages = standin.wait_for_message(ids.channel, thread, count=2)
    assert "list price" in messages[-1].all_text().lower()

    # A reply in a thread with no open form is not the coach's business; nor is someone else's answer.
    other_thread = new_ts()
    slack_app.sender.event(
        message_event(
            "hello all", user=ids.user, channel=ids.channel, channel_type="channel", thread_ts=other_thread
        )
    )
    stranger = f"{ids.user}X"
    slack_app.sender.event(in_thread("100", stranger, ids.channel, thread))
    # A marker mention shows the app has got past both messages before we look.
    marker = mention_event(ANSWERED_QUESTION, user=ids.user, channel=ids.channel)
    slack_app.sender.event(marker)
    standin.wait_for_message(ids.channel, marker["ts"], contains="LRAIC")
    assert standin.messages(ids.channel, other_thread) == []
    assert len(standin.messages(ids.channel, thread)) == 2


def test_kam_alone_and_help_answer_with_help_in_the_acknowledgement(slack_app, ids):
    for text in ("", "help"):
        response = slack_app.sender.command(text, user=ids.user, channel=ids.channel)
        assert response.status_code == 200
        body = response.json()
        assert body["response_type"] == "ephemeral" and "/kam ask" in body["text"]
    chinese = slack_app.sender.command("帮助", user=ids.user, channel=ids.channel).json()
    assert "关键客户" in chinese["text"]


def test_kam_digest_sends_the_teams_week_to_a_manager(slack_app, standin, ids, tmp_path):
    from bot.plans.directory import import_people
    from bot.store.db import Database

    manager, report = ids.user, f"{ids.user}R"
    people = tmp_path / "people.csv"
    people.write_text(
        f"slack_id,name,manager_slack_id\n{manager},Mia Manager,\n{report},Rex Rep,{manager}\n",
        encoding="utf-8",
    )
    db = Database(slack_app.database_url)
    import_people(db, people)
    db.dispose()
    body = slack_app.sender.command("digest", user=manager, channel=ids.channel).json()
    assert body["response_type"] == "ephemeral" and "on its way" in body["text"]
    dm = "D" + manager.removeprefix("U")[:10]
    [digest] = standin.wait_for_message(dm, contains="")
    assert digest.blocks, "the digest is Block Kit"


def test_kam_digest_for_someone_not_in_the_people_directory(slack_app, standin, ids):
    slack_app.sender.command("digest", user=ids.user, channel=ids.channel)
    dm = "D" + ids.user.removeprefix("U")[:10]
    [message] = standin.wait_for_message(dm, contains="people directory")
    assert "import the people file" in message.all_text()


def test_kam_ask_answers_in_a_message_of_its_own(slack_app, standin, ids):
    response = slack_app.sender.command(f"ask {ANSWERED_QUESTION}", user=ids.user, channel=ids.channel)
    assert response.status_code == 200 and not response.content
    [answer] = standin.wait_for_message(ids.channel, contains="LRAIC")
    assert answer.thread_ts is None and answer.updates == 1, "the first message becomes the answer"
    assert blocks_of(answer, "context_actions")
    usage = slack_app.sender.command("ask", user=ids.user, channel=ids.channel).json()
    assert "/kam ask" in usage["text"]


def test_an_unknown_first_word_is_a_question(slack_app, standin, ids):
    slack_app.sender.command(ANSWERED_QUESTION, user=ids.user, channel=ids.channel)
    [answer] = standin.wait_for_message(ids.channel, contains="LRAIC")
    assert blocks_of(answer, "context_actions")


def test_kam_price_starts_the_pricing_form_in_a_thread_of_its_own(slack_app, standin, ids):
    slack_app.sender.command("price", user=ids.user, channel=ids.channel)
    [root] = standin.wait_for_message(ids.channel, contains="pric")
    assert root.thread_ts is None
    # The form's answers go in the root's thread.
    slack_app.sender.event(in_thread("ACME", ids.user, ids.channel, root.ts))
    messages = standin.wait_for_message(ids.channel, root.ts, count=2)
    assert "list price" in messages[-1].all_text().lower()


def test_kam_price_in_chinese(slack_app, standin, ids):
    slack_app.sender.command("报价", user=ids.user, channel=ids.channel)
    [root] = standin.wait_for_message(ids.channel, contains="定价")
    assert "单子" in root.all_text()


def test_kam_plan_with_an_account_starts_its_plan_and_without_lists_plans(slack_app, standin, ids):
    slack_app.sender.command("plan Globex", user=ids.user, channel=ids.channel)
    [root] = standin.wait_for_message(ids.channel, contains="Globex")
    slack_app.sender.command("plan", user=ids.user, channel=ids.channel)
    listing = standin.wait_for_message(ids.channel, count=2)[-1]
    assert "Globex" in listing.all_text() and listing.ts != root.ts


def test_kam_prioritise_and_prioritize_start_the_ranking(slack_app, standin, ids):
    slack_app.sender.command("prioritise", user=ids.user, channel=ids.channel)
    first = standin.wait_for_message(ids.channel, contains="opportunit")
    slack_app.sender.command("prioritize", user=ids.user, channel=f"{ids.channel}Z")
    second = standin.wait_for_message(f"{ids.channel}Z", contains="opportunit")
    assert first and second


def test_a_command_in_a_channel_without_the_bot_moves_to_a_dm(slack_app, standin, ids):
    standin.fail("chat.postMessage", error="not_in_channel", times=1)
    slack_app.sender.command(f"ask {ANSWERED_QUESTION}", user=ids.user, channel=ids.channel)
    opened = standin.wait_for(
        lambda: [c for c in standin.calls("conversations.open") if c.args.get("users") == ids.user]
    )
    assert opened
    dm = "D" + ids.user.removeprefix("U")[:10]
    [answer] = standin.wait_for_message(dm, contains="LRAIC")
    assert answer.thread_ts is None
