"""`crm sync contacts` on a real SQLite store and real vdir folders.

The cards are the vendors' own (the import corpus under tests/fixtures/import: iCloud,
macOS Contacts, Google, Android 2.1 quoted-printable, SOGo, vCard 4.0), one per file
as a vdir holds them; khard reads and edits the folder in the tests that say so, and
a card "edited on the phone" is rewritten the way khard and vdirsyncer write: a new
file renamed over the old one.
"""

from __future__ import annotations

import json
import re
import sqlite3
import subprocess
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from crmcli.core.db.store import Store
from crmcli.core.people.contacts import ContactFields, add, edit
from crmcli.core.sync.collections import VdirCollection
from crmcli.core.sync.contact_report import SourceResult
from crmcli.core.sync.contacts import Options, sync_contacts

FIXTURES = Path(__file__).resolve().parents[2] / "fixtures" / "import"
_CARD = re.compile(r"BEGIN:VCARD.*?END:VCARD\r?\n?", re.DOTALL | re.IGNORECASE)


def vendor_cards(name: str) -> list[str]:
    """The cards of one corpus file (`real/icloud.vcf`), each as its program wrote it."""
    text = (FIXTURES / name).read_bytes().decode("utf-8", "surrogateescape")
    return _CARD.findall(text)


def put(folder: Path, name: str, text: str | bytes) -> Path:
    """Write a card as khard and vdirsyncer do: a temporary file, renamed over the name."""
    data = text.encode("utf-8", "surrogateescape") if isinstance(text, str) else text
    tmp = folder / f".{name}.tmp"
    tmp.write_bytes(data)
    tmp.replace(folder / name)
    return folder / name


def edit_card(path: Path, change: Callable[[str], str]) -> None:
    put(path.parent, path.name, change(path.read_text(encoding="utf-8")))


def sync(store: Store, folder: Path, **options: Any) -> SourceResult:
    return sync_contacts(store, VdirCollection("contacts", str(folder)), Options(**options))


def counts(result: SourceResult) -> tuple[dict[str, int], dict[str, int], int]:
    return result.here.as_dict(), result.there.as_dict(), len(result.conflicts)


NOTHING = ({"new": 0, "updated": 0, "deleted": 0, "skipped": 0, "errors": 0},) * 2


def idle(result: SourceResult) -> bool:
    here, there, conflicts = counts(result)
    quiet = {"new": 0, "updated": 0, "deleted": 0, "errors": 0}
    return (
        {k: here[k] for k in quiet} == quiet
        and {k: there[k] for k in quiet} == quiet
        and not conflicts
        and result.chunks == 0
    )


def snapshot(db: Path, folder: Path) -> tuple[bytes, dict[str, bytes]]:
    """The database file's bytes and every file of the folder: equal, nothing written."""
    conn = sqlite3.connect(db)
    conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    conn.close()
    return db.read_bytes(), {p.name: p.read_bytes() for p in sorted(folder.iterdir())}


def data(db: Path, folder: Path) -> tuple[str, dict[str, bytes]]:
    """Every row but the source's record of its last run, and every file of the folder."""
    from tests.conftest import dump

    rows = "\n".join(line for line in dump(db).splitlines() if "sync_source" not in line)
    return rows, {p.name: p.read_bytes() for p in sorted(folder.iterdir())}


def person(store: Store, name: str) -> dict[str, Any]:
    from crmcli.core.people.directory import get

    cid = store.value("SELECT id FROM contact WHERE display_name = ?", (name,))
    assert cid is not None, f"no contact {name}"
    return dict(get(store, int(cid)))


def contact(store: Store, name: str, **fields: Any) -> int:
    return int(add(store, ContactFields(name=name, **fields)).contact["id"])


def cards_by_fn(folder: Path) -> dict[str, str]:
    out: dict[str, str] = {}
    for path in folder.glob("*.vcf"):
        text = path.read_text(encoding="utf-8")
        found = re.search(r"^FN[^:]*:(.*)$", text, re.MULTILINE)
        assert found, path
        out[found.group(1).strip()] = path.name
    return out


def card_lines(folder: Path, href: str, name: str) -> list[str]:
    from crmcli.core.sync.cards import field_lines

    return list(field_lines((folder / href).read_text(encoding="utf-8"), name))


@pytest.fixture
def folder(tmp_path: Path) -> Path:
    book = tmp_path / "contacts" / "work"
    book.mkdir(parents=True)
    return book


def seed_vendors(folder: Path) -> None:
    """iCloud, macOS, Google, Android (2.1, QP, a photo), SOGo and vCard 4.0 cards."""
    for source in (
        "real/icloud.vcf",
        "real/apple_macos.vcf",
        "vcard/google_contacts.vcf",
        "real/android.vcf",
        "real/sogo.vcf",
        "real/vcard4.vcf",
    ):
        for index, text in enumerate(vendor_cards(source)):
            put(folder, f"{Path(source).stem}-{index}.vcf", text)


# -- first sync, both ways; then nothing ----------------------------------------------------


def test_first_sync_goes_both_ways_and_the_second_does_nothing(
    store: Store, folder: Path, db: Path
) -> None:
    ann = contact(
        store,
        "Hélène Dupré",
        emails=["helene@example.fr", "h.dupre@perso.example"],
        phones=["06 12 34 56 78"],
        company="Société Générale; Ouest",
        title="Directrice, achats",
        notes="Met at the fair, Lyon;\nwants a quote",
        birthday="1980-05-17",
        nickname="Léna",
        urls=["https://www.linkedin.com/in/helene-dupre"],
        handles=["skype:helene.dupre"],
    )
    seed_vendors(folder)
    files = len(list(folder.glob("*.vcf")))
    first = sync(store, folder)
    here, there, conflicts = counts(first)
    # Company cards (X-ABShowAs:COMPANY, KIND:org) and group cards are no one's card.
    assert there["skipped"] == 3 and there["errors"] == 0 and conflicts == 0
    assert here["new"] == files - 3 and there["new"] == 1
    assert len(list(folder.glob("*.vcf"))) == files + 1
    # crm's contact as a card named by crm's UID, its values as the export writes them
    (mine,) = [p for p in folder.glob("crm-contact-*.vcf")]
    assert mine.name.startswith(f"crm-contact-{ann}@")
    text = mine.read_text(encoding="utf-8")
    assert "ORG:Société Générale\\; Ouest" in text and "TITLE:Directrice\\, achats" in text
    # the vendors' people in crm, with what the importer keeps
    haruto = person(store, "Haruto Nakamura")
    assert haruto["external_ids"] == {"vcard": "0b9a8f1e-3c2d-4e5f-8a7b-1c2d3e4f5a6b"}
    assert haruto["nickname"] == "Haru" and haruto["company"] == "Kyoto Ceramics Co."
    assert {p["e164"] for p in haruto["phones"]} == {"+819012345678", "+81751234567"}
    noemie = person(store, "Noémie Bérubé")  # Android 2.1, quoted-printable UTF-8
    assert noemie["photo"] is not None and noemie["nickname"] == "Nono"
    assert person(store, "Dr. Jane Q. Doe PhD")["first_name"] == "Jane"  # Google
    # Nothing changed since: nothing is read, nothing written, on either side.
    before = data(db, folder)
    second = sync(store, folder)
    assert idle(second), counts(second)
    assert data(db, folder) == before


def test_a_card_rewritten_with_the_same_values_changes_nothing(store: Store, folder: Path) -> None:
    """Every field crm writes reads back as the same value: a card another program
    rewrote (reordered, refolded, an extra line) is no change."""
    contact(
        store,
        "Hélène Dupré",
        emails=["helene@example.fr"],
        phones=["06 12 34 56 78", "pager"],
        company="Acme, Inc.",
        notes="line one\nline two; with, punctuation\\ and a backslash",
        birthday="--05-17",
        urls=["https://www.linkedin.com/in/helene", "helene.example/blog"],
        handles=["skype:helene.dupre", "matrix:@helene:example.org"],
        dates=["anniversary:2010-06-01"],
        relations=["Marc Dupré:spouse"],
    )
    sync(store, folder)
    (path,) = folder.glob("*.vcf")
    edit_card(path, lambda t: t.replace("END:VCARD", "X-KHARD-NOTE:touched\r\nEND:VCARD"))
    again = sync(store, folder)
    here, there, conflicts = counts(again)
    assert here["updated"] == there["updated"] == conflicts == 0, again.planned
    assert idle(sync(store, folder))


# -- changes one way -------------------------------------------------------------------------


@pytest.mark.subprocess
def test_a_change_here_updates_the_card_and_khard_reads_it(
    store: Store, folder: Path, tmp_path: Path
) -> None:
    from tests.core.sync.vdirsyncer_chain import khard, khard_config

    for index, text in enumerate(vendor_cards("real/icloud.vcf")):
        put(folder, f"icloud-{index}.vcf", text)
    sync(store, folder)
    haruto = person(store, "Haruto Nakamura")
    edit(
        store,
        haruto["id"],
        ContactFields(title="Export Director", add_phones=["+81 75 999 0000"]),
    )
    result = sync(store, folder)
    assert counts(result)[1]["updated"] == 1 and counts(result)[0]["updated"] == 0
    text = (folder / "icloud-0.vcf").read_text(encoding="utf-8")
    assert "TITLE:Export Director" in text
    # The rest of Apple's card is as Apple wrote it: labels, X-AB* lines, its UID.
    for kept in (
        "item1.EMAIL;type=INTERNET;type=pref:haruto.nakamura@example.jp",
        "item1.X-ABLabel:_$!<Work>!$_",
        "item2.X-ABADR:jp",
        "item3.X-ABRELATEDNAMES;type=pref:Yui Nakamura",
        "UID:0b9a8f1e-3c2d-4e5f-8a7b-1c2d3e4f5a6b",
        "PRODID:-//Apple Inc.//iCloud Web Address Book 2419B24//EN",
    ):
        assert kept in text
    config = khard_config(tmp_path, folder)
    shown = khard(config, "phone", "--parsable")
    assert shown.returncode == 0, shown.stderr
    assert "+81759990000\tHaruto Nakamura" in shown.stdout
    assert idle(sync(store, folder))


@pytest.mark.subprocess
def test_a_card_edited_with_khard_updates_the_contact(
    store: Store, folder: Path, tmp_path: Path
) -> None:
    from tests.core.sync.vdirsyncer_chain import environment, khard, khard_config, program

    cid = contact(store, "Grace Hopper", emails=["grace@navy.example"], title="Rear Admiral")
    sync(store, folder)
    config = khard_config(tmp_path, folder)
    shown = khard(config, "show", "--format", "yaml", "Grace")
    assert shown.returncode == 0, shown.stderr
    yaml = shown.stdout.replace("Title: Rear Admiral", "Title: Commodore")
    yaml = re.sub(r"(?m)^Nickname:.*$", "Nickname: Amazing Grace", yaml)
    template = tmp_path / "grace.yaml"
    template.write_text(yaml, encoding="utf-8")
    edited = subprocess.run(
        [str(program("khard")), "-c", str(config), "edit", "-i", str(template), "Grace"],
        input="yes\n",
        capture_output=True,
        text=True,
        timeout=60,
        env=environment(tmp_path),
        check=False,
    )
    assert edited.returncode == 0, edited.stderr + edited.stdout
    result = sync(store, folder)
    assert counts(result)[0]["updated"] == 1 and counts(result)[1]["updated"] == 0
    grace = person(store, "Grace Hopper")
    assert grace["id"] == cid and grace["title"] == "Commodore"
    assert grace["nickname"] == "Amazing Grace"
    assert [e["email"] for e in grace["emails"]] == ["grace@navy.example"]
    assert idle(sync(store, folder))


def test_changes_to_different_fields_on_each_side_are_merged(store: Store, folder: Path) -> None:
    for index, text in enumerate(vendor_cards("real/sogo.vcf")):
        put(folder, f"sogo-{index}.vcf", text)
    sync(store, folder)
    giulia = person(store, "Giulia Bianchi")
    edit(store, giulia["id"], ContactFields(title="Socia fondatrice"))
    edit_card(
        folder / "sogo-0.vcf",
        lambda t: t.replace("EMAIL;TYPE=home:giulia@example.org", "EMAIL;TYPE=home:g@bianchi.it"),
    )
    result = sync(store, folder)
    assert not result.conflicts
    giulia = person(store, "Giulia Bianchi")
    assert giulia["title"] == "Socia fondatrice"
    assert {e["email"] for e in giulia["emails"]} == {"giulia.bianchi@example.it", "g@bianchi.it"}
    text = (folder / "sogo-0.vcf").read_text(encoding="utf-8")
    assert "TITLE:Socia fondatrice" in text and "g@bianchi.it" in text
    assert "CUSTOM1:Cliente dal 2018" in text and "X-AIM:giuliab" in text  # SOGo's own, kept
    assert idle(sync(store, folder))


def test_the_same_field_changed_on_both_sides_is_a_conflict_left_alone(
    store: Store, folder: Path
) -> None:
    cid = contact(store, "Ada Lovelace", emails=["ada@example.org"], title="Analyst")
    sync(store, folder)
    (path,) = folder.glob("*.vcf")
    edit(store, cid, ContactFields(title="Countess", notes="from crm"))
    edit_card(path, lambda t: t.replace("TITLE:Analyst", "TITLE:Mathematician"))
    result = sync(store, folder)
    (conflict,) = result.conflicts
    assert (conflict.contact_id, conflict.field) == (cid, "title")
    assert "crm 'Countess'" in conflict.text() and "card 'Mathematician'" in conflict.text()
    assert person(store, "Ada Lovelace")["title"] == "Countess"  # neither side overwritten
    text = path.read_text(encoding="utf-8")
    assert "TITLE:Mathematician" in text
    assert "NOTE:from crm" in text  # the rest of the record merged all the same
    # Reported again on every run until the two sides agree; then settled for good.
    assert [c.field for c in sync(store, folder).conflicts] == ["title"]
    edit(store, cid, ContactFields(title="Mathematician"))
    settled = sync(store, folder)
    assert not settled.conflicts and idle(sync(store, folder))


@pytest.mark.parametrize("prefer", ["crm", "card"])
def test_prefer_settles_conflicts_for_one_side(store: Store, folder: Path, prefer: str) -> None:
    cid = contact(store, "Ada Lovelace", title="Analyst")
    sync(store, folder)
    (path,) = folder.glob("*.vcf")
    edit(store, cid, ContactFields(title="Countess"))
    edit_card(path, lambda t: t.replace("TITLE:Analyst", "TITLE:Mathematician"))
    assert len(sync(store, folder).conflicts) == 1  # reported, left alone
    result = sync(store, folder, prefer=prefer)
    assert not result.conflicts
    title = "Countess" if prefer == "crm" else "Mathematician"
    assert person(store, "Ada Lovelace")["title"] == title
    assert f"TITLE:{title}" in path.read_text(encoding="utf-8")
    assert idle(sync(store, folder))


def test_both_sides_making_the_same_change_is_no_conflict(store: Store, folder: Path) -> None:
    cid = contact(store, "Alan Turing", emails=["alan@example.org"])
    sync(store, folder)
    (path,) = folder.glob("*.vcf")
    edit(store, cid, ContactFields(add_phones=["+44 20 7946 0018"]))
    edit_card(
        path, lambda t: t.replace("END:VCARD", "TEL;TYPE=cell:+44 (0)20 7946-0018\r\nEND:VCARD")
    )
    result = sync(store, folder, tag=None)
    assert not result.conflicts, result.conflicts
    assert idle(sync(store, folder))


# -- deletions ---------------------------------------------------------------------------------


def test_a_card_deleted_there_archives_its_unchanged_contact(store: Store, folder: Path) -> None:
    cid = contact(store, "Ann Lee", emails=["ann@example.com"])
    sync(store, folder)
    (path,) = folder.glob("*.vcf")
    path.unlink()
    result = sync(store, folder)
    assert counts(result)[0]["deleted"] == 1
    archived = store.value("SELECT archived_at FROM contact WHERE id = ?", (cid,))
    assert archived is not None  # archived, never deleted: `crm contact unarchive` brings it back
    assert idle(sync(store, folder)) and not list(folder.glob("*.vcf"))


def test_a_card_deleted_there_whose_contact_changed_is_written_again(
    store: Store, folder: Path
) -> None:
    cid = contact(store, "Ann Lee", emails=["ann@example.com"])
    sync(store, folder)
    (path,) = folder.glob("*.vcf")
    path.unlink()
    edit(store, cid, ContactFields(title="CFO"))
    result = sync(store, folder)
    assert counts(result)[0]["deleted"] == 0 and counts(result)[1]["new"] == 1
    assert any("deleted in the address book" in n for n in result.notes)
    (again,) = folder.glob("*.vcf")
    assert "TITLE:CFO" in again.read_text(encoding="utf-8")
    assert store.value("SELECT archived_at FROM contact WHERE id = ?", (cid,)) is None
    assert idle(sync(store, folder))


def test_a_contact_archived_here_deletes_its_unchanged_card(store: Store, folder: Path) -> None:
    from crmcli.core.people.contacts import archive, delete

    ann = contact(store, "Ann Lee", emails=["ann@example.com"])
    bob = contact(store, "Bob Smith", emails=["bob@example.com"])
    sync(store, folder)
    assert len(list(folder.glob("*.vcf"))) == 2
    archive(store, ann)
    delete(store, bob)
    result = sync(store, folder)
    assert counts(result)[1]["deleted"] == 2
    assert not list(folder.glob("*.vcf"))
    assert idle(sync(store, folder))


def test_a_contact_archived_here_whose_card_changed_is_brought_back(
    store: Store, folder: Path
) -> None:
    from crmcli.core.people.contacts import archive, delete

    ann = contact(store, "Ann Lee", emails=["ann@example.com"])
    bob = contact(store, "Bob Smith", emails=["bob@example.com"])
    sync(store, folder)
    archive(store, ann)
    delete(store, bob)
    for path in folder.glob("*.vcf"):
        edit_card(path, lambda t: t.replace("END:VCARD", "TITLE:Changed on the phone\r\nEND:VCARD"))
    result = sync(store, folder)
    assert counts(result)[1]["deleted"] == 0 and len(list(folder.glob("*.vcf"))) == 2
    back = person(store, "Ann Lee")
    assert back["id"] == ann and back["archived_at"] is None
    assert back["title"] == "Changed on the phone"
    bob_again = person(store, "Bob Smith")  # deleted in crm: made again from its card
    assert bob_again["id"] != bob and bob_again["title"] == "Changed on the phone"
    assert len(result.notes) == 2
    assert idle(sync(store, folder))


# -- identity ------------------------------------------------------------------------------------


def test_an_existing_book_and_address_book_are_linked_not_duplicated(
    store: Store, folder: Path
) -> None:
    """The same people on both sides before any sync: found by the import's rules (email;
    name and phone), never made twice; what one side lacks is filled from the other."""
    contact(
        store,
        "Haruto Nakamura",
        emails=["haruto.nakamura@example.jp", "h@private.example"],
        urls=["https://haruto.example"],
        title="Export",
    )
    contact(store, "Lena Fischer", phones=["+49 30 23125678"])
    contact(store, "Marco Rossi", emails=["marco.rossi@example.it"], notes="met in Milan")
    for index, text in enumerate(vendor_cards("real/icloud.vcf")):
        put(folder, f"icloud-{index}.vcf", text)
    put(folder, "google-1.vcf", vendor_cards("vcard/google_contacts.vcf")[1])
    result = sync(store, folder)
    here, there, conflicts = counts(result)
    assert here["new"] == 0 and there["new"] == 0
    assert int(store.value("SELECT count(*) FROM contact")) == 3
    assert len(list(folder.glob("*.vcf"))) == 3
    assert [p.action for p in result.planned].count("link") == 3
    # A title on both sides that differs, with no sync before to say which is newer:
    # a conflict, never a guess.
    assert [(c.contact, c.field) for c in result.conflicts] == [("Haruto Nakamura", "title")]
    lena = person(store, "Lena Fischer")
    assert [e["email"] for e in lena["emails"]] == ["lena.fischer@example.de"]  # filled
    marco = (folder / "google-1.vcf").read_text(encoding="utf-8")
    assert "NOTE:met in Milan" in marco  # filled there
    assert person(store, "Haruto Nakamura")["title"] == "Export"
    assert conflicts == 1
    # Lists on both sides with no sync before: joined, each value once on each side.
    haruto = person(store, "Haruto Nakamura")
    assert sorted(e["email"] for e in haruto["emails"]) == [
        "h@private.example",
        "haru@example.org",
        "haruto.nakamura@example.jp",
    ]
    card = (folder / "icloud-0.vcf").read_text(encoding="utf-8")
    emails = card_lines(folder, "icloud-0.vcf", "emails")
    assert len(emails) == 3 and "h@private.example" in card
    assert card.count("https://haruto.example") == 1
    assert idle(sync(store, folder)) is False  # the title conflict is reported again
    assert counts(sync(store, folder))[:2] == NOTHING


def test_two_cards_of_one_person_on_the_phone_are_two_contacts(store: Store, folder: Path) -> None:
    text = vendor_cards("real/sogo.vcf")[1]
    put(folder, "a.vcf", text)
    put(folder, "b.vcf", text.replace("UID:6B9-65F1A400-5", "UID:OTHER"))
    result = sync(store, folder)
    assert counts(result)[0]["new"] == 2
    assert idle(sync(store, folder))


# -- the tag scope ------------------------------------------------------------------------------


def test_the_tag_scope_sends_only_tagged_contacts_and_tags_the_phones_new_people(
    store: Store, folder: Path
) -> None:
    tagged = contact(store, "Ann Lee", emails=["ann@example.com"], tags=["phone"])
    contact(store, "Not For The Phone", emails=["nobody@example.com"])
    from_phone = vendor_cards("real/sogo.vcf")[1]
    put(folder, "marco.vcf", from_phone)
    result = sync(store, folder, tag="phone")
    assert counts(result)[1]["new"] == 1 and counts(result)[0]["new"] == 1
    assert set(cards_by_fn(folder)) == {"Ann Lee", "Marco Conti"}
    assert "phone" in person(store, "Marco Conti")["tags"]  # stays in scope
    assert idle(sync(store, folder, tag="phone"))
    # Ann leaves the scope: her card, which crm made, is taken off the phone; Marco's,
    # which came from the phone, stays there (it is the phone's).
    edit(store, tagged, ContactFields(rm_tags=["phone"]))
    marco = person(store, "Marco Conti")["id"]
    edit(store, marco, ContactFields(rm_tags=["phone"]))
    result = sync(store, folder, tag="phone")
    assert counts(result)[1]["deleted"] == 1
    assert set(cards_by_fn(folder)) == {"Marco Conti"}
    assert any("left the scope" in n for n in result.notes)
    # Marco's card changes on the phone while out of scope: crm leaves it alone.
    edit_card(folder / "marco.vcf", lambda t: t.replace("END:VCARD", "TITLE:Chef\r\nEND:VCARD"))
    assert person(store, "Marco Conti")["title"] is None
    sync(store, folder, tag="phone")
    assert person(store, "Marco Conti")["title"] is None
    # Back in scope: the phone's change comes in.
    edit(store, marco, ContactFields(add_tags=["phone"]))
    sync(store, folder, tag="phone")
    assert person(store, "Marco Conti")["title"] == "Chef"


def test_a_phone_card_matching_an_untagged_contact_links_and_tags_it(
    store: Store, folder: Path
) -> None:
    cid = contact(store, "Marco Conti", emails=["marco.conti@example.it"])
    put(folder, "marco.vcf", vendor_cards("real/sogo.vcf")[1])
    result = sync(store, folder, tag="phone")
    assert counts(result)[0]["new"] == 0
    assert "phone" in person(store, "Marco Conti")["tags"]
    assert person(store, "Marco Conti")["id"] == cid
    assert idle(sync(store, folder, tag="phone"))


# -- robustness ----------------------------------------------------------------------------------


def test_unreadable_cards_are_counted_and_named_and_the_rest_synced(
    store: Store, folder: Path
) -> None:
    put(folder, "good.vcf", vendor_cards("real/sogo.vcf")[1])
    put(folder, "binary.vcf", bytes(range(256)) * 4)
    put(folder, "empty.vcf", b"")
    put(folder, "two.vcf", "".join(vendor_cards("real/icloud.vcf")))
    put(folder, "nameless.vcf", "BEGIN:VCARD\r\nVERSION:3.0\r\nEND:VCARD\r\n")
    result = sync(store, folder)
    assert counts(result)[0]["new"] == 1 and counts(result)[1]["errors"] == 4
    named = "\n".join(result.error_lines)
    for name in ("binary.vcf", "empty.vcf", "two.vcf", "nameless.vcf"):
        assert name in named
    # Left as they were, and named again on the next run (they are still unreadable).
    assert (folder / "binary.vcf").read_bytes() == bytes(range(256)) * 4
    assert counts(sync(store, folder))[1]["errors"] == 4


def test_a_dry_run_writes_nothing_anywhere(store: Store, folder: Path, db: Path) -> None:
    cid = contact(store, "Ann Lee", emails=["ann@example.com"])
    seed_vendors(folder)
    before = snapshot(db, folder)
    dry = sync(store, folder, dry_run=True)
    assert snapshot(db, folder) == before
    actions = {p.action for p in dry.planned}
    assert actions == {"create here", "create there"}
    real = sync(store, folder)
    assert counts(real) == counts(dry)
    # A dry run after changes plans updates and deletions, and still writes nothing.
    edit(store, cid, ContactFields(title="CEO"))
    (folder / "sogo-1.vcf").unlink()
    before = snapshot(db, folder)
    dry = sync(store, folder, dry_run=True)
    assert snapshot(db, folder) == before
    assert {(p.action, p.contact) for p in dry.planned} == {
        ("update there", "Ann Lee"),
        ("delete here", "Marco Conti"),
    }


def test_undo_takes_a_sync_back_and_the_next_sync_does_not_duplicate(
    store: Store, folder: Path
) -> None:
    from crmcli.core.undo import recent, undo

    contact(store, "Ann Lee", emails=["ann@example.com"])
    for index, text in enumerate(vendor_cards("real/icloud.vcf")):
        put(folder, f"icloud-{index}.vcf", text)
    sync(store, folder)
    assert int(store.value("SELECT count(*) FROM contact")) == 3
    # One run, one batch: a small sync is taken back by one `crm undo`.
    assert recent(store, "me")[0].command.startswith("sync contacts")
    assert sum(b.command.startswith("sync contacts") for b in recent(store, "me")) == 1
    undo(store, "me")
    assert int(store.value("SELECT count(*) FROM contact")) == 1
    assert int(store.value("SELECT count(*) FROM sync_item")) == 0
    # The cards are all still there; the next sync finds crm's own by its UID.
    again = sync(store, folder)
    assert counts(again)[0]["new"] == 2 and counts(again)[1]["new"] == 0
    assert int(store.value("SELECT count(*) FROM contact")) == 3
    assert len(list(folder.glob("*.vcf"))) == 3
    assert idle(sync(store, folder))


def test_undo_of_a_pulled_change_goes_back_to_the_card(store: Store, folder: Path) -> None:
    from crmcli.core.undo import undo

    contact(store, "Ann Lee", emails=["ann@example.com"], title="CFO")
    sync(store, folder)
    (path,) = folder.glob("*.vcf")
    edit_card(path, lambda t: t.replace("TITLE:CFO", "TITLE:Typo on the phone"))
    sync(store, folder)
    assert person(store, "Ann Lee")["title"] == "Typo on the phone"
    undo(store, "me")
    assert person(store, "Ann Lee")["title"] == "CFO"
    result = sync(store, folder)  # the undo is a change made in crm: the card follows it
    assert counts(result)[1]["updated"] == 1
    assert "TITLE:CFO" in path.read_text(encoding="utf-8")
    assert idle(sync(store, folder))


def test_a_folder_of_other_files_is_refused_before_anything(store: Store, tmp_path: Path) -> None:
    from crmcli.core.errors import Invalid

    docs = tmp_path / "Documents"
    docs.mkdir()
    (docs / "report.pdf").write_bytes(b"%PDF")
    contact(store, "Ann Lee")
    with pytest.raises(Invalid, match="holds other files"):
        sync(store, docs)
    assert sorted(p.name for p in docs.iterdir()) == ["report.pdf"]
    assert store.value("SELECT count(*) FROM sync_source") == 0


def test_json_counts_are_plain(store: Store, folder: Path) -> None:
    contact(store, "Ann Lee")
    result = sync(store, folder)
    doc = json.loads(json.dumps(result.counts()))
    assert doc["new"] == 1 and doc["there"]["new"] == 1 and doc["here"]["new"] == 0


# -- killed midway -------------------------------------------------------------------------------


@pytest.mark.subprocess
def test_a_sync_killed_midway_again_and_again_ends_with_nothing_twice(
    store: Store, folder: Path, tmp_path: Path, db: Path
) -> None:
    """SIGKILL at several moments of a first sync (cards written there, not yet recorded
    here; contacts half made), then a run to the end: every card once, every contact once,
    every pair linked once."""
    import random
    import signal
    import sys
    import time

    from tests.conftest import invoke

    rows = ["First Name,Last Name,E-mail Address,Mobile Phone"]
    rows += [f"Person{n},Zürich{n},p{n}@example.org,+41 79 {n:03d} 12 34" for n in range(700)]
    sheet = tmp_path / "people.csv"
    sheet.write_text("\n".join(rows) + "\n", encoding="utf-8")
    assert invoke("import", "contacts", str(sheet)).exit_code == 0
    template = vendor_cards("real/icloud.vcf")[1]
    for n in range(250):
        card = template.replace("Lena", f"Lena{n}").replace("lena.fischer", f"lena{n}")
        card = card.replace("0b9a8f1e-3c2d-4e5f-8a7b-1c2d3e4f5a6c", f"phone-{n}")
        put(folder, f"phone-{n}.vcf", card.replace("+49 30 23125678", f"+49 30 2312{n:04d}"))
    argv = [str(Path(sys.executable).with_name("crm")), "sync", "contacts", "--vdir", str(folder)]
    rng = random.Random(7)
    killed = 0
    for _ in range(4):
        # Killed once it has written some cards there (a random number), not after a fixed
        # time: on a fast moment a timed kill came after the run had ended.
        start = len(list(folder.glob("*.vcf")))
        wanted = start + rng.randint(20, 120)
        process = subprocess.Popen(argv, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        deadline = time.monotonic() + 60
        while process.poll() is None and time.monotonic() < deadline:
            if len(list(folder.glob("*.vcf"))) >= wanted:
                break
            time.sleep(0.005)
        if process.poll() is None:
            process.send_signal(signal.SIGKILL)
            killed += 1
        process.wait()
    assert killed >= 2, "the runs ended before they could be killed: make the data bigger"
    done = subprocess.run(argv, capture_output=True, text=True, check=False)
    assert done.returncode == 0, done.stderr
    cards = list(folder.glob("*.vcf"))
    assert len(cards) == 950
    uids = [re.search(r"(?m)^UID:(.*)$", p.read_text(encoding="utf-8")) for p in cards]
    assert len({u.group(1).strip() for u in uids if u}) == 950
    assert int(store.value("SELECT count(*) FROM contact")) == 950
    assert int(store.value("SELECT count(DISTINCT row_id) FROM sync_item")) == 950
    assert int(store.value("SELECT count(*) FROM sync_item")) == 950
    assert not list(folder.glob(".*"))  # no temporary file left behind
    assert idle(sync(store, folder))


# -- a real CardDAV server (Radicale), directly and through vdirsyncer ---------------------------


def _server_cards(dav: Any) -> dict[str, str]:
    """The address book's cards as another client reads them: FN -> card text."""
    from crmcli.core.sync.dav import DavCollection

    collection = DavCollection(
        "contacts", dav.addressbook_url, username=dav.user, password_command=dav.password_command
    )
    collection.check()
    try:
        found = {}
        for item in collection.get(sorted(collection.list())):
            text = item.body.decode("utf-8")
            name = re.search(r"(?m)^FN[^:]*:(.*?)\r?$", text)
            found[name.group(1) if name else item.href] = text
        return found
    finally:
        collection.close()


@pytest.mark.subprocess
def test_crm_sync_contacts_with_a_carddav_address_book(store: Store, dav: Any) -> None:
    from tests.conftest import invoke

    path = f"/{dav.user}/contacts/"
    dav.put(f"{path}haruto.vcf", vendor_cards("real/icloud.vcf")[0].encode())
    dav.put(f"{path}giulia.vcf", vendor_cards("real/sogo.vcf")[0].encode())
    cid = contact(store, "Ann Lee", emails=["ann@example.com"], title="CFO")
    args = [
        "sync", "contacts", "--carddav", dav.addressbook_url,
        "--username", dav.user, "--password-command", dav.password_command,
    ]  # fmt: skip
    out = invoke(*args, "--json")
    assert out.exit_code == 0, out.stderr
    (doc,) = json.loads(out.stdout)["sources"]
    assert (doc["here"]["new"], doc["there"]["new"], doc["errors"]) == (2, 1, 0)
    assert dav.password not in out.stdout + out.stderr
    on_server = _server_cards(dav)
    assert set(on_server) == {"Haruto Nakamura", "Giulia Bianchi", "Ann Lee"}
    assert f"UID:crm-contact-{cid}@" in on_server["Ann Lee"]
    again = invoke(*args)
    assert again.exit_code == 0 and "crm unchanged; cards unchanged" in again.stderr
    # The phone changes Haruto's title; crm changes Ann's: each goes across.
    haruto_href = f"{path}haruto.vcf"
    etag = dav.request("HEAD", haruto_href).headers.get("ETag", "")
    changed = on_server["Haruto Nakamura"].replace("TITLE:Export Manager", "TITLE:Director")
    dav.put(haruto_href, changed.encode(), etag=etag)
    edit(store, cid, ContactFields(title="CEO"))
    out = invoke(*args)
    assert out.exit_code == 0, out.stderr
    assert person(store, "Haruto Nakamura")["title"] == "Director"
    assert "TITLE:CEO" in _server_cards(dav)["Ann Lee"]
    # The phone deletes Giulia: unchanged in crm, she is archived, not deleted.
    dav.delete(f"{path}giulia.vcf")
    out = invoke(*args)
    assert out.exit_code == 0 and "crm 1 deleted" in out.stderr, out.stderr
    assert person(store, "Giulia Bianchi")["archived_at"] is not None
    assert "crm unchanged; cards unchanged" in invoke(*args).stderr


@pytest.mark.subprocess
def test_the_vdirsyncer_chain_carries_changes_both_ways(
    store: Store, dav: Any, tmp_path: Path
) -> None:
    """crm <-> a vdir <-> vdirsyncer <-> Radicale (the phone's server), and back."""
    from tests.core.sync.vdirsyncer_chain import Chain

    vdir = tmp_path / "contacts"
    chain = Chain(tmp_path / "vds", "contacts", vdir, dav.addressbook_url, dav.user, dav.password)
    chain.write()
    dav.put(f"/{dav.user}/contacts/chinedu.vcf", vendor_cards("real/apple_macos.vcf")[0].encode())
    cid = contact(store, "Ann Lee", emails=["ann@example.com"])
    chain.sync()  # the phone's card comes down to the vdir
    first = sync(store, vdir)
    assert counts(first)[0]["new"] == 1 and counts(first)[1]["new"] == 1
    chain.sync()  # crm's card goes up
    on_server = _server_cards(dav)
    assert set(on_server) == {"Chinedu Okafor", "Ann Lee"}
    # The phone edits Chinedu (his macOS card, photo and all) on the server.
    href = f"/{dav.user}/contacts/chinedu.vcf"
    etag = dav.request("HEAD", href).headers.get("ETag", "")
    text = on_server["Chinedu Okafor"].replace("TITLE:COO", "TITLE:CEO")
    dav.put(href, text.encode(), etag=etag)
    edit(store, cid, ContactFields(add_emails=["ann.lee@work.example"]))
    chain.sync()
    result = sync(store, vdir)
    assert counts(result)[0]["updated"] == 1 and counts(result)[1]["updated"] == 1
    assert person(store, "Chinedu Okafor")["title"] == "CEO"
    chain.sync()
    on_server = _server_cards(dav)
    assert "ann.lee@work.example" in on_server["Ann Lee"]
    assert "X-ABUID:7E0C6A1B" in on_server["Chinedu Okafor"]  # the phone's own, kept
    assert "PHOTO;ENCODING=b;TYPE=JPEG:" in on_server["Chinedu Okafor"]
    chain.sync()
    assert idle(sync(store, vdir))


# -- every vendor's card, patched, reads back as crm holds it ------------------------------------

VENDOR_PEOPLE = [
    ("real/icloud.vcf", 0),
    ("real/apple_macos.vcf", 0),
    ("vcard/apple_contacts.vcf", 0),
    ("vcard/google_contacts.vcf", 0),
    ("real/android.vcf", 0),
    ("real/android.vcf", 2),
    ("vcard/outlook_2_1.vcf", 0),
    ("real/sogo.vcf", 0),
    ("real/vcard4.vcf", 0),
    ("real/evolution.vcf", 0),
    ("real/emclient.vcf", 0),
    ("real/thebat.vcf", 0),
]


@pytest.mark.parametrize(("source", "index"), VENDOR_PEOPLE)
def test_a_vendors_card_patched_with_every_field_reads_back_as_crm_holds_it(
    store: Store, folder: Path, source: str, index: int
) -> None:
    from crmcli.core.interchange.importing.prepare import Preparing
    from crmcli.core.sync import cards as card_mod
    from crmcli.core.sync.address_book import read_ids

    vobject = pytest.importorskip("vobject")
    original = vendor_cards(source)[index]
    path = put(folder, "card.vcf", original)
    first = sync(store, folder)
    assert counts(first)[0]["new"] == 1, first.error_lines
    cid = int(store.value("SELECT id FROM contact"))
    edit(
        store,
        cid,
        ContactFields(
            name="Zoë Q. Ångström-Łukasiewicz",
            title="Head of Ops; EMEA, Nordics",
            company="Nordlys AS",
            notes="Rang on 3 May\nprefers: mornings, Zürich office",
            nickname="Zo",
            birthday="1977-07-07",
            add_emails=["zoe@nordlys.example"],
            add_phones=["+47 22 33 44 55"],
            urls=["https://nordlys.example/zoe"],
            handles=["matrix:@zoe:nordlys.example"],
        ),
    )
    result = sync(store, folder)
    assert counts(result)[1]["updated"] == 1 and not result.conflicts, result.notes
    data = path.read_bytes()
    card = card_mod.read("card.vcf", "x", data, Preparing("FR"), 0, None)
    assert not isinstance(card, str), card
    assert card.fields == read_ids(store, None, [cid])[cid].fields
    # vobject (khard's reader) reads it too; 2.1 cards with quoted-printable soft breaks,
    # as Outlook writes them, only with allowQP.
    assert vobject.readOne(card.text, allowQP=True).fn.value == "Zoë Q. Ångström-Łukasiewicz"
    # What crm does not hold is still there, as the vendor wrote it.
    kept = data.decode(card.encoding).splitlines()
    for line in original.encode("utf-8", "surrogateescape").decode(card.encoding).splitlines():
        if re.match(r"(PHOTO|X-AB(UID|RELATEDNAMES|DATE)|UID|PRODID|X-ANDROID|CUSTOM1)", line):
            assert line in kept or "item/nickname" in line, line  # nickname: changed
    assert idle(sync(store, folder))


def test_an_erased_contact_takes_its_card_along_and_leaves_nothing_of_itself(
    store: Store, folder: Path
) -> None:
    from crmcli.core.people.privacy import forget

    cid = contact(store, "Ann Lee", emails=["ann.secret@example.com"])
    sync(store, folder)
    forget(store, cid)
    for table in ("sync_item", "change_log"):
        dumped = json.dumps(store.rows(f"SELECT * FROM {table}"))
        assert "ann.secret" not in dumped, table
    result = sync(store, folder)  # the card goes; the person is not made again from it
    assert counts(result)[1]["deleted"] == 1 and counts(result)[0]["new"] == 0
    assert not list(folder.glob("*.vcf"))
    assert int(store.value("SELECT count(*) FROM contact")) == 0


def test_undo_of_an_archive_the_phone_asked_for_writes_the_card_again(
    store: Store, folder: Path
) -> None:
    from crmcli.core.undo import undo

    contact(store, "Ann Lee", emails=["ann@example.com"])
    sync(store, folder)
    (path,) = folder.glob("*.vcf")
    path.unlink()
    assert counts(sync(store, folder))[0]["deleted"] == 1
    undo(store, "me")  # the rep wants Ann back
    assert person(store, "Ann Lee")["archived_at"] is None
    result = sync(store, folder)
    assert counts(result)[1]["new"] == 1 and counts(result)[0]["deleted"] == 0
    assert [p.name for p in folder.glob("*.vcf")] == [path.name]
    assert idle(sync(store, folder))


@pytest.mark.subprocess
def test_two_syncs_at_once_make_nothing_twice(store: Store, folder: Path, tmp_path: Path) -> None:
    import sys

    from tests.conftest import invoke

    rows = ["First Name,Last Name,E-mail Address"]
    rows += [f"Racer{n},Twin{n},r{n}@example.org" for n in range(300)]
    sheet = tmp_path / "people.csv"
    sheet.write_text("\n".join(rows) + "\n", encoding="utf-8")
    assert invoke("import", "contacts", str(sheet)).exit_code == 0
    for n in range(100):
        put(
            folder,
            f"ph-{n}.vcf",
            f"BEGIN:VCARD\r\nVERSION:3.0\r\nUID:ph-{n}\r\nFN:Phone {n}\r\nN:{n};Phone;;;\r\n"
            f"EMAIL:ph{n}@example.org\r\nEND:VCARD\r\n",
        )
    argv = [str(Path(sys.executable).with_name("crm")), "sync", "contacts", "--vdir", str(folder)]
    runs = [subprocess.Popen(argv, stdout=subprocess.PIPE, stderr=subprocess.PIPE) for _ in "ab"]
    for run in runs:
        _, err = run.communicate(timeout=120)
        assert run.returncode == 0, err.decode()
        assert len(err.decode().splitlines()) <= 2 * 20 + 4  # notes capped, not hundreds
    assert len(list(folder.glob("*.vcf"))) == 400
    assert int(store.value("SELECT count(*) FROM contact")) == 400
    linked = store.tuples("SELECT count(*), count(DISTINCT row_id) FROM sync_item")
    assert linked == [(400, 400)]
    assert idle(sync(store, folder))
