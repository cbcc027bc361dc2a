"""The opportunity-ranking dialog through the real coach: lines in the message, lines one by one, CSV files,
bad lines."""

from __future__ import annotations

from pathlib import Path

from bot.coach.turn import Turn
from tests.conftest import REPO

LIST_EN = (
    "Which opportunities first?\n"
    "ACME upgrade, increase_usage, 1.2万, 60%\n"
    "Globex security, cross-sell, 45万, 40%\n"
    "Initech price rise, 提价, 150,000, 80%\n"
    "Hooli exit, prune, 8万, 20%"
)


def names_in_order(reply) -> list[str]:
    return [o["name"] for o in reply.data["opportunities"]]


def test_a_list_in_the_message_is_ranked_at_once(say, coach):
    reply = say(LIST_EN)
    assert reply.intent == "prioritise" and reply.dialog is None
    assert coach.open_dialog(Turn(text="", user_id="u1")) is None
    # median outcome 115,000: Globex and Initech are big; ACME and Initech are likely.
    assert names_in_order(reply) == ["Initech price rise", "Globex security", "ACME upgrade", "Hooli exit"]
    assert [o["quadrant"] for o in reply.data["opportunities"]] == [
        "act_now",
        "plan_attack",
        "opportunistic",
        "shelve",
    ]
    assert reply.data["opportunities"][0]["expected_value"] == 120_000
    assert reply.data["value_threshold"] == 115_000
    assert "1. Initech price rise: act now" in reply.text
    assert "expected 120,000" in reply.text
    assert "opportunity-prioritisation-matrix" in {c.id for c in reply.citations}
    block = reply.text.split("```")[1]
    assert (
        "ACT NOW" in block and "PLAN THE ATTACK" in block and "OPPORTUNISTIC" in block and "SHELVE" in block
    )
    likely_row = next(line for line in block.splitlines() if line.startswith("likely"))
    assert likely_row.index("OPPORTUNISTIC") < likely_row.index("ACT NOW")
    assert "1. Initech price rise" in block and "4. Hooli exit" in block


def test_lines_in_follow_up_messages_until_done_in_chinese(say):
    first = say("我们该优先做哪些机会?")
    assert first.dialog == "prioritise" and first.language == "zh"
    assert "名称, 类型, 成果规模, 成功可能性" in first.text
    say("华为升级, 提高使用率, 120万, 70%")
    reply = say("中兴安全, 交叉销售, 45万, 六成\n小米, 排除不盈利, 8万, 10%")
    assert reply.dialog == "prioritise"
    assert [i["name"] for i in reply.data["items"]] == ["华为升级", "中兴安全", "小米"]
    assert "目前有3个" in reply.text
    result = say("好了")
    assert result.dialog is None and result.language == "zh"
    assert names_in_order(result) == ["华为升级", "中兴安全", "小米"]
    assert [o["quadrant"] for o in result.data["opportunities"]] == ["act_now", "act_now", "shelve"]
    for label in ("马上行动", "计划出击", "伺机而动", "搁置"):
        assert label in result.text
    assert "```" in result.text
    assert "opportunity-prioritisation-matrix" in {c.id for c in result.citations}


def test_english_lines_keep_a_chinese_dialog_chinese(say):
    say("我们该优先做哪些机会?")
    reply = say("Globex security, cross_sell, 45万, 40%")
    assert reply.language == "zh"


def test_bad_lines_are_named_and_asked_again(say):
    say("Which opportunities first?")
    reply = say(
        "ACME upgrade, increase_usage, 1.2万, 60%\n"
        "Teleport, teleportation, 5万, 50%\n"
        "Hooli, new customer core, abc, 30%\n"
        "Pied Piper, cross_sell, 10万, 150%\n"
        "Just a name"
    )
    assert [i["name"] for i in reply.data["items"]] == ["ACME upgrade"]
    text = reply.text
    assert "Line 2 ('Teleport, teleportation, 5万, 50%'): I can't find the kind" in text
    assert "Line 3 ('Hooli, new customer core, abc, 30%'): 'abc' is not an amount" in text
    assert "Line 4" in text and "'150%' is not a likelihood" in text
    assert "Line 5 ('Just a name'): it needs four parts" in text
    fixed = say("Hooli, new customer core, 30万, 30%")
    assert len(fixed.data["items"]) == 2
    assert say("back").data["items"] == fixed.data["items"][:1]
    assert "1 opportunities so far" in say("status").text
    assert say("done").data["opportunities"][0]["name"] == "ACME upgrade"


def test_done_with_nothing_and_stop(say, coach):
    say("Which opportunities first?")
    assert "No opportunities yet" in say("done").text
    assert say("cancel").dialog is None
    assert coach.open_dialog(Turn(text="", user_id="u1")) is None


def test_side_question_while_collecting(say):
    say("Which opportunities first?")
    reply = say("What does plan the attack mean?")
    assert reply.dialog == "prioritise"
    assert reply.citations
    assert "Back to your list" in reply.text


def test_csv_file_is_ranked(say):
    reply = say(f"prioritise {REPO / 'examples' / 'opportunities.csv'}")
    assert reply.dialog is None
    assert len(reply.data["opportunities"]) == 8
    assert reply.data["opportunities"][0]["name"] == "Broadband upgrade for branch offices"
    assert "```" in reply.text


def test_csv_with_a_bad_row_names_it(say, tmp_path: Path):
    path = tmp_path / "opps.csv"
    path.write_text(
        "name,kind,outcome_value,success_probability\nA,cross_sell,10万,60%\nB,magic,5万,50%\n",
        encoding="utf-8",
    )
    reply = say(f"prioritise {path}")
    assert reply.dialog == "prioritise"
    assert f"{path}, line 3 ('B, magic, 5万, 50%'): I can't find the kind" in reply.text
    assert [i["name"] for i in reply.data["items"]] == ["A"]


def test_missing_csv_and_slack_never_reads_files(say, tmp_path: Path):
    missing = say(f"prioritise {tmp_path / 'nope.csv'}")
    assert "I can't find the file" in missing.text and missing.dialog == "prioritise"
    say("stop")
    from_slack = say(f"prioritise {REPO / 'examples' / 'opportunities.csv'}", channel_id="C1")
    assert "only read CSV files in the terminal" in from_slack.text
