"""The coach: a user's turn in, a Reply out. Knows nothing of Slack or the terminal.

It answers questions from the knowledge index, routes deal pricing, plan drafting and prioritisation to
their dialogs, and keeps every dialog's state in the store so a restart resumes where the user was.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from contextlib import AbstractContextManager, nullcontext
from typing import Any, Protocol

from bot.coach.answer import compose_answer
from bot.coach.dialog import Dialog, DialogContext, DialogOutcome, DialogState, DialogStateStore
from bot.coach.errors import AlreadyHandled
from bot.coach.intent import IntentDetector
from bot.coach.language import detect_language
from bot.coach.phrases import Phrases
from bot.coach.reply import Intent, Language, Reply
from bot.coach.topic import TopicGate
from bot.coach.turn import Turn
from bot.retrieval.index import KnowledgeIndex, SearchHit
from bot.settings import Settings

log = logging.getLogger(__name__)


class HandledEvents(Protocol):
    def claim(self, event_id: str, conversation_key: str = "") -> bool: ...


class Coach:
    def __init__(
        self,
        settings: Settings,
        index: KnowledgeIndex | None = None,
        dialog_store: DialogStateStore | None = None,
        services: dict[str, Any] | None = None,
        unit_of_work: Callable[[], AbstractContextManager[Any]] | None = None,
        handled_events: HandledEvents | None = None,
    ) -> None:
        self.settings = settings
        self.index = index or KnowledgeIndex(settings)
        self.phrases = Phrases(settings.prompts_dir)
        self.intents = IntentDetector(settings.prompts_dir, self.index.embeddings)
        self.topic = TopicGate(settings.prompts_dir, settings.min_relevance)
        self.dialog_store = dialog_store
        self.unit_of_work = unit_of_work or nullcontext
        self.handled_events = handled_events
        self.services: dict[str, Any] = dict(services or {})
        self.services.setdefault("index", self.index)  # dialogs cite cards through it
        self.dialogs: dict[str, Dialog] = {}
        self._dialog_for_intent: dict[str, str] = {}

    def register_dialog(self, dialog: Dialog, intent: Intent | None = None) -> None:
        self.dialogs[dialog.kind] = dialog
        if intent:
            self._dialog_for_intent[intent] = dialog.kind

    # ---------- one-shot questions ----------
    def language_of(self, text: str, fallback: Language | None = None) -> Language:
        return detect_language(text) or fallback or self.settings.default_language

    def understand(self, text: str, language: Language) -> tuple[Intent, list[SearchHit]]:
        """The intent of a message and the sources that answer it; intent `other` when off topic."""
        # One embedding and one keyword scan of the message serve both retrieval and intent detection.
        vector = self.index.embeddings.embed_query(text)
        hits = self.index.search(text, k=5, lang=language, vector=vector)
        keyword_intents = self.intents.keyword_hits(text)
        if not self.topic.on_topic(text, hits, bool(keyword_intents)):
            return "other", hits
        return self.intents.detect(text, vector, keyword_intents), hits

    def ask(self, text: str, language: Language | None = None) -> Reply:
        """Answer one question from the knowledge base, with sources; no dialog state involved."""
        started = time.perf_counter()
        question = text.strip()
        language = language or self.language_of(question)
        if not question:
            return Reply(text=self.phrases.get("empty_question", language), language=language, intent="other")
        intent, hits = self.understand(question, language)
        reply = self._answer(intent, hits, language)
        log.info(
            "ask lang=%s intent=%s top=%s score=%.3f in %.0f ms",
            language,
            reply.intent,
            hits[0].source_id if hits else None,
            hits[0].score if hits else 0.0,
            (time.perf_counter() - started) * 1000,
        )
        return reply

    def _answer(self, intent: Intent, hits: list[SearchHit], language: Language) -> Reply:
        if intent == "other" or not hits:
            return Reply(text=self.phrases.get("off_topic", language), language=language, intent="other")
        return compose_answer(hits, intent, language, self.phrases)

    # ---------- conversations ----------
    def _context(self, language: Language) -> DialogContext:
        return DialogContext(language=language, answer_question=self.ask, services=self.services)

    def _persist(self, key: str, outcome: DialogOutcome) -> Reply:
        # The state is committed before the reply is returned: a crash after this point loses nothing.
        if self.dialog_store is not None:
            if outcome.state is None:
                self.dialog_store.clear(key)
            else:
                self.dialog_store.save(key, outcome.state)
        reply = outcome.reply
        if outcome.state is not None and reply.dialog is None:
            reply = reply.model_copy(update={"dialog": outcome.state.kind})
        return reply

    def open_dialog(self, turn: Turn) -> DialogState | None:
        return self.dialog_store.load(turn.conversation_key) if self.dialog_store else None

    def _claimed_by(self, text: str, language: Language) -> str | None:
        """A dialog that recognises its own input starts at once, before intent detection.

        For a message full of a deal's figures ("标价100，目标价85") or `prioritise FILE.csv`; dialogs opt in
        with a `claims(text, ctx) -> bool` method.
        """
        for kind, dialog in self.dialogs.items():
            claims = getattr(dialog, "claims", None)
            if claims is not None and claims(text, self._context(language)):
                return kind
        return None

    def _switch_target(self, text: str, state: DialogState) -> str | None:
        """Another dialog asked for by an explicit start command ("start a plan for ACME" while pricing).

        Keywords alone never switch: an answer inside a dialog ("a rival may beat our winning price")
        may well contain them, and must be saved as the answer it is.
        """
        kind = self._dialog_for_intent.get(self.intents.switch_request(text) or "")
        return kind if kind is not None and kind != state.kind else None

    def _switch(self, turn: Turn, state: DialogState, target: str, language: Language) -> Reply:
        # The open dialog is closed, not lost: plan drafts live in their own tables and resume by name;
        # a half-priced deal is short to start again.
        outcome = self.dialogs[target].start(turn, self._context(language))
        reply = self._persist(turn.conversation_key, outcome)
        closed = self.phrases.dialog_name(state.kind, language)
        note = self.phrases.get("switched_dialog", language, closed=closed)
        return reply.model_copy(update={"text": f"{note}\n\n{reply.text}"})

    def failure_reply(self, turn: Turn) -> Reply:
        """What an adapter says when a turn failed on our side: nothing saved before it is lost."""
        state = self.open_dialog(turn) if self.dialog_store else None
        language = self.language_of(turn.text, fallback=state.language if state else None)
        return Reply(
            text=self.phrases.get("turn_failed", language),
            language=language,
            intent="other",
            dialog=state.kind if state else None,
        )

    def handle(self, turn: Turn) -> Reply:
        """One turn of a conversation: continue the open dialog, or start one, or answer.

        Everything the turn writes (answers, audit rows, dialog state, the delivery id) commits together
        or not at all. Raises AlreadyHandled when the turn's event id was handled before."""
        with self.unit_of_work():
            claimed = (
                not turn.event_id
                or self.handled_events is None
                or self.handled_events.claim(turn.event_id, turn.conversation_key)
            )
            if not claimed:
                raise AlreadyHandled(turn.event_id or "")
            return self._handle(turn)

    def _handle(self, turn: Turn) -> Reply:
        key = turn.conversation_key
        state = self.open_dialog(turn)
        if state is not None and state.kind in self.dialogs:
            language = self.language_of(turn.text, fallback=state.language)
            target = self._switch_target(turn.text, state)
            if target is not None:
                return self._switch(turn, state, target, language)
            outcome = self.dialogs[state.kind].handle(turn, state, self._context(language))
            return self._persist(key, outcome)
        language = self.language_of(turn.text)
        text = turn.text.strip()
        if not text:
            return self.ask(text, language)
        claimed = self._claimed_by(text, language)
        if claimed is not None:
            outcome = self.dialogs[claimed].start(turn, self._context(language))
            return self._persist(key, outcome)
        intent, hits = self.understand(text, language)
        kind = self._dialog_for_intent.get(intent)
        if kind is not None:
            outcome = self.dialogs[kind].start(turn, self._context(language))
            return self._persist(key, outcome)
        return self._answer(intent, hits, language)
