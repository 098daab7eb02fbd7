"""Company cards in a vCard export (issue #18: "exports back losslessly").

A company imported from its own card (Apple `X-ABShowAs:COMPANY`, vCard 4 `KIND:org`, a
company-only row) has a website, phone, email, address, notes, ids and custom fields that
no person's `ORG` line can carry: `crm export contacts --format vcard` (and `--split DIR`)
writes a company card for it, the kind Apple Contacts and khard write, and importing that
export, into the same database or an empty one, gives the same companies and nothing new.
vobject and khard, real third-party readers, read the cards.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from tests.conftest import invoke

CARDS = Path(__file__).resolve().parents[1] / "fixtures" / "import" / "company_cards"
WIDGETS_UID = "7a3e0c1d-1111-4000-8000-000000000002"  # the Apple card's own UID


def run(*args: str) -> str:
    out = invoke(*args)
    assert out.exit_code == 0, out.stderr
    assert "Traceback" not in out.stderr
    return out.stdout + out.stderr


def _seed(tmp_path: Path) -> None:
    """An Apple export with a company card and its buyer; a company with no people; a
    company typed with an address; a person at a company that has only its name."""
    source = tmp_path / "apple_company_card.vcf"
    shutil.copy(CARDS / source.name, source)
    run("import", "contacts", str(source))
    run("company", "add", "Lonely Ltd")
    run("company", "add", "Typed Co", "--address", "1 Example Plaza, New York, NY 10001")
    bob = ("Bob Smith", "-c", "Name Only Inc", "-e", "bob@example.org", "--tag", "vip")
    run("contact", "add", *bob)


def _companies() -> list[dict[str, Any]]:
    """The companies as `crm export companies --format json` writes them."""
    return list(json.loads(run("export", "companies", "--format", "json")))


def _card_names(text: str) -> tuple[list[str], list[str]]:
    """(company cards' names, people cards' names) in a vCard export, read by vobject."""
    vobject = pytest.importorskip("vobject")
    firms: list[str] = []
    people: list[str] = []
    for card in vobject.readComponents(text):
        shown_as = card.contents.get("x-abshowas")
        kind = shown_as[0].value if shown_as else ""
        (firms if kind == "COMPANY" else people).append(card.fn.value)
    return firms, people


def test_a_vcard_export_holds_a_card_per_company_with_details_of_its_own(
    tmp_path: Path,
) -> None:
    vobject = pytest.importorskip("vobject")
    _seed(tmp_path)
    text = run("export", "contacts", "--format", "vcard")
    firms, people = _card_names(text)
    # Name Only Inc is on Bob's card as ORG already: no empty entry for it.
    assert firms == ["Example Widgets Inc.", "Lonely Ltd", "Typed Co"]
    assert people == ["Jane Example", "Bob Smith"]
    widgets = next(iter(vobject.readComponents(text)))  # companies come first
    assert widgets.n.value.family == "" and widgets.n.value.given == ""
    assert widgets.org.value == ["Example Widgets Inc."]
    assert widgets.url.value == "https://www.widgets.example.com/"
    assert widgets.tel.value == "+1 212-555-0142"
    assert widgets.email.value == "info@widgets.example.com"
    assert widgets.adr.value.city == "New York" and widgets.adr.value.code == "10118"
    assert widgets.note.value == "Head office. Deliveries at the back, dock 4."
    assert widgets.uid.value == WIDGETS_UID  # a card keeps the UID it came with
    extra = {(line.params.get("SYSTEM") or line.params.get("NAME"))[0]: line.value for line in (
        widgets.contents.get("x-crm-id", []) + widgets.contents.get("x-crm-field", [])
    )}  # fmt: skip
    assert extra == {"phone (fax)": "+1 212-555-0143"}
    typed = next(c for c in vobject.readComponents(text) if c.fn.value == "Typed Co")
    assert typed.adr.value.street == "1 Example Plaza, New York, NY 10001"  # one-line address
    # Left out on request, and from a selection of people; one company's card on --company.
    firms, people = _card_names(run("export", "contacts", "--format", "vcard", "--people-only"))
    assert firms == [] and people == ["Jane Example", "Bob Smith"]
    firms, people = _card_names(run("export", "contacts", "--format", "vcard", "--tag", "vip"))
    assert firms == [] and people == ["Bob Smith"]
    only = run("export", "contacts", "--format", "vcard", "-c", "Example Widgets Inc.")
    assert _card_names(only) == (["Example Widgets Inc."], ["Jane Example"])
    bad = invoke("export", "contacts", "--format", "csv", "--people-only")
    assert bad.exit_code == 2 and "--people-only applies to vcard" in bad.stderr
    assert len(bad.stderr.strip().splitlines()) == 1


def test_reimporting_the_export_into_the_same_database_changes_no_company(
    tmp_path: Path,
) -> None:
    _seed(tmp_path)
    before = _companies()
    export = tmp_path / "all.vcf"
    run("export", "contacts", "--format", "vcard", "-o", str(export))
    assert export.read_text(encoding="utf-8").count("X-ABShowAs:COMPANY") == 3
    out = run("import", "contacts", str(export))
    assert "0 created" in out
    assert "company created" not in out and "companies created" not in out
    assert "updated" not in out.replace("0 updated", "")
    assert _companies() == before  # not one column touched, external ids included


def _same(rows: list[dict[str, Any]]) -> dict[str, dict[str, Any]]:
    """Companies by name, less what a new database gives anew (ids, times, owner)."""
    return {
        row["name"]: {
            k: v for k, v in row.items() if k not in ("id", "created_at", "updated_at", "owner")
        }
        for row in rows
    }


def test_the_export_imported_into_an_empty_database_gives_the_same_companies(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    _seed(tmp_path)
    before = _same(_companies())
    # The JSON export carries the card's columns as structures, not JSON text.
    widgets = before["Example Widgets Inc."]
    assert widgets["external_ids"] == {"vcard": WIDGETS_UID}
    assert widgets["custom_fields"] == {"phone (fax)": "+1 212-555-0143"}
    assert isinstance(widgets["addresses"], list) and widgets["addresses"][0]["city"] == "New York"
    export = tmp_path / "all.vcf"
    run("export", "contacts", "--format", "vcard", "-o", str(export))
    monkeypatch.setenv("CRM_DB", str(tmp_path / "other.db"))
    out = run("import", "contacts", str(export))
    assert "2 created" in out and "4 companies created" in out
    after = _same(_companies())
    # A one-line address comes back as the street line of a vCard address: the same text.
    typed = after["Typed Co"].pop("addresses")
    assert typed == [{"label": "work", "street": "1 Example Plaza, New York, NY 10001"}]
    before["Typed Co"].pop("addresses")
    assert after == before
    shown = run("company", "show", "Typed Co")
    assert "Address (work)  1 Example Plaza, New York, NY 10001" in shown
    again = run("import", "contacts", str(export))
    assert "0 created" in again and "compan" not in again.replace("0 companies", "")


def test_industry_and_a_domain_of_its_own_come_back(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    run("company", "add", "Initrode", "--industry", "Staplers", "--domain", "initrode.example.com")
    export = tmp_path / "all.vcf"
    run("export", "contacts", "--format", "vcard", "-o", str(export))
    card = export.read_bytes().decode("utf-8")
    assert "X-CRM-INDUSTRY:Staplers\r\n" in card
    assert "X-CRM-DOMAIN:initrode.example.com\r\n" in card
    monkeypatch.setenv("CRM_DB", str(tmp_path / "other.db"))
    run("import", "contacts", str(export))
    [initrode] = _companies()
    assert (initrode["industry"], initrode["domain"]) == ("Staplers", "initrode.example.com")
    assert initrode["custom_fields"] is None  # columns, not custom fields


def test_split_writes_company_cards_that_khard_and_vobject_read(tmp_path: Path) -> None:
    vobject = pytest.importorskip("vobject")
    _seed(tmp_path)
    before = _companies()
    folder = tmp_path / "book"
    out = run("export", "contacts", "--format", "vcard", "--split", str(folder))
    assert "5 cards written, 0 unchanged" in out
    names = sorted(p.name for p in folder.glob("*.vcf"))
    # The cards that came from Apple keep their own UIDs (the person's and the company's);
    # the others get crm's.
    assert len(names) == 5 and WIDGETS_UID + ".vcf" in names
    apple = [n for n in names if n.startswith("7a3e0c1d-")]
    assert len(apple) == 2
    assert sorted(n.split("@")[0] for n in names if n not in apple) == [
        "crm-company-2",
        "crm-company-3",
        "crm-contact-2",
    ]
    cards = {p.name: vobject.readOne(p.read_text(encoding="utf-8")) for p in folder.glob("*.vcf")}
    for name, card in cards.items():
        assert name == card.uid.value + ".vcf"
    companies = [c for c in cards.values() if "x-abshowas" in c.contents]
    assert len(companies) == 3
    assert all(c.contents["x-abshowas"][0].value == "COMPANY" for c in companies)
    again = run("export", "contacts", "--format", "vcard", "--split", str(folder))
    assert "0 cards written, 5 unchanged" in again
    # The folder imported back (a vdir is one import): nothing new, no company touched.
    back = run("import", "contacts", str(folder))
    assert "0 created" in back and "compan" not in back.replace("0 companies", "")
    assert _companies() == before
    khard = Path(sys.executable).with_name("khard")
    if not khard.exists():
        pytest.skip("khard is not installed")
    config = tmp_path / "khard.conf"
    config.write_text(f"[addressbooks]\n[[crm]]\npath = {folder}\n", encoding="utf-8")
    env = {**os.environ, "HOME": str(tmp_path), "LANG": "C.UTF-8", "LC_ALL": "C.UTF-8"}

    def khard_says(*args: str) -> str:
        done = subprocess.run(
            [str(khard), "-c", str(config), *args],
            capture_output=True,
            text=True,
            check=False,
            env=env,
            stdin=subprocess.DEVNULL,
        )
        assert done.returncode == 0, done.stderr
        return done.stdout

    listed = khard_says("list", "--parsable")
    assert {line.split("\t")[1] for line in listed.splitlines()} == {
        "Example Widgets Inc.",
        "Lonely Ltd",
        "Typed Co",
        "Jane Example",
        "Bob Smith",
    }
    assert "+1 212-555-0142\tExample Widgets Inc." in khard_says("phone", "--parsable")
    assert "info@widgets.example.com\tExample Widgets Inc." in khard_says("email", "--parsable")
