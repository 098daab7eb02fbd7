"""Nicknames, relations, dates, IM handles and photos: imported, shown, exported, re-imported.

Through the installed command line, on real-shaped files: Apple, Android, Evolution,
KAddressBook and vCard 4.0 cards (tests/fixtures/import/fields), and the corpus's
Google, Outlook and Thunderbird exports (tests/fixtures/import/real).
"""

from __future__ import annotations

import json
import sqlite3
from pathlib import Path
from typing import Any

import pytest

from tests.conftest import invoke

FIELDS = Path(__file__).resolve().parents[1] / "fixtures" / "import" / "fields"
REAL = Path(__file__).resolve().parents[1] / "fixtures" / "import" / "real"
CARDS = sorted(FIELDS.glob("*.vcf"))
V6_KEYS = ("nickname", "relations", "dates", "handles", "photo")


def ok(*args: str) -> str:
    out = invoke(*args)
    assert out.exit_code == 0, out.stderr
    return out.stdout


def people() -> dict[str, dict[str, Any]]:
    return {str(c["name"]): c for c in json.loads(ok("export", "contacts", "--format", "json"))}


def counts(db: Path) -> dict[str, int]:
    tables = ("contact", "contact_relation", "contact_date", "contact_handle", "contact_photo")
    with sqlite3.connect(db) as conn:
        return {t: conn.execute(f"SELECT count(*) FROM {t}").fetchone()[0] for t in tables}


def import_all() -> None:
    for path in CARDS:
        ok("import", "contacts", str(path))


def test_cards_import_with_every_field_and_show_prints_them() -> None:
    import_all()
    shown = ok("contact", "show", "Alice Example", "-n", "0")
    bob = people()["Bob Example"]["id"]
    assert "Nickname   Ali" in shown
    assert f"Relations  Bob Example (spouse, #{bob}); Carol Aide (assistant)" in shown
    assert "Dates      1 June 2010 (anniversary); 12 September 2015 (first order)" in shown
    assert "IM         skype: alice.example; jabber: alice@jabber.example.org" in shown
    assert "Photo      stored (jpeg, 339 bytes)" in shown
    assert "Photo      link: https://photos.example.org/mia.jpg" in ok(
        "contact", "show", "Mia Example", "-n", "0"
    )
    frank = people()["Frank Sample"]
    assert frank["nickname"] == "Frankie"
    assert [(r["name"], r["kind"]) for r in frank["relations"]] == [
        ("Grace Sample", "spouse"),
        ("Heidi Boss", "manager"),
        ("Ivan Helper", "assistant"),
    ]
    assert frank["dates"] == [{"label": "anniversary", "date": "2005-08-14"}]
    assert {h["service"] for h in frank["handles"]} == {"jabber", "icq", "gadugadu"}


def test_a_logo_is_named_in_the_report_as_not_imported() -> None:
    out = invoke("import", "contacts", str(FIELDS / "v4_kaddressbook_fields.vcf"), "--json")
    assert out.exit_code == 0, out.stderr
    assert "LOGO" in out.stdout + out.stderr


def test_reimporting_the_same_cards_adds_nothing(db: Path) -> None:
    import_all()
    before = counts(db)
    import_all()
    assert counts(db) == before


def test_a_reimport_adds_what_is_new_and_nothing_twice(tmp_path: Path, db: Path) -> None:
    import_all()
    before = counts(db)
    text = (FIELDS / "evolution_fields.vcf").read_bytes()
    more = text.replace(
        b"END:VCARD", b"X-EVOLUTION-SPOUSE:Grace Sample\r\nX-SKYPE:frank.sample\r\nEND:VCARD"
    )
    path = tmp_path / "evolution_again.vcf"
    path.write_bytes(more)
    assert "1 updated" in ok("import", "contacts", str(path))
    after = counts(db)
    assert after == {**before, "contact_handle": before["contact_handle"] + 1}


@pytest.mark.parametrize("fmt", ["vcard", "json", "csv"])
def test_export_then_import_creates_nothing_and_loses_nothing(
    fmt: str, tmp_path: Path, db: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import_all()
    before = counts(db)
    original = people()
    path = tmp_path / f"export.{fmt}"
    ok("export", "contacts", "--format", fmt, "-o", str(path))
    assert "0 created" in ok("import", "contacts", str(path))
    assert counts(db) == before
    monkeypatch.setenv("CRM_DB", str(tmp_path / "fresh.db"))  # and into an empty database
    ok("import", "contacts", str(path))
    again = people()
    for name, contact in original.items():
        for key in V6_KEYS:
            if fmt == "csv" and key == "photo":
                continue  # no image in a spreadsheet cell (JSON and vCard carry it)
            assert again[name][key] == contact[key], (name, key)


def test_vobject_reads_every_card_of_the_export(tmp_path: Path) -> None:
    vobject = pytest.importorskip("vobject")
    import_all()
    path = tmp_path / "all.vcf"
    ok("export", "contacts", "--format", "vcard", "-o", str(path))
    read = list(vobject.readComponents(path.read_text(encoding="utf-8")))
    assert len(read) == 6
    alice = next(card for card in read if card.fn.value == "Alice Example")
    assert alice.nickname.value == "Ali"
    assert alice.photo.value.startswith(b"\xff\xd8\xff")
    assert [p.value for p in alice.contents["impp"]][:2] == [
        "skype:alice.example",
        "xmpp:alice@jabber.example.org",
    ]


def test_contact_add_and_edit_take_the_new_fields() -> None:
    ok("contact", "add", "Bob Example")
    ok(
        "contact", "add", "Quinn Example", "--nickname", "Q",
        "--relation", "Bob Example:spouse", "--date", "anniversary:2011-04-02",
        "--handle", "skype:quinn.example",
    )  # fmt: skip
    ok("contact", "edit", "Quinn", "--relation", "Rae Example:child", "--handle", "Telegram:@q")
    ok("contact", "edit", "Quinn", "--relation", "Bob Example:spouse")  # already there: once
    quinn = people()["Quinn Example"]
    assert quinn["nickname"] == "Q"
    bob = people()["Bob Example"]["id"]
    assert quinn["relations"] == [
        {"name": "Bob Example", "kind": "spouse", "contact_id": bob},  # resolved by name
        {"name": "Rae Example", "kind": "child", "contact_id": None},
    ]
    assert quinn["dates"] == [{"label": "anniversary", "date": "2011-04-02"}]
    assert quinn["handles"] == [
        {"service": "skype", "handle": "quinn.example"},
        {"service": "telegram", "handle": "@q"},
    ]
    ok("contact", "edit", "Quinn", "--nickname", "")
    assert people()["Quinn Example"]["nickname"] is None


@pytest.mark.parametrize(
    "option", [("--date", "anniversary"), ("--date", "x:2011-13-40"), ("--handle", "skype")]
)
def test_a_bad_value_is_one_line_and_changes_nothing(option: tuple[str, str], db: Path) -> None:
    ok("contact", "add", "Quinn Example")
    before = counts(db)
    out = invoke("contact", "edit", "Quinn", *option)
    assert out.exit_code != 0
    assert len(out.stderr.strip().splitlines()) == 1 and "Traceback" not in out.stderr
    assert counts(db) == before


def test_merge_moves_relations_dates_handles_and_photo(db: Path) -> None:
    import_all()
    p = people()
    keep, other = p["Bob Example"]["id"], p["Alice Example"]["id"]
    ok("contact", "merge", str(keep), str(other), "--yes")
    bob = people()["Bob Example"]
    assert bob["nickname"] == "Ali"
    assert [r["name"] for r in bob["relations"]] == ["Carol Aide"]  # not Bob himself
    assert len(bob["dates"]) == 2 and len(bob["handles"]) == 3
    assert bob["photo"] and bob["photo"]["media_type"] == "image/jpeg"


def test_undoing_an_import_takes_its_relations_with_it(db: Path) -> None:
    ok("import", "contacts", str(FIELDS / "apple_fields.vcf"))
    ok("undo")
    assert counts(db) == dict.fromkeys(counts(db), 0)


@pytest.mark.parametrize(
    ("name", "person", "expected"),
    [
        (
            "google_current.csv",
            "Amélie Durand",
            {
                "nickname": "Mimi",
                "relations": [("Paul Durand", "spouse")],
                "dates": [("anniversary", "2010-06-19")],
                "handles": [("skype", "amelie.durand.example")],
            },
        ),
        ("google_legacy.csv", "Sofía Ramírez", {"relations": [("Javier Ortega", "assistant")]}),
        (
            "outlook_en.csv",
            "Mr. Daniel O'Connor",
            {"relations": [("Maeve O'Connor", "spouse")], "dates": [("anniversary", "2001-09-12")]},
        ),
        ("outlook_com.csv", "Ingrid Svensson", {"nickname": "Inga"}),
        ("thunderbird.csv", "Åsa Lindqvist", {"nickname": "Åsi"}),
    ],
)
def test_csv_exports_fill_the_new_fields(name: str, person: str, expected: dict[str, Any]) -> None:
    ok("import", "contacts", str(REAL / name))
    contact = people()[person]
    got = {
        "nickname": contact["nickname"],
        "relations": [(r["name"], r["kind"]) for r in contact["relations"]],
        "dates": [(d["label"], d["date"]) for d in contact["dates"]],
        "handles": [(h["service"], h["handle"]) for h in contact["handles"]],
    }
    assert {key: got[key] for key in expected} == expected
    custom = contact["custom_fields"] or {}
    assert not {"Nickname", "Spouse", "Anniversary"} & set(custom)  # not kept twice


def test_thunderbird_ldif_nickname() -> None:
    ok("import", "contacts", str(REAL / "thunderbird.ldif"))
    assert "Jogi" in [c["nickname"] for c in people().values()]


def test_a_v4_relation_by_card_uid_names_that_contact() -> None:
    ok("import", "contacts", str(REAL / "vcard4.vcf"))  # RELATED;TYPE=co-worker:urn:uuid:...
    p = people()
    marie = p["Marie Tremblay"]["id"]
    assert p["Simon Perrault"]["relations"] == [
        {"name": "Claire Perrault", "kind": "spouse", "contact_id": None},
        {"name": "Marie Tremblay", "kind": "co-worker", "contact_id": marie},
    ]


def test_sogo_and_blackberry_custom_properties_keep_their_number() -> None:
    ok("import", "contacts", str(REAL / "sogo.vcf"))
    ok("import", "contacts", str(REAL / "blackberry.vcf"))
    p = people()
    assert p["Giulia Bianchi"]["custom_fields"]["Custom 1"] == "Cliente dal 2018"  # CUSTOM1
    assert p["Fiona Campbell"]["custom_fields"]["Custom 2"] == "Prefers BBM"  # X-CUSTOM2


def test_removing_a_related_contact_unlinks_and_undo_links_again() -> None:
    ok("import", "contacts", str(REAL / "vcard4.vcf"))
    marie = people()["Marie Tremblay"]["id"]
    ok("contact", "rm", "Marie Tremblay", "--yes")
    assert people()["Simon Perrault"]["relations"][1]["contact_id"] is None
    ok("undo")
    assert people()["Simon Perrault"]["relations"][1]["contact_id"] == marie


@pytest.mark.parametrize("name", ["google_current.csv", "outlook_en.csv", "google_legacy.csv"])
def test_reimporting_a_csv_adds_no_relation_date_or_handle_twice(name: str, db: Path) -> None:
    ok("import", "contacts", str(REAL / name))
    before = counts(db)
    ok("import", "contacts", str(REAL / name))
    assert counts(db) == before
