"""`crm sync` alone: every kind the config file names, one JSON value with --json, and a
clear refusal when nothing is configured."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path

from tests.conftest import Result, dump

Crm = Callable[..., Result]


def test_nothing_configured_is_one_line_and_exit_2(crm: Crm, db: Path) -> None:
    crm("contact", "add", "Anne Müller", "--email", "anne@example.com")
    before = dump(db)
    out = crm("sync")
    assert out.exit_code == 2, out.stderr
    assert out.stderr.startswith("crm: nothing to sync") and len(out.stderr.splitlines()) == 1
    assert "[[sync.calendar]]" in out.stderr and out.stdout == ""
    assert dump(db) == before


def test_calendar_and_contacts_run_together_as_one_json_value(
    crm: Crm, db: Path, tmp_path: Path
) -> None:
    assert crm("contact", "add", "Anne Müller", "--email", "anne@example.com").exit_code == 0
    assert crm("followup", "add", "Anne Müller", "tomorrow", "send the quote").exit_code == 0
    calendar, book = tmp_path / "calendar", tmp_path / "contacts"
    calendar.mkdir()
    book.mkdir()
    (tmp_path / "config.toml").write_text(
        f'[[sync.calendar]]\nvdir = "{calendar}"\n\n[[sync.contacts]]\nvdir = "{book}"\n'
    )
    out = crm("sync", "--json")
    assert out.exit_code == 0, out.stderr
    doc = json.loads(out.stdout)  # one value, not one per kind
    kinds = {s["kind"]: s for s in doc["sources"]}
    assert set(kinds) == {"calendar", "contacts"}
    assert kinds["calendar"]["source"] == f"vdir:{calendar}"
    assert len(list(calendar.glob("*.ics"))) == 1
    assert len(list(book.glob("*.vcf"))) == 1
    again = crm("sync")  # the second run has nothing to do
    assert again.exit_code == 0, again.stderr
    assert sorted(p.name for p in calendar.iterdir()) == [p.name for p in calendar.glob("*.ics")]
    status = crm("sync", "--status", "--json")
    assert {s["kind"] for s in json.loads(status.stdout)} >= {"calendar", "contacts"}


def test_a_bad_table_anywhere_stops_before_any_kind_runs(
    crm: Crm, db: Path, tmp_path: Path
) -> None:
    assert crm("contact", "add", "Anne Müller", "--email", "anne@example.com").exit_code == 0
    assert crm("followup", "add", "Anne Müller", "tomorrow", "send the quote").exit_code == 0
    calendar = tmp_path / "calendar"
    calendar.mkdir()
    (tmp_path / "config.toml").write_text(
        f'[[sync.calendar]]\nvdir = "{calendar}"\n\n[[sync.contacts]]\nvidr = "{tmp_path}"\n'
    )
    before = dump(db)
    out = crm("sync")
    assert out.exit_code == 2, out.stderr
    assert len(out.stderr.strip().splitlines()) == 1 and "vidr" in out.stderr
    assert list(calendar.iterdir()) == [] and dump(db) == before


def test_a_failing_kind_is_one_line_and_the_others_still_run(
    crm: Crm, db: Path, tmp_path: Path
) -> None:
    assert crm("contact", "add", "Anne Müller", "--email", "anne@example.com").exit_code == 0
    book = tmp_path / "contacts"
    book.mkdir()
    missing = tmp_path / "no-such-calendar"
    (tmp_path / "config.toml").write_text(
        f'[[sync.calendar]]\nvdir = "{missing}"\n\n[[sync.contacts]]\nvdir = "{book}"\n'
    )
    out = crm("sync", "--json")
    assert out.exit_code == 1, out.stderr
    assert f"crm: calendar: no folder {missing}" in out.stderr
    doc = json.loads(out.stdout)
    assert [s.get("kind") for s in doc["sources"]] == ["calendar", "contacts"]
    assert "error" in doc["sources"][0] and doc["sources"][1]["source"] == f"vdir:{book}"
    assert len(list(book.glob("*.vcf"))) == 1  # the contacts synced all the same
