"""The rules as tools the model may call (``bot.rule_tools``), run here by ``kam_rules``, and their results
shown as the rules' own output: the model picks the rule and reads the figures from the question; the
verdict, every number and the rationale come from the rule, never from the model's prose."""

from __future__ import annotations

import json
from datetime import date
from typing import Any

from langchain_core.messages import ToolCall, ToolMessage
from langchain_core.tools import StructuredTool
from pydantic import BaseModel, ValidationError

from bot.coach.forms.form import CardLookup
from bot.coach.reply import Citation, Decision, DecisionStep, Language
from bot.rule_tools import rule_tools
from bot.wording import Catalogue
from kam_rules.formatting import format_amount, format_date

SHOWN_ITEMS = 30
"""A result's items (accounts, opportunities, skills, dates) shown one a line, up to this many."""
_TITLE_KEYS = ("name", "label", "skill", "activity")


class RuleRun(BaseModel):
    """One rule the model called, with the arguments it was run on and its result."""

    tool: str
    arguments: dict[str, Any]
    result: dict[str, Any]


def _reason(error: ValidationError) -> str:
    return "; ".join(
        f"{'.'.join(str(part) for part in item['loc']) or 'input'}: {item['msg']}" for item in error.errors()
    )


class RuleTools:
    def __init__(self, catalogue: Catalogue, cards: CardLookup) -> None:
        self.tools: list[StructuredTool] = rule_tools()
        self.by_name = {tool.name: tool for tool in self.tools}
        self.wording = catalogue.file("llm.yaml")
        self.pricing = catalogue.file("pricing.yaml")
        self.cadence = catalogue.file("cadence.yaml")
        self.cards = cards

    def run(self, call: ToolCall, language: Language) -> tuple[ToolMessage, RuleRun | None]:
        """The tool message for the model, and the run when the rule gave a result."""
        call_id = call.get("id") or call["name"]
        tool = self.by_name.get(call["name"])
        if tool is None:
            text = self.wording.text(language, "rule_unknown", name=call["name"])
            return ToolMessage(text, tool_call_id=call_id, status="error"), None
        arguments = dict(call.get("args") or {})
        # The rationale is written in the user's language, whatever the model asked for.
        arguments["language"] = language
        try:
            result = tool.invoke(arguments)
        except ValidationError as refused:
            text = self.wording.text(language, "rule_refused", reason=_reason(refused))
            return ToolMessage(text, tool_call_id=call_id, status="error"), None
        run = RuleRun(tool=tool.name, arguments=arguments, result=result)
        return ToolMessage(json.dumps(result, ensure_ascii=False), tool_call_id=call_id), run

    # ---------- showing a result ----------
    def show(self, run: RuleRun, language: Language) -> str:
        heading = self.wording.text(
            language, "rule_heading", rule=self.wording.text(language, "rules", run.tool)
        )
        lines = [heading]
        if run.tool == "price_deal":
            decision = run.result["decision"]
            lines.append(self.pricing.text(language, "result", "decisions", decision).capitalize())
            price = run.result.get("recommended_price")
            if price is None:
                lines.append(self.pricing.text(language, "result", "no_price"))
            else:
                lines.append(
                    self.pricing.text(language, "result", "recommended", price=format_amount(price, language))
                )
        lines.append(str(run.result.get("rationale", "")).strip())
        for items in run.result.values():
            if isinstance(items, list) and items and all(isinstance(item, dict) for item in items):
                lines.extend(self._item_line(item, language) for item in items[:SHOWN_ITEMS])
        return "\n".join(line for line in lines if line)

    def _item_line(self, item: dict[str, Any], language: Language) -> str:
        """One item of a result as its rule words it (its own rationale), or a review date and its event."""
        if "date" in item and "kind" in item:
            event = str(item["kind"])
            if self.cadence.has(language, "events", event):
                event = self.cadence.text(language, "events", event)
            day = format_date(date.fromisoformat(str(item["date"])), language)
            return self.wording.text(language, "rule_event", date=day, event=event)
        rationale = str(item.get("rationale") or "").strip()
        title = next((str(item[key]) for key in _TITLE_KEYS if item.get(key)), "")
        if not (title and rationale):
            return ""
        return self.wording.text(language, "rule_item", title=title, rationale=rationale)

    def decision(self, run: RuleRun, language: Language) -> Decision | None:
        if run.tool != "price_deal":
            return None
        result = run.result
        return Decision(
            decision=result["decision"],
            recommended_price=result.get("recommended_price"),
            cost_basis=result.get("cost_basis"),
            platform=result.get("platform"),
            below_cost=bool(result.get("below_cost")),
            path=[DecisionStep(question=step["question"], answer=step["answer"]) for step in result["path"]],
            label=self.pricing.text(language, "result", "decisions", result["decision"]),
        )

    def citations(self, run: RuleRun, language: Language) -> list[Citation]:
        """The cards that back the rule (its seed chunks), as the form that runs the same rule cites them."""
        found = []
        for card_id in self.wording.data("tool_cards", run.tool, default=[]):
            card = self.cards.card(card_id, language)
            if card is not None:
                found.append(
                    Citation(id=card.id, title=card.title, seed_chunks=list(card.seed_chunks), score=1.0)
                )
        return found
