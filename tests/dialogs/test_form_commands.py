"""One vocabulary, one behaviour: each command word walked through each form, in English and in Chinese.

help, status and why answer and ask the same question again; back returns to the question answered
before; skip passes an optional question (keeps the answer of an answered one, finishes a table) or says
a required one cannot be skipped; stop ends the form keeping its answers; resume brings it back at the
same question.
"""

from __future__ import annotations

import pytest
import yaml

from tests.conftest import REPO

WORDS = {
    "en": {"help": "help", "status": "status", "why": "why", "back": "back", "skip": "skip", "stop": "stop",
           "resume": "resume", "help_text": "While I ask", "why_text": "Why"},
    "zh": {"help": "帮助", "status": "状态", "why": "为什么", "back": "上一步", "skip": "跳过",
           "stop": "取消", "resume": "继续", "help_text": "我提问时", "why_text": "为什么"},
}  # fmt: skip

# form: {language: (start, first answer)}; after the first answer "back" returns to the first question
# (a table stays on itself: rows are added to it until "done").
FORMS = {
    "pricing": {"en": ("price a deal", "ACME"), "zh": ("帮我报价", "华为")},
    "plan": {"en": ("start a plan for Zeta", "Banking"), "zh": ("给泽塔做个客户计划", "银行")},
    "prioritise": {
        "en": ("Which opportunities first?", "A, cross_sell, 10万, 60%"),
        "zh": ("我们该优先做哪些机会?", "甲, 交叉销售, 10万, 60%"),
    },
    "tiers": {
        "en": ("tier my accounts", "ACME | 450k | 120k"),
        "zh": ("给我的客户分级", "华为 | 45万 | 12万"),
    },
    "skills": {
        "en": ("find my skill gaps", "negotiate price | 5 | 2"),
        "zh": ("帮我找出技能差距", "谈判 | 5 | 2"),
    },
    "coverage": {"en": ("check my sales coverage", "1"), "zh": ("帮我检查销售覆盖", "1")},
    "cadence": {"en": ("plan my review dates", "key"), "zh": ("帮我安排审核日程", "关键客户")},
}


def test_no_command_word_means_two_things():
    data = yaml.safe_load((REPO / "prompts" / "commands.yaml").read_text(encoding="utf-8"))
    seen: dict[str, str] = {}
    for language in ("en", "zh"):
        for command, words in data[language].items():
            for word in words:
                key = str(word).casefold()
                assert seen.setdefault(key, command) == command, f"{word!r} is both {seen[key]} and {command}"


@pytest.mark.parametrize("language", ["en", "zh"])
@pytest.mark.parametrize("form", list(FORMS))
def test_every_command_does_the_same_in_every_form(say, form: str, language: str):
    words = WORDS[language]
    start, first_answer = FORMS[form][language]
    opened = say(start)
    assert opened.dialog == form and opened.intent == form and opened.language == language, opened.text
    first = opened.ask.slot
    answered = say(first_answer)
    assert answered.dialog == form, answered.text
    current = answered.ask.slot

    for command in ("help", "status", "why"):
        reply = say(words[command])
        assert reply.dialog == form and reply.ask.slot == current, (command, reply.text)
        assert reply.language == language
    assert words["help_text"] in say(words["help"]).text
    assert words["why_text"] in say(words["why"]).text

    stopped = say(words["stop"])
    assert stopped.dialog is None and stopped.ask is None and stopped.language == language
    resumed = say(words["resume"])
    assert resumed.dialog == form and resumed.ask.slot == current, resumed.text

    table = answered.ask.kind == "table"
    back = say(words["back"])
    assert back.dialog == form and back.ask.slot == first, back.text  # a table stays on itself
    kept = say(words["skip"])
    if table:  # a table with rows is finished by "skip" (as by "done"): the form gives its result
        assert kept.dialog is None and kept.tables, kept.text
        return
    assert kept.dialog == form and kept.ask.slot == current, kept.text  # the earlier answer is kept
    skipped = say(words["skip"])
    if kept.ask.optional:
        assert skipped.ask is None or skipped.ask.slot != current
    else:
        assert skipped.ask.slot == current and ("required" in skipped.text or "必填" in skipped.text)
