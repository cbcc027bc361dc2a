"""The deterministic rule commands: price, prioritise, tiers, skills, cadence, coverage.

Each command reads numbers through ``kam_rules.money`` (so ``1.2k``, ``12万`` and ``45%`` work in options
and in CSV cells), prints one JSON object with ``--json``, and turns any bad input into ``BadInput`` (exit
2, one line naming the option, or the file, line and column). Without ``--json`` it shows the result as
chat does: the rule form's presenter (``bot.coach.forms``) words it from `prompts/` in ``--lang``, and the
terminal renderer (``bot.render_text``) draws it; this module holds no wording of its own.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Callable, Iterator, Sequence
from datetime import date
from functools import partial
from pathlib import Path
from typing import Any, TypeVar

from pydantic import BaseModel, ValidationError

from bot import tabular
from bot.cli.common import BadInput, catalogue, error_text, language_of, print_json
from bot.coach.forms.results import FormWording, Shown
from bot.coach.reply import Intent, Reply
from bot.tabular import TableProblem, normalise_header
from bot.wording import Language
from kam_rules.money import UnreadableNumber, parse_amount, parse_number, parse_share
from kam_rules.tiering import VALUE_FIELDS

T = TypeVar("T")

# --------------------------------------------------------------------------------------------------
# Shared helpers


def _words(file: str, language: Language) -> FormWording:
    return FormWording(catalogue(), file, language)


def _read(option: str, text: str | None, parser: Callable[[str], float]) -> float | None:
    if text is None:
        return None
    try:
        return parser(text)
    except UnreadableNumber as unreadable:
        raise BadInput(f"{option}: {unreadable}") from None


def _validation_to_bad_input(error: ValidationError, names: dict[str, str], where: str = "") -> BadInput:
    """One line naming the option (or column) the first error is about."""
    first = error.errors()[0]
    loc = ".".join(str(part) for part in first.get("loc", ()))
    name = names.get(loc) or names.get(loc.split(".")[0]) or loc or names.get("") or "input"
    prefix = f"{where}, column {name}" if where and loc else (where or name)
    return BadInput(f"{prefix}: {error_text(first)}")


def _build(model: Callable[..., T], names: dict[str, str], where: str = "", **data: Any) -> T:
    try:
        return model(**{key: value for key, value in data.items() if value is not None})
    except ValidationError as invalid:
        raise _validation_to_bad_input(invalid, names, where) from None


def _emit(
    args: argparse.Namespace,
    payload: BaseModel,
    intent: Intent,
    wording_file: str,
    language: Language,
    present: Callable[[FormWording], Shown],
) -> int:
    """The result: its JSON with ``--json``, else what chat shows for it (``present``, worded from the rule
    form's file in the request's language), drawn for the terminal."""
    if args.json:
        print_json(payload)
        return 0
    from bot.render_text import render_text

    shown = present(_words(wording_file, language))
    reply = Reply(
        text="\n".join(shown.lines),
        language=language,
        intent=intent,
        tables=shown.tables,
        matrix=shown.matrix,
        decision=shown.decision,
    )
    sys.stdout.write(render_text(reply, catalogue()).rstrip() + "\n")
    sys.stdout.flush()
    return 0


def _add_common(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--json", action="store_true", help="print one JSON object on stdout")
    parser.add_argument(
        "--lang", choices=("en", "zh"), default=None, help="language of the rationale (default KAM_LANGUAGE)"
    )


# --------------------------------------------------------------------------------------------------
# CSV files


def _open_text(path: str) -> str:
    """The file's text, or standard input's (``-``), as UTF-8 with or without an Excel BOM."""
    if path == "-":
        stdin = getattr(sys.stdin, "buffer", None)  # bytes: a text stdin keeps the BOM as a character
        try:
            return stdin.read().decode("utf-8-sig") if stdin else sys.stdin.read().removeprefix("\ufeff")
        except UnicodeDecodeError:
            raise BadInput("standard input: not UTF-8 text (save the CSV as UTF-8)") from None
    try:
        return Path(path).read_bytes().decode("utf-8-sig")
    except FileNotFoundError:
        raise BadInput(f"{path}: no such file") from None
    except IsADirectoryError:
        raise BadInput(f"{path}: is a directory, not a CSV file") from None
    except UnicodeDecodeError:
        raise BadInput(f"{path}: not UTF-8 text (save the CSV as UTF-8)") from None
    except OSError as failure:
        raise BadInput(f"{path}: cannot read ({failure.strerror or failure})") from None


def read_csv(
    path: str,
    required: Sequence[str],
    optional: Sequence[str] = (),
    column_of: Callable[[str], str | None] = normalise_header,
    language: str = "en",
) -> Iterator[tuple[str, dict[str, str]]]:
    """Rows of a CSV file as (where, {column: cell}), ``where`` naming the file and line.

    Headers are matched case-insensitively (spaces and hyphens read as underscores), or named by
    ``column_of``; blank lines and lines starting with ``#`` are skipped; a missing required column, a
    column named twice, a row with more cells than headers or a broken quote is bad input
    (``bot.tabular``), worded in ``language``.

    The chat forms read the same tables with the same pieces (``bot.tabular`` for the table,
    ``kam_rules.money`` for numbers, the opportunity form's names for kinds and headers), but not through
    their ``rows_from_csv``: that needs a running form, gathers every bad row into a chat reply where a
    command stops at the first bad cell with one line naming file, line and column, and its columns are
    narrower than the rules (a skill there is one of the nine key skills; ``kam-coach skills`` takes any
    name).
    """
    from bot.settings import get_settings

    name = "standard input" if path == "-" else path
    try:
        for row in tabular.rows(_open_text(path), required, column_of=column_of):
            yield f"{name} line {row.line}", row.cells
    except TableProblem as problem:
        raise BadInput(f"{name}: {tabular.explain(problem, get_settings().prompts_dir, language)}") from None


def _cell(where: str, column: str, cells: dict[str, str], parser: Callable[[str], T]) -> T:
    text = cells.get(column, "")
    if not text:
        raise BadInput(f"{where}, column {column}: empty")
    try:
        return parser(text)
    except UnreadableNumber as unreadable:
        raise BadInput(f"{where}, column {column}: {unreadable}") from None


def _optional_cell(where: str, column: str, cells: dict[str, str], parser: Callable[[str], T]) -> T | None:
    if not cells.get(column, ""):
        return None
    return _cell(where, column, cells, parser)


def _rating(text: str) -> int | float:
    value = parse_number(text)
    return int(value) if value.is_integer() else value


# --------------------------------------------------------------------------------------------------
# price

PRICE_OPTIONS = {
    "list_price": "--list-price",
    "max_discount": "--max-discount",
    "winning_price": "--winning-price",
    "current.lraic": "--lraic",
    "current.marginal_cost": "--marginal-cost",
    "current.utilisation": "--utilisation",
    "current.effective_utilisation": "--effective-utilisation",
    "alternative.lraic": "--alt-lraic",
    "alternative.marginal_cost": "--alt-marginal-cost",
    "alternative.utilisation": "--alt-utilisation",
    "alternative.effective_utilisation": "--alt-effective-utilisation",
    "current": "--lraic",
    "alternative": "--alt-lraic",
}


def _platform_args(args: argparse.Namespace, prefix: str) -> dict[str, float]:
    data: dict[str, float] = {}
    for field, parser in (
        ("lraic", parse_amount),
        ("marginal_cost", parse_amount),
        ("utilisation", parse_share),
        ("effective_utilisation", parse_share),
    ):
        option = f"--{prefix}{field.replace('_', '-')}"
        value = _read(option, getattr(args, f"{prefix.replace('-', '_')}{field}"), parser)
        if value is not None:
            data[field] = value
    return data


def run_price(args: argparse.Namespace) -> int:
    from kam_rules.pricing import PricingInput, decide

    current = _platform_args(args, "")
    alternative = _platform_args(args, "alt-")
    if alternative:
        for field in ("lraic", "marginal_cost", "utilisation"):
            if field not in alternative:
                given = next(
                    f
                    for f in ("lraic", "marginal_cost", "utilisation", "effective_utilisation")
                    if f in alternative
                )
                raise BadInput(
                    f"--alt-{field.replace('_', '-')}: required when "
                    f"--alt-{given.replace('_', '-')} is given "
                    "(an alternative platform needs --alt-lraic, --alt-marginal-cost and --alt-utilisation)"
                )
    pricing = _build(
        PricingInput,
        PRICE_OPTIONS,
        list_price=_read("--list-price", args.list_price, parse_amount),
        max_discount=_read("--max-discount", args.max_discount, parse_share),
        winning_price=_read("--winning-price", args.winning_price, parse_amount),
        current=current,
        alternative=alternative or None,
        language=language_of(args),
    )
    decision = decide(pricing)

    def present(words: FormWording) -> Shown:
        from bot.coach.forms.pricing import decision_lines, decision_part

        label = words.word("result", "decisions", decision.decision)
        cli = _words("cli.yaml", words.language)
        headline = cli.word("price", "decision", label=label, id=decision.decision)
        lines = [headline, *decision_lines(words, pricing, decision)]
        return Shown(lines=lines, decision=decision_part(words, decision))

    return _emit(args, decision, "pricing", "pricing.yaml", pricing.language, present)


# --------------------------------------------------------------------------------------------------
# prioritise


def run_prioritise(args: argparse.Namespace) -> int:
    from bot.coach.forms.prioritise import COLUMNS as OPPORTUNITY_COLUMNS
    from bot.coach.forms.prioritise import opportunity_column, opportunity_kind, show_ranking
    from kam_rules.opportunities import OPPORTUNITY_KINDS, Opportunity, RankInput, prioritise

    # Kind names and header aliases are the opportunity form's (prompts/choices.yaml, prioritise.yaml).
    prompts = catalogue()
    COLUMNS = tuple(column.name for column in OPPORTUNITY_COLUMNS)

    def column_of(header: str) -> str | None:
        return opportunity_column(header, prompts) or normalise_header(header)

    opportunities = []
    for where, cells in read_csv(args.file, COLUMNS, column_of=column_of, language=language_of(args)):
        kind = opportunity_kind(cells.get("kind", ""), prompts)
        if kind is None:
            raise BadInput(
                f"{where}, column kind: {cells.get('kind', '')!r} is not one of "
                + ", ".join(OPPORTUNITY_KINDS)
            )
        opportunities.append(
            _build(
                Opportunity,
                {},
                where,
                name=cells.get("name", ""),
                kind=kind,
                outcome_value=_cell(where, "outcome_value", cells, parse_amount),
                success_probability=_cell(where, "success_probability", cells, parse_share),
            )
        )
    request = _build(
        RankInput,
        {"value_threshold": "--value-threshold", "probability_threshold": "--probability-threshold"},
        opportunities=opportunities,
        value_threshold=_read("--value-threshold", args.value_threshold, parse_amount),
        probability_threshold=_read("--probability-threshold", args.probability_threshold, parse_share),
        language=language_of(args),
    )
    matrix = prioritise(request)

    present = partial(show_ranking, matrix=matrix, threshold_given=request.value_threshold is not None)
    return _emit(args, matrix, "prioritise", "prioritise.yaml", request.language, present)


# --------------------------------------------------------------------------------------------------
# tiers

TIER_COLUMNS = ("name", *VALUE_FIELDS)


def run_tiers(args: argparse.Namespace) -> int:
    from bot.coach.forms.tiers import show_tiers
    from kam_rules.tiering import AccountValue, TieringInput, tier

    accounts = []
    for where, cells in read_csv(args.file, TIER_COLUMNS[:2], TIER_COLUMNS[2:], language=language_of(args)):
        data: dict[str, Any] = {
            "name": cells.get("name", ""),
            "profit_contribution": _cell(where, "profit_contribution", cells, parse_amount),
        }
        for column in TIER_COLUMNS[2:]:
            value = _optional_cell(where, column, cells, parse_amount)
            if value is not None:
                data[column] = value
        accounts.append(_build(AccountValue, {}, where, **data))
    request = _build(
        TieringInput,
        {"key_share": "--key-share", "important_share": "--important-share"},
        accounts=accounts,
        key_share=_read("--key-share", args.key_share, parse_share),
        important_share=_read("--important-share", args.important_share, parse_share),
        language=language_of(args),
    )
    result = tier(request)

    present = partial(show_tiers, result=result)
    return _emit(args, result, "tiers", "tiers.yaml", request.language, present)


# --------------------------------------------------------------------------------------------------
# skills


def run_skills(args: argparse.Namespace) -> int:
    from bot.coach.forms.skills import show_skills
    from kam_rules.skills import SkillRating, SkillsInput, plan_skills

    ratings = []
    for where, cells in read_csv(
        args.file, ("skill", "importance", "performance"), language=language_of(args)
    ):
        ratings.append(
            _build(
                SkillRating,
                {},
                where,
                skill=cells.get("skill", ""),
                importance=_cell(where, "importance", cells, _rating),
                performance=_cell(where, "performance", cells, _rating),
            )
        )
    request = SkillsInput(ratings=ratings, language=language_of(args))
    plan = plan_skills(request)

    present = partial(show_skills, result=plan)
    return _emit(args, plan, "skills", "skills.yaml", request.language, present)


# --------------------------------------------------------------------------------------------------
# cadence


def run_cadence(args: argparse.Namespace) -> int:
    from bot.coach.forms.cadence import show_schedule
    from kam_rules.cadence import ScheduleInput, plan_reviews

    if args.start is None:
        start = date.today()
    else:
        try:
            start = date.fromisoformat(args.start.strip())
        except ValueError:
            raise BadInput(f"--start: cannot read {args.start!r} as a date (write YYYY-MM-DD)") from None
    months_value = _read("--months", args.months, parse_number)
    if months_value is not None and not float(months_value).is_integer():
        raise BadInput(f"--months: {args.months!r} is not a whole number of months")
    request = _build(
        ScheduleInput,
        {"tier": "--tier", "start": "--start", "months": "--months"},
        tier=args.tier,
        start=start,
        months=12 if months_value is None else int(months_value),
        language=language_of(args),
    )
    schedule = plan_reviews(request)

    present = partial(show_schedule, schedule=schedule)
    return _emit(args, schedule, "cadence", "cadence.yaml", request.language, present)


# --------------------------------------------------------------------------------------------------
# coverage

FUNNEL_OPTIONS = {
    "not_contacted": "--not-contacted",
    "contacted_not_pursued": "--contacted-not-pursued",
    "pursued_lost": "--pursued-lost",
    "won": "--won",
}


def run_funnel(args: argparse.Namespace) -> int:
    from bot.coach.forms.coverage import show_funnel
    from kam_rules.coverage import FunnelInput, diagnose_funnel

    texts = {field: getattr(args, field) for field in FUNNEL_OPTIONS}
    as_shares = any(
        text.strip().endswith(("%", "％", "‰")) or "成" in text or "百分之" in text for text in texts.values()
    )
    parser = parse_share if as_shares else parse_amount
    values = {field: _read(option, texts[field], parser) for field, option in FUNNEL_OPTIONS.items()}
    request = _build(FunnelInput, FUNNEL_OPTIONS, "", **values, language=language_of(args))
    diagnosis = diagnose_funnel(request)

    present = partial(show_funnel, diagnosis=diagnosis)
    return _emit(args, diagnosis, "coverage", "coverage.yaml", request.language, present)


def run_macro(args: argparse.Namespace) -> int:
    from bot.coach.forms.coverage import show_macro
    from kam_rules.coverage import AccountEffort, MacroInput, macro_efficiency

    accounts = [
        _build(
            AccountEffort,
            {},
            where,
            name=cells.get("name", ""),
            potential=_cell(where, "potential", cells, parse_amount),
            hours=_cell(where, "hours", cells, parse_number),
        )
        for where, cells in read_csv(args.file, ("name", "potential", "hours"), language=language_of(args))
    ]
    request = _build(
        MacroInput,
        {"tolerance": "--tolerance", "accounts": args.file, "": args.file},
        accounts=accounts,
        tolerance=_read("--tolerance", args.tolerance, parse_share),
        language=language_of(args),
    )
    result = macro_efficiency(request)

    present = partial(show_macro, macro=result)
    return _emit(args, result, "coverage", "coverage.yaml", request.language, present)


def run_micro(args: argparse.Namespace) -> int:
    from bot.coach.forms.coverage import show_micro
    from kam_rules.coverage import (
        ACTIVITIES,
        MicroInput,
        micro_efficiency,
        normalise_activity,
    )

    entries: list[tuple[str, float]] = []
    for where, cells in read_csv(args.file, ("activity", "hours"), language=language_of(args)):
        activity = normalise_activity(cells.get("activity", ""))
        if activity not in ACTIVITIES:
            raise BadInput(
                f"{where}, column activity: {cells.get('activity', '')!r} is not one of "
                + ", ".join(ACTIVITIES)
            )
        hours = _cell(where, "hours", cells, parse_number)
        if hours < 0:
            raise BadInput(f"{where}, column hours: must not be negative")
        entries.append((activity, hours))
    request = _build(
        MicroInput,
        {"target_low": "--target-low", "target_high": "--target-high", "timesheet": args.file, "": args.file},
        timesheet=entries,
        target_low=_read("--target-low", args.target_low, parse_share),
        target_high=_read("--target-high", args.target_high, parse_share),
        language=language_of(args),
    )
    result = micro_efficiency(request)

    present = partial(show_micro, micro=result)
    return _emit(args, result, "coverage", "coverage.yaml", request.language, present)


# --------------------------------------------------------------------------------------------------
# registration


def register(subparsers: argparse._SubParsersAction) -> None:
    price = subparsers.add_parser(
        "price",
        help="price a deal with the pricing decision tree (seed chunks 16-17)",
        description="Walk the pricing decision tree. Amounts may be written 1200, 1,200, 1.2k, 12万; "
        "shares 55%% or 0.55.",
    )
    price.add_argument("--list-price", required=True, help="list price per unit")
    price.add_argument("--max-discount", required=True, help="largest discount the policy allows, e.g. 10%%")
    price.add_argument("--winning-price", required=True, help="the price per unit that would win the deal")
    price.add_argument("--lraic", required=True, help="current platform: long-run average incremental cost")
    price.add_argument("--marginal-cost", required=True, help="current platform: marginal cost")
    price.add_argument(
        "--utilisation", required=True, help="current platform: capacity utilisation, e.g. 55%%"
    )
    price.add_argument(
        "--effective-utilisation", help="current platform: effective utilisation (default 75%%)"
    )
    price.add_argument("--alt-lraic", help="alternative platform: LRAIC")
    price.add_argument("--alt-marginal-cost", help="alternative platform: marginal cost")
    price.add_argument("--alt-utilisation", help="alternative platform: capacity utilisation")
    price.add_argument(
        "--alt-effective-utilisation", help="alternative platform: effective utilisation (75%%)"
    )
    _add_common(price)
    price.set_defaults(func=run_price)

    prioritise = subparsers.add_parser(
        "prioritise",
        aliases=["prioritize"],
        help="rank opportunities by size of outcome and likelihood of success (seed chunks 11-13)",
        description="FILE.csv headers: name,kind,outcome_value,success_probability. kind is one "
        "of increase_usage, cross_sell, price_mix, prune_unprofitable, new_customer_core, "
        "new_customer_adjacent, or a name the chat dialog accepts (cross-sell, 交叉销售, 提高使用率...).",
    )
    prioritise.add_argument("file", metavar="FILE.csv", help="opportunities (- for standard input)")
    prioritise.add_argument(
        "--value-threshold", help="outcome value that counts as big (default: the median)"
    )
    prioritise.add_argument(
        "--probability-threshold", help="probability that counts as likely (default 50%%)"
    )
    _add_common(prioritise)
    prioritise.set_defaults(func=run_prioritise)

    tiers = subparsers.add_parser(
        "tiers",
        help="tier accounts into key / important / standard by total customer value (seed chunks 4-5)",
        description="FILE.csv headers: "
        + ",".join(TIER_COLUMNS)
        + " (all after profit_contribution optional).",
    )
    tiers.add_argument("file", metavar="FILE.csv", help="accounts (- for standard input)")
    tiers.add_argument("--key-share", help="share of value the key accounts reach (default 50%%)")
    tiers.add_argument("--important-share", help="share reached with the important accounts (default 80%%)")
    _add_common(tiers)
    tiers.set_defaults(func=run_tiers)

    skills = subparsers.add_parser(
        "skills",
        help="which skills to develop first, by gap between importance and performance (seed chunks 27-28)",
        description="FILE.csv headers: skill,importance,performance (ratings 1 to 5).",
    )
    skills.add_argument("file", metavar="FILE.csv", help="skill ratings (- for standard input)")
    _add_common(skills)
    skills.set_defaults(func=run_skills)

    cadence = subparsers.add_parser(
        "cadence",
        help="review dates for an account plan by tier (seed chunks 33, 35)",
        description="Plan checkpoint at 8 weeks, plan due at 12 weeks; key accounts reviewed quarterly with "
        "a progress report every 6 months, important accounts yearly, standard ones in a yearly collective "
        "review. Weekend dates move to Monday.",
    )
    cadence.add_argument("--tier", required=True, choices=("key", "important", "standard"))
    cadence.add_argument("--start", help="first day of the planning cycle, YYYY-MM-DD (default today)")
    cadence.add_argument("--months", help="how many months to schedule (default 12)")
    _add_common(cadence)
    cadence.set_defaults(func=run_cadence)

    coverage = subparsers.add_parser(
        "coverage",
        help="sales-force efficiency: loss funnel, macro and micro efficiency (seed chunks 17-23)",
        description="Sub-commands: funnel, macro FILE.csv, micro FILE.csv.",
    )
    coverage_commands = coverage.add_subparsers(dest="coverage_command", metavar="SUBCOMMAND")
    coverage_commands.required = True

    funnel = coverage_commands.add_parser(
        "funnel",
        help="where sales are lost and whether to fix efficiency or effectiveness first",
        description="Give shares (25%%) or amounts (1.2万); they are normalised by their total.",
    )
    for field, option in FUNNEL_OPTIONS.items():
        funnel.add_argument(
            option, dest=field, required=True, help=f"{field.replace('_', ' ')}: share or amount"
        )
    _add_common(funnel)
    funnel.set_defaults(func=run_funnel)

    macro = coverage_commands.add_parser(
        "macro",
        help="hours vs potential for the top 10, 11-20 and the rest (Kunming example)",
        description="FILE.csv headers: name,potential,hours.",
    )
    macro.add_argument("file", metavar="FILE.csv", help="accounts with potential and hours (- for stdin)")
    macro.add_argument("--tolerance", help="relative tolerance before flagging an account (default 50%%)")
    _add_common(macro)
    macro.set_defaults(func=run_macro)

    micro = coverage_commands.add_parser(
        "micro",
        help="revenue-generating share of a salesperson's timesheet",
        description="FILE.csv headers: activity,hours. Activities: face_to_face_visits, account_planning, "
        "proposals (revenue-generating); travel, admin, internal_coordination, error_fixing, personnel, "
        "training, other.",
    )
    micro.add_argument("file", metavar="FILE.csv", help="timesheet (- for standard input)")
    micro.add_argument("--target-low", help="low end of the target band (default 40%%)")
    micro.add_argument("--target-high", help="high end of the target band (default 50%%)")
    _add_common(micro)
    micro.set_defaults(func=run_micro)
