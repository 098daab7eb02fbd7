"""Team mode: the same commands against a shared PostgreSQL database, and bad URLs.

`backend` runs each workflow twice: on a SQLite file and on a fresh PostgreSQL
database named by a URL in CRM_DB (skipped, with the reason, without a server).
"""

from __future__ import annotations

import csv
import io
import json

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
