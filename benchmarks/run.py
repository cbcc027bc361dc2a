"""KAM Coach benchmarks: one command, JSON results.

    python benchmarks/run.py [--chunks 10000] [--out benchmarks/results/latest.json]

Measures, on this machine: retrieval latency (p50/p95) over the shipped cards and again with N ingested
chunks, ingest throughput (chunks/s), cold start (a new `kam-coach ask` process until its answer, with the
index already built, and the very first start that builds it) and resident memory.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import random
import re
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))
os.environ.setdefault("ANONYMIZED_TELEMETRY", "False")


def percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(share * (len(ordered) - 1)))]


def latency(index, questions: list[tuple[str, str]], rounds: int) -> dict[str, float]:
    for question, lang in questions[:5]:  # warm caches (BM25, jieba) outside the measurement
        index.search(question, k=5, lang=lang)
    samples = []
    for _ in range(rounds):
        for question, lang in questions:
            started = time.perf_counter()
            index.search(question, k=5, lang=lang)
            samples.append((time.perf_counter() - started) * 1000)
    return {
        "queries": len(samples),
        "p50_ms": round(percentile(samples, 0.50), 2),
        "p95_ms": round(percentile(samples, 0.95), 2),
        "mean_ms": round(statistics.fmean(samples), 2),
    }


def synthetic_documents(folder: Path, chunks: int, cards) -> list[Path]:
    """Playbook-like files made of the cards' sentences, shuffled, with numbers varied, ~chunks pieces."""
    sentences = [
        s.strip()
        for card in cards
        for s in re.split(r"(?<=[.!?。！？])\s*", card.body)
        if len(s.strip()) > 20
    ]
    rng = random.Random(7)
    files, per_file = [], 100
    for number in range(max(1, chunks // per_file)):
        paragraphs = []
        for _ in range(per_file):
            picked = rng.sample(sentences, 6)
            paragraphs.append(
                " ".join(re.sub(r"\d+", lambda _m: str(rng.randint(1, 999)), s) for s in picked)
            )
        path = folder / f"playbook-{number:03d}.md"
        path.write_text(f"# Playbook {number}\n\n" + "\n\n".join(paragraphs), encoding="utf-8")
        files.append(path)
    return files


def cold_start(data_dir: Path, question: str) -> float:
    env = {**os.environ, "KAM_DATA_DIR": str(data_dir), "PYTHONPATH": str(REPO)}
    started = time.perf_counter()
    result = subprocess.run(
        [sys.executable, "-m", "bot", "ask", "--json", question],
        env=env,
        capture_output=True,
        text=True,
        check=True,
    )
    elapsed = time.perf_counter() - started
    assert json.loads(result.stdout)["sources"], result.stdout
    return round(elapsed, 3)


def main() -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--chunks", type=int, default=10_000, help="ingested chunks for the large-index run")
    parser.add_argument("--rounds", type=int, default=5, help="passes over the question set per latency run")
    parser.add_argument("--out", type=Path, default=REPO / "benchmarks" / "results" / "latest.json")
    args = parser.parse_args()

    import psutil
    import yaml

    from bot.app import build_index
    from bot.retrieval.ingest import ingest_file
    from tests.conftest import make_settings

    questions = [
        (item["q"], item["lang"])
        for item in yaml.safe_load(
            (REPO / "tests" / "data" / "retrieval_eval.yaml").read_text(encoding="utf-8")
        )
    ]
    results: dict[str, object] = {
        "machine": {
            "python": platform.python_version(),
            "cpus": os.cpu_count(),
            "platform": platform.platform(),
        },
        "started": time.strftime("%Y-%m-%dT%H:%M:%S%z"),
    }
    with tempfile.TemporaryDirectory(prefix="kam-bench-") as tmp:
        data_dir = Path(tmp) / "data"
        first = cold_start(data_dir, "How should I price this deal?")
        warm = [cold_start(data_dir, "这个单子怎么报价?") for _ in range(3)]
        results["cold_start_s"] = {
            "first_run_building_index": first,
            "built_index_median": statistics.median(warm),
        }

        settings = make_settings(data_dir)
        index = build_index(settings)
        results["retrieval_cards"] = {"cards": len(index.cards), **latency(index, questions, args.rounds)}

        docs = synthetic_documents(Path(tmp), args.chunks, index.cards)
        started = time.perf_counter()
        ingested = sum(ingest_file(index, path).chunks for path in docs)
        seconds = time.perf_counter() - started
        results["ingest"] = {
            "files": len(docs),
            "chunks": ingested,
            "seconds": round(seconds, 1),
            "chunks_per_s": round(ingested / seconds, 1),
        }
        results["retrieval_with_ingested"] = {"chunks": ingested, **latency(index, questions, 2)}
        results["resident_memory_mb"] = {
            "after_large_index": round(psutil.Process().memory_info().rss / 2**20, 1),
        }
        results["cold_start_s"]["with_ingested_chunks"] = cold_start(data_dir, "What is LRAIC?")
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(results, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
    print(json.dumps(results, indent=2, ensure_ascii=False))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
