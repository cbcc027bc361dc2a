"""Situations go to the rules: a message that carries the facts a rule needs ("the customer wants 20% off, our
policy allows 10%", a list of opportunities with sizes and odds, a tier and a start date) gets the rule's
answer rather than only a card.

Each form reads its own facts (its ``situation`` hook); this module picks the form a message tells most
about and, for a one-shot question, answers with the rule's result when the facts are enough, or with what
the rule says so far, the card that explains it, and the chat words that start the form. In a conversation
the coach starts that form with the facts filled in (``Coach.handle``).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass

from bot.coach.forms.facts import Facts
from bot.coach.forms.form import Form
from bot.coach.forms.runner import FormRunner
from bot.coach.reply import Citation, Language, Reply, SuggestedAction, unique_citations
from bot.coach.turn import Turn
from bot.wording import Catalogue

AnswerQuestion = Callable[[str, Language], Reply]


@dataclass
class Situation:
    form: str
    facts: Facts


class Situations:
    """The rule forms, stateless, and the runner that reads facts into them."""

    def __init__(self, forms: Sequence[Form], runner: FormRunner, catalogue: Catalogue) -> None:
        self.forms: dict[str, Form] = {form.kind: form.stateless() for form in forms}
        self.runner = runner
        self.catalogue = catalogue

    def read(self, text: str, language: Language, answer_question: AnswerQuestion) -> Situation | None:
        """The form the message tells most about (the most facts; the first form on a tie), if any."""
        turn = Turn(text=text)
        best: Situation | None = None
        for kind, form in self.forms.items():
            facts = self.runner.facts(form, turn, language, answer_question)
            if facts and (best is None or facts.weight > best.facts.weight):
                best = Situation(kind, facts)
        return best

    def facts(self, kind: str, text: str, language: Language, answer_question: AnswerQuestion) -> Facts:
        """What the message tells one form (a form that claimed the message may take more from its prose)."""
        form = self.forms.get(kind)
        if form is None:
            return Facts()
        return self.runner.facts(form, Turn(text=text), language, answer_question)

    def answer(
        self,
        situation: Situation,
        text: str,
        language: Language,
        answer_question: AnswerQuestion,
        card_answer: Reply,
    ) -> Reply:
        """A one-shot answer: the rule's result when the facts are enough; else what the rule says given
        them, then the card's answer, then how to finish it in chat. The rule's cards are cited first."""
        form = self.forms[situation.form]
        preview = self.runner.preview(form, Turn(text=text), language, answer_question, situation.facts)
        rule_cards = [_card(self.runner, card, language) for card in preview.cards]
        cited = [c for c in rule_cards if c is not None]
        citations = unique_citations(
            [*cited, *(preview.result.citations if preview.result else []), *card_answer.citations]
        )
        if preview.result is not None:
            return preview.result.model_copy(update={"citations": citations[:5]})
        wording = self.catalogue.file(form.wording_file)
        command = wording.text(language, "start_command")
        engine = self.catalogue.file("forms.yaml")
        finish = engine.text(language, "situation_next", command=command, missing=preview.missing)
        label = engine.text(language, "situation_action", form=wording.text(language, "name"))
        action = SuggestedAction(id=f"start_{form.kind}", label=label, command=command)
        card_text = card_answer.text.strip()
        if card_answer.citations[:1] and card_answer.citations[0].id not in preview.cards and cited:
            # retrieval led elsewhere: the rule's own card explains what the rule said
            card = self.runner.tools.cards.card(cited[0].id, language)
            card_text = f"{card.title}: {card.summary}" if card is not None else card_text
        body = "\n\n".join(part for part in [*preview.lines, card_text, finish] if part)
        actions = [action, *(a for a in card_answer.actions if a.command != command)][:3]
        return card_answer.model_copy(
            update={"text": body, "intent": form.intent, "citations": citations[:5], "actions": actions}
        )


def _card(runner: FormRunner, card_id: str, language: Language) -> Citation | None:
    card = runner.tools.cards.card(card_id, language)
    if card is None:
        return None
    return Citation(id=card.id, title=card.title, seed_chunks=list(card.seed_chunks), score=1.0)
