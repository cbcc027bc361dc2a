"""`kam-coach people import` and `accounts import` as a user runs them."""

from __future__ import annotations

import json

from tests.conftest import run_in_process


def _files(tmp_path):
    people = tmp_path / "people.csv"
    people.write_text("slack_id,name\nU0AM01,Ann Lee\n", encoding="utf-8")
    accounts = tmp_path / "accounts.csv"
    accounts.write_text(
        "name,owner_slack_id,team_slack_ids\nACME Bank,U0AM01,\nGlobex,U0NOBODY,U0AM01;U0GHOST\n",
        encoding="utf-8",
    )
    return people, accounts


def test_unknown_people_are_warned_about_per_row_and_the_import_succeeds(tmp_path) -> None:
    people, accounts = _files(tmp_path)
    assert run_in_process(("people", "import", str(people)), data_dir=tmp_path).returncode == 0
    result = run_in_process(("accounts", "import", str(accounts)), data_dir=tmp_path)
    assert result.returncode == 0, result.stderr
    lines = result.stdout.strip().splitlines()
    assert lines[0] == f"accounts: 2 created, 0 updated from {accounts}"
    assert len(lines) == 2, result.stdout  # one warning line for the one row with strangers
    assert lines[1].startswith("warning: line 3:") and "U0NOBODY" in lines[1] and "U0GHOST" in lines[1]


def test_json_lists_each_unknown_id_with_its_line(tmp_path) -> None:
    people, accounts = _files(tmp_path)
    run_in_process(("people", "import", str(people)), data_dir=tmp_path)
    result = run_in_process(("accounts", "import", str(accounts), "--json"), data_dir=tmp_path)
    assert result.returncode == 0, result.stderr
    payload = json.loads(result.stdout)
    assert (payload["created"], payload["updated"]) == (2, 0)
    assert [(w["line"], w["column"], w["id"]) for w in payload["warnings"]] == [
        (3, "owner_slack_id", "U0NOBODY"),
        (3, "team_slack_ids", "U0GHOST"),
    ]
    assert all(w["message"] for w in payload["warnings"])
    people_payload = json.loads(
        run_in_process(("people", "import", str(people), "--json"), data_dir=tmp_path).stdout
    )
    assert people_payload["warnings"] == []


def test_chinese_warnings(tmp_path) -> None:
    people, accounts = _files(tmp_path)
    run_in_process(("people", "import", str(people)), data_dir=tmp_path)
    result = run_in_process(("accounts", "import", str(accounts), "--lang", "zh"), data_dir=tmp_path)
    assert result.returncode == 0, result.stderr
    assert "第3行" in result.stdout and "U0NOBODY" in result.stdout
