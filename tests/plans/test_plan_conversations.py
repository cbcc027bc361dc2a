"""Scripted conversations through the real Coach, in English and in Chinese, drafting a full plan.

Each conversation includes a correction, a skip, a side question (answered from the knowledge base, then
the plan question again), an unreadable date asked again with the reason, and a stop later resumed. After
every answer the database already holds it and the question the form waits on (both committed with the
turn); at the end the stored plan holds every answer. Runs on SQLite and on PostgreSQL.
"""

from __future__ import annotations

from datetime import date

import pytest
from sqlalchemy import select

from bot.coach.turn import Turn
from bot.plans.model import CATALOGUE, get_value, is_filled
from bot.store.models import PlanAnswer

USER = "U0AM01"
SAME = object()  # the same question is asked again
CLOSED = object()  # the dialog is closed after this turn


def run_script(coach, plans, steps, user=USER):
    """Send each text; check the field asked next (or SAME / CLOSED) and optional snippets of the reply."""
    asked = None
    replies = []
    for number, step in enumerate(steps, 1):
        text, expected, *snippets = step
        reply = coach.handle(Turn(text=text, user_id=user))
        replies.append(reply)
        where = f"step {number} {text!r}:\n{reply.text}"
        assert reply.intent == "plan", where
        if expected is CLOSED:
            assert reply.dialog is None, where
        else:
            assert reply.dialog == "plan", where
            field = reply.ask.slot if reply.ask else None
            assert field == (asked if expected is SAME else expected), where
            asked = field
            # committed with the turn: a fresh read of the store shows where the form is
            assert coach.open_form(Turn(text="", user_id=user)).position == field, where
            assert reply.plan is not None and plans.load(reply.plan.id).status == reply.plan.status
        for snippet in snippets:
            assert snippet in reply.text, f"{snippet!r} missing at {where}"
    return replies


EN_SCRIPT = [
    ("start a plan for ACME", "customer.industry", "Let's draft the account plan for ACME"),
    ("Banking", "customer.segment_size", "Noted Industry: Banking."),
    ("large", "customer.segment_type"),
    ("1", "customer.employees", "technically complex"),
    ("skip", "customer.current_sales", "Skipped Employees."),
    ("Data transmission | 1.2m", "customer.current_sales", "Data transmission | 1,200,000"),
    ("Managed WAN | 400k", "customer.current_sales", "Rows so far (2)"),
    ("done", "customer.profitability"),
    ("18", SAME, "I could not read “18” as a percentage: a number above 1 is not a share", "18%"),
    ("18%", "customer.decision_makers"),
    ("How do I find out who really makes the buying decision?", SAME, "back to my question"),
    ("Li Wei (CIO), Sarah Chen (CFO)", "customer.decision_level"),
    ("headquarters", "customer.decision_process"),
    ("Annual tender in Q3; committee signs above 1m", "customer.key_purchase_factors"),
    ("skip", SAME, "is required, so it cannot be skipped"),
    ("network reliability, fast fault repair, one point of contact", "customer.trends"),
    ("move to cloud, branch closures", "value.profit_contribution"),
    ("change industry", "customer.industry", "Let’s redo Industry.", "Now: Banking"),
    ("Retail banking", "value.profit_contribution", "Changed Industry from Banking to Retail banking."),
    ("450k", "value.cost_to_serve"),
    ("120k", "value.learning_value"),
    ("50k", "value.skill_value"),
    ("skip", "value.referral_value"),
    ("80k", "value.other_intangible_value"),
    ("skip", "value.potential_value"),
    ("1.5m", "goals.opportunities"),
    ("why", SAME, "Why I ask for Top opportunities", "seed chunks 12, 13"),
    ("SD-WAN for 200 branches | cross-sell | 600k | 60%", "goals.opportunities"),
    ("Cloud backup | increase usage | 250k | 80%", "goals.opportunities"),
    ("Core network refresh | price mix | 1.2m | 30%", "goals.opportunities"),
    ("done", "goals.risks"),
    ("competitor bid at renewal, CIO retiring", "goals.targets_by_product"),
    ("Data transmission | 1.5m", "goals.targets_by_product"),
    ("Managed WAN | 600k", "goals.targets_by_product"),
    ("done", "value_proposition.target_customers"),
    ("IT operations of the retail bank, 200 branches", "value_proposition.price_position"),
    ("premium", "value_proposition.advantage"),
    ("One accountable partner with 99.99% uptime and a 4-hour fix", "strategy.call_plan"),
    ("stop", CLOSED, "Stopped the account plan. Your answers are kept"),
    ("resume my plan", "strategy.call_plan", "Back to the plan for ACME"),
    ("CIO quarterly on the roadmap; IT ops monthly on service", "strategy.visit_frequency"),
    ("monthly", "strategy.team"),
    ("me | account manager", "strategy.team"),
    ("@U0SE01 | solutions engineer", "strategy.team", "U0SE01 | solutions engineer"),
    ("done", "strategy.measures"),
    ("revenue vs target, share of wallet, NPS of IT ops", "strategy.milestones"),
    ("pilot signed, 50 branches live, renewal won", "communication.rows"),
    ("CIO | quarterly business review | quarterly | me", "communication.rows"),
    ("done", "implementation.activities"),
    (
        "Run SD-WAN pilot in 5 branches | me | someday soon | yes",
        SAME,
        "the due date “someday soon” could not",
    ),
    ("Run SD-WAN pilot in 5 branches | me | end of March | yes", "implementation.activities"),
    ("Renewal proposal | Li Wei | next Friday | no", "implementation.activities"),
    ("done", "review.start_date"),
    ("whenever suits", SAME, "as a date: it is not a date I understand"),
    ("2027-01-04", None, "Every question is answered", "Review schedule"),
    ("submit", CLOSED, "submitted for review"),
]

ZH_SCRIPT = [
    ("给华为做个客户计划", "customer.industry", "我们来起草华为的客户计划"),
    ("通信", "customer.segment_size", "已记下行业：通信。"),
    ("大型企业", "customer.segment_type"),
    ("服务响应型", "customer.employees"),
    ("跳过", "customer.current_sales", "已跳过员工人数。"),
    ("数据传输 | 120万", "customer.current_sales"),
    ("云专线 | 80万", "customer.current_sales"),
    ("完成", "customer.profitability"),
    ("挺高的", SAME, "“挺高的”无法读作百分比"),
    ("20%", "customer.decision_makers"),
    ("王总(CIO)、李总(CFO)、采购委员会", "customer.decision_level"),
    ("总部", "customer.decision_process"),
    ("跳过", "customer.key_purchase_factors"),
    ("关键客户的采购因素一般有哪些？", SAME, "回到我的问题"),
    ("网络可靠性、故障快速修复、单一联系人", "customer.trends"),
    ("上云、网点收缩", "value.profit_contribution"),
    ("380万", "value.cost_to_serve"),
    ("把行业改成通信设备", "value.cost_to_serve", "已把行业从通信改为通信设备。"),
    ("90万", "value.learning_value"),
    ("20万", "value.skill_value"),
    ("10万", "value.referral_value"),
    ("50万", "value.other_intangible_value"),
    ("跳过", "value.potential_value"),
    ("600万", "goals.opportunities"),
    ("为什么", SAME, "为什么问最佳机会"),
    ("200个网点的SD-WAN | 交叉销售 | 60万 | 60%", "goals.opportunities"),
    ("云备份 | 提高使用率 | 25万 | 80%", "goals.opportunities"),
    ("核心网改造 | 提价 | 120万 | 30%", "goals.opportunities"),
    ("完成", "goals.risks"),
    ("续约时竞争对手低价投标、CIO即将退休", "goals.targets_by_product"),
    ("数据传输 | 150万", "goals.targets_by_product"),
    ("完成", "value_proposition.target_customers"),
    ("零售银行的IT运维部门", "value_proposition.price_position"),
    ("2", "value_proposition.advantage", "持平"),
    ("一个负责到底的伙伴,99.99%可用率", "strategy.call_plan"),
    ("停止", CLOSED, "已停止客户计划。你的回答都保存着"),
    ("继续我的计划", "strategy.call_plan", "回到华为的客户计划"),
    ("每季度与CIO谈规划;每月与IT运维谈服务", "strategy.visit_frequency"),
    ("每两周", "strategy.team"),
    ("我 | 客户经理", "strategy.team"),
    ("完成", "strategy.measures"),
    ("收入达成率、钱包份额", "strategy.milestones"),
    ("跳过", "communication.rows"),
    ("CIO | 季度业务回顾会 | 每季度 | 我", "communication.rows"),
    ("完成", "implementation.activities"),
    ("试点SD-WAN | 我 | 过几天吧 | 是", SAME, "截止日期“过几天吧”读不出来"),
    ("试点SD-WAN | 我 | 3月底 | 是", "implementation.activities"),
    ("续约方案 | 李伟 | 下周五 | 否", "implementation.activities"),
    ("完成", "review.start_date"),
    ("2027年1月4日", None, "所有问题都已回答", "审核日程"),
    ("状态", None, "华为的计划：已完成"),
    ("停止", CLOSED),
]


def _answers(db, plan_id):
    with db.session() as session:
        return session.scalars(
            select(PlanAnswer).where(PlanAnswer.plan_id == plan_id).order_by(PlanAnswer.id)
        ).all()


def test_english_conversation_drafts_a_full_plan(wired_coach, plans, db) -> None:
    replies = run_script(wired_coach, plans, EN_SCRIPT)
    plan_id = replies[0].plan.id
    record = plans.load(plan_id)
    plan = record.plan
    assert record.status == "in_review"
    required = [spec.path for spec in CATALOGUE if spec.required]
    assert all(is_filled(plan, path) for path in required)
    assert plan.customer.name == "ACME"
    assert plan.customer.industry == "Retail banking"  # the correction
    assert plan.customer.segment_size == "large_org" and plan.customer.segment_type == "technically_complex"
    assert plan.customer.employees is None and "customer.employees" in plan.skipped
    assert [(s.product, s.annual_sales) for s in plan.customer.current_sales] == [
        ("Data transmission", 1_200_000),
        ("Managed WAN", 400_000),
    ]
    assert plan.customer.profitability == pytest.approx(0.18)
    assert plan.customer.decision_makers == ["Li Wei (CIO)", "Sarah Chen (CFO)"]
    assert plan.value.profit_contribution == 450_000 and plan.value.cost_to_serve == 120_000
    assert plan.value.skill_value is None and plan.value.referral_value == 80_000
    assert plan.value.tier == "key"  # the only account with value: it holds all of it
    assert [r.name for r in plan.goals.ranked_opportunities] == [
        "SD-WAN for 200 branches",
        "Core network refresh",
        "Cloud backup",
    ]
    assert plan.value_proposition.price_position == "premium"
    assert plan.strategy.visit_frequency == "monthly"
    assert [(m.person.id, m.role) for m in plan.strategy.team] == [
        (USER, "account manager"),
        ("U0SE01", "solutions engineer"),
    ]
    activities = plan.implementation.activities
    assert [(a.due, a.milestone) for a in activities] == [
        (date(2027, 3, 31), True),
        (date(2026, 12, 4), False),
    ]
    assert plan.review.start_date == date(2027, 1, 4)
    assert plan.review.schedule and plan.review.schedule[0].kind == "plan_checkpoint"
    # the audit trail holds every answer as typed, by whom
    rows = _answers(db, plan_id)
    typed = {row.raw_text for row in rows}
    for text, *_ in EN_SCRIPT:
        if text in ("Banking", "Retail banking", "450k", "Managed WAN | 400k", "2027-01-04", "monthly"):
            assert text in typed
    assert {row.answered_by for row in rows} == {USER, "crm-import"}
    assert {row.action for row in rows} >= {"answer", "add_row", "skip", "import"}
    assert not any(row.raw_text in ("18", "someday soon", "whenever suits") for row in rows)


def test_chinese_conversation_drafts_a_full_plan(wired_coach, plans, db) -> None:
    replies = run_script(wired_coach, plans, ZH_SCRIPT, user="U0AM03")
    assert all(reply.language == "zh" for reply in replies)
    plan_id = replies[0].plan.id
    record = plans.load(plan_id)
    plan = record.plan
    assert record.status == "draft"
    assert all(is_filled(plan, spec.path) for spec in CATALOGUE if spec.required)
    assert plan.customer.name == "华为"
    assert plan.customer.industry == "通信设备"
    assert plan.customer.segment_type == "service_responsive"
    assert plan.customer.profitability == pytest.approx(0.2)
    assert plan.customer.decision_makers == ["王总(CIO)", "李总(CFO)", "采购委员会"]
    assert plan.value.profit_contribution == 3_800_000 and plan.value.potential_value == 6_000_000
    assert [o.kind for o in plan.goals.opportunities] == ["cross_sell", "increase_usage", "price_mix"]
    assert plan.value_proposition.price_position == "parity"
    assert plan.strategy.visit_frequency == "fortnightly"
    assert plan.strategy.milestones == [] and "strategy.milestones" in plan.skipped
    assert [a.due for a in plan.implementation.activities] == [date(2027, 3, 31), date(2026, 12, 4)]
    assert plan.implementation.activities[1].owner.name == "李伟"
    assert plan.review.start_date == date(2027, 1, 4)
    assert get_value(plan, "strategy.team")[0].person.id == "U0AM03"
    typed = {row.raw_text for row in _answers(db, plan_id)}
    assert {"通信", "通信设备", "380万", "试点SD-WAN | 我 | 3月底 | 是", "2027年1月4日"} <= typed


def test_show_my_plans_lists_each_draft_with_completeness(wired_coach, plans) -> None:
    wired_coach.handle(Turn(text="start a plan for ACME", user_id=USER))
    wired_coach.handle(Turn(text="Banking", user_id=USER))
    reply = wired_coach.handle(Turn(text="start a plan for Globex", user_id=USER))  # switches; ACME stays
    assert reply.plan.account == "Globex" and reply.ask.slot == "customer.industry"
    wired_coach.handle(Turn(text="stop", user_id=USER))
    reply = wired_coach.handle(Turn(text="show my plans", user_id=USER))
    assert "ACME: draft, 6% complete" in reply.text and "Globex: draft, 3% complete" in reply.text
    assert reply.dialog is None
    # one draft per account: starting ACME again resumes it, at the first question not yet answered
    reply = wired_coach.handle(Turn(text="start a plan for acme", user_id=USER))
    assert reply.ask.slot == "customer.segment_size" and "Back to the plan for ACME" in reply.text
    assert len(plans.drafts_of(USER)) == 2


def test_back_and_change_with_a_value(wired_coach, plans) -> None:
    run_script(
        wired_coach,
        plans,
        [
            ("start a plan for Initech", "customer.industry"),
            ("Software", "customer.segment_size"),
            ("back", "customer.industry", "Back to Industry", "Now: Software"),
            ("SaaS", "customer.segment_size", "Changed Industry from Software to SaaS"),
            ("back", "customer.industry"),
            ("skip", "customer.segment_size"),
            ("change industry to Enterprise software", "customer.segment_size", "Changed Industry from SaaS"),
            ("change flux capacitor", SAME, "I don’t know a question called “flux capacitor”"),
            ("7", SAME, "it is not one of the options"),
            ("status", SAME, "Plan for Initech:", "Still required:"),
            ("help", SAME, "change <item>"),
        ],
    )


def test_a_user_who_is_not_on_the_team_cannot_open_the_plan(wired_coach, plans) -> None:
    wired_coach.handle(Turn(text="start a plan for ACME", user_id=USER))
    reply = wired_coach.handle(Turn(text="start a plan for ACME", user_id="UOUTSIDER"))
    assert reply.dialog is None
    assert "You can't edit the plan for ACME" in reply.text


def test_team_mates_draft_the_same_plan_without_crossing_answers(wired_coach, plans, db) -> None:
    from bot.plans.directory import add_team_member

    ann, ben = USER, "U0AM02"
    wired_coach.handle(Turn(text="start a plan for ACME", user_id=ann))
    assert add_team_member(db, "ACME", ben, "solutions engineer")
    reply = wired_coach.handle(Turn(text="Banking", user_id=ann))
    assert reply.ask.slot == "customer.segment_size"  # Ann was asked the size segment
    reply = wired_coach.handle(Turn(text="start a plan for ACME", user_id=ben))  # the same plan, resumed
    assert reply.plan.id == plans.drafts_of(ann)[0].id and reply.ask.slot == "customer.segment_size"
    wired_coach.handle(Turn(text="2", user_id=ben))
    reply = wired_coach.handle(Turn(text="general", user_id=ben))
    assert reply.ask.slot == "customer.employees"
    # Ann's answer is to the question she saw, not to the one the plan has moved on to
    reply = wired_coach.handle(Turn(text="1", user_id=ann))
    plan = plans.drafts_of(ann)[0].plan
    assert plan.customer.segment_size == "large_org" and plan.customer.segment_type == "general"
    assert plan.customer.employees is None
    assert reply.ask.slot == "customer.employees"
