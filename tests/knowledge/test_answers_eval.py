"""The answers evaluation (issue 10) through the real coach: hit@1, hit@3, figures named, on-topic questions
refused, off-topic questions answered and the answer language, per split and category, printed.

The scorer is benchmarks/answers_eval.py's, the one `python benchmarks/answers_eval.py` runs. The held-out
split is never tuned on; both splits are held to the issue's thresholds.
"""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Any

import pytest

REPO = Path(__file__).resolve().parent.parent.parent
sys.path.insert(0, str(REPO / "benchmarks"))

from answers_eval import load_sets, score  # noqa: E402

pytestmark = pytest.mark.slow

# Issue 10's "done when", held on both splits: hit@1, hit@3 and figures named at least these, every answer
# in the question's language, at most 3% of on-topic questions refused and 8% of off-topic ones answered.
# Reached when this was written (benchmarks/answers-eval-after.json): dev 0.946 / 0.993 / 0.933, refused
# 0 of 147, off-topic answered 1 of 59; holdout 0.883 / 0.961 / 1.0, refused 1 of 77, answered 1 of 31.
FLOORS = {"hit@1": 0.85, "hit@3": 0.95, "figures_named": 0.9, "language_right": 1.0}
CEILINGS = {"refused_share": 0.03, "off_topic_answered_share": 0.08}


@pytest.fixture(scope="module")
def result(coach) -> dict[str, Any]:
    on_topic, off_topic = load_sets()
    return score(coach, on_topic, off_topic)


def test_figures_per_split_and_category_are_printed(result, capsys):
    with capsys.disabled():
        print("\nanswers evaluation (floors", FLOORS, "ceilings", CEILINGS, ")")
        for key, figures in result["groups"].items():
            print(f"  {key:30} {figures}")
        print("  latency", result["latency_ms"])
    on_topic = result["groups"]["dev"]["on_topic"] + result["groups"]["holdout"]["on_topic"]
    off_topic = result["groups"]["dev"]["off_topic"] + result["groups"]["holdout"]["off_topic"]
    assert on_topic >= 150 and off_topic >= 60  # the sizes issue 10 asks for


@pytest.mark.parametrize("split", ["dev", "holdout"])
def test_each_split_meets_the_thresholds_of_issue_10(result, split):
    figures = result["groups"][split]
    for name, floor in FLOORS.items():
        assert figures[name] >= floor, (split, name, figures[name], result["misses"][split])
    for name, ceiling in CEILINGS.items():
        assert figures[name] <= ceiling, (split, name, figures[name], result["misses"][split])
