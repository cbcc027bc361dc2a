"""Which selling skills to develop first (``kam_rules.skills``, seed chunks 27-28) as a form: each of the
nine key skills rated for importance and current performance (1 to 5), then the gaps in order."""

from __future__ import annotations

from typing import ClassVar

from bot.coach.forms import facts as prose
from bot.coach.forms.facts import Facts
from bot.coach.forms.form import Form, Session
from bot.coach.forms.results import FormWording, Rows, Shown
from bot.coach.forms.slots import Slot
from bot.coach.forms.tables import rows_from_csv
from bot.coach.turn import Attachment
from bot.errors import InputError
from kam_rules.skills import KEY_SKILLS, SkillPlan, SkillRating, SkillsInput, plan_skills


def _rating(value: int) -> int:
    if not 1 <= value <= 5:
        raise InputError("int_range", low=1, high=5)
    return value


RATINGS = Slot(
    "ratings",
    "table",
    columns=(
        Slot("skill", "choice", choices=KEY_SKILLS, wording=("columns", "skill")),
        Slot("importance", "int", validate=_rating, wording=("columns", "importance")),
        Slot("performance", "int", validate=_rating, wording=("columns", "performance")),
    ),
    max_rows=len(KEY_SKILLS),
)


class SkillsForm(Form):
    kind: ClassVar[str] = "skills"
    intent = "skills"
    wording_file = "skills.yaml"

    def __init__(self) -> None:
        super().__init__([RATINGS])

    def question_values(self, s: Session) -> dict[str, str]:
        from bot.coach.forms.display import join

        return {"skills": join(s, [self.choice_label(s, skill) for skill in KEY_SKILLS])}

    def begin(self, s: Session) -> None:
        s.lines.append(s.word("intro"))

    def situation(self, s: Session, text: str) -> Facts:
        """Two or more skills rated in prose, importance then performance ("价格谈判重要性5分、现在只有2分",
        "senior access 4 vs 2")."""
        extra = s.wording.data("situation", "skills", default={})
        named = {skill: [*self.choice_words(s, skill), *extra.get(skill, [])] for skill in KEY_SKILLS}
        rows: dict[str, dict[str, object]] = {}
        for anchor, tail in prose.segments(text, prose.words(text, named)):
            scores = prose.ratings(tail)
            if len(scores) >= 2 and anchor.value not in rows:
                rows[anchor.value] = {
                    "skill": anchor.value,
                    "importance": scores[0],
                    "performance": scores[1],
                }
        return Facts({RATINGS.name: list(rows.values())}) if len(rows) >= 2 else Facts()

    def attach(self, s: Session, attachment: Attachment) -> bool:
        from bot.coach.forms.display import describe_error

        rows, problems = rows_from_csv(s, RATINGS, attachment)
        s.lines.extend(describe_error(s, error, RATINGS) for error in problems)
        if rows:
            self.add_rows(s, RATINGS, rows, attachment.name)
            s.state.answered(RATINGS.name)
            if not problems:
                s.state.finished.append(RATINGS.name)
        return True

    def complete(self, s: Session) -> None:
        ratings = [SkillRating(**row) for row in s.values().get(RATINGS.name) or []]
        s.show(show_skills(s.words, plan_skills(SkillsInput(ratings=ratings, language=s.language))))
        s.cite(s.wording.data("result_cards", default=[]))
        s.closed = True


TABLE_COLUMNS = ("priority", "skill", "gap", "action", "importance", "performance")


def show_skills(words: FormWording, result: SkillPlan) -> Shown:
    """The skills in the order to develop them, with their gaps, and the rationale."""
    rows: Rows = [
        [
            p.priority,
            words.choice_label(p.skill),
            p.gap,
            words.word("actions", p.action),
            p.importance,
            p.performance,
        ]
        for p in result.skills
    ]
    table = words.table("table_title", "table_columns", TABLE_COLUMNS, rows)
    return Shown(lines=[result.rationale], tables=[table])
