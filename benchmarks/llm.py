"""What the optional language model layer costs a turn, besides the model's own time. One command, JSON out.

    python benchmarks/llm.py [--rounds 5] [--data-dir DIR] [--out benchmarks/results/llm-latest.json]

Against the tests' OpenAI-compatible stand-in on 127.0.0.1 (answering at once, so its own time is nil),
through the real path (init_chat_model -> langchain-openai -> HTTP), the same questions are asked with the
model and without it; the overhead is the difference per question (prompt, HTTP round trip, parsing,
citation checks). Also: the in-process part alone (a fake chat model, no HTTP), a pricing question answered
by the model calling the pricing rule (two model calls), and how long a turn takes to fall back to the
extractive answer when the model does not answer within KAM_LLM_TIMEOUT (the timeout itself subtracted).
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))
os.environ.setdefault("ANONYMIZED_TELEMETRY", "False")

QUESTIONS = [
    "How should I price this deal when the customer wants a lower price?",
    "What is LRAIC and when do we use marginal cost?",
    "How often should we review the plans for our top accounts?",
    "Which selling skills should my team train first?",
    "这个单子怎么报价?",
    "客户价值金字塔是什么?",
    "我们该优先做哪些机会?",
    "为什么要做关键客户管理?",
]
PRICING = "What price if list 100, max discount 10%, winning 85, LRAIC 70, marginal 40, utilisation 55%?"
DEAL = {
    "list_price": 100,
    "max_discount": 0.1,
    "winning_price": 85,
    "current": {"lraic": 70, "marginal_cost": 40, "utilisation": 0.55},
}


def percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(share * (len(ordered) - 1)))]


def summary(samples: list[float]) -> dict[str, float]:
    return {
        "n": len(samples),
        "p50_ms": round(percentile(samples, 0.5), 2),
        "p95_ms": round(percentile(samples, 0.95), 2),
        "mean_ms": round(statistics.fmean(samples), 2),
    }


def loadavg() -> list[str] | None:
    path = Path("/proc/loadavg")
    return path.read_text().split()[:3] if path.exists() else None


def timed(ask: Callable[[str], object], question: str) -> tuple[float, object]:
    started = time.perf_counter()
    reply = ask(question)
    return (time.perf_counter() - started) * 1000, reply


def main() -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--rounds", type=int, default=5, help="times each question is asked (default 5)")
    parser.add_argument(
        "--data-dir", type=Path, help="a data folder whose index is already built (default: new)"
    )
    parser.add_argument("--out", type=Path, default=REPO / "benchmarks" / "results" / "llm-latest.json")
    args = parser.parse_args()
    load_before = loadavg()

    from bot.app import assemble_coach, build_index
    from bot.llm.assembly import build_llm
    from bot.llm.config import LlmConfig
    from bot.settings import Settings
    from bot.wording import Catalogue
    from tests.llm.fakes import ScriptedChatModel, said
    from tests.llm.standin import Scripted, StandIn

    data_dir = args.data_dir or Path(tempfile.mkdtemp(prefix="kam-llm-bench-"))
    plain = Settings(KAM_DATA_DIR=str(data_dir))  # type: ignore[call-arg]
    index = build_index(plain)
    extractive = assemble_coach(plain, index=index)
    cited = Scripted(content="Work the questions of the tree in order [1].")

    with StandIn(default=cited) as stand_in:

        def coach_with(**env: str):
            settings = Settings(
                KAM_DATA_DIR=str(data_dir),
                KAM_LLM="openai:stand-in",
                KAM_LLM_BASE_URL=stand_in.base_url,
                **env,  # type: ignore[arg-type]
            )
            return assemble_coach(settings, index=index)

        with_model = coach_with()
        for question in QUESTIONS:  # warm: imports, connection, caches
            extractive.ask(question)
            with_model.ask(question)

        plain_ms: list[float] = []
        model_ms: list[float] = []
        overhead: list[float] = []
        modes: dict[str, int] = {}
        for _ in range(args.rounds):
            for question in QUESTIONS:
                base, _ = timed(extractive.ask, question)
                took, reply = timed(with_model.ask, question)
                modes[reply.mode] = modes.get(reply.mode, 0) + 1  # type: ignore[attr-defined]
                plain_ms.append(base)
                model_ms.append(took)
                overhead.append(took - base)

        # the in-process part alone: the phraser with a fake model (prompt, loop, citation check), no HTTP
        config = LlmConfig(model="fake:scripted")
        catalogue = Catalogue(plain.prompts_dir)
        hits = index.search(QUESTIONS[0], k=5, lang="en")
        base_reply = extractive.ask(QUESTIONS[0])
        in_process: list[float] = []
        for _ in range(args.rounds * len(QUESTIONS)):
            fake = ScriptedChatModel.replying(said("Work the questions of the tree in order [1]."))
            phraser = build_llm(config, catalogue, index, model=fake).phraser
            started = time.perf_counter()
            phraser.phrase(QUESTIONS[0], "en", hits, base_reply)  # type: ignore[arg-type]
            in_process.append((time.perf_counter() - started) * 1000)

        # a question answered by the pricing rule, called as a tool (two model calls)
        tool_ms: list[float] = []
        for _ in range(args.rounds):
            stand_in.script(Scripted(tool_calls=[("price_deal", DEAL)]), cited)
            took, reply = timed(with_model.ask, PRICING)
            assert reply.decision is not None, reply  # type: ignore[attr-defined]
            tool_ms.append(took)
        pricing_base = [timed(extractive.ask, PRICING)[0] for _ in range(args.rounds)]

        # falling back when the model is too slow: the whole turn, and its time past the timeout (which holds
        # the retrieval and extractive answer made before the model was asked, measured beside it)
        timeout_s = 1.0
        slow = coach_with(KAM_LLM_TIMEOUT=str(timeout_s))
        fallback_total: list[float] = []
        past_timeout: list[float] = []
        fallback_base: list[float] = []
        for question in QUESTIONS[: max(2, min(len(QUESTIONS), args.rounds))]:
            stand_in.script(Scripted(content="late [1]", delay=timeout_s + 2))
            fallback_base.append(timed(extractive.ask, question)[0])
            took, reply = timed(slow.ask, question)
            assert reply.mode == "extractive", reply  # type: ignore[attr-defined]
            fallback_total.append(took)
            past_timeout.append(took - timeout_s * 1000)

    results = {
        "machine": {
            "python": platform.python_version(),
            "cpus": os.cpu_count(),
            "loadavg_before_after": [load_before, loadavg()],
        },
        "questions": len(QUESTIONS),
        "rounds": args.rounds,
        "ask_extractive": summary(plain_ms),
        "ask_with_model": summary(model_ms),
        "modes_with_model": modes,
        "overhead_per_turn_http_stand_in": summary(overhead),
        "overhead_in_process_fake_model": summary(in_process),
        "pricing_via_tool_two_calls": summary(tool_ms),
        "pricing_extractive": summary(pricing_base),
        "fallback_timeout_s": timeout_s,
        "fallback_turn_total": summary(fallback_total),
        "fallback_turn_past_timeout": summary(past_timeout),
        "fallback_same_questions_extractive": summary(fallback_base),
    }
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(results, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
    print(json.dumps(results, indent=2, ensure_ascii=False))
    return 0


if __name__ == "__main__":
    sys.exit(main())
