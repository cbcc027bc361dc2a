"""The language model layer piece by piece, with a scripted fake chat model (no HTTP): citations, the
bounded tool loop, the field reader's guard on plan data, the factory's options, the prompts' two trees."""

from __future__ import annotations

import re

import pytest

from bot.coach.forms.form import FieldAsk, FieldRequest
from bot.coach.forms.runner import several_facts
from bot.coach.reply import Reply
from bot.llm.assembly import build_llm
from bot.llm.citations import Ungrounded, cited_numbers, ground
from bot.llm.config import LlmConfig
from bot.llm.factory import PLACEHOLDER_KEY, model_options
from bot.llm.streaming import stream_answers_to
from bot.retrieval.index import SearchHit
from bot.wording import Catalogue
from tests.llm.fakes import ScriptedChatModel, calls, said


def hit(source: str, title: str = "", score: float = 0.5) -> SearchHit:
    return SearchHit(
        source_id=source,
        kind="card",
        lang="en",
        title=title or source,
        text=f"{source} text",
        score=score,
        fused=1,
    )


PASSAGES = [hit("a", score=0.8), hit("b", score=0.6), hit("c", score=0.7), hit("a", score=0.5)]


# ---------- citations ----------
def test_cited_passages_become_the_citations_and_the_markers_are_renumbered():
    grounded = ground("Third [3]. First and third [1, 3]. Again 【3】.", PASSAGES)
    assert [c.id for c in grounded.citations] == ["a", "c"]
    assert grounded.text == "Third [2]. First and third [1, 2]. Again [2]."
    assert [c.score for c in grounded.citations] == [0.8, 0.7]


def test_two_passages_of_one_source_cite_it_once():
    grounded = ground("Both [1][4]. Full-width ［2］.", PASSAGES)
    assert [c.id for c in grounded.citations] == ["a", "b"]
    assert grounded.text == "Both [1][1]. Full-width [2]."


@pytest.mark.parametrize(
    ("answer", "why"),
    [
        ("No sources here.", "cites no passage"),
        ("Bad [5].", "cites [5]"),
        ("Zero [0].", "cites [0]"),
        ("", "empty"),
    ],
)
def test_answers_that_do_not_resolve_are_refused(answer, why):
    with pytest.raises(Ungrounded, match=re.escape(why)):
        ground(answer, PASSAGES)


def test_cited_numbers_in_order_of_first_mention():
    assert cited_numbers("x [2] y [1，2] z [2、3]") == [2, 1, 3]


# ---------- the phraser with a fake model ----------
EXTRACTIVE = Reply(text="extractive", language="en", intent="pricing")
DEAL = {
    "list_price": 100,
    "max_discount": 0.1,
    "winning_price": 85,
    "current": {"lraic": 70, "marginal_cost": 40, "utilisation": 0.55},
}


@pytest.fixture
def parts(settings, index):
    def build(*replies, **limits):
        model = ScriptedChatModel.replying(*replies)
        config = LlmConfig(model="fake:scripted", **limits)
        return build_llm(config, Catalogue(settings.prompts_dir), index, model=model), model

    return build


def test_a_grounded_answer_from_the_fake_model(parts):
    llm, model = parts(said("Keep the policy [2]."))
    reply = llm.phraser.phrase("q", "en", PASSAGES, EXTRACTIVE)
    assert (reply.mode, reply.text, [c.id for c in reply.citations]) == ("llm", "Keep the policy [1].", ["b"])
    _, human = model.received[0]
    assert "[1] a\na text" in human.content and "[4] a\na text" in human.content


def test_the_tool_loop_stops_at_the_step_limit_and_shows_the_rules_results(parts):
    prices = (85, 86, 87, 88, 89)
    llm, model = parts(*(calls(("price_deal", {**DEAL, "winning_price": p})) for p in prices), max_steps=3)
    reply = llm.phraser.phrase("q", "en", PASSAGES, EXTRACTIVE)
    assert len(model.received) == 3
    assert reply.mode == "llm"
    assert reply.text.count("Worked out by the rules (the pricing decision tree)") == 3
    assert reply.decision is not None and reply.decision.recommended_price == 87
    assert [c.id for c in reply.citations] == ["pricing-decision-tree"]


def test_the_tool_loop_stops_when_the_model_repeats_a_call(parts):
    llm, model = parts(calls(("price_deal", DEAL)), calls(("price_deal", DEAL)), said("never asked [1]"))
    reply = llm.phraser.phrase("q", "en", PASSAGES, EXTRACTIVE)
    assert len(model.received) == 2
    assert reply.text.count("Worked out by the rules") == 1
    assert "Recommended price: 85" in reply.text


def test_the_tool_loop_stops_when_the_token_budget_is_spent(parts):
    # each fake call reports 120 tokens: a budget of 200 allows two calls
    llm, model = parts(
        *(calls(("price_deal", {**DEAL, "winning_price": p})) for p in (85, 86, 87)), token_budget=200
    )
    reply = llm.phraser.phrase("q", "en", PASSAGES, EXTRACTIVE)
    assert len(model.received) == 2
    assert reply.text.count("Worked out by the rules") == 2


def test_a_rule_result_is_in_the_users_language_whatever_the_model_asked(parts):
    llm, _ = parts(calls(("price_deal", {**DEAL, "language": "en"})), said("好[1]"))
    reply = llm.phraser.phrase("q", "zh", PASSAGES, EXTRACTIVE.model_copy(update={"language": "zh"}))
    assert "由规则（价格决策树）算出" in reply.text and "建议报价：85" in reply.text
    assert reply.decision is not None and "边际成本" in reply.decision.label


def test_an_unknown_tool_is_told_to_the_model_and_a_plain_answer_can_follow(parts):
    llm, model = parts(calls(("make_up_a_price", {})), said("See the tree [1]."))
    reply = llm.phraser.phrase("q", "en", PASSAGES, EXTRACTIVE)
    assert (reply.mode, reply.text) == ("llm", "See the tree [1].")
    assert "There is no tool named make_up_a_price." in model.received[1][-1].content


def test_a_streamed_answer_reaches_the_sink_as_it_is_written(parts):
    llm, _ = parts(said("Keep the policy and say why [2]."))
    pieces: list[str] = []
    with stream_answers_to(pieces.append):
        reply = llm.phraser.phrase("q", "en", PASSAGES, EXTRACTIVE)
    assert len(pieces) > 1 and "".join(pieces) == "Keep the policy and say why [2]."
    assert (reply.mode, reply.text) == ("llm", "Keep the policy and say why [1].")


# ---------- the field reader ----------
def request(plan_data: bool = False) -> FieldRequest:
    return FieldRequest(
        text="list 100, winning 85",
        language="en",
        fields=[FieldAsk(name="list_price", kind="money", label="list price", example="100")],
        asked="list_price",
        plan_data=plan_data,
    )


def test_the_field_reader_keeps_only_the_fields_it_was_told_about(parts):
    read = [{"name": "list_price", "value": "100"}, {"name": "password", "value": "x"}]
    llm, model = parts(calls(("FormFields", {"fields": read})))
    assert llm.read_fields(request()) == {"list_price": "100"}
    assert "- list_price, money: list price (for example 100)" in model.received[0][1].content


def test_plan_data_is_not_sent_unless_the_settings_allow_it(parts):
    llm, model = parts(calls(("FormFields", {"fields": [{"name": "list_price", "value": "1"}]})))
    assert llm.read_fields(request(plan_data=True)) == {}
    assert model.received == []
    allowed, model = parts(calls(("FormFields", {"fields": []})), share_plans=True)
    assert allowed.read_fields(request(plan_data=True)) == {}
    assert len(model.received) == 1


def test_unreadable_structured_output_reads_nothing(parts):
    llm, _ = parts(said("list price is 100"))
    assert llm.read_fields(request()) == {}


@pytest.mark.parametrize(
    ("text", "several"),
    [
        ("100", False),
        ("55%", False),
        ("ACME", False),
        ("list price 100, winning 85", True),
        ("标价100，目标价85", True),
        ("A regional bank; it buys connectivity and cloud from us.", True),
        ("large organisation, banking", False),
    ],
)
def test_which_messages_carry_several_facts(text, several):
    assert several_facts(text) is several


# ---------- the factory ----------
def test_an_openai_compatible_server_gets_v1_and_a_placeholder_key():
    options = model_options(
        LlmConfig(model="openai:m", base_url="http://127.0.0.1:8000", timeout=5), environ={}
    )
    assert options["base_url"] == "http://127.0.0.1:8000/v1"
    assert options["api_key"] == PLACEHOLDER_KEY
    assert (options["timeout"], options["max_retries"], options["stream_usage"]) == (5, 0, True)
    keyed = model_options(
        LlmConfig(model="openai:m", base_url="http://h/v1/", api_key="k"), environ={"OPENAI_API_KEY": "e"}
    )
    assert (keyed["base_url"], keyed["api_key"]) == ("http://h/v1", "k")
    own = model_options(LlmConfig(model="openai:m", base_url="http://h/v1"), environ={"OPENAI_API_KEY": "e"})
    assert "api_key" not in own  # the provider's own variable is used


def test_other_providers_get_only_what_they_take():
    assert model_options(LlmConfig(model="ollama:llama3", base_url="http://127.0.0.1:11434"), environ={}) == {
        "base_url": "http://127.0.0.1:11434"
    }
    anthropic = model_options(LlmConfig(model="anthropic:claude", max_tokens=300), environ={})
    assert anthropic == {"timeout": 20.0, "max_retries": 0, "max_tokens": 300}


# ---------- prompts ----------
def test_every_rule_cites_cards_that_exist_in_both_languages(settings, index):
    from bot.rule_tools import rule_tools

    wording = Catalogue(settings.prompts_dir).file("llm.yaml")
    cards = wording.data("tool_cards")
    assert set(cards) == {tool.name for tool in rule_tools()} == set(wording.node("en", "rules"))
    for ids in cards.values():
        for card_id in ids:
            for language in ("en", "zh"):
                card = index.card(card_id, language)
                assert card is not None and card.lang == language, (card_id, language)


def test_a_rule_with_many_results_shows_each_as_the_rule_words_it(parts):
    from kam_rules.cadence import ScheduleInput, plan_reviews

    llm, _ = parts(
        calls(("review_schedule", {"tier": "key", "start": "2027-01-04", "months": 6})), said("ok")
    )
    reply = llm.phraser.phrase("q", "en", PASSAGES, EXTRACTIVE)
    schedule = plan_reviews(ScheduleInput(tier="key", start="2027-01-04", months=6))
    assert schedule.rationale in reply.text
    assert reply.text.count("\n- ") == len(schedule.events) == 5
    assert "- Mar 29, 2027: plan due (week 12)" in reply.text
    assert [c.id for c in reply.citations] == ["review-cadence"]
