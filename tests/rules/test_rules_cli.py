"""The rule commands as a user runs them: in-process through ``bot.cli.main`` (a process start costs more
than the command), and once as a real subprocess, `python -m bot price ...` from the repository root."""

from __future__ import annotations

import json
import re
import subprocess
import sys
import tempfile
from pathlib import Path

import pytest

from tests.conftest import CliRun, cli_env, run_in_process

ROOT = Path(__file__).resolve().parents[2]
EXAMPLES = ROOT / "examples"
# The rule commands write nothing; the data folder points at a scratch place all the same.
SCRATCH = Path(tempfile.gettempdir()) / "kam-coach-rules-cli"


def cli(*args: str, stdin: str | None = None) -> CliRun:
    return run_in_process(args, data_dir=SCRATCH, stdin=stdin)


def ok_json(*args: str, stdin: str | None = None) -> dict:
    result = cli(*args, "--json", stdin=stdin)
    assert result.returncode == 0, result.stderr
    lines = result.stdout.splitlines()
    assert len(lines) == 1, result.stdout
    payload = json.loads(lines[0])
    assert isinstance(payload, dict)
    return payload


def bad(*args: str, stdin: str | None = None) -> str:
    result = cli(*args, stdin=stdin)
    assert result.returncode == 2, (result.returncode, result.stdout, result.stderr)
    assert result.stdout == ""
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1, result.stderr
    return lines[0]


PRICE = [
    "price",
    "--list-price",
    "100",
    "--max-discount",
    "10%",
    "--winning-price",
    "85",
    "--lraic",
    "70",
    "--marginal-cost",
    "40",
    "--utilisation",
    "55%",
]


def test_price_as_a_real_process() -> None:
    # The smoke test of the rule commands' real entry point (python -m bot): exit status, one JSON line.
    result = subprocess.run(
        [sys.executable, "-m", "bot", *PRICE, "--json"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        encoding="utf-8",
        env=cli_env(SCRATCH),
        timeout=60,
    )
    assert result.returncode == 0, result.stderr
    assert json.loads(result.stdout)["decision"] == "marginal_cost_pricing"
    bad = subprocess.run(
        [sys.executable, "-m", "bot", "price", "--list-price", "abc"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        env=cli_env(SCRATCH),
        timeout=60,
    )
    assert bad.returncode == 2 and bad.stdout == "" and len(bad.stderr.strip().splitlines()) == 1


def test_price_json_shape() -> None:
    payload = ok_json(*PRICE, "--effective-utilisation", "75%")
    assert {
        "decision",
        "recommended_price",
        "cost_basis",
        "platform",
        "below_cost",
        "path",
        "rationale",
    } <= set(payload)
    assert payload["decision"] == "marginal_cost_pricing"
    assert payload["recommended_price"] == 85
    assert (payload["cost_basis"], payload["platform"], payload["below_cost"]) == (
        "marginal_cost",
        "current",
        False,
    )
    assert [step["answer"] for step in payload["path"]] == [False, False, True]
    assert all(isinstance(step["question"], str) for step in payload["path"])
    assert "seed chunks 16-17" in payload["rationale"]


def test_price_alternative_and_money_formats() -> None:
    payload = ok_json(
        "price",
        "--list-price",
        "1.2k",
        "--max-discount",
        "0.1",
        "--winning-price",
        "¥1,000",
        "--lraic",
        "1,100",
        "--marginal-cost",
        "500元",
        "--utilisation",
        "９０％",
        "--alt-lraic",
        "0.09万",
        "--alt-marginal-cost",
        "400",
        "--alt-utilisation",
        "30%",
        "--lang",
        "zh",
    )
    assert (payload["decision"], payload["platform"], payload["recommended_price"]) == (
        "migrate_platform",
        "alternative",
        1000,
    )
    assert "种子第16-17段" in payload["rationale"]


def test_price_human_output() -> None:
    result = cli(*PRICE)
    assert result.returncode == 0
    assert "marginal_cost_pricing" in result.stdout and "Path through the tree:" in result.stdout
    assert not result.stdout.lstrip().startswith("{")
    assert (
        "Recommended price: 85" in result.stdout
        and "Policy floor: 90 (list price 100 less 10%)" in result.stdout
    )


HALF_WIDTH_BETWEEN_CHINESE = re.compile(r"[\u4e00-\u9fff][,:;?!()]|[,:;?!()][\u4e00-\u9fff]")


def test_price_in_chinese_counts_in_wan_with_full_width_punctuation() -> None:
    big = ["price", "--list-price", "380万", "--max-discount", "10%", "--winning-price", "3,000,000"]
    big += ["--lraic", "2.8m", "--marginal-cost", "150万", "--utilisation", "55%", "--lang", "zh"]
    result = cli(*big)
    assert result.returncode == 0, result.stderr
    text = result.stdout
    assert "决策：使用边际成本法重新确定产品成本，按制胜价格报价（marginal_cost_pricing）。" in text
    assert "建议报价：300万" in text and "政策底价：342万（标价380万减去10%）" in text
    assert "决策树路径：" in text and "能否在折扣政策内（制胜价格 >= 342万）向客户提供制胜价格？否" in text
    assert "（种子第16-17段）" in text
    assert not re.search(r"\d,\d{3},\d{3}", text)  # 3,000,000 is 300万 in Chinese
    assert HALF_WIDTH_BETWEEN_CHINESE.findall(text) == []


RULE_COMMANDS = [
    ["price", *PRICE[1:]],
    ["prioritise", str(EXAMPLES / "opportunities.csv")],
    ["tiers", str(EXAMPLES / "accounts.csv")],
    ["skills", str(EXAMPLES / "skills.csv")],
    ["cadence", "--tier", "key", "--start", "2027-01-04"],
    ["coverage", "funnel", "--not-contacted", "40%", "--contacted-not-pursued", "20%",
     "--pursued-lost", "10%", "--won", "30%"],
    ["coverage", "macro", str(EXAMPLES / "coverage-macro.csv")],
    ["coverage", "micro", str(EXAMPLES / "timesheet.csv")],
]  # fmt: skip


@pytest.mark.parametrize("command", RULE_COMMANDS, ids=lambda c: " ".join(w for w in c[:2] if "/" not in w))
def test_every_rule_command_speaks_chinese_in_text(command: list[str]) -> None:
    """Each command's text is what chat shows for the result: its sentences and tables, in --lang."""
    english, chinese = cli(*command, "--lang", "en"), cli(*command, "--lang", "zh")
    assert english.returncode == chinese.returncode == 0, (english.stderr, chinese.stderr)
    prose = english.stdout.split("\n\n")[0]  # (the example files name some accounts in Chinese)
    assert "(seed chunk" in prose and not re.search(r"[\u4e00-\u9fff]", prose)
    assert "（种子第" in chinese.stdout and HALF_WIDTH_BETWEEN_CHINESE.findall(chinese.stdout) == []
    # the same result in the same layout: as many lines, the rationale's seed chunks the same
    assert len(english.stdout.splitlines()) == len(chinese.stdout.splitlines())
    assert not re.search(r"\d,\d{3},\d{3}", chinese.stdout)  # millions are 万 in Chinese


def test_text_tables_line_up_chinese_by_display_width() -> None:
    """Each cell starts in the column its header starts in, a Chinese character counting two columns."""
    from wcwidth import wcwidth

    def columns(line: str) -> list[str]:  # one slot a display column; a wide character's second is ""
        return [part for char in line for part in [char] + [""] * (wcwidth(char) - 1)]

    result = cli("tiers", str(EXAMPLES / "accounts.csv"), "--lang", "zh")
    title, header, rule, *rows = result.stdout.split("\n\n")[1].splitlines()
    assert title == "按客户总价值排列" and "等级" in header
    starts = [i for i, char in enumerate(rule) if char == "-" and rule[i - 1 : i] in ("", " ")]
    assert len(starts) == 7
    for line in [header, *rows]:
        slots = columns(line)
        for start in starts[1:]:
            if start < len(slots):
                assert slots[start - 1] == " " and slots[start] != "", line


@pytest.mark.parametrize(
    ("change", "named"),
    [
        (("--list-price", "abc"), "--list-price: cannot read 'abc' as an amount"),
        (("--list-price", "-5"), "--list-price"),
        (("--max-discount", "100%"), "--max-discount"),
        (("--max-discount", "10"), "--max-discount"),
        (("--utilisation", "155%"), "--utilisation"),
        (("--marginal-cost", "0"), "--marginal-cost"),
        (("--alt-lraic", "60"), "--alt-marginal-cost"),
        (("--alt-lraic", "60", "--alt-marginal-cost", "30"), "--alt-utilisation"),
        (("--alt-utilisation", "50%"), "--alt-lraic"),
    ],
)
def test_price_bad_input(change: tuple[str, ...], named: str) -> None:
    args = list(PRICE)
    for option, value in zip(change[::2], change[1::2], strict=True):
        if option in args:
            args[args.index(option) + 1] = value
        else:
            args += [option, value]
    assert named in bad(*args, "--json")


def test_price_missing_option() -> None:
    assert "--winning-price" in bad("price", "--list-price", "100", "--max-discount", "10%")


def test_prioritise_json_and_alias() -> None:
    payload = ok_json("prioritise", str(EXAMPLES / "opportunities.csv"), "--probability-threshold", "50%")
    assert set(payload) >= {"opportunities", "value_threshold", "probability_threshold"}
    assert payload["probability_threshold"] == 0.5
    ranks = [o["rank"] for o in payload["opportunities"]]
    assert ranks == list(range(1, len(ranks) + 1))
    first = payload["opportunities"][0]
    assert set(first) >= {"name", "quadrant", "expected_value", "rank"}
    alias = ok_json("prioritize", str(EXAMPLES / "opportunities.csv"), "--value-threshold", "50万")
    assert alias["value_threshold"] == 500000


def test_prioritise_matrix_text() -> None:
    result = cli("prioritise", str(EXAMPLES / "opportunities.csv"))
    assert result.returncode == 0
    for label in ("likely", "unlikely", "big outcome", "small outcome", "act now", "shelve"):
        assert label in result.stdout


def test_csv_bad_row_names_line_and_column(tmp_path: Path) -> None:
    path = tmp_path / "opps.csv"
    path.write_text(
        "name,kind,outcome_value,success_probability\nA,cross_sell,12万,70%\nB,cross_sell,lots,50%\n",
        encoding="utf-8",
    )
    message = bad("prioritise", str(path), "--json")
    assert "line 3" in message and "column outcome_value" in message and "'lots'" in message


def test_csv_bad_kind_and_missing_column(tmp_path: Path) -> None:
    path = tmp_path / "opps.csv"
    # ("upsell" is one of the dialog's names for increase_usage, so the command accepts it too.)
    path.write_text("name,kind,outcome_value,success_probability\nA,teleport,1,70%\n", encoding="utf-8")
    assert "line 2, column kind" in bad("prioritise", str(path))
    path.write_text("name,kind,outcome_value\nA,cross_sell,1\n", encoding="utf-8")
    assert "lacks the columns success_probability" in bad("prioritise", str(path))


def test_prioritise_reads_the_dialogs_kind_names_and_chinese_amounts(tmp_path: Path) -> None:
    # One synonym table (prompts/prioritise_dialog.yaml) for the chat dialog and the command.
    path = tmp_path / "opps.csv"
    path.write_text(
        "name,kind,outcome_value,success_probability\n"
        "华为升级,提高使用率,120万,70%\n"
        "中兴安全,交叉销售,12万,60%\n"
        "Globex,Cross-sell,45万,0.4\n",
        encoding="utf-8",
    )
    payload = ok_json("prioritise", str(path))
    by_name = {o["name"]: o for o in payload["opportunities"]}
    assert by_name["华为升级"]["kind"] == "increase_usage"
    assert by_name["中兴安全"]["kind"] == "cross_sell"
    assert by_name["中兴安全"]["outcome_value"] == 120_000
    assert by_name["中兴安全"]["success_probability"] == 0.6
    assert by_name["Globex"]["kind"] == "cross_sell"
    # The dialog's header aliases too.
    path.write_text("机会,类型,成果规模,成功可能性\n华为升级,提高使用率,120万,70%\n", encoding="utf-8")
    assert ok_json("prioritise", str(path))["opportunities"][0]["outcome_value"] == 1_200_000


def test_csv_column_named_twice_is_bad_input(tmp_path: Path) -> None:
    # "Name" and "name" are one column: the second silently replaced the first.
    path = tmp_path / "accounts.csv"
    path.write_text("Name,profit_contribution,name\nACME,100,Globex\n", encoding="utf-8")
    assert "names the column name more than once" in bad("tiers", str(path), "--json")


def test_missing_file() -> None:
    assert "no such file" in bad("tiers", "does-not-exist.csv", "--json")


def test_tiers_json_from_stdin() -> None:
    csv_text = "name,profit_contribution,cost_to_serve\nA,50万,\nB,30万,0\nC,20万,\nD,1万,2万\n"
    payload = ok_json("tiers", "-", "--key-share", "50%", stdin=csv_text)
    assert [(a["name"], a["tier"]) for a in payload["accounts"]] == [
        ("A", "key"),
        ("B", "important"),
        ("C", "standard"),
        ("D", "standard"),
    ]
    assert payload["accounts"][-1]["unprofitable"] is True
    assert payload["accounts"][1]["cumulative_share"] == 0.8


def test_tiers_example_and_bad_shares() -> None:
    payload = ok_json("tiers", str(EXAMPLES / "accounts.csv"))
    assert {a["tier"] for a in payload["accounts"]} == {"key", "important", "standard"}
    assert "--important-share" in bad("tiers", str(EXAMPLES / "accounts.csv"), "--key-share", "90%")


def test_skills() -> None:
    payload = ok_json("skills", str(EXAMPLES / "skills.csv"))
    skills = payload["skills"]
    assert [s["priority"] for s in skills] == list(range(1, len(skills) + 1))
    assert skills[0]["gap"] == 3 and skills[0]["action"] == "develop"


def test_cadence() -> None:
    payload = ok_json("cadence", "--tier", "key", "--start", "2027-01-04", "--months", "12")
    assert payload["events"][0] == {"date": "2027-03-01", "kind": "plan_checkpoint"}
    assert len(payload["events"]) == 8
    assert "--start" in bad("cadence", "--tier", "key", "--start", "next tuesday")
    assert "--tier" in bad("cadence", "--tier", "gold", "--start", "2027-01-04")
    assert "9999-12-31" in bad("cadence", "--tier", "key", "--start", "9999-06-01", "--json")


def test_coverage_funnel() -> None:
    payload = ok_json(
        "coverage",
        "funnel",
        "--not-contacted",
        "25%",
        "--contacted-not-pursued",
        "30%",
        "--pursued-lost",
        "10%",
        "--won",
        "35%",
    )
    assert payload["fix_first"] == "efficiency"
    assert payload["shares"]["won"] == pytest.approx(0.35)
    amounts = ok_json(
        "coverage", "funnel", "--not-contacted", "10万", "--contacted-not-pursued", "20万", "--pursued-lost",
        "40万", "--won", "30万",
    )  # fmt: skip
    assert amounts["fix_first"] == "effectiveness"
    assert "--won" in bad(
        "coverage", "funnel", "--not-contacted", "0", "--contacted-not-pursued", "0", "--pursued-lost", "0",
        "--won", "x",
    )  # fmt: skip


def test_coverage_macro_kunming_example() -> None:
    payload = ok_json("coverage", "macro", str(EXAMPLES / "coverage-macro.csv"))
    assert [g["accounts"] for g in payload["groups"]] == [10, 10, 25]
    assert payload["total_hours"] == 9600
    assert payload["groups"][0]["status"] == "under_served"


def test_coverage_micro(tmp_path: Path) -> None:
    payload = ok_json("coverage", "micro", str(EXAMPLES / "timesheet.csv"))
    assert payload["revenue_share"] == pytest.approx(0.275)
    assert payload["status"] == "below_target"
    path = tmp_path / "t.csv"
    path.write_text("activity,hours\nface_to_face_visits,4\ngolf,3\n", encoding="utf-8")
    assert "line 3, column activity" in bad("coverage", "micro", str(path))
