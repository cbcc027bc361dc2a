"""The plan model, its catalogue, and the wording file that goes with it."""

from __future__ import annotations

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
    assert kinds >= {"text", "choice", "money", "share", "int", "date", "list", "table"}
    assert FIELDS["goals.opportunities"].max_rows == 5
    assert [c.name for c in FIELDS["goals.opportunities"].columns] == [
        "name", "kind", "outcome_value", "success_probability",
    ]  # fmt: skip
    assert FIELDS["customer.segment_size"].choices == ("large_org", "sme", "residential")
    assert [c.kind for c in FIELDS["implementation.activities"].columns] == ["text", "person", "date", "bool"]
    # derived parts are not asked
    assert not {"value.tier", "goals.ranked_opportunities", "review.schedule"} & set(FIELDS)


def test_every_field_has_wording_in_both_languages_and_a_real_card() -> None:
    plan = WORDS.file
    for language in ("en", "zh"):
        slots = plan.node(language, "slots")
        assert set(FIELDS) <= set(slots)
        for path in FIELDS:
            for key in ("label", "question", "hint", "example"):
                assert str(slots[path][key]).strip(), (language, path, key)
            card = plan.data("cards", path)
            assert (KNOWLEDGE / language / f"{card}.md").is_file(), (path, card)
        for spec in CATALOGUE:
            for column in spec.columns:
                assert plan.has(language, "columns", column.name, "label")
            for choice in spec.choices + tuple(c for column in spec.columns for c in column.choices):
                assert WORDS.choices.has(language, "choices", choice, "label"), choice


def test_fields_can_be_named_in_either_language(form_session) -> None:
    s, runner = form_session("plan")
    assert runner.find_slot(s, "industry").name == "customer.industry"
    assert runner.find_slot(s, "行业").name == "customer.industry"
    assert runner.find_slot(s, "customer.industry").name == "customer.industry"
    assert runner.find_slot(s, "risks").name == "goals.risks"
    assert runner.find_slot(s, "风险").name == "goals.risks"
    assert runner.find_slot(s, "Visit frequency").name == "strategy.visit_frequency"
    assert runner.find_slot(s, "flux capacitor") is None


def test_patterns_compile_and_recognise_requests(form_session) -> None:
    s, _runner = form_session("plan")
    form = s.form
    assert form.account_in(s, "start a plan for ACME") == "ACME"
    assert form.account_in(s, "Let's draft the account plan for Globex Logistics.") == "Globex Logistics"
    assert form.account_in(s, "给华为做个客户计划") == "华为"
    assert form.account_in(s, "帮我起草中国移动的客户计划") == "中国移动"
    assert form.account_in(s, "继续我的计划") is None
    assert form.wants_resume(s, "resume my plan") and form.wants_resume(s, "继续我的计划")
    assert form.wants_list(s, "show my plans") and form.wants_list(s, "我的计划")


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
