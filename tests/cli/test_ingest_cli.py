"""Users' own documents: ingest, re-ingest without duplicates, remove, list, and bad files."""

from __future__ import annotations

import fcntl
import json
import os
import pty
import re
import shutil
import struct
import subprocess
import sys
import termios

import pytest

from tests.conftest import REPO, cli_env


@pytest.fixture
def own_data_dir(shared_data_dir, tmp_path):
    """A copy of the built index, so these tests' documents don't leak into other tests."""
    target = tmp_path / "data"
    shutil.copytree(shared_data_dir, target)
    return target


def _minimal_pdf(text: str) -> bytes:
    """A one-page PDF with one line of text, written by hand (no PDF writer is a dependency)."""
    stream = f"BT /F1 12 Tf 72 720 Td ({text}) Tj ET".encode()
    objects = [
        b"<< /Type /Catalog /Pages 2 0 R >>",
        b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
        b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] /Contents 4 0 R "
        b"/Resources << /Font << /F1 5 0 R >> >> >>",
        b"<< /Length %d >>\nstream\n" % len(stream) + stream + b"\nendstream",
        b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>",
    ]
    out = bytearray(b"%PDF-1.4\n")
    offsets = []
    for number, body in enumerate(objects, start=1):
        offsets.append(len(out))
        out += b"%d 0 obj\n" % number + body + b"\nendobj\n"
    xref = len(out)
    out += b"xref\n0 %d\n0000000000 65535 f \n" % (len(objects) + 1)
    out += b"".join(b"%010d 00000 n \n" % offset for offset in offsets)
    out += b"trailer\n<< /Size %d /Root 1 0 R >>\nstartxref\n%d\n%%%%EOF\n" % (len(objects) + 1, xref)
    return bytes(out)


def test_ingest_search_reingest_remove(run_cli, own_data_dir, tmp_path):
    playbook = tmp_path / "playbook.md"
    playbook.write_text(
        "# Our pricing playbook\n\n"
        "For telecom carriers we always offer the Wombat bundle before any discount.\n\n"
        + "\n\n".join(f"Section {n}: notes about regional account coverage and visits." for n in range(30)),
        encoding="utf-8",
    )
    first = run_cli("ingest", "--json", str(playbook), data_dir=own_data_dir)
    assert first.returncode == 0, first.stderr
    chunks = json.loads(first.stdout)["ingested"][0]["chunks"]
    assert chunks >= 2

    again = run_cli("ingest", "--json", str(playbook), data_dir=own_data_dir)
    assert json.loads(again.stdout)["ingested"][0] == {
        **json.loads(again.stdout)["ingested"][0],
        "chunks": chunks,
        "replaced": chunks,
    }
    listing = json.loads(run_cli("sources", "--json", data_dir=own_data_dir).stdout)
    assert [(d["title"], d["chunks"]) for d in listing["documents"]] == [("playbook.md", chunks)]
    assert len(listing["cards"]) >= 80
    shown = run_cli("sources", data_dir=own_data_dir).stdout.splitlines()
    assert shown[1] == "Ingested documents: 1" and f"playbook.md  {chunks} chunks  ingested " in shown[2]
    chinese = run_cli("sources", data_dir=own_data_dir, KAM_LANGUAGE="zh").stdout.splitlines()
    assert chinese[0].startswith("知识卡片：") and chinese[1] == "已导入的文档：1个"

    answer = json.loads(
        run_cli(
            "ask", "--json", "Do we offer the Wombat bundle to telecom carriers?", data_dir=own_data_dir
        ).stdout
    )
    document_sources = [s for s in answer["sources"] if s["id"].startswith("doc:")]
    assert document_sources and document_sources[0]["seed_chunks"] == []
    assert document_sources[0]["title"] == "playbook.md"

    removed = run_cli("ingest", "--remove", "--json", str(playbook), data_dir=own_data_dir)
    assert json.loads(removed.stdout)["removed"] == {str(playbook.resolve()): chunks}
    again = run_cli("ingest", "--remove", str(playbook), data_dir=own_data_dir)
    assert again.stdout == f"not indexed: {playbook.resolve()}\n"
    assert json.loads(run_cli("sources", "--json", data_dir=own_data_dir).stdout)["documents"] == []


def test_ingest_word_and_pdf(run_cli, own_data_dir, tmp_path):
    import docx

    word = tmp_path / "notes.docx"
    document = docx.Document()
    document.add_paragraph("客户拜访纪要：华为项目需要在三月底前完成方案评审。")
    document.save(word)
    pdf = tmp_path / "offer.pdf"
    pdf.write_bytes(_minimal_pdf("Platypus offer: the carrier bundle costs less per line"))
    result = run_cli("ingest", "--json", str(word), str(pdf), data_dir=own_data_dir)
    assert result.returncode == 0, result.stderr
    assert [row["chunks"] for row in json.loads(result.stdout)["ingested"]] == [1, 1]
    answer = json.loads(
        run_cli("ask", "--json", "Platypus offer bundle per line", data_dir=own_data_dir).stdout
    )
    assert any(s["title"] == "offer.pdf" for s in answer["sources"])


@pytest.mark.parametrize(
    ("name", "content", "fragment"),
    [
        ("broken.pdf", b"this is not a pdf", "cannot read it as pdf"),
        ("slides.pptx", b"whatever", "unsupported file type"),
        ("empty.md", b"   \n", "no text"),
        ("latin1.txt", "caf\xe9 cr\xe8me".encode("latin-1"), "cannot read"),
    ],
)
def test_unreadable_files_exit_2_and_index_nothing(run_cli, own_data_dir, tmp_path, name, content, fragment):
    good = tmp_path / "good.md"
    good.write_text("A perfectly fine note about account plans.", encoding="utf-8")
    bad = tmp_path / name
    bad.write_bytes(content)
    result = run_cli("ingest", str(good), str(bad), data_dir=own_data_dir)
    assert result.returncode == 2
    lines = result.stderr.splitlines()  # one line: no log chatter before the error
    assert len(lines) == 1 and lines[0].startswith("kam-coach:"), result.stderr
    assert fragment in lines[0] and name in lines[0]
    assert json.loads(run_cli("sources", "--json", data_dir=own_data_dir).stdout)["documents"] == []


def test_missing_file_exits_2_as_a_real_process(run_process, own_data_dir):
    # The smoke test of the real entry point (python -m bot) for the knowledge commands.
    result = run_process("ingest", "/nonexistent/playbook.md", data_dir=own_data_dir)
    assert result.returncode == 2 and "no such file" in result.stderr


def test_a_folder_is_ingested_at_any_depth_with_a_glob(run_cli, own_data_dir, tmp_path):
    (tmp_path / "plays" / "emea").mkdir(parents=True)
    (tmp_path / "plays" / "carriers.md").write_text("# Carriers\n\nWe lead with the Echidna bundle.", "utf-8")
    (tmp_path / "plays" / "emea" / "banks.md").write_text("# Banks\n\nBanks get the Possum review.", "utf-8")
    (tmp_path / "plays" / "emea" / "draft.txt").write_text("Not ready yet.", "utf-8")
    result = run_cli("ingest", "--json", "--glob", "*.md", str(tmp_path / "plays"), data_dir=own_data_dir)
    assert result.returncode == 0, result.stderr
    assert result.stderr == ""  # no progress bar when stderr is not a terminal
    ingested = json.loads(result.stdout)["ingested"]
    assert sorted(row["title"] for row in ingested) == ["banks.md", "carriers.md"]
    listing = json.loads(run_cli("sources", "--json", data_dir=own_data_dir).stdout)["documents"]
    assert sorted(row["title"] for row in listing) == ["banks.md", "carriers.md"]

    nothing = run_cli("ingest", "--glob", "*.pdf", str(tmp_path / "plays"), data_dir=own_data_dir)
    assert nothing.returncode == 2 and len(nothing.stderr.splitlines()) == 1
    assert "no files to ingest" in nothing.stderr and "*.pdf" in nothing.stderr

    removed = run_cli("ingest", "--remove", "--json", str(tmp_path / "plays"), data_dir=own_data_dir)
    assert sorted(json.loads(removed.stdout)["removed"].values()) == [1, 1]
    assert json.loads(run_cli("sources", "--json", data_dir=own_data_dir).stdout)["documents"] == []


@pytest.mark.slow
def test_a_long_file_shows_its_progress_on_a_terminal_and_finishes(run_cli, own_data_dir, tmp_path):
    """The progress bar moves while the chunks are indexed (not only at the end), on a real terminal."""
    playbook = tmp_path / "regions.txt"
    playbook.write_text(
        "\n\n".join(
            f"Region {n}\n\nThe Wallaby discount for region {n} needs the regional director's approval "
            "before the quarterly review."
            for n in range(400)
        ),
        encoding="utf-8",
    )
    terminal, its_end = pty.openpty()
    fcntl.ioctl(its_end, termios.TIOCSWINSZ, struct.pack("HHHH", 24, 120, 0, 0))  # a new pty is 0x0
    process = subprocess.Popen(
        [sys.executable, "-m", "bot", "ingest", "--json", str(playbook)],
        cwd=REPO,
        env=cli_env(own_data_dir),
        stdout=subprocess.PIPE,
        stderr=its_end,
    )
    os.close(its_end)
    shown = b""
    while True:
        try:
            part = os.read(terminal, 4096)
        except OSError:  # EIO: the process closed the terminal
            break
        if not part:
            break
        shown += part
    out, _ = process.communicate(timeout=300)
    os.close(terminal)
    assert process.returncode == 0, shown.decode("utf-8", "replace")
    chunks = json.loads(out)["ingested"][0]["chunks"]
    assert chunks == 400
    counts = re.findall(r"(\d+)/(\d+) \[", shown.decode("utf-8", "replace"))
    assert {int(total) for _, total in counts} == {chunks}
    assert len({int(done) for done, _ in counts if 0 < int(done) < chunks}) >= 2, counts
    listing = json.loads(run_cli("sources", "--json", data_dir=own_data_dir).stdout)
    assert [(row["title"], row["chunks"]) for row in listing["documents"]] == [("regions.txt", 400)]
