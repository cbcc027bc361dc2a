"""A setting that cannot be used stops a command with one line naming it, never a traceback (they were
17-39 lines long): exit 2, since settings are the user's input; a database that is down, exit 1. The
traceback is still there for whoever asks for DEBUG logs."""

from __future__ import annotations

import json
import tempfile
from pathlib import Path

import pytest

from tests.conftest import run_in_process


def _one_line(result) -> str:
    assert result.stdout == ""
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1, result.stderr
    assert "Traceback" not in result.stderr
    return lines[0]


@pytest.mark.parametrize(
    ("value", "fragment"),
    [
        ("nope.module:Embeddings", "cannot import"),
        ("just-a-name", "module:Class"),
        ("collections:OrderedDict", "not a langchain Embeddings"),
    ],
)
def test_bad_embeddings(tmp_path, value, fragment) -> None:
    result = run_in_process(("ask", "What is LRAIC?"), data_dir=tmp_path, KAM_EMBEDDINGS=value)
    assert result.returncode == 2
    line = _one_line(result)
    assert line.startswith("kam-coach: KAM_EMBEDDINGS: ") and fragment in line


def test_missing_knowledge_folder(tmp_path) -> None:
    missing = tmp_path / "no-such-folder"
    result = run_in_process(("ask", "What is LRAIC?"), data_dir=tmp_path, KAM_KNOWLEDGE_DIR=str(missing))
    assert result.returncode == 2
    line = _one_line(result)
    assert line.startswith("kam-coach: KAM_KNOWLEDGE_DIR: ") and str(missing) in line


def test_knowledge_folder_without_cards(tmp_path) -> None:
    empty = tmp_path / "knowledge"
    (empty / "en").mkdir(parents=True)
    (empty / "en" / "notes.txt").write_text("not a card", encoding="utf-8")
    result = run_in_process(("ask", "What is LRAIC?"), data_dir=tmp_path, KAM_KNOWLEDGE_DIR=str(empty))
    assert result.returncode == 2
    line = _one_line(result)
    assert line.startswith("kam-coach: KAM_KNOWLEDGE_DIR: ") and "no knowledge cards" in line


def test_a_broken_card_is_named_in_one_line(tmp_path) -> None:
    folder = tmp_path / "knowledge" / "en"
    folder.mkdir(parents=True)
    (folder / "broken.md").write_text("---\nid: Not An Id\ntitle: x\n---\nbody\n", encoding="utf-8")
    result = run_in_process(
        ("ask", "What is LRAIC?"), data_dir=tmp_path, KAM_KNOWLEDGE_DIR=str(folder.parent)
    )
    assert result.returncode == 2
    line = _one_line(result)
    assert line.startswith("kam-coach: KAM_KNOWLEDGE_DIR: ") and "broken.md" in line


@pytest.mark.parametrize(
    ("url", "fragment"),
    [("foo://somewhere/db", "no driver"), ("not a url at all", "not a database URL")],
)
def test_bad_database_url(tmp_path, url, fragment) -> None:
    result = run_in_process(("plan", "list", "--user", "U1"), data_dir=tmp_path, DATABASE_URL=url)
    assert result.returncode == 2
    line = _one_line(result)
    assert line.startswith("kam-coach: DATABASE_URL: ") and fragment in line


def test_a_database_that_cannot_be_reached_is_a_failure_not_bad_input(tmp_path) -> None:
    url = "postgresql+psycopg://nobody@127.0.0.1:9/kam?connect_timeout=2"  # port 9: nothing listens
    result = run_in_process(("plan", "list", "--user", "U1"), data_dir=tmp_path, DATABASE_URL=url)
    assert result.returncode == 1
    line = _one_line(result)
    assert "DATABASE_URL" in line and "cannot reach" in line


@pytest.mark.parametrize("command", [("plan", "list", "--user", "U1"), ("ask", "What is LRAIC?")])
def test_data_folder_that_is_a_file(tmp_path, command) -> None:
    a_file = tmp_path / "data"
    a_file.write_text("", encoding="utf-8")
    result = run_in_process(command, data_dir=a_file)
    assert result.returncode == 2
    line = _one_line(result)
    assert line.startswith("kam-coach: KAM_DATA_DIR: ") and "not a folder" in line


def test_data_folder_inside_a_file(tmp_path) -> None:
    a_file = tmp_path / "data"
    a_file.write_text("", encoding="utf-8")
    result = run_in_process(("plan", "list", "--user", "U1"), data_dir=a_file / "kam")
    assert result.returncode == 2
    assert _one_line(result).startswith("kam-coach: KAM_DATA_DIR: cannot create")


def _unwritable_folder(tmp_path: Path) -> Path:
    """A folder this process may not write in: a read-only one, or for root (who writes through any mode
    bits) a sysfs folder, where nobody may create files."""
    folder = tmp_path / "read-only"
    folder.mkdir()
    folder.chmod(0o500)
    for candidate in (folder, Path("/sys/kernel")):
        try:
            with tempfile.NamedTemporaryFile(dir=candidate):
                pass
        except OSError:
            return candidate
    pytest.skip("no folder here refuses this user's writes")


def test_data_folder_that_is_not_writable(tmp_path) -> None:
    folder = _unwritable_folder(tmp_path)
    result = run_in_process(("plan", "list", "--user", "U1"), data_dir=folder)
    assert result.returncode == 2
    line = _one_line(result)
    assert line == f"kam-coach: KAM_DATA_DIR: {folder} is not writable (Permission denied)"


def test_the_traceback_is_logged_at_debug(tmp_path) -> None:
    for _ in range(2):  # a second run in this process logs once too (no handler left from the first)
        result = run_in_process(
            ("--log-level", "DEBUG", "plan", "list", "--user", "U1"),
            data_dir=tmp_path,
            DATABASE_URL="foo://x/y",
        )
        assert result.returncode == 2
        assert result.stderr.count("Traceback") == 1
        assert result.stderr.strip().splitlines()[-1].startswith("kam-coach: DATABASE_URL: ")


def test_chat_skips_a_line_that_is_not_utf8_and_goes_on(run_cli, tmp_path) -> None:
    stdin = b"What is LRAIC?\n" + b"\xff\xfe broken\n" + "客户分层怎么做?\n".encode()
    result = run_cli(
        "chat", "--json", "--user", "u1", stdin=stdin, DATABASE_URL=f"sqlite:///{tmp_path / 'c.db'}"
    )
    assert result.returncode == 2  # bad input was given, though the session went on
    assert [json.loads(line)["language"] for line in result.stdout.splitlines()] == ["en", "zh"]
    lines = result.stderr.strip().splitlines()
    assert lines == ["kam-coach: standard input line 2: not UTF-8 text (skipped)"], result.stderr
