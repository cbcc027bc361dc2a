"""The weekly digest for a seeded team, field by field, in English and Chinese, on SQLite and PostgreSQL; its
Markdown, Block Kit and chart; and the weekly run that sends it once per manager and week."""

from __future__ import annotations

from datetime import date

import pytest

from bot.plans.directory import import_accounts
from bot.plans.repository import PlanRepository
from bot.rhythm.chart import tier_pyramid_png
from bot.rhythm.digest import DigestBuilder
from bot.rhythm.digest_render import digest_markdown
from bot.rhythm.slack_blocks import APPROVE, REJECT, digest_blocks
from bot.store.escalation_store import EscalationStore
from tests.rhythm.conftest import at

ACCOUNTS = """name,industry,owner_slack_id,crm_id,team_slack_ids,profit_contribution,cost_to_serve
ACME,Banking,U0AM01,C1,U0SE01,1.2m,300k
Initech,Software,U0AM02,C2,,900k,100k
Hooli,Internet,U0AM03,C3,,500k,0
Umbrella,Pharma,U0AM02,C4,,480k,0
Globex,Retail,U0AM02,C5,,100k,20k
"""
OPPORTUNITIES = [
    {"name": "SD-WAN", "kind": "cross_sell", "outcome_value": 600_000, "success_probability": 0.6},
    {"name": "Cloud backup", "kind": "increase_usage", "outcome_value": 250_000, "success_probability": 0.8},
    {"name": "Core refresh", "kind": "price_mix", "outcome_value": 1_200_000, "success_probability": 0.3},
    {
        "name": "API gateway",
        "kind": "new_customer_core",
        "outcome_value": 400_000,
        "success_probability": 0.2,
    },
]
NOW = "2027-03-08T15:00:00Z"  # Monday 10:00 in New York (week 2027-W10), 23:00 in Shanghai


@pytest.fixture
def seeded(team, rhythm, clock):
    """Diego (U0MGR1, New York) manages Ann and Ben; Chen reports to Ann. 王芳 (U0MGR2) manages 李伟."""
    db = rhythm.db
    import_accounts(db, ACCOUNTS)
    plans = PlanRepository(db)
    acme = plans.open_for_edit("U0AM01", "ACME").plan
    plans.apply(acme.id, "U0AM01", "goals.opportunities", "answer", raw_text="…", value=OPPORTUNITIES)
    initech = plans.open_for_edit("U0AM02", "Initech").plan
    approved, _ = plans.set_status(initech.id, "U0MGR1", "approved")
    assert approved is not None
    add = rhythm.service.add_milestone
    ids = {
        "done_last_week": add(account="ACME", owner="U0AM01", due=date(2027, 3, 3), title="Send proposal").id,
        "due_this_week": add(account="ACME", owner="U0SE01", due=date(2027, 3, 10), title="Pilot review").id,
        "overdue": add(account="Initech", owner="U0AM02", due=date(2027, 3, 5), title="Call CFO").id,
        "other_team": add(account="Hooli", owner="U0AM03", due=date(2027, 3, 9), title="续约方案").id,
        "later": add(account="ACME", owner="U0AM01", due=date(2027, 3, 20), title="QBR").id,
        "done_before": add(account="ACME", owner="U0AM01", due=date(2027, 2, 19), title="Kick-off").id,
    }
    clock.now = at("2027-03-04T10:00:00Z")
    rhythm.service.mark_done(ids["done_last_week"], "U0AM01")
    clock.now = at("2027-02-20T10:00:00Z")
    rhythm.service.mark_done(ids["done_before"], "U0AM01")
    escalations = EscalationStore(db)
    waiting = escalations.record(
        requested_by="U0AM02", deal_label="Initech WAN at 85", decision={"decision": "escalate_to_management"}
    )
    decided = escalations.record(requested_by="U0AM01", deal_label="ACME voice")
    rhythm.service.decide_escalation(decided.id, "U0MGR1", approve=True)
    escalations.record(requested_by="U0AM03", deal_label="Hooli 专线")
    return {"milestones": ids, "waiting": waiting.id, "acme": acme.id, "initech": initech.id, "plans": plans}


def build(rhythm, manager: str, language=None):
    with rhythm.db.session() as session:
        return DigestBuilder(session, rhythm.config, rhythm.wording).build(manager, at(NOW), language)


def test_digest_for_a_manager_field_by_field(seeded, rhythm) -> None:
    digest = build(rhythm, "U0MGR1")
    data = digest.model_dump(mode="json")
    assert data["manager"] == "U0MGR1" and data["week"] == "2027-W10" and data["language"] == "en"
    assert data["team"] == ["U0AM01", "U0AM02", "U0SE01"]  # Chen reports to Ann: indirectly to Diego
    acme_percent = seeded["plans"].load(seeded["acme"]).completeness.percent()
    initech_percent = seeded["plans"].load(seeded["initech"]).completeness.percent()
    assert [(p["account"], p["owner"], p["status"], p["percent"]) for p in data["plans"]] == [
        ("ACME", "U0AM01", "draft", acme_percent),
        ("Initech", "U0AM02", "approved", initech_percent),
    ]
    ids = seeded["milestones"]
    milestones = data["milestones"]
    assert [m["id"] for m in milestones["done_last_week"]] == [ids["done_last_week"]]
    assert [m["id"] for m in milestones["due_this_week"]] == [ids["due_this_week"]]
    assert [m["id"] for m in milestones["overdue"]] == [ids["overdue"]]
    overdue = milestones["overdue"][0]
    assert overdue == {
        "id": ids["overdue"],
        "account": "Initech",
        "owner": "U0AM02",
        "title": "Call CFO",
        "due": "2027-03-05",
        "kind": "ad_hoc",
        "state": "open",
        "snoozed_until": None,
        "source": "ad_hoc",
        "plan_id": None,
        "done_at": None,
        "done_by": None,
    }
    assert [(e["id"], e["requested_by"], e["deal"]) for e in data["escalations"]] == [
        (seeded["waiting"], "U0AM02", "Initech WAN at 85")
    ]
    assert data["accounts_without_approved_plan"] == [
        {
            "account": "ACME",
            "owner": "U0AM01",
            "tier": "key",
            "plan_status": "draft",
            "percent": acme_percent,
        },
        {"account": "Umbrella", "owner": "U0AM02", "tier": "important", "plan_status": None, "percent": None},
    ]
    assert data["top_opportunities"] == [
        {
            "account": "ACME",
            "name": "SD-WAN",
            "kind": "cross_sell",
            "quadrant": "act_now",
            "expected_value": 360000.0,
        }
    ]
    assert data["tiers"] == [
        {"tier": "key", "approved": 1, "in_progress": 1, "no_plan": 0},
        {"tier": "important", "approved": 0, "in_progress": 0, "no_plan": 1},
        {"tier": "standard", "approved": 0, "in_progress": 0, "no_plan": 1},
    ]
    text = digest_markdown(digest, rhythm.wording)
    assert text.startswith("# Weekly digest for Diego Alvarez, week 2027-W10\n\nYour team: 3 people\n")
    assert f"| ACME | Ann Lee | draft | {acme_percent}% |" in text
    assert "- Fri, Mar 5: Call CFO, Initech (Ben Okafor)" in text
    assert f"- #{seeded['waiting']} Initech WAN at 85, raised by Ben Okafor on " in text
    assert "- Umbrella (important account, Ben Okafor): no plan yet" in text
    assert "- SD-WAN (ACME): expected value 360,000" in text


def test_digest_in_chinese(seeded, rhythm) -> None:
    digest = build(rhythm, "U0MGR2")  # 王芳 reads Chinese (people.language)
    data = digest.model_dump(mode="json")
    assert (data["manager"], data["week"], data["team"], data["language"]) == (
        "U0MGR2",
        "2027-W10",
        ["U0AM03"],
        "zh",
    )
    assert data["plans"] == [] and data["top_opportunities"] == []
    assert [m["title"] for m in data["milestones"]["due_this_week"]] == ["续约方案"]
    assert data["milestones"]["overdue"] == [] and data["milestones"]["done_last_week"] == []
    assert [e["deal"] for e in data["escalations"]] == ["Hooli 专线"]
    assert data["accounts_without_approved_plan"] == [
        {"account": "Hooli", "owner": "U0AM03", "tier": "important", "plan_status": None, "percent": None}
    ]
    text = digest_markdown(digest, rhythm.wording)
    assert text.startswith("# 王芳的每周摘要（2027-W10）\n\n你的团队：1人\n")
    assert "- 3月9日周二：续约方案，Hooli（李伟）" in text
    assert "- Hooli（重要客户，李伟）：还没有计划" in text
    english = build(rhythm, "U0MGR2", "en")  # --lang en
    assert digest_markdown(english, rhythm.wording).startswith("# Weekly digest for 王芳, week 2027-W10")
    assert build(rhythm, "U0MGR1", "zh").top_opportunities[0].expected_value == 360000.0


@pytest.mark.parametrize("database_kind", ["sqlite"], indirect=True)  # rendering: the same on any database
def test_digest_blocks_and_chart(seeded, rhythm) -> None:
    digest = build(rhythm, "U0MGR1")
    blocks = digest_blocks(digest, rhythm.wording)
    assert blocks[0] == {
        "type": "header",
        "text": {"type": "plain_text", "text": "Weekly digest for Diego Alvarez, week 2027-W10"},
    }
    buttons = [e for b in blocks if b["type"] == "actions" for e in b["elements"]]
    assert [(b["action_id"], b["value"]) for b in buttons] == [
        (APPROVE, str(seeded["waiting"])),
        (REJECT, str(seeded["waiting"])),
    ]
    assert len(blocks) <= 50
    png = tier_pyramid_png(digest, rhythm.wording)
    assert png.startswith(b"\x89PNG\r\n\x1a\n") and len(png) > 2000


def test_the_weekly_run_sends_each_managers_digest_once_at_their_monday_nine(seeded, make_rhythm) -> None:
    rhythm = make_rhythm()
    run = rhythm.digests.run
    sent = rhythm.delivery.digests
    # 08:59 on Monday in Shanghai and 00:59 in London: not yet. Still Sunday in New York, where this week's
    # (2027-W09) digest was due last Monday: a run late in the week still sends it.
    assert run(at("2027-03-08T00:59:00Z")).sent == [("U0MGR1", "2027-W09")]
    assert sorted(run(at("2027-03-08T01:00:00Z")).sent) == [("U0AM01", "2027-W10"), ("U0MGR2", "2027-W10")]
    assert run(at("2027-03-08T01:05:00Z")).sent == []
    assert sorted(run(at("2027-03-08T14:00:00Z")).sent) == [("U0HEAD", "2027-W10"), ("U0MGR1", "2027-W10")]
    # Down from Monday evening to Wednesday: nothing new this week; next Monday each gets the next one.
    assert run(at("2027-03-10T12:00:00Z")).sent == []
    assert len(run(at("2027-03-15T14:00:00Z")).sent) == 4
    assert [d.week for d in sent if d.manager == "U0MGR1"] == ["2027-W09", "2027-W10", "2027-W11"]
