"""Showing what is stored (issue #20, item 5).

`contact show` prints the addresses, the email and phone labels, the call durations
and outcomes it holds; an all-day follow-up reads "all day" in every timeline, a
birthday without a year `14 May`; `today` and `agenda` say which kind of record each
id is, and never leave an empty note.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.conftest import Result, invoke

VCARD = """BEGIN:VCARD
VERSION:3.0
FN:Ines Roy
N:Roy;Ines;;;
TEL;TYPE=CELL:+33 6 11 22 33 44
TEL;TYPE=WORK:+33 1 44 55 66 77
EMAIL;TYPE=WORK:ines@roy.example
EMAIL;TYPE=HOME:ines.perso@mail.example
ADR;TYPE=WORK:;;12 rue de la Paix;Paris;;75002;France
BDAY:--05-14
END:VCARD
"""


def ok(*args: str) -> Result:
    out = invoke(*args)
    assert out.exit_code == 0, out.stderr
    return out


@pytest.fixture
def ines(db: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """Ines Roy as a vCard brought her in: labelled phones and emails, an address."""
    monkeypatch.setenv("CRM_NOW", "2026-11-20T09:00:00Z")  # Friday, 10:00 in Paris
    card = tmp_path / "ines.vcf"
    card.write_text(VCARD, encoding="utf-8")
    ok("import", "contacts", str(card))
    return db


def line(text: str, label: str) -> str:
    """The `label  value` line of a record, by its label."""
    found = [row for row in text.splitlines() if row.startswith(label + " ")]
    assert found, f"no {label!r} line in:\n{text}"
    return found[0]


# -- contact show ----------------------------------------------------------------------


def test_contact_show_prints_the_address_and_the_labels(ines: Path) -> None:
    shown = ok("contact", "show", "ines").stdout
    assert (
        line(shown, "Address (work)").split(None, 2)[2] == "12 rue de la Paix, 75002 Paris, France"
    )
    phones = line(shown, "Phone")
    assert "+33 6 11 22 33 44 (mobile)" in phones and "+33 1 44 55 66 77 (work)" in phones
    emails = line(shown, "Email")
    assert "ines@roy.example (work, primary)" in emails
    assert "ines.perso@mail.example (home)" in emails


def test_a_birthday_without_a_year_reads_as_a_day_and_month(ines: Path) -> None:
    shown = ok("contact", "show", "ines").stdout
    assert line(shown, "Birthday").split() == ["Birthday", "14", "May"]
    assert "--05-14" not in shown
    ok("contact", "edit", "ines", "--birthday", "1980-09-03")
    assert line(ok("contact", "show", "ines").stdout, "Birthday").split() == [
        "Birthday",
        "3",
        "September",
        "1980",
    ]


def test_the_timeline_shows_durations_outcomes_and_directions(ines: Path) -> None:
    ok("log", "call", "ines", "Talked pricing", "-d", "1h30", "--outcome", "connected", "--out")
    ok("log", "call", "ines", "No answer", "--outcome", "voicemail", "-d", "45s")
    shown = ok("contact", "show", "ines").stdout
    header = next(row for row in shown.splitlines() if row.startswith("WHEN"))
    assert "LENGTH" in header and "OUTCOME" in header
    pricing = next(row for row in shown.splitlines() if "Talked pricing" in row)
    assert "call out" in pricing and "1h30" in pricing and "connected" in pricing
    missed = next(row for row in shown.splitlines() if "No answer" in row)
    assert "45s" in missed and "voicemail" in missed


def test_an_all_day_follow_up_reads_all_day_in_the_timelines(ines: Path) -> None:
    ok("followup", "add", "ines", "2026-11-23", "Send the quote")
    ok("followup", "add", "ines", "2026-11-24 14:30", "Call back")
    ok("deal", "add", "Licence", "-c", "ines")
    ok("followup", "add", "ines", "2026-11-25", "Renewal talk", "--deal", "licence")
    shown = ok("contact", "show", "ines").stdout
    quote = next(row for row in shown.splitlines() if "Send the quote" in row)
    assert quote.startswith("2026-11-23 all day") and "00:00" not in quote
    timed = next(row for row in shown.splitlines() if "Call back" in row)
    assert timed.startswith("2026-11-24 14:30")
    deal = ok("deal", "show", "licence").stdout
    talk = next(row for row in deal.splitlines() if "Renewal talk" in row)
    assert talk.startswith("2026-11-25 all day") and "00:00" not in talk


# -- today and agenda ------------------------------------------------------------------


@pytest.fixture
def day(db: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A day with an overdue follow-up, two due today (one without a note), a touch due."""
    monkeypatch.setenv("CRM_NOW", "2026-11-20T09:00:00Z")  # Friday, 10:00 in Paris
    ok("contact", "add", "Sam Reed", "--every", "30d")  # #1, never touched: due
    ok("contact", "add", "Ann Lee")  # #2
    ok("followup", "add", "ann", "2026-11-18", "Send the deck")  # #1, overdue
    ok("log", "call", "ann", "Quick chat", "--next", "today 16:00")  # #2, no note
    ok("followup", "add", "ann", "today", "Book the demo")  # #3, all day
    return db


def test_today_labels_each_row_with_its_kind(day: Path) -> None:
    lines = ok("today").stdout.splitlines()
    assert "  follow-up #1  Wed 18 Nov, 1 day late  Ann Lee: Send the deck" in lines
    assert "  follow-up #3  all day  Ann Lee: Book the demo" in lines
    assert "  follow-up #2  16:00    Ann Lee" in lines
    touch = next(row for row in lines if "Sam Reed" in row)
    assert touch.startswith("  contact #1  Sam Reed: every 30 days")


def test_today_and_agenda_never_print_an_empty_note(day: Path) -> None:
    for command in ("today", "agenda"):
        out = ok(command).stdout
        for row in out.splitlines():
            assert row == row.rstrip(), f"{command}: trailing blanks in {row!r}"
            assert not row.rstrip().endswith(":"), f"{command}: an empty note in {row!r}"
        no_note = next(row for row in out.splitlines() if "follow-up #2" in row)
        assert no_note.split() == ["follow-up", "#2", "16:00", "Ann", "Lee"]


def test_agenda_labels_its_rows_and_lines_up_the_days(day: Path) -> None:
    ok("followup", "add", "sam", "2026-11-23 09:15", "Call about the pilot")  # #4, Monday
    lines = ok("agenda", "--days", "4").stdout.splitlines()
    assert lines[:2] == [
        "Overdue",
        "  follow-up #1  Wed 18 Nov, 1 day late  Ann Lee: Send the deck",
    ]
    late = "Wed 18 Nov, 1 day late"  # the widest time: every day's rows line up with it
    assert f"  follow-up #3  {'all day':<{len(late)}}  Ann Lee: Book the demo" in lines
    assert f"  follow-up #4  {'09:15':<{len(late)}}  Sam Reed: Call about the pilot" in lines
    assert "Sat 21 Nov  —" in lines
