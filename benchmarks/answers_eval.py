"""How well the coach answers: hit@1, hit@3, figures named, wrongly refused, wrongly answered, language.

    python benchmarks/answers_eval.py [--split dev|holdout|all] [--passes 2] [--misses] [--out FILE]

Runs every question of tests/data/answers_eval.yaml (on topic) and tests/data/offtopic_answers_eval.yaml
(off topic) through `Coach.ask`, the path `kam-coach ask --json --batch` takes, in a fresh data folder, and
scores the replies the way outside checks do: the first cited source is a right one (hit@1), one of the
first three is (hit@3), every `must_contain` string is in the answer text, the answer is in the question's
language, an on-topic question is not refused (intent `other`), an off-topic one is. Prints the figures
per split and category and writes them as JSON; also times each answer (p50/p95 in a warm process).

tests/knowledge/test_answers_eval.py runs the same scorer and holds both splits to issue 10's thresholds.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import sys
import tempfile
import time
from collections import defaultdict
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

REPO = Path(__file__).resolve().parent.parent
DATA = REPO / "tests" / "data"
os.environ.setdefault("ANONYMIZED_TELEMETRY", "False")


def load_sets() -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    loader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
    on_topic = yaml.load((DATA / "answers_eval.yaml").read_text(encoding="utf-8"), Loader=loader)
    off_topic = yaml.load((DATA / "offtopic_answers_eval.yaml").read_text(encoding="utf-8"), Loader=loader)
    return on_topic, off_topic


@dataclass
class Tally:
    """Counts for one group of questions (a split, a category, a language)."""

    on_topic: int = 0
    hit1: int = 0
    hit3: int = 0
    figure_questions: int = 0
    figures_named: int = 0
    refused: int = 0
    language_right: int = 0
    off_topic: int = 0
    answered: int = 0
    misses: list[str] = field(default_factory=list)

    def figures(self) -> dict[str, Any]:
        def share(part: int, whole: int) -> float | None:
            return round(part / whole, 3) if whole else None

        return {
            "on_topic": self.on_topic,
            "hit@1": share(self.hit1, self.on_topic),
            "hit@3": share(self.hit3, self.on_topic),
            "figures_named": share(self.figures_named, self.figure_questions),
            "figure_questions": self.figure_questions,
            "refused": self.refused,
            "refused_share": share(self.refused, self.on_topic),
            "language_right": share(self.language_right, self.on_topic + self.off_topic),
            "off_topic": self.off_topic,
            "off_topic_answered": self.answered,
            "off_topic_answered_share": share(self.answered, self.off_topic),
        }


def _source_ids(reply: Any) -> list[str]:
    return [citation.id for citation in reply.citations]


def score(coach: Any, on_topic: list[dict[str, Any]], off_topic: list[dict[str, Any]]) -> dict[str, Any]:
    """Every question through the coach; the figures per split, per split and category, per language."""
    groups: dict[str, Tally] = defaultdict(Tally)
    latencies: list[float] = []

    def ask(question: str) -> Any:
        started = time.perf_counter()
        reply = coach.ask(question)
        latencies.append((time.perf_counter() - started) * 1000)
        return reply

    for item in on_topic:
        reply = ask(item["q"])
        sources = _source_ids(reply)
        right = set(item["sources"])
        refused = reply.intent == "other"
        hit1 = bool(sources) and sources[0] in right
        hit3 = bool(right & set(sources[:3]))
        wanted = item.get("must_contain") or []
        named = all(text in reply.text for text in wanted)
        keys = (item["split"], f"{item['split']}/{item['category']}", f"{item['split']}/{item['lang']}")
        for key in keys:
            tally = groups[key]
            tally.on_topic += 1
            tally.hit1 += hit1
            tally.hit3 += hit3
            tally.refused += refused
            tally.language_right += reply.language == item["lang"]
            if wanted:
                tally.figure_questions += 1
                tally.figures_named += named
        if not hit1 or refused or not named or reply.language != item["lang"]:
            groups[item["split"]].misses.append(
                f"{item['id']}: {'REFUSED ' if refused else ''}{'' if named else 'NO-FIGURE '}"
                f"{'' if reply.language == item['lang'] else 'LANG '}got {sources[:3]} want {item['sources']}"
            )
    for item in off_topic:
        reply = ask(item["q"])
        answered = reply.intent != "other"
        for key in (item["split"], f"{item['split']}/off:{item['category']}"):
            tally = groups[key]
            tally.off_topic += 1
            tally.answered += answered
            tally.language_right += reply.language == item["lang"]
        if answered:
            answered_with = _source_ids(reply)[:1]
            groups[item["split"]].misses.append(f"{item['id']}: ANSWERED off-topic with {answered_with}")
    ordered = sorted(latencies)
    return {
        "groups": {key: tally.figures() for key, tally in sorted(groups.items())},
        "misses": {key: groups[key].misses for key in ("dev", "holdout") if key in groups},
        "latency_ms": {
            "questions": len(ordered),
            "p50": round(statistics.median(ordered), 1),
            "p95": round(ordered[min(len(ordered) - 1, round(0.95 * (len(ordered) - 1)))], 1),
            "max": round(ordered[-1], 1),
        },
    }


def build_coach(data_dir: Path) -> Any:
    sys.path.insert(0, str(REPO))
    from bot.app import assemble_coach, build_index
    from bot.settings import Settings

    settings = Settings(KAM_DATA_DIR=str(data_dir))  # type: ignore[call-arg]
    return assemble_coach(settings, index=build_index(settings))


def print_figures(result: dict[str, Any], show_misses: bool) -> None:
    for key, figures in result["groups"].items():
        kept = ("refused", "off_topic_answered")
        shown = {k: v for k, v in figures.items() if v not in (None, 0) or k in kept}
        print(f"{key:28} {shown}")
    print("latency", result["latency_ms"])
    if show_misses:
        for split, misses in result["misses"].items():
            for miss in misses:
                print(f"  [{split}] {miss}")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--split", choices=("dev", "holdout", "all"), default="all")
    parser.add_argument("--out", type=Path, default=REPO / "benchmarks" / "results" / "answers.json")
    parser.add_argument("--misses", action="store_true", help="list every question the coach got wrong")
    parser.add_argument(
        "--passes", type=int, default=2, help="times through the sets; latency is the last pass's (warm)"
    )
    args = parser.parse_args()
    on_topic, off_topic = load_sets()
    if args.split != "all":
        on_topic = [item for item in on_topic if item["split"] == args.split]
        off_topic = [item for item in off_topic if item["split"] == args.split]
    with tempfile.TemporaryDirectory() as folder:
        coach = build_coach(Path(folder))
        # The first pass fills what a long-running process keeps (passage vectors, caches); the figures
        # are the same on every pass, the latency is taken from the last, as a serving process sees it.
        first = score(coach, on_topic, off_topic)
        result = first
        for _ in range(args.passes - 1):
            result = score(coach, on_topic, off_topic)
        result["first_pass_latency_ms"] = first["latency_ms"]
    result["load"] = Path("/proc/loadavg").read_text().strip()
    print_figures(result, args.misses)
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(result, ensure_ascii=False, indent=2) + "\n", encoding="utf-8")
    print(f"written to {args.out}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
