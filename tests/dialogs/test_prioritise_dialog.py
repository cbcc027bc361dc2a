"""The opportunity-ranking form through the real coach: lines in the message, lines one by one, CSV files
attached (the terminal attaches a typed path, Slack an upload: the form never opens a file), bad lines."""

from __future__ import annotations

from bot.coach.turn import Attachment, Turn
from tests.conftest import REPO

LIST_EN = (
    "Which opportunities first?\n"
    "ACME upgrade, increase_usage, 1.2万, 60%\n"
    "Globex security, cross-sell, 45万, 40%\n"
    "Initech price rise, 提价, 150,000, 80%\n"
    "Hooli exit, prune, 8万, 20%"
)
EXAMPLE_CSV = REPO / "examples" / "opportunities.csv"


def ranked_names(reply) -> list[str]:
    return [row[1] for row in reply.tables[0].rows]


def csv(name: str, text: str) -> Attachment:
    return Attachment(name=name, content=text.encode("utf-8"), media_type="text/csv")


def rows_so_far(coach, user: str = "u1") -> list[str]:
    state = coach.open_form(Turn(text="", user_id=user))
    return [row["name"] for row in state.values.get("opportunities", [])] if state else []


def test_a_list_in_the_message_is_ranked_at_once(say, coach):
    reply = say(LIST_EN)
    assert reply.intent == "prioritise" and reply.dialog is None
    assert coach.open_form(Turn(text="", user_id="u1")) is None
    # median outcome 115,000: Globex and Initech are big; ACME and Initech are likely.
    assert ranked_names(reply) == ["Initech price rise", "Globex security", "ACME upgrade", "Hooli exit"]
    assert reply.matrix.act_now == ["Initech price rise"]
    assert reply.matrix.plan_attack == ["Globex security"]
    assert reply.matrix.opportunistic == ["ACME upgrade"]
    assert reply.matrix.shelve == ["Hooli exit"]
    assert reply.matrix.labels["act_now"] == "act now"
    first = reply.tables[0].rows[0]
    assert first[2] == "act now" and first[-1] == "120,000"
    assert "115,000" in reply.text  # the median outcome, the size threshold
    assert "opportunity-prioritisation-matrix" in {c.id for c in reply.citations}
    assert "```" not in reply.text, "no drawing inside the text: renderers draw the matrix"


def test_lines_in_follow_up_messages_until_done_in_chinese(say, coach):
    first = say("我们该优先做哪些机会?")
    assert first.dialog == "prioritise" and first.language == "zh"
    assert first.ask.slot == "opportunities" and first.ask.kind == "table"
    say("华为升级, 提高使用率, 120万, 70%")
    reply = say("中兴安全, 交叉销售, 45万, 六成\n小米, 排除不盈利, 8万, 10%")
    assert reply.dialog == "prioritise"
    assert rows_so_far(coach) == ["华为升级", "中兴安全", "小米"]
    assert "目前共3行" in reply.text
    result = say("好了")
    assert result.dialog is None and result.language == "zh"
    assert ranked_names(result) == ["华为升级", "中兴安全", "小米"]
    assert result.matrix.act_now == ["华为升级", "中兴安全"] and result.matrix.shelve == ["小米"]
    assert result.matrix.labels == {
        "act_now": "马上行动",
        "plan_attack": "计划出击",
        "opportunistic": "伺机而动",
        "shelve": "搁置",
    }
    assert "120万" in result.tables[0].rows[0]


def test_english_lines_keep_a_chinese_form_chinese(say):
    say("我们该优先做哪些机会?")
    reply = say("Globex security, cross_sell, 45万, 40%")
    assert reply.language == "zh"


def test_bad_lines_are_named_and_asked_again(say, coach):
    say("Which opportunities first?")
    reply = say(
        "ACME upgrade, increase_usage, 1.2万, 60%\n"
        "Teleport, teleportation, 5万, 50%\n"
        "Hooli, new customer core, abc, 30%\n"
        "Pied Piper, cross_sell, 10万, 150%\n"
        "Just a name"
    )
    assert rows_so_far(coach) == ["ACME upgrade"]
    text = reply.text
    assert "Line 2 (“Teleport, teleportation, 5万, 50%”)" in text and "not one of the options" in text
    assert "Line 3 (“Hooli, new customer core, abc, 30%”)" in text and "“abc” could not be read" in text
    assert "Line 4" in text and "a share must be between 0% and 100%" in text
    assert "Line 5 (“Just a name”)" in text
    say("Hooli, new customer core, 30万, 30%")
    assert rows_so_far(coach) == ["ACME upgrade", "Hooli"]
    assert "ACME upgrade" in say("status").text
    assert ranked_names(say("done")) == ["Hooli", "ACME upgrade"]  # big but unlikely; small but likely


def test_done_with_nothing_and_stop(say, coach):
    say("Which opportunities first?")
    assert "needs at least 1 row" in say("done").text
    assert say("cancel").dialog is None
    assert coach.open_form(Turn(text="", user_id="u1")) is None


def test_side_question_while_collecting(say):
    say("Which opportunities first?")
    reply = say("What does plan the attack mean?")
    assert reply.dialog == "prioritise"
    assert reply.citations
    assert "back to my question" in reply.text


def test_an_attached_csv_is_ranked(coach):
    turn = Turn(
        text="prioritise", user_id="u1", attachments=[csv("opportunities.csv", EXAMPLE_CSV.read_text())]
    )
    reply = coach.handle(turn)
    assert reply.dialog is None
    assert len(reply.tables[0].rows) == 8
    assert ranked_names(reply)[0] == "Broadband upgrade for branch offices"


def test_a_chinese_request_with_a_csv_answers_in_chinese(coach):
    turn = Turn(
        text="机会排序", user_id="u1", attachments=[csv("opportunities.csv", EXAMPLE_CSV.read_text())]
    )
    reply = coach.handle(turn)
    assert reply.language == "zh" and reply.dialog is None
    assert reply.matrix.labels["act_now"] == "马上行动"


def test_an_excel_csv_with_a_bom_is_read(coach):
    text = "\ufeffname,kind,outcome_value,success_probability\nA,cross_sell,10万,60%\nB,prune,5万,50%\n"
    reply = coach.handle(Turn(text="prioritise", user_id="u1", attachments=[csv("x.csv", text)]))
    assert ranked_names(reply) == ["A", "B"]


def test_csv_with_a_bad_row_names_it_and_keeps_the_good_ones(coach):
    text = "name,kind,outcome_value,success_probability\nA,cross_sell,10万,60%\nB,magic,5万,50%\n"
    reply = coach.handle(Turn(text="prioritise", user_id="u1", attachments=[csv("opps.csv", text)]))
    assert reply.dialog == "prioritise"
    assert "line 3" in reply.text and "not one of the options" in reply.text
    assert rows_so_far(coach) == ["A"]


def test_a_file_that_is_not_a_csv_is_refused(coach):
    attachment = Attachment(name="notes.pdf", content=b"%PDF", media_type="application/pdf")
    coach.handle(Turn(text="Which opportunities first?", user_id="u1"))
    reply = coach.handle(Turn(text="", user_id="u1", attachments=[attachment]))
    assert "I can read CSV files only" in reply.text and reply.dialog == "prioritise"


def test_a_long_list_is_summarised_and_handed_over_whole(coach):
    lines = ["name,kind,outcome_value,success_probability"]
    lines += [f"Opp {n},cross_sell,{n * 1000},{(n % 10) / 10}" for n in range(1, 2001)]
    reply = coach.handle(
        Turn(text="prioritise", user_id="u1", attachments=[csv("big.csv", "\n".join(lines))])
    )
    assert reply.dialog is None
    table = reply.tables[0]
    assert len(table.rows) == 30 and table.total_rows == 2000
    assert len(reply.text) < 3000
    (file,) = reply.files
    assert file.name.endswith(".csv") and file.content.count("\n") == 2001
