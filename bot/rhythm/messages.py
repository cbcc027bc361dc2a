"""A reminder's words: what is due, when, and where the plan is, in the recipient's language."""

from __future__ import annotations

from datetime import datetime
from urllib.parse import quote

from bot.rhythm.config import RhythmConfig
from bot.rhythm.models import Language, ReminderMessage
from bot.rhythm.wording import RhythmWording
from bot.store.rhythm_store import ClaimedReminder
from bot.timing import OVERDUE_MANAGER, local_today


def plan_link(
    config: RhythmConfig, wording: RhythmWording, plan_id: int | None, account: str, language: Language
) -> str:
    if config.plan_url and plan_id is not None:
        return config.plan_url.format(plan_id=plan_id, account=quote(account))
    return wording.phrase("reminder.plan_command", language, account=account)


def compose_reminder(
    claimed: ClaimedReminder, recipient: str, now: datetime, config: RhythmConfig, wording: RhythmWording
) -> ReminderMessage:
    row, milestone = claimed.delivery, claimed.milestone
    person = claimed.manager if row.kind == OVERDUE_MANAGER else claimed.owner
    language = config.language_of(person)
    owner_tz = config.zone_of(claimed.owner)
    left = (milestone.due_date - local_today(now, owner_tz)).days
    title = wording.milestone_title(milestone.kind, milestone.title, language)
    values = {
        "title": title,
        "account": claimed.account_name,
        "date": wording.date(milestone.due_date, language),
        "span": wording.days(abs(left), language),
        "owner": claimed.owner.name if claimed.owner else milestone.owner_id,
    }
    if row.kind == OVERDUE_MANAGER:
        key = "manager_overdue"
    elif left > 1:
        key = "due_in"
    elif left == 1:
        key = "due_tomorrow"
    elif left == 0:
        key = "due_today"
    else:
        key = "overdue"
    link = plan_link(config, wording, milestone.plan_id, claimed.account_name, language)
    text = wording.phrase(f"reminder.{key}", language, **values)
    text = f"{text}\n{wording.phrase('reminder.plan_line', language, link=link)}"
    return ReminderMessage(
        recipient=recipient,
        milestone_id=milestone.id,
        reminder=row.kind,
        due=milestone.due_date,
        title=title,
        account=claimed.account_name,
        text=text,
        language=language,
        owner=milestone.owner_id,
        plan_id=milestone.plan_id,
        plan_link=link,
    )
