"""The Slack app under load: one command, JSON results.

    python benchmarks/slack.py [--mentions 2000] [--senders 50] [--database-url URL] [--processes N]
                               [--out FILE] [--profile FILE]

Starts the Slack Web API stand-in (tests/slack/standin.py) and a real `kam-coach serve --http` against it,
each in its own process, then has 50 concurrent senders post signed `app_mention` events (each in its own
thread, questions from tests/data/retrieval_eval.yaml), as Slack would: a sender posts, waits for the
acknowledgement, posts the next; a refusal (503 when the queue is full) is sent again with
X-Slack-Retry-Num, as Slack does.

Measures: acknowledgement latency p50/p99 (request out to response in, at the sender); answered mentions
per second end to end (first event sent to last answer posted, as the stand-in saw it); the latency from
event to answer; duplicates (a thread answered more than once) and drops (a mention never answered);
serve's resident memory after the run and the CPU seconds it used for the mentions (all its processes,
with --processes N), per mention too: the figure the machine's other load disturbs least; and the
machine's load average around the run. --profile runs serve under benchmarks/slack_profile.py.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import platform
import random
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

import httpx
import psutil
import yaml

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

from bot.cli.serve_commands import default_processes  # noqa: E402
from tests.slack.sender import event_envelope, mention_event, message_event  # noqa: E402
from tests.slack.signing import signed_headers  # noqa: E402

SECRET = "benchmark-signing-secret"
TOKEN = "xoxb-benchmark"


def percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(share * (len(ordered) - 1)))] if ordered else float("nan")


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def wait_ready(url: str, process: subprocess.Popen, timeout: float, log: Path) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise SystemExit(f"{url}: process exited\n{log.read_text()[-3000:]}")
        try:
            if httpx.get(url, timeout=2).status_code == 200:
                return
        except httpx.TransportError:
            pass
        time.sleep(0.2)
    raise SystemExit(f"{url} not ready in {timeout} s\n{log.read_text()[-3000:]}")


def questions() -> list[str]:
    items = yaml.safe_load((REPO / "tests" / "data" / "retrieval_eval.yaml").read_text(encoding="utf-8"))
    return [item["q"] for item in items]


class KeepAlive:
    """One keep-alive HTTP/1.1 connection, as lean as a client can be, so the figures are the server's:
    requests are built before the clock starts, and the response is read by its Content-Length."""

    def __init__(self, host: str, port: int) -> None:
        self.host, self.port = host, port
        self.reader: asyncio.StreamReader | None = None
        self.writer: asyncio.StreamWriter | None = None

    async def post(self, request: bytes) -> int:
        if self.writer is None:
            self.reader, self.writer = await asyncio.open_connection(self.host, self.port)
        assert self.reader is not None
        self.writer.write(request)
        head = await self.reader.readuntil(b"\r\n\r\n")
        status = int(head.split(b" ", 2)[1])
        length = 0
        for line in head.split(b"\r\n")[1:]:
            name, _, value = line.partition(b":")
            if name.strip().lower() == b"content-length":
                length = int(value.strip())
        if length:
            await self.reader.readexactly(length)
        return status

    def close(self) -> None:
        if self.writer is not None:
            self.writer.close()


def http_request(host: str, port: int, body: bytes, headers: dict[str, str]) -> bytes:
    lines = ["POST /slack/events HTTP/1.1", f"Host: {host}:{port}", f"Content-Length: {len(body)}"]
    lines += [f"{name}: {value}" for name, value in headers.items()]
    return ("\r\n".join(lines) + "\r\n\r\n").encode() + body


class Sender:
    def __init__(self, url: str, questions: list[str], run: str, ack_only: bool = False) -> None:
        self.host, port = url.removeprefix("http://").split(":")
        self.port = int(port)
        self.questions = questions
        self.run_id = run
        self.ack_only = ack_only
        self.acks: list[float] = []
        self.sent: dict[tuple[str, str], float] = {}
        self.refused = 0
        self.failed = 0

    def requests(
        self, number: int, count: int, rng: random.Random
    ) -> list[tuple[tuple[str, str], list[bytes]]]:
        """Every request a sender will make (first delivery and three retries each), signed in advance."""
        user, channel = f"UBENCH{number:04d}", f"CBENCH{number:04d}"
        base = 1_000_000_000 + int(self.run_id.rstrip("w"), 16) % 10**6 * 100
        built = []
        for n in range(count):
            ts = f"{base + number}.{n:06d}"
            if self.ack_only:  # a channel message outside any thread: acknowledged, then not the coach's
                event = message_event("hello", user=user, channel=channel, channel_type="channel", ts=ts)
            else:
                event = mention_event(rng.choice(self.questions), user=user, channel=channel, ts=ts)
            body = json.dumps(event_envelope(event, f"EvBench{self.run_id}x{number:04d}x{n:06d}")).encode()
            attempts = []
            for retry in range(4):
                headers = {"Content-Type": "application/json", **signed_headers(SECRET, body)}
                if retry:
                    headers.update({"X-Slack-Retry-Num": str(retry), "X-Slack-Retry-Reason": "http_error"})
                attempts.append(http_request(self.host, self.port, body, headers))
            built.append(((channel, ts), attempts))
        return built

    async def sender(self, requests: list[tuple[tuple[str, str], list[bytes]]]) -> None:
        connection = KeepAlive(self.host, self.port)
        try:
            for key, attempts in requests:
                self.sent[key] = time.time()
                for attempt in attempts:
                    started = time.perf_counter()
                    status = await connection.post(attempt)
                    self.acks.append((time.perf_counter() - started) * 1000)
                    if status == 200:
                        break
                    self.refused += 1
                    await asyncio.sleep(1.0)
                else:
                    self.failed += 1
        finally:
            connection.close()

    def prepare(self, senders: int, total: int) -> list[list[tuple[tuple[str, str], list[bytes]]]]:
        rng = random.Random(7)
        share, extra = divmod(total, senders)
        return [self.requests(n, share + (1 if n < extra else 0), rng) for n in range(senders)]

    async def run(self, prepared: list[list[tuple[tuple[str, str], list[bytes]]]]) -> None:
        await asyncio.gather(*(self.sender(requests) for requests in prepared))


def ack_result(args, sender: Sender, seconds: float, load_before, serve) -> dict[str, Any]:
    return {
        "benchmark": "slack-ack-only",
        "load_average_before": [round(x, 2) for x in load_before],
        "load_average_after": [round(x, 2) for x in os.getloadavg()],
        "senders": args.senders,
        "serve_processes": args.processes,
        "requests": len(sender.acks),
        "ack_ms": {
            "p50": round(percentile(sender.acks, 0.50), 2),
            "p99": round(percentile(sender.acks, 0.99), 2),
            "max": round(max(sender.acks), 2),
        },
        "acks_per_second": round(len(sender.acks) / seconds, 1),
        "serve_rss_mb": round(sum(p.memory_info().rss for p in serve_processes(serve)) / 2**20, 1),
    }


POLL = httpx.Client(timeout=60)


def serve_processes(serve: subprocess.Popen) -> list[psutil.Process]:
    """serve and, with --processes N, its N replicas."""
    parent = psutil.Process(serve.pid)
    return [parent, *parent.children(recursive=True)]


def cpu_seconds(process: subprocess.Popen) -> dict[int, float]:
    """User plus system CPU seconds of each process of a command, by pid."""
    seconds = {}
    for each in serve_processes(process):
        try:
            times = each.cpu_times()
        except psutil.NoSuchProcess:
            continue
        seconds[each.pid] = times.user + times.system
    return seconds


def wait_listening(serve: subprocess.Popen, port: int, count: int, timeout: float, log: Path) -> None:
    """With several replicas, /healthz answers as soon as the first is up: wait for all of them."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if serve.poll() is not None:
            raise SystemExit(f"serve exited\n{log.read_text()[-3000:]}")
        listening = 0
        for each in serve_processes(serve):
            try:
                connections = each.net_connections(kind="tcp")
            except psutil.NoSuchProcess:
                continue
            listening += any(c.status == psutil.CONN_LISTEN and c.laddr.port == port for c in connections)
        if listening >= count:
            return
        time.sleep(0.2)
    raise SystemExit(f"{count} serve processes not listening in {timeout} s\n{log.read_text()[-3000:]}")


def serve_launcher(profile: Path | None) -> list[str]:
    """`python -m bot`, or the same under benchmarks/slack_profile.py."""
    if profile is None:
        return ["-m", "bot"]
    return [str(REPO / "benchmarks" / "slack_profile.py"), str(profile.resolve())]


def answers(standin_url: str) -> list[dict[str, Any]]:
    return POLL.get(standin_url + "/_standin/messages").json()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--mentions", type=int, default=2000)
    parser.add_argument("--senders", type=int, default=50)
    parser.add_argument("--database-url", help="default: SQLite in the data folder")
    parser.add_argument("--data-dir", help="KAM_DATA_DIR with the index built (default: a new temporary one)")
    parser.add_argument("--drain-timeout", type=float, default=600.0, help="seconds to wait for every answer")
    parser.add_argument(
        "--ack-only",
        action="store_true",
        help="send channel messages the app acknowledges and ignores: the acknowledgement path alone",
    )
    parser.add_argument("--workers", type=int, help="SLACK_WORKERS for serve (default: its own default)")
    parser.add_argument("--concurrent-turns", type=int, help="SLACK_CONCURRENT_TURNS for serve")
    parser.add_argument(
        "--processes",
        type=int,
        default=0,
        help="serve --processes N (HTTP processes sharing the port); default 0: serve's own default",
    )
    parser.add_argument("--out", type=Path, help="also write the JSON here")
    parser.add_argument(
        "--profile",
        type=Path,
        help="run serve under cProfile (every thread; use --processes 1) and write its stats here",
    )
    args = parser.parse_args()

    work = Path(tempfile.mkdtemp(prefix="kam-slack-bench-"))
    data_dir = Path(args.data_dir) if args.data_dir else work / "data"
    env = {k: v for k, v in os.environ.items() if not k.startswith(("KAM_", "SLACK_", "DATABASE_URL"))}
    env.update({"PYTHONPATH": str(REPO), "ANONYMIZED_TELEMETRY": "False", "KAM_DATA_DIR": str(data_dir)})

    standin_port, serve_port = free_port(), free_port()
    standin_url, serve_url = f"http://127.0.0.1:{standin_port}", f"http://127.0.0.1:{serve_port}"
    standin_log, serve_log = work / "standin.log", work / "serve.log"
    standin = subprocess.Popen(
        [sys.executable, "-m", "tests.slack.standin", "--port", str(standin_port)],
        cwd=REPO,
        env=env,
        stdout=standin_log.open("wb"),
        stderr=subprocess.STDOUT,
    )
    serve_env = {**env, "SLACK_BOT_TOKEN": TOKEN, "SLACK_SIGNING_SECRET": SECRET}
    serve_env["SLACK_API_URL"] = standin_url + "/api/"
    serve_env["KAM_LOG_LEVEL"] = "WARNING"
    if args.database_url:
        serve_env["DATABASE_URL"] = args.database_url
    if args.workers:
        serve_env["SLACK_WORKERS"] = str(args.workers)
    if args.concurrent_turns:
        serve_env["SLACK_CONCURRENT_TURNS"] = str(args.concurrent_turns)
    serve = subprocess.Popen(
        [
            sys.executable,
            *serve_launcher(args.profile),
            *["serve", "--http", "--port", str(serve_port), "--no-scheduler"],
            *["--processes", str(args.processes)],
        ],
        cwd=REPO,
        env=serve_env,
        stdout=serve_log.open("wb"),
        stderr=subprocess.STDOUT,
    )
    try:
        wait_ready(standin_url + "/health", standin, 30, standin_log)
        wait_ready(serve_url + "/healthz", serve, 600, serve_log)
        args.processes = args.processes or default_processes()
        wait_listening(serve, serve_port, args.processes, 600, serve_log)
        pool = questions()
        run = f"{int(time.time()):x}"  # event ids of this run only: a reused database has seen others
        warm = Sender(serve_url, pool, run + "w")
        asyncio.run(warm.run(warm.prepare(5, 20)))  # first requests: auth.test, profiles, caches
        deadline = time.monotonic() + 120
        while sum(1 for m in answers(standin_url) if m["finished_at"]) < 20:
            if time.monotonic() > deadline:
                raise SystemExit(f"the warm-up mentions were not answered\n{serve_log.read_text()[-3000:]}")
            time.sleep(0.5)
        httpx.post(standin_url + "/_standin/reset", timeout=30)

        load_before = os.getloadavg()
        cpu_before = cpu_seconds(serve)
        standin_cpu_before = cpu_seconds(standin)
        sender = Sender(serve_url, pool, run, ack_only=args.ack_only)
        prepared = sender.prepare(args.senders, args.mentions)
        sender_cpu = time.process_time()
        started = time.time()
        asyncio.run(sender.run(prepared))
        sending_seconds = time.time() - started
        sender_cpu = time.process_time() - sender_cpu
        if args.ack_only:
            result = ack_result(args, sender, sending_seconds, load_before, serve)
            result["sender_cpu_seconds"] = round(sender_cpu, 1)
            result["sending_seconds"] = round(sending_seconds, 1)
            text = json.dumps(result, indent=2)
            print(text)
            if args.out:
                args.out.parent.mkdir(parents=True, exist_ok=True)
                args.out.write_text(text + "\n", encoding="utf-8")
            return
        deadline = time.monotonic() + args.drain_timeout
        while True:
            finished = [m for m in answers(standin_url) if m["finished_at"] and m["thread_ts"]]
            if len({(m["channel"], m["thread_ts"]) for m in finished}) >= len(sender.sent):
                break
            if time.monotonic() > deadline:
                break
            time.sleep(0.5)
        time.sleep(1.0)  # anything late (a duplicate) shows up too
        finished = [
            m for m in answers(standin_url) if m["finished_at"] and m["thread_ts"] and not m["deleted"]
        ]
        load_after = os.getloadavg()
        cpu_after = cpu_seconds(serve)
        standin_cpu = sum(cpu_seconds(standin).values()) - sum(standin_cpu_before.values())
        rss_mb = sum(p.memory_info().rss for p in serve_processes(serve)) / 2**20
        serve_cpu = sum(seconds - cpu_before.get(pid, 0.0) for pid, seconds in cpu_after.items())

        by_thread: dict[tuple[str, str], list[dict[str, Any]]] = {}
        for message in finished:
            by_thread.setdefault((message["channel"], message["thread_ts"]), []).append(message)
        answered = {key: min(m["finished_at"] for m in found) for key, found in by_thread.items()}
        wanted = set(sender.sent)
        duplicates = sum(len(found) - 1 for key, found in by_thread.items() if key in wanted)
        drops = len(wanted - set(answered))
        last = max(answered[key] for key in wanted if key in answered)
        end_to_end = [(answered[key] - sender.sent[key]) * 1000 for key in wanted if key in answered]
        placeholders = sum(1 for m in answers(standin_url) if m["placeholder"])
        result = {
            "benchmark": "slack",
            "machine": {"cpus": os.cpu_count(), "python": platform.python_version()},
            "load_average_before": [round(x, 2) for x in load_before],
            "load_average_after": [round(x, 2) for x in load_after],
            "database": "postgresql" if args.database_url else "sqlite",
            "senders": args.senders,
            "workers": args.workers or "default",
            "concurrent_turns": args.concurrent_turns or "default",
            "mentions": len(wanted),
            "ack_ms": {
                "p50": round(percentile(sender.acks, 0.50), 2),
                "p99": round(percentile(sender.acks, 0.99), 2),
                "max": round(max(sender.acks), 2),
                "count": len(sender.acks),
            },
            "acks_per_second_while_sending": round(len(sender.acks) / sending_seconds, 1),
            "sending_seconds": round(sending_seconds, 1),
            "sender_cpu_seconds": round(sender_cpu, 1),
            "refused_then_redelivered": sender.refused,
            "answered_per_second_end_to_end": round(len(answered.keys() & wanted) / (last - started), 1),
            "event_to_answer_ms": {
                "p50": round(percentile(end_to_end, 0.50), 1),
                "p99": round(percentile(end_to_end, 0.99), 1),
            },
            "duplicates": duplicates,
            "drops": drops,
            "placeholders_left": placeholders,
            "serve_rss_mb": round(rss_mb, 1),
            "serve_processes": args.processes,
            "serve_cpu_seconds": round(serve_cpu, 1),
            "serve_cpu_ms_per_mention": round(serve_cpu * 1000 / max(1, len(wanted)), 2),
            "standin_cpu_seconds": round(standin_cpu, 1),
            "seconds": round(last - started, 1),
        }
    finally:
        for process in (serve, standin):
            process.terminate()
        for process in (serve, standin):
            try:
                process.wait(30)
            except subprocess.TimeoutExpired:
                process.kill()
    text = json.dumps(result, indent=2)
    print(text)
    if args.out:
        args.out.parent.mkdir(parents=True, exist_ok=True)
        args.out.write_text(text + "\n", encoding="utf-8")
    sys.stderr.write(
        f"ack p99 {result['ack_ms']['p99']} ms; {result['answered_per_second_end_to_end']}/s; "
        f"statistics: {statistics.fmean(sender.acks):.1f} ms mean ack\n"
    )


if __name__ == "__main__":
    main()
