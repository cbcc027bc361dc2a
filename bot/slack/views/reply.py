"""A coach ``Reply`` drawn as Block Kit: its prose, then the parts typed beside it.

- the question a form asks: its progress, why and example; choices as buttons (five or fewer) or a
  select, yes/no for a bool, a skip button when the slot is optional;
- tables as preformatted blocks (split to fit), the 2x2 matrix as four labelled sections, a pricing
  decision as a summary with its path, a plan as its completeness with an editor and an export;
- sources as a context line, the next steps as buttons, and thumbs up/down under an answer.

Everything is split to Slack's limits (``bot.slack.views.limits``). The prose is kept apart from the rest
so it can be streamed while the rest closes the message.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

from tabulate import tabulate

from bot.coach.reply import Ask, Choice, Citation, Decision, Language, Matrix, PlanView, Reply, Table
from bot.slack.views import blocks as bk
from bot.slack.views.blocks import clip
from bot.slack.views.limits import MAX_MARKDOWN, MAX_SECTION, SlackMessage, pack_messages, split_text
from bot.slack.views.refs import (
    ANSWER_ACTION,
    ANSWER_SELECT_ACTION,
    ASK_BLOCK,
    COMMAND_ACTION,
    COMMAND_BLOCK,
    FEEDBACK_ACTION,
    PLAN_EDIT_ACTION,
    PLAN_EXPORT_ACTION,
    ConversationRef,
    FeedbackValue,
    PlanRef,
)
from bot.slack.wording import SlackWording
from kam_rules.formatting import format_amount

FeedbackStyle = Literal["context_actions", "buttons"]
QUADRANTS = ("act_now", "plan_attack", "opportunistic", "shelve")
MAX_BUTTON_CHOICES = 5
FEEDBACK_QUESTION_MAX = 1500
PROGRESS_BAR = 10
CELL_MAX = 40


@dataclass(frozen=True)
class ReplyContext:
    """Where a reply goes and what it answers, for the parts that call back (buttons, feedback)."""

    owner: str
    channel: str
    thread: str | None
    question: str = ""
    feedback_style: FeedbackStyle = "context_actions"


@dataclass(frozen=True)
class ReplyView:
    wording: SlackWording

    # ---------- the whole message ----------
    def messages(self, reply: Reply, ctx: ReplyContext) -> list[SlackMessage]:
        return pack_messages(self.prose(reply) + self.details(reply, ctx), reply.text)

    def prose(self, reply: Reply) -> list[bk.Block]:
        """The answer itself: its titled sections where it has them (the same content as its text, in
        blocks), else its text. Never both: the reader would see the answer twice."""
        text = (
            "\n\n".join(f"**{s.title}**\n{s.body}" for s in reply.sections) if reply.sections else reply.text
        )
        return [bk.markdown(piece) for piece in split_text(text, MAX_MARKDOWN)] or [bk.markdown(" ")]

    def details(self, reply: Reply, ctx: ReplyContext) -> list[bk.Block]:
        """Everything but the prose, in reading order."""
        language = reply.language
        found: list[bk.Block] = []
        if reply.decision is not None:
            found += self.decision(reply.decision, language)
        if reply.matrix is not None:
            found += self.matrix(reply.matrix, language)
        for table in reply.tables:
            found += self.table(table, language)
        if reply.plan is not None:
            found += self.plan(reply.plan, language, ctx)
        if reply.ask is not None:
            found += self.ask(reply.ask, language, ctx)
        if reply.citations:
            found.append(self.sources(reply))
        if reply.actions:
            found.append(self.next_steps(reply, ctx))
        if self._wants_feedback(reply):
            found.append(self.feedback(language, ctx))
        return found

    @staticmethod
    def _wants_feedback(reply: Reply) -> bool:
        """Thumbs go under answers from the knowledge base, not under every question of a form."""
        return reply.ask is None and reply.intent != "other" and bool(reply.citations)

    @staticmethod
    def _text_sections(text: str) -> list[bk.Block]:
        return [bk.section(piece) for piece in split_text(text, MAX_SECTION)]

    # ---------- a form's question ----------
    def ask(self, ask: Ask, language: Language, ctx: ReplyContext) -> list[bk.Block]:
        w = self.wording
        notes = []
        if ask.progress is not None:
            notes.append(w.text("ask.progress", language, done=ask.progress.done, total=ask.progress.total))
        if ask.why:
            notes.append(w.text("ask.why", language, why=bk.escape(ask.why)))
        if ask.example:
            notes.append(w.text("ask.example", language, example=bk.escape(ask.example)))
        if ask.columns:
            notes.append(w.text("ask.columns", language, columns=bk.escape(" | ".join(ask.columns))))
        found: list[bk.Block] = [bk.context(notes)] if notes else []
        choices = ask.choices or (self._yes_no(language) if ask.kind == "bool" else [])
        elements: list[bk.Block] = []
        if 0 < len(choices) <= MAX_BUTTON_CHOICES:
            elements += [
                bk.button(choice.label, f"{ANSWER_ACTION}:{n}", choice.id) for n, choice in enumerate(choices)
            ]
        elif choices:
            options = [bk.option(f"{n}. {c.label}", c.id) for n, c in enumerate(choices, start=1)]
            elements.append(bk.static_select(w.text("ask.choose", language), ANSWER_SELECT_ACTION, options))
        # Form words as buttons, in the reply's language so the conversation keeps it.
        if ask.default:
            text = w.text("ask.use_default", language, default=ask.default)
            elements.append(bk.button(text, f"{ANSWER_ACTION}:default", w.text("ask.default_word", language)))
        if ask.kind == "table":
            elements.append(
                bk.button(
                    w.text("ask.done", language), f"{ANSWER_ACTION}:done", w.text("ask.done_word", language)
                )
            )
        if ask.optional:
            skip = w.text("ask.skip_word", language)
            elements.append(bk.button(w.text("ask.skip", language), f"{ANSWER_ACTION}:skip", skip))
        if elements:
            ref = ConversationRef(kind=ASK_BLOCK, slot=ask.slot, owner=ctx.owner, thread=ctx.thread)
            found.append(bk.actions(elements, block_id=ref.encode()))
        return found

    def _yes_no(self, language: Language) -> list[Choice]:
        return [
            Choice(
                id=self.wording.text("ask.yes_word", language), label=self.wording.text("yes_label", language)
            ),
            Choice(
                id=self.wording.text("ask.no_word", language), label=self.wording.text("no_label", language)
            ),
        ]

    # ---------- results ----------
    def decision(self, decision: Decision, language: Language) -> list[bk.Block]:
        w = self.wording
        pairs = [(w.text("decision.decision", language), decision.label or decision.decision)]
        if decision.recommended_price is not None:
            pairs.append(
                (w.text("decision.price", language), format_amount(decision.recommended_price, language))
            )
        if decision.cost_basis:
            pairs.append(
                (
                    w.text("decision.cost_basis", language),
                    w.text(f"cost_basis.{decision.cost_basis}", language),
                )
            )
        if decision.platform:
            pairs.append(
                (w.text("decision.platform", language), w.text(f"platform.{decision.platform}", language))
            )
        found = [bk.fields_section(pairs)]
        if decision.path:
            yes, no = w.text("yes_label", language), w.text("no_label", language)
            lines = [
                f"{n}. {bk.escape(step.question)} *{yes if step.answer else no}*"
                for n, step in enumerate(decision.path, start=1)
            ]
            found += self._text_sections(w.text("decision.path", language) + "\n" + "\n".join(lines))
        notes = []
        if decision.below_cost:
            notes.append(w.text("decision.below_cost", language))
        if decision.escalation_id is not None:
            notes.append(w.text("decision.escalated", language, id=decision.escalation_id))
        if notes:
            found.append(bk.context(notes))
        return found

    def matrix(self, matrix: Matrix, language: Language) -> list[bk.Block]:
        found = [bk.section(self.wording.text("matrix.title", language))]
        for quadrant in QUADRANTS:
            label = matrix.labels.get(quadrant) or self.wording.text(f"matrix.{quadrant}", language)
            names = getattr(matrix, quadrant)
            body = "\n".join(f"• {bk.escape(name)}" for name in names) or self.wording.text(
                "matrix.none", language
            )
            found += self._text_sections(f"*{bk.escape(label)}*\n{body}")
        return found

    def table(self, table: Table, language: Language) -> list[bk.Block]:
        found: list[bk.Block] = []
        if table.title:
            found.append(bk.section(f"*{bk.escape(table.title)}*"))
        lines = table_lines(table, language)
        header, body = lines[:2], lines[2:]
        chunk: list[str] = []
        for line in body:
            candidate = [*header, *chunk, line]
            if chunk and len("\n".join(candidate)) + 8 > MAX_SECTION:
                found.append(bk.section("```\n" + "\n".join([*header, *chunk]) + "\n```"))
                chunk = []
            chunk.append(line)
        found.append(bk.section("```\n" + "\n".join([*header, *chunk]) + "\n```"))
        if table.total_rows is not None and table.total_rows > len(table.rows):
            shown = self.wording.text("table.shown", language, shown=len(table.rows), total=table.total_rows)
            found.append(bk.context([shown]))
        return found

    def plan(self, plan: PlanView, language: Language, ctx: ReplyContext) -> list[bk.Block]:
        w = self.wording
        status = (
            w.text(f"plan.status.{plan.status}", language) if plan.status in PLAN_STATUSES else plan.status
        )
        found = [
            bk.section(
                w.text(
                    "plan.summary",
                    language,
                    account=bk.escape(plan.account),
                    percent=plan.percent,
                    status=status,
                )
            )
        ]
        lines = [
            f"`{progress_bar(s.done, s.total)}` {bk.escape(s.title)} {s.done}/{s.total}"
            for s in plan.sections
        ]
        if lines:
            found += self._text_sections("\n".join(lines))
        options = [
            bk.option(
                s.title,
                PlanRef(plan_id=plan.id, channel=ctx.channel, thread=ctx.thread, section=s.id).encode(),
            )
            for s in plan.sections
        ]
        elements: list[bk.Block] = []
        if options:
            elements.append(bk.static_select(w.text("plan.edit", language), PLAN_EDIT_ACTION, options))
        ref = PlanRef(plan_id=plan.id, channel=ctx.channel, thread=ctx.thread).encode()
        elements.append(bk.button(w.text("plan.export", language), PLAN_EXPORT_ACTION, ref))
        found.append(bk.actions(elements))
        return found

    # ---------- what closes a message ----------
    def sources(self, reply: Reply) -> bk.Block:
        language = reply.language
        items = [f"{bk.escape(c.title)} ({self._chunks(c, language)})" for c in reply.citations[:5]]
        return bk.context([f"*{self.wording.text('sources', language)}:* " + " · ".join(items)])

    def _chunks(self, citation: Citation, language: Language) -> str:
        if not citation.seed_chunks:
            return self.wording.text("document", language)
        key = "seed_chunk" if len(citation.seed_chunks) == 1 else "seed_chunks"
        return self.wording.text(key, language, chunks=", ".join(str(n) for n in citation.seed_chunks))

    def next_steps(self, reply: Reply, ctx: ReplyContext) -> bk.Block:
        ref = ConversationRef(kind=COMMAND_BLOCK, owner=ctx.owner, thread=ctx.thread)
        buttons = [
            bk.button(action.label, f"{COMMAND_ACTION}:{n}", action.command)
            for n, action in enumerate(reply.actions[:5])
        ]
        return bk.actions(buttons, block_id=ref.encode())

    def feedback(self, language: Language, ctx: ReplyContext) -> bk.Block:
        question = ctx.question[:FEEDBACK_QUESTION_MAX]
        up = FeedbackValue(vote="up", question=question).encode()
        down = FeedbackValue(vote="down", question=question).encode()
        w = self.wording
        if ctx.feedback_style == "buttons":
            return bk.actions(
                [
                    bk.button(w.text("feedback.up", language), f"{FEEDBACK_ACTION}:up", up),
                    bk.button(w.text("feedback.down", language), f"{FEEDBACK_ACTION}:down", down),
                ]
            )
        return {
            "type": "context_actions",
            "elements": [
                {
                    "type": "feedback_buttons",
                    "action_id": FEEDBACK_ACTION,
                    "positive_button": {
                        "text": bk.plain(w.text("feedback.up", language)),
                        "value": up,
                        "accessibility_label": w.text("feedback.up_label", language),
                    },
                    "negative_button": {
                        "text": bk.plain(w.text("feedback.down", language)),
                        "value": down,
                        "accessibility_label": w.text("feedback.down_label", language),
                    },
                }
            ],
        }


PLAN_STATUSES = ("draft", "in_review", "approved")


def progress_bar(done: int, total: int) -> str:
    filled = round(PROGRESS_BAR * done / total) if total else 0
    return "▓" * filled + "░" * (PROGRESS_BAR - filled)


def cell_text(value: str | float | int | None, language: Language) -> str:
    if value is None:
        return "–"
    if isinstance(value, bool):
        return str(value)
    if isinstance(value, int | float):
        return format_amount(float(value), language)
    return str(value)


def table_lines(table: Table, language: Language) -> list[str]:
    """The table as aligned monospace lines (header, rule, rows); tabulate measures CJK characters as two
    columns (wcwidth), so Chinese tables line up too."""
    rows = [[clip(cell_text(cell, language), CELL_MAX) for cell in row] for row in table.rows]
    text = tabulate(rows, headers=list(table.columns), tablefmt="simple", disable_numparse=True)
    return text.splitlines()
