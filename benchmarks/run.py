"""KAM Coach benchmarks: one command, JSON results.

    python benchmarks/run.py [--sizes 1000,10000,50000,100000] [--out benchmarks/results/latest.json]

Grows one data folder through the stored-piece counts given (cards included), and at each size measures:
retrieval latency p50/p95 (embedding included), recall of the dense candidates against an exact search
over every stored vector, the first search of a fresh index, cold start of `kam-coach ask` (a new process
until its answer), resident memory of `kam-coach ask --batch`; and ingest throughput where pieces are
ingested for real. Every figure carries /proc/loadavg at the time it was taken: the machine is shared.

Pieces up to --real-ingest are ingested for real (`ingest_file` over synthetic playbooks); beyond that
they are bulk-inserted with precomputed vectors (a real ingest of 90k chunks would take most of an hour).
Both are synthetic but realistic Chinese and English text: sentences of the shipped cards, mixed, with
their numbers varied. A bulk piece's vector is the weighted mean of its sentences' real embeddings
(normalised), so the vectors cluster the way real ones do; the JSON says which sizes were bulk-inserted.
"""

from __future__ import annotations

import argparse
import inspect
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
import traceback
from collections.abc import Callable
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))
os.environ.setdefault("ANONYMIZED_TELEMETRY", "False")

DENSE_CANDIDATES = 150
ZH_QUESTION = "这个单子怎么报价?"
EN_QUESTION = "How should I price this deal?"


def load() -> str:
    return Path("/proc/loadavg").read_text().strip()


def percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(share * (len(ordered) - 1)))]


def measured(fn: Callable[[], dict[str, Any]]) -> dict[str, Any]:
    """Runs one measurement; a failure is recorded (the figure is what it is), not fatal."""
    try:
        return {**fn(), "load": load()}
    except Exception as failure:  # recorded as the result: at 50k the code before issue 12 fails
        return {"error": f"{failure.__class__.__name__}: {failure}"[:500], "load": load()}


# ---------- in-process measures ----------
def latency(index: Any, questions: list[tuple[str, str]], rounds: int) -> dict[str, Any]:
    for question, lang in questions[:5]:  # warm caches (BM25, jieba) outside the measurement
        index.search(question, k=5, lang=lang)
    samples = []
    for _ in range(rounds):
        for question, lang in questions:
            started = time.perf_counter()
            index.search(question, k=5, lang=lang)  # embeds the question: included in the time
            samples.append((time.perf_counter() - started) * 1000)
    return {
        "queries": len(samples),
        "p50_ms": round(percentile(samples, 0.50), 2),
        "p95_ms": round(percentile(samples, 0.95), 2),
        "mean_ms": round(statistics.fmean(samples), 2),
    }


def all_vectors(index: Any) -> tuple[list[str], Any]:
    """Every stored vector, read from Chroma page by page: the ground truth for recall."""
    import numpy as np

    collection = chroma_collection(index)
    ids: list[str] = []
    parts = []
    page = 5000
    for offset in range(0, collection.count(), page):
        got = collection.get(include=["embeddings"], limit=page, offset=offset)
        ids.extend(got["ids"])
        parts.append(np.asarray(got["embeddings"], dtype=np.float32))
    return ids, np.concatenate(parts)


def chroma_collection(index: Any) -> Any:
    store = index.store
    return store.pieces if hasattr(store, "pieces") else index._collection


def dense_candidates(index: Any, vector: Any, n: int) -> list[str]:
    """The ids the index's dense stage returns for a query vector."""
    if hasattr(index, "dense_candidates"):
        return list(index.dense_candidates(vector, n))
    found = chroma_collection(index).query(query_embeddings=[vector], n_results=n, include=["distances"])
    return found["ids"][0]


def recall(index: Any, questions: list[tuple[str, str]]) -> dict[str, Any]:
    import numpy as np

    ids, matrix = all_vectors(index)
    live = getattr(index, "live_piece_ids", None)
    if live is not None:  # pieces of an unfinished ingest are stored but not searchable
        keep = np.asarray([key in live for key in ids])
        ids, matrix = [key for key, kept in zip(ids, keep, strict=True) if kept], matrix[keep]
    n = min(DENSE_CANDIDATES, len(ids))
    shares = []
    for question, _lang in questions:
        vector = np.asarray(index.embeddings.embed_query(question), dtype=np.float32)
        exact = {ids[i] for i in np.argsort(-(matrix @ vector), kind="stable")[:n]}
        shares.append(len(exact & set(dense_candidates(index, vector, n))) / n)
    return {
        "of_top": n,
        "mean": round(statistics.fmean(shares), 4),
        "worst": round(min(shares), 4),
        "stored_vectors": len(ids),
    }


def first_search(settings: Any, question: str, lang: str) -> dict[str, Any]:
    """A fresh index on the folder (what a new process gets): its sync, then its first search."""
    from bot.app import build_index

    started = time.perf_counter()
    index = build_index(settings)
    opened = time.perf_counter()
    index.search(question, k=5, lang=lang)
    done = time.perf_counter()
    return {"open_s": round(opened - started, 3), "first_search_s": round(done - opened, 3)}


# ---------- processes ----------
# `kam-coach` run so that it reports its own peak resident memory (VmHWM) as it exits: the peak that
# wait4 reports for a forked child also counts the pages it shared with this (large) process before exec.
CHILD = (
    "import atexit, runpy, sys\n"
    "def report():\n"
    "    status = open('/proc/self/status').read()\n"
    "    sys.stderr.write('\\nKAM_BENCH_VMHWM_KB=' + status.split('VmHWM:')[1].split()[0] + '\\n')\n"
    "atexit.register(report)\n"
    "sys.argv = ['kam-coach', *sys.argv[1:]]\n"
    "runpy.run_module('bot', run_name='__main__', alter_sys=True)\n"
)


def run_cli(data_dir: Path, args: list[str], stdin: str | None = None) -> dict[str, Any]:
    """A `kam-coach` process: wall time, its peak resident memory, and its output."""
    env = {**os.environ, "KAM_DATA_DIR": str(data_dir), "PYTHONPATH": str(REPO)}
    with tempfile.TemporaryFile() as out, tempfile.TemporaryFile() as err:
        started = time.perf_counter()
        process = subprocess.Popen(
            [sys.executable, "-c", CHILD, *args],
            env=env,
            stdin=subprocess.PIPE if stdin is not None else subprocess.DEVNULL,
            stdout=out,
            stderr=err,
        )
        if stdin is not None:
            process.stdin.write(stdin.encode("utf-8"))  # type: ignore[union-attr]
            process.stdin.close()  # type: ignore[union-attr]
        _, status, usage = os.wait4(process.pid, 0)
        elapsed = time.perf_counter() - started
        process.returncode = os.waitstatus_to_exitcode(status)
        out.seek(0)
        err.seek(0)
        stdout, stderr = out.read().decode("utf-8"), err.read().decode("utf-8", "replace")
    peak = re.findall(r"KAM_BENCH_VMHWM_KB=(\d+)", stderr)
    if process.returncode != 0:
        lines = [line for line in stderr.strip().splitlines() if "KAM_BENCH_VMHWM" not in line]
        raise RuntimeError(f"exit {process.returncode}: {(lines or ['(no message)'])[-1]}")
    return {
        "seconds": round(elapsed, 3),
        "cpu_s": round(usage.ru_utime + usage.ru_stime, 3),
        "max_rss_mb": round(int(peak[-1]) / 1024, 1) if peak else None,
        "stdout": stdout,
    }


def cold_start(data_dir: Path, question: str, runs: int = 3) -> dict[str, Any]:
    times, cpu, rss = [], [], []
    for _ in range(runs):
        result = run_cli(data_dir, ["ask", "--json", question])
        assert json.loads(result["stdout"])["sources"], result["stdout"]
        times.append(result["seconds"])
        cpu.append(result["cpu_s"])
        rss.append(result["max_rss_mb"])
    return {
        "median_s": statistics.median(times),
        "runs_s": times,
        "cpu_median_s": statistics.median(cpu),
        "max_rss_mb": max(rss),
    }


def batch_memory(data_dir: Path, questions: list[tuple[str, str]]) -> dict[str, Any]:
    text = "\n".join(q for q, _ in questions) + "\n"
    result = run_cli(data_dir, ["ask", "--json", "--batch", "-"], stdin=text)
    answers = [json.loads(line) for line in result["stdout"].splitlines() if line.strip()]
    assert len(answers) == len(questions)
    return {
        "questions": len(questions),
        "seconds": result["seconds"],
        "cpu_s": result["cpu_s"],
        "max_rss_mb": result["max_rss_mb"],
    }


# ---------- synthetic content ----------
def card_sentences(cards: list[Any]) -> list[str]:
    return sorted(
        {
            s.strip()
            for card in cards
            for s in re.split(r"(?<=[.!?。！？])\s*", card.body)
            if len(s.strip()) > 12 and not s.strip().startswith(("#", "|"))
        }
    )


def vary_numbers(sentence: str, rng: random.Random) -> str:
    return re.sub(r"\d+", lambda _m: str(rng.randint(1, 999)), sentence)


def synthetic_documents(folder: Path, chunks: int, sentences: list[str], first: int) -> list[Path]:
    """Playbook-like Markdown files, a heading per section, about 100 chunks each."""
    rng = random.Random(7 + first)
    files, per_file = [], 100
    for number in range(first, first + max(1, chunks // per_file)):
        parts = [f"# Playbook {number}"]
        for section in range(per_file):
            picked = rng.sample(sentences, 6)
            parts.append(f"## Section {section}")
            parts.append(" ".join(vary_numbers(s, rng) for s in picked))
        path = folder / f"playbook-{number:04d}.md"
        path.write_text("\n\n".join(parts), encoding="utf-8")
        files.append(path)
    return files


def bulk_pieces(sentences: list[str], sentence_vectors: Any, count: int, seed: int) -> tuple[list[str], Any]:
    """`count` pieces of 2-5 sentences, each vector the weighted mean of its sentences' embeddings."""
    import numpy as np

    rng = random.Random(seed)
    weights_rng = np.random.default_rng(seed)
    texts, vectors = [], np.empty((count, sentence_vectors.shape[1]), dtype=np.float32)
    for i in range(count):
        picked = rng.sample(range(len(sentences)), rng.randint(2, 5))
        texts.append(" ".join(vary_numbers(sentences[p], rng) for p in picked))
        mixed = weights_rng.uniform(0.5, 1.5, len(picked)).astype(np.float32) @ sentence_vectors[picked]
        vectors[i] = mixed / np.linalg.norm(mixed)
    return texts, vectors


def bulk_insert(index: Any, name: str, texts: list[str], vectors: Any) -> None:
    """Stores pieces with precomputed vectors, as one document, through the index's bulk path."""
    if "vectors" in inspect.signature(index.replace_document).parameters:
        language = lambda text: "zh" if re.search(r"[\u4e00-\u9fff]", text) else "en"  # noqa: E731
        index.replace_document(f"/bench/{name}", name, texts, language, vectors=vectors)
        return
    # The code before issue 12 has no bulk path: write its layout straight into its collection.
    import hashlib

    from bot.retrieval.index import document_id
    from bot.retrieval.tokenize import tokenize

    path = f"/bench/{name}"
    doc_id = document_id(path)
    collection = chroma_collection(index)
    step = 2000
    for start in range(0, len(texts), step):
        part = texts[start : start + step]
        collection.add(
            ids=[f"{doc_id}#{start + n}" for n in range(len(part))],
            embeddings=vectors[start : start + step],
            documents=part,
            metadatas=[
                {
                    "kind": "document",
                    "source_id": doc_id,
                    "lang": "zh" if re.search(r"[\u4e00-\u9fff]", text) else "en",
                    "title": name,
                    "seed_chunks": "",
                    "actions": "",
                    "content_hash": hashlib.sha256(text.encode()).hexdigest()[:16],
                    "path": path,
                    "chunk": start + n,
                    "ingested_at": time.time(),
                    "tokens": " ".join(tokenize(text)),
                }
                for n, text in enumerate(part)
            ],
        )
    index._invalidate()


def ingest(index: Any, docs: list[Path]) -> int:
    """Ingests files as `kam-coach ingest` does (one write session, where the code has sessions)."""
    from bot.retrieval import ingest as ingesting

    if hasattr(ingesting, "prepare"):
        return sum(result.chunks for result in ingesting.ingest_files(index, ingesting.prepare(docs)))
    return sum(ingesting.ingest_file(index, path).chunks for path in docs)


def stored_pieces(index: Any) -> int:
    if hasattr(index, "piece_count"):
        return int(index.piece_count())
    return int(chroma_collection(index).count())


# ---------- the run ----------
def measure_size(
    label: str,
    data_dir: Path,
    settings: Any,
    questions: list[tuple[str, str]],
    batch: list[tuple[str, str]],
    rounds: int,
) -> dict[str, Any]:
    from bot.app import build_index

    print(f"[{time.strftime('%H:%M:%S')}] measuring {label} (load {load()})", file=sys.stderr, flush=True)
    out: dict[str, Any] = {}
    out["first_search"] = measured(lambda: first_search(settings, ZH_QUESTION, "zh"))
    index = build_index(settings)
    out["stored_pieces"] = stored_pieces(index)
    out["retrieval"] = measured(lambda: latency(index, questions, rounds))
    out["recall"] = measured(lambda: recall(index, questions))
    out["cold_start_zh"] = measured(lambda: cold_start(data_dir, ZH_QUESTION))
    out["ask_batch_memory"] = measured(lambda: batch_memory(data_dir, batch))
    return out


def main() -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--sizes", default="1000,10000,50000,100000", help="stored pieces to grow through")
    parser.add_argument(
        "--real-ingest", type=int, default=10_000, help="sizes up to this are ingested for real"
    )
    parser.add_argument("--rounds", type=int, default=3, help="passes over the question set per latency run")
    parser.add_argument("--out", type=Path, default=REPO / "benchmarks" / "results" / "latest.json")
    args = parser.parse_args()
    sizes = [int(s) for s in args.sizes.split(",") if s.strip()]

    import numpy as np
    import yaml

    from bot.app import build_index
    from tests.conftest import make_settings

    questions = [
        (item["q"], item["lang"])
        for item in yaml.safe_load(
            (REPO / "tests" / "data" / "retrieval_eval.yaml").read_text(encoding="utf-8")
        )
    ]
    batch = questions[:10] + questions[-10:]
    results: dict[str, Any] = {
        "machine": {
            "python": platform.python_version(),
            "cpus": os.cpu_count(),
            "platform": platform.platform(),
        },
        "started": time.strftime("%Y-%m-%dT%H:%M:%S%z"),
        "load_at_start": load(),
        "method": (
            "retrieval: index.search over the 60 evaluation questions (embedding included); recall: the "
            f"dense stage's top {DENSE_CANDIDATES} ids against an exact search over every stored vector; "
            "cold start: a new `kam-coach ask --json` process until its answer (median of 3); memory: "
            "peak RSS of `kam-coach ask --json --batch -` answering 20 questions; first search: a fresh "
            "index on the folder, its first search after opening. load: /proc/loadavg at that moment. "
            "cpu_s: user+system CPU of a process, which the machine's load does not inflate as it does "
            "wall time."
        ),
    }
    with tempfile.TemporaryDirectory(prefix="kam-bench-") as tmp:
        data_dir = Path(tmp) / "data"
        cards_stage: dict[str, Any] = {}
        cards_stage["cold_start_first_run"] = measured(
            lambda: {"seconds": run_cli(data_dir, ["ask", "--json", EN_QUESTION])["seconds"]}
        )
        cards_stage["cold_start_zh"] = measured(lambda: cold_start(data_dir, ZH_QUESTION))
        cards_stage["cold_start_en"] = measured(lambda: cold_start(data_dir, EN_QUESTION))
        cards_stage["ask_batch_memory"] = measured(lambda: batch_memory(data_dir, batch))
        settings = make_settings(data_dir)
        index = build_index(settings)
        cards_stage["stored_pieces"] = stored_pieces(index)
        cards_stage["retrieval"] = measured(lambda: latency(index, questions, args.rounds))
        cards_stage["recall"] = measured(lambda: recall(index, questions))
        results["cards_only"] = cards_stage
        print(json.dumps(cards_stage, ensure_ascii=False), file=sys.stderr, flush=True)

        sentences = card_sentences(index.cards)
        sentence_vectors: Any = None
        ingests: list[dict[str, Any]] = []
        results["ingest"] = ingests
        results["sizes"] = {}
        next_file = 0
        for size in sizes:
            missing = size - stored_pieces(index)
            how = "real ingest" if size <= args.real_ingest else "bulk insert of precomputed vectors"
            if missing > 0 and size <= args.real_ingest:
                docs = synthetic_documents(Path(tmp), missing, sentences, next_file)
                next_file += len(docs)
                load_before = load()
                started = time.perf_counter()
                chunks = ingest(index, docs)
                seconds = time.perf_counter() - started
                ingests.append(
                    {
                        "files": len(docs),
                        "chunks": chunks,
                        "seconds": round(seconds, 1),
                        "chunks_per_s": round(chunks / seconds, 1),
                        "load_before": load_before,
                        "load": load(),
                    }
                )
                print(json.dumps(ingests[-1]), file=sys.stderr, flush=True)
            elif missing > 0:
                if sentence_vectors is None:
                    sentence_vectors = np.asarray(
                        index.embeddings.embed_documents(sentences), dtype=np.float32
                    )
                step = 10_000
                try:
                    for start in range(0, missing, step):
                        count = min(step, missing - start)
                        texts, vectors = bulk_pieces(sentences, sentence_vectors, count, seed=size + start)
                        bulk_insert(index, f"bulk-{size}-{start}.md", texts, vectors)
                except Exception:
                    traceback.print_exc()
                    results["sizes"][str(size)] = {"how": how, "error": traceback.format_exc(limit=1)}
                    continue
            measured_size = measure_size(f"{size} pieces", data_dir, settings, questions, batch, args.rounds)
            results["sizes"][str(size)] = {"how": how, **measured_size}
            print(json.dumps(results["sizes"][str(size)], ensure_ascii=False), file=sys.stderr, flush=True)
            index = build_index(settings)
    results["finished"] = time.strftime("%Y-%m-%dT%H:%M:%S%z")
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(results, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
    print(json.dumps(results, indent=2, ensure_ascii=False))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
