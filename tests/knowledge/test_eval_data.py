"""The evaluation sets' shape and balance, checked without loading any model.

Covers tests/data/answers_eval.yaml (on-topic questions with their right sources and the figures a good
answer must contain), tests/data/offtopic_answers_eval.yaml (questions the gate must refuse) and
prompts/offtopic_exemplars.yaml (the gate's labelled off-topic examples). The sets are what we measure
ourselves by, so a card renamed, a figure reworded in a card, a question copied into the exemplars or
leaked from dev into holdout must fail here, not silently inflate a score.
"""

from __future__ import annotations

import re
from bisect import bisect_left, bisect_right
from collections import Counter
from itertools import product
from pathlib import Path
from typing import Any

import pytest
import yaml

from bot.retrieval.cards import Card, load_cards

REPO = Path(__file__).resolve().parent.parent.parent
DATA = REPO / "tests" / "data"
_LOADER = getattr(yaml, "CSafeLoader", yaml.SafeLoader)  # the C loader reads these files ~7x faster


def _load(path: Path) -> Any:
    return yaml.load(path.read_text(encoding="utf-8"), Loader=_LOADER)


ON_TOPIC: list[dict[str, Any]] = _load(DATA / "answers_eval.yaml")
OFF_TOPIC: list[dict[str, Any]] = _load(DATA / "offtopic_answers_eval.yaml")
EXEMPLAR_FILE: dict[str, Any] = _load(REPO / "prompts" / "offtopic_exemplars.yaml")
OLDER_SET_FILES = (
    "retrieval_eval.yaml",
    "retrieval_holdout.yaml",
    "offtopic_eval.yaml",
    "offtopic_holdout.yaml",
)
OLDER_SETS = {name: _load(DATA / name) for name in OLDER_SET_FILES}
CARDS: dict[str, Card] = {card.key: card for card in load_cards(REPO / "knowledge")}

LANGS = ("zh", "en")
SPLITS = ("dev", "holdout")
ON_TOPIC_CATEGORIES = ("situation", "colloquial", "figure", "typo", "mixed", "non_obvious", "how_to")
OFF_TOPIC_CATEGORIES = (
    "hr",
    "personal_finance",
    "consumer_marketing",
    "coding",
    "daily_life",
    "injection",
    "near_miss",
)
RULES = ("pricing", "prioritise", "tiers", "cadence", "skills", "coverage")
SEED_CHUNKS = range(1, 39)
ON_TOPIC_KEYS = {"id", "q", "lang", "category", "split", "sources", "chunks", "must_contain", "rule"}
OFF_TOPIC_KEYS = {"id", "q", "lang", "category", "split"}
# Two questions whose character bigrams overlap this much are the same question reworded (measured:
# distinct questions in these sets stay under 0.55).
NEAR_DUPLICATE = 0.6


def _normalised(text: str) -> str:
    return re.sub(r"[\W_]+", "", text.casefold())


def _bigrams(text: str) -> frozenset[str]:
    norm = _normalised(text)
    return frozenset(norm[i : i + 2] for i in range(len(norm) - 1)) or frozenset({norm})


def _near_duplicates(left: list[str], right: list[str]) -> list[tuple[float, str, str]]:
    """Pairs (left, right) whose bigram Jaccard similarity reaches NEAR_DUPLICATE."""
    # Jaccard can't exceed small/large set size, so only sizes within that ratio are compared: it keeps
    # the tens of thousands of pairs well inside the suite's time budget.
    right_grams = sorted(((len(g), text, g) for text in right for g in [_bigrams(text)]), key=lambda r: r[0])
    sizes = [size for size, _, _ in right_grams]
    found = []
    for a in left:
        ga = _bigrams(a)
        low = bisect_left(sizes, len(ga) * NEAR_DUPLICATE)
        high = bisect_right(sizes, len(ga) / NEAR_DUPLICATE)
        for size, b, gb in right_grams[low:high]:
            shared = len(ga & gb)
            similarity = shared / (len(ga) + size - shared)
            if similarity >= NEAR_DUPLICATE:
                found.append((round(similarity, 2), a, b))
    return found


def _share(items: list[dict[str, Any]], **where: str) -> int:
    return sum(all(item[k] == v for k, v in where.items()) for item in items)


def _exemplars() -> list[str]:
    by_category = EXEMPLAR_FILE["exemplars"].values()
    return [text for by_lang in by_category for texts in by_lang.values() for text in texts]


# ------------------------------------------------------------------------------------------------ shape


@pytest.mark.parametrize(
    ("items", "allowed", "categories"),
    [(ON_TOPIC, ON_TOPIC_KEYS, ON_TOPIC_CATEGORIES), (OFF_TOPIC, OFF_TOPIC_KEYS, OFF_TOPIC_CATEGORIES)],
    ids=["on_topic", "off_topic"],
)
def test_every_item_has_the_documented_fields(items, allowed, categories):
    for item in items:
        assert set(item) <= allowed, (item["id"], set(item) - allowed)
        assert set(item) >= OFF_TOPIC_KEYS, (item.get("id"), OFF_TOPIC_KEYS - set(item))
        assert isinstance(item["q"], str) and item["q"].strip() == item["q"] and item["q"], item["id"]
        assert item["lang"] in LANGS, item["id"]
        assert item["split"] in SPLITS, item["id"]
        assert item["category"] in categories, item["id"]


def test_ids_are_unique_across_both_sets():
    ids = Counter(item["id"] for item in ON_TOPIC + OFF_TOPIC)
    assert [i for i, n in ids.items() if n > 1] == []


def test_on_topic_items_name_sources_chunks_and_valid_rules():
    for item in ON_TOPIC:
        assert item["sources"] and len(set(item["sources"])) == len(item["sources"]), item["id"]
        assert item["chunks"] and all(c in SEED_CHUNKS for c in item["chunks"]), item["id"]
        assert item.get("rule", "pricing") in RULES, item["id"]
        if "must_contain" in item:
            assert item["must_contain"] and all(isinstance(s, str) and s for s in item["must_contain"])
    for rule in RULES:
        langs = {item["lang"] for item in ON_TOPIC if item.get("rule") == rule}
        assert langs == set(LANGS), f"rule {rule} has situation questions in {sorted(langs)} only"


# ------------------------------------------------------------------------------------------------ balance


def test_on_topic_set_is_large_and_half_chinese_half_english():
    assert len(ON_TOPIC) >= 220
    zh, en = _share(ON_TOPIC, lang="zh"), _share(ON_TOPIC, lang="en")
    assert abs(zh - en) <= len(ON_TOPIC) // 20, (zh, en)


@pytest.mark.parametrize("category", ON_TOPIC_CATEGORIES)
def test_each_on_topic_category_is_spread_over_languages_and_splits(category):
    items = [item for item in ON_TOPIC if item["category"] == category]
    assert len(items) >= 20
    for lang in LANGS:
        assert _share(items, lang=lang) >= 8, lang
        assert _share(items, lang=lang, split="holdout") >= 3, lang
    assert 0.25 <= _share(items, split="holdout") / len(items) <= 0.4


def test_off_topic_set_covers_every_category_in_both_languages():
    assert len(OFF_TOPIC) >= 80
    assert abs(_share(OFF_TOPIC, lang="zh") - _share(OFF_TOPIC, lang="en")) <= len(OFF_TOPIC) // 10
    for category, lang in product(OFF_TOPIC_CATEGORIES, LANGS):
        assert _share(OFF_TOPIC, category=category, lang=lang) >= 5, (category, lang)
        assert _share(OFF_TOPIC, category=category, lang=lang, split="holdout") >= 2, (category, lang)
    assert 0.25 <= _share(OFF_TOPIC, split="holdout") / len(OFF_TOPIC) <= 0.4


def test_each_language_is_the_dominant_language_of_its_question():
    """A Chinese sentence with English terms is zh; an English one with Chinese terms is en."""
    for item in ON_TOPIC + OFF_TOPIC:
        han = len(re.findall(r"[\u4e00-\u9fff]", item["q"]))
        words = len(re.findall(r"[A-Za-z]+", item["q"]))
        if item["lang"] == "zh":
            assert han >= words, item["id"]
        else:
            assert words > han, item["id"]


# ------------------------------------------------------------------------------------------------ cards


def test_every_source_is_a_card_in_the_question_language():
    missing = [
        (item["id"], source)
        for item in ON_TOPIC
        for source in item["sources"]
        if f"{source}@{item['lang']}" not in CARDS
    ]
    assert missing == []


def test_figure_questions_name_the_figure_and_the_best_source_writes_it():
    assert all("must_contain" in item for item in ON_TOPIC if item["category"] == "figure")
    absent = [
        (item["id"], text)
        for item in ON_TOPIC
        for text in item.get("must_contain", [])
        if text not in CARDS[f"{item['sources'][0]}@{item['lang']}"].body
    ]
    assert absent == []


def test_the_listed_chunks_are_where_the_sources_draw_from():
    for item in ON_TOPIC:
        cards = [CARDS[f"{source}@{item['lang']}"] for source in item["sources"]]
        cited = {chunk for card in cards for chunk in card.seed_chunks}
        assert set(item["chunks"]) <= cited, (item["id"], set(item["chunks"]) - cited)
        assert set(item["chunks"]) & set(cards[0].seed_chunks), item["id"]


# ------------------------------------------------------------------------------------------------ leaks


@pytest.mark.parametrize("items", [ON_TOPIC, OFF_TOPIC], ids=["on_topic", "off_topic"])
def test_no_question_is_repeated_or_shared_between_dev_and_holdout(items):
    questions = Counter(_normalised(item["q"]) for item in items)
    assert [q for q, n in questions.items() if n > 1] == []
    dev = [item["q"] for item in items if item["split"] == "dev"]
    holdout = [item["q"] for item in items if item["split"] == "holdout"]
    assert _near_duplicates(dev, holdout) == []


def test_questions_are_not_copied_from_the_cards_or_the_older_sets():
    ours = [item["q"] for item in ON_TOPIC + OFF_TOPIC]
    theirs = [ask for card in CARDS.values() for ask in card.asks]
    theirs += [item["q"] for items in OLDER_SETS.values() for item in items]
    assert _near_duplicates(ours, theirs) == []


# ------------------------------------------------------------------------------------------------ exemplars


def test_exemplars_cover_every_category_in_both_languages():
    exemplars = EXEMPLAR_FILE["exemplars"]
    assert set(exemplars) == set(OFF_TOPIC_CATEGORIES)
    for category, lang in product(OFF_TOPIC_CATEGORIES, LANGS):
        texts = exemplars[category][lang]
        assert len(texts) >= 15 and all(isinstance(t, str) and t for t in texts), (category, lang)
    every = _exemplars()
    assert len({_normalised(t) for t in every}) == len(every), "an exemplar is listed twice"


def test_greetings_are_listed_in_both_languages():
    greetings = EXEMPLAR_FILE["greetings"]
    assert set(greetings) == set(LANGS)
    assert all(len(greetings[lang]) >= 10 for lang in LANGS)
    assert {"hello", "thanks", "help"} <= {g.casefold() for g in greetings["en"]}
    assert {"你好", "谢谢", "你能做什么"} <= set(greetings["zh"])


def test_no_exemplar_is_an_evaluation_question():
    questions = [item["q"] for item in ON_TOPIC + OFF_TOPIC]
    questions += [item["q"] for items in OLDER_SETS.values() for item in items]
    exemplars = _exemplars() + [g for texts in EXEMPLAR_FILE["greetings"].values() for g in texts]
    assert {_normalised(e) for e in exemplars} & {_normalised(q) for q in questions} == set()
    assert _near_duplicates(exemplars, questions) == []
