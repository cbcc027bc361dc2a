"""The modal that edits one plan section: an input per field holding its current value as text."""

from __future__ import annotations

from typing import Any

from bot.coach.plan_sections import SectionField
from bot.coach.reply import Language
from bot.slack.views import blocks as bk
from bot.slack.views.refs import PLAN_SECTION_VIEW, PlanRef
from bot.slack.wording import SlackWording

INPUT_ACTION = "value"
INPUT_MAX = 3000
MODAL_TITLE_MAX = 24
LABEL_MAX = 2000
HINT_MAX = 2000


def section_modal(
    fields: list[SectionField],
    *,
    title: str,
    account: str,
    ref: PlanRef,
    language: Language,
    wording: SlackWording,
) -> dict[str, Any]:
    blocks: list[bk.Block] = [bk.section(wording.text("modal.intro", language, account=bk.escape(account)))]
    for field in fields:
        element: dict[str, Any] = {
            "type": "plain_text_input",
            "action_id": INPUT_ACTION,
            "multiline": field.multiline,
            "max_length": INPUT_MAX,
        }
        if field.value:
            element["initial_value"] = field.value[:INPUT_MAX]
        if field.choices:
            options = ", ".join(label for _, label in field.choices)
            hint = f"{field.hint} ({options})"
        else:
            hint = field.hint
        blocks.append(
            {
                "type": "input",
                "block_id": field.path,
                "optional": True,
                "label": bk.plain(
                    field.label + ("" if field.required else wording.text("modal.optional", language)),
                    LABEL_MAX,
                ),
                "hint": bk.plain(hint, HINT_MAX),
                "element": element,
            }
        )
    return {
        "type": "modal",
        "callback_id": PLAN_SECTION_VIEW,
        "private_metadata": ref.encode(),
        "title": bk.plain(title, MODAL_TITLE_MAX),
        "submit": bk.plain(wording.text("modal.save", language)),
        "close": bk.plain(wording.text("modal.cancel", language)),
        "blocks": blocks[:100],
    }


def submitted_texts(view: dict[str, Any]) -> dict[str, str]:
    """The text of every input in a submitted modal, by field path (empty inputs as "")."""
    values = (view.get("state") or {}).get("values") or {}
    texts = {}
    for block_id, actions in values.items():
        if isinstance(actions, dict) and isinstance(actions.get(INPUT_ACTION), dict):
            texts[block_id] = str(actions[INPUT_ACTION].get("value") or "")
    return texts
