"""Reading CSV files and standard input. A broken quote is named as such, at the line where the quoted
cell starts (the rest of the file was read as one cell, and the user was told that cell was a bad kind);
standard input may start with an Excel BOM like a file."""

from __future__ import annotations

import json

import pytest

from bot import tabular
from tests.conftest import run_in_process

UNCLOSED = (
    "name,kind,outcome_value,success_probability\n"
    "SD-WAN,cross_sell,60万,60%\n"
    '"Cloud backup,cross_sell,12万,70%\n'
    "Voice,increase_usage,5万,50%\n"
)


def test_the_reader_names_the_unclosed_quote_and_its_line() -> None:
    with pytest.raises(tabular.TableProblem) as raised:
        list(tabular.rows(UNCLOSED))
    assert (raised.value.code, raised.value.line) == ("unclosed_quote", 3)


def test_a_quoted_cell_over_two_lines_is_still_one_cell() -> None:
    rows = list(tabular.rows('name,notes\nACME,"line one\nline two"\nGlobex,plain\n'))
    assert [row.cells["notes"] for row in rows] == ["line one\nline two", "plain"]


def test_text_after_a_closing_quote_is_named_too() -> None:
    with pytest.raises(tabular.TableProblem) as raised:
        list(tabular.rows('name,kind\nA,"cross"sell\n'))
    assert (raised.value.code, raised.value.line) == ("stray_quote", 2)


@pytest.mark.parametrize("language", ["en", "zh"])
def test_prioritise_says_unclosed_quote_with_the_line(tmp_path, language) -> None:
    path = tmp_path / "opportunities.csv"
    path.write_text(UNCLOSED, encoding="utf-8")
    result = run_in_process(("prioritise", str(path), "--json", "--lang", language), data_dir=tmp_path)
    assert result.returncode == 2 and result.stdout == ""
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1, result.stderr
    expected = "a quote opened on line 3 is never closed" if language == "en" else "第3行开始的引号没有闭合"
    assert lines[0] == f"kam-coach: {path}: {expected}"
    assert "kind" not in lines[0]


def test_prioritise_from_standard_input_with_an_excel_bom(tmp_path) -> None:
    csv_text = "name,kind,outcome_value,success_probability\nSD-WAN,cross_sell,60万,60%\n"
    csv_bytes = csv_text.encode("utf-8-sig")
    result = run_in_process(("prioritise", "-", "--json"), data_dir=tmp_path, stdin=csv_bytes)
    assert result.returncode == 0, result.stderr
    assert json.loads(result.stdout)["opportunities"][0]["name"] == "SD-WAN"


def test_standard_input_that_is_not_utf8_is_bad_input(tmp_path) -> None:
    latin1 = "name,profit_contribution\nCafé,100\n".encode("latin-1")
    result = run_in_process(("tiers", "-"), data_dir=tmp_path, stdin=latin1)
    assert result.returncode == 2 and result.stdout == ""
    assert result.stderr.strip() == "kam-coach: standard input: not UTF-8 text (save the CSV as UTF-8)"
