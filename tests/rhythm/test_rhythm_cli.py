"""Contracts section 10 through the real CLI (in-process through ``bot.cli.main``, and as a process), on
SQLite and PostgreSQL: output shapes, exit codes, one-line errors naming the field."""

from __future__ import annotations

import json
import subprocess
import sys
from datetime import date

import pytest

from bot.cli import main
from bot.settings import get_settings
from tests.conftest import REPO, cli_env
from tests.rhythm.conftest import PEOPLE

MILESTONE_KEYS = [
    "id",
    "account",
    "owner",
    "title",
    "due",
    "kind",
    "state",
    "snoozed_until",
    "source",
    "plan_id",
    "done_at",
    "done_by",
]
DIGEST_KEYS = [
    "manager",
    "week",
    "team",
    "plans",
    "milestones",
    "escalations",
    "accounts_without_approved_plan",
    "top_opportunities",
]


@pytest.fixture
def cli(database_url, tmp_path, monkeypatch, capsys):
    for name in ("KAM_TIMEZONE", "KAM_LANGUAGE", "KAM_ADMINS", "SLACK_BOT_TOKEN", "KAM_REMINDER_DAYS"):
        monkeypatch.delenv(name, raising=False)
    # main() would attach a log handler to this test's captured stderr, which the next test has closed.
    monkeypatch.setattr("bot.logging_setup.configure_logging", lambda level: None)
    monkeypatch.setenv("DATABASE_URL", database_url)
    monkeypatch.setenv("KAM_DATA_DIR", str(tmp_path / "data"))
    get_settings.cache_clear()

    def run(*argv: str) -> tuple[int, str, str]:
        code = main(list(argv))
        out, err = capsys.readouterr()
        return code, out, err

    people = tmp_path / "people.csv"
    people.write_text(PEOPLE, encoding="utf-8")
    assert run("people", "import", str(people))[0] == 0
    yield run
    get_settings.cache_clear()


def test_milestones_reminders_and_digest_as_the_contract_says(cli) -> None:
    code, out, err = cli(
        "milestones",
        "add",
        "--account",
        "ACME",
        "--owner",
        "U0AM01",
        "--due",
        "2027-03-10",
        "--title",
        "Renewal proposal",
    )
    assert (code, err) == (0, "") and out.strip().isdigit()
    first = int(out)
    code, out, _ = cli(
        "milestones", "add", "--account", "ACME", "--owner", "U0AM02", "--due", "2027-03-12", "--title", "QBR"
    )
    second = int(out)
    code, out, _ = cli("milestones", "list", "--json")
    listed = json.loads(out)["milestones"]
    assert [list(m) for m in listed] == [MILESTONE_KEYS, MILESTONE_KEYS]
    assert [(m["id"], m["owner"], m["due"], m["state"]) for m in listed] == [
        (first, "U0AM01", "2027-03-10", "open"),
        (second, "U0AM02", "2027-03-12", "open"),
    ]
    assert [
        m["id"] for m in json.loads(cli("milestones", "list", "--owner", "U0AM02", "--json")[1])["milestones"]
    ] == [second]
    assert json.loads(cli("milestones", "list", "--account", "acme", "--json")[1])["milestones"] == listed

    code, out, err = cli("reminders", "run", "--now", "2027-03-03T09:30:00+08:00", "--json")
    assert (code, err) == (0, "")
    lines = [json.loads(line) for line in out.splitlines()]
    assert lines == [
        {
            "recipient": "U0AM01",
            "milestone_id": first,
            "reminder": "7_days",
            "due": "2027-03-10",
            "title": "Renewal proposal",
            "account": "ACME",
            "text": "Reminder: “Renewal proposal” for ACME is due on Wed, Mar 10, 2027, in 7 days.\n"
            "Plan: /kam plan ACME",
            "language": "en",
        }
    ]
    assert cli("reminders", "run", "--now", "2027-03-03T09:30:00+08:00", "--json")[1] == ""  # sent once

    assert cli("milestones", "done", str(first), "--user", "U0AM01") == (0, f"milestone {first} done\n", "")
    code, out, _ = cli(
        "milestones", "snooze", str(second), "--until", "2027-03-20", "--user", "U0MGR1", "--json"
    )
    assert json.loads(out)["state"] == "snoozed" and json.loads(out)["snoozed_until"] == "2027-03-20"
    code, out, _ = cli("reminders", "run", "--now", "2027-03-16T00:00:00Z", "--json")
    # Ann's is done; Ben's is snoozed (his own reminders wait) but three days overdue: his manager is told.
    assert [
        (r["recipient"], r["milestone_id"], r["reminder"]) for r in map(json.loads, out.splitlines())
    ] == [("U0MGR1", second, "overdue_manager")]

    code, out, err = cli(
        "digest", "--manager", "U0MGR1", "--now", "2027-03-15T10:00:00-04:00", "--format", "json"
    )
    assert (code, err) == (0, "")
    digest = json.loads(out)
    assert list(digest)[: len(DIGEST_KEYS)] == DIGEST_KEYS
    assert (digest["manager"], digest["week"], digest["team"]) == (
        "U0MGR1",
        "2027-W11",
        ["U0AM01", "U0AM02", "U0SE01"],
    )
    assert [
        m["id"] for m in digest["milestones"]["done_last_week"]
    ] == []  # done this week, on the real clock
    assert [m["id"] for m in digest["milestones"]["overdue"]] == [second]
    assert list(digest["milestones"]["overdue"][0]) == MILESTONE_KEYS
    code, out, _ = cli("digest", "--manager", "U0MGR2", "--now", "2027-03-15T10:00:00+08:00")
    assert code == 0 and out.startswith("# 王芳的每周摘要（2027-W11）")


BAD = [
    (
        (
            "milestones",
            "add",
            "--account",
            "ACME",
            "--owner",
            "U0AM01",
            "--due",
            "10/03/2027",
            "--title",
            "x",
        ),
        2,
        "--due: '10/03/2027' is not a date",
    ),
    (
        (
            "milestones",
            "add",
            "--account",
            "ACME",
            "--owner",
            "U0AM01",
            "--due",
            "2027-03-10",
            "--title",
            " ",
        ),
        2,
        "title: must not be empty",
    ),
    (("milestones", "done", "999"), 2, "ID: no milestone 999"),
    (("milestones", "done", "abc"), 2, "argument ID: invalid int value"),
    (("milestones", "snooze", "1", "--until", "2020-01-01"), 2, "until: 2020-01-01 is not after today"),
    (("milestones", "done", "1", "--user", "U0OUT"), 1, "U0OUT may not mark done milestone 1"),
    (
        ("reminders", "run", "--now", "next tuesday"),
        2,
        "--now: 'next tuesday' is not an ISO date and time",
    ),
    (("digest", "--manager", "UNOBODY"), 2, "--manager: no person 'UNOBODY'"),
]
ADD = ("milestones", "add", "--account", "ACME", "--owner", "U0AM01", "--due", "2027-03-10", "--title", "x")


def test_bad_input_and_refusals(cli) -> None:
    assert cli(*ADD)[0] == 0
    for argv, code, message in BAD:
        got, out, err = cli(*argv)
        assert got == code and out == "", argv
        assert err.count("\n") == 1 and message in err, err


def test_people_import_checks_time_zones_and_languages(cli, tmp_path) -> None:
    bad = tmp_path / "bad.csv"
    bad.write_text(
        "slack_id,name,tz,language\nU1,Ann,Asia/Shanghai,zh\nU2,Ben,Mars/Olympus,en\n", encoding="utf-8"
    )
    code, _, err = cli("people", "import", str(bad))
    assert code == 2 and "line 3: tz: 'Mars/Olympus' is not an IANA time zone" in err and err.count("\n") == 1
    bad.write_text("slack_id,name,tz,language\nU1,Ann,Asia/Shanghai,fr\n", encoding="utf-8")
    code, _, err = cli("people", "import", str(bad))
    assert code == 2 and "line 2: language: 'fr' is not en or zh" in err


@pytest.mark.parametrize("database_kind", ["sqlite"], indirect=True)
def test_as_a_process(team, rhythm, database_url, tmp_path) -> None:
    rhythm.service.add_milestone(account="华为", owner="U0AM03", due=date(2027, 3, 10), title="续约方案")
    env = cli_env(tmp_path / "data", DATABASE_URL=database_url, KAM_TIMEZONE="Asia/Shanghai")
    swept = subprocess.run(
        [
            sys.executable,
            "-m",
            "bot",
            "reminders",
            "run",
            "--now",
            "2027-03-03T09:00",
            "--json",
        ],  # naive: KAM_TIMEZONE
        capture_output=True,
        text=True,
        cwd=REPO,
        env=env,
        timeout=120,
    )
    assert swept.returncode == 0, swept.stderr
    (line,) = [json.loads(text) for text in swept.stdout.splitlines()]
    assert (line["recipient"], line["reminder"], line["language"]) == ("U0AM03", "7_days", "zh")
    assert line["text"].startswith("提醒：华为的“续约方案”将于2027年3月10日周三到期，还有7天。")
