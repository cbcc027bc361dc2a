"""Block Kit drawn from typed replies, within Slack's limits; and the small pure pieces around it (message
syntax, /kam parsing, the bounded pool). No server: these are functions of their input."""

from __future__ import annotations

import threading

import pytest

from bot.coach.reply import (
    Ask,
    Choice,
    Citation,
    Decision,
    DecisionStep,
    Matrix,
    PlanSection,
    PlanView,
    Progress,
    Reply,
    Section,
    SuggestedAction,
    Table,
)
from bot.settings import Settings
from bot.slack.inbound import ClickedAction, answer_of, parse_kam_command
from bot.slack.places import mentions_bot, plain_text
from bot.slack.views.limits import MAX_BLOCKS, MAX_MARKDOWN, pack_messages, split_text
from bot.slack.views.refs import BadRef, ConversationRef, FeedbackValue, PlanRef
from bot.slack.views.reply import ReplyContext, ReplyView
from bot.slack.wording import SlackWording
from bot.slack.worker import Priority, WorkerPool

CTX = ReplyContext(owner="U1", channel="C1", thread="111.222", question="how do I price?")


@pytest.fixture(scope="module")
def view() -> ReplyView:
    return ReplyView(SlackWording(Settings().prompts_dir))


def _types(blocks: list[dict]) -> list[str]:
    return [b["type"] for b in blocks]


def test_an_answer_with_sections_is_drawn_once_in_its_sections(view):
    """The sections carry the text's content in blocks: Slack shows them instead of the text, not both."""
    lead = "Draft the plan 8-12 weeks before the planning year."
    reply = Reply(
        text=f"{lead}\n\n- Review it every quarter.",
        language="en",
        intent="question",
        sections=[
            Section(title="In short", body=lead),
            Section(title="Planning process", body="- Review it every quarter."),
        ],
        citations=[Citation(id="c", title="Planning process", seed_chunks=[32], score=0.9)],
    )
    [message] = view.messages(reply, CTX)
    drawn = str(message.blocks)
    assert drawn.count("8-12 weeks") == 1 and drawn.count("every quarter") == 1
    assert "**In short**" in drawn and "**Planning process**" in drawn
    assert message.blocks[0]["type"] == "markdown"


def test_an_answer_has_prose_sources_next_steps_and_feedback(view):
    reply = Reply(
        text="Price against LRAIC.",
        language="en",
        intent="question",
        citations=[Citation(id="c", title="True product cost", seed_chunks=[16, 17], score=0.9)],
        actions=[SuggestedAction(id="price_deal", label="Price a deal", command="price a deal")],
    )
    [message] = view.messages(reply, CTX)
    assert _types(message.blocks) == ["markdown", "context", "actions", "context_actions"]
    assert "True product cost (seed chunks 16, 17)" in message.blocks[1]["elements"][0]["text"]
    step = message.blocks[2]
    assert step["elements"][0]["value"] == "price a deal"
    assert ConversationRef.decode(step["block_id"]).thread == "111.222"
    feedback = message.blocks[3]["elements"][0]
    assert FeedbackValue.decode(feedback["positive_button"]["value"]).question == "how do I price?"
    assert message.text == "Price against LRAIC."


def test_plain_feedback_buttons_where_context_actions_are_refused(view):
    reply = Reply(
        text="x", language="en", intent="question", citations=[Citation(id="c", title="t", score=1)]
    )
    plain = ReplyContext(**{**CTX.__dict__, "feedback_style": "buttons"})
    blocks = view.details(reply, plain)
    assert [e["action_id"] for e in blocks[-1]["elements"]] == ["kam_feedback:up", "kam_feedback:down"]


def test_a_question_with_few_choices_gets_buttons_and_its_conversation(view):
    ask = Ask(
        slot="segment_size",
        kind="choice",
        prompt="How big?",
        why="Segments differ.",
        choices=[Choice(id="large_org", label="Large organisation"), Choice(id="sme", label="SME")],
        progress=Progress(done=3, total=33),
        optional=True,
    )
    blocks = view.details(Reply(text="How big?", language="en", intent="plan", ask=ask), CTX)
    notes, actions = blocks
    assert (
        "3/33 answered" in notes["elements"][0]["text"] and "Segments differ." in notes["elements"][1]["text"]
    )
    assert [e["value"] for e in actions["elements"]] == ["large_org", "sme", "skip"]
    ref = ConversationRef.decode(actions["block_id"])
    assert (ref.slot, ref.owner, ref.thread) == ("segment_size", "U1", "111.222")
    assert not any(b["type"] == "context_actions" for b in blocks), "no thumbs under a form's question"


def test_many_choices_become_a_select_and_bool_gets_yes_no_in_the_language(view):
    many = [Choice(id=f"c{n}", label=f"Choice {n}") for n in range(8)]
    ask = Ask(slot="kind", kind="choice", prompt="?", choices=many)
    [actions] = view.details(Reply(text="?", language="en", intent="plan", ask=ask), CTX)
    select = actions["elements"][0]
    assert select["type"] == "static_select" and len(select["options"]) == 8
    assert select["options"][2]["text"]["text"] == "3. Choice 2" and select["options"][2]["value"] == "c2"

    yes_no = Ask(slot="alt", kind="bool", prompt="?")
    [actions] = view.details(Reply(text="?", language="zh", intent="pricing", ask=yes_no), CTX)
    assert [(e["text"]["text"], e["value"]) for e in actions["elements"]] == [("是", "是"), ("否", "否")]


def test_a_click_answers_with_the_whole_label_else_the_id():
    assert (
        answer_of(ClickedAction(action_id="kam_answer:0", value="large_org", text={"text": "大型组织"}))
        == "大型组织"
    )
    clipped = ClickedAction(action_id="kam_answer:0", value="long_id", text={"text": "A very long label…"})
    assert answer_of(clipped) == "long_id"
    option = {"value": "c2", "text": {"text": "3. Choice 2"}}
    assert answer_of(ClickedAction(action_id="kam_answer_select", selected_option=option)) == "Choice 2"
    assert (
        answer_of(ClickedAction(action_id="kam_answer:skip", value="跳过", text={"text": "跳过"})) == "跳过"
    )


def test_results_decision_matrix_plan_and_a_long_table(view):
    decision = Decision(
        decision="marginal_cost_pricing",
        recommended_price=850000.0,
        cost_basis="marginal_cost",
        platform="current",
        below_cost=False,
        path=[DecisionStep(question="Within policy?", answer=False)],
        label="Marginal-cost pricing",
    )
    matrix = Matrix(act_now=["A", "B"], shelve=["Z"], labels={"act_now": "立即行动"})
    rows = [[f"机会{n}", n * 10_000.0] for n in range(400)]
    table = Table(title="排名", columns=["名称", "价值"], rows=rows, total_rows=900)
    plan = PlanView(
        id=7,
        account="ACME",
        status="draft",
        percent=40,
        sections=[PlanSection(id="customer", title="客户信息", done=4, total=12)],
    )
    reply = Reply(
        text="结果",
        language="zh",
        intent="pricing",
        decision=decision,
        matrix=matrix,
        tables=[table],
        plan=plan,
    )
    blocks = view.details(reply, CTX)
    texts = [b["text"]["text"] for b in blocks if b["type"] == "section" and "text" in b]
    fields = blocks[0]["fields"]
    assert "85万" in fields[1]["text"] and "边际成本" in fields[2]["text"]
    assert "Within policy? *否*" in blocks[1]["text"]["text"]
    quadrants = [text for text in texts if text.startswith("*")]
    assert any(q.startswith("*立即行动*\n• A\n• B") for q in quadrants)
    assert any(q.startswith("*暂时搁置*") for q in quadrants), "a quadrant without a label gets ours"
    tables = [text for text in texts if text.startswith("```")]
    assert len(tables) > 1 and all(len(text) <= 3000 for text in tables)
    assert all(text.splitlines()[1].startswith("名称") for text in tables), "each part has the header"
    assert any("900" in str(b) for b in blocks if b["type"] == "context")
    editor = next(b for b in blocks if b["type"] == "actions")
    select, export = editor["elements"]
    assert PlanRef.decode(select["options"][0]["value"]) == PlanRef(
        plan_id=7, channel="C1", thread="111.222", section="customer"
    )
    assert PlanRef.decode(export["value"]).plan_id == 7


def test_long_replies_are_split_to_slacks_limits(view):
    long_text = ("A paragraph of advice. " * 40 + "\n\n") * 60  # ~55,000 characters
    reply = Reply(text=long_text, language="en", intent="question")
    messages = view.messages(reply, CTX)
    assert len(messages) >= 5
    for message in messages:
        assert len(message.blocks) <= MAX_BLOCKS
        assert sum(len(b["text"]) for b in message.blocks if b["type"] == "markdown") <= MAX_MARKDOWN
        assert len(message.text) <= 3000
    joined = "".join(b["text"] for m in messages for b in m.blocks if b["type"] == "markdown")
    assert joined.replace("\n", "").replace(" ", "") == long_text.replace("\n", "").replace(" ", "")


def test_many_blocks_are_packed_fifty_a_message():
    blocks = [{"type": "divider"} for _ in range(120)]
    assert [len(m.blocks) for m in pack_messages(blocks, "x")] == [50, 50, 20]


def test_split_text_cuts_at_paragraphs_then_lines_then_words():
    assert split_text("aaa\n\nbbb", 5) == ["aaa", "bbb"]
    assert all(len(piece) <= 10 for piece in split_text("word " * 30, 10))
    assert split_text("x" * 25, 10) == ["x" * 10, "x" * 10, "x" * 5]


def test_slack_markup_becomes_plain_text():
    text = "<@UBOT> ask <@U123|ann> about <#C1|deals> see <https://x.io|the deck> &amp; <!here>"
    assert plain_text(text, "UBOT") == "ask U123 about #deals see the deck & @here"
    assert mentions_bot("hi <@UBOT>", "UBOT") and not mentions_bot("hi <@U2>", "UBOT")


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("", ("help", "")),
        ("HELP", ("help", "")),
        ("ask what is LRAIC?", ("ask", "what is LRAIC?")),
        ("prioritize", ("prioritise", "")),
        ("报价标价100", ("price", "标价100")),
        ("计划 华为", ("plan", "华为")),
        ("what is LRAIC?", ("ask", "what is LRAIC?")),
    ],
)
def test_kam_sub_commands_and_aliases(text, expected):
    aliases = SlackWording(Settings().prompts_dir).shared("subcommands")
    assert parse_kam_command(text, aliases) == expected


def test_references_that_do_not_parse_are_refused():
    for bad in ("", "kam_ask|slot", "other|a|b|c", "kam_ask|s||-"):
        with pytest.raises(BadRef):
            ConversationRef.decode(bad)
    with pytest.raises(BadRef):
        FeedbackValue.decode('{"v": "sideways", "q": "x"}')
    with pytest.raises(BadRef):
        PlanRef.decode("7")


def test_the_pool_refuses_past_its_limit_and_runs_quick_jobs_first():
    pool = WorkerPool(workers=1, queue_limit=3)
    gate = threading.Event()
    order: list[str] = []
    assert pool.submit(gate.wait)
    assert pool.submit(lambda: order.append("normal"))
    assert pool.submit(lambda: order.append("quick"), Priority.QUICK)
    assert not pool.submit(lambda: order.append("over the limit"))
    gate.set()
    assert pool.drain(10)
    assert order == ["quick", "normal"]
    pool.shutdown(1)
