"""`crm doctor`: finds the problems an import leaves flagged, and says how to fix each."""

from __future__ import annotations

import json
from pathlib import Path

from tests.conftest import dump, invoke


def test_a_clean_database_passes(db: Path) -> None:
    invoke("contact", "add", "Ann Lee", "-e", "ann@x.org")
    out = invoke("doctor")
    assert out.exit_code == 0 and "found" not in out.stdout
    assert json.loads(invoke("doctor", "--json").stdout)["ok"] is True


def test_problems_are_found_with_their_fix(db: Path, tmp_path: Path) -> None:
    invoke("contact", "add", "Ann Lee", "-e", "ann@x.org")
    invoke("contact", "add", "No Way", "--title", "Ghost")
    invoke("contact", "add", "Bad Phone", "--phone", "call reception")
    sheet = tmp_path / "s.csv"
    sheet.write_text("Name,Email,Birthday\nBad Mail,not-an-email,31/02/1980\n", encoding="utf-8")
    invoke("import", "contacts", str(sheet))
    before = dump(db)
    out = invoke("doctor")
    assert out.exit_code == 1
    report = json.loads(invoke("doctor", "--json").stdout)
    counts = report["counts"]
    assert counts["unreachable"] == 1 and counts["phones"] == 1
    assert counts["emails"] == 1 and counts["birthdays"] == 1 and counts["integrity"] == 0
    fixes = {p["check"]: p["fix"] for p in report["problems"]}
    assert fixes["phones"].startswith("crm contact edit 3 --rm-phone 'call reception'")
    assert "--birthday YYYY-MM-DD" in fixes["birthdays"]
    assert "fix: crm contact edit 2 --add-email EMAIL" in out.stdout
    assert dump(db) == before  # doctor only reads
    # Following the advice clears the problem.
    invoke(
        "contact", "edit", "3", "--rm-phone", "call reception", "--add-phone", "+33 6 12 34 56 78"
    )
    assert json.loads(invoke("doctor", "--json").stdout)["counts"]["phones"] == 0
