"""Exporting a plan: Markdown that reads like a finished plan, and JSON (the plan plus its derived parts).

Both walk the field catalogue, so a field added to the model appears in the export without code here.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from bot.plans.model import CATALOGUE, SECTIONS, FieldSpec, completeness, get_value, is_filled
from bot.plans.repository import PlanRecord
from bot.plans.wording import PlanWording
from bot.wording import Language


def _title(text: str) -> str:
    return text[:1].upper() + text[1:]


def _cell(text: str) -> str:
    return text.replace("|", "\\|").replace("\n", " ").strip()


class PlanRenderer:
    def __init__(self, wording: PlanWording) -> None:
        self.words = wording

    def _r(self, key: str, language: Language, **values: Any) -> str:
        text = str(self.words.data["render"][language][key])
        return text.format(**values) if values else text

    # ---------- Markdown ----------
    def markdown(
        self, record: PlanRecord, language: Language = "en", people: Mapping[str, str] | None = None
    ) -> str:
        words = self.words
        plan = record.plan
        people = people or {}
        score = completeness(plan)
        value = plan.value
        lines = [f"# {self._r('title', language, account=record.account_name)}", ""]
        owner = people.get(record.owner_id, record.owner_id)
        tier = (
            self._r(
                "tier_value",
                language,
                tier=words.named("tiers", value.tier, language),
                value=words.money(value.total_value or 0, language),
            )
            if value.tier
            else self._r("tier_unknown", language)
        )
        meta = [
            (self._r("status", language), words.named("statuses", record.status, language)),
            (self._r("owner", language), owner),
            (self._r("tier", language), tier),
            (
                self._r("completeness", language),
                self._r(
                    "completeness_value",
                    language,
                    percent=score.percent(),
                    filled=score.filled,
                    total=score.total,
                ),
            ),
            (self._r("updated", language), record.updated_at.date().isoformat()),
        ]
        lines += ["| | |", "|---|---|"] + [f"| {_cell(k)} | {_cell(v)} |" for k, v in meta] + [""]
        for number, section in enumerate(SECTIONS, 1):
            lines.append(f"## {number}. {words.section(section, language)}")
            lines.append("")
            bullets: list[str] = []
            blocks: list[str] = []
            for spec in (s for s in CATALOGUE if s.section == section):
                if spec.is_table:
                    blocks.extend(self._table_block(record, spec, language, people))
                elif spec.kind == "list" and is_filled(plan, spec.path):
                    bullets.append(f"- **{words.label(spec.path, language)}:**")
                    bullets.extend(f"  - {item}" for item in get_value(plan, spec.path))
                else:
                    bullets.append(
                        f"- **{words.label(spec.path, language)}:** {self._scalar(record, spec, language)}"
                    )
            if section == "review":
                blocks.extend(self._schedule(record, language))
            lines.extend(bullets)
            if bullets:
                lines.append("")
            lines.extend(blocks)
        lines.append(f"## {self._r('section_completeness', language)}")
        lines.append("")
        lines.append(f"| {self._r('section', language)} | {self._r('filled', language)} |")
        lines.append("|---|---|")
        for part in score.sections:
            lines.append(f"| {words.section(part.section, language)} | {part.filled}/{part.total} |")
        lines.append("")
        if score.required_missing:
            labels = [words.label(path, language) for path in score.required_missing]
            lines.append(f"**{self._r('missing_heading', language)}:** {words.join(labels, language)}")
            lines.append("")
        lines.append(f"_{self._r('footer', language)}_")
        return "\n".join(lines).rstrip() + "\n"

    def _scalar(self, record: PlanRecord, spec: FieldSpec, language: Language) -> str:
        if not is_filled(record.plan, spec.path):
            return self._r("left_out" if spec.path in record.plan.skipped else "not_answered", language)
        return self.words.value(spec, get_value(record.plan, spec.path), language)

    def _table_block(
        self, record: PlanRecord, spec: FieldSpec, language: Language, people: Mapping[str, str]
    ) -> list[str]:
        words = self.words
        rows = list(get_value(record.plan, spec.path))
        label = words.label(spec.path, language)
        # A section that is one table (the communication plan) needs no second heading of the same name.
        lines = [] if label == words.section(spec.section, language) else [f"### {label}", ""]
        if not rows:
            return [*lines, self._scalar(record, spec, language), ""]
        headers = [_title(words.column(column.name, language)) for column in spec.columns]
        if any(column.kind == "date" for column in spec.columns):
            due = next(column.name for column in spec.columns if column.kind == "date")
            rows.sort(key=lambda row: getattr(row, due))
        ranked = {}
        if spec.path == "goals.opportunities" and record.plan.goals.ranked_opportunities:
            ranked = {item.name: item for item in record.plan.goals.ranked_opportunities}
            headers = [
                self._r("rank", language),
                *headers,
                self._r("quadrant", language),
                self._r("expected_value", language),
            ]
            rows.sort(key=lambda row: ranked[row.name].rank if row.name in ranked else 10**6)
        lines.append("| " + " | ".join(_cell(h) for h in headers) + " |")
        lines.append("|" + "---|" * len(headers))
        for row in rows:
            data = row.model_dump(mode="json")
            cells = []
            for column in spec.columns:
                value = data.get(column.name)
                if column.kind == "person" and isinstance(value, dict) and value.get("id") in people:
                    value = {**value, "name": people[value["id"]]}
                cells.append(words.scalar(column.kind, value, language))
            if ranked:
                item = ranked.get(row.name)
                cells = [
                    str(item.rank) if item else "",
                    *cells,
                    words.named("quadrants", item.quadrant, language) if item else "",
                    words.money(item.expected_value, language) if item else "",
                ]
            lines.append("| " + " | ".join(_cell(c) for c in cells) + " |")
        lines.append("")
        return lines

    def _schedule(self, record: PlanRecord, language: Language) -> list[str]:
        schedule = record.plan.review.schedule or []
        if not schedule:
            return []
        words = self.words
        lines = [f"### {self._r('schedule', language)}", ""]
        lines.append(f"| {self._r('date', language)} | {self._r('event', language)} |")
        lines.append("|---|---|")
        for event in schedule:
            lines.append(f"| {event.date.isoformat()} | {words.named('events', event.kind, language)} |")
        lines.append("")
        return lines

    # ---------- JSON ----------
    @staticmethod
    def as_json(record: PlanRecord) -> dict[str, Any]:
        score = completeness(record.plan)
        return {
            "plan_id": record.id,
            "account": record.account_name,
            "owner_id": record.owner_id,
            "status": record.status,
            "current_field": record.current_field,
            "created_at": record.created_at.isoformat(),
            "updated_at": record.updated_at.isoformat(),
            "completeness": {
                "overall": round(score.score, 4),
                "filled": score.filled,
                "total": score.total,
                "ready_for_review": score.ready_for_review,
                "required_missing": score.required_missing,
                "sections": {
                    s.section: {"filled": s.filled, "total": s.total, "score": round(s.score, 4)}
                    for s in score.sections
                },
            },
            "plan": record.plan.model_dump(mode="json"),
        }
