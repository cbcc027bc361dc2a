"""The composition root: builds a Coach with its index, store and dialogs from the settings.

Every adapter (terminal, Slack, scheduler) gets its coach here, so they all run the same code.
"""

from __future__ import annotations

import importlib
import logging
from typing import Any

from bot.coach.coach import Coach
from bot.retrieval.index import KnowledgeIndex
from bot.settings import Settings, get_settings

log = logging.getLogger(__name__)

# (module, class, intent): dialogs plug in here; a module still missing in a partial install is skipped.
DIALOGS: tuple[tuple[str, str, str], ...] = (
    ("bot.coach.pricing_dialog", "PricingDialog", "pricing"),
    ("bot.coach.plan_dialog", "PlanDialog", "plan"),
    ("bot.coach.prioritise_dialog", "PrioritiseDialog", "prioritise"),
)


def build_index(settings: Settings | None = None) -> KnowledgeIndex:
    from bot.retrieval.tokenize import use_cache_dir

    settings = settings or get_settings()
    use_cache_dir(settings.data_dir)
    index = KnowledgeIndex(settings)
    index.sync_cards()
    return index


def build_coach(settings: Settings | None = None, *, with_store: bool = True) -> Coach:
    """A ready coach. Without the store it answers questions only (what `ask` needs)."""
    settings = settings or get_settings()
    index = build_index(settings)
    if not with_store:
        return Coach(settings, index=index)
    from bot.store import open_database
    from bot.store.dialog_store import SqlDialogStateStore
    from bot.store.event_store import SqlHandledEvents

    db = open_database(settings)
    services: dict[str, Any] = {"db": db, "settings": settings}
    coach = Coach(
        settings,
        index=index,
        dialog_store=SqlDialogStateStore(db),
        services=services,
        unit_of_work=db.unit_of_work,
        handled_events=SqlHandledEvents(db),
    )
    for module_name, class_name, intent in DIALOGS:
        try:
            module = importlib.import_module(module_name)
        except ModuleNotFoundError as missing:
            if missing.name != module_name:
                raise
            log.debug("dialog %s not available", module_name)
            continue
        dialog_class = getattr(module, class_name)
        services.update(getattr(dialog_class, "build_services", lambda _db, _settings: {})(db, settings))
        coach.register_dialog(dialog_class(), intent)  # type: ignore[arg-type]
    return coach
