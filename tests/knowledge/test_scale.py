"""Past 32,766 stored pieces (SQLite's variable limit, where an unfiltered Chroma read used to fail)
the coach still ingests, lists and answers, and can rebuild its snapshot from Chroma page by page.

The real `kam-coach ingest` of a file of 32,400 small sections, with the suite's hashing embedding
(tests/knowledge/custom_embeddings.py) so the run is spent storing and reading the pieces, not on
the sentence encoder."""

from __future__ import annotations

import json
import shutil

import pytest

pytestmark = pytest.mark.slow

HASHING = {"KAM_EMBEDDINGS": "tests.knowledge.custom_embeddings:HashingEmbeddings"}
SECTIONS = 32_400  # plus the cards' 484 pieces: past 32,766


def test_past_32766_pieces_the_coach_ingests_lists_and_answers(run_cli, tmp_path):
    data_dir = tmp_path / "data"
    notes = tmp_path / "wallaby-notes.md"
    notes.write_text(
        "\n\n".join(
            f"## Note {n}\n\nWallaby account {n} renews in week {n % 52} with owner {n % 97}."
            for n in range(SECTIONS)
        ),
        encoding="utf-8",
    )
    ingested = run_cli("ingest", "--json", str(notes), data_dir=data_dir, **HASHING)
    assert ingested.returncode == 0, ingested.stderr
    assert json.loads(ingested.stdout)["ingested"][0]["chunks"] == SECTIONS

    def answer() -> list[dict]:
        result = run_cli(
            "ask", "--json", "Wallaby account 31337 renews in which week?", data_dir=data_dir, **HASHING
        )
        assert result.returncode == 0, result.stderr
        return json.loads(result.stdout)["sources"]

    assert answer()[0]["title"] == "wallaby-notes.md"
    listing = run_cli("sources", "--json", data_dir=data_dir, **HASHING)
    assert listing.returncode == 0, listing.stderr
    assert [(d["title"], d["chunks"]) for d in json.loads(listing.stdout)["documents"]] == [
        ("wallaby-notes.md", SECTIONS)
    ]

    shutil.rmtree(data_dir / "index")  # the snapshot lost: rebuilt from Chroma, a page at a time
    assert answer()[0]["title"] == "wallaby-notes.md"
