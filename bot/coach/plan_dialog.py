"""Guided drafting of an account plan, one question at a time, driven by the plan model's field catalogue.

``PlanDialog`` implements ``bot.coach.dialog.Dialog`` (kind ``"plan"``). It needs ``ctx.services["plans"]``,
a ``bot.plans.repository.PlanRepository`` (``PlanDialog.build_services(db, settings)`` makes one). Every
answer is committed (plan JSON and its ``plan_answers`` row, in one transaction) before the next question
is returned; where the user is lives in the plan row (``current_field``), so a restart resumes there even if
the dialog state was lost. All wording comes from ``prompts/plan_questions.yaml``.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Callable
from dataclasses import replace
from datetime import date
from pathlib import Path
from typing import Any

from pydantic import ValidationError

from bot.coach.dialog import DialogContext, DialogOutcome, DialogState
from bot.coach.reply import Citation, Language, Reply
from bot.coach.turn import Turn
from bot.plans.cards import load_card
from bot.plans.model import (
    CATALOGUE,
    FIELDS,
    FieldSpec,
    completeness,
    get_value,
    next_unsettled,
    previous_field,
    with_value,
)
from bot.plans.parsing import Unreadable, parse_rows, parse_scalar
from bot.plans.repository import OpenResult, PlanRecord, PlanRepository
from bot.plans.wording import PlanWording

log = logging.getLogger(__name__)

KIND = "plan"
ASK_ACCOUNT = "ask_account"
DRAFTING = "drafting"
STOP = "stop"


class PlanDialog:
    kind = KIND

    def __init__(
        self,
        prompts_dir: Path | None = None,
        knowledge_dir: Path | None = None,
        today: Callable[[], date] | None = None,
    ) -> None:
        if prompts_dir is None or knowledge_dir is None:
            from bot.settings import get_settings

            settings = get_settings()
            prompts_dir = prompts_dir or settings.prompts_dir
            knowledge_dir = knowledge_dir or settings.knowledge_dir
        self.words = PlanWording(prompts_dir)
        self.knowledge_dir = Path(knowledge_dir)
        self.today = today or date.today
        self._start_patterns = self.words.patterns("start_patterns")
        self._resume_patterns = self.words.patterns("resume_patterns")
        self._change_patterns = self.words.patterns("change_patterns")
        self._question_starts = [w.casefold() for w in self.words.question_starts()]

    @staticmethod
    def build_services(db: Any, settings: Any) -> dict[str, Any]:
        """The services this dialog needs, for the composition root (``bot.app``)."""
        return {"plans": PlanRepository(db, admin_ids=getattr(settings, "admin_ids", frozenset()))}

    # ---------- recognising requests ----------
    def account_in(self, text: str) -> str | None:
        """The account named in "start a plan for ACME" / "给华为做个客户计划", if the text asks for one."""
        cleaned = text.strip()
        for pattern in self._start_patterns:
            match = pattern.match(cleaned)
            if match:
                account = match.group("account").strip(" \"'“”‘’「」《》")
                if account and not self._is_self(account):
                    return account
        return None

    def _is_self(self, text: str) -> bool:
        words = {w.casefold() for lang in ("en", "zh") for w in self.words.data["self_words"][lang]}
        return text.casefold() in words | {"我们", "our", "my", "us"}

    def wants_list(self, text: str) -> bool:
        return self.words.is_command(text, "list")

    def wants_resume(self, text: str) -> bool:
        return any(pattern.match(text.strip()) for pattern in self._resume_patterns)

    def recognises(self, text: str) -> bool:
        """Whether the text asks to start, resume or list plans (a hint for intent routing)."""
        return bool(self.wants_list(text) or self.wants_resume(text) or self.account_in(text))

    # ---------- the Dialog protocol ----------
    def start(self, turn: Turn, ctx: DialogContext) -> DialogOutcome:
        language = ctx.language
        repo = self._repo(ctx)
        text = turn.text.strip()
        if self.wants_list(text):
            return self._list(turn, repo, language, None)
        if self.wants_resume(text):
            return self._resume_latest(turn, repo, language)
        account = self.account_in(text)
        if account:
            return self._open(turn, repo, language, account)
        state = DialogState(kind=KIND, language=language, step=ASK_ACCOUNT, data={"mode": ASK_ACCOUNT})
        return self._out(self.words.phrase("ask_account", language), language, state)

    def handle(self, turn: Turn, state: DialogState, ctx: DialogContext) -> DialogOutcome:
        language = state.language
        repo = self._repo(ctx)
        text = turn.text.strip()
        if state.data.get("mode") == ASK_ACCOUNT:
            return self._handle_ask_account(turn, state, ctx, repo)
        plan_id = state.data.get("plan_id")
        try:
            record = repo.load(int(plan_id)) if plan_id is not None else None
        except KeyError:
            record = None
        if record is None:
            return self._out(self.words.phrase("no_draft_to_resume", language), language, None)
        asked = state.step if state.step in FIELDS else None
        if asked is not None and asked != record.current_field:
            # The answer is to the question this conversation asked, even if a team-mate drafting the same
            # plan has since moved the plan's pointer on (or a crash came between the commit and the reply).
            record = replace(record, current_field=asked)
        if state.pending_confirmation == STOP:
            return self._confirm_stop(text, state, record, language)
        return self._drafting(turn, state, ctx, repo, record)

    # ---------- opening plans ----------
    def _repo(self, ctx: DialogContext) -> PlanRepository:
        repo = ctx.services.get("plans")
        if repo is None:
            db = ctx.services.get("db")
            if db is None:
                raise RuntimeError(
                    "PlanDialog needs ctx.services['plans'] (a PlanRepository) or ctx.services['db']"
                )
            repo = PlanRepository(
                db, admin_ids=getattr(ctx.services.get("settings"), "admin_ids", frozenset())
            )
            ctx.services["plans"] = repo
        return repo

    def _open(self, turn: Turn, repo: PlanRepository, language: Language, account: str) -> DialogOutcome:
        result: OpenResult = repo.open_for_edit(turn.user_id, account)
        if result.plan is None:
            text = self.words.phrase("denied_edit", language, account=result.account_name or account)
            return self._out(text, language, None)
        record = result.plan
        state = self._state(record, language)
        if result.created:
            intro = self.words.phrase("started", language, account=record.account_name)
        else:
            intro = self.words.phrase(
                "resumed", language, account=record.account_name, percent=record.completeness.percent()
            )
        return self._out(self._join(intro, self._ask_current(record, language)), language, state, record)

    def _resume_latest(self, turn: Turn, repo: PlanRepository, language: Language) -> DialogOutcome:
        drafts = [plan for plan in repo.drafts_of(turn.user_id) if plan.status != "approved"]
        if not drafts:
            return self._out(self.words.phrase("no_draft_to_resume", language), language, None)
        return self._open(turn, repo, language, drafts[0].account_name)

    def _handle_ask_account(
        self, turn: Turn, state: DialogState, ctx: DialogContext, repo: PlanRepository
    ) -> DialogOutcome:
        language = state.language
        text = turn.text.strip()
        if self.words.is_command(text, "stop") or self.words.is_command(text, "no"):
            return self._out(self.words.phrase("stop_cancelled", language), language, None)
        if self.wants_list(text):
            return self._list(turn, repo, language, state)
        if self.wants_resume(text):
            return self._resume_latest(turn, repo, language)
        if self._looks_like_question(text, strict=True):
            answer = ctx.answer_question(text, language)
            body = self._join(answer.text, self.words.phrase("ask_account", language))
            return self._out(body, language, state, citations=answer.citations)
        account = self.account_in(text) or text.strip(" \"'“”‘’「」《》.。")
        if not account:
            return self._out(self.words.phrase("ask_account", language), language, state)
        return self._open(turn, repo, language, account)

    # ---------- one drafting turn ----------
    def _drafting(
        self, turn: Turn, state: DialogState, ctx: DialogContext, repo: PlanRepository, record: PlanRecord
    ) -> DialogOutcome:
        language = state.language
        text = turn.text.strip()
        words = self.words
        spec = FIELDS.get(record.current_field) if record.current_field else None

        if not text:
            return self._out(self._ask_current(record, language), language, state, record)
        if words.is_command(text, "stop"):
            stopping = state.model_copy(update={"pending_confirmation": STOP})
            return self._out(words.phrase("confirm_stop", language), language, stopping, record)
        if words.is_command(text, "help"):
            return self._out(
                self._join(words.phrase("help", language), self._ask_current(record, language)),
                language,
                state,
                record,
            )
        if words.is_command(text, "status"):
            return self._out(
                self._join(self._status(record, language), self._ask_current(record, language)),
                language,
                state,
                record,
            )
        if words.is_command(text, "resume"):
            record = repo.load(record.id)  # where the draft itself is
            intro = words.phrase(
                "resumed", language, account=record.account_name, percent=record.completeness.percent()
            )
            return self._out(self._join(intro, self._ask_current(record, language)), language, state, record)
        if self.wants_list(text):
            return self._list(turn, repo, language, state, record)
        other = None if self.wants_resume(text) else self.account_in(text)
        if other and other.casefold() != record.account_name.casefold():
            return self._open(turn, repo, language, other)
        if other or self.wants_resume(text):
            record = repo.load(record.id)
            intro = words.phrase(
                "resumed", language, account=record.account_name, percent=record.completeness.percent()
            )
            return self._out(self._join(intro, self._ask_current(record, language)), language, state, record)
        if words.is_command(text, "why"):
            return self._why(record, language, state)
        if words.is_command(text, "back"):
            return self._back(repo, record, language, state)
        if words.is_command(text, "submit"):
            return self._submit(turn, repo, record, language, state)
        if spec is not None and words.is_command(text, "skip"):
            return self._skip(turn, repo, record, spec, language, state)
        if spec is not None and spec.is_table and words.is_command(text, "done"):
            return self._done(repo, record, spec, language, state)
        if spec is not None and spec.is_list and words.is_command(text, "clear"):
            updated = repo.apply(
                record.id, turn.user_id, spec.path, "clear", raw_text=text, current_field=spec.path
            )
            message = words.phrase("cleared", language, label=words.label(spec.path, language))
            return self._out(
                self._join(message, self._ask_current(updated, language)), language, state, updated
            )

        changed = self._change(turn, repo, record, language, state)
        unknown_field = changed if isinstance(changed, str) else None
        if isinstance(changed, DialogOutcome):
            return changed

        if spec is None:  # every question answered
            if self._looks_like_question(text, strict=False):
                return self._side_question(text, ctx, record, language, state)
            return self._out(self._join(self._complete(record, language)), language, state, record)
        if self._looks_like_question(text, strict=True):
            return self._side_question(text, ctx, record, language, state)
        try:
            return self._answer(turn, repo, record, spec, text, language, state)
        except Unreadable as error:
            if self._looks_like_question(text, strict=False):
                return self._side_question(text, ctx, record, language, state)
            if unknown_field:
                message = words.phrase(
                    "change_unknown", language, text=unknown_field, fields=words.field_names(language)
                )
            else:
                message = words.unreadable(text, error, spec, language)
            return self._out(
                self._join(message, self._ask_current(record, language)), language, state, record
            )

    # ---------- answers ----------
    def _parse(self, spec: FieldSpec, text: str, turn: Turn, repo: PlanRepository, language: Language) -> Any:
        ctx = self.words.parse_context(self.today(), turn.user_id, repo.resolve_person)
        if spec.is_table:
            return parse_rows(spec, text, ctx, self.words.options_for(language))
        options = self.words.options_text(spec.choices, language) if spec.kind == "choice" else ""
        value = parse_scalar(spec.kind, text, ctx, choices=spec.choices, options_text=options)
        return value

    @staticmethod
    def _validate(record: PlanRecord, spec: FieldSpec, value: Any) -> None:
        try:
            with_value(record.plan, spec.path, value)
        except ValidationError as invalid:
            kind = invalid.errors()[0].get("type", "")
            raise Unreadable("negative" if kind == "greater_than_equal" else "invalid") from None

    def _answer(
        self,
        turn: Turn,
        repo: PlanRepository,
        record: PlanRecord,
        spec: FieldSpec,
        text: str,
        language: Language,
        state: DialogState,
    ) -> DialogOutcome:
        words = self.words
        value = self._parse(spec, text, turn, repo, language)
        label = words.label(spec.path, language)
        if spec.is_table:
            rows = list(get_value(record.plan, spec.path))
            messages = []
            updated = record
            for row in value:
                if spec.max_rows is not None and len(rows) >= spec.max_rows:
                    break
                rows.append(row)
                full = spec.max_rows is not None and len(rows) >= spec.max_rows
                # Stay on the table for more rows until it is full; then on to the first unsettled field.
                updated = repo.apply(
                    record.id,
                    turn.user_id,
                    spec.path,
                    "add_row",
                    raw_text=text,
                    value=row,
                    next_field=(lambda _m: spec.path) if not full else None,
                )
                messages.append(
                    words.phrase("saved_row", language, label=label, value=words.row(spec, row, language))
                )
            if spec.max_rows is not None and len(rows) >= spec.max_rows:
                messages.append(words.phrase("table_full", language, max=spec.max_rows))
            return self._out(
                self._join("\n".join(messages), self._ask_current(updated, language)),
                language,
                state,
                updated,
            )
        self._validate(record, spec, value)
        updated = repo.apply(record.id, turn.user_id, spec.path, "answer", raw_text=text, value=value)
        saved = words.phrase(
            "saved",
            language,
            label=label,
            value=words.value(spec, get_value(updated.plan, spec.path), language),
        )
        return self._out(self._join(saved, self._ask_current(updated, language)), language, state, updated)

    def _skip(
        self,
        turn: Turn,
        repo: PlanRepository,
        record: PlanRecord,
        spec: FieldSpec,
        language: Language,
        state: DialogState,
    ) -> DialogOutcome:
        label = self.words.label(spec.path, language)
        if spec.required:
            message = self.words.phrase("cannot_skip", language, label=label)
            return self._out(
                self._join(message, self._ask_current(record, language)), language, state, record
            )
        updated = repo.apply(record.id, turn.user_id, spec.path, "skip", raw_text=turn.text.strip())
        message = self.words.phrase("skipped", language, label=label)
        return self._out(self._join(message, self._ask_current(updated, language)), language, state, updated)

    def _done(
        self,
        repo: PlanRepository,
        record: PlanRecord,
        spec: FieldSpec,
        language: Language,
        state: DialogState,
    ) -> DialogOutcome:
        rows = get_value(record.plan, spec.path)
        if len(rows) < spec.min_rows:
            message = self.words.phrase("table_need_more", language, min=spec.min_rows)
            return self._out(
                self._join(message, self._ask_current(record, language)), language, state, record
            )
        repo.set_current_field(record.id, _next_path_from(record))
        updated = repo.load(record.id)
        return self._out(self._ask_current(updated, language), language, state, updated)

    def _back(
        self, repo: PlanRepository, record: PlanRecord, language: Language, state: DialogState
    ) -> DialogOutcome:
        # a pointer no longer in the catalogue counts as past the end, like "every question answered"
        target = previous_field(record.current_field if record.current_field in FIELDS else None)
        if target is None:
            message = self.words.phrase("back_at_start", language)
            return self._out(
                self._join(message, self._ask_current(record, language)), language, state, record
            )
        repo.set_current_field(record.id, target.path)
        updated = repo.load(record.id)
        message = self.words.phrase("back_to", language, label=self.words.label(target.path, language))
        return self._out(self._join(message, self._ask_current(updated, language)), language, state, updated)

    def _change(
        self, turn: Turn, repo: PlanRepository, record: PlanRecord, language: Language, state: DialogState
    ) -> DialogOutcome | str | None:
        """ "change industry", "change industry to Banking", "把行业改成银行".

        None when the text is not a change; the text after the command word when it names no field (the
        caller tries it as an answer first: "改善服务" starts like "改" but may well be an answer).
        """
        words = self.words
        text = turn.text.strip()
        for pattern in self._change_patterns:
            match = pattern.match(text)
            if not match:
                continue
            target = words.find_field(match.group("field"))
            if target is None:
                continue
            raw = match.group("value").strip()
            try:
                if target.is_table:
                    raise Unreadable("empty")  # tables are edited row by row: go to the field instead
                value = self._parse(target, raw, turn, repo, language)
                self._validate(record, target, value)
            except Unreadable as error:
                repo.set_current_field(record.id, target.path)
                updated = repo.load(record.id)
                message = words.unreadable(raw, error, target, language) if error.reason != "empty" else ""
                return self._out(
                    self._join(message, self._ask_current(updated, language)), language, state, updated
                )
            keep = record.current_field
            updated = repo.apply(
                record.id,
                turn.user_id,
                target.path,
                "answer",
                raw_text=raw,
                value=value,
                current_field=keep if keep != target.path else _next_after(record, target, value),
            )
            saved = words.phrase(
                "saved",
                language,
                label=words.label(target.path, language),
                value=words.value(target, get_value(updated.plan, target.path), language),
            )
            return self._out(
                self._join(saved, self._ask_current(updated, language)), language, state, updated
            )
        rest = words.command_prefix(text, "change")
        if rest is None:
            return None
        if not rest:
            message = words.phrase("change_which", language, fields=words.field_names(language))
            return self._out(
                self._join(message, self._ask_current(record, language)), language, state, record
            )
        target = words.find_field(rest)
        if target is None:
            # Perhaps an answer that starts like a command ("改善服务", "change the CIO's mind"): let the
            # answer parser try; if it cannot read it either, say the field is unknown.
            return rest
        repo.set_current_field(record.id, target.path)
        updated = repo.load(record.id)
        message = words.phrase("change_to", language, label=words.label(target.path, language))
        return self._out(self._join(message, self._ask_current(updated, language)), language, state, updated)

    def _submit(
        self, turn: Turn, repo: PlanRepository, record: PlanRecord, language: Language, state: DialogState
    ) -> DialogOutcome:
        score = record.completeness
        if not score.ready_for_review:
            labels = [self.words.label(path, language) for path in score.required_missing]
            message = self.words.phrase("not_ready", language, fields=self.words.join(labels, language))
            return self._out(
                self._join(message, self._ask_current(record, language)), language, state, record
            )
        updated, _decision = repo.set_status(record.id, turn.user_id, "in_review")
        if updated is None:
            return self._out(
                self.words.phrase("denied_edit", language, account=record.account_name), language, state
            )
        message = self.words.phrase("submitted", language, account=record.account_name)
        return self._out(message, language, None, updated)

    def _confirm_stop(
        self, text: str, state: DialogState, record: PlanRecord, language: Language
    ) -> DialogOutcome:
        words = self.words
        if words.is_command(text, "yes") or words.is_command(text, "stop"):
            message = words.phrase(
                "stopped", language, account=record.account_name, percent=record.completeness.percent()
            )
            return self._out(message, language, None, record)
        cleared = state.model_copy(update={"pending_confirmation": None})
        if words.is_command(text, "no") or words.is_command(text, "resume"):
            message = self._join(
                words.phrase("stop_cancelled", language), self._ask_current(record, language)
            )
            return self._out(message, language, cleared, record)
        return self._out(words.phrase("confirm_unclear", language), language, state, record)

    # ---------- side questions, why, status, lists ----------
    def _looks_like_question(self, text: str, *, strict: bool) -> bool:
        """Ends with a question mark; or (not strict) starts with a question word."""
        stripped = text.strip()
        if stripped.endswith(("?", "？")):
            return True
        if strict:
            return False
        lowered = stripped.casefold()
        for word in self._question_starts:
            if word.isascii():
                if re.match(rf"{re.escape(word)}\b", lowered):
                    return True
            elif lowered.startswith(word):
                return True
        return False

    def _side_question(
        self, text: str, ctx: DialogContext, record: PlanRecord, language: Language, state: DialogState
    ) -> DialogOutcome:
        answer = ctx.answer_question(text, language)
        body = self._join(
            answer.text, self.words.phrase("side_then", language), self._ask_current(record, language)
        )
        return self._out(body, language, state, record, citations=list(answer.citations))

    def _why(self, record: PlanRecord, language: Language, state: DialogState) -> DialogOutcome:
        spec = FIELDS.get(record.current_field) if record.current_field else None
        if spec is None:
            return self._out(self._complete(record, language), language, state, record)
        label = self.words.label(spec.path, language)
        card_id = self.words.field(spec.path).get("why")
        card = load_card(self.knowledge_dir, card_id, language) if card_id else None
        citations = []
        if card is None:
            message = self.words.phrase("why_missing", language, label=label)
        else:
            chunks = ", ".join(str(n) for n in card.seed_chunks)
            source = self.words.phrase("why_source_chunks", language, chunks=chunks)
            message = self._join(
                self.words.phrase("why", language, label=label, title=card.title, source=source), card.summary
            )
            citations.append(
                Citation(id=card.id, title=card.title, seed_chunks=list(card.seed_chunks), score=1.0)
            )
        body = self._join(message, self._ask_current(record, language))
        return self._out(body, language, state, record, citations=citations)

    def status_text(self, record: PlanRecord, language: Language) -> str:
        return self._status(record, language)

    def _status(self, record: PlanRecord, language: Language) -> str:
        words = self.words
        score = completeness(record.plan)
        lines = [
            words.phrase(
                "status_heading",
                language,
                account=record.account_name,
                percent=score.percent(),
                filled=score.filled,
                total=score.total,
                status=words.named("statuses", record.status, language),
            )
        ]
        for section in score.sections:
            lines.append(
                words.phrase(
                    "status_section",
                    language,
                    section=words.section(section.section, language),
                    filled=section.filled,
                    total=section.total,
                )
            )
        if score.required_missing:
            labels = [words.label(path, language) for path in score.required_missing]
            lines.append(words.phrase("status_missing", language, fields=words.join(labels, language)))
        else:
            lines.append(words.phrase("status_ready", language))
        value = record.plan.value
        if value.tier:
            lines.append(
                words.phrase(
                    "status_tier",
                    language,
                    tier=words.named("tiers", value.tier, language),
                    value=words.money(value.total_value or 0, language),
                )
            )
        else:
            lines.append(words.phrase("status_no_tier", language))
        ranked = record.plan.goals.ranked_opportunities or []
        if ranked:
            lines.append(words.phrase("ranked_heading", language))
            for item in ranked:
                lines.append(
                    words.phrase(
                        "ranked_line",
                        language,
                        rank=item.rank,
                        name=item.name,
                        quadrant=words.named("quadrants", item.quadrant, language),
                        value=words.money(item.expected_value, language),
                    )
                )
        schedule = record.plan.review.schedule or []
        if schedule and value.tier:
            lines.append(
                words.phrase("schedule_heading", language, tier=words.named("tiers", value.tier, language))
            )
            for event in schedule:
                lines.append(
                    words.phrase(
                        "schedule_line",
                        language,
                        date=event.date.isoformat(),
                        event=words.named("events", event.kind, language),
                    )
                )
        return "\n".join(lines)

    def _complete(self, record: PlanRecord, language: Language) -> str:
        words = self.words
        return self._join(
            words.phrase(
                "complete", language, account=record.account_name, percent=record.completeness.percent()
            ),
            self._status(record, language),
            words.phrase("complete_next", language),
        )

    def _list(
        self,
        turn: Turn,
        repo: PlanRepository,
        language: Language,
        state: DialogState | None,
        record: PlanRecord | None = None,
    ) -> DialogOutcome:
        words = self.words
        plans = repo.drafts_of(turn.user_id)
        body = words.plans_list(plans, language)
        data = {
            "plans": [
                {
                    "account": p.account_name,
                    "status": p.status,
                    "percent": p.completeness.percent(),
                    "plan_id": p.id,
                }
                for p in plans
            ]
        }
        if record is not None and state is not None:
            return self._out(self._join(body, self._ask_current(record, language)), language, state, record)
        if not plans or state is None:
            body = self._join(body, words.phrase("list_then", language)) if plans else body
            return self._out(body, language, None, extra=data)
        return self._out(self._join(body, words.phrase("ask_account", language)), language, state, extra=data)

    # ---------- building replies ----------
    def _ask_current(self, record: PlanRecord, language: Language) -> str:
        spec = FIELDS.get(record.current_field) if record.current_field else None
        if spec is None:
            return self._complete(record, language)
        words = self.words
        lines = [
            words.question(
                spec, language, account=record.account_name, number=spec.index + 1, total=len(CATALOGUE)
            )
        ]
        current = get_value(record.plan, spec.path)
        if spec.is_table and current:
            lines.append(words.phrase("rows_so_far", language, count=len(current)))
            lines.extend(f"  {n}. {words.row(spec, row, language)}" for n, row in enumerate(current, 1))
            lines.append(words.phrase("table_more", language))
        elif not spec.is_table and current not in (None, [], ""):
            lines.append(words.phrase("current_value", language, value=words.value(spec, current, language)))
        return "\n".join(lines)

    def _state(self, record: PlanRecord, language: Language) -> DialogState:
        return DialogState(
            kind=KIND,
            language=language,
            step=record.current_field,
            data={"mode": DRAFTING, "plan_id": record.id, "account": record.account_name},
        )

    @staticmethod
    def _join(*parts: str) -> str:
        return "\n\n".join(part.strip() for part in parts if part and part.strip())

    def _out(
        self,
        text: str,
        language: Language,
        state: DialogState | None,
        record: PlanRecord | None = None,
        *,
        citations: list[Citation] | None = None,
        extra: dict[str, Any] | None = None,
    ) -> DialogOutcome:
        data: dict[str, Any] = dict(extra or {})
        if record is not None:
            data.update(
                plan_id=record.id,
                account=record.account_name,
                field=record.current_field,
                status=record.status,
                percent=record.completeness.percent(),
            )
            if state is not None and state.data.get("mode") == DRAFTING:
                state = state.model_copy(update={"step": record.current_field})
        reply = Reply(
            text=text,
            language=language,
            intent="plan",
            dialog=KIND if state is not None else None,
            citations=citations or [],
            data=data or None,
        )
        return DialogOutcome(reply=reply, state=state)


def _next_path_from(record: PlanRecord) -> str | None:
    """After a table is done: the first unsettled field (the table itself now has rows)."""
    spec = next_unsettled(record.plan)
    return spec.path if spec else None


def _next_after(record: PlanRecord, target: FieldSpec, value: Any) -> str | None:
    try:
        plan = with_value(record.plan, target.path, value)
    except ValidationError:
        return record.current_field
    spec = next_unsettled(plan)
    return spec.path if spec else None
