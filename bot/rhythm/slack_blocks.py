"""Block Kit for reminders and digests (plain dicts; sent by ``bot.rhythm.slack_delivery``).

Stable action ids, for the Slack app's action listeners (each button's ``value`` is the id it acts on):

- ``rhythm.milestone_done``: mark milestone ``value`` done (``RhythmService.mark_done``);
- ``rhythm.milestone_snooze_week``: snooze milestone ``value`` for seven days (``RhythmService.snooze``);
- ``rhythm.plan_open``: open plan ``value`` (a link button when ``KAM_PLAN_URL`` is set);
- ``rhythm.escalation_approve`` / ``rhythm.escalation_reject``: decide escalation ``value``
  (``RhythmService.decide_escalation``).
"""

from __future__ import annotations

from typing import Any

from bot.rhythm.digest import Digest
from bot.rhythm.digest_render import DigestText
from bot.rhythm.models import ReminderMessage
from bot.rhythm.wording import RhythmWording

DONE = "rhythm.milestone_done"
SNOOZE_WEEK = "rhythm.milestone_snooze_week"
OPEN_PLAN = "rhythm.plan_open"
APPROVE = "rhythm.escalation_approve"
REJECT = "rhythm.escalation_reject"
SECTION_MAX = 3000
LIST_MAX = 15
ESCALATIONS_MAX = 10

Block = dict[str, Any]


def _text(text: str) -> dict[str, str]:
    return {"type": "mrkdwn", "text": text[:SECTION_MAX]}


def _button(label: str, action_id: str, value: str, **extra: Any) -> Block:
    return {
        "type": "button",
        "text": {"type": "plain_text", "text": label[:75]},
        "action_id": action_id,
        "value": value,
        **extra,
    }


def reminder_blocks(message: ReminderMessage, wording: RhythmWording) -> list[Block]:
    say = lambda key: wording.phrase(f"reminder.{key}", message.language)  # noqa: E731
    buttons = [  # the manager's overdue notice has them too: managers may close or snooze their team's
        _button(say("done"), DONE, str(message.milestone_id), style="primary"),
        _button(say("snooze"), SNOOZE_WEEK, str(message.milestone_id)),
    ]
    if message.plan_id is not None:
        extra = {"url": message.plan_link} if message.plan_link.startswith(("http://", "https://")) else {}
        buttons.append(_button(say("open_plan"), OPEN_PLAN, str(message.plan_id), **extra))
    return [
        {
            "type": "section",
            "block_id": f"rhythm_reminder_{message.milestone_id}",
            "text": _text(message.text),
        },
        {"type": "actions", "block_id": f"rhythm_actions_{message.milestone_id}", "elements": buttons},
    ]


def _list_section(heading: str, lines: list[str], text: DigestText) -> Block:
    shown = lines[:LIST_MAX]
    body = "\n".join(f"• {line}" for line in shown) if shown else f"• {text.say('none')}"
    if len(lines) > LIST_MAX:
        body += "\n" + text.say("more", count=len(lines) - LIST_MAX)
    return {"type": "section", "text": _text(f"*{heading}*\n{body}")}


def digest_blocks(digest: Digest, wording: RhythmWording) -> list[Block]:
    text = DigestText(digest, wording)
    plan_lines = [
        text.say("plan_line", account=row[0], owner=row[1], status=row[2], percent=row[3])
        for row in (text.plan_row(i) for i in range(len(digest.plans)))
    ]
    blocks: list[Block] = [
        {"type": "header", "text": {"type": "plain_text", "text": text.title()[:150]}},
        {"type": "context", "elements": [_text(text.team())]},
        _list_section(text.say("plans"), plan_lines, text),
        {"type": "divider"},
    ]
    blocks += [_list_section(heading, lines, text) for heading, lines in text.milestone_groups()]
    blocks.append({"type": "divider"})
    escalations = text.escalations()
    blocks.append(_list_section(text.say("escalations"), escalations, text))
    for item in digest.escalations[:ESCALATIONS_MAX]:
        blocks.append(
            {
                "type": "actions",
                "block_id": f"rhythm_escalation_{item.id}",
                "elements": [
                    _button(f"{text.say('approve')} #{item.id}", APPROVE, str(item.id), style="primary"),
                    _button(f"{text.say('reject')} #{item.id}", REJECT, str(item.id), style="danger"),
                ],
            }
        )
    gaps = [text.gap(gap) for gap in digest.accounts_without_approved_plan]
    blocks.append(_list_section(text.say("gaps"), gaps, text))
    blocks.append(_list_section(text.say("opportunities"), text.opportunities(), text))
    return blocks
