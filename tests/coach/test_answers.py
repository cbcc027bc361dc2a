"""Extractive answers as a user meets them (Coach.ask over the real index): the answer leads with what the
question asks for (the figure, the steps, the passage of the user's own document that says it), different
questions get different answers, the answer is in the asker's language, and next steps are chat commands."""

from __future__ import annotations

import re
import shutil

import pytest

from bot.coach.answer import INTENT_ACTIONS
from bot.coach.passages import split_passages
from tests.conftest import make_settings

CJK = re.compile(r"[\u4e00-\u9fff]")
STEP = re.compile(r"^\d+\. ", re.MULTILINE)


def lead_of(text: str) -> str:
    return text.split("\n\n")[0]


@pytest.mark.parametrize(
    ("question", "figure", "card"),
    [
        (
            "In the Kunming case, how many hours a month did each account manager work?",
            "160",
            "kunming-example",
        ),
        (
            "How many weeks a year should drafting the account plans take?",
            "8-12 weeks",
            "phase2-drafting-steps",
        ),
        (
            "what % of their time does a high-performing sales force spend on revenue-generating work?",
            "40-50%",
            "micro-efficiency",
        ),
        ("昆明案例里，每个客户经理每月按多少小时算？", "160小时", "kunming-example"),
        ("业绩好的销售队伍，用在产生收入活动上的时间占多少？", "40-50%", "micro-efficiency"),
    ],
)
def test_a_figure_question_is_answered_with_the_figure_first(coach, question, figure, card):
    reply = coach.ask(question)
    assert reply.intent != "other"
    assert card in [c.id for c in reply.citations[:3]]
    assert figure in lead_of(reply.text), reply.text


def test_the_figure_is_quoted_from_the_card_as_written(coach):
    """The lead is the card's own words: every sentence of it is in the card (figures and units untouched)."""
    reply = coach.ask("What share of the total market target is actually won in the deck's example?")
    card = coach.index.card("efficiency-effectiveness", "en")
    assert card is not None
    assert "35%" in lead_of(reply.text)
    assert lead_of(reply.text).replace("**", "") in card.body.replace("**", "")


def test_two_questions_on_one_card_get_different_answers(coach):
    won = coach.ask("In the efficiency example, what share of the market target is actually won?")
    never = coach.ask("In the efficiency example, how much is lost because customers are never contacted?")
    assert won.citations[0].id == never.citations[0].id == "efficiency-effectiveness"
    assert won.text != never.text
    assert "35%" in lead_of(won.text)
    assert "25%" in lead_of(never.text)


def test_a_how_to_question_gets_the_steps_in_order(coach):
    reply = coach.ask("How do I work out which selling skills to train first?")
    assert reply.citations[0].id == "skill-gap-prioritisation"
    steps = STEP.findall(reply.text)
    assert len(steps) >= 4, reply.text
    card = coach.index.card("skill-gap-prioritisation", "en")
    assert card is not None
    shown = [line.split(". ", 1)[1] for line in reply.text.splitlines() if STEP.match(line)]
    positions = [card.body.find(step) for step in shown]
    assert all(position >= 0 for position in positions)
    assert positions == sorted(positions)


def test_a_chinese_how_to_question_gets_chinese_steps(coach):
    reply = coach.ask("技能差距评估具体怎么做，分哪几步？")
    assert reply.language == "zh"
    assert len(STEP.findall(reply.text)) >= 4, reply.text
    assert CJK.search(reply.text)


@pytest.mark.parametrize(
    ("question", "language"),
    [
        ("How often should we review the plans of our most important accounts?", "en"),
        ("最重要的客户，计划多久审核一次？", "zh"),
    ],
)
def test_the_answer_is_in_the_askers_language(coach, question, language):
    reply = coach.ask(question)
    assert reply.language == language
    chinese = len(CJK.findall(reply.text))
    assert (chinese > len(reply.text) / 4) if language == "zh" else chinese == 0
    assert reply.sections and reply.sections[0].body == lead_of(reply.text)


def test_the_answer_is_bounded(coach):
    reply = coach.ask("What is key account management and why does it matter?")
    after_lead = "\n".join(reply.text.split("\n\n")[1:])
    points = [line for line in after_lead.splitlines() if line.startswith("- ")]
    assert len(points) <= 3
    assert len(reply.text) < 2_500


def test_next_steps_are_chat_commands_the_coach_accepts(coach):
    """Every action an answer offers is a command the chat's start patterns take, for the intent it names."""
    for intent, action in INTENT_ACTIONS.items():
        for language in ("en", "zh"):
            command = coach.wording.text(language, "actions", action, "command")
            assert "kam-coach" not in command and "<" not in command
            assert coach.intents.switch_request(command) == intent, (language, command)


@pytest.mark.parametrize(
    ("question", "action"),
    [
        ("How do I prioritise my opportunities on the matrix?", "prioritise"),
        ("How often should the account plans of our top accounts be reviewed?", "cadence"),
        ("客户计划应该包含哪些内容？", "start_plan"),
    ],
)
def test_the_next_step_fits_the_question(coach, question, action):
    reply = coach.ask(question)
    assert action in [a.id for a in reply.actions], [a.id for a in reply.actions]
    assert all("kam-coach" not in a.command for a in reply.actions)


@pytest.fixture
def coach_with_proposal(shared_data_dir, index, tmp_path):
    """A coach over a copy of the built index with one user's proposal ingested."""
    from bot.app import assemble_coach, build_index
    from bot.retrieval.ingest import ingest_file

    data = tmp_path / "data"
    shutil.copytree(shared_data_dir, data)
    settings = make_settings(data)
    own = build_index(settings)
    proposal = tmp_path / "quokka-proposal.md"
    proposal.write_text(
        "# Quokka Health account proposal\n\n"
        "## Background\n\n"
        "Quokka Health runs 40 clinics on our managed network; the account manager is Dana Ruiz.\n\n"
        "## Renewal\n\n"
        "The Quokka renewal is due on 30 June 2027, after the pilot review in March.\n\n"
        "## Pricing\n\n"
        "We propose a three-year term at the current list price with a 5% volume discount.\n",
        encoding="utf-8",
    )
    ingest_file(own, proposal)
    return assemble_coach(settings, index=own)


def test_a_question_on_the_users_document_is_answered_with_the_passage_that_says_it(coach_with_proposal):
    reply = coach_with_proposal.ask("When is the Quokka renewal due?")
    assert reply.intent != "other"
    assert reply.citations[0].kind == "document"
    lead = lead_of(reply.text)
    assert "30 June 2027" in lead
    assert lead.strip("# ") not in {"Renewal", "Quokka Health account proposal"}


def test_passages_keep_their_context():
    """A table row keeps its header, a list item its lead-in line, a sub-item stays with its item."""
    body = (
        "Opening paragraph that stands alone.\n\n"
        "| Group | Review |\n|---|---|\n| Top accounts | every quarter |\n\n"
        "Around the reviews:\n- **Window:** 8-12 weeks.\n- Parent item\n  - child one\n  - child two\n\n"
        "## Notes\n\nA paragraph under a heading."
    )
    passages = split_passages("card", "Title", body)
    kinds = [(p.kind, p.text, p.context) for p in passages]
    assert ("paragraph", "Opening paragraph that stands alone.", "") in kinds
    assert ("row", "Group: Top accounts · Review: every quarter", "") in kinds
    assert ("item", "**Window:** 8-12 weeks.", "Around the reviews") in kinds
    assert ("item", "Parent item\n   - child one\n   - child two", "Around the reviews") in kinds
    assert ("paragraph", "A paragraph under a heading.", "Notes") in kinds
    assert all(p.title == "Title" for p in passages)


@pytest.mark.parametrize(
    ("text", "ranges"),
    [
        ("每年用8-12周完成这一阶段", {"8-12周"}),
        ("budget 8 – 12 Weeks, and 40-50% of the time", {"8-12weeks", "40-50%"}),
        ("2到3个月", {"2-3个月"}),
        ("40% growth in 8 weeks", set()),  # single figures are not ranges
        ("every 2-3 quarters", set()),  # frequencies are phrases, not a unit written with a number
    ],
)
def test_ranges_with_their_unit_are_spelled_one_way(text, ranges):
    from bot.coach.cues import Cues
    from bot.wording import Wording, load_prompt_file
    from tests.conftest import REPO

    cues = Cues(Wording("answers.yaml", load_prompt_file(REPO / "prompts", "answers.yaml")))
    assert cues.ranges(text) == ranges
