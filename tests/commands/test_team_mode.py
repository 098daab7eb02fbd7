"""Team mode: the same commands against a shared PostgreSQL database, and bad URLs.

`backend` runs each workflow twice: on a SQLite file and on a fresh PostgreSQL
database named by a URL in CRM_DB (skipped, with the reason, without a server).
"""

from __future__ import annotations

import csv
import io
import json
from pathlib import Path
from typing import Any

import pytest

from tests.conftest import invoke


def ok(*args: str) -> str:
    out = invoke(*args)
    assert out.exit_code == 0, (args, out.stderr)
    return out.stdout


def test_a_day_of_work(backend: str, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("CRM_NOW", "2026-11-23T09:00:00Z")
    ok("contact", "add", "Hélène Dupré", "-e", "helene@acme.fr", "-p", "06 12 34 56 78",
       "-c", "Acme SAS", "--tag", "vip", "--every", "30d")  # fmt: skip
    ok("contact", "add", "Jürgen Müller", "-e", "jm@example.de", "--status", "customer")
    assert "Hélène Dupré" in ok("find", "helene dupre")
    assert "Hélène Dupré" in ok("find", "+33612345678")
    assert "Hélène Dupré" in ok("find", "0612")  # a fragment: the paged read of numbers
    assert "Hélène Dupré" in ok("find", "+33 6 12")
    ok("log", "call", "helene", "Talked pricing, sent the résumé", "--next", "friday 10:00")
    followups = json.loads(ok("followup", "list", "--json"))
    assert [f["due_date"] for f in followups] == ["2026-11-27"]
    ok("deal", "add", "Acme 50 seats", "--contact", "helene", "--amount", "24k",
       "--currency", "EUR", "--close", "2026-12-15")  # fmt: skip
    ok("deal", "move", "acme", "proposal")
    board = json.loads(ok("pipeline", "--json"))
    proposal = next(s for s in board["stages"] if s["stage"] == "Proposal")
    assert proposal["count"] == 1 and proposal["weighted"] == {"EUR": 1440000}
    assert "sent the [résumé]" in ok("search", "resume")
    rows = list(csv.DictReader(io.StringIO(ok("export", "contacts", "--format", "csv"))))
    assert sorted(r["name"] for r in rows) == ["Hélène Dupré", "Jürgen Müller"]
    ok("deal", "won", "acme")
    report = json.loads(ok("report", "--json"))
    assert report["conversion"]["summary"]["won"] == 1
    assert report["conversion"]["summary"]["won_amount"] == {"EUR": 2400000}
    assert report["health"]["retention"]["total"] == 1  # Jürgen: a customer never touched
    ok("undo")  # the win
    assert json.loads(ok("deal", "show", "acme", "--json"))["status"] == "open"
    shown = json.loads(ok("contact", "show", "helene", "--json"))
    assert shown["emails"][0]["email"] == "helene@acme.fr"


def test_database_urls_that_do_not_work(pg_admin: str) -> None:
    cases = [
        ("postgresql://postgres@127.0.0.1:1/crm", "cannot connect to postgresql://postgres@"),
        ("postgresql://postgres:secret@127.0.0.1:1/crm", "postgres:***@127.0.0.1"),
        ("postgresql://postgres@127.0.0.1:5432/crm_no_such_db", 'database "crm_no_such_db"'),
        ("postgresql://nosuchrep@127.0.0.1:5432/postgres", 'role "nosuchrep"'),
        ("mysql://root@127.0.0.1/crm", "only PostgreSQL URLs"),
    ]
    for url, message in cases:
        out = invoke("--db", url, "contact", "add", "Nobody")
        assert out.exit_code != 0 and out.stdout == ""
        assert message in out.stderr, out.stderr
        assert "secret" not in out.stderr
        assert len(out.stderr.strip().splitlines()) == 1
    read = invoke("--db", "postgresql://postgres@127.0.0.1:1/crm", "find", "x")
    assert read.exit_code != 0 and "cannot connect" in read.stderr


def test_an_empty_server_database_is_created_on_first_write_only(pg_url: str) -> None:
    missing = invoke("--db", pg_url, "find", "anyone")
    assert missing.exit_code != 0 and "no crm data" in missing.stderr
    ok("--db", pg_url, "contact", "add", "First Person")
    info = json.loads(ok("--db", pg_url, "db", "info", "--json"))
    assert info["contacts"] == 1 and info["location"].startswith("postgresql")


def test_each_rep_sees_their_own_records(
    pg_url: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("CRM_DB", pg_url)

    def as_rep(name: str, *args: str) -> str:
        config = tmp_path / f"{name}.toml"
        config.write_text(f'user = "{name}"\n')
        monkeypatch.setenv("CRM_CONFIG", str(config))
        return ok(*args)

    assert as_rep("alice", "whoami").strip() == "alice"
    as_rep("alice", "contact", "add", "Ann Client", "-e", "ann@client.fr")
    as_rep("alice", "deal", "add", "Ann deal", "--contact", "ann")
    as_rep("alice", "followup", "add", "ann", "2026-01-05", "call back")
    as_rep("bob", "contact", "add", "Ben Buyer", "-e", "ben@buyer.fr")
    as_rep("bob", "deal", "add", "Ben deal", "--contact", "ben")

    def names(rep: str, *args: str) -> list[str]:
        rows = json.loads(as_rep(rep, *args, "--json"))
        return sorted(r.get("name") or r.get("title") or r["contact"] for r in rows)

    assert names("alice", "contact", "list") == ["Ann Client"]
    assert names("alice", "contact", "list", "--owner", "all") == ["Ann Client", "Ben Buyer"]
    assert names("alice", "contact", "list", "--owner", "bob") == ["Ben Buyer"]
    assert names("bob", "deal", "list") == ["Ben deal"]
    assert names("bob", "followup", "list", "--owner", "all") == ["Ann Client"]
    assert invoke("followup", "list").exit_code == 1  # bob has none of his own
    assert json.loads(as_rep("alice", "today", "--json"))["overdue"][0]["contact"] == "Ann Client"
    assert json.loads(as_rep("bob", "today", "--json"))["overdue"] == []

    # A deal handed over leaves one rep's lists for the other's.
    assert "now belongs to bob" in as_rep("alice", "deal", "assign", "ann deal", "bob")
    assert names("bob", "deal", "list") == ["Ann deal", "Ben deal"]
    assert invoke("--db", pg_url, "deal", "list", "--owner", "alice").exit_code == 1
    board = json.loads(as_rep("bob", "pipeline", "--json"))
    assert sum(s["count"] for s in board["stages"]) == 2

    # Undo takes back only your own changes: bob's last one, not alice's assignment.
    assert "deal add" in as_rep("bob", "undo")
    assert names("bob", "deal", "list") == ["Ann deal"]


def test_a_local_file_lists_every_record_whatever_its_owner(
    db: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    ok("contact", "add", "Mine Now")
    config = tmp_path / "other.toml"
    config.write_text('user = "someone-else"\n')
    monkeypatch.setenv("CRM_CONFIG", str(config))
    ok("contact", "add", "Also Mine")
    rows = json.loads(ok("contact", "list", "--json"))
    assert sorted(r["name"] for r in rows) == ["Also Mine", "Mine Now"]
    only = json.loads(ok("contact", "list", "--owner", "someone-else", "--json"))
    assert [r["name"] for r in only] == ["Also Mine"]


def test_forget_erases_a_person_on_the_server_too(pg_url: str) -> None:
    ok("--db", pg_url, "contact", "add", "Erase Me", "-e", "erase@me.fr", "--note", "secret")
    ok("--db", pg_url, "log", "call", "erase", "private matters")
    out = invoke("--db", pg_url, "contact", "forget", "erase", "--yes")
    assert out.exit_code == 0 and "Erase Me" in out.stdout
    assert "backups of the server" in out.stderr and "postgresql:/" not in out.stderr
    assert invoke("--db", pg_url, "find", "erase").exit_code == 1
    assert invoke("--db", pg_url, "search", "private").exit_code == 1
    left = invoke("--db", pg_url, "undo", "--list", "--json")  # nothing to undo it from
    assert left.exit_code == 1 and json.loads(left.stdout) == []


def test_two_reps_changing_one_deal_neither_is_lost(
    pg_url: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Alice read the deal at version 1; Bob changed it; Alice's change is refused."""
    monkeypatch.setenv("CRM_DB", pg_url)
    ok("contact", "add", "Ann Client")
    ok("deal", "add", "Shared deal", "--contact", "ann", "--amount", "10k", "--currency", "EUR")
    seen = json.loads(ok("deal", "show", "shared", "--json"))["version"]
    bob = tmp_path / "bob.toml"
    bob.write_text('user = "bob"\n')
    monkeypatch.setenv("CRM_CONFIG", str(bob))
    ok("deal", "edit", "shared", "--amount", "12k", "--if-version", str(seen))
    monkeypatch.delenv("CRM_CONFIG")
    late = invoke("deal", "edit", "shared", "--amount", "9k", "--if-version", str(seen))
    assert late.exit_code != 0 and late.stdout == ""
    assert "changed elsewhere" in late.stderr and "last by bob" in late.stderr
    moved = invoke("deal", "move", "shared", "Demo", "--if-version", str(seen))
    assert moved.exit_code != 0 and "changed elsewhere" in moved.stderr
    deal = json.loads(ok("deal", "show", "shared", "--json"))
    assert deal["amount_minor"] == 1200000 and deal["stage"] == "Lead"  # Bob's change stands


def test_server_search_uses_its_text_indexes(pg_url: str) -> None:
    """The migration indexes exactly the expression the search query uses."""
    import psycopg

    from crmcli.core.db.postgres import PostgresDialect, _pg_sql

    ok("--db", pg_url, "contact", "add", "Test Person")
    sql, params = PostgresDialect().fulltext(["pric"], 20, 10_000)
    with psycopg.connect(pg_url.replace("+psycopg", ""), autocommit=True) as conn:
        conn.execute("SET enable_seqscan = off")  # tiny tables: make the planner show it
        plan = "\n".join(r[0] for r in conn.execute("EXPLAIN " + _pg_sql(sql), params))
    for index in ("ix_interaction_search", "ix_followup_search", "ix_contact_search"):
        assert index in plan


def test_undo_never_overwrites_a_colleagues_later_change(
    pg_url: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Alice's newest change is hers to undo, unless Bob has since changed the same
    record: undoing it then would put back Alice's old image over Bob's edit."""
    monkeypatch.setenv("CRM_DB", pg_url)

    def as_rep(name: str, *args: str) -> Any:
        config = tmp_path / f"{name}.toml"
        config.write_text(f'user = "{name}"\n')
        monkeypatch.setenv("CRM_CONFIG", str(config))
        return invoke(*args)

    assert as_rep("alice", "contact", "add", "Shared Person").exit_code == 0
    assert as_rep("alice", "contact", "edit", "shared", "--note", "alice's note").exit_code == 0
    assert as_rep("bob", "contact", "edit", "shared", "--note", "bob's note").exit_code == 0
    refused = as_rep("alice", "undo")
    assert refused.exit_code == 1, refused.stderr
    assert "bob changed the same contact since" in refused.stderr
    out = as_rep("alice", "contact", "show", "shared", "--json")
    assert out.exit_code == 0, out.stderr
    shown = json.loads(out.stdout)
    assert shown["notes"] == "bob's note"
