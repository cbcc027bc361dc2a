"""Owners keep their milestones from chat: list them, mark one done, snooze one, in English and Chinese,
with the rhythm service's access rules; a form open meanwhile is paused, not lost."""

from __future__ import annotations

from datetime import date

import pytest


@pytest.fixture
def milestone(dialog_settings):
    from bot.rhythm.wiring import build_rhythm
    from bot.store import open_database

    db = open_database(dialog_settings)
    view = build_rhythm(dialog_settings, db).service.add_milestone(
        account="ACME", owner="u1", due=date(2027, 3, 10), title="QBR prep"
    )
    db.dispose()
    return view.id


def test_list_done_and_snooze(say, milestone):
    listed = say("my milestones")
    assert listed.intent == "milestones" and listed.dialog is None
    assert listed.tables[0].rows[0][:3] == [milestone, "ACME", "QBR prep"]
    snoozed = say(f"snooze {milestone} until 2030-01-07")
    assert f"Milestone #{milestone} snoozed until Jan 7, 2030" in snoozed.text
    done = say(f"里程碑{milestone}完成")
    assert done.language == "zh" and f"里程碑#{milestone}已标记完成" in done.text
    assert "没有未完成的里程碑" in say("我的里程碑").text


def test_what_is_missing_is_asked(say, milestone):
    first = say("snooze 999")
    assert first.ask.slot == "until"
    assert "There is no milestone #999" in say("2030-01-07").text


def test_someone_elses_milestone_is_refused(say, milestone):
    assert "cannot change milestone" in say(f"done {milestone}", user="u2").text


def test_an_open_form_is_paused_then_resumed(say, milestone):
    say("price a deal for Globex")
    assert say("my milestones").tables
    assert say("resume").ask.slot == "list_price"
