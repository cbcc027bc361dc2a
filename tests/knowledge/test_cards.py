"""The knowledge base covers the whole seed, in both languages, with the seed's facts intact."""

from __future__ import annotations

import re
from collections import defaultdict

import pytest

from bot.retrieval.cards import load_cards
from bot.settings import _shipped_dir

CARDS = load_cards(_shipped_dir("knowledge"))
TOPICS: dict[str, dict[str, object]] = defaultdict(dict)
for _card in CARDS:
    TOPICS[_card.id][_card.lang] = _card


def test_every_topic_exists_in_chinese_and_english():
    one_sided = sorted(topic for topic, versions in TOPICS.items() if set(versions) != {"en", "zh"})
    assert one_sided == []
    assert len(TOPICS) >= 40


def test_both_language_versions_cite_the_same_seed_chunks():
    differing = [t for t, v in TOPICS.items() if v["en"].seed_chunks != v["zh"].seed_chunks]
    assert differing == []


def test_every_seed_chunk_is_cited():
    cited = {chunk for card in CARDS for chunk in card.seed_chunks}
    assert set(range(1, 39)) - cited == set()
    assert cited <= set(range(1, 39))


@pytest.mark.parametrize(
    "template", ["account-plan-template", "communication-plan-template", "implementation-plan-template"]
)
def test_templates_exist_in_both_languages(template):
    assert set(TOPICS[template]) == {"en", "zh"}
    assert all(TOPICS[template][lang].is_template for lang in ("en", "zh"))


def test_account_plan_template_has_every_section():
    body = TOPICS["account-plan-template"]["en"].body.lower()
    for section in (
        "customer information",
        "goals",
        "value proposition",
        "strategy",
        "communication plan",
        "implementation plan",
        "review",
    ):
        assert section in body, section


def _text(topic: str, lang: str) -> str:
    card = TOPICS[topic][lang]
    return card.title + "\n" + card.body


@pytest.mark.parametrize(
    ("topic", "lang", "facts"),
    [
        ("efficiency-effectiveness", "en", ["25%", "30%", "10%", "35%"]),
        ("efficiency-effectiveness", "zh", ["25%", "30%", "10%", "35%"]),
        ("segments-and-purchase-factors", "en", ["30%", "20%", "50%"]),
        ("segments-and-purchase-factors", "zh", ["30%", "20%", "50%"]),
        ("customer-value-pyramid", "en", ["80%", "20%"]),
        ("kunming-example", "en", ["45", "20", "9,600"]),
        ("kunming-example", "zh", ["45", "20", "9600"]),
        ("phase2-drafting-steps", "en", ["8-12"]),
        ("value-propositions", "en", ["10-15%"]),
        ("true-product-cost", "en", ["LRAIC", "marginal"]),
        ("true-product-cost", "zh", ["LRAIC", "边际成本"]),
    ],
)
def test_cards_keep_the_seeds_figures(topic, lang, facts):
    text = _text(topic, lang).replace("９", "9")
    for fact in facts:
        assert fact in text or fact.replace(",", "") in text, f"{topic}@{lang} lacks {fact}"


def _numbered_items(topic: str, lang: str) -> int:
    return len(re.findall(r"^\s*\d+[.)、．]", _text(topic, lang), re.MULTILINE))


@pytest.mark.parametrize(
    ("topic", "count"),
    [
        ("kam-principles", 10),
        ("guiding-principles", 7),
        ("nine-key-skills", 9),
        ("phase2-drafting-steps", 8),
        ("key-account-strategy-steps", 4),
        ("telecom-account-process", 6),
    ],
)
@pytest.mark.parametrize("lang", ["en", "zh"])
def test_numbered_lists_keep_the_seeds_length(topic, count, lang):
    assert _numbered_items(topic, lang) >= count


def test_cards_are_written_in_their_language():
    from bot.language import detect_language

    wrong = [c.key for c in CARDS if detect_language(c.summary) != c.lang]
    assert wrong == []
