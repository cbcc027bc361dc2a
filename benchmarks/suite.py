"""How long the test suite takes: one command, JSON out.

    python benchmarks/suite.py [--baseline COMMIT] [--rounds 1] [--out benchmarks/results/suite.json]

Runs, one after the other so the machine's drift hits them alike: the whole suite of this checkout; and,
with --baseline, the whole suite of that commit (checked out and installed in a temporary folder) and this
checkout's suite restricted to the test files that commit had (files it had that are gone here are
replaced by the ones named in --successor OLD=NEW). Each run is `pytest -q -p no:cacheprovider` with the
project's own options (two workers); the JSON gives the tests passed, wall seconds, the CPU seconds of
pytest and everything it started, and /proc/loadavg before and after (the machine is shared: compare
CPU when the load differs).
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import re
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

from run import load  # benchmarks/run.py: /proc/loadavg, as every figure there carries it

REPO = Path(__file__).resolve().parent.parent


def run_pytest(repo: Path, python: Path, files: list[str]) -> dict[str, Any]:
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    load_before = load()
    started = time.monotonic()
    done = subprocess.run(
        [str(python), "-m", "pytest", "-q", "-p", "no:cacheprovider", *files],
        cwd=repo,
        capture_output=True,
        text=True,
    )
    wall = time.monotonic() - started
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    summary = done.stdout.strip().splitlines()[-1] if done.stdout.strip() else done.stderr[-300:]
    passed = re.search(r"(\d+) passed", summary)
    return {
        "exit_code": done.returncode,
        "summary": summary,
        "passed": int(passed.group(1)) if passed else 0,
        "wall_s": round(wall, 1),
        "cpu_s": round((after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime), 1),
        "load_before": load_before,
        "load_after": load(),
    }


def test_files(repo: Path) -> list[str]:
    return sorted(str(path.relative_to(repo)) for path in (repo / "tests").rglob("test_*.py"))


def baseline_checkout(commit: str, folder: Path) -> Path:
    """The commit in its own folder with its own venv; the python to run it with."""
    subprocess.run(["git", "clone", "-q", str(REPO), str(folder)], check=True)
    subprocess.run(["git", "checkout", "-q", commit], cwd=folder, check=True)
    subprocess.run([sys.executable, "-m", "venv", ".venv"], cwd=folder, check=True)
    python = folder / ".venv" / "bin" / "python"
    subprocess.run(
        [str(python), "-m", "pip", "install", "-q", "-e", ".[test]"],
        cwd=folder,
        check=True,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    return python


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--baseline", help="a commit to compare with (its suite, and its files here)")
    parser.add_argument("--successor", action="append", default=[], metavar="OLD=NEW")
    parser.add_argument("--rounds", type=int, default=1)
    parser.add_argument("--out", type=Path, default=REPO / "benchmarks" / "results" / "suite.json")
    options = parser.parse_args()

    here_python = Path(sys.executable)
    results: dict[str, Any] = {
        "machine": {"cpus": os.cpu_count(), "python": platform.python_version()},
        "head": subprocess.run(
            ["git", "rev-parse", "--short", "HEAD"], cwd=REPO, capture_output=True, text=True
        ).stdout.strip(),
        "rounds": [],
    }
    with tempfile.TemporaryDirectory(prefix="kam-suite-") as scratch:
        old_python = old_files = same_files = None
        if options.baseline:
            old_repo = Path(scratch) / "baseline"
            old_python = baseline_checkout(options.baseline, old_repo)
            old_files = test_files(old_repo)
            successors = dict(pair.split("=", 1) for pair in options.successor)
            here = [successors.get(name, name) for name in old_files]
            same_files = sorted({name for name in here if (REPO / name).is_file()})
            results["baseline"] = {
                "commit": options.baseline,
                "files": len(old_files),
                "files_here": len(same_files),
                "missing_here": sorted(name for name in here if not (REPO / name).is_file()),
                "successors": successors,
            }
        for _ in range(options.rounds):
            round_result: dict[str, Any] = {"whole_suite": run_pytest(REPO, here_python, [])}
            if old_python is not None and same_files is not None:
                round_result["baseline_suite"] = run_pytest(Path(scratch) / "baseline", old_python, [])
                round_result["baseline_files_here"] = run_pytest(REPO, here_python, same_files)
            results["rounds"].append(round_result)
            print(json.dumps(round_result), flush=True)
    options.out.parent.mkdir(parents=True, exist_ok=True)
    options.out.write_text(json.dumps(results, indent=2) + "\n", encoding="utf-8")
    print(f"written to {options.out}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
