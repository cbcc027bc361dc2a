"""Kill `kam-coach chat` with SIGKILL in the middle of a draft; the next start resumes at the same question
with every earlier answer kept. The real CLI process, on SQLite and on PostgreSQL."""

from __future__ import annotations

import queue
import re
import signal
import subprocess
import sys
import threading
import time

import pytest

from bot.plans.repository import PlanRepository
from bot.store.db import Database
from bot.store.dialog_store import SqlFormStates
from tests.conftest import REPO, cli_env

USER = "U0AM02"
TIMEOUT = 90


class Chat:
    """`python -m bot chat --user USER` with piped standard input (so it reads line by line)."""

    def __init__(self, env: dict[str, str]) -> None:
        self.process = subprocess.Popen(
            [sys.executable, "-m", "bot", "chat", "--user", USER],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=subprocess.DEVNULL,
            text=True,
            encoding="utf-8",
            cwd=REPO,
            env=env,
        )
        self.lines: queue.Queue[str | None] = queue.Queue()
        threading.Thread(target=self._read, daemon=True).start()

    def _read(self) -> None:
        assert self.process.stdout is not None
        for line in self.process.stdout:
            self.lines.put(line)
        self.lines.put(None)

    def say(self, text: str, expect: str | None = None) -> str:
        """Send one line; with ``expect``, wait for that pattern in the reply and return what was read."""
        assert self.process.stdin is not None
        self.process.stdin.write(text + "\n")
        self.process.stdin.flush()
        if expect is None:
            return ""
        seen = ""
        deadline = time.monotonic() + TIMEOUT
        while not re.search(expect, seen):
            remaining = deadline - time.monotonic()
            assert remaining > 0, f"no {expect!r} after {text!r}; read:\n{seen}"
            line = self.lines.get(timeout=remaining)
            assert line is not None, f"chat ended before {expect!r}; read:\n{seen}"
            seen += line
        return seen

    def kill(self) -> None:
        self.process.send_signal(signal.SIGKILL)
        self.process.wait(timeout=10)
        assert self.process.returncode == -signal.SIGKILL

    def close(self) -> None:
        assert self.process.stdin is not None
        self.process.stdin.close()
        self.process.wait(timeout=TIMEOUT)


@pytest.mark.slow
def test_sigkill_mid_draft_then_resume(database_url, shared_data_dir, index) -> None:
    env = cli_env(shared_data_dir, DATABASE_URL=database_url)  # the shared index: no rebuild per start

    first = Chat(env)
    first.say("start a plan for Globex", r"\[1/33\]")
    first.say("Logistics", r"\[2/33\]")
    first.say("1", r"\[3/33\]")
    first.say("general", r"\[4/33\]")
    first.say("5000", r"\[5/33\]")
    first.say("Freight tracking | 300k", r"Rows so far \(1\)")
    first.kill()  # mid-draft, in the middle of a table

    second = Chat(env)
    resumed = second.say("resume", r"Customer information › Current sales by product")
    assert "Back to the account plan" in resumed
    assert "1. Freight tracking | 300,000" in resumed
    second.say("done", r"\[6/33\]")
    second.say("18%")  # and killed at once: the answer may or may not be committed, but never half of it
    second.kill()

    db = Database(database_url)
    try:
        record = PlanRepository(db).drafts_of(USER)[0]
        position = SqlFormStates(db).load(USER)["position"]
    finally:
        db.dispose()
    plan = record.plan
    assert record.account_name == "Globex"
    assert plan.customer.industry == "Logistics"
    assert plan.customer.segment_size == "large_org" and plan.customer.segment_type == "general"
    assert plan.customer.employees == 5000
    assert [(row.product, row.annual_sales) for row in plan.customer.current_sales] == [
        ("Freight tracking", 300_000)
    ]
    # The answer and the form's move to the next question are one transaction: both or neither.
    if plan.customer.profitability is None:
        assert position == "customer.profitability"
    else:
        assert plan.customer.profitability == pytest.approx(0.18)
        assert position == "customer.decision_makers"
