"""One model call, bounded and logged: the turn's deadline, step and token budget, and a log line per call.

A call runs in a daemon thread of its own so that the turn waits no longer than its deadline whatever the
provider's client does (a trickling stream, a server that never answers); the thread is left to finish on
its own (stopped at its next chunk when streaming) and never holds up the process's exit. Each call is
logged at INFO with its purpose, latency and the token counts the provider reported (never estimated with
a tokenizer: tiktoken downloads its encodings at run time); the messages and the reply at DEBUG only.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

from langchain_core.messages import AIMessage, AIMessageChunk, BaseMessage
from langchain_core.runnables import Runnable

from bot.llm.config import LlmConfig
from bot.llm.streaming import TextSink

log = logging.getLogger(__name__)


class ModelCallFailed(Exception):
    """The model gave nothing usable in time; ``reason`` says why, for the log."""

    def __init__(self, reason: str, *, logged: bool = False) -> None:
        super().__init__(reason)
        self.reason = reason
        self.logged = logged
        """Already logged as a failed call (the caller need not warn again)."""


@dataclass
class Budget:
    """What one turn may still spend on the model."""

    deadline: float
    """On the ``time.monotonic`` clock."""
    steps: int
    tokens: int

    @classmethod
    def for_turn(cls, config: LlmConfig) -> Budget:
        return cls(
            deadline=time.monotonic() + config.timeout, steps=config.max_steps, tokens=config.token_budget
        )

    def left(self) -> float:
        return self.deadline - time.monotonic()

    def check(self) -> None:
        """Raises when no further call may be made this turn."""
        if self.steps <= 0:
            raise ModelCallFailed("step limit reached")
        if self.tokens <= 0:
            raise ModelCallFailed("token budget spent")
        if self.left() <= 0:
            raise ModelCallFailed("timeout")


@dataclass
class Usage:
    input_tokens: int | None = None
    output_tokens: int | None = None

    @classmethod
    def of(cls, message: BaseMessage | None) -> Usage:
        usage = getattr(message, "usage_metadata", None) or {}
        return cls(usage.get("input_tokens"), usage.get("output_tokens"))

    @property
    def total(self) -> int | None:
        if self.input_tokens is None and self.output_tokens is None:
            return None
        return (self.input_tokens or 0) + (self.output_tokens or 0)


def _text_of(chunk: BaseMessage) -> str:
    content = chunk.content
    if isinstance(content, str):
        return content
    return "".join(part.get("text", "") for part in content if isinstance(part, dict))


def _raw_message(output: Any) -> BaseMessage | None:
    """The model's message in a runnable's output (``with_structured_output(include_raw=True)`` wraps it)."""
    if isinstance(output, dict):
        output = output.get("raw")
    return output if isinstance(output, BaseMessage) else None


def _reason(error: BaseException) -> str:
    """Why a call failed, for the log; the client's own timeout (its backstop) reads as ours."""
    if "timeout" in type(error).__name__.lower():
        return "timeout"
    return f"{type(error).__name__}: {str(error)[:200]}"


class _Work:
    """One call running in a daemon thread: its output or its error once ``done`` is set."""

    def __init__(self, run: Callable[[], Any]) -> None:
        self.done = threading.Event()
        self.output: Any = None
        self.error: BaseException | None = None
        self._run = run
        threading.Thread(target=self._target, name="kam-llm-call", daemon=True).start()

    def _target(self) -> None:
        try:
            self.output = self._run()
        except BaseException as error:  # handed to the waiting turn, which logs it
            self.error = error
        finally:
            self.done.set()


class ModelCalls:
    """Makes the model calls of every turn, each bounded by its turn's budget."""

    def __init__(self, model_name: str) -> None:
        self.model_name = model_name

    def call(
        self,
        runnable: Runnable[Any, Any],
        messages: Sequence[BaseMessage],
        budget: Budget,
        purpose: str,
        stream_to: TextSink | None = None,
    ) -> Any:
        """The runnable's output for these messages; raises ModelCallFailed on any failure or timeout."""
        budget.check()
        budget.steps -= 1
        stop = threading.Event()
        started = time.perf_counter()
        if stream_to is None:
            work = _Work(lambda: runnable.invoke(list(messages)))
        else:
            work = _Work(lambda: self._stream(runnable, list(messages), stream_to, stop))
        if not work.done.wait(timeout=max(0.0, budget.left())):
            stop.set()
            self._failed(purpose, started, "timeout")
            raise ModelCallFailed("timeout", logged=True)
        if work.error is not None:  # a provider's error of any kind: the answer falls back, the turn goes on
            reason = _reason(work.error)
            self._failed(purpose, started, reason)
            raise ModelCallFailed(reason, logged=True) from work.error
        output = work.output
        message = _raw_message(output)
        usage = Usage.of(message)
        spent = usage.total
        if spent is None:  # the provider reported nothing: charge what was sent and written, roughly
            sent = sum(len(str(m.content)) for m in messages) + len(str(getattr(message, "content", "")))
            spent = sent // 4
        budget.tokens -= spent
        log.info(
            "llm call purpose=%s model=%s latency_ms=%.0f input_tokens=%s output_tokens=%s tool_calls=%d",
            purpose,
            self.model_name,
            (time.perf_counter() - started) * 1000,
            "?" if usage.input_tokens is None else usage.input_tokens,
            "?" if usage.output_tokens is None else usage.output_tokens,
            len(getattr(message, "tool_calls", None) or []),
        )
        if log.isEnabledFor(logging.DEBUG):
            log.debug("llm call purpose=%s sent=%r got=%r", purpose, [m.content for m in messages], message)
        return output

    @staticmethod
    def _stream(
        runnable: Runnable[Any, Any], messages: list[BaseMessage], sink: TextSink, stop: threading.Event
    ) -> AIMessage | None:
        """Streams the reply, passing its text on as it comes; the chunks added up are the message."""
        whole: AIMessageChunk | None = None
        for chunk in runnable.stream(messages):
            if stop.is_set():  # the turn gave up waiting: drop the connection, say nothing more
                break
            if not isinstance(chunk, AIMessageChunk):
                continue
            whole = chunk if whole is None else whole + chunk
            text = _text_of(chunk)
            if text:
                sink(text)
        return whole

    def _failed(self, purpose: str, started: float, reason: str) -> None:
        log.warning(
            "llm call purpose=%s model=%s failed after %.0f ms: %s",
            purpose,
            self.model_name,
            (time.perf_counter() - started) * 1000,
            reason,
        )
