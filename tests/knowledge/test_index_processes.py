"""Several processes on one data folder: each sees the others' ingests; an ingest killed half-way is
never listed and leaves the earlier copy searchable; a lost snapshot, or a store written by the
version before the registry, is rebuilt from Chroma."""

from __future__ import annotations

import json
import os
import shutil
import signal
import subprocess
import sys
import time

import pytest

from bot.retrieval.index import KnowledgeIndex, document_id
from tests.conftest import REPO, cli_env, make_settings


@pytest.fixture
def own_data_dir(shared_data_dir, tmp_path):
    """A copy of the built index, so these tests' documents don't leak into other tests."""
    target = tmp_path / "data"
    shutil.copytree(shared_data_dir, target)
    return target


def _sources(run_cli, data_dir) -> list[tuple[str, int]]:
    result = run_cli("sources", "--json", data_dir=data_dir)
    assert result.returncode == 0, result.stderr
    return [(row["title"], row["chunks"]) for row in json.loads(result.stdout)["documents"]]


def _answer_sources(run_cli, data_dir, question: str) -> list[str]:
    result = run_cli("ask", "--json", question, data_dir=data_dir)
    assert result.returncode == 0, result.stderr
    return [source["title"] for source in json.loads(result.stdout)["sources"]]


def test_a_running_index_sees_another_process_ingest_and_removal(run_cli, own_data_dir, tmp_path):
    index = KnowledgeIndex(make_settings(own_data_dir))
    question = "Do we offer the Wombat bundle to telecom carriers?"
    assert all(hit.kind != "document" for hit in index.search(question, k=5, lang="en"))

    playbook = tmp_path / "playbook.md"
    playbook.write_text(
        "# Carrier playbook\n\nFor telecom carriers we always offer the Wombat bundle first.",
        encoding="utf-8",
    )
    assert run_cli("ingest", str(playbook), data_dir=own_data_dir).returncode == 0
    hits = index.search(question, k=5, lang="en")  # the same object, no reopening
    assert any(hit.title == "playbook.md" and "Wombat bundle" in hit.text for hit in hits)
    assert [row["title"] for row in index.documents()] == ["playbook.md"]

    assert run_cli("ingest", "--remove", str(playbook), data_dir=own_data_dir).returncode == 0
    assert all(hit.kind != "document" for hit in index.search(question, k=5, lang="en"))
    assert index.documents() == []


@pytest.mark.slow
def test_a_killed_ingest_is_never_listed_and_the_earlier_copy_stays(run_cli, own_data_dir, tmp_path):
    playbook = tmp_path / "playbook.md"
    playbook.write_text("# Numbat rebate\n\nOur Numbat rebate applies to renewals only.", encoding="utf-8")
    assert run_cli("ingest", str(playbook), data_dir=own_data_dir).returncode == 0
    assert _sources(run_cli, own_data_dir) == [("playbook.md", 1)]

    # A much longer version, killed while it is being written.
    sections = [
        f"## Region {n}\n\nThe Bilby discount for region {n} is agreed with the regional director "
        f"before the quarterly review, and recorded in the account plan for {n} accounts."
        for n in range(3000)
    ]
    playbook.write_text("# Numbat rebate v2\n\n" + "\n\n".join(sections), encoding="utf-8")
    pending = next((own_data_dir / "index").iterdir()) / "pending"
    process = subprocess.Popen(
        [sys.executable, "-m", "bot", "ingest", str(playbook)],
        cwd=REPO,
        env=cli_env(own_data_dir),
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        deadline = time.monotonic() + 120
        while not pending.exists() and process.poll() is None and time.monotonic() < deadline:
            time.sleep(0.05)
        time.sleep(2)  # let some batches reach Chroma
    finally:
        os.kill(process.pid, signal.SIGKILL)
        process.wait()
    assert process.returncode == -signal.SIGKILL, "the ingest finished before it could be interrupted"

    assert _sources(run_cli, own_data_dir) == [("playbook.md", 1)]
    assert "playbook.md" in _answer_sources(run_cli, own_data_dir, "Does the Numbat rebate cover renewals?")
    assert "playbook.md" not in _answer_sources(run_cli, own_data_dir, "Bilby discount regional director")

    # Ingesting again completes, and leaves nothing of the killed attempt behind.
    playbook.write_text("# Numbat rebate v3\n\nThe Numbat rebate now also covers upgrades.", encoding="utf-8")
    assert run_cli("ingest", str(playbook), data_dir=own_data_dir).returncode == 0
    assert _sources(run_cli, own_data_dir) == [("playbook.md", 1)]
    index = KnowledgeIndex(make_settings(own_data_dir))
    assert index.store.count() == index.piece_count()


def test_a_lost_snapshot_is_rebuilt_from_chroma(run_cli, own_data_dir, tmp_path):
    playbook = tmp_path / "notes.md"
    playbook.write_text("# Dingo account\n\nThe Dingo account renews in May.", encoding="utf-8")
    assert run_cli("ingest", str(playbook), data_dir=own_data_dir).returncode == 0
    shutil.rmtree(own_data_dir / "index")
    assert "notes.md" in _answer_sources(run_cli, own_data_dir, "When does the Dingo account renew?")
    assert _sources(run_cli, own_data_dir) == [("notes.md", 1)]


def test_a_store_written_before_the_registry_is_taken_over(tmp_path):
    """The layout of the version before: pieces only, keyed `doc:…#n`, no registry, no snapshot."""
    from bot.retrieval.chroma_store import ChromaLangchainEmbeddingFunction, open_client
    from bot.retrieval.embeddings import USEMultilingualEmbeddings

    settings = make_settings(tmp_path / "data")
    index = KnowledgeIndex(settings)
    path = str(tmp_path / "old-playbook.md")
    doc_id = document_id(path)
    chunks = ["The Kookaburra programme pays partners quarterly.", "Partners report their sales monthly."]
    legacy = open_client(settings).get_or_create_collection(
        index.collection_name,
        embedding_function=ChromaLangchainEmbeddingFunction(settings.embeddings, USEMultilingualEmbeddings()),
        metadata={"hnsw:space": "cosine"},
    )
    legacy.add(
        ids=[f"{doc_id}#{n}" for n in range(len(chunks))],
        embeddings=USEMultilingualEmbeddings().embed_documents(chunks),
        documents=chunks,
        metadatas=[
            {
                "kind": "document",
                "source_id": doc_id,
                "lang": "en",
                "title": "old-playbook.md",
                "seed_chunks": "",
                "actions": "",
                "content_hash": "x",
                "path": path,
                "chunk": n,
                "ingested_at": 1.0,
                "tokens": " ".join(chunk.lower().rstrip(".").split()),
            }
            for n, chunk in enumerate(chunks)
        ],
    )
    assert [(row["title"], row["chunks"]) for row in index.documents()] == [("old-playbook.md", 2)]
    hits = index.search("When does the Kookaburra programme pay partners?", k=5, lang="en")
    assert any(hit.title == "old-playbook.md" and "Kookaburra" in hit.text for hit in hits)
    assert len(index.cards) > 80  # the cards were never in it: synced on first use
    assert index.search("What is LRAIC?", k=1, lang="en")[0].source_id == "true-product-cost"

    # Re-ingesting the file replaces the old pieces, ids and all.
    from bot.retrieval.ingest import ingest_file

    (tmp_path / "old-playbook.md").write_text("The Kookaburra programme now pays monthly.", encoding="utf-8")
    assert ingest_file(index, tmp_path / "old-playbook.md").replaced == 2
    assert legacy.get(ids=[f"{doc_id}#0", f"{doc_id}#1"])["ids"] == []
    assert [(row["title"], row["chunks"]) for row in index.documents()] == [("old-playbook.md", 1)]
