"""Scripted terminal conversations through the real CLI, in Chinese and English: the English one as a real
process (`python -m bot chat`), the Chinese one through `bot.cli.main` while that process runs. They share
the session's data folder, whose index is already built, and each has its own SQLite database.
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from tests.conftest import REPO, cli_env

SCRIPTS = {
    # One unreadable answer ("abc") asked again; one correction (the list price) that changes the floor.
    "en": [
        "How should I price this deal?",
        "ACME",
        "100",
        "10%",
        "abc",
        "85",
        "change list price to 120",
        "70",
        "40",
        "55%",
        "default",
        "no",
    ],
    # One unreadable share ("150%") asked again; a correction at the last question lifts the price above
    # the new floor, so the tree decides at step 1.
    "zh": [
        "这个单子怎么报价",
        "华为",
        "100万",
        "10%",
        "八十万",
        "70万",
        "四十万",
        "150%",
        "55%",
        "默认",
        "把标价改成85万",
    ],
}


@pytest.fixture(scope="module")
def conversations(shared_data_dir: Path, index, run_cli, tmp_path_factory: pytest.TempPathFactory):
    """The English conversation in a real process (the chat command's smoke test of python -m bot), the
    Chinese one in this process meanwhile (through bot.cli.main, as the other CLI tests run)."""
    folder = tmp_path_factory.mktemp("chat-cli")
    process = subprocess.Popen(
        [sys.executable, "-m", "bot", "chat", "--user", "u1"],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        cwd=REPO,
        env=cli_env(shared_data_dir, DATABASE_URL=f"sqlite:///{folder / 'en.db'}"),
    )
    zh = run_cli(
        "chat",
        "--user",
        "u1",
        stdin="\n".join(SCRIPTS["zh"]) + "\n",
        DATABASE_URL=f"sqlite:///{folder / 'zh.db'}",
    )
    stdout, stderr = process.communicate("\n".join(SCRIPTS["en"]) + "\n", timeout=120)
    return {"en": (process.returncode, stdout, stderr), "zh": (zh.returncode, zh.stdout, zh.stderr)}


def test_english_conversation_reaches_marginal_cost_pricing(conversations):
    code, out, err = conversations["en"]
    assert code == 0, err
    assert out.count("What price (per unit) would win the deal?") == 2, "asked again after 'abc'"
    assert "I could not read “abc” as an amount" in out
    assert "Changed list price from 100 to 120." in out
    assert "The winning price is below the floor of 108." in out
    assert "Deal ACME: re-cost on marginal cost and offer the winning price." in out
    assert "Recommended price: 85" in out
    assert "Cost basis: marginal cost on the current platform (40)" in out
    assert (
        "Is the current platform under-used, with its marginal cost at or below the winning price? yes" in out
    )
    assert "[pricing-decision-tree]" in out and "[true-product-cost]" in out


def test_chinese_conversation_reaches_maintain_pricing(conversations):
    code, out, err = conversations["zh"]
    assert code == 0, err
    assert "“150%”无法读作百分比：比例必须在0%到100%之间。" in out
    assert out.count("当前平台的产能利用率是多少？") == 2, "asked again after '150%'"
    assert "已把标价从100万改为85万。" in out
    assert "单子华为：维持原有定价和折扣方法。" in out
    assert "建议报价：80万" in out
    assert "定价成本：当前平台的边际成本，40万" in out
    assert "[pricing-decision-tree]" in out and "出处" in out
