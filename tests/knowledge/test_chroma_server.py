"""The index on a Chroma server (`chroma run`, shipped in the chromadb package) instead of the embedded
folder: two processes with data folders of their own share it, and each sees what the other ingests."""

from __future__ import annotations

import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest

import bot.retrieval.index as index_module
from bot.retrieval.index import KnowledgeIndex
from bot.retrieval.ingest import ingest_file
from tests.conftest import make_settings

pytestmark = pytest.mark.slow


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@pytest.fixture
def chroma_server(tmp_path):
    port = _free_port()
    chroma = Path(sys.executable).parent / "chroma"
    server = subprocess.Popen(
        [str(chroma), "run", "--path", str(tmp_path / "server"), "--host", "127.0.0.1", "--port", str(port)],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        deadline = time.monotonic() + 60
        while True:
            try:
                with urllib.request.urlopen(f"http://127.0.0.1:{port}/api/v2/heartbeat", timeout=2):
                    break
            except OSError:
                if server.poll() is not None or time.monotonic() > deadline:
                    raise RuntimeError("chroma run did not start") from None
                time.sleep(0.2)
        yield port
    finally:
        server.terminate()
        server.wait(timeout=30)


def test_two_data_folders_share_one_chroma_server(chroma_server, tmp_path, monkeypatch):
    monkeypatch.setattr(index_module, "SERVER_CHECK_SECONDS", 0.0)  # ask the server at every search
    server = {"CHROMA_HOST": "127.0.0.1", "CHROMA_PORT": chroma_server}
    first = KnowledgeIndex(make_settings(tmp_path / "first", **server))
    assert first.sync_cards().added > 80
    assert not (tmp_path / "first" / "chroma").exists()  # nothing stored in the embedded folder
    assert first.search("What is LRAIC?", k=1, lang="en")[0].source_id == "true-product-cost"

    # Another machine: its own data folder, the same server. It reads what is there, cards included.
    second = KnowledgeIndex(make_settings(tmp_path / "second", **server))
    report = second.sync_cards()
    assert (report.added, report.unchanged) == (0, len(second.cards))
    playbook = tmp_path / "quokka.md"
    playbook.write_text("# Quokka account\n\nThe Quokka renewal is due on 31 March.", encoding="utf-8")
    ingest_file(second, playbook)

    hits = first.search("When is the Quokka renewal due?", k=5, lang="en")
    assert any(hit.title == "quokka.md" and "31 March" in hit.text for hit in hits)
    assert [row["title"] for row in first.documents()] == ["quokka.md"]
    second.remove_document(str(playbook.resolve()))
    assert all(hit.kind != "document" for hit in first.search("Quokka renewal", k=5, lang="en"))
