"""A complete plan for ACME Bank, drafted through the coach's plan form from the example CRM export and
people list.

Used by the export tests, and to write ``examples/account-plan-example.md``::

    python -m tests.plans.example_plan examples/account-plan-example.md
"""

from __future__ import annotations

import sys
from datetime import date
from pathlib import Path

from bot.coach.turn import Turn
from bot.plans.directory import import_accounts, import_people
from bot.plans.repository import PlanRecord, PlanRepository
from bot.settings import Settings, _shipped_dir

REPO = Path(__file__).resolve().parents[2]
TODAY = date(2026, 11, 27)
OWNER = "U0AM01"

# ACME Bank's value comes from the CRM export, so the value questions are not asked.
ANSWERS = [
    "start a plan for ACME Bank",
    "1",
    "technically complex",
    "18,000",
    "Data transmission | 1.2m",
    "Managed WAN | 400k",
    "Voice | 150k",
    "done",
    "18%",
    "Li Wei (CIO), Sarah Chen (CFO), procurement committee",
    "headquarters",
    "Annual tender in Q3; the CIO shortlists, the procurement committee signs above 1m",
    "network reliability, fast fault repair, one point of contact",
    "branch closures, move to cloud, stricter data-residency rules",
    "SD-WAN for 200 branches | cross-sell | 600k | 60%",
    "Cloud backup for core banking | increase usage | 250k | 80%",
    "Core network refresh | price mix | 1.2m | 30%",
    "Open banking API gateway | new customer core | 400k | 20%",
    "done",
    "competitor bid at renewal (June), CIO retiring next year, budget freeze in retail",
    "Data transmission | 1.5m",
    "Managed WAN | 900k",
    "Cloud services | 300k",
    "done",
    "IT operations of the retail bank, 200 branches",
    "premium",
    "The safe bet: one accountable partner with 99.99% uptime and a 4-hour fix",
    "CIO quarterly on the roadmap; IT operations monthly on service; procurement before the tender",
    "monthly",
    "me | account manager",
    "Chen Jing | solutions engineer",
    "Ben Okafor | service manager",
    "done",
    "revenue vs target, share of wallet, NPS of IT operations",
    "pilot signed, 50 branches live, renewal won",
    "CIO | quarterly business review | quarterly | me",
    "IT operations | service report by email | monthly | Ben Okafor",
    "Procurement | meeting before the tender | yearly | me",
    "done",
    "Run SD-WAN pilot in 5 branches | Chen Jing | 2027-03-31 | yes",
    "Renewal proposal to procurement | me | 2027-05-14 | yes",
    "Cloud backup workshop with IT operations | Ben Okafor | 2027-02-26 | no",
    "done",
    "2027-01-04",
]


def draft_example(db, settings: Settings, index) -> PlanRecord:
    """Drafts the plan through the coach exactly as a user would in chat."""
    from bot.app import assemble_coach

    import_people(db, REPO / "examples" / "people.csv")
    import_accounts(db, REPO / "examples" / "crm-accounts.csv")
    coach = assemble_coach(settings, index=index, db=db, today=lambda: TODAY)
    reply = None
    for text in ANSWERS:
        reply = coach.handle(Turn(text=text, user_id=OWNER))
    assert reply is not None and reply.ask is None and reply.dialog == "plan", reply
    return PlanRepository(db).latest_for_account(OWNER, "ACME Bank").plan  # type: ignore[return-value]


def main(target: str) -> None:
    import tempfile

    from bot.app import build_index
    from bot.plans.render import PlanRenderer
    from bot.plans.wording import PlanWording
    from bot.store.db import Database

    with tempfile.TemporaryDirectory() as folder:
        settings = Settings(KAM_DATA_DIR=folder)  # type: ignore[call-arg]
        db = Database(f"sqlite:///{folder}/example.db")
        db.migrate()
        record = draft_example(db, settings, build_index(settings))
        plans = PlanRepository(db)
        text = PlanRenderer(PlanWording(_shipped_dir("prompts"))).markdown(record, "en", plans.people_names())
        db.dispose()
    Path(target).write_text(text, encoding="utf-8")


if __name__ == "__main__":
    main(sys.argv[1] if len(sys.argv) > 1 else "examples/account-plan-example.md")
