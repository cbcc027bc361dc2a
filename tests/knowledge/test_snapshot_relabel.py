"""A generation whose pieces did not change (after a rebuild from Chroma only the cards' fingerprint is
new) shares its files with the one before instead of writing them again, and reads the same."""

from __future__ import annotations

import os

import numpy as np

from bot.retrieval.snapshot import Snapshot, SnapshotBuilder, SourceEntry


def _first_generation(root):
    builder = SnapshotBuilder(Snapshot.empty(4))
    entry = SourceEntry(key="doc:1", source_id="doc:1", kind="document", version="v1", title="notes.md")
    builder.put(entry)
    vectors = np.eye(4, dtype=np.float32)[:3]
    builder.add_pieces(
        entry,
        ["doc:1~v1#0", "doc:1~v1#1", "doc:1~v1#2"],
        ["alpha", "beta", "gamma"],
        ["en"] * 3,
        vectors,
        [["alpha"], ["beta"], []],
    )
    return Snapshot.load(builder.write(root, "s1", ""))


def test_only_a_new_fingerprint_links_the_files_of_the_generation_before(tmp_path):
    first = _first_generation(tmp_path)
    second = Snapshot.load(SnapshotBuilder(first).write(tmp_path, "s2", "cards-abc"))

    assert second.folder != first.folder
    assert second.manifest.cards_fingerprint == "cards-abc" and second.manifest.stamp == "s2"
    for name in ("vectors.npy", "ids.npy", "text.npy", "tokens.npy"):
        assert os.stat(second.folder / name).st_ino == os.stat(first.folder / name).st_ino, name
    assert second.ids.tolist() == first.ids.tolist()
    assert np.array_equal(second.vectors, first.vectors)
    assert [entry.key for entry in second.sources] == ["doc:1"]


def test_a_changed_source_is_written_anew(tmp_path):
    first = _first_generation(tmp_path)
    builder = SnapshotBuilder(first)
    builder.remove("doc:1")
    second = Snapshot.load(builder.write(tmp_path, "s2", ""))
    assert len(second) == 0
    assert os.stat(second.folder / "ids.npy").st_ino != os.stat(first.folder / "ids.npy").st_ino
