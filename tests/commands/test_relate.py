"""`crm contact relate / unrelate` as a rep types them, and where relations show up."""

from __future__ import annotations

import json
import sqlite3
from pathlib import Path

import pytest

from tests.conftest import dump, invoke


def ok(*args: str) -> str:
    out = invoke(*args)
    assert out.exit_code == 0, out.stderr
    return out.stdout


def people() -> None:
    ok("contact", "add", "Ann Lee", "-e", "ann@acme.example")
    ok("contact", "add", "Bob Boss", "-e", "bob@acme.example")
    ok("contact", "add", "Tom Aide")


def table(db: Path) -> list[tuple[object, ...]]:
    with sqlite3.connect(db) as conn:
        return conn.execute("SELECT * FROM contact_relation ORDER BY id").fetchall()


def stored(db: Path) -> list[tuple[int, str, int | None]]:
    with sqlite3.connect(db) as conn:
        return conn.execute(
            "SELECT contact_id, kind, related_id FROM contact_relation ORDER BY id"
        ).fetchall()


def test_relate_prints_the_relation_and_stores_it_once(db: Path) -> None:
    people()
    out = invoke("contact", "relate", "ann", "Reports To", "bob@acme.example")
    assert out.exit_code == 0, out.stderr
    assert out.stdout == "related #1 Ann Lee reports to #2 Bob Boss\n"
    assert stored(db) == [(1, "manager", 2)]
    again = invoke("contact", "relate", "Bob Boss", "manager of", "#1")
    assert again.exit_code == 0 and again.stdout == ""
    assert again.stderr == "already related: #2 Bob Boss manager of #1 Ann Lee; nothing changed\n"
    assert stored(db) == [(1, "manager", 2)]


def test_relate_json(db: Path) -> None:
    people()
    data = json.loads(ok("contact", "relate", "tom", "assistant", "ann", "--json"))
    assert data == {
        "contact": {"id": 3, "name": "Tom Aide"},
        "kind": "assistant of",
        "other": {"id": 1, "name": "Ann Lee"},
        "stored": {"on": 1, "kind": "assistant"},
        "created": True,
        "linked": False,
    }


def test_bad_input_is_one_line_and_changes_nothing(db: Path) -> None:
    people()
    before = dump(db)
    out = invoke("contact", "relate", "ann", "colleague", "ann@acme.example")
    assert (out.exit_code, out.stdout) == (2, "")
    assert out.stderr == "crm: a contact cannot be related to themselves\n"
    out = invoke("contact", "relate", "ann", "  ", "bob")
    assert out.exit_code == 2 and out.stderr.startswith("crm: give a kind of relation")
    out = invoke("contact", "relate", "ann", "spouse", "nobody-here")
    assert out.exit_code == 1 and "Traceback" not in out.stderr
    assert len(out.stderr.strip().splitlines()) >= 1
    assert dump(db) == before


def test_an_ambiguous_ref_is_refused_listing_candidates(db: Path) -> None:
    people()
    ok("contact", "add", "Ann Leroy")
    out = invoke("contact", "relate", "ann le", "friend", "bob")
    assert out.exit_code == 1
    assert "Ann Lee" in out.stderr and "Ann Leroy" in out.stderr
    assert stored(db) == []


def test_unrelate_one_kind_all_or_none(db: Path) -> None:
    people()
    ok("contact", "relate", "ann", "reports to", "bob")
    ok("contact", "relate", "ann", "friend", "bob")
    ok("contact", "relate", "bob", "mentor", "ann")
    out = invoke("contact", "unrelate", "ann", "spouse", "bob")
    assert out.exit_code == 1
    assert out.stderr == "crm: #1 Ann Lee is not related to #2 Bob Boss as spouse\n"
    assert ok("contact", "unrelate", "bob", "manager", "ann") == (
        "unrelated #2 Bob Boss manager of #1 Ann Lee\n"
    )
    data = json.loads(ok("contact", "unrelate", "ann", "bob", "--json"))
    assert data["removed"] == ["friend", "has as mentor"]
    assert stored(db) == []
    out = invoke("contact", "unrelate", "ann", "bob")
    assert out.exit_code == 1 and out.stdout == ""
    assert out.stderr == "crm: #1 Ann Lee is not related to #2 Bob Boss\n"


def test_relate_and_unrelate_are_one_undo_batch_each(db: Path) -> None:
    people()
    ok("contact", "relate", "ann", "reports to", "bob")
    ok("contact", "relate", "tom", "colleague", "bob")
    related = table(db)
    ok("contact", "unrelate", "bob", "tom")
    ok("contact", "unrelate", "ann", "bob")
    assert table(db) == []
    assert "contact unrelate 1 2" in ok("undo")
    assert "contact unrelate 2 3" in ok("undo")
    assert table(db) == related
    assert "contact relate 3 'colleague' 2" in ok("undo")
    assert "contact relate 1 'reports to' 2" in ok("undo")
    assert table(db) == []


def test_show_lists_both_directions(db: Path) -> None:
    people()
    ok("contact", "relate", "ann", "reports to", "bob")
    ok("contact", "relate", "tom", "referred by", "bob")
    ok("contact", "relate", "ann", "spouse", "tom")
    assert "Relations  Bob Boss (manager, #2); Tom Aide (spouse, #3)\n" in ok(
        "contact", "show", "ann", "-n", "0"
    )
    shown = ok("contact", "show", "bob", "-n", "0")
    assert "Relations  Ann Lee (direct report, #1); Tom Aide (referral, #3)\n" in shown
    assert "Relations  Bob Boss (referred by, #2); Ann Lee (spouse, #1)\n" in ok(
        "contact", "show", "tom", "-n", "0"
    )
    data = json.loads(ok("contact", "show", "bob", "--json"))
    assert data["relations"] == []
    assert data["named_by"] == [
        {"name": "Ann Lee", "kind": "direct report", "contact_id": 1},
        {"name": "Tom Aide", "kind": "referral", "contact_id": 3},
    ]


def test_forget_erases_relations_naming_the_person(db: Path) -> None:
    people()
    ok("contact", "relate", "ann", "reports to", "bob")
    ok("contact", "relate", "bob", "friend", "tom")
    ok("contact", "relate", "tom", "assistant of", "ann")
    out = invoke("contact", "forget", "bob", "--yes")
    assert out.exit_code == 0, out.stderr
    assert "relation of another contact naming them" in out.stdout
    assert stored(db) == [(1, "assistant", 3)]
    with sqlite3.connect(db) as conn:
        names = [n for (n,) in conn.execute("SELECT name FROM contact_relation")]
    assert names == ["Tom Aide"]
    assert "Bob" not in ok("contact", "show", "ann", "-n", "0")


def test_rm_keeps_the_name_and_undo_links_it_again(db: Path) -> None:
    people()
    ok("contact", "relate", "ann", "reports to", "bob")
    ok("contact", "rm", "bob", "--yes")
    assert stored(db) == [(1, "manager", None)]
    assert "Relations  Bob Boss (manager)\n" in ok("contact", "show", "ann", "-n", "0")
    ok("undo")
    assert stored(db) == [(1, "manager", 2)]


def test_referred_by_feeds_the_lead_source_report(
    db: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("CRM_NOW", "2026-06-02T08:00:00Z")
    ok("contact", "add", "Rita Referrer")
    ok("contact", "add", "Nina New")  # no source: referred by Rita -> "referral"
    ok("contact", "add", "Will Web", "--source", "website")  # keeps its source
    ok("contact", "add", "Olga Other")  # referred by a name only
    ok("contact", "add", "Sam Solo")
    ok("contact", "relate", "nina", "referred by", "rita")
    ok("contact", "relate", "will", "referred by", "rita")
    ok("contact", "edit", "olga", "--relation", "Zed Outside:referred by")
    ok("deal", "add", "N1", "-c", "Nina New", "-a", "1000", "--currency", "EUR")
    ok("deal", "add", "N2", "-c", "Nina New", "-a", "300", "--currency", "EUR")
    ok("deal", "add", "W1", "-c", "Will Web", "-a", "2000", "--currency", "EUR")
    ok("deal", "add", "O1", "-c", "Olga Other", "-a", "5000", "--currency", "EUR")
    ok("deal", "add", "S1", "-c", "Sam Solo", "-a", "50", "--currency", "EUR")
    monkeypatch.setenv("CRM_NOW", "2026-06-20T08:00:00Z")
    for deal in ("N1", "W1", "O1", "S1"):
        ok("deal", "won", deal)
    monkeypatch.setenv("CRM_NOW", "2026-07-01T08:00:00Z")
    data = json.loads(ok("report", "--period", "2026-06-01..2026-06-30", "--json"))
    sources = {r["source"]: r for r in data["conversion"]["sources"]}
    assert sources["referral"]["created"] == 3 and sources["referral"]["won"] == 2  # N1 N2 O1
    assert sources["referral"]["won_amount"] == {"EUR": 600000}
    assert sources["website"]["created"] == 1  # a source given wins over the relation
    assert sources["(none)"]["created"] == 1  # Sam
    assert data["conversion"]["referrers"] == [
        {
            "name": "Zed Outside",
            "contact_id": None,
            "deals": 1,
            "won": 1,
            "won_amount": {"EUR": 500000},
        },
        {
            "name": "Rita Referrer",
            "contact_id": 1,
            "deals": 3,
            "won": 2,
            "won_amount": {"EUR": 300000},
        },
    ]  # fmt: skip  (most won amount first)


def export_cards(db: Path, tmp: Path) -> Path:
    out = tmp / "book.vcf"
    ok("export", "contacts", "--format", "vcard", "--output", str(out))
    return out


def relations_of(name: str) -> list[tuple[str, str | None, bool]]:
    data = json.loads(ok("contact", "show", name, "--json", "-n", "0"))
    return [(r["name"], r["kind"], r["contact_id"] is not None) for r in data["relations"]]


def test_vcard_export_writes_related_and_a_round_trip_keeps_them(
    db: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import vobject

    people()
    ok("contact", "relate", "ann", "reports to", "bob")
    ok("contact", "relate", "tom", "assistant of", "ann")
    ok("contact", "relate", "bob", "mentor", "tom")  # Bob is Tom's mentor: on Tom's card
    ok("contact", "relate", "tom", "referred by", "bob")
    ok("contact", "edit", "ann", "--relation", "Jane Outside:spouse")
    cards = {
        c.fn.value: c
        for c in vobject.readComponents(export_cards(db, tmp_path).read_text(encoding="utf-8"))
    }
    related = {
        name: sorted(
            (
                line.value,
                tuple(line.params.get("TYPE", [])),
                tuple(line.params.get("VALUE", [])),
            )
            for line in card.contents.get("related", [])
        )
        for name, card in cards.items()
    }
    assert related == {
        "Ann Lee": [
            ("Bob Boss", ("co-worker",), ("text",)),
            ("Jane Outside", ("spouse",), ("text",)),
            ("Tom Aide", ("agent",), ("text",)),
        ],
        "Bob Boss": [],
        "Tom Aide": [("Bob Boss", (), ("text",)), ("Bob Boss", (), ("text",))],
    }
    # Apple's twin in the same group, with the exact kind as its label
    ann = cards["Ann Lee"]
    twins = {line.group: line.value for line in ann.contents["x-abrelatednames"]}
    labels = {line.group: line.value for line in ann.contents["x-ablabel"]}
    assert {line.group for line in ann.contents["related"]} == set(twins)
    assert sorted(labels[g] for g in twins) == [
        "_$!<Assistant>!$_",
        "_$!<Manager>!$_",
        "_$!<Spouse>!$_",
    ]

    # Into a new database: the same relations, linked again, none doubled
    monkeypatch.setenv("CRM_DB", str(tmp_path / "other.db"))
    ok("import", "contacts", str(tmp_path / "book.vcf"))
    assert relations_of("Ann Lee") == [
        ("Bob Boss", "manager", True),
        ("Tom Aide", "assistant", True),
        ("Jane Outside", "spouse", False),
    ]
    assert relations_of("Tom Aide") == [
        ("Bob Boss", "mentor", True),
        ("Bob Boss", "referred by", True),
    ]
    ok("import", "contacts", str(tmp_path / "book.vcf"))  # again: nothing added
    assert len(relations_of("Ann Lee")) == 3 and len(relations_of("Tom Aide")) == 2
    assert "Relations  Ann Lee (direct report, #1); Tom Aide (whose mentor, #3)" in ok(
        "contact", "show", "bob", "-n", "0"
    )


def test_a_related_card_with_a_uuid_is_written_by_its_uid(
    db: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Cards from Apple, Google or khard carry a UUID: RELATED names the person by it."""
    import io

    import vobject

    from crmcli.core.config import load
    from crmcli.core.db.opening import open_store
    from crmcli.core.interchange.exporting import contacts
    from crmcli.core.interchange.vcard.write import write_vcards
    from crmcli.core.people.relations import card_uids

    uid = "urn:uuid:4fbe8971-0bc3-424c-9c26-36c3e1eff6b1"
    book = tmp_path / "in.vcf"
    book.write_text(
        "BEGIN:VCARD\r\nVERSION:3.0\r\nFN:Ann Lee\r\nN:Lee;Ann;;;\r\nUID:ann-1\r\nEND:VCARD\r\n"
        f"BEGIN:VCARD\r\nVERSION:3.0\r\nFN:Bob Boss\r\nN:Boss;Bob;;;\r\nUID:{uid}\r\n"
        "END:VCARD\r\n",
        encoding="utf-8",
    )
    ok("import", "contacts", str(book))
    ok("contact", "relate", "ann", "reports to", "bob")
    store = open_store(str(db), load(), write=False)
    try:
        buffer = io.StringIO(newline="")
        write_vcards(contacts(store), buffer, uids=card_uids(store))
    finally:
        store.close()
    ann = next(c for c in vobject.readComponents(buffer.getvalue()) if c.fn.value == "Ann Lee")
    [line] = ann.contents["related"]
    assert (line.value, line.params["TYPE"]) == (uid, ["co-worker"])
    assert "VALUE" not in line.params  # a URI, RELATED's default
    monkeypatch.setenv("CRM_DB", str(tmp_path / "other.db"))
    (tmp_path / "out.vcf").write_text(buffer.getvalue(), encoding="utf-8", newline="")
    ok("import", "contacts", str(tmp_path / "out.vcf"))
    assert relations_of("Ann Lee") == [("Bob Boss", "manager", True)]
