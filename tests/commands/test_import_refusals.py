"""crm's other exports, and calendars, are not contacts: `import contacts` refuses them in
one line, exit 2, the database untouched (they used to come in as people named after
companies, deals or calendar lines)."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.conftest import dump, invoke


@pytest.fixture
def book(db: Path) -> Path:
    assert (
        invoke("contact", "add", "Ann Example", "-e", "ann@example.com", "-c", "Acme").exit_code
        == 0
    )
    assert (
        invoke("deal", "add", "Licences", "--contact", "ann", "--amount", "1200 EUR").exit_code == 0
    )
    assert invoke("log", "call", "ann", "Talked renewals").exit_code == 0
    assert invoke("followup", "add", "ann", "tomorrow", "Send the quote").exit_code == 0
    return db


@pytest.mark.parametrize(
    ("kind", "said"),
    [
        ("companies", "crm's own companies export, not contacts"),
        ("deals", "crm's own deals export, not contacts: import it with `crm import deals`"),
        ("interactions", "crm's own interactions export, not contacts"),
        ("followups", "crm's own follow-ups export, not contacts"),
    ],
)
def test_crms_other_exports_are_refused_as_contacts(
    book: Path, tmp_path: Path, kind: str, said: str
) -> None:
    sheet = tmp_path / f"{kind}.csv"
    assert invoke("export", kind, "-o", str(sheet)).exit_code == 0
    before = dump(book)
    out = invoke("import", "contacts", str(sheet))
    assert out.exit_code == 2
    lines = out.stderr.strip().splitlines()
    assert len(lines) == 1 and said in lines[0], out.stderr
    assert dump(book) == before
    assert not list(tmp_path.glob("*.rejects.csv"))


def test_a_calendar_is_refused_as_contacts(book: Path, tmp_path: Path) -> None:
    calendar = tmp_path / "followups.ics"
    assert invoke("export", "followups", "--format", "ics", "-o", str(calendar)).exit_code == 0
    before = dump(book)
    out = invoke("import", "contacts", str(calendar))
    assert out.exit_code == 2
    assert out.stderr.strip() == (
        f"crm: {calendar} is an iCalendar file (events, tasks), not contacts "
        "(CSV, vCard, LDIF or JSON)"
    )
    assert dump(book) == before
