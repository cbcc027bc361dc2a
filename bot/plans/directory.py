"""Importing people (Slack users and their managers) and accounts (a CRM export) from CSV files.

People: ``slack_id,name,email,manager_slack_id,team,is_admin,tz,language`` (``slack_id`` and ``name``
required; ``tz`` an IANA time zone such as ``Asia/Shanghai`` and ``language`` ``en`` or ``zh``, for
reminders and digests).
Accounts: ``name,industry,owner_slack_id,crm_id,team_slack_ids,profit_contribution,cost_to_serve,
learning_value,skill_value,referral_value,other_intangible_value,potential_value`` (only ``name`` required);
``team_slack_ids`` separated by ``;``, ``|`` or spaces; amounts as people write them (``1.2k``, ``12万``);
any other column is kept with the account as text. Headers ignore case (``bot.tabular``). Both imports
update rows that already exist (people by Slack id; accounts by ``crm_id`` when given, else by name,
case-insensitively) and run in one transaction: a bad row aborts the whole file with a message naming the
line and the column. Owner and team ids nobody in the people directory has are kept and reported as
``ImportWarning``s (line, column, id).

Re-importing accounts changes only what the file says: a column the file lacks, or an empty cell, keeps
the stored value; extra columns are merged into the kept ones (``region`` from an old file stays when the new
one has only ``segment``); a ``team_slack_ids`` cell replaces the team. The stored name keeps its spelling
when the file's differs only in case or spacing (CRM exports often upper-case names, and plans show the
name as first imported); a name that differs beyond case, on a row found by ``crm_id``, is a rename.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

from sqlalchemy import select
from sqlalchemy.orm import Session

from bot import tabular
from bot.settings import _shipped_dir
from bot.store.db import Database
from bot.store.models import Account, AccountMember, Person, account_key
from bot.store.rhythm_store import mark_reminders_dirty
from bot.tabular import TableProblem
from bot.timing import zone
from kam_rules.money import UnreadableNumber, parse_amount
from kam_rules.tiering import VALUE_FIELDS

PEOPLE_HEADERS = ("slack_id", "name", "email", "manager_slack_id", "team", "is_admin", "tz", "language")
LANGUAGES = {
    "en": "en",
    "english": "en",
    "zh": "zh",
    "zh-cn": "zh",
    "zh_cn": "zh",
    "zh-hans": "zh",
    "中文": "zh",
}
ACCOUNT_VALUE_COLUMNS = VALUE_FIELDS
ACCOUNT_HEADERS = ("name", "industry", "owner_slack_id", "crm_id", "team_slack_ids", *ACCOUNT_VALUE_COLUMNS)
_TRUE = {"1", "true", "yes", "y", "x", "是", "admin"}
_FALSE = {"", "0", "false", "no", "n", "否"}


class ImportProblem(ValueError):
    """A CSV the import cannot take; the message names the file line and column."""


@dataclass(frozen=True)
class ImportWarning:
    """A row the import took but could not fully check: an id of someone not in the people directory."""

    line: int
    column: str
    id: str
    code: str = "unknown_person"


@dataclass(frozen=True)
class ImportResult:
    created: int
    updated: int
    warnings: tuple[ImportWarning, ...] = ()

    @property
    def total(self) -> int:
        return self.created + self.updated


def _text(source: Path | str) -> str:
    """The CSV text: ``source`` is a path, or the text itself when it holds a line break."""
    if isinstance(source, str) and "\n" in source:
        return source
    try:
        return Path(source).read_text(encoding="utf-8-sig")
    except (FileNotFoundError, IsADirectoryError):
        raise ImportProblem(f"{source}: file not found") from None
    except UnicodeDecodeError:
        raise ImportProblem(f"{source}: not UTF-8 text") from None


def _rows(source: Path | str, required: tuple[str, ...]) -> list[tuple[int, dict[str, str]]]:
    """(line, {column: cell}) for each data row, read by ``bot.tabular`` (headers ignore case)."""
    try:
        return [(row.line, row.cells) for row in tabular.rows(_text(source), required)]
    except TableProblem as problem:
        if problem.code == "no_rows":
            return []
        raise ImportProblem(tabular.explain(problem, _shipped_dir("prompts"))) from None


def _flag(value: str, line: int, column: str) -> bool:
    lowered = value.strip().casefold()
    if lowered in _TRUE:
        return True
    if lowered in _FALSE:
        return False
    raise ImportProblem(f"line {line}: {column}: {value!r} is not yes/no (use true/false, 1/0)")


def _zone(value: str, line: int) -> str | None:
    if not value:
        return None
    try:
        zone(value)
    except ValueError as bad:
        raise ImportProblem(f"line {line}: tz: {bad}") from None
    return value


def _language(value: str, line: int) -> str | None:
    if not value:
        return None
    language = LANGUAGES.get(value.casefold())
    if language is None:
        raise ImportProblem(f"line {line}: language: {value!r} is not en or zh")
    return language


def import_people(db: Database, source: Path | str) -> ImportResult:
    rows = _rows(source, ("slack_id", "name"))
    created = updated = 0
    moved: set[str] = set()  # people whose time zone changed: their reminders are planned again
    with db.session() as session:
        seen: dict[str, int] = {}
        for line, row in rows:
            slack_id, name = row.get("slack_id", ""), row.get("name", "")
            if not slack_id:
                raise ImportProblem(f"line {line}: slack_id: must not be empty")
            if not name:
                raise ImportProblem(f"line {line}: name: must not be empty")
            if slack_id in seen:
                raise ImportProblem(f"line {line}: slack_id: {slack_id} already on line {seen[slack_id]}")
            seen[slack_id] = line
            person = session.get(Person, slack_id)
            if person is None:
                person = Person(slack_id=slack_id, name=name)
                session.add(person)
                created += 1
            else:
                updated += 1
            person.name = name
            person.email = row.get("email") or None
            person.team = row.get("team") or None
            person.is_admin = _flag(row.get("is_admin", ""), line, "is_admin")
            if "tz" in row:  # a file without the column leaves time zones as they are
                tz = _zone(row["tz"], line)
                if tz != person.tz:
                    moved.add(slack_id)
                person.tz = tz
            if "language" in row:
                person.language = _language(row["language"], line)
        session.flush()
        mark_reminders_dirty(session, moved)
        known = set(session.scalars(select(Person.slack_id)))
        for line, row in rows:
            manager = row.get("manager_slack_id") or None
            if manager == row["slack_id"]:
                raise ImportProblem(f"line {line}: manager_slack_id: a person cannot be their own manager")
            if manager is not None and manager not in known:
                raise ImportProblem(
                    f"line {line}: manager_slack_id: {manager} is neither in this file nor already imported"
                )
            session.get(Person, row["slack_id"]).manager_id = manager  # type: ignore[union-attr]
    return ImportResult(created, updated)


def _team_ids(value: str) -> list[str]:
    return list(dict.fromkeys(part for part in re.split(r"[;|,\s]+", value) if part))


def import_accounts(db: Database, source: Path | str) -> ImportResult:
    rows = _rows(source, ("name",))
    created = updated = 0
    with db.session() as session:
        seen: dict[str, int] = {}
        for line, row in rows:
            name = " ".join(row.get("name", "").split())
            if not name:
                raise ImportProblem(f"line {line}: name: must not be empty")
            key = account_key(name)
            if key in seen:
                raise ImportProblem(f"line {line}: name: {name!r} already on line {seen[key]}")
            seen[key] = line
            values: dict[str, float | None] = {}
            for column in ACCOUNT_VALUE_COLUMNS:
                raw = row.get(column, "")
                if not raw:
                    values[column] = None
                    continue
                try:
                    values[column] = parse_amount(raw)
                except UnreadableNumber as bad:
                    raise ImportProblem(f"line {line}: {column}: {bad}") from None
                if column not in ("profit_contribution", "potential_value") and values[column] < 0:  # type: ignore[operator]
                    raise ImportProblem(f"line {line}: {column}: must not be negative")
            crm_id = row.get("crm_id") or None
            account = None
            if crm_id:
                account = session.scalar(select(Account).where(Account.crm_id == crm_id))
            named = session.scalar(select(Account).where(Account.name_key == key))
            if account is not None and named is not None and named.id != account.id:
                raise ImportProblem(
                    f"line {line}: name: crm_id {crm_id} would be renamed to {name!r}, "
                    f"the name of another account (crm_id {named.crm_id or 'none'})"
                )
            if account is None:
                account = named
            if account is None:
                account = Account(name=name, name_key=key, extra={})
                session.add(account)
                created += 1
            else:
                updated += 1
                if account.name_key != key:  # renamed in the CRM (found by crm_id); case alone is no rename
                    account.name, account.name_key = name, key
            account.industry = row.get("industry") or account.industry
            account.owner_id = row.get("owner_slack_id") or account.owner_id
            account.crm_id = crm_id or account.crm_id
            for column, value in values.items():
                if value is not None:
                    setattr(account, column, value)
            kept = {k: v for k, v in row.items() if k not in ACCOUNT_HEADERS and v}
            account.extra = {**(account.extra or {}), **kept}  # a new dict: the JSON column sees the change
            session.flush()
            if row.get("team_slack_ids"):
                team = _team_ids(row["team_slack_ids"])
                existing = {member.person_id: member for member in account.members}
                for person_id, member in existing.items():
                    if person_id not in team:
                        account.members.remove(member)
                for person_id in team:
                    if person_id not in existing:
                        account.members.append(AccountMember(person_id=person_id))
                session.flush()
        warnings = _unknown_people(session, rows)
    return ImportResult(created, updated, warnings)


def _unknown_people(session: Session, rows: list[tuple[int, dict[str, str]]]) -> tuple[ImportWarning, ...]:
    """Owner and team ids nobody in the people directory has. Warnings, not errors: people are often
    imported after accounts, and the ids are kept, so access works once they are imported."""
    known = set(session.scalars(select(Person.slack_id)))
    warnings = []
    for line, row in rows:
        owner = row.get("owner_slack_id", "")
        if owner and owner not in known:
            warnings.append(ImportWarning(line, "owner_slack_id", owner))
        for person_id in _team_ids(row.get("team_slack_ids", "")):
            if person_id not in known:
                warnings.append(ImportWarning(line, "team_slack_ids", person_id))
    return tuple(warnings)


def add_team_member(db: Database, account_name: str, person_id: str, role: str | None = None) -> bool:
    """Put someone on an account's team; False when the account does not exist."""
    with db.session() as session:
        account = session.scalar(select(Account).where(Account.name_key == account_key(account_name)))
        if account is None:
            return False
        member = session.get(AccountMember, (account.id, person_id))
        if member is None:
            session.add(AccountMember(account_id=account.id, person_id=person_id, role=role))
        elif role:
            member.role = role
        return True
