"""The deterministic KAM rules as langchain tools, so an LLM can call them instead of doing the sums.

Each tool's arguments are the rule's pydantic input model (``args_schema``); the tool returns the rule's
result as a JSON-ready dict (numbers, verdicts and a short rationale naming the seed chunks). Invalid
arguments raise ``pydantic.ValidationError`` exactly as the rules do.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from langchain_core.tools import StructuredTool
from pydantic import BaseModel

from kam_rules import cadence, coverage, opportunities, pricing, skills, tiering


def _tool(
    name: str, description: str, schema: type[BaseModel], rule: Callable[[Any], BaseModel]
) -> StructuredTool:
    def run(**arguments: Any) -> dict[str, Any]:
        # langchain passes only the arguments the caller gave (already validated): rebuild the model
        # so defaults and cross-field checks apply.
        return rule(schema(**arguments)).model_dump(mode="json")

    run.__name__ = name
    return StructuredTool.from_function(
        func=run, name=name, description=description, args_schema=schema, infer_schema=False
    )


def rule_tools() -> list[StructuredTool]:
    """One tool per rule: pricing, opportunities, tiers, review schedule, skills, coverage x3."""
    return [
        _tool(
            "price_deal",
            "Decide how to price a deal with the pricing decision tree (seed chunks 16-17): maintain "
            "pricing, migrate to a lower-cost platform, marginal-cost pricing, or escalate to management. "
            "Prices and costs are per unit; shares (discount, utilisation) are fractions 0..1.",
            pricing.PricingInput,
            pricing.decide,
        ),
        _tool(
            "rank_opportunities",
            "Classify and rank growth opportunities by size of outcome and likelihood of success into act "
            "now / plan the attack / opportunistic / shelve (seed chunks 11-13). value_threshold defaults "
            "to the median outcome value; probabilities are fractions 0..1.",
            opportunities.RankInput,
            opportunities.prioritise,
        ),
        _tool(
            "tier_accounts",
            "Tier accounts into key / important / standard by total customer value (profit contribution "
            "minus cost to serve plus learning, skill, referral and other intangible value; seed chunks "
            "4-5). key_share and important_share are fractions 0..1.",
            tiering.TieringInput,
            tiering.tier,
        ),
        _tool(
            "review_schedule",
            "Review dates of an account plan by tier (seed chunks 33, 35): plan checkpoint at 8 weeks, plan "
            "due at 12 weeks, quarterly reviews and 6-monthly progress reports for key accounts, annual "
            "review for important ones, annual collective review for the rest. start is YYYY-MM-DD.",
            cadence.ScheduleInput,
            cadence.plan_reviews,
        ),
        _tool(
            "prioritise_skills",
            "Order selling skills by the gap between importance in 2-3 years and current performance, both "
            "rated 1-5; develop the largest gaps first (seed chunks 27-28).",
            skills.SkillsInput,
            skills.plan_skills,
        ),
        _tool(
            "coverage_funnel",
            "Diagnose where sales are lost (not contacted, contacted but not pursued, pursued but lost, won; "
            "shares or amounts) against the seed benchmark 25/30/10/35 and say whether to fix efficiency "
            "or effectiveness first (seed chunks 17-19).",
            coverage.FunnelInput,
            coverage.diagnose_funnel,
        ),
        _tool(
            "coverage_macro",
            "Macro efficiency (seed chunks 19-21, the Kunming example): compare each account's and each "
            "group's (top 10, 11-20, rest by potential) share of sales hours with its share of potential "
            "and list under- and over-served accounts.",
            coverage.MacroInput,
            coverage.macro_efficiency,
        ),
        _tool(
            "coverage_micro",
            "Micro efficiency (seed chunks 22-23): the revenue-generating share (face-to-face visits, "
            "account planning, proposals) of a salesperson's timesheet against a target band (default "
            "40-50%, high-performing sales forces; average 15-25%).",
            coverage.MicroInput,
            coverage.micro_efficiency,
        ),
    ]
