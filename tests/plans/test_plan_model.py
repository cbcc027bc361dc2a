"""The plan model, its catalogue, and the wording file that goes with it."""

from __future__ import annotations

import re
import string

import pytest

from bot.plans.model import (
    CATALOGUE,
    FIELDS,
    SECTIONS,
    AccountPlan,
    completeness,
    next_unsettled,
    with_skipped,
    with_value,
)
from bot.plans.wording import PlanWording
from bot.settings import _shipped_dir

WORDS = PlanWording(_shipped_dir("prompts"))
KNOWLEDGE = _shipped_dir("knowledge")


def test_the_catalogue_follows_the_model() -> None:
    assert SECTIONS == (
        "customer",
        "value",
        "goals",
        "value_proposition",
        "strategy",
        "communication",
        "implementation",
        "review",
    )
    kinds = {spec.kind for spec in CATALOGUE}
    assert kinds >= {"text", "choice", "money", "share", "int", "date", "list_of_text", "table"}
    assert FIELDS["goals.opportunities"].max_rows == 5
    assert [c.name for c in FIELDS["goals.opportunities"].columns] == [
        "name", "kind", "outcome_value", "success_probability",
    ]  # fmt: skip
    assert FIELDS["customer.segment_size"].choices == ("large_org", "sme", "residential")
    assert [c.kind for c in FIELDS["implementation.activities"].columns] == ["text", "person", "date", "bool"]
    # derived parts are not asked
    assert not {"value.tier", "goals.ranked_opportunities", "review.schedule"} & set(FIELDS)


def test_every_field_has_wording_in_both_languages_and_a_real_card() -> None:
    fields = WORDS.data["fields"]
    assert set(fields) == set(FIELDS)
    for path, entry in fields.items():
        for key in ("label", "question", "hint", "example"):
            assert entry[key]["en"].strip() and entry[key]["zh"].strip(), (path, key)
        for language in ("en", "zh"):
            assert (KNOWLEDGE / language / f"{entry['why']}.md").is_file(), (path, entry["why"])
    for spec in CATALOGUE:
        for column in spec.columns:
            assert column.name in WORDS.data["columns"]
        for choice in spec.choices + tuple(c for column in spec.columns for c in column.choices):
            assert {"en", "zh"} <= set(WORDS.data["choices"][choice])


def _placeholders(text: str) -> set[str]:
    return {name for _, name, _, _ in string.Formatter().parse(text) if name}


@pytest.mark.parametrize("group", ["phrases", "reasons", "render", "review", "what"])
def test_both_languages_have_the_same_phrases_and_placeholders(group: str) -> None:
    block = WORDS.data[group]
    assert set(block["en"]) == set(block["zh"])
    for key in block["en"]:
        assert _placeholders(str(block["en"][key])) == _placeholders(str(block["zh"][key])), key


def test_fields_can_be_named_in_either_language() -> None:
    assert WORDS.find_field("industry").path == "customer.industry"
    assert WORDS.find_field("行业").path == "customer.industry"
    assert WORDS.find_field("customer.industry").path == "customer.industry"
    assert WORDS.find_field("risks").path == "goals.risks"
    assert WORDS.find_field("风险").path == "goals.risks"
    assert WORDS.find_field("Visit frequency").path == "strategy.visit_frequency"
    assert WORDS.find_field("flux capacitor") is None


def test_patterns_compile_and_recognise_requests() -> None:
    from bot.coach.plan_dialog import PlanDialog

    dialog = PlanDialog(_shipped_dir("prompts"), KNOWLEDGE)
    assert dialog.account_in("start a plan for ACME") == "ACME"
    assert dialog.account_in("Let's draft the account plan for Globex Logistics.") == "Globex Logistics"
    assert dialog.account_in("给华为做个客户计划") == "华为"
    assert dialog.account_in("帮我起草中国移动的客户计划") == "中国移动"
    assert dialog.account_in("继续我的计划") is None
    assert dialog.wants_resume("resume my plan") and dialog.wants_resume("继续我的计划")
    assert dialog.wants_list("show my plans") and dialog.wants_list("我的计划")
    for group in ("start_patterns", "resume_patterns", "change_patterns"):
        for pattern in WORDS.patterns(group):
            assert isinstance(pattern, re.Pattern)


def test_completeness_per_section_and_overall() -> None:
    plan = AccountPlan()
    score = completeness(plan)
    assert score.filled == 0 and score.total == len(CATALOGUE) and not score.ready_for_review
    plan = with_value(plan, "customer.name", "ACME")
    plan = with_value(plan, "customer.industry", "Banking")
    customer = next(s for s in completeness(plan).sections if s.section == "customer")
    assert (customer.filled, customer.total) == (2, 12)
    assert customer.score == pytest.approx(2 / 12)
    assert next_unsettled(plan).path == "customer.segment_size"
    plan = with_skipped(plan, "customer.employees")
    plan = with_value(plan, "customer.segment_size", "sme")
    plan = with_value(plan, "customer.segment_type", "general")
    assert next_unsettled(plan).path == "customer.current_sales"  # the skipped optional field is passed over
    full = AccountPlan()
    for spec in CATALOGUE:
        full = with_skipped(full, spec.path) if not spec.required else full
    assert completeness(full).filled == 0


def test_derive_leaves_the_schedule_out_when_the_start_date_is_too_far_ahead() -> None:
    from datetime import date

    from bot.plans.derive import derive

    plan = with_value(AccountPlan(), "value.profit_contribution", 100.0)
    plan = with_value(plan, "review.start_date", date(9999, 11, 1))
    derived = derive(plan, "ACME", [{"name": "ACME", "profit_contribution": 100.0}])
    assert derived.value.tier == "key"
    assert derived.review.schedule is None
    in_range = derive(
        with_value(plan, "review.start_date", date(2027, 1, 4)),
        "ACME",
        [{"name": "ACME", "profit_contribution": 100.0}],
    )
    assert in_range.review.schedule


def test_previous_field_is_what_back_goes_to() -> None:
    from bot.plans.model import previous_field

    assert previous_field(CATALOGUE[0].path) is None  # "back" at the first question stays there
    assert previous_field(CATALOGUE[3].path) == CATALOGUE[2]
    assert previous_field(None) == CATALOGUE[-1]  # every question answered: back to the last one


def test_why_cards_are_read_as_the_index_reads_them() -> None:
    from bot.plans.cards import load_card
    from bot.retrieval.cards import load_cards

    cards = {card.key: card for card in load_cards(KNOWLEDGE)}
    for path in FIELDS:
        card_id = WORDS.field(path).get("why")
        for language in ("en", "zh"):
            ref = load_card(KNOWLEDGE, card_id, language)
            card = cards[f"{card_id}@{language}"]
            assert (ref.title, list(ref.seed_chunks), ref.summary) == (
                card.title,
                card.seed_chunks,
                card.summary,
            )
