"""Adding a form is a declaration: slots, a wording file, and what to do when nothing is needed. This one
(a meeting brief, in well under 100 lines with its wording) gets everything else from the engine: one
question at a time, re-asking what it cannot read, corrections, back, status, stop and resume."""

from __future__ import annotations

import shutil
from typing import ClassVar

import pytest

from bot.coach.forms.form import Form, Session
from bot.coach.forms.slots import Slot
from bot.coach.reply import Table
from bot.coach.turn import Turn
from kam_rules.formatting import format_amount

WORDING = """
en:
  name: meeting brief
  slots:
    customer: {label: customer, question: "Which customer are you meeting?", aliases: [account]}
    day: {label: date, question: "When is the meeting?", example: "next Friday"}
    budget: {label: budget, question: "What budget is on the table?", example: "1.2m"}
  done: "Brief for {customer}: meeting on {day}, budget {budget}."
zh:
  name: 会议简报
  slots:
    customer: {label: 客户, question: "你要见哪个客户？", aliases: [客户名称]}
    day: {label: 日期, question: "会议在哪天？", example: "下周五"}
    budget: {label: 预算, question: "预算有多少？", example: "120万"}
  done: "{customer}简报：会议日期{day}，预算{budget}。"
"""


class MeetingBrief(Form):
    kind: ClassVar[str] = "brief"
    intent = "question"
    wording_file = "brief.yaml"

    def __init__(self) -> None:
        super().__init__(
            [Slot("customer", "text"), Slot("day", "date"), Slot("budget", "money", required=False)]
        )

    def claims(self, s: Session, text: str) -> bool:
        return text.lower().startswith(("brief me", "会议简报"))

    def complete(self, s: Session) -> None:
        values = s.values()
        budget = format_amount(values["budget"], s.language) if values.get("budget") else "-"
        s.lines.append(s.word("done", customer=values["customer"], day=values["day"], budget=budget))
        s.tables.append(Table(columns=["customer", "day"], rows=[[values["customer"], values["day"]]]))
        s.closed = True


@pytest.fixture
def brief(tmp_path, settings, index, dialog_settings):
    from bot.app import assemble_coach
    from bot.store import open_database

    prompts = tmp_path / "prompts"
    shutil.copytree(settings.prompts_dir, prompts)
    (prompts / "brief.yaml").write_text(WORDING, encoding="utf-8")
    coach = assemble_coach(dialog_settings.model_copy(update={"prompts_dir": prompts}), index=index,
                           db=open_database(dialog_settings))  # fmt: skip
    coach.add_form(MeetingBrief())
    return lambda text: coach.handle(Turn(text=text, user_id="u1"))


def test_a_new_form_gets_the_engine_for_free(brief):
    assert brief("brief me for a meeting").ask.slot == "customer"
    assert brief("ACME").ask.slot == "day"
    again = brief("someday")
    assert again.ask.slot == "day" and "not a date I understand" in again.text
    assert brief("2027-03-10").ask.slot == "budget"
    assert brief("back").ask.slot == "day"
    assert "Changed customer from ACME to ACME Bank" in brief("change account to ACME Bank").text
    assert brief("status").ask is not None
    assert brief("stop").dialog is None
    assert brief("resume").dialog == "brief"
    done = brief("skip")
    assert done.text.endswith("Brief for ACME Bank: meeting on 2027-03-10, budget -.")
    assert done.tables[0].rows == [["ACME Bank", "2027-03-10"]]


def test_and_speaks_chinese(brief):
    assert brief("会议简报").language == "zh"
    brief("华为")
    brief("2027-03-10")
    assert brief("120万").text.endswith("华为简报：会议日期2027-03-10，预算120万。")
