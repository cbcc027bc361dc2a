"""`kam-coach ask` as a user runs it: real index, JSON on stdout, exit codes; in-process through
``bot.cli.main``, and once as a real process."""

from __future__ import annotations

import json

import pytest


def _one_json(stdout: str) -> dict:
    lines = [line for line in stdout.splitlines() if line.strip()]
    assert len(lines) == 1, stdout
    return json.loads(lines[0])


@pytest.mark.parametrize(
    ("question", "language", "intent", "expected_source"),
    [
        ("How should I price this deal?", "en", "pricing", "pricing-decision-tree"),
        ("这个单子怎么报价?", "zh", "pricing", "pricing-decision-tree"),
        ("我们该优先做哪些机会?", "zh", "prioritise", "opportunity-prioritisation-matrix"),
        ("How often should we review the plans for our top accounts?", "en", "question", "review-cadence"),
    ],
)
def test_ask_json_has_the_contract_shape(run_cli, question, language, intent, expected_source):
    result = run_cli("ask", "--json", question)
    assert result.returncode == 0, result.stderr
    payload = _one_json(result.stdout)
    assert set(payload) >= {"answer", "language", "mode", "intent", "sources"}
    assert payload["language"] == language
    assert payload["mode"] == "extractive"
    assert payload["intent"] == intent
    assert 1 <= len(payload["sources"]) <= 5
    assert payload["sources"][0]["id"] == expected_source
    scores = [source["score"] for source in payload["sources"]]
    assert scores == sorted(scores, reverse=True)  # best first
    for source in payload["sources"]:
        assert set(source) == {"id", "title", "seed_chunks", "score"}
        assert all(isinstance(n, int) and 1 <= n <= 38 for n in source["seed_chunks"])
        assert 0.0 <= source["score"] <= 1.0
    assert payload["answer"].strip()


@pytest.mark.parametrize(
    "question",
    ["tier my accounts", "A公司利润300万、服务成本80万；B公司利润50万、服务成本60万", "plan my review dates"],
)
def test_ask_json_intent_is_one_that_contracts_section_1_names(run_cli, question):
    """Rules section 1 does not name (tiers, review dates) answer as `question`; chat --json keeps theirs."""
    payload = _one_json(run_cli("ask", "--json", question).stdout)
    assert payload["intent"] == "question"
    assert payload["sources"]


def test_off_topic_question_gets_a_polite_refusal_without_sources(run_cli):
    payload = _one_json(run_cli("ask", "--json", "What's a good recipe for banana bread?").stdout)
    assert payload["intent"] == "other"
    assert payload["sources"] == []
    assert "outside what I coach on" in payload["answer"]


def test_batch_reads_stdin_and_answers_in_order(run_cli):
    questions = [
        "What is LRAIC?",
        "客户价值金字塔是什么?",
        "Which selling skills should my team train first?",
    ]
    result = run_cli("ask", "--json", "--batch", "-", stdin="\n".join(questions) + "\n")
    assert result.returncode == 0, result.stderr
    rows = [json.loads(line) for line in result.stdout.splitlines()]
    assert [row["language"] for row in rows] == ["en", "zh", "en"]
    assert rows[0]["sources"][0]["id"] == "true-product-cost"
    assert rows[1]["sources"][0]["id"] == "customer-value-pyramid"
    assert "skill" in rows[2]["sources"][0]["id"]


def test_batch_answers_line_for_line_with_blank_lines_and_comments_in_place(run_cli):
    # Blank lines were dropped and "#" lines answered, so answers no longer lined up with the questions.
    stdin = "# pricing questions\nWhat is LRAIC?\n\n   \n客户价值金字塔是什么?\n"
    result = run_cli("ask", "--json", "--batch", "-", stdin=stdin)
    assert result.returncode == 0, result.stderr
    rows = [json.loads(line) for line in result.stdout.splitlines()]
    assert [row["line"] for row in rows] == [1, 2, 3, 4, 5]
    for row in rows:  # every contract field, always
        assert set(row) >= {"answer", "language", "mode", "intent", "sources", "actions", "line", "error"}
    comment, lraic, blank, spaces, pyramid = rows
    assert comment["comment"] is True and comment["error"] is None and comment["answer"] == ""
    assert comment["sources"] == [] and comment["intent"] == "other"
    assert lraic["sources"][0]["id"] == "true-product-cost" and lraic["error"] is None
    assert lraic["comment"] is False
    for empty in (blank, spaces):
        assert empty["error"] == "empty_line" and empty["answer"] == "" and empty["sources"] == []
        assert empty["comment"] is False and empty["mode"] == "extractive"
    assert pyramid["sources"][0]["id"] == "customer-value-pyramid" and pyramid["language"] == "zh"


def test_batch_from_a_file(run_cli, tmp_path):
    batch = tmp_path / "questions.txt"
    batch.write_text("Why do we lose sales?\n为什么要做关键客户管理?\n", encoding="utf-8")
    result = run_cli("ask", "--json", "--batch", str(batch))
    assert [json.loads(line)["language"] for line in result.stdout.splitlines()] == ["en", "zh"]


@pytest.mark.parametrize(
    ("args", "fragment"),
    [
        (("ask", "--json", "   "), "question"),
        (("ask", "--json"), "question"),
        (("ask", "--json", "--batch", "/nonexistent/questions.txt"), "--batch"),
        (("ask", "--no-such-flag", "x"), "unrecognized"),
    ],
)
def test_bad_input_exits_2_with_one_line(run_cli, args, fragment):
    result = run_cli(*args)
    assert result.returncode == 2
    assert result.stdout == ""
    lines = [line for line in result.stderr.splitlines() if line.strip()]
    assert len(lines) == 1 and fragment in lines[0], result.stderr


def test_text_output_cites_sources_with_seed_chunks(run_cli):
    result = run_cli("ask", "How should I price this deal?")
    assert result.returncode == 0
    assert "Sources:" in result.stdout and "[pricing-decision-tree] (seed chunks 16, 17)" in result.stdout


def test_bad_input_message_has_no_pydantic_prefix(run_cli):
    result = run_cli("ask", "--json", "   ")
    assert result.returncode == 2
    assert result.stderr.strip() == "kam-coach: question: must not be empty"


def test_batch_file_with_an_excel_bom_reads_the_first_question_cleanly(run_cli, tmp_path):
    batch = tmp_path / "questions.txt"
    batch.write_bytes("What is LRAIC?\n  客户价值金字塔是什么?  \n".encode("utf-8-sig"))
    result = run_cli("ask", "--json", "--batch", str(batch))
    rows = [json.loads(line) for line in result.stdout.splitlines()]
    assert [(row["line"], row["language"], row["error"]) for row in rows] == [
        (1, "en", None),
        (2, "zh", None),
    ]
    assert rows[0]["sources"][0]["id"] == "true-product-cost"


def test_batch_line_that_is_not_utf8_is_bad_input_naming_the_line(run_cli):
    result = run_cli("ask", "--json", "--batch", "-", stdin=b"What is LRAIC?\n\n\xff\xfe broken\n")
    assert result.returncode == 2, result.stderr
    assert result.stdout == ""
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("kam-coach: --batch line 3:"), lines


def test_ask_as_a_real_process(run_process):
    # The smoke test of the real entry point (python -m bot) for ask; the others run in-process.
    result = run_process("ask", "--json", "What is LRAIC?")
    assert result.returncode == 0, result.stderr
    payload = _one_json(result.stdout)
    assert payload["sources"][0]["id"] == "true-product-cost" and payload["mode"] == "extractive"
