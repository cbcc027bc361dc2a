"""Users' documents are cut by their structure: a heading travels with its text, never alone; PDF lines
are joined back into sentences; folders are read at any depth."""

from __future__ import annotations

import pytest

from bot.retrieval.ingest import CHUNK_SIZE, UnreadableDocument, chunk_text, collect_files, reflow

PROPOSAL = """# Quokka renewal proposal

## Renewal

The Quokka renewal is due on 31 March 2027. The price rises by 4% unless volumes grow.

## Team

Alice Wong owns the account; Bob Li handles billing.

## 价格

续约价格上调4%，除非用量增长。
"""


def test_each_heading_travels_with_the_text_under_it():
    chunks = chunk_text(PROPOSAL, "markdown")
    assert chunks[0].startswith("# Quokka renewal proposal\n## Renewal")  # consecutive headings join
    assert "due on 31 March 2027" in chunks[0]
    assert any(c.startswith("## Team") and "Alice Wong" in c for c in chunks)
    assert any(c.startswith("## 价格") and "上调4%" in c for c in chunks)
    for chunk in chunks:
        assert any(not line.startswith("#") for line in chunk.splitlines() if line.strip()), chunk


def test_a_long_section_is_cut_at_sentences_and_every_part_keeps_its_heading():
    body = " ".join(f"Sentence {n} explains one more detail of the discount policy." for n in range(60))
    chunks = chunk_text(f"## Discount policy\n\n{body}", "markdown")
    assert len(chunks) > 2
    for chunk in chunks:
        assert chunk.startswith("## Discount policy\n\n") and len(chunk) <= CHUNK_SIZE + 50
        assert chunk.rstrip().endswith(".")  # cut at a sentence end, not mid-word
    assert "Sentence 59" in chunks[-1]


def test_plain_text_headings_are_short_lines_that_end_no_sentence():
    text = "Pricing rules\n\nWe never discount more than 10% without approval.\n\nA short note.\n\nAnother."
    chunks = chunk_text(text, "text")
    assert chunks[0].startswith("Pricing rules\n\nWe never discount")
    assert "Pricing rules" not in chunks[0].split("\n\n", 1)[1]


def test_pdf_lines_are_joined_back_into_sentences():
    page = (
        "Key account management is a way of working with\n"
        "the few customers that matter most to the busi-\n"
        "ness and its growth.\n"
        "Pricing\n"
        "We never go below the floor set by the\n"
        "pricing committee each quarter.\n"
        "7\n"
        "客户经理需要在每个季度结束之前和关键\n"
        "客户一起回顾合作进展。\n"
        "• first point to check\n"
        "• second point to check\n"
    )
    paragraphs = reflow(page).split("\n\n")
    assert paragraphs == [
        "Key account management is a way of working with the few customers that matter most to the "
        "business and its growth.",
        "Pricing",
        "We never go below the floor set by the pricing committee each quarter.",
        "客户经理需要在每个季度结束之前和关键客户一起回顾合作进展。",
        "• first point to check",
        "• second point to check",
    ]


def test_folders_are_read_at_any_depth_with_an_optional_glob(tmp_path):
    (tmp_path / "plays" / "deep").mkdir(parents=True)
    (tmp_path / "plays" / "a.md").write_text("a", encoding="utf-8")
    (tmp_path / "plays" / "deep" / "b.txt").write_text("b", encoding="utf-8")
    (tmp_path / "plays" / "deep" / "c.md").write_text("c", encoding="utf-8")
    (tmp_path / "plays" / "deep" / "image.png").write_bytes(b"\x89PNG")
    (tmp_path / "plays" / ".hidden").mkdir()
    (tmp_path / "plays" / ".hidden" / "d.md").write_text("d", encoding="utf-8")
    names = [p.name for p in collect_files([tmp_path / "plays"])]
    assert names == ["a.md", "b.txt", "c.md"]
    assert [p.name for p in collect_files([tmp_path / "plays"], glob="*.md")] == ["a.md", "c.md"]
    assert [p.name for p in collect_files([tmp_path / "plays"], glob="deep/*.md")] == ["c.md"]
    with pytest.raises(UnreadableDocument, match="no files to ingest in this folder matching"):
        collect_files([tmp_path / "plays"], glob="*.pdf")
    with pytest.raises(UnreadableDocument, match="no such file"):
        collect_files([tmp_path / "missing.md"])
