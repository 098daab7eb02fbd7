"""Importing through the core services, wired as `crm import` wires them, on small files.

A CSV file and a vCard file are written by each test, opened with `open_contacts` and
imported with `import_contacts`; deal rows go through `read_deals` and `import_deals`.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from crmcli.core.db.store import Store
from crmcli.core.errors import Invalid
from crmcli.core.interchange.deals_csv import read_deals
from crmcli.core.interchange.files import open_contacts
from crmcli.core.interchange.importing.contacts import import_contacts
from crmcli.core.interchange.importing.deals import DealSummary, import_deals, parse_stage_map
from crmcli.core.interchange.importing.options import ImportOptions, ImportSummary
from crmcli.core.interchange.records import Reject
from crmcli.core.search.find import describe, find

SHEET = (
    "Name,Email,Phone,Company,Tags\n"
    "Ann Lee,ann@acme.fr,06 12 34 56 78,Acme,vip\n"
    "Bob Ray,bob@globex.com,,Globex,\n"
    "Carla Diaz,carla@acme.fr,+33 1 44 55 66 77,Acme,\n"
    ",,,,\n"  # an empty row: nothing, not a reject
    "Dan Too,dan@x.org,1,Co,t,extra,cells\n"  # line 6: more cells than the header
    "Eve,not-an-email,,,\n"  # kept, with the address as text, and flagged
)

CARDS = (
    "BEGIN:VCARD\r\nVERSION:3.0\r\nFN:Frank Moss\r\nN:Moss;Frank;;;\r\n"
    "EMAIL;TYPE=work:frank@moss.io\r\nTEL;TYPE=cell:+44 7700 900123\r\nORG:Moss Ltd\r\n"
    "TITLE:CTO\r\nEND:VCARD\r\n"
    "BEGIN:VCARD\r\nVERSION:3.0\r\nFN:Ann Lee\r\nEMAIL:ann@acme.fr\r\n"
    "NOTE:met at the fair\r\nEND:VCARD\r\n"
)


def import_file(
    store: Store, path: Path, rejects: list[Reject] | None = None, **options: Any
) -> ImportSummary:
    """What `crm import contacts PATH` does, minus the printing."""
    with path.open("rb") as stream:
        reading = open_contacts(stream)
        return import_contacts(
            store,
            reading.items,
            ImportOptions(label=f"import contacts {path.name}", **options),
            on_reject=(rejects if rejects is not None else []).append,
            convert=reading.convert,
        )


def write(tmp_path: Path, name: str, text: str) -> Path:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


def people(store: Store) -> dict[str, dict[str, Any]]:
    rows = store.rows(
        "SELECT c.id, c.display_name, c.title, c.notes, co.name AS company FROM contact c "
        "LEFT JOIN company co ON co.id = c.company_id ORDER BY c.id"
    )
    return {r["display_name"]: r for r in rows}


def test_a_spreadsheet_is_imported_with_its_companies_phones_and_tags(
    store: Store, tmp_path: Path
) -> None:
    rejects: list[Reject] = []
    summary = import_file(store, write(tmp_path, "people.csv", SHEET), rejects)
    assert (summary.created, summary.updated, summary.rejected) == (4, 0, 1)
    assert (summary.companies_created, summary.flagged, summary.rows) == (2, 1, 4)
    assert summary.issues == [(7, "email 'not-an-email' is malformed (kept as text)")]
    assert [(r.line, r.reason) for r in rejects] == [(6, "7 cells but the header has 5")]
    found = people(store)
    assert list(found) == ["Ann Lee", "Bob Ray", "Carla Diaz", "Eve"]
    assert [found[n]["company"] for n in found] == ["Acme", "Globex", "Acme", None]
    assert store.value("SELECT count(*) FROM company") == 2
    phones = store.tuples("SELECT contact_id, e164 FROM contact_phone ORDER BY contact_id")
    assert phones == [
        (found["Ann Lee"]["id"], "+33612345678"),
        (found["Carla Diaz"]["id"], "+33144556677"),
    ]
    assert store.tuples("SELECT contact_id, tag FROM contact_tag") == [
        (found["Ann Lee"]["id"], "vip")
    ]
    assert store.value("SELECT valid FROM contact_email WHERE email = 'not-an-email'") in (0, False)
    # Searchable at once, by company word and by any way of writing a number.
    assert {r["name"] for r in describe(store, find(store, "acme"))} == {"Ann Lee", "Carla Diaz"}
    assert [r["name"] for r in describe(store, find(store, "0612345678"))] == ["Ann Lee"]
    # One undoable batch, under the import's label.
    assert store.tuples("SELECT DISTINCT command FROM change_log") == [
        ("import contacts people.csv",)
    ]


def test_importing_again_completes_people_and_never_overwrites(
    store: Store, tmp_path: Path
) -> None:
    import_file(store, write(tmp_path, "people.csv", SHEET))
    again = SHEET.replace(
        "Bob Ray,bob@globex.com,,Globex,", "Bob Ray,bob@globex.com,06 98 76 54 32,,"
    ).replace("Ann Lee,ann@acme.fr,06 12 34 56 78,Acme,vip", "Ann Lee,ann@acme.fr,,Initech,vip")
    summary = import_file(store, write(tmp_path, "again.csv", again))
    assert (summary.created, summary.updated, summary.unchanged) == (0, 1, 3)
    assert summary.companies_created == 0  # Ann keeps Acme: Initech is never made
    found = people(store)
    assert len(found) == 4
    assert found["Ann Lee"]["company"] == "Acme"
    assert (
        store.value(
            "SELECT e164 FROM contact_phone WHERE contact_id = ?", (found["Bob Ray"]["id"],)
        )
        == "+33698765432"
    )
    assert store.value("SELECT count(*) FROM company WHERE name = 'Initech'") == 0


def test_on_duplicate_skip_and_create(store: Store, tmp_path: Path) -> None:
    sheet = write(tmp_path, "people.csv", SHEET)
    import_file(store, sheet)
    skipped = import_file(store, sheet, on_duplicate="skip")
    assert (skipped.created, skipped.updated, skipped.skipped) == (0, 0, 4)
    assert store.value("SELECT count(*) FROM contact") == 4
    created = import_file(store, sheet, on_duplicate="create")
    assert created.created == 4
    assert store.value("SELECT count(*) FROM contact WHERE display_name = 'Ann Lee'") == 2


def test_a_dry_run_counts_but_writes_nothing(store: Store, tmp_path: Path) -> None:
    summary = import_file(store, write(tmp_path, "people.csv", SHEET), dry_run=True)
    assert (summary.created, summary.companies_created, summary.rejected) == (4, 2, 1)
    for table in ("contact", "company", "contact_email", "search_term", "change_log"):
        assert store.value(f"SELECT count(*) FROM {table}") == 0, table


def test_strict_stops_at_the_first_reject_and_imports_nothing(store: Store, tmp_path: Path) -> None:
    with pytest.raises(Invalid, match=r"line 6: 7 cells .*\(--strict: nothing imported\)"):
        import_file(store, write(tmp_path, "people.csv", SHEET), strict=True)
    assert store.value("SELECT count(*) FROM contact") == 0
    assert store.value("SELECT count(*) FROM company") == 0


def test_a_vcard_file_creates_new_people_and_completes_known_ones(
    store: Store, tmp_path: Path
) -> None:
    import_file(store, write(tmp_path, "people.csv", SHEET))
    summary = import_file(store, write(tmp_path, "cards.vcf", CARDS))
    assert (summary.created, summary.updated, summary.companies_created) == (1, 1, 1)
    found = people(store)
    frank = found["Frank Moss"]
    assert (frank["title"], frank["company"]) == ("CTO", "Moss Ltd")
    assert store.tuples(
        "SELECT email, e164 FROM contact_email e JOIN contact_phone p USING (contact_id) "
        "WHERE contact_id = ?",
        (frank["id"],),
    ) == [("frank@moss.io", "+447700900123")]
    assert found["Ann Lee"]["notes"] == "met at the fair"  # an empty field filled in
    assert found["Ann Lee"]["company"] == "Acme"
    assert store.value("SELECT count(*) FROM contact") == 5


DEALS = (
    "Title,Organization,Contact person,Value,Currency,Stage,Expected close date,Status\n"
    "Big deal,Acme,Ann Lee,1200,EUR,Proposal,2026-04-30,open\n"
    "Small deal,Globex,Bob Ray,300,USD,Discovery,,open\n"
    "Old deal,Acme,Ann Lee,50,EUR,Proposal,,won\n"
)


def import_deal_rows(store: Store, path: Path, stage_map: list[str]) -> DealSummary:
    with path.open("rb") as stream:
        _, _, records = read_deals(stream, encoding=None, overrides=[], date_order="dmy")
        return import_deals(
            store,
            records,
            ImportOptions(label=f"import deals {path.name}"),
            stage_map=parse_stage_map(stage_map),
            on_reject=[].append,
        )


def test_deals_with_an_unknown_stage_are_refused_before_anything_is_written(
    store: Store, tmp_path: Path
) -> None:
    with pytest.raises(Invalid, match=r"unknown stage\(s\) Discovery: map them with --map-stage"):
        import_deal_rows(store, write(tmp_path, "deals.csv", DEALS), [])
    assert store.value("SELECT count(*) FROM deal") == 0
    assert store.value("SELECT count(*) FROM contact") == 0


def test_deals_are_imported_into_their_stages_with_their_people(
    store: Store, tmp_path: Path
) -> None:
    sheet = write(tmp_path, "deals.csv", DEALS)
    summary = import_deal_rows(store, sheet, ["Discovery=Qualified"])
    assert summary.as_dict() == {
        "created": 3,
        "updated": 0,
        "unchanged": 0,
        "rejected": 0,
        "contacts_created": 2,
        "companies_created": 2,
        "source": "spreadsheet",
        "currencies": {
            "EUR": {"deals": 2, "amount_minor": 125000},
            "USD": {"deals": 1, "amount_minor": 30000},
        },
        "without_amount": 0,
        "issues": [],
    }
    rows = store.rows(
        "SELECT d.title, d.amount_minor, d.currency, s.name AS stage, d.status, "
        "d.expected_close, c.display_name AS contact, co.name AS company, d.closed_at "
        "FROM deal d JOIN stage s ON s.id = d.stage_id LEFT JOIN contact c ON c.id = "
        "d.contact_id LEFT JOIN company co ON co.id = d.company_id ORDER BY d.id"
    )
    assert [
        (r["title"], r["amount_minor"], r["currency"], r["stage"], r["status"]) for r in rows
    ] == [
        ("Big deal", 120000, "EUR", "Proposal", "open"),
        ("Small deal", 30000, "USD", "Qualified", "open"),
        ("Old deal", 5000, "EUR", "Won", "won"),  # a won status closes it in the won stage
    ]
    assert [(r["contact"], r["company"]) for r in rows] == [
        ("Ann Lee", "Acme"),
        ("Bob Ray", "Globex"),
        ("Ann Lee", "Acme"),  # the contact made by the first row, found again
    ]
    assert rows[0]["expected_close"] == "2026-04-30"
    assert [r["closed_at"] is not None for r in rows] == [False, False, True]
    assert store.value("SELECT count(*) FROM deal_stage_change WHERE from_stage_id IS NULL") == 3
    again = import_deal_rows(store, sheet, ["Discovery=Qualified"])
    assert (again.created, again.unchanged) == (0, 3)
    assert store.value("SELECT count(*) FROM deal") == 3
