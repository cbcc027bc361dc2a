"""Form fields read from free text by the model (structured output through the stand-in, real HTTP), then
parsed and checked by the same parsers as typed answers; what the model misread is asked again."""

from __future__ import annotations

import json

from bot.coach.turn import Turn
from tests.llm.standin import Scripted

DEAL = (
    "ACME wants 85 per unit, list is 100, we can discount 10%, "
    "LRAIC 70, marginal cost 40, utilisation about half"
)


def read(*fields: tuple[str, str]) -> Scripted:
    """The model's structured output: the FormFields tool called with these (name, value) pairs."""
    return Scripted(tool_calls=[("FormFields", {"fields": [{"name": n, "value": v} for n, v in fields]})])


def test_a_deal_in_one_sentence_fills_the_pricing_form_and_a_misread_field_is_asked_again(
    llm_coach, stand_in
):
    coach = llm_coach()

    def say(text: str):
        return coach.handle(Turn(text=text, user_id="u1"))

    first = say("How should I price this deal?")
    assert first.dialog == "pricing" and first.ask is not None
    assert stand_in.requests == []  # one request, no facts: nothing for the model to read
    stand_in.script(
        read(
            ("deal", "ACME"),
            ("winning_price", "85"),
            ("list_price", "100"),
            ("max_discount", "10%"),
            ("lraic", "70"),
            ("marginal_cost", "40"),
            ("utilisation", "about half"),  # misread: not a share the parsers accept
        )
    )
    reply = say(DEAL)
    assert reply.dialog == "pricing"
    assert "From your message I noted:" in reply.text
    for shown in ("deal ACME", "list price 100", "max discount 10%", "winning price 85", "marginal cost"):
        assert shown in reply.text, reply.text
    assert "I could not read “about half”" in reply.text
    assert reply.ask is not None and reply.ask.slot == "utilisation"
    # the model was told the form's open fields and the message, as data
    request = stand_in.requests[0]
    fields = request["messages"][1]["content"]
    assert "- utilisation, share:" in fields and "- list_price, money:" in fields
    assert DEAL in fields
    assert request["tools"][0]["function"]["name"] == "FormFields"
    # typed answers from here on: no further model calls for single answers
    asked = say("55%")
    assert asked.ask is not None and asked.ask.slot == "effective_utilisation"
    alternative = say("default")
    assert alternative.ask is not None and alternative.ask.slot == "has_alternative"
    result = say("no")
    assert result.decision is not None and result.decision.decision == "marginal_cost_pricing"
    assert result.decision.recommended_price == 85
    assert result.decision.deal == "ACME"
    assert len(stand_in.requests) == 1


def test_a_model_failure_leaves_the_form_reading_the_message_itself(llm_coach, stand_in):
    coach = llm_coach(KAM_LLM_TIMEOUT="1")
    stand_in.script(Scripted(status=500))
    reply = coach.handle(Turn(text="Price a deal: list price 100, max discount 10%", user_id="u1"))
    assert reply.dialog == "pricing"
    # the pricing form's own alias extraction read both figures
    assert reply.ask is not None and reply.ask.slot == "winning_price"


def test_plan_answers_are_not_sent_to_the_model_unless_allowed(llm_coach, stand_in):
    paragraph = (
        "ACME is a regional bank with 12,000 employees and 300 branches; it buys connectivity, cloud "
        "and security from us and spent 1.2m last year."
    )

    def draft(coach) -> None:
        opened = coach.handle(Turn(text="start a plan for ACME", user_id="U0AM01"))
        assert opened.dialog == "plan", opened.text
        coach.handle(Turn(text=paragraph, user_id="U0AM01"))

    draft(llm_coach())
    assert stand_in.requests == []

    stand_in.script(read(("customer.employees", "12,000")))
    draft(llm_coach(KAM_LLM_SHARE_PLANS="true"))
    assert len(stand_in.requests) == 1
    assert paragraph in json.dumps(stand_in.requests[0]["messages"], ensure_ascii=False)
