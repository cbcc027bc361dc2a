from bot.coach.terms import TermMatcher


def test_english_terms_match_whole_words_and_chinese_anywhere():
    terms = TermMatcher(["rep", "price this deal", "报价", "客户"])
    assert terms.found_in("Our REP called")
    assert not terms.found_in("the quarterly report")
    assert terms.found_in("Can you Price This Deal for me?")
    assert terms.found_in("这个单子怎么报价")
    assert not terms.found_in("明天会下雨吗")
    assert not TermMatcher([]).found_in("anything")
