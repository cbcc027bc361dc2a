"""The coach's answer phraser with a language model (contracts section 11).

The model gets the question and the passages retrieval found, numbered ``[1]``, ``[2]``..., and the rules as
tools. Its answer is shown only when it cites at least one passage, cites none that was not given, and does
not repeat the system prompt; then ``citations`` are the cited passages' sources and ``mode`` is "llm".
Anything else (no citation, a citation that does not resolve, a provider error, the turn's deadline passed)
gives the extractive answer it was handed, logged, never an error to the user.

When the model calls a rule, the rule runs here (``bot.llm.rules``) and its result goes back to the model,
which may call another; the reply is then the rules' own output and rationale, citing the rules' cards. The
model's closing prose is not shown: a number in it would come from the model, not from ``kam_rules``. The
loop is bounded by KAM_LLM_MAX_STEPS calls, KAM_LLM_TOKEN_BUDGET tokens and KAM_LLM_TIMEOUT seconds, and
stops when the model asks for a rule it has already been given.
"""

from __future__ import annotations

import json
import logging

from langchain_core.language_models import BaseChatModel
from langchain_core.messages import AIMessage, BaseMessage, ToolMessage

from bot.coach.answer import MAX_SOURCES
from bot.coach.reply import Language, Reply, unique_citations
from bot.llm.calls import Budget, ModelCallFailed, ModelCalls
from bot.llm.citations import Grounded, Ungrounded, ground
from bot.llm.config import LlmConfig
from bot.llm.prompts import LlmPrompts
from bot.llm.rules import RuleRun, RuleTools
from bot.llm.streaming import answer_sink
from bot.retrieval.index import SearchHit

log = logging.getLogger(__name__)

# Budget exhausted is our bound, not the model failing: rule results already in hand are still shown.
EXHAUSTED = ("step limit reached", "token budget spent")


class LlmPhraser:
    def __init__(
        self,
        *,
        model: BaseChatModel,
        calls: ModelCalls,
        prompts: LlmPrompts,
        rules: RuleTools,
        config: LlmConfig,
    ) -> None:
        self.answering = model.bind_tools(rules.tools)
        self.calls = calls
        self.prompts = prompts
        self.rules = rules
        self.config = config

    def phrase(self, question: str, language: Language, hits: list[SearchHit], extractive: Reply) -> Reply:
        passages = hits[:MAX_SOURCES]
        messages: list[BaseMessage] = self.prompts.answer(question, language, passages)
        budget = Budget.for_turn(self.config)
        sink = answer_sink()
        runs: list[RuleRun] = []
        given: dict[str, ToolMessage] = {}
        final: AIMessage | None = None
        try:
            while True:
                message = self.calls.call(self.answering, messages, budget, "answer", stream_to=sink)
                if not isinstance(message, AIMessage):
                    raise ModelCallFailed(f"unexpected output {type(message).__name__}")
                if not message.tool_calls:
                    final = message
                    break
                messages.append(message)
                fresh = False
                for call in message.tool_calls:
                    key = json.dumps([call["name"], call.get("args")], sort_keys=True, default=str)
                    if key in given:  # the same question again: the same answer, without running it
                        messages.append(given[key].model_copy(update={"tool_call_id": call.get("id") or ""}))
                        continue
                    tool_message, run = self.rules.run(call, language)
                    given[key] = tool_message
                    messages.append(tool_message)
                    fresh = True
                    if run is not None:
                        runs.append(run)
                        log.info("llm called rule %s", run.tool)
                if not fresh:
                    log.info("llm asked for a rule it already had: stopping the loop")
                    break
        except ModelCallFailed as failure:
            if not (runs and failure.reason in EXHAUSTED):
                level = logging.INFO if failure.logged else logging.WARNING  # warned once, not twice
                log.log(level, "llm answer not used (%s): extractive answer instead", failure.reason)
                return extractive
            log.info("llm loop stopped (%s): showing the rules' results", failure.reason)
        if runs:
            return self._rule_reply(runs, language, extractive)
        if final is None:
            log.warning("llm answer not used (no answer after its tool calls): extractive answer instead")
            return extractive
        grounded = self._grounded(final.text, passages, language)
        if grounded is None:
            return extractive  # the log says why
        return Reply(
            text=grounded.text,
            language=language,
            intent=extractive.intent,
            mode="llm",
            citations=grounded.citations,
            actions=extractive.actions,
        )

    def _grounded(self, text: str, passages: list[SearchHit], language: Language) -> Grounded | None:
        try:
            grounded = ground(text, passages)
        except Ungrounded as why:
            log.warning("llm text rejected (%s): not shown", why)
            return None
        if self.prompts.leaks(grounded.text, language):
            log.warning("llm text rejected (it repeats the system prompt): not shown")
            return None
        return grounded

    def _rule_reply(self, runs: list[RuleRun], language: Language, extractive: Reply) -> Reply:
        citations = [citation for run in runs for citation in self.rules.citations(run, language)]
        decisions = [d for d in (self.rules.decision(run, language) for run in runs) if d is not None]
        return Reply(
            text="\n\n".join(self.rules.show(run, language) for run in runs),
            language=language,
            intent=extractive.intent,
            mode="llm",
            citations=unique_citations(citations),
            actions=extractive.actions,
            decision=decisions[-1] if decisions else None,
        )
