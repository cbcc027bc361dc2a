"""Small files are written a few at a time (so both embedders stay busy): each is still listed with its
own chunks, found by its own facts, and a file given twice is stored once."""

from __future__ import annotations

import shutil

import pytest

from bot.retrieval.index import KnowledgeIndex
from bot.retrieval.ingest import GROUP_CHUNKS, collect_files, ingest_files, prepare
from tests.conftest import make_settings


@pytest.fixture
def fresh_index(shared_data_dir, index, tmp_path):
    target = tmp_path / "data"
    shutil.copytree(shared_data_dir, target)
    return KnowledgeIndex(make_settings(target))


def test_many_small_files_are_each_listed_and_found(fresh_index, tmp_path):
    folder = tmp_path / "accounts"
    folder.mkdir()
    animals = ["Quokka", "Wombat", "Numbat", "Bilby", "Dingo", "Echidna", "Possum", "Wallaby"]
    for n, animal in enumerate(animals):
        sections = [f"## Note {k}\n\nThe {animal} account review number {k} is on file." for k in range(40)]
        (folder / f"{animal.lower()}.md").write_text(
            f"# {animal} account\n\nThe {animal} renewal is due on {n + 1} June.\n\n" + "\n\n".join(sections),
            encoding="utf-8",
        )
    prepared = prepare(collect_files([folder]))
    assert sum(len(file.chunks) for file in prepared) > GROUP_CHUNKS  # more than one group
    results = ingest_files(fresh_index, prepared)
    assert [result.chunks for result in results] == [len(file.chunks) for file in prepared]
    listed = {row["title"]: row["chunks"] for row in fresh_index.documents()}
    assert listed == {file.path.name: len(file.chunks) for file in prepared}
    hits = fresh_index.search("When is the Numbat renewal due?", k=3, lang="en")
    assert hits[0].title == "numbat.md" and "3 June" in hits[0].text
    assert fresh_index.store.count() == fresh_index.piece_count()


def test_a_file_given_twice_is_stored_once(fresh_index, tmp_path):
    note = tmp_path / "note.md"
    note.write_text("# Kookaburra\n\nThe Kookaburra programme pays partners quarterly.", encoding="utf-8")
    twice = prepare([note, note])
    results = ingest_files(fresh_index, twice)
    assert [result.chunks for result in results] == [1, 1]
    assert [(row["title"], row["chunks"]) for row in fresh_index.documents()] == [("note.md", 1)]
    assert fresh_index.store.count() == fresh_index.piece_count()


def test_the_stored_vectors_are_the_models_own(fresh_index, tmp_path):
    """What a search reads is what the model gives for the writer's batches, bit for bit."""
    import numpy as np

    from bot.retrieval import writer
    from bot.retrieval.embeddings import embed_array
    from bot.retrieval.index import document_id

    playbook = tmp_path / "numbat.md"
    playbook.write_text(
        "\n\n".join(
            f"## Site {n}\n\nThe Numbat site {n} is audited every {n % 11 + 1} weeks." for n in range(150)
        ),
        encoding="utf-8",
    )
    (prepared,) = prepare([playbook])
    ingest_files(fresh_index, [prepared])
    snapshot = fresh_index.folder.current()
    assert snapshot is not None
    ids = sorted(
        snapshot.piece_ids_of(document_id(str(playbook))), key=lambda key: int(key.rsplit("#", 1)[1])
    )
    stored = np.asarray(snapshot.vectors[snapshot.rows_of(ids)])
    chunks = prepared.chunks
    expected = np.concatenate(
        [
            embed_array(fresh_index.embeddings, chunks[at : at + writer.BATCH])
            for at in range(0, len(chunks), writer.BATCH)
        ]
    )
    assert len(chunks) == 150 and np.array_equal(stored, expected)
