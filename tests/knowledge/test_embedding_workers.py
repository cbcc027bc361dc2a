"""Large ingests embed in worker processes: the same vectors as in this process, bit for bit, the same
search results, and no worker outlives its ingest (a failed worker is an error, not a hang)."""

from __future__ import annotations

import os
import shutil
import signal
from pathlib import Path

import numpy as np
import pytest

from bot.retrieval import writer
from bot.retrieval.embedding_workers import EmbeddingWorkers, WorkerStopped
from bot.retrieval.embeddings import USEMultilingualEmbeddings, embed_array
from bot.retrieval.index import KnowledgeIndex, document_id
from bot.retrieval.ingest import ingest_files, prepare
from tests.conftest import make_settings

TEXTS = [
    "How should I price this deal?",
    "这个单子怎么报价？预算1.2万",
    "## Renewal\n\nThe Quokka renewal is due on 30 June; the customer wants 20% off.",
    "客户分层怎么做，关键客户每季度拜访一次。",
]


def test_workers_give_the_vectors_of_this_process_bit_for_bit(settings):
    embeddings = USEMultilingualEmbeddings(cache_dir=settings.data_dir / "cache")
    workers = EmbeddingWorkers(embeddings, 2)
    try:
        futures = [workers.submit(TEXTS), workers.submit(TEXTS[::-1]), workers.submit(TEXTS[:1])]
        answers = [future.result(timeout=120) for future in futures]
    finally:
        workers.close()
    assert np.array_equal(answers[0], embed_array(embeddings, TEXTS))
    assert np.array_equal(answers[1], embed_array(embeddings, TEXTS[::-1]))
    assert answers[2].shape == (1, 512) and answers[2].dtype == np.float32
    assert all(worker.process.returncode == 0 for worker in workers._workers)


def test_a_worker_that_dies_fails_its_batches_instead_of_hanging(settings):
    workers = EmbeddingWorkers(USEMultilingualEmbeddings(cache_dir=settings.data_dir / "cache"), 2)
    try:
        victim = workers._workers[0]
        victim.process.kill()
        victim.process.wait()
        with pytest.raises(WorkerStopped):
            victim.submit(TEXTS).result(timeout=60)
        with pytest.raises(WorkerStopped):  # also once it is known to be gone
            victim.submit(TEXTS).result(timeout=60)
        answer = workers.submit(TEXTS).result(timeout=120)  # the other one answers the rest
        assert answer.shape == (len(TEXTS), 512)
    finally:
        workers.close()


def _stored_vectors(index: KnowledgeIndex, path: str) -> np.ndarray:
    """The vectors a search reads (the snapshot's; Chroma hands back its own normalised copies)."""
    snapshot = index.folder.current()
    assert snapshot is not None
    ids = sorted(snapshot.piece_ids_of(document_id(path)), key=lambda key: int(key.rsplit("#", 1)[1]))
    return np.asarray(snapshot.vectors[snapshot.rows_of(ids)])


def test_an_ingest_in_workers_stores_and_finds_what_one_in_threads_does(
    tmp_path, monkeypatch, shared_data_dir, index
):
    playbook = tmp_path / "quokka.md"
    playbook.write_text(
        "# Quokka account plan\n\n"
        + "\n\n".join(
            f"## Region {n}\n\nThe Quokka renewal for region {n} is due on {n % 28 + 1} June, "
            f"and the regional director approves any discount above {n % 15 + 5}%."
            for n in range(150)
        ),
        encoding="utf-8",
    )
    question = "When is the Quokka renewal due for region 42?"
    results = {}
    for how, process_from in (("threads", 10**9), ("workers", 1)):
        monkeypatch.setattr(writer, "PROCESS_FROM", process_from)
        data_dir = tmp_path / how
        shutil.copytree(shared_data_dir, data_dir)
        fresh = KnowledgeIndex(make_settings(data_dir))
        (result,) = ingest_files(fresh, prepare([playbook]))
        hits = fresh.search(question, k=5, lang="en")
        results[how] = (
            result.chunks,
            _stored_vectors(fresh, str(playbook)),
            [(hit.source_id, hit.text, hit.score) for hit in hits],
        )
    threads, workers = results["threads"], results["workers"]
    assert threads[0] == workers[0] >= 150
    assert np.array_equal(threads[1], workers[1])
    assert threads[2] == workers[2] and "Quokka" in threads[2][0][1]


def _worker_pids() -> list[int]:
    return [
        int(pid)
        for task in Path("/proc/self/task").iterdir()
        for pid in (task / "children").read_text().split()
        if "bot.retrieval.embedding_workers" in Path(f"/proc/{pid}/cmdline").read_text(errors="replace")
    ]


def test_an_ingest_whose_worker_dies_still_completes_in_this_process(
    tmp_path, monkeypatch, shared_data_dir, index
):
    playbook = tmp_path / "numbat.md"
    playbook.write_text(
        "\n\n".join(
            f"## Site {n}\n\nThe Numbat site {n} is audited every {n % 11 + 1} weeks." for n in range(300)
        ),
        encoding="utf-8",
    )
    monkeypatch.setattr(writer, "PROCESS_FROM", 1)
    data_dir = tmp_path / "data"
    shutil.copytree(shared_data_dir, data_dir)
    fresh = KnowledgeIndex(make_settings(data_dir))
    killed: list[int] = []

    def kill_a_worker(_count: int) -> None:
        if not killed:
            killed.extend(_worker_pids()[:1])
            os.kill(killed[0], signal.SIGKILL)

    (result,) = ingest_files(fresh, prepare([playbook]), progress=kill_a_worker)
    assert killed and result.chunks == 300
    assert [(row["title"], row["chunks"]) for row in fresh.documents()] == [("numbat.md", 300)]
    assert fresh.store.count() == fresh.piece_count()
    stored = _stored_vectors(fresh, str(playbook))
    chunks, embeddings = (
        prepare([playbook])[0].chunks,
        USEMultilingualEmbeddings(cache_dir=data_dir / "cache"),
    )
    expected = np.concatenate(  # in the writer's batches: a batch's makeup moves the last bits
        [
            embed_array(embeddings, chunks[at : at + writer.BATCH])
            for at in range(0, len(chunks), writer.BATCH)
        ]
    )
    assert np.array_equal(stored, expected)
