"""A delivery handled once: the same event id again is refused before anything is done, and a turn that
failed leaves its id free, so the redelivery is handled."""

from __future__ import annotations

import pytest

from bot.coach.errors import AlreadyHandled
from bot.coach.turn import Turn


def test_a_redelivered_turn_is_not_handled_again(coach):
    first = coach.handle(Turn(text="price a deal", user_id="U1", channel_id="D1", event_id="Ev1"))
    assert first.dialog == "pricing"
    answered = coach.handle(Turn(text="ACME", user_id="U1", channel_id="D1", event_id="Ev2"))
    with pytest.raises(AlreadyHandled):
        coach.handle(Turn(text="ACME", user_id="U1", channel_id="D1", event_id="Ev2"))
    # The redelivery changed nothing: the form still waits where the first delivery left it.
    assert coach.open_form(Turn(text="", user_id="U1", channel_id="D1")).position == answered.ask.slot


def test_a_failed_turn_leaves_its_delivery_free(coach, monkeypatch):
    def broken(*_args, **_kwargs):
        raise RuntimeError("boom")

    monkeypatch.setattr(coach, "_handle", broken)
    with pytest.raises(RuntimeError):
        coach.handle(Turn(text="price a deal", user_id="U1", event_id="Ev9"))
    monkeypatch.undo()
    assert coach.handle(Turn(text="price a deal", user_id="U1", event_id="Ev9")).dialog == "pricing"


def test_the_database_is_free_for_others_while_a_question_is_answered(coach, dialog_settings):
    """Retrieval and phrasing write nothing: another process can write while they run (SQLite's write lock
    is one for the whole file; held through an answer, every other conversation would wait)."""
    import sqlite3

    database = dialog_settings.database_url.removeprefix("sqlite:///")
    seen: list[str] = []

    class WritingPhraser:
        def phrase(self, question, language, hits, extractive):
            other = sqlite3.connect(database, timeout=0.05, isolation_level=None)
            try:
                other.execute("BEGIN IMMEDIATE")  # fails with 'database is locked' while a turn holds it
                other.execute("ROLLBACK")
                seen.append("free")
            except sqlite3.OperationalError as locked:
                seen.append(str(locked))
            finally:
                other.close()
            return extractive

    coach.phraser = WritingPhraser()
    reply = coach.handle(
        Turn(text="How often should we review a key account plan?", user_id="U1", event_id="Ev5")
    )
    assert reply.citations and seen == ["free"]
    with pytest.raises(AlreadyHandled):  # the delivery was still claimed, in the turn's transaction
        coach.handle(
            Turn(text="How often should we review a key account plan?", user_id="U1", event_id="Ev5")
        )
