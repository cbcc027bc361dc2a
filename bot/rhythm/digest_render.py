"""A digest as Markdown (the CLI's ``--format md``); ``--format json`` is the model itself."""

from __future__ import annotations

from bot.rhythm.digest import AccountGap, Digest
from bot.rhythm.models import Language, MilestoneView
from bot.rhythm.wording import RhythmWording


class DigestText:
    """The lines of a digest in its language, shared by the Markdown and the Block Kit renderers."""

    def __init__(self, digest: Digest, wording: RhythmWording) -> None:
        self.digest, self.wording = digest, wording
        self.language: Language = digest.language

    def say(self, key: str, **values: object) -> str:
        return self.wording.phrase(f"digest.{key}", self.language, **values)

    def name(self, person_id: str | None) -> str:
        if not person_id:
            return "-"
        return self.digest.people.get(person_id, person_id)

    def title(self) -> str:
        return self.say("title", manager=self.digest.manager_name, week=self.digest.week)

    def team(self) -> str:
        return self.say("team", count=len(self.digest.team))

    def milestone(self, item: MilestoneView) -> str:
        return self.say(
            "milestone_line",
            date=self.wording.date(item.due, self.language, year=False),
            title=item.title,
            account=item.account,
            owner=self.name(item.owner),
        )

    def gap(self, gap: AccountGap) -> str:
        if gap.plan_status is None:
            state = self.say("gap_no_plan")
        else:
            state = self.say(
                "gap_plan",
                status=self.wording.status(gap.plan_status, self.language),
                percent=self.wording.percent(gap.percent or 0, self.language),
            )
        return self.say(
            "gap_line",
            account=gap.account,
            tier=self.wording.tier(gap.tier, self.language),
            owner=self.name(gap.owner),
            state=state,
        )

    def plan_row(self, index: int) -> list[str]:
        plan = self.digest.plans[index]
        return [
            plan.account,
            self.name(plan.owner),
            self.wording.status(plan.status, self.language),
            self.wording.percent(plan.percent, self.language),
        ]

    def escalations(self) -> list[str]:
        return [
            self.say(
                "escalation_line",
                id=item.id,
                deal=item.deal or "-",
                owner=self.name(item.requested_by),
                date=self.wording.date(item.created_at.date(), self.language, year=False),
            )
            for item in self.digest.escalations
        ]

    def opportunities(self) -> list[str]:
        return [
            self.say(
                "opportunity_line",
                name=item.name,
                account=item.account,
                value=self.wording.amount(item.expected_value, self.language),
            )
            for item in self.digest.top_opportunities
        ]

    def milestone_groups(self) -> list[tuple[str, list[str]]]:
        groups = self.digest.milestones
        return [
            (self.say("overdue"), [self.milestone(m) for m in groups.overdue]),
            (self.say("due_this_week"), [self.milestone(m) for m in groups.due_this_week]),
            (self.say("done_last_week"), [self.milestone(m) for m in groups.done_last_week]),
        ]


def _cell(text: str) -> str:
    return text.replace("|", "\\|").replace("\n", " ")


def _bullets(lines: list[str], none: str) -> list[str]:
    return [f"- {line}" for line in lines] if lines else [f"- {none}"]


def digest_markdown(digest: Digest, wording: RhythmWording) -> str:
    text = DigestText(digest, wording)
    none = text.say("none")
    out = [f"# {text.title()}", "", text.team(), "", f"## {text.say('plans')}", ""]
    if digest.plans:
        columns = wording.items("digest.plan_columns", text.language)
        out += ["| " + " | ".join(columns) + " |", "|" + "---|" * len(columns)]
        out += [
            "| " + " | ".join(_cell(c) for c in text.plan_row(i)) + " |" for i in range(len(digest.plans))
        ]
    else:
        out.append(f"- {none}")
    out += ["", f"## {text.say('milestones')}"]
    for heading, lines in text.milestone_groups():
        out += ["", f"### {heading} ({len(lines)})", "", *_bullets(lines, none)]
    out += ["", f"## {text.say('escalations')}", "", *_bullets(text.escalations(), none)]
    gaps = [text.gap(gap) for gap in digest.accounts_without_approved_plan]
    out += ["", f"## {text.say('gaps')}", "", *_bullets(gaps, none)]
    out += ["", f"## {text.say('opportunities')}", "", *_bullets(text.opportunities(), none), ""]
    return "\n".join(out)
