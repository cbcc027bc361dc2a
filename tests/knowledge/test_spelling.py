"""Typos in questions are mended against the cards' own words, and real words are left as typed."""

from __future__ import annotations

from bot.retrieval.spelling import Speller

CARD_TEXT = "The opportunity prioritisation matrix was designed for customer value reviews."


def test_a_misspelt_word_becomes_the_card_word_one_edit_away():
    speller = Speller([CARD_TEXT])
    assert speller.mend("Opportunty prioritisation matirx for custmer") == (
        "opportunity prioritisation matrix for customer"
    )


def test_a_real_word_is_never_turned_into_a_card_word():
    # "resigned" is one letter from the card's "designed", but it is a word in its own right.
    assert Speller([CARD_TEXT]).mend("our champion resigned") == "our champion resigned"


def test_words_the_index_knows_and_short_words_are_kept():
    speller = Speller([CARD_TEXT], is_word=lambda word: False)
    assert speller.mend("matrixx", known={"matrixx"}) == "matrixx"
    assert speller.mend("valu") == "valu"
    assert speller.mend("matrixx") == "matrix"


def test_without_a_vocabulary_to_tell_real_words_nothing_is_mended():
    assert Speller([CARD_TEXT], is_word=lambda word: None).mend("custmer") == "custmer"


def test_a_question_with_typos_is_as_close_to_its_card_as_the_spelled_one(index):
    # The gate and the shown score read this closeness: a typo must not make a question look off topic.
    for typed, meant in [
        (
            "opportunty prioritisation matirx, how does it work",
            "opportunity prioritisation matrix, how does it work",
        ),
        ("custmer value pyramid explaind", "customer value pyramid explained"),
        ("wich segmantation questions for custmers", "which segmentation questions for customers"),
    ]:
        found, wanted = index.search(typed, k=1, lang="en")[0], index.search(meant, k=1, lang="en")[0]
        assert found.source_id == wanted.source_id
        assert found.score >= wanted.score - 0.05, (typed, found.score, wanted.score)
