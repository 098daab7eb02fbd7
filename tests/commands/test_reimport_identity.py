"""Identity on re-import (issue #18 item 3): the same file, or crm's own export of it,
imported again creates nobody new; one number written two ways is one person.

Files in tests/fixtures/import/identity/ are shaped as each vendor's program writes
them (see make_identity_files.py there); they hold the people that defeated re-import:
a name with a possible-but-unallocated number, a name alone, placeholder phones, two
people of one name, and records that carry their own id.
"""

from __future__ import annotations

import sqlite3
from pathlib import Path
from typing import Any

import pytest

from tests.conftest import invoke

FILES = Path(__file__).resolve().parents[1] / "fixtures" / "import" / "identity"

# file -> people it holds (two "John Smith", two "Luc Moreau"... stay two: see matching.py)
REIMPORTED = {
    "salesforce_Contact.csv": 4,  # Salesforce Id; (800) 000-0000; name only; two John Smith
    "hubspot_contacts.csv": 4,  # Record ID; +1 555 0100; two Tomás Ferreira; "TBD"
    "linkedin_Connections.csv": 3,  # profile URLs; two Alex Martin, no email
    "apple_uid.vcf": 3,  # vCard UID; name only; +1 (555) 010-0199
    "pipedrive_people.csv": 2,  # Person - ID; a number kept as text; "pager", "n/a"
    "outlook_placeholders.csv": 1,  # six placeholder phones
    "countries.csv": 5,  # national numbers read in each row's own country
    "android_adr.vcf": 1,  # ... or in the country of its address
}


def rows(db: Path, sql: str, *params: object) -> list[tuple[Any, ...]]:
    conn = sqlite3.connect(db)
    try:
        return conn.execute(sql, params).fetchall()
    finally:
        conn.close()


def count(db: Path) -> int:
    return int(rows(db, "SELECT count(*) FROM contact")[0][0])


def imported(path: Path) -> str:
    out = invoke("import", "contacts", str(path))
    assert out.exit_code == 0, out.stderr
    return out.stdout + out.stderr


@pytest.mark.parametrize("name", sorted(REIMPORTED))
def test_the_same_file_twice_creates_nothing_new(name: str, isolated: Path) -> None:
    imported(FILES / name)
    assert count(isolated) == REIMPORTED[name]
    before = rows(isolated, "SELECT id, display_name FROM contact ORDER BY id")
    again = imported(FILES / name)
    assert "0 created" in again
    assert rows(isolated, "SELECT id, display_name FROM contact ORDER BY id") == before


def test_a_third_import_after_a_second_creates_nothing_either(isolated: Path) -> None:
    for _ in range(3):
        imported(FILES / "salesforce_Contact.csv")
    assert count(isolated) == 4


def test_external_ids_are_kept_per_system(isolated: Path) -> None:
    for name in (
        "salesforce_Contact.csv",
        "apple_uid.vcf",
        "pipedrive_people.csv",
        "hubspot_contacts.csv",
    ):
        imported(FILES / name)
    ids = {r[0] for r in rows(isolated, "SELECT external_ids FROM contact")}
    assert '{"hubspot": "902"}' in ids and '{"hubspot": "903"}' in ids
    assert '{"salesforce": "0035g00000AbCdGAA1"}' in ids
    assert '{"vcard": "0F9E8D7C-6B5A-4938-8271-605F4E3D2C1B"}' in ids
    assert '{"pipedrive": "311"}' in ids


def test_a_possible_but_unallocated_number_is_keyed_and_flagged(isolated: Path) -> None:
    out = imported(FILES / "salesforce_Contact.csv")
    assert "(800) 000-0000" in out  # named in the report as flagged
    [(raw, e164)] = rows(
        isolated,
        "SELECT p.raw, p.e164 FROM contact_phone p JOIN contact c ON c.id = p.contact_id "
        "WHERE c.last_name = 'Whitfield'",
    )
    assert (raw, e164) == ("(800) 000-0000", "+18000000000")


def test_each_placeholder_phone_stays_as_text_with_a_warning(isolated: Path) -> None:
    out = imported(FILES / "outlook_placeholders.csv")
    stored = rows(isolated, "SELECT raw, e164 FROM contact_phone ORDER BY position")
    written = ["+49 BUSINESS", "+49 PRIVATE", "n/a", "TBD", "pager", "fax"]
    assert stored == [(raw, None) for raw in written]
    for raw in written:
        assert f"phone {raw!r} could not be read as a number" in out
    again = imported(FILES / "outlook_placeholders.csv")
    assert "0 created" in again
    assert len(rows(isolated, "SELECT id FROM contact_phone")) == 6


def test_two_people_of_one_name_in_one_file_stay_two(isolated: Path) -> None:
    """Nothing says the two "Tomás Ferreira" rows are one person: the file lists two."""
    imported(FILES / "hubspot_contacts.csv")
    names = [r[0] for r in rows(isolated, "SELECT display_name FROM contact")]
    assert names.count("Tomás Ferreira") == 2


def test_a_name_alone_never_swallows_someone_with_more(isolated: Path, tmp_path: Path) -> None:
    """A "John Smith" with an email the existing one lacks is someone new, not a merge."""
    imported(FILES / "salesforce_Contact.csv")
    other = tmp_path / "contacts.csv"
    other.write_bytes(b"First Name,Last Name,E-mail Address\r\nJohn,Smith,js@example.org\r\n")
    imported(other)
    assert count(isolated) == 5


def test_one_number_written_nationally_and_internationally_is_one_person(
    isolated: Path,
) -> None:
    imported(FILES / "tableur_fr.csv")  # 06 39 98 66 77, Pays: France
    out = imported(FILES / "google_intl.csv")  # +33 6 39 98 66 77
    assert "0 created" in out
    assert count(isolated) == 1
    assert rows(isolated, "SELECT e164 FROM contact_phone") == [("+33639986677",)]


def test_national_numbers_are_read_in_each_rows_own_country(isolated: Path) -> None:
    assert invoke("config", "set", "default_region", "US").exit_code == 0
    imported(FILES / "countries.csv")
    found = dict(
        rows(
            isolated,
            "SELECT c.display_name, p.e164 FROM contact c JOIN contact_phone p "
            "ON p.contact_id = c.id",
        )
    )
    assert found == {
        "Anna Schmidt": "+49301234567",  # Deutschland
        "Jeanne Martin": "+33142685300",  # France
        "Bob Jones": "+12125550100",  # USA
        "Kenji Sato": "+81312345678",  # 日本
        "Pierre Lambert": "+33472000001",  # Frankreich: Outlook in German writes it so
    }


def test_national_numbers_are_read_in_the_country_of_the_address(isolated: Path) -> None:
    """Android's vCard has no country of its own: its address's "Deutschland" says it."""
    imported(FILES / "android_adr.vcf")
    assert rows(isolated, "SELECT e164 FROM contact_phone ORDER BY position") == [
        ("+4915123456789",),
        ("+49301234567",),
    ]


@pytest.mark.parametrize("fmt", ["csv", "tsv", "json", "vcard"])
def test_crms_own_export_imported_back_creates_nothing(
    fmt: str, isolated: Path, tmp_path: Path
) -> None:
    for name in sorted(REIMPORTED):
        imported(FILES / name)
    total = count(isolated)
    numbers = rows(isolated, "SELECT contact_id, raw, e164 FROM contact_phone ORDER BY id")
    path = tmp_path / f"export.{'vcf' if fmt == 'vcard' else fmt}"
    out = invoke("export", "contacts", "--format", fmt, "-o", str(path))
    assert out.exit_code == 0, out.stderr
    again = imported(path)
    assert "0 created" in again
    assert count(isolated) == total
    # placeholders and possible numbers come back as the same values: none added twice
    assert rows(isolated, "SELECT contact_id, raw, e164 FROM contact_phone ORDER BY id") == numbers


def test_the_stored_valid_flag_tells_in_service_possible_and_text_apart(isolated: Path) -> None:
    """Schema v6's contact_phone.valid: true for a number in service, false for a possible
    one (still keyed) and for text (no key)."""
    imported(FILES / "salesforce_Contact.csv")  # (800) 000-0000
    imported(FILES / "countries.csv")  # valid numbers
    imported(FILES / "pipedrive_people.csv")  # "pager" and a number kept as text
    flags = {raw: (e164, bool(valid)) for raw, e164, valid in rows(
        isolated, "SELECT raw, e164, valid FROM contact_phone"
    )}  # fmt: skip
    assert flags["(800) 000-0000"] == ("+18000000000", False)
    assert flags["030 1234567"] == ("+49301234567", True)
    assert flags["pager"] == (None, False)
