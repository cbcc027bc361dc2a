"""`python benchmarks/slack_profile.py OUT.prof <kam-coach arguments>`: kam-coach with every thread under
cProfile, timed by each thread's own CPU clock (so waiting costs nothing), the merged stats written to
OUT.prof when it exits. ``benchmarks/slack.py --profile OUT.prof`` runs serve this way; read the result
with ``python -m pstats OUT.prof`` (sort tottime / cumulative)."""

from __future__ import annotations

import cProfile
import pstats
import sys
import threading
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bot.cli import main as cli_main

_profiles: list[cProfile.Profile] = []
_lock = threading.Lock()
_thread_run = threading.Thread.run


def _profiled_run(self: threading.Thread) -> None:
    profile = cProfile.Profile(time.thread_time)
    with _lock:
        _profiles.append(profile)
    profile.enable()
    try:
        _thread_run(self)
    finally:
        profile.disable()


def _dump(out: str) -> None:
    stats: pstats.Stats | None = None
    for profile in _profiles:
        try:
            profile.create_stats()
        except Exception:  # a thread still running: its profile is skipped
            continue
        if not getattr(profile, "stats", None):
            continue
        if stats is None:
            stats = pstats.Stats(profile)
        else:
            stats.add(profile)
    if stats is not None:
        stats.dump_stats(out)


def main() -> int:
    out = sys.argv[1]
    threading.Thread.run = _profiled_run  # type: ignore[method-assign]
    here = cProfile.Profile(time.thread_time)
    _profiles.append(here)
    here.enable()
    try:
        return cli_main(sys.argv[2:])
    finally:
        here.disable()
        _dump(out)


if __name__ == "__main__":
    sys.exit(main())
