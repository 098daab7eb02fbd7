"""`crm db copy`: a rep's file into the team's PostgreSQL database, and back to a file."""

from __future__ import annotations

import json
import sqlite3
from pathlib import Path

import pytest

from tests.conftest import invoke

COUNTED = (
    "company", "contact", "contact_email", "contact_phone", "contact_tag", "search_term",
    "deal", "deal_stage_change", "interaction", "followup", "goal",
)  # fmt: skip


def ok(*args: str) -> str:
    out = invoke(*args)
    assert out.exit_code == 0, (args, out.stderr)
    return out.stdout


def seed(db: Path, who: str, people: list[str]) -> None:
    """A rep's solo file: people at Acme, a deal moved along, a call, a promise, a goal."""
    for name in people:
        first = name.split()[0].lower()
        ok("--db", str(db), "contact", "add", name, "-e", f"{first}@acme.fr", "-p",
           "06 12 34 56 78", "-c", "Acme SAS", "--tag", who)  # fmt: skip
    first = people[0].split()[0].lower()
    ok("--db", str(db), "deal", "add", f"{who} deal", "--contact", first, "--amount", "12k",
       "--currency", "EUR")  # fmt: skip
    ok("--db", str(db), "deal", "move", f"{who} deal", "Demo")
    ok("--db", str(db), "log", "call", first, f"{who} talked pricing", "--next", "tomorrow")
    ok("--db", str(db), "goal", "set", "calls", "20/week")


def counts(target: str) -> dict[str, int]:
    info = json.loads(ok("--db", target, "db", "info", "--json"))
    return {k: v for k, v in info.items() if k.endswith("s") and isinstance(v, int)}


def sqlite_counts(db: Path) -> dict[str, int]:
    conn = sqlite3.connect(db)
    try:
        return {t: conn.execute(f"SELECT count(*) FROM {t}").fetchone()[0] for t in COUNTED}
    finally:
        conn.close()


def test_a_file_into_the_team_database_and_back(
    tmp_path: Path, pg_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("CRM_NOW", "2026-11-23T09:00:00Z")
    alice = tmp_path / "alice.db"
    seed(alice, "alice", ["Hélène Dupré", "Marc Petit"])
    out = ok("--db", str(alice), "db", "copy", "--to", pg_url)
    assert "counts verified" in out
    report = json.loads(ok("--db", str(alice), "db", "copy", "--to", pg_url, "--json"))
    assert report["already_copied_at"] is not None  # twice: nothing copied again
    assert counts(pg_url) == counts(str(alice))
    # What was copied works: lookups (search terms), the deal's history, the follow-up.
    assert "Hélène Dupré" in ok("--db", pg_url, "find", "dupre")
    deal = json.loads(ok("--db", pg_url, "deal", "show", "alice deal", "--json"))
    assert deal["stage"] == "Demo" and deal["contact"] == "Hélène Dupré"
    assert [h["to_stage"] for h in deal["history"]][-1] == "Demo"
    assert json.loads(ok("--db", pg_url, "followup", "list", "--json"))[0]["contact"] == (
        "Hélène Dupré"
    )

    # A second rep joins: their own records, the company shared, no id collides.
    bruno = tmp_path / "bruno.db"
    seed(bruno, "bruno", ["Zoé Martin"])
    ok("--db", str(bruno), "db", "copy", "--to", pg_url)
    team = counts(pg_url)
    assert team["contacts"] == 3 and team["companies"] == 1
    assert team["deals"] == 2 and team["interactions"] == 2
    assert "Zoé Martin" in ok("--db", pg_url, "find", "zoe")

    # And back: the team database as a file, everything in it.
    home = tmp_path / "home.db"
    ok("--db", pg_url, "db", "copy", "--to", str(home))
    assert counts(str(home)) == team
    assert (
        sqlite_counts(home)["search_term"]
        == sqlite_counts(alice)["search_term"] + (sqlite_counts(bruno)["search_term"])
    )
    conn = sqlite3.connect(home)
    assert conn.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
    assert conn.execute("PRAGMA foreign_key_check").fetchall() == []
    conn.close()


def test_copying_a_database_onto_itself_is_refused(tmp_path: Path) -> None:
    db = tmp_path / "solo.db"
    ok("--db", str(db), "contact", "add", "Solo Person")
    out = invoke("--db", str(db), "db", "copy", "--to", str(db))
    assert out.exit_code != 0 and "same database" in out.stderr
    relative = invoke("--db", str(db), "db", "copy", "--to", f"{db.parent}/./{db.name}")
    assert relative.exit_code != 0 and "same database" in relative.stderr
    assert counts(str(db))["contacts"] == 1


def test_copy_between_two_files(tmp_path: Path) -> None:
    one, two = tmp_path / "one.db", tmp_path / "two.db"
    seed(one, "one", ["Ana Lima"])
    ok("--db", str(one), "db", "copy", "--to", str(two))
    assert sqlite_counts(two) == sqlite_counts(one)
