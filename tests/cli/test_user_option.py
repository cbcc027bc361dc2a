"""`--user` names who is asking: an empty one is bad input (exit 2), not an outsider refused (exit 1)."""

from __future__ import annotations

import pytest

from tests.conftest import run_in_process


@pytest.mark.parametrize(
    "command",
    [
        ("plan", "list"),
        ("plan", "show", "ACME Bank"),
        ("plan", "review", "ACME Bank"),
        ("chat",),
        ("milestones", "done", "1"),
        ("milestones", "snooze", "1", "--until", "2027-01-04"),
    ],
)
@pytest.mark.parametrize("user", ["", "   "])
def test_an_empty_user_is_bad_input_not_an_outsider(tmp_path, command, user) -> None:
    result = run_in_process((*command, "--user", user), data_dir=tmp_path, stdin="hello\n")
    assert result.returncode == 2, result.stderr
    assert result.stdout == ""
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and "--user" in lines[0] and "empty" in lines[0], result.stderr
