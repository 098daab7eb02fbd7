"""crm's other exports, and calendars, are not contacts: `import contacts` refuses them in
one line, exit 2, the database untouched (they used to come in as people named after
companies, deals or calendar lines)."""

from __future__ import annotations

import json
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


def test_json_that_crm_did_not_write_is_refused_or_read_whole(db: Path, tmp_path: Path) -> None:
    """csvkit's `csvjson` output has no "name": refused in one line. A hand-written file
    with crm's names (any case), the CSV's `email`/`phone`, plain string lists and keys of
    its own: read, the unknown keys kept as custom fields, nothing dropped."""
    foreign = tmp_path / "a.json"
    foreign.write_text('[{"First Name": "Ann", "Last Name": "Example", "E-mail": "a@x.org"}]')
    out = invoke("import", "contacts", str(foreign))
    assert out.exit_code == 2 and "not a list of contacts as crm writes them" in out.stderr
    loose = tmp_path / "b.json"
    loose.write_text(
        '[{"name": "Ann Example", "Phone": "+44 20 7946 0111", "Company": "Foo Ltd", '
        '"favourite": "tea"},'
        ' {"name": "Ben Sample", "email": "ben@example.com", "phone": "+44 20 7946 0959"},'
        ' {"name": "Cy Example", "emails": ["cy@example.com"], "phones": ["+44 20 7946 0958"]}]'
    )
    out = invoke("import", "contacts", str(loose))
    assert out.exit_code == 0 and "3 created" in out.stdout, out.stderr
    people = {
        c["name"]: c for c in json.loads(invoke("export", "contacts", "--format", "json").stdout)
    }
    ann, ben, cy = people["Ann Example"], people["Ben Sample"], people["Cy Example"]
    assert [p["e164"] for p in ann["phones"]] == ["+442079460111"]
    assert ann["company"] == "Foo Ltd" and ann["custom_fields"] == {"favourite": "tea"}
    assert [e["email"] for e in ben["emails"]] == ["ben@example.com"]
    assert [p["e164"] for p in ben["phones"]] == ["+442079460959"]
    assert [e["email"] for e in cy["emails"]] == ["cy@example.com"]
    assert [p["e164"] for p in cy["phones"]] == ["+442079460958"]
    single = tmp_path / "o.json"
    single.write_text('{"foo": 1}')
    out = invoke("import", "contacts", str(single))
    assert out.exit_code == 2 and "not a list of contacts" in out.stderr


def test_a_group_card_is_named_not_imported(db: Path) -> None:
    real = Path(__file__).resolve().parents[1] / "fixtures" / "import" / "real"
    out = invoke("import", "contacts", str(real / "vcard4.vcf"))
    assert out.exit_code == 0, out.stderr
    assert "1 skipped" in out.stdout
    assert "not imported: contact groups: a group card lists people" in out.stderr
