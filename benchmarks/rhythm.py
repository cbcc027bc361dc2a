"""Rhythm benchmark: reminder sweeps and weekly digests at scale. One command, JSON out.

    python benchmarks/rhythm.py [--db sqlite|postgresql|both] [--milestones 100000] [--out FILE]

Seeds 10,000 accounts, about 200 managers (a head, 20 directors, 180 managers of 10 people each), 100,000
milestones over a year in four time zones, and 2,000 plans; plans every reminder (the planner, as the first
sweep after an import would), then measures: an idle sweep and a busy one (a morning's reminders in one
zone), statements per sweep at two sizes of not-due milestones (10% and 100% of the seed), a catch-up sweep
after a simulated 3-day downtime, two sweeps at once on separate engines (duplicates counted), and a full
digest run for every manager. Prints the JSON and writes it to --out.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import random
import sys
import tempfile
import threading
import time
import uuid
from collections import Counter
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

from sqlalchemy import event, func, insert, select  # noqa: E402

from bot.plans.derive import derive  # noqa: E402
from bot.plans.model import AccountPlan  # noqa: E402
from bot.rhythm.config import RhythmConfig  # noqa: E402
from bot.rhythm.delivery import RecordingDelivery  # noqa: E402
from bot.rhythm.digest_run import DigestRun  # noqa: E402
from bot.rhythm.planner import plan_dirty_reminders  # noqa: E402
from bot.rhythm.sweep import ReminderSweep  # noqa: E402
from bot.rhythm.wording import RhythmWording  # noqa: E402
from bot.store.db import Database  # noqa: E402
from bot.store.models import Account, Person, Plan, account_key  # noqa: E402
from bot.store.rhythm_tables import Milestone, ReminderDelivery  # noqa: E402

ZONES = ("Asia/Shanghai", "Europe/London", "America/New_York", "UTC")
PG_ADMIN = os.environ.get("KAM_TEST_POSTGRES_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/test")
YEAR_START = date(2027, 1, 4)


def load() -> str:
    return (
        Path("/proc/loadavg").read_text().split(" ", 3)[:3].__str__()
        if Path("/proc/loadavg").exists()
        else "?"
    )


class Statements:
    def __init__(self, engine) -> None:
        self.engine, self.count = engine, 0

    def __enter__(self) -> Statements:
        event.listen(self.engine, "before_cursor_execute", self._seen)
        return self

    def __exit__(self, *_exc: object) -> None:
        event.remove(self.engine, "before_cursor_execute", self._seen)

    def _seen(self, *_args: object) -> None:
        self.count += 1


def seed_people_and_accounts(db: Database, accounts: int) -> list[str]:
    rng = random.Random(1)
    people = [{"slack_id": "UHEAD", "name": "Head", "manager_id": None, "tz": "Europe/London"}]
    owners: list[str] = []
    for d in range(20):
        people.append(
            {"slack_id": f"UDIR{d:02d}", "name": f"Director {d}", "manager_id": "UHEAD", "tz": ZONES[d % 4]}
        )
        for m in range(9):
            manager = f"UMGR{d:02d}{m}"
            people.append(
                {
                    "slack_id": manager,
                    "name": f"Manager {d}.{m}",
                    "manager_id": f"UDIR{d:02d}",
                    "tz": ZONES[(d + m) % 4],
                }
            )
            for a in range(10):
                owner = f"UAM{d:02d}{m}{a}"
                owners.append(owner)
                people.append(
                    {
                        "slack_id": owner,
                        "name": f"Owner {owner}",
                        "manager_id": manager,
                        "tz": ZONES[(d + m + a) % 4],
                    }
                )
    now = datetime.now(UTC)
    for person in people:
        person.update(
            is_admin=False, language="zh" if rng.random() < 0.3 else "en", created_at=now, updated_at=now
        )
    with db.session() as session:
        session.execute(insert(Person), [p for p in people if p["manager_id"] is None])
        session.execute(insert(Person), [p for p in people if p["slack_id"].startswith("UDIR")])
        session.execute(insert(Person), [p for p in people if p["slack_id"].startswith("UMGR")])
        session.execute(insert(Person), [p for p in people if p["slack_id"].startswith("UAM")])
        rows = []
        for n in range(accounts):
            name = f"Account {n:05d}"
            rows.append(
                {
                    "name": name,
                    "name_key": account_key(name),
                    "owner_id": owners[n % len(owners)],
                    "profit_contribution": rng.lognormvariate(12, 1.2),
                    "cost_to_serve": rng.uniform(1_000, 50_000),
                    "extra": {},
                    "created_at": now,
                    "updated_at": now,
                }
            )
        session.execute(insert(Account), rows)
    return owners


def seed_plans(db: Database, count: int) -> None:
    template = derive(
        AccountPlan.model_validate(
            {
                "goals": {
                    "opportunities": [
                        {
                            "name": "SD-WAN",
                            "kind": "cross_sell",
                            "outcome_value": 600_000,
                            "success_probability": 0.6,
                        },
                        {
                            "name": "Backup",
                            "kind": "increase_usage",
                            "outcome_value": 250_000,
                            "success_probability": 0.8,
                        },
                        {
                            "name": "Refresh",
                            "kind": "price_mix",
                            "outcome_value": 1_200_000,
                            "success_probability": 0.3,
                        },
                    ]
                },
                "customer": {"industry": "Banking", "decision_makers": ["CIO"]},
            }
        ),
        "x",
        [],
    ).model_dump(mode="json")
    now = datetime.now(UTC)
    with db.session() as session:
        accounts = session.execute(
            select(Account.id, Account.owner_id).order_by(Account.id).limit(count)
        ).all()
        session.execute(
            insert(Plan),
            [
                {
                    "account_id": a,
                    "owner_id": o,
                    "status": "approved" if i % 3 == 0 else "draft",
                    "data": template,
                    "created_at": now,
                    "updated_at": now,
                }
                for i, (a, o) in enumerate(accounts)
            ],
        )


def seed_milestones(db: Database, owners: list[str], count: int, offset: int = 0) -> None:
    rng = random.Random(2 + offset)
    now = datetime(2026, 12, 1, tzinfo=UTC)
    with db.session() as session:
        account_ids = list(session.scalars(select(Account.id)))
    for start in range(0, count, 10_000):
        rows = []
        for n in range(start, min(count, start + 10_000)):
            due = YEAR_START + timedelta(days=rng.randrange(365))
            done = rng.random() < 0.1
            rows.append(
                {
                    "account_id": account_ids[(n + offset) % len(account_ids)],
                    "owner_id": owners[(n + offset) % len(owners)],
                    "due_date": due,
                    "kind": "ad_hoc",
                    "title": f"Milestone {n + offset}",
                    "state": "done" if done else "open",
                    "source": "ad_hoc",
                    "due_set_at": now,
                    "reminders_dirty": True,
                    "created_by": "bench",
                    "done_at": now if done else None,
                    "created_at": now,
                    "updated_at": now,
                }
            )
        with db.session() as session:
            session.execute(insert(Milestone), rows)


def timed(call):
    started = time.perf_counter()
    result = call()
    return result, round(time.perf_counter() - started, 3)


def bench(url: str, args) -> dict:
    db = Database(url)
    db.migrate()
    config = RhythmConfig()
    wording = RhythmWording(REPO / "prompts")
    delivery = RecordingDelivery()
    sweep = ReminderSweep(db, config, wording, delivery)
    out: dict = {"load_before": load()}
    owners, out["seed_people_accounts_s"] = timed(lambda: seed_people_and_accounts(db, args.accounts))
    _, out["seed_plans_s"] = timed(lambda: seed_plans(db, args.plans))
    first = args.milestones // 10
    timed(lambda: seed_milestones(db, owners, first))
    planned, seconds = timed(lambda: plan_dirty_reminders(db, config))
    quiet = datetime(
        2027, 1, 1, tzinfo=UTC
    )  # nothing due yet: the first reminders are on 2027-01-04 minus 7 days
    sweep.run(quiet)  # sends what is due before it; the measured sweeps find nothing due
    with Statements(db.engine) as small:
        sweep.run(quiet)
    timed(lambda: seed_milestones(db, owners, args.milestones - first, offset=first))
    planned2, seconds2 = timed(lambda: plan_dirty_reminders(db, config))
    out["planning"] = {
        "milestones": planned + planned2,
        "seconds": round(seconds + seconds2, 2),
        "per_second": round((planned + planned2) / (seconds + seconds2)),
    }
    with db.session() as session:
        out["reminder_rows"] = session.scalar(select(func.count()).select_from(ReminderDelivery))
        out["milestones"] = session.scalar(select(func.count()).select_from(Milestone))
    sweep.run(quiet)
    with Statements(db.engine) as large:
        sweep.run(quiet)
    out["statements_per_idle_sweep"] = {
        f"{first}_milestones": small.count,
        f"{args.milestones}_milestones": large.count,
    }
    idle_times = [timed(lambda: sweep.run(quiet))[1] for _ in range(5)]
    out["idle_sweep_s"] = {"median": sorted(idle_times)[2], "max": max(idle_times)}
    # A busy sweep: every reminder due up to Monday 2027-03-01 09:00 in Shanghai, swept the minute before.
    sweep.run(datetime(2027, 3, 1, 0, 59, tzinfo=UTC))
    busy, busy_s = timed(lambda: sweep.run(datetime(2027, 3, 1, 1, 0, tzinfo=UTC)))
    with Statements(db.engine) as busy_statements:
        sweep.run(datetime(2027, 3, 1, 1, 5, tzinfo=UTC))
    out["busy_sweep"] = {
        "sent": len(busy.sent),
        "seconds": busy_s,
        "per_reminder_ms": round(busy_s * 1000 / max(len(busy.sent), 1), 3),
    }
    # Catch-up: the scheduler was down for three days.
    catch_up, catch_up_s = timed(lambda: sweep.run(datetime(2027, 3, 4, 1, 5, tzinfo=UTC)))
    repeat = sweep.run(datetime(2027, 3, 4, 1, 5, tzinfo=UTC))
    out["catch_up_after_3_days"] = {
        "sent": len(catch_up.sent),
        "seconds": catch_up_s,
        "sent_again_by_the_next_sweep": len(repeat.sent),
    }
    # Two sweeps at once (separate engines, as two schedulers) over another three days.
    deliveries = [RecordingDelivery(), RecordingDelivery()]
    engines = [Database(url), Database(url)]
    sweeps = [ReminderSweep(e, config, wording, d) for e, d in zip(engines, deliveries, strict=True)]
    barrier = threading.Barrier(2)
    moment = datetime(2027, 3, 7, 1, 5, tzinfo=UTC)

    def run(s: ReminderSweep) -> None:
        barrier.wait()
        s.run(moment)

    threads = [threading.Thread(target=run, args=(s,)) for s in sweeps]
    started = time.perf_counter()
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    concurrent_s = round(time.perf_counter() - started, 3)
    counts = Counter((m.milestone_id, m.reminder) for d in deliveries for m in d.reminders)
    out["two_sweeps_at_once"] = {
        "sent": sum(counts.values()),
        "distinct": len(counts),
        "duplicates": sum(c - 1 for c in counts.values()),
        "by_each": [len(d.reminders) for d in deliveries],
        "seconds": concurrent_s,
    }
    for engine in engines:
        engine.dispose()
    # Digests: every manager's, on Monday 2027-03-08 once 09:00 has passed in every zone.
    digests = DigestRun(db, config, wording, RecordingDelivery())
    result, digest_s = timed(lambda: digests.run(datetime(2027, 3, 8, 14, 30, tzinfo=UTC)))
    out["digest_run"] = {
        "digests": len(result.sent),
        "seconds": digest_s,
        "per_digest_ms": round(digest_s * 1000 / max(len(result.sent), 1), 1),
    }
    out["idle_sweep_statements_equal"] = small.count == large.count
    out["busy_sweep_statements_after"] = busy_statements.count
    out["load_after"] = load()
    db.dispose()
    return out


def postgres_url() -> tuple[str, callable]:
    import psycopg
    from sqlalchemy.engine import make_url

    admin = make_url(PG_ADMIN)
    name = f"kam_bench_{uuid.uuid4().hex[:8]}"
    connect = dict(
        host=admin.host or "127.0.0.1",
        port=admin.port or 5432,
        user=admin.username or "postgres",
        dbname=admin.database or "test",
        autocommit=True,
    )
    with psycopg.connect(**connect) as connection:
        connection.execute(f'CREATE DATABASE "{name}"')

    def drop() -> None:
        with psycopg.connect(**connect) as connection:
            connection.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')

    return admin.set(database=name).render_as_string(hide_password=False), drop


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--db", choices=("sqlite", "postgresql", "both"), default="both")
    parser.add_argument("--accounts", type=int, default=10_000)
    parser.add_argument("--plans", type=int, default=2_000)
    parser.add_argument("--milestones", type=int, default=100_000)
    parser.add_argument("--out", default=str(REPO / "benchmarks" / "results" / "rhythm.json"))
    args = parser.parse_args()
    results: dict = {
        "machine": {"cpus": os.cpu_count(), "python": platform.python_version()},
        "sizes": {"accounts": args.accounts, "plans": args.plans, "milestones": args.milestones},
    }
    if args.db in ("sqlite", "both"):
        with tempfile.TemporaryDirectory() as folder:
            results["sqlite"] = bench(f"sqlite:///{folder}/bench.db", args)
    if args.db in ("postgresql", "both"):
        url, drop = postgres_url()
        try:
            results["postgresql"] = bench(url, args)
        finally:
            drop()
    text = json.dumps(results, indent=2)
    Path(args.out).parent.mkdir(parents=True, exist_ok=True)
    Path(args.out).write_text(text + "\n", encoding="utf-8")
    print(text)


if __name__ == "__main__":
    main()
