"""Options every command shares; the output encoding as a real process (it is the process's stdout)."""

from __future__ import annotations

import json
import subprocess
import sys

import pytest

from tests.conftest import REPO, CliRun, cli_env, run_in_process

CADENCE = ("cadence", "--tier", "key", "--start", "2027-01-04", "--json")


def _run(tmp_path, *args: str) -> CliRun:
    return run_in_process(args, data_dir=tmp_path / "data")


@pytest.mark.parametrize("level", ["debug", "Warning", "ERROR"])
def test_log_level_is_read_in_any_case(tmp_path, level):
    result = _run(tmp_path, "--log-level", level, *CADENCE)
    assert result.returncode == 0, result.stderr
    assert json.loads(result.stdout)["tier"] == "key"


def test_unknown_log_level_is_bad_input(tmp_path):
    result = _run(tmp_path, "--log-level", "chatty", *CADENCE)
    assert result.returncode == 2
    assert result.stdout == ""
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and "--log-level" in lines[0], result.stderr


def test_json_is_utf8_whatever_the_terminal_encoding(tmp_path):
    # With an ASCII (or cp1252) stdout, Chinese in --json output raised UnicodeEncodeError: exit 1.
    result = subprocess.run(
        [sys.executable, "-m", "bot", *CADENCE, "--lang", "zh"],
        capture_output=True,
        cwd=REPO,
        env=cli_env(tmp_path / "data", PYTHONIOENCODING="ascii"),
        timeout=120,
    )
    assert result.returncode == 0, result.stderr
    assert "关键客户" in json.loads(result.stdout.decode("utf-8"))["rationale"]
