"""Deal pricing, step by step: the pricing decision tree (seed chunks 16-17) as a short dialog.

"How should I price this deal?" / "这个单子怎么报价" opens it. The dialog asks, one at a time and only for
what is still missing, the inputs ``kam_rules.pricing.decide`` needs, then replies with the decision, the
price, the path through the tree, the cost basis and any below-cost warning, citing the cards it rests on.
An ``escalate_to_management`` decision is recorded in the escalation log for the user's manager.

What is asked, and why:

- always: a deal label (for the record), the list price, the maximum discount and the winning price (step 1
  of the tree), and the current platform's LRAIC, marginal cost, utilisation and effective utilisation
  (default 75%). Step 1 alone needs the current platform's utilisation to pick the cost basis and that
  basis's cost for the below-cost warning; steps 2 and 4 compare against the current LRAIC and marginal
  cost; and management, if it comes to them, needs the whole cost picture (the card says "write down each
  answer with its figures"). So the current platform is asked in full.
- only when the winning price is below the floor: whether a lower-cost platform exists, then its LRAIC;
  only when that LRAIC is lower than the current one but above the winning price: its utilisation and
  effective utilisation; only when it is under-used: its marginal cost. Alternative-platform values the
  tree did not need are filled with neutral values that cannot change the decision (marginal cost = its
  LRAIC, utilisation = its effective utilisation) and listed in ``Reply.data["assumed"]``.

Values already in a message are picked up ("list price 100, winning price 85", "标价100，最大折扣10%"),
at the start or at any later turn, which is also how answers are corrected ("change list price to 120",
"把标价改成120"); "改一下最大折扣" asks that question again. "back", "status" and "stop" steer; a side
question is answered from the knowledge base and the pending question asked again. State lives in
``DialogState.data`` (plain JSON), saved by the coach after every turn, so a restart resumes.

All wording, in English and Chinese, is in ``prompts/pricing_dialog.yaml``.
"""

from __future__ import annotations

import logging
import re
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import Any, Literal

from bot.coach.dialog import DialogContext, DialogOutcome, DialogState
from bot.coach.dialog_kit import (
    Commands,
    Wording,
    cite_cards,
    fmt_amount,
    looks_like_number,
    normalise_command,
    prompts_dir_of,
    turn_language,
)
from bot.coach.reply import Language, Reply
from bot.coach.turn import Turn
from kam_rules.money import UnreadableNumber, parse_amount, parse_share
from kam_rules.pricing import (
    Platform,
    PricingDecision,
    PricingInput,
    cheaper_platform,
    decide,
    next_needed_input,
)
from kam_rules.rationale import fmt_share

log = logging.getLogger(__name__)

WORDING_FILE = "pricing_dialog.yaml"
CARDS = ["pricing-decision-tree", "true-product-cost"]
DEFAULT_EFFECTIVE_UTILISATION = 0.75

FieldKind = Literal["text", "amount", "share", "discount", "yesno"]


@dataclass(frozen=True)
class FieldSpec:
    name: str
    kind: FieldKind
    default: float | None = None


FIELDS: dict[str, FieldSpec] = {
    spec.name: spec
    for spec in (
        FieldSpec("deal", "text"),
        FieldSpec("list_price", "amount"),
        FieldSpec("max_discount", "discount"),
        FieldSpec("winning_price", "amount"),
        FieldSpec("lraic", "amount"),
        FieldSpec("marginal_cost", "amount"),
        FieldSpec("utilisation", "share"),
        FieldSpec("effective_utilisation", "share", DEFAULT_EFFECTIVE_UTILISATION),
        FieldSpec("has_alternative", "yesno"),
        FieldSpec("alt_lraic", "amount"),
        FieldSpec("alt_utilisation", "share"),
        FieldSpec("alt_effective_utilisation", "share", DEFAULT_EFFECTIVE_UTILISATION),
        FieldSpec("alt_marginal_cost", "amount"),
    )
}
ALTERNATIVE_FIELDS = ("alt_lraic", "alt_utilisation", "alt_effective_utilisation", "alt_marginal_cost")

# A number as people type it inside a sentence: 100, 1,200.5, 1.2万, $1.2k, 85万元, 55%, 三十万, 五成.
VALUE = (
    r"(?:(?:US\$|HK\$|RMB|CNY|USD|人民币|[¥￥$€£])\s*)?[-+]?"
    r"(?:"
    r"(?:\d{1,3}(?:,\d{3})+|\d+)(?:\.\d+)?|\.\d+"
    r")"
    r"(?:\s*(?:万亿|千万|百万|十万|千|万|亿|百|(?:thousand|million|billion|mn|bn|k|m|b|w)(?![A-Za-z])))?"
    r"(?:\s*[%％‰])?"
    r"|百分之[零〇一二两三四五六七八九十百点]+"
    r"|[零〇一二两三四五六七八九十百千万亿点负]+(?:成[一二三四五六七八九]?)?(?:\s*[%％])?"
    r"|\d成\d?"
)
VALUE_SUFFIX = r"(?:\s*(?:元|块|yuan|rmb|usd)(?![A-Za-z]))?"
CONNECTOR = (
    r"(?:\s*(?:[:：=]|(?:is|was|are|of|to|at|about|around|now|be|should\s+be|set\s+to)(?![A-Za-z])"
    r"|为|是|改成|改为|改到|换成|应该是|大概|大约|约|现在是))*\s*"
)
_VALUE_RE = re.compile(rf"(?P<value>{VALUE}){VALUE_SUFFIX}", re.IGNORECASE)


class Problem(ValueError):
    """An answer that cannot be used; ``code`` names the message in the wording file."""

    def __init__(self, code: str, text: str) -> None:
        super().__init__(f"{code}: {text}")
        self.code = code
        self.text = text


@dataclass
class Extraction:
    values: dict[str, Any] = field(default_factory=dict)
    problems: list[tuple[str, Problem]] = field(default_factory=list)
    mentioned: list[str] = field(default_factory=list)
    leftover: str = ""


class Vocabulary:
    """The aliases and deal-name patterns of the wording file, compiled once per prompts folder."""

    def __init__(self, wording: Wording) -> None:
        aliases: dict[str, list[str]] = wording.shared("aliases")
        entries = sorted(
            ((str(alias), name) for name, names in aliases.items() for alias in names),
            key=lambda entry: -len(entry[0]),
        )
        self.field_of: dict[str, str] = {}
        parts = []
        for alias, name in entries:
            self.field_of[_alias_key(alias)] = name
            body = r"\s*".join(re.escape(word) for word in alias.split())
            if alias[0].isascii() and alias[0].isalpha():
                body = r"(?<![A-Za-z])" + body
            if alias[-1].isascii() and alias[-1].isalpha():
                body += r"(?![A-Za-z])"
            parts.append(body)
        self.pattern = re.compile(
            rf"(?P<alias>{'|'.join(parts)}){CONNECTOR}(?:(?P<value>{VALUE}){VALUE_SUFFIX})?", re.IGNORECASE
        )
        self.deal_patterns = [re.compile(pattern) for pattern in wording.shared("deal_patterns")]
        self.claim_patterns = [re.compile(pattern) for pattern in wording.shared("claim_patterns")]
        self.not_labels = {normalise_command(str(label)) for label in wording.shared("not_labels")}
        self.not_label_parts = [str(part).lower() for part in wording.shared("not_label_parts")]

    def extract(self, text: str, commands: Commands) -> Extraction:
        """Every `name value` pair in the text; names without a value; what is left over."""
        found = Extraction()
        spans = []
        for match in self.pattern.finditer(text):
            name = self.field_of.get(_alias_key(match["alias"]))
            if name is None:  # pragma: no cover - every alternative comes from field_of
                continue
            spans.append(match.span())
            raw = match["value"]
            if raw is None:
                if name not in found.mentioned:
                    found.mentioned.append(name)
                continue
            try:
                found.values[name] = read_value(FIELDS[name], raw, commands)
            except Problem as problem:
                found.problems.append((name, problem))
        leftover = text
        for start, end in reversed(spans):
            leftover = leftover[:start] + " " + leftover[end:]
        found.leftover = leftover
        return found

    def deal_label(self, text: str) -> str | None:
        for pattern in self.deal_patterns:
            for match in pattern.finditer(text):
                label = self.clean_label(match["label"])
                if label:
                    return label
        return None

    def clean_label(self, text: str) -> str:
        label = text.strip().strip("\"'“”‘’「」『』[]()（）").strip(" ,.;:!?，。；：！？")
        label = re.sub(r"(?i)^(?:the|a|an)\s+", "", label).strip()
        lowered = label.lower()
        if not label or normalise_command(label) in self.not_labels:
            return ""
        if any(part in lowered for part in self.not_label_parts):
            return ""
        if self.pattern.fullmatch(label) or looks_like_number(label):
            return ""
        return label[:200]


def _alias_key(alias: str) -> str:
    return re.sub(r"\s+", "", alias.lower())


def read_value(spec: FieldSpec, raw: str, commands: Commands, *, search: bool = False) -> Any:
    """The value of one answer, or a Problem naming what is wrong with it.

    With ``search``, a number inside a longer answer ("about 85万 per unit") is found and read.
    """
    text = raw.strip().rstrip("。.!！")
    if spec.kind == "yesno":
        which = commands.which(text, "yes", "no")
        if which is None:
            raise Problem("yesno", text)
        return which == "yes"
    if spec.default is not None and (commands.is_("default", text) or commands.is_("yes", text)):
        return spec.default
    try:
        return _read_number(spec, text)
    except Problem:
        if not search:
            raise
        tokens = [match.group("value") for match in _VALUE_RE.finditer(text)]
        if len(tokens) != 1 or tokens[0].strip() == text.strip():
            raise
        return _read_number(spec, tokens[0])


def _read_number(spec: FieldSpec, text: str) -> float:
    if spec.kind == "amount":
        try:
            value = parse_amount(text)
        except UnreadableNumber as unreadable:
            code = "amount_is_share" if "percentage" in (unreadable.hint or "") else "amount_unreadable"
            raise Problem(code, text) from None
        if value <= 0:
            raise Problem("amount_positive", text)
        return value
    try:
        share = parse_share(text)
    except UnreadableNumber:
        compact = text.replace(" ", "")
        if re.fullmatch(r"\d+(?:\.\d+)?", compact):
            raise Problem("share_bare_number", compact) from None
        try:
            parse_amount(compact.rstrip("%％‰"))
        except UnreadableNumber:
            raise Problem("share_unreadable", text) from None
        raise Problem("share_range", text) from None
    if spec.kind == "discount" and share >= 1:
        raise Problem("discount_range", text)
    return share


def floor_of(values: dict[str, Any]) -> float:
    return float(values["list_price"]) * (1 - float(values["max_discount"]))


def next_field(values: dict[str, Any]) -> str | None:
    """The deal label first, then the first input the tree still needs, or None when it can decide."""
    return "deal" if "deal" not in values else next_needed_input(values)


def build_input(values: dict[str, Any], language: Language) -> tuple[PricingInput, list[str]]:
    """The tree's input from the answers, and the alternative-platform fields filled in without asking."""
    current = Platform(
        lraic=values["lraic"],
        marginal_cost=values["marginal_cost"],
        utilisation=values["utilisation"],
        effective_utilisation=values["effective_utilisation"],
    )
    alternative = None
    assumed: list[str] = []
    if (
        values.get("has_alternative")
        and "alt_lraic" in values
        and cheaper_platform(values["alt_lraic"], values["lraic"])
    ):
        if "alt_effective_utilisation" not in values:
            assumed.append("alt_effective_utilisation")
        effective = values.get("alt_effective_utilisation", DEFAULT_EFFECTIVE_UTILISATION)
        if "alt_utilisation" not in values:
            assumed.append("alt_utilisation")
        if "alt_marginal_cost" not in values:
            assumed.append("alt_marginal_cost")
        alternative = Platform(
            lraic=values["alt_lraic"],
            marginal_cost=values.get("alt_marginal_cost", values["alt_lraic"]),
            utilisation=values.get("alt_utilisation", effective),
            effective_utilisation=effective,
        )
    pricing = PricingInput(
        list_price=values["list_price"],
        max_discount=values["max_discount"],
        winning_price=values["winning_price"],
        current=current,
        alternative=alternative,
        language=language,
    )
    return pricing, assumed


@lru_cache(maxsize=4)
def _resources(prompts_dir: str) -> tuple[Wording, Commands, Vocabulary]:
    wording = Wording.load(Path(prompts_dir), WORDING_FILE)
    return wording, Commands.load(Path(prompts_dir)), Vocabulary(wording)


class PricingDialog:
    kind = "pricing"

    @staticmethod
    def build_services(db: Any, settings: Any) -> dict[str, Any]:
        from bot.store.escalation_store import EscalationStore

        return {"escalations": EscalationStore(db)}

    def claims(self, text: str, ctx: DialogContext) -> bool:
        """Starts without intent detection on a message that gives two or more inputs ("标价100，目标价85")
        or asks to price a named deal ("帮我给华为报价"), unless it is a question."""
        _, commands, vocabulary = _resources(str(prompts_dir_of(ctx)))
        if len(vocabulary.extract(text, commands).values) >= 2:
            return True
        if commands.is_side_question(text):
            return False
        return any(pattern.search(text) for pattern in vocabulary.claim_patterns)

    # ---------- the Dialog protocol ----------
    def start(self, turn: Turn, ctx: DialogContext) -> DialogOutcome:
        wording, commands, vocabulary = _resources(str(prompts_dir_of(ctx)))
        language = ctx.language
        found = vocabulary.extract(turn.text, commands)
        values: dict[str, Any] = {}
        order: list[str] = []
        label = vocabulary.deal_label(turn.text)
        if label:
            values["deal"] = label
            order.append("deal")
        for name, value in found.values.items():
            values[name] = value
            order.append(name)
        self._imply_alternative(values, found.values, order)
        data = {"values": values, "order": order, "was": {}}
        lines = [wording.text(language, "intro")]
        if len(values) > ("deal" in values):
            shown = str(wording.node(language, "list_separator")).join(
                wording.text(
                    language,
                    "picked_item",
                    field=self._label(wording, language, name),
                    value=self._show(wording, language, name, values[name]),
                )
                for name in order
                if name != "deal"
            )
            lines.append(wording.text(language, "picked_up", values=shown))
        lines.extend(self._problem_lines(wording, language, found.problems))
        state = DialogState(kind=self.kind, language=language, data=data)
        step = next_field(values)
        if step is None:
            return self._finish(turn, state, ctx, language, lines)
        lines.append(wording.text(language, "help_hint"))
        return self._ask(state, language, step, lines, wording)

    def handle(self, turn: Turn, state: DialogState, ctx: DialogContext) -> DialogOutcome:
        wording, commands, vocabulary = _resources(str(prompts_dir_of(ctx)))
        language = turn_language(turn.text, state.language)
        state = state.model_copy(deep=True)
        state.language = language
        data = state.data
        data.setdefault("values", {})
        data.setdefault("order", [])
        data.setdefault("was", {})
        values: dict[str, Any] = data["values"]
        text = turn.text.strip()
        pending = state.step or next_field(values)

        command = commands.which(text, "stop", "back", "status")
        if command == "stop":
            reply = Reply(text=wording.text(language, "stopped"), language=language, intent="pricing")
            return DialogOutcome(reply=reply, state=None)
        if command == "back":
            return self._back(state, language, pending, wording)
        if command == "status":
            return self._status(state, language, pending, wording)

        spec = FIELDS.get(pending) if pending else None
        if self._is_side_question(text, spec, commands):
            return self._side_question(text, state, language, pending, ctx, wording)

        lines: list[str] = []
        found = vocabulary.extract(text, commands)
        if found.values or found.problems:
            for name, value in found.values.items():
                lines.append(self._set(wording, language, data, name, value, announce=True))
            self._imply_alternative(values, found.values, data["order"])
            lines.extend(self._problem_lines(wording, language, found.problems))
            if pending and pending not in found.values:
                self._leftover_answer(found.leftover, pending, data, commands, vocabulary)
            if found.problems and not found.values:
                return self._ask(state, language, found.problems[0][0], lines, wording)
        elif found.mentioned and (commands.has_change_word(text) or not commands.strip_words(found.leftover)):
            target = found.mentioned[0]
            lines.append(wording.text(language, "change_field", field=self._label(wording, language, target)))
            return self._ask(state, language, target, lines, wording)
        elif pending == "deal" and "list_price" not in values and self._positive_amount(text) is not None:
            # "price a deal", then "100": a number is no deal's name; it answers the next question.
            amount = self._positive_amount(text)
            self._set(wording, language, data, "deal", "", announce=False)
            self._set(wording, language, data, "list_price", amount, announce=False)
            lines.append(
                wording.text(language, "number_as_list_price", value=fmt_amount(amount or 0, language))
            )
        elif pending is not None and spec is not None:
            try:
                if spec.kind == "text":
                    value: Any = self._deal_answer(text, commands, vocabulary)
                else:
                    value = read_value(spec, text, commands, search=True)
            except Problem as problem:
                lines.append(wording.text(language, "errors", problem.code, text=problem.text))
                return self._ask(state, language, pending, lines, wording)
            self._set(wording, language, data, pending, value, announce=False)

        step = next_field(values)
        if step is None:
            return self._finish(turn, state, ctx, language, lines)
        return self._ask(state, language, step, lines, wording)

    # ---------- steps ----------
    def _is_side_question(self, text: str, spec: FieldSpec | None, commands: Commands) -> bool:
        if not commands.is_side_question(text) or commands.has_change_word(text):
            return False
        if spec is not None and spec.kind != "text":
            try:
                read_value(spec, text.rstrip("?？ "), commands)
            except Problem:
                return True
            return False  # "yes?" or "55%?" answers the question
        return True

    def _side_question(
        self,
        text: str,
        state: DialogState,
        language: Language,
        pending: str | None,
        ctx: DialogContext,
        wording: Wording,
    ) -> DialogOutcome:
        answer = ctx.answer_question(text, language)
        lines = [answer.text.strip(), "", wording.text(language, "side_resume")]
        outcome = self._ask(state, language, pending or "deal", lines, wording)
        outcome.reply.citations = list(answer.citations)
        return outcome

    def _back(
        self, state: DialogState, language: Language, pending: str | None, wording: Wording
    ) -> DialogOutcome:
        data = state.data
        values = data["values"]
        answered = [name for name in data["order"] if name in values and name != pending]
        if not answered:
            return self._ask(
                state, language, pending or "deal", [wording.text(language, "nothing_back")], wording
            )
        name = answered[-1]
        old = values.pop(name)
        data["order"] = [item for item in data["order"] if item != name]
        data["was"][name] = old
        line = wording.text(
            language,
            "back_to",
            field=self._label(wording, language, name),
            value=self._show(wording, language, name, old),
        )
        return self._ask(state, language, name, [line], wording)

    def _status(
        self, state: DialogState, language: Language, pending: str | None, wording: Wording
    ) -> DialogOutcome:
        values = state.data["values"]
        if not values:
            lines = [wording.text(language, "status_none")]
        else:
            deal = values.get("deal") or wording.text(language, "unnamed_deal")
            lines = [wording.text(language, "status_header", deal=deal)]
            for name in FIELDS:
                if name in values and name != "deal":
                    shown = self._show(wording, language, name, values[name])
                    label = self._label(wording, language, name)
                    lines.append(wording.text(language, "status_line", field=label, value=shown))
        lines.append("")
        lines.append(wording.text(language, "status_next"))
        return self._ask(state, language, pending or next_field(values) or "deal", lines, wording)

    def _ask(
        self, state: DialogState, language: Language, name: str, lines: list[str], wording: Wording
    ) -> DialogOutcome:
        values = state.data["values"]
        spec = FIELDS[name]
        floor = (
            fmt_amount(floor_of(values), language) if {"list_price", "max_discount"} <= values.keys() else ""
        )
        question = wording.text(language, "fields", name, "question", floor=floor)
        if name in values:
            now = self._show(wording, language, name, values[name])
            question = wording.text(language, "question_now", question=question, value=now)
        elif name in state.data.get("was", {}):
            was = self._show(wording, language, name, state.data["was"][name])
            question = wording.text(language, "question_was", question=question, value=was)
        if spec.default is not None:
            default = fmt_share(spec.default)
            question = wording.text(language, "question_default", question=question, value=default)
        why = wording.text(language, "fields", name, "why")
        text = "\n".join([*lines, question, wording.text(language, "why_line", why=why)]).strip()
        state.step = name
        reply = Reply(
            text=text,
            language=language,
            intent="pricing",
            dialog=self.kind,
            data={"step": name, "values": dict(values)},
        )
        return DialogOutcome(reply=reply, state=state)

    def _finish(
        self, turn: Turn, state: DialogState, ctx: DialogContext, language: Language, lines: list[str]
    ) -> DialogOutcome:
        wording = _resources(str(prompts_dir_of(ctx)))[0]
        values: dict[str, Any] = state.data["values"]
        pricing, assumed = build_input(values, language)
        decision = decide(pricing)
        deal = values.get("deal") or ""
        inputs = {name: values[name] for name in FIELDS if name in values and name != "deal"}
        escalation = None
        if decision.decision == "escalate_to_management":
            store = self._escalations(ctx)
            if store is None:
                log.warning("escalation not recorded: no escalation store among the coach's services")
            else:
                escalation = store.record(
                    requested_by=turn.user_id,
                    deal_label=deal,
                    inputs={**inputs, "pricing_input": pricing.model_dump(mode="json")},
                    decision=decision,
                    conversation_key=turn.conversation_key,
                )
        text = "\n".join(
            [
                *lines,
                *self._result_lines(wording, language, deal, pricing, decision, assumed, escalation, turn),
            ]
        ).strip()
        data = {
            **decision.model_dump(mode="json"),
            "deal": deal,
            "inputs": inputs,
            "pricing_input": pricing.model_dump(mode="json"),
            "assumed": assumed,
            "escalation": None
            if escalation is None
            else {
                "id": escalation.id,
                "requested_by": escalation.requested_by,
                "deal_label": escalation.deal_label,
                "created_at": escalation.created_at.isoformat(),
            },
        }
        reply = Reply(
            text=text,
            language=language,
            intent="pricing",
            citations=cite_cards(ctx, CARDS, language),
            data=data,
        )
        return DialogOutcome(reply=reply, state=None)

    def _result_lines(
        self,
        wording: Wording,
        language: Language,
        deal: str,
        pricing: PricingInput,
        decision: PricingDecision,
        assumed: list[str],
        escalation: Any,
        turn: Turn,
    ) -> list[str]:
        def result(*path: str, **values: Any) -> str:
            return wording.text(language, "result", *path, **values)

        deal_name = deal or wording.text(language, "unnamed_deal")
        label = result("decisions", decision.decision)
        lines = ["", result("deal_line", deal=deal_name, label=label) + f" [{decision.decision}]"]
        money = lambda value: fmt_amount(value, language)  # noqa: E731
        if decision.recommended_price is not None:
            lines.append(result("recommended", price=money(decision.recommended_price)))
        else:
            lines.append(result("no_price"))
        lines.append(
            result(
                "floor",
                floor=money(decision.floor),
                list_price=money(pricing.list_price),
                discount=fmt_share(pricing.max_discount),
            )
        )
        if decision.cost_basis and decision.platform:
            platform = pricing.current if decision.platform == "current" else pricing.alternative
            assert platform is not None
            cost = platform.cost(decision.cost_basis)
            basis = result("bases", decision.cost_basis)
            platform_name = result("platforms", decision.platform)
            lines.append(result("cost_basis", basis=basis, platform=platform_name, cost=money(cost)))
            if decision.below_cost:
                lines.append(
                    result(
                        "below_cost",
                        price=money(decision.recommended_price or 0),
                        basis=basis,
                        cost=money(cost),
                        platform=platform_name,
                    )
                )
        else:
            lines.append(result("no_basis"))
        lines.append(result("path_header"))
        for n, step in enumerate(decision.path, start=1):
            answer = wording.text(language, "yes" if step.answer else "no")
            lines.append(result("path_line", n=n, question=step.question, answer=answer))
        lines.append("")
        lines.append(decision.rationale)
        if assumed:
            names = str(wording.node(language, "list_separator")).join(
                self._label(wording, language, name) for name in assumed
            )
            lines.append(result("assumed", fields=names))
        if escalation is not None:
            lines.append(
                result(
                    "escalated",
                    id=escalation.id,
                    who=turn.user_id,
                    when=escalation.created_at.strftime("%Y-%m-%d %H:%M"),
                )
            )
        lines.append(result("again"))
        return lines

    # ---------- helpers ----------
    @staticmethod
    def _escalations(ctx: DialogContext) -> Any:
        store = ctx.services.get("escalations")
        if store is None and ctx.services.get("db") is not None:
            from bot.store.escalation_store import EscalationStore

            store = EscalationStore(ctx.services["db"])
            ctx.services["escalations"] = store
        return store

    @staticmethod
    def _imply_alternative(values: dict[str, Any], given: dict[str, Any], order: list[str]) -> None:
        """Giving an alternative platform's figures answers "is there one?" with yes."""
        if any(name in given for name in ALTERNATIVE_FIELDS) and not values.get("has_alternative"):
            values["has_alternative"] = True
            if "has_alternative" not in order:
                order.append("has_alternative")

    def _set(
        self,
        wording: Wording,
        language: Language,
        data: dict[str, Any],
        name: str,
        value: Any,
        *,
        announce: bool,
    ) -> str:
        values = data["values"]
        old = values.get(name)
        values[name] = value
        data.get("was", {}).pop(name, None)
        if name not in data["order"]:
            data["order"].append(name)
        if not announce:
            return ""
        label = self._label(wording, language, name)
        new = self._show(wording, language, name, value)
        if old is None or old == value:
            return wording.text(language, "noted", field=label, new=new)
        return wording.text(
            language, "changed", field=label, old=self._show(wording, language, name, old), new=new
        )

    def _leftover_answer(
        self, leftover: str, pending: str, data: dict[str, Any], commands: Commands, vocabulary: Vocabulary
    ) -> None:
        """What is left after the name-value pairs may answer the pending question ("yes, alt LRAIC 50")."""
        rest = commands.strip_words(leftover)
        if not rest:
            return
        spec = FIELDS[pending]
        try:
            if spec.kind == "text":
                value: Any = vocabulary.deal_label(rest) or vocabulary.clean_label(rest)
                if not value:
                    return
            else:
                value = read_value(spec, rest, commands)
        except Problem:
            return
        data["values"][pending] = value
        if pending not in data["order"]:
            data["order"].append(pending)

    @staticmethod
    def _positive_amount(text: str) -> float | None:
        try:
            value = parse_amount(text.strip())
        except UnreadableNumber:
            return None
        return value if value > 0 else None

    @staticmethod
    def _deal_answer(text: str, commands: Commands, vocabulary: Vocabulary) -> str:
        if commands.is_("skip", text):
            return ""
        label = vocabulary.deal_label(text) or vocabulary.clean_label(text) or text.strip()[:200]
        if not label.strip(" .,;:!?。，；：！？"):
            raise Problem("text_empty", text)
        return label

    @staticmethod
    def _label(wording: Wording, language: Language, name: str) -> str:
        return wording.text(language, "fields", name, "label")

    @staticmethod
    def _show(wording: Wording, language: Language, name: str, value: Any) -> str:
        kind = FIELDS[name].kind
        if kind == "yesno":
            return wording.text(language, "yes" if value else "no")
        if kind == "text":
            return str(value) if value else wording.text(language, "unnamed_deal")
        if kind == "amount":
            return fmt_amount(float(value), language)
        return fmt_share(float(value))

    @staticmethod
    def _problem_lines(
        wording: Wording, language: Language, problems: list[tuple[str, Problem]]
    ) -> list[str]:
        lines = []
        for name, problem in problems:
            prefix = wording.text(
                language, "problem_prefix", field=PricingDialog._label(wording, language, name)
            )
            lines.append(prefix + wording.text(language, "errors", problem.code, text=problem.text))
        return lines
