"""`plan review` as the seed's phase-3 review: beside the questions, what the rules find in the plan (tier
vs planned effort, the opportunities' quadrants, targets vs opportunities, owners, review dates), each
with a severity and a suggestion, in --json and as text, in English and Chinese. It only checked that
fields were filled."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from bot.plans.derive import derive
from bot.plans.model import AccountPlan
from bot.plans.review import find_issues, render_checklist, review_plan
from bot.plans.wording import PlanWording
from bot.settings import _shipped_dir
from tests.conftest import run_in_process
from tests.plans.example_plan import OWNER, draft_example

WORDS = PlanWording(_shipped_dir("prompts"))
ME = {"id": "U0AM01", "name": "Ann Lee"}
# A sound plan for a key account: monthly visits, an act-now opportunity, targets the opportunities can
# bring, owners in the directory, a start date.
SOUND: dict[str, Any] = {
    "value": {"profit_contribution": 1_000_000, "cost_to_serve": 100_000},
    "customer": {"current_sales": [{"product": "WAN", "annual_sales": 1_000_000}]},
    "goals": {
        "opportunities": [
            {"name": "SD-WAN", "kind": "cross_sell", "outcome_value": 600_000, "success_probability": 0.7},
            {
                "name": "Backup",
                "kind": "increase_usage",
                "outcome_value": 200_000,
                "success_probability": 0.6,
            },
        ],
        "targets_by_product": [{"product": "WAN", "target": 1_300_000}],
    },
    "strategy": {"visit_frequency": "monthly", "team": [{"person": ME, "role": "account manager"}]},
    "implementation": {"activities": [{"activity": "Pilot", "owner": ME, "due": "2027-03-31"}]},
    "review": {"start_date": "2027-01-04"},
}
OTHERS = [
    {"name": "Big", "profit_contribution": 5_000_000},
    {"name": "Mid", "profit_contribution": 3_000_000},
]


def plan(changes: dict[str, Any] | None = None, *, tier: str = "key") -> AccountPlan:
    data = json.loads(json.dumps(SOUND))
    for path, value in (changes or {}).items():
        section, name = path.split(".")
        data[section][name] = value
    model = AccountPlan.model_validate(data)
    accounts = [{"name": "ACME", **model.value.model_dump()}] + (OTHERS if tier == "standard" else [])
    if model.value.profit_contribution is not None and tier == "standard":
        accounts[0]["profit_contribution"] = 10_000
        model = model.model_copy(
            update={"value": model.value.model_copy(update={"profit_contribution": 10_000})}
        )
    return derive(model, "ACME", accounts)


def ids(model: AccountPlan) -> list[str]:
    return [issue.id for issue in find_issues(model)]


TEAM_OF_THREE = [{"person": {"name": f"P{n}"}, "role": "support"} for n in range(3)]


@pytest.mark.parametrize(
    ("changes", "tier", "expected"),
    [
        ({}, "key", []),
        ({"strategy.visit_frequency": "quarterly"}, "key", ["effort_below_tier"]),
        ({"strategy.visit_frequency": "weekly"}, "key", []),
        (
            {"strategy.visit_frequency": "weekly", "strategy.team": TEAM_OF_THREE},
            "standard",
            ["effort_above_tier"],
        ),
        ({"strategy.visit_frequency": "weekly", "strategy.team": TEAM_OF_THREE[:2]}, "standard", []),
        ({"strategy.visit_frequency": "quarterly"}, "standard", []),
        ({"value.profit_contribution": None}, "key", ["no_schedule", "tier_unknown"]),
        ({"review.start_date": None}, "key", ["no_start_date"]),
    ],
)
def test_tier_effort_and_review_dates(changes, tier, expected) -> None:
    model = plan(changes, tier=tier)
    assert model.value.tier == (None if "value.profit_contribution" in changes else tier)
    assert sorted(ids(model)) == sorted(expected)


def test_quadrants() -> None:
    shelved = [
        {"name": "A", "kind": "cross_sell", "outcome_value": 100, "success_probability": 0.2},
        {"name": "B", "kind": "cross_sell", "outcome_value": 200_000, "success_probability": 0.3},
        {"name": "C", "kind": "cross_sell", "outcome_value": 50, "success_probability": 0.1},
        {"name": "D", "kind": "cross_sell", "outcome_value": 60, "success_probability": 0.1},
    ]
    model = plan({"goals.opportunities": shelved, "goals.targets_by_product": []})
    quadrants = [r.quadrant for r in model.goals.ranked_opportunities]
    assert quadrants == ["plan_attack", "plan_attack", "shelve", "shelve"]  # half shelved
    assert ids(model) == ["leans_on_shelve", "no_act_now"]
    assert (
        plan({"goals.opportunities": [], "goals.targets_by_product": []}).goals.ranked_opportunities is None
    )
    assert ids(plan({"goals.opportunities": [], "goals.targets_by_product": []})) == ["no_opportunities"]


@pytest.mark.parametrize(
    ("target", "expected"),
    [
        (1_300_000, []),  # growth 300k, expected value 540k
        (1_700_000, ["targets_need_every_opportunity"]),  # growth 700k: under the outcome 800k, over 540k
        (2_000_000, ["targets_beyond_opportunities"]),  # growth 1m: over everything the opportunities bring
        (900_000, []),  # a target under today's sales asks for no growth
    ],
)
def test_targets_against_opportunities(target, expected) -> None:
    assert ids(plan({"goals.targets_by_product": [{"product": "WAN", "target": target}]})) == expected


def test_targets_with_no_opportunity_to_reach_them() -> None:
    model = plan({"goals.opportunities": [], "goals.targets_by_product": [{"product": "WAN", "target": 2e6}]})
    assert ids(model) == ["targets_without_opportunities", "no_opportunities"]


def test_owners_must_be_people_in_the_directory() -> None:
    activities = [
        {"activity": "Pilot", "owner": ME, "due": "2027-03-31"},
        {"activity": "Workshop", "owner": {"name": "someone in IT"}, "due": "2027-04-30"},
    ]
    model = plan({"implementation.activities": activities})
    (issue,) = find_issues(model)
    assert (issue.id, issue.severity, issue.details) == (
        "owner_not_in_directory",
        "medium",
        {"count": 1, "activities": ["Workshop"]},
    )


def test_findings_are_worded_with_severity_and_suggestion_in_both_languages() -> None:
    model = plan(
        {
            "strategy.visit_frequency": "quarterly",
            "goals.targets_by_product": [{"product": "WAN", "target": 2e6}],
        }
    )
    en = review_plan(model, "ACME", WORDS, "en")
    assert [(f.id, f.severity, f.question) for f in en.findings] == [
        ("effort_below_tier", "high", "resources_needed"),
        ("targets_beyond_opportunities", "high", "goals_realistic"),
    ]
    assert en.findings[0].message == "A key account, visited quarterly: less often than monthly."
    assert "1,000,000" in en.findings[1].message and "800,000" in en.findings[1].message
    assert all(f.suggestion for f in en.findings)
    zh = review_plan(model, "ACME", WORDS, "zh")
    assert zh.findings[0].message == "关键客户，拜访频率为每季度：低于每月一次。"
    assert "100万" in zh.findings[1].message and "80万" in zh.findings[1].message
    text = render_checklist(zh, WORDS)
    assert "## 规则检查发现" in text and "【高】关键客户，拜访频率为每季度" in text and "  - 建议：" in text
    assert "## What the rules find" in render_checklist(en, WORDS)


def test_the_example_plan_has_nothing_to_challenge(db, settings, index) -> None:
    example = draft_example(db, settings, index)
    assert find_issues(example.plan) == []
    text = render_checklist(review_plan(example.plan, "ACME Bank", WORDS, "en"), WORDS)
    assert "Nothing to challenge" in text


def test_plan_review_command_json_and_text(db, database_url, tmp_path, settings, index) -> None:
    from bot.plans.repository import PlanRepository

    record = draft_example(db, settings, index)
    plans = PlanRepository(db)
    targets = [{"product": "Data transmission", "target": 9_000_000}]  # 7.25m over today's 1.75m
    plans.apply(record.id, OWNER, "goals.targets_by_product", "answer", value=targets)
    plans.apply(record.id, OWNER, "review.start_date", "clear")
    env = {"DATABASE_URL": database_url}
    result = run_in_process(
        ("plan", "review", "ACME Bank", "--json", "--user", OWNER), data_dir=tmp_path, **env
    )
    assert result.returncode == 0, result.stderr
    payload = json.loads(result.stdout)
    assert len(payload["items"]) == 11
    assert [(f["id"], f["severity"]) for f in payload["findings"]] == [
        ("targets_beyond_opportunities", "high"),
        ("no_start_date", "high"),
    ]
    assert set(payload["findings"][0]) == {"id", "severity", "question", "message", "suggestion", "details"}
    assert payload["findings"][0]["details"] == {
        "current": 1_750_000,
        "target": 9_000_000,
        "growth": 7_250_000,
        "outcome": 2_450_000,
        "expected": pytest.approx(1_000_000),
    }
    text = run_in_process(
        ("plan", "review", "ACME Bank", "--user", OWNER, "--lang", "zh"), data_dir=tmp_path, **env
    )
    assert text.returncode == 0, text.stderr
    assert "【高】没有开始日期" in text.stdout


def test_every_finding_has_its_wording_in_both_languages() -> None:
    from bot.wording import load_prompt_file

    data = load_prompt_file(_shipped_dir("prompts"), "plan_review.yaml")
    assert set(data["en"]["findings"]) == set(data["zh"]["findings"])
    import bot.plans.review as review

    source = Path(review.__file__).read_text(encoding="utf-8")
    for finding in data["en"]["findings"]:
        assert f'"{finding}"' in source  # no wording without a rule, and no rule without wording
