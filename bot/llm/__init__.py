"""The optional language model (KAM_LLM): grounded phrasing of answers, form fields read from free text, and
the rules as tools the model may call. Every number still comes from ``kam_rules``.

Nothing here is imported unless KAM_LLM is set (``bot.app`` imports ``bot.llm.assembly`` lazily), except
``bot.llm.streaming``, which adapters use to receive an answer's text as it is written and which imports no
langchain. Modules: ``config`` (the limits), ``factory`` (one chat model from the model string), ``calls``
(one bounded, logged model call), ``prompts``, ``citations``, ``rules`` (tool calls run by ``kam_rules``),
``phraser`` (the coach's AnswerPhraser), ``fields`` (the forms' field reader), ``assembly`` (wiring).
"""
