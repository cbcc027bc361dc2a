"""Where an adapter receives a model-phrased answer's text while the model writes it (Slack streams it into
the thread). Imports no langchain: an adapter may use it whether or not a model is configured.

    with stream_answers_to(lambda text: stream.append(markdown_text=text)):
        reply = coach.handle(turn)

The streamed text is provisional: the Reply that ``handle`` returns is what was decided. When the model's
answer fails its checks (a citation that does not resolve, a timeout), the reply is the extractive answer
(``mode == "extractive"``), and the adapter shows that instead of what was streamed. Without a model, or for
replies no model phrases, nothing is streamed.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from contextvars import ContextVar

TextSink = Callable[[str], None]

_sink: ContextVar[TextSink | None] = ContextVar("kam_answer_sink", default=None)


@contextmanager
def stream_answers_to(sink: TextSink) -> Iterator[None]:
    token = _sink.set(sink)
    try:
        yield
    finally:
        _sink.reset(token)


def answer_sink() -> TextSink | None:
    """The sink of the turn being handled in this thread, if its adapter streams."""
    return _sink.get()
