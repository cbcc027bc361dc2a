"""A plan shows tiers, quadrants and review events in the words of the forms that own them (choices.yaml,
prioritise.yaml, cadence.yaml): one label each, so a plan, a ranking and a review schedule never disagree."""

from __future__ import annotations

import pytest

from bot.plans.wording import PlanWording
from bot.wording import Catalogue
from tests.conftest import REPO


@pytest.mark.parametrize(
    ("group", "key", "language", "label"),
    [
        ("tiers", "key", "zh", "关键客户"),
        ("tiers", "standard", "en", "standard account"),
        ("quadrants", "plan_attack", "zh", "计划出击"),
        ("quadrants", "act_now", "en", "act now"),
        ("events", "plan_due", "en", "plan due (week 12)"),
        ("events", "quarterly_review", "zh", "客户计划季度审核"),
        ("statuses", "in_review", "zh", "审核中"),
        ("tiers", "gold", "en", "gold"),  # an unknown id is shown as it is
    ],
)
def test_labels_come_from_their_owners(group: str, key: str, language, label: str) -> None:
    catalogue = Catalogue(REPO / "prompts")
    assert PlanWording(catalogue).named(group, key, language) == label
    owner = {"tiers": "choices.yaml", "quadrants": "prioritise.yaml", "events": "cadence.yaml"}.get(group)
    if owner is not None and key != "gold":
        assert not catalogue.file("plan.yaml").has(language, group, key)  # stored once, in its owner
