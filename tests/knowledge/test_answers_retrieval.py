"""The ranking alone, on the answers evaluation's dev questions (the way salespeople type them): the right
card first and in the top three, from `index.search` directly (the question read as the coach reads it:
case, short forms and typos mended by its gate's speller), before any gate decision or answer composer.

Only the dev split: it is what the cards' asks and the fusion weights were tuned on, so this holds the
tuning in place; the held-out split is measured by benchmarks/answers_eval.py.
"""

from __future__ import annotations

from collections import defaultdict
from pathlib import Path

import yaml

DATA = Path(__file__).resolve().parent.parent / "data"
DEV = [
    item
    for item in yaml.safe_load((DATA / "answers_eval.yaml").read_text(encoding="utf-8"))
    if item["split"] == "dev"
]


def test_the_right_card_comes_first_for_questions_as_salespeople_type_them(coach, capsys):
    tally: dict[str, list[int]] = defaultdict(lambda: [0, 0, 0])
    misses = []
    for item in DEV:
        query = coach.topic.normalise(item["q"])
        found = [hit.source_id for hit in coach.index.search(query, k=3, lang=item["lang"])]
        first = bool(found) and found[0] in item["sources"]
        top3 = bool(set(found) & set(item["sources"]))
        for key in ("all", item["category"], item["lang"]):
            tally[key][0] += 1
            tally[key][1] += first
            tally[key][2] += top3
        if not first:
            misses.append((item["id"], found, item["sources"]))
    with capsys.disabled():
        for key, (n, first, top3) in sorted(tally.items()):
            print(f"\n{key:12} hit@1 {first / n:.3f}  hit@3 {top3 / n:.3f}  ({n})", end="")
        print("\nmisses:", *misses, sep="\n  ")
    n, first, top3 = tally["all"]
    assert first / n >= 0.9
    assert top3 / n >= 0.95
    for category in ("situation", "colloquial", "figure", "typo", "mixed", "non_obvious", "how_to"):
        count, category_first, _ = tally[category]
        assert category_first / count >= 0.75, category
