"""Deal pricing: the pricing decision tree of ``kam_rules.pricing`` (seed chunks 16-17) as a form.

Which input is asked next is ``kam_rules.pricing.next_needed_input``, the same tests ``decide()`` runs, so
only what the tree needs is asked. The deal's name is asked first only when the opening message gave no
figures; figures given anywhere ("list price 100, winning price 85", "标价100，最大折扣10%") are taken at
once, also as corrections. An ``escalate_to_management`` decision is recorded for the user's manager.

Alternative-platform values the tree did not need are filled with values that cannot change the decision
(marginal cost = its LRAIC, utilisation = its effective utilisation), and the reply says so.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, ClassVar, Protocol

from pydantic import BaseModel

from bot.coach.forms import facts as prose
from bot.coach.forms.commands import normalise
from bot.coach.forms.display import join, label, show_value
from bot.coach.forms.facts import Facts
from bot.coach.forms.form import Form, Session
from bot.coach.forms.parsing import parse_value
from bot.coach.forms.results import FormWording
from bot.coach.forms.slots import Slot
from bot.coach.reply import Decision, DecisionStep
from bot.errors import InputError
from kam_rules.formatting import format_amount, format_share
from kam_rules.money import UnreadableNumber, parse_amount
from kam_rules.pricing import (
    CURRENT_INPUTS,
    Platform,
    PricingDecision,
    PricingInput,
    cheaper_platform,
    decide,
    next_needed_input,
    under_used,
    within_discount,
)

DEFAULT_EFFECTIVE_UTILISATION = 0.75
ALTERNATIVE = ("alt_lraic", "alt_utilisation", "alt_effective_utilisation", "alt_marginal_cost")

# A number as people type it inside a sentence: 100, 1,200.5, 1.2万, $1.2k, 85万元, 55%, 三十万, 五成.
VALUE = (
    r"(?:(?:US\$|HK\$|RMB|CNY|USD|人民币|[¥￥$€£])\s*)?[-+]?"
    r"(?:(?:\d{1,3}(?:,\d{3})+|\d+)(?:\.\d+)?|\.\d+)"
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


def _positive(value: float) -> float:
    if value <= 0:
        raise InputError("amount_positive")
    return value


def _discount(value: float) -> float:
    if value >= 1:
        raise InputError("discount_range")
    return value


SLOTS = (
    Slot("deal", "text", required=False),
    Slot("list_price", "money", validate=_positive),
    Slot("max_discount", "share", validate=_discount),
    Slot("winning_price", "money", validate=_positive),
    Slot("lraic", "money", validate=_positive),
    Slot("marginal_cost", "money", validate=_positive),
    Slot("utilisation", "share"),
    Slot("effective_utilisation", "share", default=DEFAULT_EFFECTIVE_UTILISATION),
    Slot("has_alternative", "bool"),
    Slot("alt_lraic", "money", validate=_positive),
    Slot("alt_utilisation", "share"),
    Slot("alt_effective_utilisation", "share", default=DEFAULT_EFFECTIVE_UTILISATION),
    Slot("alt_marginal_cost", "money", validate=_positive),
    Slot("asked_discount", "share", required=False, validate=_discount),
)
ASKED = "asked_discount"
"""The discount the customer asks for ("八折", "20% off"): with the list price it gives the winning price."""


class EscalationRecord(Protocol):
    @property
    def id(self) -> int: ...

    @property
    def created_at(self) -> datetime: ...


class Escalations(Protocol):
    """Where an escalated deal is recorded for the manager."""

    def record(
        self,
        *,
        requested_by: str,
        deal_label: str = "",
        inputs: BaseModel | Mapping[str, Any] | None = None,
        decision: BaseModel | Mapping[str, Any] | None = None,
        conversation_key: str | None = None,
    ) -> EscalationRecord: ...


class PricingData(BaseModel):
    ask_deal: bool = True
    """Ask for the deal's name first: only when the opening message gave no figures."""


@dataclass
class Found:
    values: dict[str, Any] = field(default_factory=dict)
    problems: list[tuple[str, InputError]] = field(default_factory=list)
    mentioned: list[str] = field(default_factory=list)
    leftover: str = ""


class Vocabulary:
    """The slots' aliases (both languages) and the deal-name patterns, compiled once."""

    def __init__(self, form: PricingForm, s: Session) -> None:
        entries = sorted(
            ((alias, slot.name) for slot in SLOTS for alias in form.slot_words(s, slot)[2:]),
            key=lambda entry: -len(entry[0]),
        )
        self.slot_of: dict[str, str] = {}
        parts = []
        for alias, name in entries:
            key = re.sub(r"\s+", "", alias.lower())
            if key in self.slot_of or name == "deal":
                continue
            self.slot_of[key] = name
            body = r"\s*".join(re.escape(word) for word in alias.split())
            if alias[0].isascii() and alias[0].isalpha():
                body = r"(?<![A-Za-z])" + body
            if alias[-1].isascii() and alias[-1].isalpha():
                body += r"(?![A-Za-z])"
            parts.append(body)
        self.pattern = re.compile(
            rf"(?P<alias>{'|'.join(parts)}){CONNECTOR}(?:(?P<value>{VALUE}){VALUE_SUFFIX})?", re.IGNORECASE
        )
        data = s.wording.data
        self.deal_patterns = [re.compile(p) for p in data("deal_patterns", default=[])]
        self.claim_patterns = [re.compile(p) for p in data("claim_patterns", default=[])]
        self.not_labels = {normalise(str(word)) for word in data("not_labels", default=[])}
        self.not_label_parts = [str(part).lower() for part in data("not_label_parts", default=[])]

    def find(self, text: str, s: Session) -> Found:
        found = Found()
        spans = []
        context = s.parse_context()
        for match in self.pattern.finditer(text):
            name = self.slot_of.get(re.sub(r"\s+", "", match["alias"].lower()))
            if name is None:
                continue
            spans.append(match.span())
            raw = match["value"]
            if raw is None:
                if name not in found.mentioned:
                    found.mentioned.append(name)
                continue
            slot = PricingForm.slot_named(name)
            try:
                value = parse_value(slot, raw, context)
                found.values[name] = slot.validate(value) if slot.validate else value
            except InputError as error:
                found.problems.append((name, InputError(error.code, text=raw, **error.params)))
        leftover = text
        for start, end in reversed(spans):
            leftover = leftover[:start] + " " + leftover[end:]
        found.leftover = leftover
        return found

    def deal_label(self, text: str, s: Session) -> str | None:
        for pattern in self.deal_patterns:
            for match in pattern.finditer(text):
                name = self.clean_label(match["label"], s)
                if name:
                    return name
        return None

    def clean_label(self, text: str, s: Session) -> str:
        name = text.strip().strip("\"'“”‘’「」『』[]()（）").strip(" ,.;:!?，。；：！？")
        name = re.sub(r"(?i)^(?:the|a|an)\s+", "", name).strip()
        if not name or normalise(name) in self.not_labels or s.tools.commands.command(name):
            return ""
        if any(part in name.lower() for part in self.not_label_parts):
            return ""
        if self.pattern.fullmatch(name) or _is_number(name):
            return ""
        return name[:200]


def known(values: dict[str, Any]) -> dict[str, Any]:
    """The answers, with the winning price a discount asked gives on the list price when not told."""
    if "winning_price" in values or ASKED not in values or "list_price" not in values:
        return values
    return {**values, "winning_price": float(values["list_price"]) * (1 - float(values[ASKED]))}


def _fits(name: str, value: Any) -> bool:
    """A figure read from prose that its input takes (a discount under 100%, a share up to 100%)."""
    slot = PricingForm.slot_named(name)
    try:
        if slot.validate is not None:
            slot.validate(value)
    except InputError:
        return False
    return not (slot.kind == "share" and not 0 <= float(value) <= 1)


def _is_number(text: str) -> bool:
    try:
        parse_amount(text)
    except UnreadableNumber:
        return False
    return True


class PricingForm(Form):
    kind: ClassVar[str] = "pricing"
    intent = "pricing"
    wording_file = "pricing.yaml"
    Data = PricingData

    def __init__(self, escalations: Escalations | None = None) -> None:
        super().__init__(SLOTS)
        self.escalations = escalations
        self._vocabulary: Vocabulary | None = None

    @staticmethod
    def slot_named(name: str) -> Slot:
        return next(slot for slot in SLOTS if slot.name == name)

    def vocabulary(self, s: Session) -> Vocabulary:
        if self._vocabulary is None:
            self._vocabulary = Vocabulary(self, s)
        return self._vocabulary

    # ---------- recognising a deal ----------
    def claims(self, s: Session, text: str) -> bool:
        """Two or more of the inputs in one message ("标价100，目标价85"), or a request to price a named deal
        ("帮我给华为报价"), unless it is a question."""
        vocabulary = self.vocabulary(s)
        if len(vocabulary.find(text, s).values) >= 2:
            return True
        if s.tools.commands.looks_like_question(text):
            return False
        return any(pattern.search(text) for pattern in vocabulary.claim_patterns)

    # ---------- asking ----------
    def needed(self, s: Session) -> list[str]:
        values = known(s.values())
        first = []
        if self.data(s).ask_deal and "deal" not in values and "deal" not in s.state.skipped:
            first = ["deal"]
        current = [name for name in CURRENT_INPUTS if name not in values]
        if ASKED in values:  # the discount asked gives the winning price once the list price is known
            current = [name for name in current if name != "winning_price"]
        if current:  # always needed: step 1 of the tree and the current platform's costs
            return first + current
        following = next_needed_input(values)
        return first + ([following] if following else [])

    def readable(self, s: Session) -> list[Slot]:
        """Every input not given yet, also those the tree asks only later (a deal described whole)."""
        values = s.values()
        return [slot for slot in SLOTS if slot.name not in values]

    def stateless(self) -> PricingForm:
        return PricingForm(None)

    # ---------- a situation told in prose ----------
    def situation(self, s: Session, text: str) -> Facts:
        """The discount asked and the policy's ("客户要八折，政策最多九折", "wants 22% off, my authority
        stops at 12%"), a price asked ("wants 85 per unit"), the utilisation ("利用率才45%", "half empty"),
        and inputs named with a figure ("标价100")."""
        words = s.wording.data("situation")
        values: dict[str, Any] = dict(self.vocabulary(s).find(text, s).values)
        for _, clause in prose.clauses(text):
            if prose.has_any(clause, words["utilisation"]) and not prose.has_any(clause, words["effective"]):
                found = prose.shares(clause)
                if found and "utilisation" not in values:
                    values["utilisation"] = found[0].value
                continue
            policy = prose.has_any(clause, words["policy"]) and not prose.has_any(clause, words["asking"])
            if not policy and prose.has_any(clause, words["relative"]):
                continue  # "another 5 points off": beyond something unsaid, no figure of its own
            found = prose.zhe_discounts(clause)
            if not found and (policy or prose.has_any(clause, words["discount"])):
                found = prose.shares(clause) or [
                    prose.Found(m.start(), m.end(), int(m[1]) / 100)
                    for m in re.finditer(words["points"], clause, re.IGNORECASE)
                ]
            if found:
                values.setdefault("max_discount" if policy else ASKED, found[0].value)
            elif not policy and prose.has_any(clause, words["asking"]):
                wanted = prose.amounts(clause)  # "ACME wants 85 per unit", "客户要85": the price that wins it
                if wanted:
                    values.setdefault("winning_price", wanted[0].value)
        if "utilisation" not in values and prose.has_any(text, words["half_empty"]):
            values["utilisation"] = 0.5
        return Facts({name: value for name, value in values.items() if _fits(name, value)})

    def take(self, s: Session, facts: Facts) -> list[str]:
        taken = super().take(s, facts)
        if taken:
            self.set_data(s, PricingData(ask_deal=False))
            self._imply_alternative(s, facts.values)
        return taken

    def outlook(self, s: Session) -> list[str]:
        """The tree's steps the facts so far settle: within the policy or not (step 1); which cost applies,
        and so whether marginal-cost pricing can be allowed (chunk 16)."""
        values = known(s.values())
        effective = float(values.get("effective_utilisation", DEFAULT_EFFECTIVE_UTILISATION))
        shown = {"effective": format_share(effective, s.language)}
        beyond: bool | None = None
        by_price = False  # step 1 settled by the winning price against the floor, not by a discount asked
        if {"winning_price", "list_price", "max_discount"} <= values.keys():
            floor = float(values["list_price"]) * (1 - float(values["max_discount"]))
            beyond = not within_discount(float(values["winning_price"]), floor)
            by_price = True
            shown |= {
                "price": format_amount(values["winning_price"], s.language),
                "floor": format_amount(floor, s.language),
            }
        elif ASKED in values and "max_discount" in values:
            beyond = float(values[ASKED]) > float(values["max_discount"]) + 1e-9
            shown |= {"asked": format_share(values[ASKED], s.language)}
        if "max_discount" in values:
            shown |= {"max": format_share(values["max_discount"], s.language)}
        under: bool | None = None
        if "utilisation" in values:
            under = under_used(float(values["utilisation"]), effective)
            shown |= {"utilisation": format_share(values["utilisation"], s.language)}
        lines = []
        if beyond is not None:
            verdict = "beyond" if beyond else "within"
            lines.append(s.word("outlook", f"{verdict}_price" if by_price else verdict, **shown))
        if under is not None and beyond is not False:
            lines.append(s.word("outlook", "under_used" if under else "well_used", **shown))
        elif beyond:
            lines.append(s.word("outlook", "then", **shown))
        return lines

    def question_values(self, s: Session) -> dict[str, Any]:
        values = s.values()
        if {"list_price", "max_discount"} <= values.keys():
            floor = float(values["list_price"]) * (1 - float(values["max_discount"]))
            return {"floor": format_amount(floor, s.language)}
        return {"floor": ""}

    def begin(self, s: Session) -> None:
        text = s.turn.text
        vocabulary = self.vocabulary(s)
        found = vocabulary.find(text, s)
        name = vocabulary.deal_label(text, s)
        if name:
            s.state.values["deal"] = name
        s.state.values.update(found.values)
        self._imply_alternative(s, found.values)
        for slot_name in found.values:
            s.state.answered(slot_name)
        self.set_data(s, PricingData(ask_deal=not found.values and not name))
        s.lines.append(s.word("intro"))
        given = [slot for slot in SLOTS if slot.name in found.values]
        if given:
            shown = join(
                s,
                [
                    s.word(
                        "picked_item",
                        field=label(s, slot),
                        value=show_value(s, slot, s.state.values[slot.name]),
                    )
                    for slot in given
                ],
            )
            s.lines.append(s.word("picked_up", values=shown))
        self._problems(s, found.problems)

    def _problems(self, s: Session, problems: list[tuple[str, InputError]]) -> None:
        for name, error in problems:
            slot = self.slot_named(name)
            s.lines.append(
                s.word("problem_prefix", field=label(s, slot))
                + s.engine.text(s.language, "errors", error.code, **error.params)
            )

    @staticmethod
    def _imply_alternative(s: Session, given: dict[str, Any]) -> None:
        """Giving an alternative platform's figures answers "is there one?" with yes."""
        if any(name in given for name in ALTERNATIVE) and not s.state.values.get("has_alternative"):
            s.state.values["has_alternative"] = True
            s.state.answered("has_alternative")

    # ---------- answers ----------
    def extract(self, s: Session, text: str) -> bool:
        """Figures named anywhere in a message set (or correct) their inputs; a name without a figure
        ("改一下最大折扣") asks that input again."""
        found = self.vocabulary(s).find(text, s)
        if not (found.values or found.problems or found.mentioned):
            return False
        if not found.values and s.tools.commands.looks_like_question(text):
            return False  # "What is LRAIC?" asks about an input; it does not change one
        pending = s.state.position
        for name, value in found.values.items():
            old = s.state.values.get(name)
            slot = self.slot_named(name)
            s.state.values[name] = value
            s.state.answered(name)
            new = show_value(s, slot, value)
            if old is not None and old != value:
                s.say("changed", label=label(s, slot), old=show_value(s, slot, old), new=new)
            else:
                s.say("noted", label=label(s, slot), value=new)
        self._imply_alternative(s, found.values)
        self._problems(s, found.problems)
        if found.mentioned and not found.values:
            target = self.slot_named(found.mentioned[0])
            s.state.position = target.name
            s.say("change_to", label=label(s, target))
            return True
        rest = self._leftover(s, found.leftover)
        if pending and pending not in found.values and rest:
            slot = self.slot_named(pending)
            try:
                value = parse_value(slot, rest, s.parse_context())
                s.state.values[pending] = slot.validate(value) if slot.validate else value
                s.state.answered(pending)
            except InputError:
                pass
        needed = self.needed(s)
        if s.state.position not in needed:
            s.state.position = needed[0] if needed else None
        return True

    @staticmethod
    def _leftover(s: Session, text: str) -> str:
        """What is left of a message after its named figures, less filler ("yes, alt LRAIC 50" -> "yes")."""
        cleaned = text
        for word in sorted(s.wording.data("filler_words", "zh", default=[]), key=len, reverse=True):
            cleaned = cleaned.replace(word, " ")
        for word in s.wording.data("filler_words", "en", default=[]):
            cleaned = re.sub(rf"(?<![\w']){re.escape(word)}(?![\w'])", " ", cleaned, flags=re.IGNORECASE)
        return normalise(cleaned)

    def interpret(self, s: Session, slot: Slot, text: str) -> bool:
        """The deal's name: a number answers the list price instead ("price a deal", then "100"); a
        command word or a number is never a name."""
        if slot.name != "deal":
            return False
        values = s.state.values
        try:
            amount = parse_amount(text.strip())
        except UnreadableNumber:
            amount = None
        if amount is not None and amount > 0 and "list_price" not in values:
            values["list_price"] = amount
            s.state.answered("list_price")
            s.state.skipped.append("deal")
            s.lines.append(s.word("number_as_list_price", value=format_amount(amount, s.language)))
            return True
        vocabulary = self.vocabulary(s)
        name = vocabulary.deal_label(text, s) or vocabulary.clean_label(text, s)
        if not name:
            raise InputError("not_a_name")
        values["deal"] = name
        s.state.answered("deal")
        return True

    # ---------- the decision ----------
    def build_input(self, values: dict[str, Any], s: Session) -> tuple[PricingInput, list[str]]:
        values = known(values)
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
            assumed = [name for name in ALTERNATIVE[1:] if name not in values]
            effective = values.get("alt_effective_utilisation", DEFAULT_EFFECTIVE_UTILISATION)
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
            language=s.language,
        )
        return pricing, assumed

    def complete(self, s: Session) -> None:
        values = s.values()
        pricing, assumed = self.build_input(values, s)
        decision = decide(pricing)
        deal = str(values.get("deal") or "")
        escalation = None
        if decision.decision == "escalate_to_management" and self.escalations is not None:
            inputs = {
                slot.name: values[slot.name] for slot in SLOTS if slot.name in values and slot.name != "deal"
            }
            escalation = self.escalations.record(
                requested_by=s.turn.user_id,
                deal_label=deal,
                inputs={**inputs, "pricing_input": pricing.model_dump(mode="json")},
                decision=decision,
                conversation_key=s.turn.conversation_key,
            )
        s.lines.extend(self._result_lines(s, deal, pricing, decision, assumed, escalation))
        s.decision = decision_part(s.words, decision).model_copy(
            update={"deal": deal, "escalation_id": escalation.id if escalation is not None else None}
        )
        s.cite(s.wording.data("result_cards", default=[]))
        s.closed = True

    def _result_lines(
        self,
        s: Session,
        deal: str,
        pricing: PricingInput,
        decision: PricingDecision,
        assumed: list[str],
        escalation: EscalationRecord | None,
    ) -> list[str]:
        name = deal or s.word("unnamed_deal")
        decision_label = s.word("result", "decisions", decision.decision)
        lines = [s.word("result", "deal_line", deal=name, label=decision_label)]
        lines.extend(decision_lines(s.words, pricing, decision))
        if assumed:
            names = join(s, [label(s, self.slot_named(name)) for name in assumed])
            lines.append(s.word("result", "assumed", fields=names))
        if escalation is not None:
            when = escalation.created_at.strftime("%Y-%m-%d %H:%M")
            lines.append(s.word("result", "escalated", id=escalation.id, who=s.turn.user_id, when=when))
        lines.append(s.word("result", "again"))
        return ["\n".join(lines)]


def decision_lines(words: FormWording, pricing: PricingInput, decision: PricingDecision) -> list[str]:
    """The decision's figures (price, policy floor, cost basis, a below-cost warning) and its rationale: what
    the pricing form and `kam-coach price` both say about a decision."""

    def result(*path: str, **values: Any) -> str:
        return words.word("result", *path, **values)

    def money(value: float) -> str:
        return format_amount(value, words.language)

    if decision.recommended_price is not None:
        lines = [result("recommended", price=money(decision.recommended_price))]
    else:
        lines = [result("no_price")]
    lines.append(
        result(
            "floor",
            floor=money(decision.floor),
            list_price=money(pricing.list_price),
            discount=format_share(pricing.max_discount, words.language),
        )
    )
    if decision.cost_basis and decision.platform:
        platform = pricing.current if decision.platform == "current" else pricing.alternative
        assert platform is not None
        cost = platform.cost(decision.cost_basis)
        basis = result("bases", decision.cost_basis)
        where = result("platforms", decision.platform)
        lines.append(result("cost_basis", basis=basis, platform=where, cost=money(cost)))
        if decision.below_cost:
            price = money(decision.recommended_price or 0)
            lines.append(result("below_cost", price=price, basis=basis, cost=money(cost), platform=where))
    else:
        lines.append(result("no_basis"))
    lines.append(decision.rationale)
    return lines


def decision_part(words: FormWording, decision: PricingDecision) -> Decision:
    """The decision as the reply's typed part, its path included (renderers draw the path)."""
    return Decision(
        decision=decision.decision,
        recommended_price=decision.recommended_price,
        cost_basis=decision.cost_basis,
        platform=decision.platform,
        below_cost=decision.below_cost,
        path=[DecisionStep(question=p.question, answer=p.answer, key=p.key) for p in decision.path],
        label=words.word("result", "decisions", decision.decision),
    )
