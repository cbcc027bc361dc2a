"""The composition root: builds a Coach, its index, store and forms from the settings.

Every adapter (terminal, Slack, scheduler) gets its coach here, so they all run the same code. This is the
one place below the command line that reads the settings; everything it builds gets what it needs passed in.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import date
from typing import TYPE_CHECKING, Any

from bot.settings import Settings, get_settings
from bot.wording import Catalogue

if TYPE_CHECKING:  # imported where used: `ingest` and `sources` need no coach
    from bot.coach.coach import Coach
    from bot.coach.forms.form import CardLookup
    from bot.llm.assembly import LlmParts
    from bot.retrieval.index import KnowledgeIndex
    from bot.store.db import Database


def build_index(settings: Settings | None = None) -> KnowledgeIndex:
    from bot.retrieval.blas import use_blas_threads
    from bot.retrieval.index import KnowledgeIndex
    from bot.retrieval.tokenize import use_cache_dir

    settings = settings or get_settings()
    settings.ensure_data_dir()  # the index's snapshot lives there; an unusable folder is the user's setting
    use_blas_threads(1)  # one per serving process: more than the cores ruin latency when neighbours are busy
    use_cache_dir(settings.cache_dir)
    index = KnowledgeIndex(settings)
    index.sync_cards()
    return index


def build_llm(settings: Settings, catalogue: Catalogue, cards: CardLookup) -> LlmParts | None:
    """The optional language model's parts; None without KAM_LLM, and then langchain's providers are never
    imported (``ask`` without a model pays nothing for them)."""
    if not settings.llm:
        return None
    from bot.llm.assembly import build_llm as assemble
    from bot.llm.config import LlmConfig

    config = LlmConfig(
        model=settings.llm,
        base_url=settings.llm_base_url,
        api_key=settings.llm_api_key,
        timeout=settings.llm_timeout,
        share_plans=settings.llm_share_plans,
        max_steps=settings.llm_max_steps,
        max_tokens=settings.llm_max_tokens,
        token_budget=settings.llm_token_budget,
    )
    return assemble(config, catalogue, cards)


def build_coach(settings: Settings | None = None, *, with_store: bool = True) -> Coach:
    """A ready coach. Without the store it answers questions only (what `ask` needs)."""
    settings = settings or get_settings()
    index = build_index(settings)
    if not with_store:
        return assemble_coach(settings, index=index)
    from bot.store import open_database

    return assemble_coach(settings, index=index, db=open_database(settings))


def assemble_coach(
    settings: Settings,
    *,
    index: KnowledgeIndex,
    db: Database | None = None,
    today: Callable[[], date] = date.today,
) -> Coach:
    """The coach from its parts: the index, and the database its forms keep their answers in (none: the
    coach answers questions only)."""
    from bot.coach.coach import Coach
    from bot.coach.intent import IntentDetector, exemplar_cache_dir
    from bot.coach.topic import TopicGate

    catalogue = Catalogue(settings.prompts_dir)
    llm = build_llm(settings, catalogue, index)
    vectors = exemplar_cache_dir(settings.cache_dir, settings.embeddings)
    parts: dict[str, Any] = {
        "index": index,
        "catalogue": catalogue,
        "intents": IntentDetector(settings.prompts_dir, index.embeddings, vectors),
        "topic": TopicGate(
            settings.prompts_dir,
            index.embeddings,
            index.cards,
            settings.min_relevance,
            vectors,
            stored_word=index.holds_word,
        ),
        "default_language": settings.default_language,
        "phraser": llm.phraser if llm is not None else None,
    }
    from bot.coach.forms.cadence import CadenceForm
    from bot.coach.forms.commands import CommandWords
    from bot.coach.forms.coverage import CoverageForm
    from bot.coach.forms.form import FormTools
    from bot.coach.forms.pricing import PricingForm
    from bot.coach.forms.prioritise import PrioritiseForm
    from bot.coach.forms.runner import FormRunner
    from bot.coach.forms.skills import SkillsForm
    from bot.coach.forms.tiers import TiersForm
    from bot.coach.situations import Situations

    commands = CommandWords(catalogue.file("commands.yaml"))
    # The rules' forms read a situation's facts for one-shot answers too (`ask`), with nothing stored.
    rules = [PricingForm(), PrioritiseForm(), TiersForm(), SkillsForm(), CoverageForm(), CadenceForm()]
    answers_runner = FormRunner(FormTools(catalogue=catalogue, commands=commands, cards=index, today=today))
    parts["situations"] = Situations(rules, answers_runner, catalogue)
    if db is None:
        return Coach(**parts)

    from bot.coach.forms.milestones import MilestonesForm
    from bot.coach.forms.plan import PlanForm
    from bot.plans.repository import PlanRepository
    from bot.rhythm.wiring import build_rhythm
    from bot.store.dialog_store import SqlFormStates
    from bot.store.escalation_store import EscalationStore
    from bot.store.event_store import SqlHandledEvents

    plans = PlanRepository(db, admin_ids=settings.admin_ids, today=today)

    def resolve_person(text: str) -> dict[str, str | None] | None:
        person = plans.resolve_person(text)
        return person.model_dump() if person is not None else None

    tools = FormTools(
        catalogue=catalogue,
        commands=commands,
        cards=index,
        today=today,
        resolve_person=resolve_person,
        read_fields=llm.read_fields if llm is not None else None,
    )
    forms = [
        PricingForm(EscalationStore(db)),
        PlanForm(plans),
        PrioritiseForm(),
        TiersForm(),
        SkillsForm(),
        CoverageForm(),
        CadenceForm(),
        MilestonesForm(build_rhythm(settings, db).service),
    ]
    return Coach(
        **parts,
        forms=forms,
        runner=FormRunner(tools),
        states=SqlFormStates(db),
        unit_of_work=db.unit_of_work,
        handled_events=SqlHandledEvents(db),
    )
