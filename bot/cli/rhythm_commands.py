"""`kam-coach milestones add|list|done|snooze`, `reminders run|replan`, `digest`, `digests run`, `scheduler`.

Contracts section 10. Thin: parse, call ``bot.rhythm``, print. Without ``--user``, ``done`` and ``snooze``
act as the local operator (who holds the database anyway); with it, only the owner, the owner's managers and
admins may.
"""

from __future__ import annotations

import argparse
import sys
from datetime import date, datetime

from bot.cli.common import BadInput, cli_text, print_json, user_id


def _day(text: str, option: str) -> date:
    try:
        return date.fromisoformat(text.strip())
    except ValueError:
        raise BadInput(f"{option}: {text!r} is not a date (write it as YYYY-MM-DD)") from None


def _now(text: str | None, timezone: str) -> datetime:
    """``--now``: an ISO date and time; without an offset it is in ``KAM_TIMEZONE``."""
    from bot.timing import as_utc, zone

    if text is None:
        return datetime.now().astimezone()
    try:
        moment = datetime.fromisoformat(text.strip())
    except ValueError:
        raise BadInput(
            f"--now: {text!r} is not an ISO date and time (e.g. 2027-03-03T09:30:00+08:00)"
        ) from None
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=zone(timezone))
    return as_utc(moment)


def _rhythm():
    from bot.rhythm.wiring import build_rhythm
    from bot.settings import get_settings
    from bot.store import open_database

    settings = get_settings()
    return settings, build_rhythm(settings, open_database(settings))


def _service_call(call):
    from bot.rhythm.service import InvalidRequest, NotAllowed

    try:
        return call()
    except InvalidRequest as bad:
        raise BadInput(str(bad)) from None
    except NotAllowed as refused:
        sys.stderr.write(f"kam-coach: {refused}\n")
        return None


def _show(view, args: argparse.Namespace, line: str) -> int:
    if view is None:
        return 1
    if args.json:
        print_json(view)
    else:
        sys.stdout.write(line + "\n")
    return 0


def run_add(args: argparse.Namespace) -> int:
    due = _day(args.due, "--due")
    _settings, rhythm = _rhythm()
    try:
        view = _service_call(
            lambda: rhythm.service.add_milestone(
                account=args.account, owner=args.owner, due=due, title=args.title, created_by="cli"
            )
        )
        return _show(view, args, str(view.id) if view else "")
    finally:
        rhythm.db.dispose()


def run_list(args: argparse.Namespace) -> int:
    from bot.store.rhythm_tables import MILESTONE_STATES

    chosen = args.state or ["open", "snoozed", "done"]
    states = MILESTONE_STATES if "all" in chosen else tuple(chosen)
    _settings, rhythm = _rhythm()
    try:
        views = rhythm.service.list_milestones(
            owner=args.owner, account=args.account, states=states, language=args.lang
        )
    finally:
        rhythm.db.dispose()
    if args.json:
        print_json({"milestones": [view.model_dump(mode="json") for view in views]})
        return 0
    for view in views:
        state = view.state
        if view.snoozed_until:
            state = cli_text(
                args, "milestones", "snoozed_state", state=state, until=view.snoozed_until.isoformat()
            )
        sys.stdout.write(
            f"{view.id}\t{view.due.isoformat()}\t{state}\t{view.owner}\t{view.account}\t{view.title}\n"
        )
    return 0


def run_done(args: argparse.Namespace) -> int:
    _settings, rhythm = _rhythm()
    try:
        view = _service_call(lambda: rhythm.service.mark_done(args.id, args.user))
        return _show(view, args, cli_text(args, "milestones", "done", id=args.id))
    finally:
        rhythm.db.dispose()


def run_snooze(args: argparse.Namespace) -> int:
    until = _day(args.until, "--until")
    _settings, rhythm = _rhythm()
    try:
        view = _service_call(lambda: rhythm.service.snooze(args.id, until, args.user))
        return _show(view, args, cli_text(args, "milestones", "snoozed", id=args.id, until=until.isoformat()))
    finally:
        rhythm.db.dispose()


def run_reminders(args: argparse.Namespace) -> int:
    settings, rhythm = _rhythm()
    try:
        now = _now(args.now, settings.timezone)
        result = rhythm.sweep.run(now)
    finally:
        rhythm.db.dispose()
    for message in result.sent:
        if args.json:
            print_json(message.contract_line())
        else:
            sys.stdout.write(
                f"{message.recipient} {message.reminder} #{message.milestone_id}: {message.text}\n"
            )
    if result.failed:
        sys.stderr.write(
            f"kam-coach: {result.failed} reminder(s) could not be delivered; they will be retried\n"
        )
        return 1
    return 0


def run_replan(args: argparse.Namespace) -> int:
    from bot.rhythm.planner import plan_dirty_reminders
    from bot.store.rhythm_store import mark_all_reminders_dirty

    _settings, rhythm = _rhythm()
    try:
        with rhythm.db.session() as session:
            mark_all_reminders_dirty(session)
        planned = plan_dirty_reminders(rhythm.db, rhythm.config)
    finally:
        rhythm.db.dispose()
    sys.stdout.write(cli_text(args, "reminders", "replanned", count=planned) + "\n")
    return 0


def run_digest(args: argparse.Namespace) -> int:
    from bot.rhythm.digest import DigestBuilder, UnknownManager
    from bot.rhythm.digest_render import digest_markdown

    settings, rhythm = _rhythm()
    try:
        now = _now(args.now, settings.timezone)
        with rhythm.db.session() as session:
            try:
                digest = DigestBuilder(session, rhythm.config, rhythm.wording).build(
                    args.manager, now, args.lang
                )
            except UnknownManager:
                raise BadInput(
                    f"--manager: no person {args.manager!r} (import the people file first)"
                ) from None
    finally:
        rhythm.db.dispose()
    if args.format == "json":
        print_json(digest)
    else:
        sys.stdout.write(digest_markdown(digest, rhythm.wording))
    return 0


def run_digests(args: argparse.Namespace) -> int:
    settings, rhythm = _rhythm()
    try:
        result = rhythm.digests.run(_now(args.now, settings.timezone))
    finally:
        rhythm.db.dispose()
    if args.json:
        print_json({"sent": [{"manager": m, "week": w} for m, w in result.sent], "failed": result.failed})
    else:
        for manager, week in result.sent:
            sys.stdout.write(cli_text(args, "digests", "sent", week=week, manager=manager) + "\n")
    if result.failed:
        sys.stderr.write(
            f"kam-coach: {result.failed} digest(s) could not be delivered; they will be retried\n"
        )
        return 1
    return 0


def run_scheduler(args: argparse.Namespace) -> int:
    from bot.rhythm.scheduler import build_scheduler

    _settings, rhythm = _rhythm()
    scheduler = build_scheduler(rhythm, blocking=True, interval_seconds=args.interval)
    try:
        scheduler.start()  # blocks until interrupted
    finally:
        rhythm.db.dispose()
    return 0


def register(subparsers: argparse._SubParsersAction) -> None:
    milestones = subparsers.add_parser("milestones", help="milestones: add, list, done, snooze")
    commands = milestones.add_subparsers(dest="milestones_command", metavar="SUBCOMMAND")
    commands.required = True

    add = commands.add_parser("add", help="add a milestone; prints its id")
    add.add_argument("--account", required=True, metavar="NAME")
    add.add_argument("--owner", required=True, metavar="SLACK_ID")
    add.add_argument("--due", required=True, metavar="DATE", help="YYYY-MM-DD")
    add.add_argument("--title", required=True, metavar="TEXT")
    add.add_argument("--json", action="store_true", help="print the milestone as JSON instead of its id")
    add.set_defaults(func=run_add)

    listing = commands.add_parser("list", help="milestones by due date (open, snoozed and done by default)")
    listing.add_argument("--owner", metavar="SLACK_ID")
    listing.add_argument("--account", metavar="NAME")
    listing.add_argument(
        "--state",
        action="append",
        choices=("open", "snoozed", "done", "cancelled", "all"),
        help="only these states (repeat the option for several)",
    )
    listing.add_argument("--lang", choices=("en", "zh"), help="language of review event titles")
    listing.add_argument("--json", action="store_true")
    listing.set_defaults(func=run_list)

    done = commands.add_parser("done", help="mark a milestone done")
    done.add_argument("id", metavar="ID", type=int)
    done.add_argument(
        "--user",
        type=user_id,
        metavar="SLACK_ID",
        help="who is doing it (checked); default: the local operator",
    )
    done.add_argument("--json", action="store_true")
    done.set_defaults(func=run_done)

    snooze = commands.add_parser("snooze", help="no reminders to the owner until a date")
    snooze.add_argument("id", metavar="ID", type=int)
    snooze.add_argument("--until", required=True, metavar="DATE", help="YYYY-MM-DD")
    snooze.add_argument(
        "--user",
        type=user_id,
        metavar="SLACK_ID",
        help="who is doing it (checked); default: the local operator",
    )
    snooze.add_argument("--json", action="store_true")
    snooze.set_defaults(func=run_snooze)

    reminders = subparsers.add_parser("reminders", help="send the reminders that are due")
    reminder_commands = reminders.add_subparsers(dest="reminders_command", metavar="SUBCOMMAND")
    reminder_commands.required = True
    run = reminder_commands.add_parser("run", help="one sweep: send what is due and not yet sent")
    run.add_argument("--now", metavar="ISO_DATETIME", help="the time of the sweep (default: now)")
    run.add_argument("--json", action="store_true", help="one JSON line a reminder sent")
    run.set_defaults(func=run_reminders)
    replan = reminder_commands.add_parser("replan", help="plan every open milestone's reminders again")
    replan.set_defaults(func=run_replan)

    digest = subparsers.add_parser("digest", help="a manager's weekly digest")
    digest.add_argument("--manager", required=True, metavar="SLACK_ID")
    digest.add_argument(
        "--now", metavar="ISO_DATETIME", help="the moment the digest describes (default: now)"
    )
    digest.add_argument("--format", choices=("md", "json"), default="md")
    digest.add_argument("--lang", choices=("en", "zh"), help="default: the manager's language")
    digest.set_defaults(func=run_digest)

    digests = subparsers.add_parser("digests", help="send the weekly digests that are due")
    digest_commands = digests.add_subparsers(dest="digests_command", metavar="SUBCOMMAND")
    digest_commands.required = True
    digests_run = digest_commands.add_parser("run", help="send each manager's digest once its time has come")
    digests_run.add_argument("--now", metavar="ISO_DATETIME")
    digests_run.add_argument("--json", action="store_true")
    digests_run.set_defaults(func=run_digests)

    scheduler = subparsers.add_parser("scheduler", help="sweep reminders and send digests on a timer")
    scheduler.add_argument("--interval", type=float, metavar="SECONDS", help="default KAM_SWEEP_SECONDS")
    scheduler.set_defaults(func=run_scheduler)
