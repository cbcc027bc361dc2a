"""`kam-coach plan show|list|review`, `kam-coach people import`, `kam-coach accounts import`.

Plans are shown only to those who may see them (``bot.plans.access``): ``--user`` says who is asking
(default: your login name); ids in ``KAM_ADMINS`` see every plan.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from bot.cli.common import BadInput, add_user_option, language_of, print_json


def _services():
    from bot.plans.repository import PlanRepository
    from bot.plans.wording import PlanWording
    from bot.settings import get_settings
    from bot.store import open_database

    settings = get_settings()
    db = open_database(settings)
    return settings, db, PlanRepository(db, admin_ids=settings.admin_ids), PlanWording(settings.prompts_dir)


def _plan_for(repo, user: str, account: str, action: str = "view"):
    """The account's plan if ``user`` may ``action`` it; None (said on stderr) when refused."""
    result = repo.latest_for_account(user, account, action)
    if result.plan is not None:
        return result.plan
    reason = result.decision.reason
    if reason == "no_account":
        raise BadInput(f"ACCOUNT: no account named {account!r} (see kam-coach plan list)")
    if reason == "no_plan":
        raise BadInput(f"ACCOUNT: {result.account_name} has no plan yet")
    sys.stderr.write(f"kam-coach: {user} may not see the plan for {result.account_name}\n")
    return None


def run_show(args: argparse.Namespace) -> int:
    from bot.plans.render import PlanRenderer

    _settings, db, repo, wording = _services()
    try:
        record = _plan_for(repo, args.user, args.account)
        if record is None:
            return 1
        if args.format == "json":
            print_json(PlanRenderer.as_json(record))
        else:
            text = PlanRenderer(wording).markdown(record, language_of(args), repo.people_names())
            if args.output:
                try:
                    Path(args.output).write_text(text, encoding="utf-8")
                except OSError as failure:
                    raise BadInput(
                        f"--output: cannot write {args.output} ({failure.strerror or failure})"
                    ) from None
            else:
                sys.stdout.write(text)
        return 0
    finally:
        db.dispose()


def run_list(args: argparse.Namespace) -> int:
    _settings, db, repo, wording = _services()
    try:
        plans = repo.plans_visible_to(args.user)
        language = language_of(args)
        if args.json:
            print_json(
                {
                    "user": args.user,
                    "plans": [
                        {
                            "plan_id": p.id,
                            "account": p.account_name,
                            "owner_id": p.owner_id,
                            "relation": p.relation,
                            "status": p.status,
                            "completeness": round(p.completeness.score, 4),
                            "updated_at": p.updated_at.isoformat(),
                        }
                        for p in plans
                    ],
                }
            )
            return 0
        sys.stdout.write(wording.plans_list(plans, language) + "\n")
        return 0
    finally:
        db.dispose()


def run_review(args: argparse.Namespace) -> int:
    from bot.plans.review import render_checklist, review_plan

    _settings, db, repo, wording = _services()
    try:
        record = _plan_for(repo, args.user, args.account, action="review")
        if record is None:
            return 1
        checklist = review_plan(record.plan, record.account_name, wording, language_of(args))
        if args.json:
            print_json(checklist)
        else:
            sys.stdout.write(render_checklist(checklist, wording))
        return 0
    finally:
        db.dispose()


def _import(args: argparse.Namespace, what: str) -> int:
    from bot.plans.directory import ImportProblem, import_accounts, import_people
    from bot.wording import load_prompt_file

    path = Path(args.file)
    if not path.is_file():
        raise BadInput(f"FILE: file not found: {args.file}")
    settings, db, _repo, _wording = _services()
    try:
        result = (import_people if what == "people" else import_accounts)(db, path)
    except ImportProblem as problem:
        raise BadInput(f"{args.file}: {problem}") from None
    finally:
        db.dispose()
    words = load_prompt_file(settings.prompts_dir, "directory.yaml")[language_of(args)]
    warnings = [
        {
            "line": w.line,
            "column": w.column,
            "id": w.id,
            "code": w.code,
            "message": words[w.code].format(line=w.line, column=w.column, id=w.id),
        }
        for w in result.warnings
    ]
    if args.json:
        print_json(
            {
                "imported": what,
                "file": str(path),
                "created": result.created,
                "updated": result.updated,
                "warnings": warnings,
            }
        )
        return 0
    lines = [
        words["summary"].format(what=words[what], created=result.created, updated=result.updated, file=path)
    ]
    for line in dict.fromkeys(w.line for w in result.warnings):  # one line a row
        ids = [words["id_item"].format(column=w.column, id=w.id) for w in result.warnings if w.line == line]
        lines.append(words["warning_line"].format(line=line, ids=words["id_join"].join(ids)))
    sys.stdout.write("\n".join(lines) + "\n")
    return 0


def run_people_import(args: argparse.Namespace) -> int:
    return _import(args, "people")


def run_accounts_import(args: argparse.Namespace) -> int:
    return _import(args, "accounts")


def register(subparsers: argparse._SubParsersAction) -> None:
    plan = subparsers.add_parser("plan", help="account plans: show, list, review")
    plan_commands = plan.add_subparsers(dest="plan_command", metavar="SUBCOMMAND")
    plan_commands.required = True

    def user_and_lang(parser: argparse.ArgumentParser) -> None:
        add_user_option(parser, "who is asking (default: your login name)")
        parser.add_argument(
            "--lang", choices=("en", "zh"), help="language of the output (default KAM_LANGUAGE)"
        )

    show = plan_commands.add_parser("show", help="export an account's plan as Markdown or JSON")
    show.add_argument("account", metavar="ACCOUNT")
    show.add_argument("--format", choices=("md", "json"), default="md")
    show.add_argument("--output", "-o", metavar="FILE", help="write the Markdown to FILE instead of stdout")
    user_and_lang(show)
    show.set_defaults(func=run_show)

    listing = plan_commands.add_parser("list", help="the plans you may see, with completeness")
    listing.add_argument("--json", action="store_true")
    user_and_lang(listing)
    listing.set_defaults(func=run_list)

    review = plan_commands.add_parser("review", help="the phase-3 review checklist for an account's plan")
    review.add_argument("account", metavar="ACCOUNT")
    review.add_argument("--json", action="store_true")
    user_and_lang(review)
    review.set_defaults(func=run_review)

    people = subparsers.add_parser("people", help="the people directory (Slack users, managers, teams)")
    people_commands = people.add_subparsers(dest="people_command", metavar="SUBCOMMAND")
    people_commands.required = True
    people_import = people_commands.add_parser(
        "import", help="import FILE.csv: slack_id,name,email,manager_slack_id,team,is_admin"
    )
    people_import.add_argument("file", metavar="FILE.csv")
    people_import.add_argument("--json", action="store_true")
    people_import.add_argument(
        "--lang", choices=("en", "zh"), help="language of the output (default KAM_LANGUAGE)"
    )
    people_import.set_defaults(func=run_people_import)

    accounts = subparsers.add_parser("accounts", help="accounts from your CRM")
    accounts_commands = accounts.add_subparsers(dest="accounts_command", metavar="SUBCOMMAND")
    accounts_commands.required = True
    accounts_import = accounts_commands.add_parser(
        "import",
        help="import a CRM export: name,industry,owner_slack_id,crm_id,team_slack_ids,profit_contribution,…",
    )
    accounts_import.add_argument("file", metavar="FILE.csv")
    accounts_import.add_argument("--json", action="store_true")
    accounts_import.add_argument(
        "--lang", choices=("en", "zh"), help="language of the output (default KAM_LANGUAGE)"
    )
    accounts_import.set_defaults(func=run_accounts_import)
