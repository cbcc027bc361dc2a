"""A conversation is keyed by who speaks and where: the terminal and Slack threads share one core."""

from __future__ import annotations

from bot.coach.turn import Turn


def test_keys_separate_users_channels_and_threads():
    keys = {
        Turn(text="", user_id="U1").conversation_key,
        Turn(text="", user_id="U2").conversation_key,
        Turn(text="", user_id="U1", channel_id="C1").conversation_key,
        Turn(text="", user_id="U1", channel_id="C1", thread_id="111.1").conversation_key,
        Turn(text="", user_id="U1", channel_id="C1", thread_id="222.2").conversation_key,
    }
    assert len(keys) == 5
    # A thread id without a channel cannot be told apart from the user's own conversation.
    assert Turn(text="", user_id="U1", thread_id="x").conversation_key == "U1"


def test_two_threads_hold_two_independent_dialogs(say):
    first = say("How should I price this deal for ACME?", channel_id="C1", thread_id="1.1")
    assert first.dialog == "pricing"
    # Another thread of the same user is a fresh conversation: a question is just answered.
    other = say("What is the customer value pyramid?", channel_id="C1", thread_id="2.2")
    assert other.dialog is None and other.intent == "question"
    assert other.citations[0].id == "customer-value-pyramid"
    # The first thread still waits for its deal's figures.
    again = say("status", channel_id="C1", thread_id="1.1")
    assert again.dialog == "pricing"


def test_asking_for_another_dialog_switches_to_it(say):
    assert say("How should I price this deal for ACME?").dialog == "pricing"
    reply = say("start a plan for Globex")
    assert reply.dialog == "plan"
    assert "paused the deal pricing" in reply.text
    assert "Globex" in reply.text
    # A plan answer that mentions prices does not switch back.
    assert say("Telecom").dialog == "plan"
    zh = say("这个单子怎么报价", user="u2")
    assert zh.dialog == "pricing"
    switched = say("给华为做个客户计划", user="u2")
    assert switched.dialog == "plan" and "已暂停报价" in switched.text


def test_an_answer_that_mentions_another_dialog_is_saved_not_a_switch(say, coach):
    from bot.coach.turn import Turn

    say("start a plan for ACME")
    say("Banking")
    say("1")
    reply = say("change biggest risks")
    assert reply.dialog == "plan"
    saved = say("A rival may beat our winning price, so we should price this deal carefully")
    assert saved.dialog == "plan"
    state = coach.open_form(Turn(text="", user_id="u1"))
    assert state is not None and state.form == "plan"
    assert saved.text.startswith("Noted Biggest risks: A rival may beat our winning price")


def test_a_failed_turn_says_so_and_keeps_the_dialog(coach, say, monkeypatch):
    from bot.coach.turn import Turn

    say("How should I price this deal for ACME?")
    turn = Turn(text="what now?", user_id="u1")
    reply = coach.failure_reply(turn)
    assert "something went wrong on my side" in reply.text and reply.dialog == "pricing"
    assert coach.failure_reply(Turn(text="这条消息", user_id="u9")).text.startswith("抱歉")
