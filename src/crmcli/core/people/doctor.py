"""`crm doctor`: what is wrong with the data, each problem with the command that fixes it."""

from __future__ import annotations

import shlex
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from crmcli.core.db.backup import newest
from crmcli.core.db.store import Store
from crmcli.core.errors import Damaged

SHOWN_PER_CHECK = 50  # a check that finds thousands reports its count and the first few


@dataclass
class Problem:
    check: str
    subject: str
    detail: str
    fix: str


@dataclass
class Report:
    problems: list[Problem]
    counts: dict[str, int]

    @property
    def ok(self) -> bool:
        return not any(self.counts.values())


def _ref(contact_id: int) -> str:
    return str(contact_id)


def recovery(database: Path) -> str:
    """The commands that recover a damaged database: a backup, else what SQLite can still read."""
    backup = newest(database)
    restore = f"crm restore {shlex.quote(str(backup)) if backup else 'BACKUP'}"
    if backup is None:
        restore += " (no backup found beside the database)"
    return (
        f"{restore}   or save what can still be read: "
        f"sqlite3 {shlex.quote(str(database))} .recover | sqlite3 recovered.db"
    )


def damage_report(database: Path, findings: list[str]) -> Report:
    """A database too damaged to check further: the damage found, and the way out."""
    fix = recovery(database)
    problems = [Problem("integrity", "database", f, fix) for f in findings[:SHOWN_PER_CHECK]]
    return Report(problems, {"integrity": len(findings)})


def diagnose(store: Store) -> Report:
    """Every check; a damaged SQLite file is reported alone (reading on would only fail)."""
    if store.dialect.name == "sqlite":
        try:
            result = [r[0] for r in store.tuples("PRAGMA integrity_check")]
        except Damaged as exc:
            result = [exc.reason]
        bad = [r for r in result if r != "ok"]
        if bad:
            return damage_report(Path(store.location.target).expanduser(), bad)
    problems: list[Problem] = []
    counts: dict[str, int] = {}

    def add(check: str, rows: list[Any], make: Any) -> None:
        counts[check] = len(rows)
        problems.extend(make(row) for row in rows[:SHOWN_PER_CHECK])

    if store.dialect.name == "sqlite":
        counts["integrity"] = 0
        orphans = store.tuples("PRAGMA foreign_key_check")
        add(
            "orphans",
            orphans,
            lambda r: Problem(
                "orphans",
                f"{r[0]} row {r[1]}",
                f"points to a missing {r[2]}",
                "crm restore PATH, or report it: this should never happen",
            ),
        )
    unreachable = store.rows(
        "SELECT c.id, c.display_name FROM contact c WHERE c.archived_at IS NULL "
        "AND NOT EXISTS (SELECT 1 FROM contact_email e WHERE e.contact_id = c.id) "
        "AND NOT EXISTS (SELECT 1 FROM contact_phone p WHERE p.contact_id = c.id) "
        "AND NOT EXISTS (SELECT 1 FROM contact_url u WHERE u.contact_id = c.id) ORDER BY c.id"
    )
    add(
        "unreachable",
        unreachable,
        lambda r: Problem(
            "unreachable",
            f"#{r['id']} {r['display_name']}",
            "no email, phone or profile",
            f"crm contact edit {_ref(r['id'])} --add-email EMAIL   (or: crm contact archive "
            f"{_ref(r['id'])})",
        ),
    )
    phones = store.rows(
        "SELECT p.contact_id, c.display_name, p.raw FROM contact_phone p "
        "JOIN contact c ON c.id = p.contact_id WHERE p.e164 IS NULL ORDER BY p.contact_id"
    )
    add(
        "phones",
        phones,
        lambda r: Problem(
            "phones",
            f"#{r['contact_id']} {r['display_name']}",
            f"phone {r['raw']!r} is not a readable number",
            f"crm contact edit {r['contact_id']} --rm-phone {shlex.quote(r['raw'])} "
            "--add-phone '+CC NUMBER'",
        ),
    )
    emails = store.rows(
        "SELECT e.contact_id, c.display_name, e.email FROM contact_email e "
        "JOIN contact c ON c.id = e.contact_id WHERE NOT e.valid ORDER BY e.contact_id"
    )
    add(
        "emails",
        emails,
        lambda r: Problem(
            "emails",
            f"#{r['contact_id']} {r['display_name']}",
            f"email {r['email']!r} is malformed",
            f"crm contact edit {r['contact_id']} --rm-email {shlex.quote(r['email'])} "
            "--add-email EMAIL",
        ),
    )
    birthdays = store.rows(
        "SELECT id, display_name, custom_fields FROM contact WHERE custom_fields LIKE ? "
        "ORDER BY id",
        ('%"birthday (as written)"%',),
    )
    add(
        "birthdays",
        birthdays,
        lambda r: Problem(
            "birthdays",
            f"#{r['id']} {r['display_name']}",
            "a birthday that is not a real date",
            f"crm contact edit {r['id']} --birthday YYYY-MM-DD",
        ),
    )
    stages = store.rows(
        "SELECT d.id, d.title, d.status, s.name, s.kind FROM deal d JOIN stage s "
        "ON s.id = d.stage_id WHERE d.status <> s.kind ORDER BY d.id"
    )
    add(
        "deal stages",
        stages,
        lambda r: Problem(
            "deal stages",
            f"deal #{r['id']} {r['title']}",
            f"is {r['status']} but sits in {r['name']} ({r['kind']})",
            f"crm deal move {r['id']} STAGE"
            if r["status"] == "open"
            else f"crm deal reopen {r['id']}",
        ),
    )
    unindexed = store.rows(
        "SELECT c.id, c.display_name FROM contact c WHERE NOT EXISTS "
        "(SELECT 1 FROM search_term t WHERE t.contact_id = c.id) ORDER BY c.id"
    )
    add(
        "search index",
        unindexed,
        lambda r: Problem(
            "search index",
            f"#{r['id']} {r['display_name']}",
            "missing from `crm find`",
            f"crm contact edit {r['id']} --name {shlex.quote(str(r['display_name']))}",
        ),
    )
    return Report(problems, counts)
