"""The one runner every form goes through: ask one slot at a time, read answers, steer, finish.

Per turn, in this order: files attached to the message; the commands of `prompts/commands.yaml` (stop,
help, status, why, back, skip, resume, done, clear, default, and the form's own such as "submit");
corrections ("change X to Y", "把X改成Y", "change X"); a message with several facts, read by the optional
field reader (a language model) and parsed like typed answers; values the form finds anywhere in the
message; a side question (answered from the knowledge base, then the question again); else the answer to the
question asked.
The language follows the user's latest message. What the user cannot be understood in is said in their
language, and the question is asked again; nothing answered is lost.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from bot.coach.forms.commands import normalise
from bot.coach.forms.display import describe_error, join, label, show_row, show_value
from bot.coach.forms.facts import Facts, spell_out
from bot.coach.forms.form import FieldAsk, FieldRequest, Form, FormTools, Session
from bot.coach.forms.parsing import parse_rows, parse_value
from bot.coach.forms.slots import Slot, is_filled
from bot.coach.forms.state import FormState
from bot.coach.reply import Ask, Citation, Language, Reply, unique_citations
from bot.coach.turn import Turn
from bot.errors import InputError
from bot.language import detect_language

log = logging.getLogger(__name__)

_CJK = re.compile(r"[\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff]")
_LATIN_WORD = re.compile(r"[A-Za-z]{2,}")
_FIGURE = re.compile(r"\d+(?:[.,]\d+)*")
_CLAUSE = re.compile(r"[,;，；。！？!?\n]|\.(?:\s|$)")
SEVERAL_FACTS_CHARS = 40
"""A message this long with two clauses or more may carry several facts, figures or not."""

AnswerQuestion = Callable[[str, Language], Reply]


@dataclass
class Preview:
    """A one-shot answer to a situation (see ``FormRunner.preview``)."""

    result: Reply | None
    """The rule's result, when the facts were enough."""
    lines: list[str]
    """Otherwise: what was taken and what the rule says so far."""
    cards: list[str]
    """The knowledge cards the rule rests on."""
    missing: str = ""
    """What the rule still needs, as the user reads it."""


@dataclass
class Outcome:
    reply: Reply
    state: FormState | None
    """The state to save as the open form; None when the form ended (or was paused)."""
    paused: FormState | None = None
    """A stopped form's state, kept to resume."""


def follow_language(text: str, current: Language) -> Language:
    """The form follows the user's latest message when it is clearly in the other language: two Chinese
    characters or two English words. "ok", "LRAIC" or "55%" keep the language the form is in."""
    detected = detect_language(text)
    if detected is None or detected == current:
        return current
    if detected == "zh":
        return "zh" if len(_CJK.findall(text)) >= 2 else current
    return "en" if len(_LATIN_WORD.findall(text)) >= 2 else current


def several_facts(text: str) -> bool:
    """Whether a message may give several answers at once, worth a field reader's time: two figures, or a
    sentence of two clauses or more ("ACME wants 85, list is 100"); never a single typed answer ("100")."""
    if len(_FIGURE.findall(text)) >= 2:
        return True
    clauses = [part for part in _CLAUSE.split(text) if part.strip()]
    return len(text.strip()) >= SEVERAL_FACTS_CHARS and len(clauses) >= 2


class FormRunner:
    def __init__(self, tools: FormTools) -> None:
        self.tools = tools
        self.commands = tools.commands

    # ---------- entry points ----------
    def claims(self, form: Form, turn: Turn, language: Language, answer_question: AnswerQuestion) -> bool:
        s = Session(form, FormState(form=form.kind, language=language), turn, self.tools, answer_question)
        return form.claims(s, turn.text)

    def facts(self, form: Form, turn: Turn, language: Language, answer_question: AnswerQuestion) -> Facts:
        """What the message tells the form's rule in prose (a situation), as the form's values."""
        s = Session(form, FormState(form=form.kind, language=language), turn, self.tools, answer_question)
        return form.situation(s, spell_out(turn.text))

    def start(
        self,
        form: Form,
        turn: Turn,
        language: Language,
        answer_question: AnswerQuestion,
        facts: Facts | None = None,
    ) -> Outcome:
        state = FormState(form=form.kind, language=language)
        s = Session(form, state, turn, self.tools, answer_question)
        for attachment in turn.attachments:
            form.attach(s, attachment)
        form.begin(s)
        if facts:
            self._took(s, form.take(s, facts))
        if not s.closed and not self._read_fields(s, turn.text):
            self._move_on(s)
        return self._reply(s)

    def preview(
        self, form: Form, turn: Turn, language: Language, answer_question: AnswerQuestion, facts: Facts
    ) -> Preview:
        """A one-shot answer to a situation, nothing kept: the rule's result when the facts (and the
        defaults of what they leave out) are enough; else what was taken, what the rule says so far and
        what it needs next."""
        form = form.stateless()
        s = Session(form, FormState(form=form.kind, language=language), turn, self.tools, answer_question)
        self._took(s, form.take(s, facts))  # no opening (`begin`): the facts are all it takes
        for name in form.needed(s):  # a default stands in for what a one-shot question cannot be asked
            slot = form.slots[name]
            if slot.default is None or name in s.values():
                break
            self._set(s, slot, slot.default, "")
            s.say("assumed_default", label=label(s, slot), value=show_value(s, slot, slot.default))
        needed = form.needed(s)
        cards = form.rule_cards(s)
        if not needed:
            return Preview(result=self._reply(s).reply, lines=[], cards=cards)
        lines = [*s.lines, *form.outlook(s)]
        missing = join(s, [label(s, form.slots[name]) for name in needed[:3]])
        return Preview(result=None, lines=lines, cards=cards, missing=missing)

    def _took(self, s: Session, taken: list[str]) -> None:
        if taken:
            s.say("took", values=join(s, taken))

    def resume(self, form: Form, state: FormState, turn: Turn, answer_question: AnswerQuestion) -> Outcome:
        state = state.model_copy(update={"paused": False})
        state.language = follow_language(turn.text, state.language)
        s = Session(form, state, turn, self.tools, answer_question)
        s.say("resumed", form=s.word("name"))
        if s.state.position is None or s.state.position not in form.slots:
            self._move_on(s)
        return self._reply(s)

    def handle(self, form: Form, state: FormState, turn: Turn, answer_question: AnswerQuestion) -> Outcome:
        state = state.model_copy(deep=True)
        text = turn.text.strip()
        pending = form.slots.get(state.position or "")
        if not (pending is not None and pending.is_table and not self.commands.may_ask(text)):
            state.language = follow_language(text, state.language)  # rows of data are in no language
        s = Session(form, state, turn, self.tools, answer_question)
        used = [form.attach(s, attachment) for attachment in turn.attachments]
        if any(used):
            if s.state.position is None or s.state.position not in form.needed(s):
                self._move_on(s)
            return self._reply(s)
        if not text:
            return self._reply(s)
        self._turn(s, text)
        return self._reply(s)

    # ---------- one message ----------
    def _turn(self, s: Session, text: str) -> None:
        form = s.form
        slot = self._pending(s)
        command = self.commands.command(text)
        if command == "stop":
            self._stop(s)
            return
        if command == "help":
            s.say("help")
            return
        if command == "status":
            s.lines.extend(form.status(s))
            return
        if command == "why":
            self._why(s, slot)
            return
        if command == "back":
            self._back(s)
            return
        if command == "skip":
            self._skip(s, slot)
            return
        if command == "resume":
            s.say("resumed", form=s.word("name"))
            return
        if command is not None and form.command(s, command):
            return
        if command == "done" and slot is not None and slot.is_table:
            self._done(s, slot)
            return
        if command == "clear" and slot is not None and slot.is_list:
            form.clear(s, slot)
            s.state.forget(slot.name)
            s.say("cleared", label=label(s, slot))
            return
        if command == "default" and slot is not None and slot.default is not None:
            self._set(s, slot, slot.default, text)
            self._move_on(s)
            return
        if command in ("done", "clear", "submit") and (slot is None or not slot.is_table):
            s.say("not_here", command=text)
            return
        unknown = self._correct(s, text)
        if unknown is True:
            return
        if self._read_fields(s, text):
            return
        if form.extract(s, text):
            return
        if slot is None:  # nothing pending: the reply shows the result (or a finished plan) again
            if self.commands.looks_like_question(text):
                self._side_question(s, text)
            return
        if self._is_side_question(s, slot, text):
            self._side_question(s, text)
            return
        self._answer(s, slot, text, unknown_slot=unknown or None)

    # ---------- answers ----------
    def _pending(self, s: Session) -> Slot | None:
        position = s.state.position
        return s.form.slots.get(position) if position else None

    def _answer(self, s: Session, slot: Slot, text: str, unknown_slot: str | None = None) -> None:
        try:
            if s.form.interpret(s, slot, text):
                self._move_on(s)
                return
            if slot.is_table:
                self._add_rows(s, slot, parse_rows(slot, text, s.parse_context()), text)
                return
            value = parse_value(slot, text, s.parse_context())
            if slot.validate is not None:
                value = slot.validate(value)
        except InputError as error:
            if unknown_slot:  # "change flux capacitor": neither a question's name nor an answer
                names = join(s, [label(s, named) for named in s.form.correctable()])
                s.say("change_unknown", text=unknown_slot, names=names)
            else:
                self.unreadable(s, slot, text, error)
            return
        self._set(s, slot, value, text, announce=True)
        self._move_on(s)

    def _read_fields(self, s: Session, text: str) -> bool:
        """Values the field reader finds in a message with several facts, parsed and checked as if typed one
        by one; what was read is confirmed, what cannot be used is asked again. False when it read nothing."""
        reader = self.tools.read_fields
        if reader is None or not several_facts(text):
            return False
        slots = s.form.readable(s)
        if not slots:
            return False
        request = FieldRequest(
            text=text,
            language=s.language,
            fields=[self._field_ask(s, slot) for slot in slots],
            asked=s.state.position,
            plan_data=s.form.plan_data,
        )
        try:
            found = reader(request)
        except Exception:  # the reader is optional help: without it the form reads the message itself
            log.exception("field reader failed; reading the message without it")
            return False
        read: list[str] = []
        misread: list[tuple[Slot, str, InputError]] = []
        context = s.parse_context()
        for slot in slots:
            raw = (found.get(slot.name) or "").strip()
            if not raw:
                continue
            try:
                value = parse_value(slot, raw, context)
                if slot.validate is not None:
                    value = slot.validate(value)
                self._set(s, slot, value, raw)
            except InputError as error:
                misread.append((slot, raw, error))
                continue
            read.append(
                s.engine.text(s.language, "read_item", label=label(s, slot), value=show_value(s, slot, value))
            )
        if not read and not misread:
            return False
        if read:
            s.say("read_fields", values=join(s, read))
        for slot, raw, problem in misread:
            self.unreadable(s, slot, raw, problem)
        if misread:
            s.state.position = misread[0][0].name
        elif s.state.position is None or s.state.position not in s.form.needed(s):
            self._move_on(s)
        return True

    def _field_ask(self, s: Session, slot: Slot) -> FieldAsk:
        return FieldAsk(
            name=slot.name,
            kind=slot.kind,
            label=label(s, slot),
            example=s.form.slot_wording(s, slot, "example"),
            choices=[choice.label for choice in s.form.choices(s, slot)]
            if slot.kind in ("choice", "bool")
            else [],
        )

    def _set(self, s: Session, slot: Slot, value: Any, raw: str, *, announce: bool = False) -> None:
        old = s.values().get(slot.name)
        s.form.store(s, slot, value, raw)
        s.state.answered(slot.name)
        if announce:
            new = show_value(s, slot, value)
            if is_filled(old) and old != value:
                s.say("changed", label=label(s, slot), old=show_value(s, slot, old), new=new)
            else:
                s.say("noted", label=label(s, slot), value=new)

    def _add_rows(self, s: Session, slot: Slot, rows: list[dict[str, Any]], raw: str) -> None:
        kept = s.form.add_rows(s, slot, rows, raw)
        s.state.answered(slot.name)
        total = len(s.values().get(slot.name) or [])
        s.say("rows_added", count=kept, total=total)
        if slot.max_rows is not None and total >= slot.max_rows:
            s.say("table_full", label=label(s, slot), count=slot.max_rows)
            if slot.name not in s.state.finished:
                s.state.finished.append(slot.name)
            self._move_on(s)

    def unreadable(self, s: Session, slot: Slot, text: str, error: InputError) -> None:
        what = s.engine.text(s.language, "what", slot.kind)
        s.say("unreadable", text=text.strip(), what=what, reason=describe_error(s, error, slot))

    def _move_on(self, s: Session) -> None:
        needed = s.form.needed(s)
        s.state.position = needed[0] if needed else None

    # ---------- commands ----------
    def _stop(self, s: Session) -> None:
        s.state.paused = True
        s.closed = True
        s.say("stopped", form=s.word("name"))

    def _why(self, s: Session, slot: Slot | None) -> None:
        if slot is None:
            s.say("why_nothing")
            return
        why = s.form.slot_wording(s, slot, "why")
        card_id = s.wording.data("cards", slot.key) or s.wording.data("cards", "default")
        card = self.tools.cards.card(card_id, s.language) if card_id else None
        if card is None:
            s.say("why", label=label(s, slot), why=why)
            return
        chunks = s.engine.text(s.language, "list_join").join(str(n) for n in card.seed_chunks)
        if why:
            s.say("why_card", label=label(s, slot), why=why, title=card.title, chunks=chunks)
        else:
            s.say(
                "why_from_card", label=label(s, slot), title=card.title, chunks=chunks, summary=card.summary
            )
        s.citations.append(
            Citation(id=card.id, title=card.title, seed_chunks=list(card.seed_chunks), score=1.0, kind="card")
        )

    def _back(self, s: Session) -> None:
        order, position = s.state.order, s.state.position
        earlier = order[: order.index(position)] if position in order else order
        if not earlier:
            s.say("nothing_back")
            return
        target = s.form.slots[earlier[-1]]
        s.state.position = target.name
        s.say("back_to", label=label(s, target))

    def _skip(self, s: Session, slot: Slot | None) -> None:
        if slot is None:
            s.say("nothing_to_skip")
            return
        if is_filled(s.values().get(slot.name)):  # back at an answered question: keep the answer
            if slot.is_table and slot.name not in s.state.finished:
                s.state.finished.append(slot.name)
            self._move_on(s)
            return
        if slot.required:
            s.say("cannot_skip", label=label(s, slot))
            return
        if slot.is_table:
            s.state.finished.append(slot.name)
        else:
            s.form.skip(s, slot)
        s.say("skipped", label=label(s, slot))
        self._move_on(s)

    def _done(self, s: Session, slot: Slot) -> None:
        rows = s.values().get(slot.name) or []
        if len(rows) < slot.min_rows:
            s.say("table_needs_rows", count=slot.min_rows, label=label(s, slot))
            return
        if slot.name not in s.state.finished:
            s.state.finished.append(slot.name)
        self._move_on(s)

    # ---------- corrections ----------
    def find_slot(self, s: Session, name: str) -> Slot | None:
        wanted = normalise(name).replace(" ", "")
        if not wanted:
            return None
        partial: list[Slot] = []
        for slot in s.form.correctable():
            words = {normalise(word).replace(" ", "") for word in s.form.slot_words(s, slot)}
            if wanted in words:
                return slot
            if len(wanted) >= 3 and any(wanted in word for word in words):
                partial.append(slot)
        return partial[0] if len(partial) == 1 else None

    def _correct(self, s: Session, text: str) -> bool | str:
        """True when the message was a correction (done); the name it used when that names no question
        (the message may still be an answer: "改善服务" starts like "改"); False when it is no correction."""
        correction = self.commands.correction(text)
        if correction is None:
            return False
        slot = self.find_slot(s, correction.slot)
        if slot is None:
            return correction.slot
        if correction.value is None or slot.is_table:
            s.state.position = slot.name
            s.say("change_to", label=label(s, slot))
            return True
        try:
            value = parse_value(slot, correction.value, s.parse_context())
            if slot.validate is not None:
                value = slot.validate(value)
        except InputError as error:
            s.state.position = slot.name
            self.unreadable(s, slot, correction.value, error)
            return True
        self._set(s, slot, value, correction.value, announce=True)
        if s.state.position in (None, slot.name) or s.state.position not in s.form.needed(s):
            self._move_on(s)
        return True

    # ---------- side questions ----------
    def _is_side_question(self, s: Session, slot: Slot, text: str) -> bool:
        if slot.kind == "table":  # a row never ends with a question word, nor holds one and fails to read
            if self.commands.ends_like_question(text):
                return True
            return self.commands.may_ask(text) and not self._readable(s, slot, text)
        if not self.commands.looks_like_question(text):
            return False
        if slot.kind in ("text", "list"):  # "客户为什么流失" may be the answer itself: only ? or 吗 ask
            return self.commands.ends_like_question(text, question_words=False)
        return not self._readable(s, slot, text.strip().rstrip("?？ "))  # "yes?" or "55%?" answers

    @staticmethod
    def _readable(s: Session, slot: Slot, text: str) -> bool:
        try:
            parse_value(slot, text, s.parse_context())
        except InputError:
            return False
        return True

    def _side_question(self, s: Session, text: str) -> None:
        answer = s.answer_question(text, s.language)
        s.lines.append(answer.text.strip())
        s.citations.extend(answer.citations)
        s.say("side_resume")

    # ---------- the reply ----------
    def ask(self, s: Session, slot: Slot) -> tuple[Ask, str]:
        form = s.form
        prompt = form.slot_wording(s, slot, "question")
        lines = [prompt]
        hint = form.slot_wording(s, slot, "hint")
        if hint:
            lines.append(hint)
        current = s.values().get(slot.name)
        if slot.is_table and current:
            lines.append(s.engine.text(s.language, "rows_so_far", count=len(current)))
            lines.extend(f"  {n}. {show_row(s, slot, row)}" for n, row in enumerate(current, 1))
            lines.append(s.engine.text(s.language, "table_more"))
        elif is_filled(current):
            lines.append(s.engine.text(s.language, "current_value", value=show_value(s, slot, current)))
        default = show_value(s, slot, slot.default) if slot.default is not None else None
        if default is not None:
            lines.append(s.engine.text(s.language, "default_value", value=default))
        ask = Ask(
            slot=slot.name,
            kind=slot.kind,
            prompt=prompt,
            why=form.slot_wording(s, slot, "why"),
            example=form.slot_wording(s, slot, "example"),
            default=default,
            choices=form.choices(s, slot) if slot.kind in ("choice", "bool") else [],
            progress=form.progress(s),
            columns=[form.slot_wording(s, column, "label") or column.name for column in slot.columns],
            optional=not slot.required,
            label=label(s, slot),
            section=form.section_title(s, slot),
        )
        return ask, "\n".join(line for line in lines if line)

    def _reply(self, s: Session) -> Outcome:
        form = s.form
        ask: Ask | None = None
        lines = list(s.lines)
        if not s.closed:
            slot = self._pending(s)
            if slot is None and not form.needed(s):
                form.complete(s)
                lines = list(s.lines)
            if not s.closed and slot is not None:
                ask, question = self.ask(s, slot)
                lines.append(question)
        form.view(s)
        reply = Reply(
            text="\n\n".join(line.strip() for line in lines if line and line.strip()),
            language=s.language,
            intent=form.intent,
            dialog=None if s.closed else form.kind,
            ask=ask,
            citations=unique_citations(s.citations),
            actions=s.actions,
            tables=s.tables,
            matrix=s.matrix,
            decision=s.decision,
            plan=s.plan,
            files=s.files,
        )
        if s.state.paused:
            return Outcome(reply, None, paused=s.state)
        return Outcome(reply, None if s.closed else s.state)
