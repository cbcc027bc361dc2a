"""What a form is: its slots and a few hooks. The runner (``runner.py``) does the rest, the same for all.

A form declares its slots (``slots.py``), which of them are still needed given the answers so far, and what
to do when nothing is needed any more. Where a form keeps its answers elsewhere (an account plan keeps them in
its plan row, with an audit trail), it overrides ``values``/``store``. Everything else has a default.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import date
from typing import Any, ClassVar, Protocol

from pydantic import BaseModel, Field

from bot.coach.forms.commands import CommandWords
from bot.coach.forms.facts import Facts
from bot.coach.forms.parsing import ParseContext, Person
from bot.coach.forms.results import FormWording, Shown
from bot.coach.forms.slots import Slot, is_filled
from bot.coach.forms.state import FormState
from bot.coach.reply import (
    Choice,
    Citation,
    Decision,
    Intent,
    Language,
    Matrix,
    OutFile,
    PlanView,
    Progress,
    Reply,
    SuggestedAction,
    Table,
)
from bot.coach.turn import Attachment, Turn
from bot.wording import Catalogue, Wording


class CardInfo(Protocol):
    @property
    def id(self) -> str: ...

    @property
    def title(self) -> str: ...

    @property
    def seed_chunks(self) -> Sequence[int]: ...

    @property
    def summary(self) -> str: ...


class CardLookup(Protocol):
    """The knowledge cards, by id, in a language where one exists."""

    def card(self, card_id: str, lang: str) -> CardInfo | None: ...


class FieldAsk(BaseModel):
    """A slot as a field reader is told about it."""

    name: str
    kind: str
    label: str
    example: str = ""
    choices: list[str] = Field(default_factory=list)
    """The words that answer a choice slot (its choices' labels)."""


class FieldRequest(BaseModel):
    """A message with several facts in it, and the slots they might fill."""

    text: str
    language: Language
    fields: list[FieldAsk]
    asked: str | None = None
    """The slot the user was being asked for, if any."""
    plan_data: bool = False
    """The fields are a user's account-plan data (sent to a model only where the settings allow it)."""


FieldReader = Callable[[FieldRequest], dict[str, str]]
"""Reads slot values from free text (a language model): the raw text of each value found, by slot name,
which the runner then parses and checks like a typed answer. Returns {} when it cannot help."""


@dataclass
class FormTools:
    """What every form may use, given once by the composition root."""

    catalogue: Catalogue
    commands: CommandWords
    cards: CardLookup
    today: Callable[[], date] = date.today
    resolve_person: Callable[[str], Person | None] | None = None
    read_fields: FieldReader | None = None
    """Optional (a language model): values read from a message that gives several at once."""


@dataclass
class Session:
    """One turn of one form: the state being changed and what the reply will say."""

    form: Form
    state: FormState
    turn: Turn
    tools: FormTools
    answer_question: Callable[[str, Language], Reply]
    lines: list[str] = field(default_factory=list)
    citations: list[Citation] = field(default_factory=list)
    tables: list[Table] = field(default_factory=list)
    matrix: Matrix | None = None
    decision: Decision | None = None
    plan: PlanView | None = None
    files: list[OutFile] = field(default_factory=list)
    actions: list[SuggestedAction] = field(default_factory=list)
    closed: bool = False
    cache: dict[str, Any] = field(default_factory=dict)
    """What a form read once this turn (an account plan's record)."""

    @property
    def language(self) -> Language:
        return self.state.language

    @property
    def wording(self) -> Wording:
        return self.tools.catalogue.file(self.form.wording_file)

    @property
    def engine(self) -> Wording:
        return self.tools.catalogue.file("forms.yaml")

    @property
    def words(self) -> FormWording:
        """The form's wording in the user's language, as the result presenters take it."""
        return FormWording(self.tools.catalogue, self.form.wording_file, self.language)

    def show(self, shown: Shown) -> None:
        """Adds a rule result's sentences, tables and matrix to the reply."""
        self.lines.extend(shown.lines)
        self.tables.extend(shown.tables)
        if shown.matrix is not None:
            self.matrix = shown.matrix
        if shown.decision is not None:
            self.decision = shown.decision

    def word(self, *path: str, **values: Any) -> str:
        """The form's own wording, in the user's language."""
        return self.wording.text(self.language, *path, **values)

    def say(self, *path: str, **values: Any) -> None:
        """Adds one of the engine's sentences to the reply."""
        self.lines.append(self.engine.text(self.language, *path, **values))

    def values(self) -> dict[str, Any]:
        return self.form.values(self)

    def cite(self, card_ids: Sequence[str]) -> None:
        """Cites the knowledge cards a result rests on (named by the rule, not found by a search)."""
        for card_id in card_ids:
            card = self.tools.cards.card(card_id, self.language)
            if card is not None:
                self.citations.append(
                    Citation(id=card.id, title=card.title, seed_chunks=list(card.seed_chunks), score=1.0)
                )

    def parse_context(self) -> ParseContext:
        words: dict[str, list[str]] = {}
        for slot in self.form.all_slots():
            for part in (slot, *slot.columns):
                for choice in part.choices:
                    if choice not in words:
                        words[choice] = self.form.choice_words(self, choice)
        commands = self.tools.commands
        return ParseContext(
            today=self.tools.today(),
            user_id=self.turn.user_id,
            resolve_person=self.tools.resolve_person,
            choice_words=words,
            self_words=commands.self_words,
            yes_words=commands.words_of["yes"] + ParseContext.yes_words,
            no_words=commands.words_of["no"] + ParseContext.no_words,
        )


class NoData(BaseModel):
    pass


class Form:
    kind: ClassVar[str]
    intent: ClassVar[Intent]
    wording_file: ClassVar[str]
    Data: ClassVar[type[BaseModel]] = NoData
    keeps_answers_in_state: ClassVar[bool] = True
    plan_data: ClassVar[bool] = False
    """Its answers are a user's account-plan data, which KAM_LLM_SHARE_PLANS guards."""

    def __init__(self, slots: Sequence[Slot]) -> None:
        self.slots: dict[str, Slot] = {slot.name: slot for slot in slots}

    def wording_name(self, catalogue: Catalogue, language: Language) -> str:
        """What the form is called ("deal pricing"), for "stopped the ..." and "paused the ..."."""
        return catalogue.file(self.wording_file).text(language, "name")

    # ---------- recognising its own input ----------
    def claims(self, s: Session, text: str) -> bool:
        """Starts at once on this message, before intent detection (a deal's figures, a named account)."""
        return False

    def situation(self, s: Session, text: str) -> Facts:
        """The values a situation told in prose gives ("the customer wants 20% off, our policy allows 10%"):
        a message carrying them starts the form with them filled in (see ``bot/coach/situations.py``)."""
        return Facts()

    def take(self, s: Session, facts: Facts) -> list[str]:
        """Fills the form with a situation's facts (what is not answered yet); says what it took."""
        from bot.coach.forms.display import label, show_value

        taken: list[str] = []
        for name, value in facts.values.items():
            slot = self.slots.get(name)
            if slot is None or is_filled(self.values(s).get(name)):
                continue
            if slot.is_table:
                kept = self.add_rows(s, slot, list(value), "")
                if slot.name not in s.state.finished:
                    s.state.finished.append(slot.name)
                taken.append(s.engine.text(s.language, "took_rows", count=kept, label=label(s, slot)))
            else:
                self.store(s, slot, value, "")
                shown = show_value(s, slot, value)
                taken.append(s.engine.text(s.language, "read_item", label=label(s, slot), value=shown))
            s.state.answered(name)
        return taken

    def outlook(self, s: Session) -> list[str]:
        """What the rule already says given the answers so far (for a one-shot answer that cannot finish)."""
        return []

    def rule_cards(self, s: Session) -> list[str]:
        """The knowledge cards the rule rests on, cited first with its answers."""
        return [str(card) for card in s.wording.data("result_cards", default=[])]

    def stateless(self) -> Form:
        """This form for one-shot answers: the same questions and result, nothing recorded anywhere."""
        return self

    # ---------- the form's record ----------
    def data(self, s: Session) -> Any:
        return self.Data.model_validate(s.state.data)

    def set_data(self, s: Session, data: BaseModel) -> None:
        s.state.data = data.model_dump(mode="json")

    # ---------- answers ----------
    def all_slots(self) -> list[Slot]:
        return list(self.slots.values())

    def correctable(self) -> list[Slot]:
        """The slots "change X" may name."""
        return self.all_slots()

    def values(self, s: Session) -> dict[str, Any]:
        return s.state.values

    def store(self, s: Session, slot: Slot, value: Any, raw: str) -> None:
        s.state.values[slot.name] = value

    def add_rows(self, s: Session, slot: Slot, rows: list[dict[str, Any]], raw: str) -> int:
        """Appends rows to a table; returns how many were kept (a table may be full)."""
        current = list(self.values(s).get(slot.name) or [])
        room = len(rows) if slot.max_rows is None else max(0, slot.max_rows - len(current))
        kept = rows[:room]
        self.store(s, slot, current + kept, raw)
        return len(kept)

    def clear(self, s: Session, slot: Slot) -> None:
        self.store(s, slot, [] if slot.is_list else None, "")

    def skip(self, s: Session, slot: Slot) -> None:
        if slot.name not in s.state.skipped:
            s.state.skipped.append(slot.name)

    def settled(self, s: Session, slot: Slot) -> bool:
        """Answered (a table: closed with "done" or full), or an optional slot the user skipped."""
        value = self.values(s).get(slot.name)
        if slot.is_table and self.keeps_answers_in_state:
            full = slot.max_rows is not None and len(value or []) >= slot.max_rows
            return slot.name in s.state.finished or full
        if is_filled(value):
            return True
        return slot.name in s.state.skipped and not slot.required

    def needed(self, s: Session) -> list[str]:
        """The slots still to ask, in order: the first is asked next."""
        return [slot.name for slot in self.all_slots() if not self.settled(s, slot)]

    def readable(self, s: Session) -> list[Slot]:
        """The slots a message with several facts may fill at once (a field reader is told about these)."""
        return [self.slots[name] for name in self.needed(s) if not self.slots[name].is_table]

    # ---------- wording of slots and choices ----------
    def slot_wording(self, s: Session, slot: Slot, part: str, **values: Any) -> str:
        path = (*slot.wording_path, part)
        if not s.wording.has(s.language, *path):
            return ""
        return s.wording.text(s.language, *path, **{**self.question_values(s), **values})

    def slot_words(self, s: Session, slot: Slot) -> list[str]:
        """Every name a user may call the slot by, in both languages: its id, labels and aliases."""
        names = [slot.name, slot.key]
        for language in ("en", "zh"):
            for part in ("label", "aliases"):
                path = (*slot.wording_path, part)
                if s.wording.has(language, *path):
                    node = s.wording.node(language, *path)
                    names.extend(node if isinstance(node, list) else [node])
        return [str(name) for name in names]

    def choice_label(self, s: Session, choice: str) -> str:
        return s.words.choice_label(choice)

    def choice_words(self, s: Session, choice: str) -> list[str]:
        words: list[str] = []
        for wording in (s.wording, s.tools.catalogue.file("choices.yaml")):
            for language in ("en", "zh"):
                for part in ("label", "synonyms"):
                    if wording.has(language, "choices", choice, part):
                        node = wording.node(language, "choices", choice, part)
                        words.extend(str(w) for w in (node if isinstance(node, list) else [node]))
        return words

    def choices(self, s: Session, slot: Slot) -> list[Choice]:
        if slot.kind == "bool":
            return [
                Choice(id="yes", label=s.engine.text(s.language, "yes")),
                Choice(id="no", label=s.engine.text(s.language, "no")),
            ]
        return [Choice(id=choice, label=self.choice_label(s, choice)) for choice in slot.choices]

    def section_title(self, s: Session, slot: Slot) -> str:
        """The title of the part of the form a slot is in, where the form has parts."""
        return ""

    def question_values(self, s: Session) -> dict[str, Any]:
        """Placeholders the form's questions use (the account's name, a price floor...)."""
        return {}

    def show(self, s: Session, slot: Slot, value: Any) -> str:
        """A value as the user reads it back."""
        from bot.coach.forms.display import show_value

        return show_value(s, slot, value)

    # ---------- hooks ----------
    def begin(self, s: Session) -> None:
        """The opening turn: take what it gives up front."""

    def interpret(self, s: Session, slot: Slot, text: str) -> bool:
        """Reads an answer its own way before the slot's parser does; True when it did (may raise
        InputError to have the question asked again)."""
        return False

    def extract(self, s: Session, text: str) -> bool:
        """Values named anywhere in a message ("list price 120"); True when the message was used up."""
        return False

    def attach(self, s: Session, attachment: Attachment) -> bool:
        """A file sent with the message (a CSV of rows); True when it was used."""
        return False

    def command(self, s: Session, name: str) -> bool:
        """A command only this form knows ("submit"); True when handled."""
        return False

    def status(self, s: Session) -> list[str]:
        """Lines saying where the form is; the default lists the answers so far."""
        from bot.coach.forms.display import answers_so_far

        return answers_so_far(s)

    def progress(self, s: Session) -> Progress:
        settled = sum(1 for slot in self.all_slots() if self.settled(s, slot))
        return Progress(done=settled, total=settled + len(self.needed(s)))

    def view(self, s: Session) -> None:
        """Adds what every reply of this form shows (an account plan's completeness)."""

    def complete(self, s: Session) -> None:
        """Nothing is needed any more: compute the result into the session. Set ``s.closed`` to end."""
        s.closed = True
