"""bot.rule_tools: each rule as a langchain StructuredTool, invoked directly."""

from __future__ import annotations

import pytest
from langchain_core.tools import StructuredTool
from langchain_core.utils.function_calling import convert_to_openai_tool
from pydantic import ValidationError

from bot.rule_tools import rule_tools


@pytest.fixture(scope="module")
def tools() -> dict[str, StructuredTool]:
    return {tool.name: tool for tool in rule_tools()}


def test_one_tool_per_rule(tools: dict[str, StructuredTool]) -> None:
    assert set(tools) == {
        "price_deal",
        "rank_opportunities",
        "tier_accounts",
        "review_schedule",
        "prioritise_skills",
        "coverage_funnel",
        "coverage_macro",
        "coverage_micro",
    }
    for tool in tools.values():
        assert isinstance(tool, StructuredTool)
        assert "seed chunk" in tool.description
        convert_to_openai_tool(tool)  # the schema can be bound to a chat model


def test_price_deal(tools: dict[str, StructuredTool]) -> None:
    result = tools["price_deal"].invoke(
        {
            "list_price": 100,
            "max_discount": 0.1,
            "winning_price": 85,
            "current": {"lraic": 70, "marginal_cost": 40, "utilisation": 0.55},
        }
    )
    assert result["decision"] == "marginal_cost_pricing"
    assert result["path"][0] == {
        "key": "within_discount",
        "question": "Can the winning price be offered within the discount policy (winning price >= 90)?",
        "answer": False,
    }


def test_price_deal_invalid(tools: dict[str, StructuredTool]) -> None:
    with pytest.raises(ValidationError):
        tools["price_deal"].invoke(
            {
                "list_price": -1,
                "max_discount": 0.1,
                "winning_price": 85,
                "current": {"lraic": 70, "marginal_cost": 40, "utilisation": 0.55},
            }
        )


def test_rank_opportunities(tools: dict[str, StructuredTool]) -> None:
    result = tools["rank_opportunities"].invoke(
        {
            "opportunities": [
                {"name": "a", "kind": "cross_sell", "outcome_value": 10, "success_probability": 0.9},
                {"name": "b", "kind": "price_mix", "outcome_value": 1, "success_probability": 0.1},
            ]
        }
    )
    assert [o["quadrant"] for o in result["opportunities"]] == ["act_now", "shelve"]
    assert result["value_threshold"] == 5.5


def test_tier_accounts(tools: dict[str, StructuredTool]) -> None:
    result = tools["tier_accounts"].invoke(
        {"accounts": [{"name": "a", "profit_contribution": 50}, {"name": "b", "profit_contribution": 50}]}
    )
    assert [a["tier"] for a in result["accounts"]] == ["key", "important"]


def test_review_schedule(tools: dict[str, StructuredTool]) -> None:
    result = tools["review_schedule"].invoke({"tier": "important", "start": "2027-01-04", "language": "zh"})
    assert result["events"][-1] == {"date": "2028-01-04", "kind": "annual_review"}
    assert "种子" in result["rationale"]


def test_prioritise_skills(tools: dict[str, StructuredTool]) -> None:
    result = tools["prioritise_skills"].invoke(
        {
            "ratings": [
                {"skill": "a", "importance": 3, "performance": 3},
                {"skill": "b", "importance": 5, "performance": 1},
            ]
        }
    )
    assert [s["skill"] for s in result["skills"]] == ["b", "a"]
    assert result["skills"][0]["gap"] == 4


def test_coverage_tools(tools: dict[str, StructuredTool]) -> None:
    funnel = tools["coverage_funnel"].invoke(
        {"not_contacted": 25, "contacted_not_pursued": 30, "pursued_lost": 10, "won": 35}
    )
    assert funnel["fix_first"] == "efficiency"
    macro = tools["coverage_macro"].invoke(
        {
            "accounts": [
                {"name": "big", "potential": 90, "hours": 10},
                {"name": "small", "potential": 10, "hours": 90},
            ]
        }
    )
    assert (macro["under_served"], macro["over_served"]) == (["big"], ["small"])
    micro = tools["coverage_micro"].invoke({"timesheet": {"face_to_face_visits": 45, "travel": 55}})
    assert micro["status"] == "on_target"
    with pytest.raises(ValidationError):
        tools["coverage_funnel"].invoke(
            {"not_contacted": 0, "contacted_not_pursued": 0, "pursued_lost": 0, "won": 0}
        )
