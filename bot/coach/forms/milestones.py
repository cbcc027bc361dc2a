"""The owner's milestones in chat: list them, mark one done, snooze one (``bot.rhythm``'s service, with its
access checks: the owner, the owner's managers or an admin). "my milestones" / "我的里程碑",
"done 7" / "里程碑7完成", "snooze 7 until next Friday" / "推迟里程碑7到下周五"; what is missing is asked."""

from __future__ import annotations

import re
from datetime import date
from typing import Any, ClassVar, Protocol

from bot.coach.forms.form import Form, Session
from bot.coach.forms.parsing import parse_date
from bot.coach.forms.slots import Slot
from bot.coach.reply import Table
from bot.errors import InputError
from kam_rules.formatting import format_date


class MilestoneInfo(Protocol):
    @property
    def id(self) -> int: ...

    @property
    def account(self) -> str: ...

    @property
    def title(self) -> str: ...

    @property
    def due(self) -> date: ...

    @property
    def state(self) -> str: ...


class Milestones(Protocol):
    """The rhythm's milestone service (``bot.rhythm.service.RhythmService``)."""

    def list_milestones(
        self, *, owner: str | None = None, states: Any = ..., language: Any = None
    ) -> list[Any]: ...

    def mark_done(self, milestone_id: int, user: str | None, language: Any = None) -> Any: ...

    def snooze(self, milestone_id: int, until: date, user: str | None, language: Any = None) -> Any: ...


SLOTS = (
    Slot("action", "choice", choices=("list", "done", "snooze")),
    Slot("milestone", "int"),
    Slot("until", "date"),
)


class MilestonesForm(Form):
    kind: ClassVar[str] = "milestones"
    intent = "milestones"
    wording_file = "milestones.yaml"

    def __init__(self, service: Milestones) -> None:
        super().__init__(SLOTS)
        self.service = service

    def _requests(self, s: Session) -> list[tuple[str, re.Pattern[str]]]:
        patterns = s.wording.data("requests", default={})
        return [(action, re.compile(p)) for action, found in patterns.items() for p in found]

    def claims(self, s: Session, text: str) -> bool:
        return any(pattern.match(text.strip()) for _, pattern in self._requests(s))

    def begin(self, s: Session) -> None:
        text = s.turn.text.strip()
        for action, pattern in self._requests(s):
            match = pattern.match(text)
            if match is None:
                continue
            s.state.values["action"] = action
            found = match.groupdict()
            if found.get("id"):
                s.state.values["milestone"] = int(found["id"])
            if found.get("until"):
                try:
                    s.state.values["until"] = parse_date(found["until"], s.tools.today()).isoformat()
                except InputError:
                    s.lines.append(s.word("bad_date", text=found["until"]))
            return

    def needed(self, s: Session) -> list[str]:
        values = s.values()
        action = values.get("action")
        if action is None:
            return ["action"]
        wanted = {"list": [], "done": ["milestone"], "snooze": ["milestone", "until"]}[action]
        return [name for name in wanted if name not in values]

    def complete(self, s: Session) -> None:
        from bot.rhythm.service import NotAllowed, RhythmError, UnknownMilestone

        values, user, language = s.values(), s.turn.user_id, s.language
        s.closed = True
        try:
            if values["action"] == "list":
                self._list(s)
            elif values["action"] == "done":
                view = self.service.mark_done(values["milestone"], user, language)
                s.lines.append(s.word("done", id=view.id, title=view.title, account=view.account))
            else:
                until = date.fromisoformat(values["until"])
                view = self.service.snooze(values["milestone"], until, user, language)
                s.lines.append(
                    s.word("snoozed", id=view.id, title=view.title, until=format_date(until, language))
                )
        except NotAllowed:
            s.lines.append(s.word("not_allowed", id=values.get("milestone")))
        except UnknownMilestone:
            s.lines.append(s.word("unknown", id=values.get("milestone")))
        except RhythmError as error:
            s.lines.append(s.word("refused", reason=str(error)))

    def _list(self, s: Session) -> None:
        views = self.service.list_milestones(
            owner=s.turn.user_id, states=("open", "snoozed"), language=s.language
        )
        if not views:
            s.lines.append(s.word("none"))
            return
        heads = s.wording.node(s.language, "table_columns")
        rows: list[list[str | float | int | None]] = [
            [v.id, v.account, v.title, format_date(v.due, s.language), s.word("states", v.state)]
            for v in views
        ]
        s.lines.append(s.word("listed", count=len(views)))
        s.tables.append(Table(title=s.word("table_title"), columns=list(heads.values()), rows=rows))
