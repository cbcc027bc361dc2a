"""The coach: a user's turn in, a typed Reply out. Knows nothing of Slack, the terminal or the settings.

It answers questions from the knowledge index, starts and continues forms (pricing, plans, ranking, the
other rules) through the one form runner, and keeps every form's state in the store, saved with the turn
that changed it, so a restart resumes where the user was.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable, Sequence
from contextlib import AbstractContextManager, nullcontext
from dataclasses import dataclass
from typing import Any, Protocol

from pydantic import ValidationError

from bot.coach.answer import compose_answer
from bot.coach.errors import AlreadyHandled
from bot.coach.forms.facts import Facts
from bot.coach.forms.form import Form
from bot.coach.forms.runner import FormRunner, Outcome, follow_language
from bot.coach.forms.state import FormState
from bot.coach.intent import IntentDetector
from bot.coach.reply import Intent, Language, Reply, SuggestedAction
from bot.coach.situations import Situation, Situations
from bot.coach.topic import TopicGate, Verdict
from bot.coach.turn import Turn
from bot.language import detect_language
from bot.retrieval.index import KnowledgeIndex, SearchHit
from bot.wording import Catalogue

log = logging.getLogger(__name__)

PAUSED = "#paused"
"""Suffix of the key under which a conversation keeps the form it stopped, to resume."""


@dataclass(frozen=True)
class Reading:
    """What the coach made of a message (Coach.understand)."""

    intent: Intent
    hits: list[SearchHit]
    verdict: Verdict
    query: str
    """The message as the knowledge base spells it: what was searched and judged."""
    vector: list[float]
    """The query's embedding."""


@dataclass(frozen=True)
class Prepared:
    """A message's reading outside any form (Coach._prepare): what it asks, and the answer when no form
    starts."""

    language: Language
    intent: Intent
    situation: Situation | None
    answer: Reply | None


class HandledEvents(Protocol):
    def claim(self, event_id: str, conversation_key: str = "") -> bool: ...


class AnswerPhraser(Protocol):
    """An optional language model's phrasing of an answer from the passages retrieval found. It returns the
    extractive reply it was given when it cannot do better (no model, a timeout, citations that do not
    resolve), so a question is always answered."""

    def phrase(
        self, question: str, language: Language, hits: list[SearchHit], extractive: Reply
    ) -> Reply: ...


class FormStates(Protocol):
    """Where each conversation's open form is kept (JSON of a FormState)."""

    def load(self, conversation_key: str) -> dict[str, Any] | None: ...

    def save(self, conversation_key: str, kind: str, state: dict[str, Any]) -> None: ...

    def clear(self, conversation_key: str) -> None: ...


class Coach:
    def __init__(
        self,
        *,
        index: KnowledgeIndex,
        catalogue: Catalogue,
        intents: IntentDetector,
        topic: TopicGate,
        default_language: Language = "en",
        forms: Sequence[Form] = (),
        runner: FormRunner | None = None,
        states: FormStates | None = None,
        unit_of_work: Callable[[], AbstractContextManager[Any]] | None = None,
        handled_events: HandledEvents | None = None,
        phraser: AnswerPhraser | None = None,
        situations: Situations | None = None,
    ) -> None:
        self.index = index
        self.catalogue = catalogue
        self.wording = catalogue.file("coach.yaml")
        self.intents = intents
        self.topic = topic
        self.default_language = default_language
        self.forms: dict[str, Form] = {form.kind: form for form in forms}
        self._form_for_intent: dict[str, str] = {form.intent: form.kind for form in forms}
        self.runner = runner
        self.states = states
        self.unit_of_work = unit_of_work or nullcontext
        self.handled_events = handled_events
        self.phraser = phraser
        self.situations = situations

    def add_form(self, form: Form) -> None:
        """One more form: started by its intent, or by a message it claims."""
        self.forms[form.kind] = form
        self._form_for_intent.setdefault(form.intent, form.kind)

    # ---------- one-shot questions ----------
    def language_of(self, text: str, fallback: Language | None = None) -> Language:
        return detect_language(text) or fallback or self.default_language

    def understand(self, text: str, language: Language) -> Reading:
        """The intent of a message, the sources that answer it and the gate's verdict; intent `other` when
        it is not a KAM question (off topic, a greeting, an injection)."""
        # Searched as the knowledge base spells it (case, abbreviations, typos); the user's text is kept.
        query = self.topic.normalise(text)
        # One embedding and one keyword scan of the message serve retrieval, the gate and intent detection.
        vector = self.index.embeddings.embed_query(query)
        hits = self.index.search(query, k=5, lang=language, vector=vector)
        verdict = self.topic.verdict(query, hits, vector)
        if verdict != "on_topic":
            return Reading("other", hits, verdict, query, vector)
        intent = self.intents.detect(query, vector, self.intents.keyword_hits(query))
        return Reading(intent, hits, verdict, query, vector)

    def ask(self, text: str, language: Language | None = None) -> Reply:
        """Answer one question from the knowledge base, with sources; no form state involved."""
        started = time.perf_counter()
        question = text.strip()
        language = language or self.language_of(question)
        if not question:
            return Reply(
                text=self.wording.text(language, "empty_question"), language=language, intent="other"
            )
        reading = self.understand(question, language)
        hits = reading.hits
        reply = self._answer(question, reading, language)
        situation = self._situation(question, reading.intent, language) if reply.mode != "llm" else None
        if situation is not None and self.situations is not None:  # a model's answer called the rules itself
            reply = self.situations.answer(situation, question, language, self.ask, reply)
        log.info(
            "ask lang=%s intent=%s top=%s score=%.3f in %.0f ms",
            language,
            reply.intent,
            hits[0].source_id if hits else None,
            hits[0].score if hits else 0.0,
            (time.perf_counter() - started) * 1000,
        )
        return reply

    def _situation(self, text: str, intent: Intent, language: Language) -> Situation | None:
        """The rule a message on topic gives facts to ("客户要八折，政策最多九折"), if any. A question with
        no fact a rule uses ("what is LRAIC?") is none: it is answered from the cards. Rows of a rule's data
        (two accounts with profit and cost to serve) are on topic whatever the gate made of the words around
        them."""
        if self.situations is None:
            return None
        situation = self.situations.read(text, language, self.ask)
        if situation is None or (intent == "other" and not situation.facts.rows):
            return None
        # A message meant for another form ("start a plan for ACME, a key account from Jan 6") is that form's.
        rule_intent = self.situations.forms[situation.form].intent
        if intent not in ("question", "other", rule_intent) and not situation.facts.rows:
            return None
        request = self.intents.switch_request(text)
        if request is not None and request != rule_intent:
            return None
        return situation

    def _answer(self, question: str, reading: Reading, language: Language) -> Reply:
        intent, hits = reading.intent, reading.hits
        if intent == "other" or not hits:
            return self._not_a_question(reading.verdict, language)
        # The composer weighs passages against the question as typed: its vector is the one already made
        # when the knowledge base's spelling left the question as it was.
        vector = reading.vector if reading.query == question else None
        reply = compose_answer(
            question, hits, intent, language, self.catalogue, self.index.embeddings, vector
        )
        if self.phraser is not None:
            reply = self.phraser.phrase(question, language, hits, reply)
        return reply

    def _not_a_question(self, verdict: Verdict, language: Language) -> Reply:
        """A greeting, thanks or "help" gets what the coach can do (intent `other`, no sources); anything
        else outside KAM, or an attempt to re-instruct the coach, the polite refusal."""
        if verdict != "greeting":
            return Reply(text=self.wording.text(language, "off_topic"), language=language, intent="other")
        actions = [
            SuggestedAction(
                id=action,
                label=self.wording.text(language, "actions", action, "label"),
                command=self.wording.text(language, "actions", action, "command"),
            )
            for action in self.wording.node(language, "capability_actions")
        ]
        text = self.wording.text(language, "capabilities")
        return Reply(text=text, language=language, intent="other", actions=actions)

    # ---------- conversations ----------
    def open_form(self, turn: Turn) -> FormState | None:
        """The form open in this turn's conversation, if any."""
        return self._load(turn.conversation_key)

    def _load(self, key: str) -> FormState | None:
        if self.states is None:
            return None
        raw = self.states.load(key)
        if raw is None:
            return None
        try:
            state = FormState.model_validate(raw)
        except ValidationError:
            log.warning("form state of %s is from an older version; dropped", key)
            self.states.clear(key)
            return None
        return state if state.form in self.forms else None

    def _persist(self, key: str, outcome: Outcome) -> Reply:
        if self.states is not None:
            if outcome.paused is not None:
                self.states.save(key + PAUSED, outcome.paused.form, outcome.paused.model_dump(mode="json"))
            if outcome.state is None:
                self.states.clear(key)
            else:
                self.states.save(key, outcome.state.form, outcome.state.model_dump(mode="json"))
        return outcome.reply

    def _start(
        self, kind: str, turn: Turn, language: Language, note: str = "", facts: Facts | None = None
    ) -> Reply:
        assert self.runner is not None
        outcome = self.runner.start(self.forms[kind], turn, language, self.ask, facts)
        if note:
            outcome.reply.text = f"{note}\n\n{outcome.reply.text}".strip()
        return self._persist(turn.conversation_key, outcome)

    def _start_request(self, text: str) -> str | None:
        """The form an explicit start command asks for ("price a deal", "start a plan for ACME")."""
        return self._form_for_intent.get(self.intents.switch_request(text) or "")

    def failure_reply(self, turn: Turn) -> Reply:
        """What an adapter says when a turn failed on our side: nothing saved before it is lost."""
        state = self.open_form(turn)
        language = self.language_of(turn.text, fallback=state.language if state else None)
        return Reply(
            text=self.wording.text(language, "turn_failed"),
            language=language,
            intent="other",
            dialog=state.form if state else None,
        )

    def handle(self, turn: Turn) -> Reply:
        """One turn of a conversation: continue the open form, or start one, or answer.

        Everything the turn writes (answers, audit rows, form state, the delivery id) commits together
        or not at all. Raises AlreadyHandled when the turn's event id was handled before."""
        prepared = self._prepare(turn)
        with self.unit_of_work():
            claimed = (
                not turn.event_id
                or self.handled_events is None
                or self.handled_events.claim(turn.event_id, turn.conversation_key)
            )
            if not claimed:
                raise AlreadyHandled(turn.event_id or "")
            if prepared is not None and self._load(turn.conversation_key) is None:
                return self._act(turn, prepared)
            return self._handle(turn)

    def _prepare(self, turn: Turn) -> Prepared | None:
        """The reading of a message outside any form, worked out before the turn's transaction: retrieval,
        the gate, the situation and the answer (a language model's phrasing included) are slow and write
        nothing, and inside the transaction they would hold the database's write lock (SQLite's is one for
        the whole file). None when a form is open or the message is a form's own (resume, a claimed
        message): those are worked out inside, where their writes are."""
        text = turn.text.strip()
        if not text or self._load(turn.conversation_key) is not None:
            return None
        language = self.language_of(text)
        if self.runner is not None and (
            self.runner.commands.is_("resume", text)
            or any(self.runner.claims(form, turn, language, self.ask) for form in self.forms.values())
        ):
            return None
        return self._read(text, language)

    def _read(self, text: str, language: Language) -> Prepared:
        """What a message outside any form asks for: a form to start (a situation's rule, or the form of
        its intent) or, when none starts, its answer."""
        reading = self.understand(text, language)
        intent = reading.intent
        situation = self._situation(text, intent, language)
        starts = self.runner is not None and (
            (situation is not None and situation.form in self.forms) or intent in self._form_for_intent
        )
        answer = None if starts else self._answer(text, reading, language)
        return Prepared(language=language, intent=intent, situation=situation, answer=answer)

    def _act(self, turn: Turn, prepared: Prepared) -> Reply:
        """What a prepared reading does, inside the turn's transaction: start a form, or answer."""
        if prepared.answer is not None:
            return prepared.answer
        situation = prepared.situation
        if situation is not None and situation.form in self.forms:
            return self._start(situation.form, turn, prepared.language, facts=situation.facts)
        return self._start(self._form_for_intent[prepared.intent], turn, prepared.language)

    def _handle(self, turn: Turn) -> Reply:
        key = turn.conversation_key
        text = turn.text.strip()
        state = self._load(key)
        if state is not None and self.runner is not None:
            form = self.forms[state.form]
            language = follow_language(text, state.language)
            target = self._start_request(text)
            if target == form.kind:
                note = self.catalogue.file("forms.yaml").text(
                    language, "restarted", form=self.forms[target].wording_name(self.catalogue, language)
                )
                return self._start(target, turn, language, note)
            if target is not None:
                paused = state.model_copy(update={"paused": True})
                if self.states is not None:
                    self.states.save(key + PAUSED, paused.form, paused.model_dump(mode="json"))
                name = form.wording_name(self.catalogue, language)
                note = self.catalogue.file("forms.yaml").text(language, "switched", form=name)
                return self._start(target, turn, language, note)
            outcome = self.runner.handle(form, state, turn, self.ask)
            return self._persist(key, outcome)

        language = self.language_of(text)
        if self.runner is not None:
            if self.runner.commands.is_("resume", text):
                stopped = self._load(key + PAUSED)
                if stopped is not None:
                    outcome = self.runner.resume(self.forms[stopped.form], stopped, turn, self.ask)
                    if self.states is not None:
                        self.states.clear(key + PAUSED)
                    return self._persist(key, outcome)
            for kind, form in self.forms.items():
                if self.runner.claims(form, turn, language, self.ask):
                    facts = self.situations.facts(kind, text, language, self.ask) if self.situations else None
                    return self._start(kind, turn, language, facts=facts)
        if not text:
            return self.ask(text, language)
        return self._act(turn, self._read(text, language))
