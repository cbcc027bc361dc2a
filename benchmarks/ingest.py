"""Ingest throughput: one command, JSON results.

    python benchmarks/ingest.py [--mb 2.5] [--files 1] [--out benchmarks/results/ingest.json] [--profile]

Writes a playbook (Markdown, Chinese and English: sentences of the shipped cards mixed, their numbers
varied, a heading every few paragraphs) of about --mb megabytes, split over --files files, then ingests
it into a fresh data folder the way `kam-coach ingest` does (read and chunk every file, then index them in
one write session). The cards are indexed first, outside the measurement.

Reported: chunks, wall seconds and chunks a second (reading and chunking included, and indexing alone),
CPU seconds per chunk (user+system over every thread of the process: what a neighbour's load
does not inflate as it does wall time), and /proc/loadavg before and after. The machine is shared, so
the idle rate is estimated twice: cores / CPU per chunk (both cores ours, perfectly shared), and chunks /
(wall seconds - the embedding threads' time spent waiting for a CPU, from /proc/self/task/*/schedstat); the
lower of the two is `idle_estimate_chunks_per_s`. --profile prints cProfile's view of this process (the
embedding threads' time shows as waiting on their futures).
"""

from __future__ import annotations

import argparse
import json
import os
import random
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))
os.environ.setdefault("ANONYMIZED_TELEMETRY", "False")

from run import card_sentences, load, vary_numbers  # noqa: E402  (benchmarks/run.py: the same content)


def playbook(sentences: list[str], size_bytes: int, seed: int) -> str:
    """Sections of 1-4 paragraphs of 2-6 sentences under a heading, until `size_bytes` of UTF-8."""
    rng = random.Random(seed)
    parts, size, section = [f"# Playbook {seed}"], 0, 0
    while size < size_bytes:
        section += 1
        parts.append(f"## Section {section}")
        for _ in range(rng.randint(1, 4)):
            paragraph = " ".join(vary_numbers(s, rng) for s in rng.sample(sentences, rng.randint(2, 6)))
            parts.append(paragraph)
            size += len(paragraph.encode("utf-8")) + 2
    return "\n\n".join(parts)


def cpu_seconds() -> float:
    """This process's CPU (every thread's)."""
    usage = os.times()
    return usage.user + usage.system + usage.children_user + usage.children_system


def embedding_threads() -> list[tuple[float, float, float]]:
    """(seconds on a CPU, seconds runnable but waiting for one, seconds alive) of each embedding thread
    now: what neighbours cost them is the second figure; alive minus both is time spent blocked (on the
    GIL, or waiting for a batch)."""
    import threading

    found = []
    uptime = float(Path("/proc/uptime").read_text().split()[0])
    for thread in threading.enumerate():
        if not thread.name.startswith("embed") or thread.native_id is None:
            continue
        task = Path(f"/proc/self/task/{thread.native_id}")
        try:
            run, wait, _ = (task / "schedstat").read_text().split()
            started = int((task / "stat").read_text().rsplit(")", 1)[1].split()[19])
        except (OSError, ValueError, IndexError):
            continue
        found.append((int(run) / 1e9, int(wait) / 1e9, uptime - started / os.sysconf("SC_CLK_TCK")))
    return found


class Progress:
    """Counts chunks; as the last is stored, reads the embedding threads' scheduler figures (before the
    session ends them)."""

    def __init__(self, total: int) -> None:
        self.total, self.done = total, 0
        self.threads: list[tuple[float, float, float]] = []

    def __call__(self, count: int) -> None:
        self.done += count
        if self.done >= self.total:
            self.threads = embedding_threads()


def main() -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--mb", type=float, default=2.5, help="megabytes of text to ingest")
    parser.add_argument("--files", type=int, default=1, help="split over this many files")
    parser.add_argument("--out", type=Path, default=REPO / "benchmarks" / "results" / "ingest.json")
    parser.add_argument("--profile", action="store_true", help="also print a pyinstrument profile")
    args = parser.parse_args()

    from bot.app import build_index
    from bot.retrieval.ingest import ingest_files, prepare
    from tests.conftest import make_settings

    with tempfile.TemporaryDirectory(prefix="kam-ingest-bench-") as tmp:
        settings = make_settings(Path(tmp) / "data")
        index = build_index(settings)  # indexes the cards: not part of the measurement
        sentences = card_sentences(index.cards)
        files = []
        for number in range(args.files):
            path = Path(tmp) / f"playbook-{number}.md"
            path.write_text(playbook(sentences, int(args.mb * 1e6 / args.files), number), encoding="utf-8")
            files.append(path)

        profiler = None
        if args.profile:
            import cProfile

            profiler = cProfile.Profile()
            profiler.enable()
        began = time.strftime("%Y-%m-%dT%H:%M:%S%z")
        load_before = load()
        cpu_started, started = cpu_seconds(), time.perf_counter()
        prepared = prepare(files)
        read_s = time.perf_counter() - started
        progress = Progress(sum(len(file.chunks) for file in prepared))
        results = ingest_files(index, prepared, progress=progress)
        seconds = time.perf_counter() - started
        cpu = cpu_seconds() - cpu_started
        load_after = load()
        if profiler is not None:
            import pstats

            profiler.disable()
            pstats.Stats(profiler, stream=sys.stderr).sort_stats("cumulative").print_stats(30)

        chunks = sum(result.chunks for result in results)
        assert index.store.count() >= chunks, "fewer pieces stored than chunks ingested"
        cores = os.cpu_count() or 1
        cpu_per_chunk = cpu / chunks
        cpu_bound = cores / cpu_per_chunk
        # The embedding threads are the critical path: without neighbours, their wait for a CPU would go.
        waited = sum(wait for _, wait, _ in progress.threads) / max(1, len(progress.threads))
        critical = chunks / (seconds - waited) if progress.threads else None
        report = {
            "started": began,
            "cpus": cores,
            "megabytes": round(sum(path.stat().st_size for path in files) / 1e6, 2),
            "files": len(files),
            "chunks": chunks,
            "seconds": round(seconds, 2),
            "read_and_chunk_s": round(read_s, 2),
            "chunks_per_s": round(chunks / seconds, 1),
            "index_chunks_per_s": round(chunks / (seconds - read_s), 1),
            "cpu_s": round(cpu, 2),
            "cpu_s_per_chunk": round(cpu_per_chunk, 5),
            "cpu_bound_rate_idle": round(cpu_bound, 1),
            "embedding_threads": [
                {
                    "cpu_s": round(run, 2),
                    "waited_for_cpu_s": round(wait, 2),
                    "blocked_s": round(alive - run - wait, 2),
                }
                for run, wait, alive in progress.threads
            ],
            "critical_path_rate_idle": round(critical, 1) if critical else None,
            "idle_estimate_chunks_per_s": round(min(cpu_bound, critical or cpu_bound), 1),
            "load_before": load_before,
            "load": load_after,
            "method": (
                "a fresh data folder, cards indexed first; then prepare (read and chunk) and ingest_files "
                "over the playbook, as `kam-coach ingest` does. cpu_s: user+system of this process over "
                "that span, every thread's; cpu_bound_rate_idle: cores / CPU per chunk, "
                "the rate if both cores were ours and the work spread over them perfectly; "
                "critical_path_rate_idle: chunks / (seconds - the embedding threads' mean wait for a "
                "CPU, from /proc/self/task/*/schedstat), the rate if nothing else had wanted the cores; "
                "idle_estimate: the lower of the two."
            ),
        }
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(report, indent=2) + "\n", encoding="utf-8")
    print(json.dumps(report, indent=2))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
