"""Exports (Markdown, JSON), the review checklist, and the plan / people / accounts CLI commands."""

from __future__ import annotations

import json

import pytest
from sqlalchemy import select

from bot.plans.directory import ImportProblem, import_accounts, import_people
from bot.plans.render import PlanRenderer
from bot.plans.review import render_checklist, review_plan
from bot.plans.wording import PlanWording
from bot.settings import _shipped_dir
from bot.store.models import AccessLog
from tests.conftest import cli_env, run_in_process
from tests.plans.example_plan import OWNER, REPO, draft_example

WORDS = PlanWording(_shipped_dir("prompts"))


@pytest.fixture
def example(db, settings, index):
    return draft_example(db, settings, index)


def test_markdown_reads_like_a_finished_plan(example, plans) -> None:
    text = PlanRenderer(WORDS).markdown(example, "en", plans.people_names())
    assert text.startswith("# Account plan: ACME Bank\n")
    for heading in ("## 1. Customer information", "## 3. Goals", "## 6. Communication plan",
                    "## 7. Implementation plan", "## 8. Review schedule"):  # fmt: skip
        assert heading in text
    assert "| Owner | Ann Lee |" in text
    assert "| 1 | SD-WAN for 200 branches | cross-sell | 600,000 | 60% | act now | 360,000 |" in text
    assert "| Run SD-WAN pilot in 5 branches | Chen Jing | 2027-03-31 | yes |" in text
    assert "| 2027-03-01 | plan checkpoint (week 8) |" in text
    assert "100% (33 of 33 fields)" in text and "not answered yet" not in text
    zh = PlanRenderer(WORDS).markdown(example, "zh", plans.people_names())
    assert zh.startswith("# 客户计划：ACME Bank\n") and "## 1. 客户信息" in zh and "马上行动" in zh


def test_the_example_in_examples_is_such_a_plan() -> None:
    text = (REPO / "examples" / "account-plan-example.md").read_text(encoding="utf-8")
    assert (
        text.startswith("# Account plan: ACME Bank") and "| Completeness | 100% (33 of 33 fields) |" in text
    )


def test_json_export_holds_the_plan_and_its_derived_parts(example) -> None:
    payload = PlanRenderer.as_json(example)
    json.dumps(payload)
    assert payload["account"] == "ACME Bank" and payload["status"] == "draft"
    assert payload["completeness"]["overall"] == 1.0 and payload["completeness"]["ready_for_review"]
    plan = payload["plan"]
    assert plan["value"]["tier"] in ("key", "important", "standard")
    assert [o["rank"] for o in plan["goals"]["ranked_opportunities"]] == [1, 2, 3, 4]
    assert plan["review"]["schedule"][0] == {"date": "2027-03-01", "kind": "plan_checkpoint"}
    assert plan["strategy"]["team"][1]["person"] == {"id": "U0SE01", "name": "Chen Jing"}


def test_review_checklist_says_what_the_plan_answers(example, plans, db) -> None:
    full = review_plan(example.plan, "ACME Bank", WORDS, "en")
    assert len(full.items) == 11 and full.count("answered") == 11
    assert {item.scope for item in full.items} == {"plan", "portfolio"}
    fresh = plans.open_for_edit(OWNER, "Initech").plan
    partial = review_plan(fresh.plan, "Initech", WORDS, "zh")
    statuses = {item.id: item.status for item in partial.items}
    assert statuses["enough_return"] == "partly"  # profit and cost come from the CRM; no opportunities yet
    assert statuses["profit_and_risk"] == "open"
    text = render_checklist(partial, WORDS)
    assert (
        text.startswith("# 审核清单：Initech")
        and "[ ] 对提高利润和控制风险是否有足够的重视？（未回答）" in text
    )
    assert "尚缺：客户利润率、最大风险" in text


def test_imports_update_in_place_and_refuse_bad_rows(db) -> None:
    assert import_people(db, REPO / "examples" / "people.csv").created == 7
    assert import_people(db, REPO / "examples" / "people.csv").updated == 7
    first = import_accounts(db, REPO / "examples" / "crm-accounts.csv")
    assert (first.created, first.updated) == (5, 0)
    with pytest.raises(ImportProblem, match="line 2: manager_slack_id: UNOPE"):
        import_people(db, "slack_id,name,manager_slack_id\nU1,Ann,UNOPE\n")
    with pytest.raises(ImportProblem, match="line 3: cost_to_serve"):
        import_accounts(db, "name,cost_to_serve\nA,1k\nB,lots\n")
    with pytest.raises(ImportProblem, match="lacks the columns name"):
        import_accounts(db, "account,industry\nA,B\n")
    # renaming one CRM account to another's name: a bad row, not an IntegrityError (exit 1, traceback)
    import_accounts(db, "name,crm_id\nAlpha,X1\nBeta,X2\n")
    with pytest.raises(ImportProblem, match="line 2: name: crm_id X1 would be renamed to 'beta'"):
        import_accounts(db, "name,crm_id\nbeta,X1\n")
    assert import_accounts(db, "name,crm_id\nAlpha Bank,X1\n").updated == 1  # a plain rename still works


def test_cli_commands(tmp_path, database_url, db, settings, index) -> None:
    import subprocess
    import sys

    draft_example(db, settings, index)

    def cli(*args):
        return run_in_process(args, data_dir=tmp_path, DATABASE_URL=database_url)

    # The plan commands' smoke test as a real process (python -m bot); the rest runs in-process.
    env = cli_env(tmp_path, DATABASE_URL=database_url)
    command = [
        sys.executable,
        "-m",
        "bot",
        "plan",
        "show",
        "acme bank",
        "--format",
        "json",
        "--user",
        "U0MGR1",
    ]
    shown = subprocess.run(command, capture_output=True, text=True, env=env, cwd=REPO, timeout=60)
    assert shown.returncode == 0, shown.stderr
    assert json.loads(shown.stdout)["completeness"]["overall"] == 1.0
    listed = cli("plan", "list", "--json", "--user", "U0HEAD")
    assert [p["account"] for p in json.loads(listed.stdout)["plans"]] == ["ACME Bank"]
    if "postgresql" in database_url:
        return  # the rest does not depend on the database
    listed = cli("plan", "list", "--user", "U0HEAD")
    assert listed.returncode == 0 and "- ACME Bank: draft, 100% complete" in listed.stdout, listed.stdout
    chinese = cli("plan", "list", "--user", "U0HEAD", "--lang", "zh")  # it was always English
    assert chinese.returncode == 0 and chinese.stdout.startswith("你的客户计划：\n"), chinese.stdout
    assert "- ACME Bank：草稿，已完成100%（更新于" in chinese.stdout and "年" in chinese.stdout
    by_setting = run_in_process(
        ("plan", "list", "--user", "U0HEAD"), data_dir=tmp_path, DATABASE_URL=database_url, KAM_LANGUAGE="zh"
    )
    assert by_setting.stdout == chinese.stdout
    markdown = cli("plan", "show", "ACME Bank", "--user", OWNER, "--lang", "zh")
    assert markdown.returncode == 0 and markdown.stdout.startswith("# 客户计划：ACME Bank")
    unwritable = cli(
        "plan", "show", "ACME Bank", "--user", OWNER, "-o", str(tmp_path / "no-such-dir" / "p.md")
    )
    assert unwritable.returncode == 2 and unwritable.stdout == ""  # it was exit 1 with a traceback
    assert unwritable.stderr.strip().splitlines()[-1].startswith("kam-coach: --output: cannot write")
    refused = cli("plan", "show", "ACME Bank", "--user", "U0AM03")
    assert refused.returncode == 1 and "may not see the plan for ACME Bank" in refused.stderr
    assert refused.stdout == ""
    review = cli("plan", "review", "ACME Bank", "--json", "--user", OWNER)
    assert review.returncode == 0 and len(json.loads(review.stdout)["items"]) == 11
    refused = cli("plan", "review", "ACME Bank", "--json", "--user", "U0AM03")
    assert refused.returncode == 1 and "may not see the plan for ACME Bank" in refused.stderr
    assert refused.stdout == ""
    with db.session() as session:  # one attempt, one access_log row (it was checked twice)
        attempts = session.scalars(
            select(AccessLog).where(AccessLog.user_id == "U0AM03").order_by(AccessLog.id)
        ).all()
        assert [(a.action, a.allowed) for a in attempts] == [("view", False), ("review", False)]
    bad = tmp_path / "bad.csv"
    bad.write_text("slack_id,name,is_admin\nU1,Ann,maybe\n", encoding="utf-8")
    failed = cli("people", "import", str(bad))
    assert failed.returncode == 2 and "line 2: is_admin" in failed.stderr
