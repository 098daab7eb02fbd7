"""Exports that real tools read right (issue #18 item 5), checked with those tools.

pandas reads crm's CSV with phones as text and amounts as numbers; Python's csv module
reads its TSV (no quoting, `\\t \\n \\r \\\\` escapes) back to the same values; khard and
vobject read a `--split` vCard folder as one contact per file; Google's and Outlook's
layouts carry their own headers and import back into crm without creating anyone.
"""

from __future__ import annotations

import csv
import io
import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from tests.conftest import invoke

NOTE = 'First line\n"quoted" start\tthen a tab, a back\\slash'
TITLE = '=HYPERLINK("http://x","y")'
KEEP = "'=typed with an apostrophe"


def _seed() -> None:
    steps = [
        (
            "contact",
            "add",
            "Hélène Dupré",
            "-e",
            "helene@example.com",
            "-p",
            "+33 6 12 34 56 78",
            "-p",
            "+1 905 555 0100",
            "-t",
            TITLE,
            "-c",
            KEEP,
            "--note",
            NOTE,
        ),
        ("contact", "add", "Bob Smith", "-e", "bob@example.org", "-p", "+1 905-555-0199"),
        ("deal", "add", "-c", "1", "--amount", "1500", "--", "Renewal"),
        ("deal", "add", "-c", "2", "--amount", "1200.50", "--", "Upsell"),
    ]
    for step in steps:
        out = invoke(*step)
        assert out.exit_code == 0, (step, out.stderr)


def _contacts_json() -> list[dict[str, object]]:
    rows = json.loads(invoke("export", "contacts", "--format", "json").stdout)
    for row in rows:
        for key in ("created_at", "updated_at", "id"):
            row.pop(key, None)
        # A CSV carries a number in international form, not as it was typed
        # (`+1 905-555-0199`): the same number (its E.164), the typed text aside.
        for phone in row["phones"]:  # type: ignore[attr-defined]
            if phone["e164"]:
                phone.pop("number")
    return sorted(rows, key=lambda r: str(r["name"]))


def test_pandas_reads_phones_as_text_and_amounts_as_numbers(tmp_path: Path) -> None:
    pandas = pytest.importorskip("pandas")
    _seed()
    contacts = tmp_path / "contacts.csv"
    assert invoke("export", "contacts", "-o", str(contacts)).exit_code == 0
    frame = pandas.read_csv(contacts)
    assert list(frame["phone"]) == ["+33 6 12 34 56 78", "+1 905 555 0199"]  # `+` kept
    assert not pandas.api.types.is_numeric_dtype(frame["phone"])
    deals = tmp_path / "deals.csv"
    assert invoke("export", "deals", "-o", str(deals)).exit_code == 0
    frame = pandas.read_csv(deals)
    assert frame["amount"].dtype.kind == "f" and frame["amount"].sum() == pytest.approx(2700.50)
    assert list(frame["currency"]) == ["EUR", "EUR"]


def test_deal_list_csv_amounts_sum() -> None:
    _seed()
    out = invoke("deal", "list", "--format", "csv")
    rows = list(csv.DictReader(io.StringIO(out.stdout)))
    assert sorted(r["amount"] for r in rows) == ["1200.50", "1500.00"]
    assert {r["currency"] for r in rows} == {"EUR"}


def test_a_phone_with_hyphens_is_never_a_subtraction_in_list_csv() -> None:
    _seed()
    out = invoke("contact", "list", "--format", "csv")
    cells = {c for row in csv.reader(io.StringIO(out.stdout)) for c in row}
    assert "+1 905 555 0199" in cells and "+1 905-555-0199" not in cells
    assert not {c for c in cells if c and c[0] in "=@"}


def test_csv_round_trip_loses_nothing(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """The apostrophes crm adds come off on import, and only those (issue: `'+1905…`)."""
    _seed()
    before = _contacts_json()
    exported = tmp_path / "out.csv"
    invoke("export", "contacts", "-o", str(exported))
    text = exported.read_text(encoding="utf-8")
    assert "'" + TITLE.replace('"', '""') in text  # neutralised in the file
    monkeypatch.setenv("CRM_DB", str(tmp_path / "fresh.db"))
    out = invoke("import", "contacts", str(exported))
    assert out.exit_code == 0, out.stderr
    after = _contacts_json()
    assert after == before
    phones = [p["e164"] for r in after for p in r["phones"]]  # type: ignore[attr-defined]
    assert "+33612345678" in phones and "+19055550100" in phones
    again = invoke("import", "contacts", str(exported))
    assert "0 created" in again.stdout


def test_tsv_is_one_line_per_contact_and_reads_back_with_csv(tmp_path: Path) -> None:
    _seed()
    out = invoke("export", "contacts", "--format", "tsv")
    lines = out.stdout.split("\n")
    assert len(lines) == 4 and lines[-1] == ""  # header, two contacts, final newline
    rows = list(csv.reader(io.StringIO(out.stdout), delimiter="\t", quoting=csv.QUOTE_NONE))
    header = rows[0]
    from crmcli.core.interchange.csv_out import restore, tsv_unescape

    helene = {h: restore(tsv_unescape(c)) for h, c in zip(header, rows[1], strict=True)}
    assert helene["notes"] == NOTE and helene["title"] == TITLE and helene["company"] == KEEP


def test_tsv_round_trip_is_exact(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    _seed()
    before = _contacts_json()
    exported = tmp_path / "out.tsv"
    invoke("export", "contacts", "--format", "tsv", "-o", str(exported))
    monkeypatch.setenv("CRM_DB", str(tmp_path / "fresh.db"))
    out = invoke("import", "contacts", str(exported))
    assert out.exit_code == 0, out.stderr
    assert _contacts_json() == before


def test_excel_gets_a_bom_and_europe_its_semicolon(tmp_path: Path) -> None:
    _seed()
    target = tmp_path / "excel.csv"
    out = invoke("export", "deals", "--excel", "--delimiter", ";", "-o", str(target))
    assert out.exit_code == 0, out.stderr
    data = target.read_bytes()
    assert data.startswith(b"\xef\xbb\xbfid;title;")
    rows = list(csv.DictReader(io.StringIO(data.decode("utf-8-sig")), delimiter=";"))
    assert [r["amount"] for r in rows] == ["1500.00", "1200.50"]
    no_bom = invoke("export", "deals").stdout
    assert not no_bom.startswith("\ufeff")


@pytest.mark.parametrize(
    ("args", "says"),
    [
        (("export", "deals", "--delimiter", ";;"), "one character"),
        (("export", "deals", "--delimiter", '"'), "cannot be"),
        (("export", "deals", "--format", "tsv", "--delimiter", ";"), "csv only"),
        (("export", "deals", "--format", "json", "--excel"), "applies to csv and tsv"),
        (("export", "contacts", "--layout", "yahoo"), "google or outlook"),
        (("export", "contacts", "--split", "somewhere"), "give --format vcard"),
    ],
)
def test_misfit_options_are_one_line_exit_2(args: tuple[str, ...], says: str) -> None:
    _seed()
    out = invoke(*args)
    assert out.exit_code == 2, out.stdout
    assert says in out.stderr and len(out.stderr.strip().splitlines()) == 1
    assert "Traceback" not in out.stderr


@pytest.mark.subprocess
def test_dash_output_is_stdout_not_a_file(tmp_path: Path) -> None:
    _seed()
    crm = Path(sys.executable).with_name("crm")
    env = {**os.environ, "CRM_DB": os.environ["CRM_DB"]}
    for kind, fmt in (("contacts", "vcard"), ("deals", "csv"), ("followups", "ics")):
        done = subprocess.run(
            [str(crm), "export", kind, "--format", fmt, "-o", "-"],
            cwd=tmp_path,
            env=env,
            capture_output=True,
            check=False,
        )
        assert done.returncode == 0, done.stderr
        assert not (tmp_path / "-").exists()
    assert (
        b"Renewal"
        in subprocess.run(
            [str(crm), "export", "deals", "-o", "-"], cwd=tmp_path, env=env, capture_output=True
        ).stdout
    )


def test_split_writes_a_vdir_that_khard_and_vobject_read(tmp_path: Path) -> None:
    vobject = pytest.importorskip("vobject")
    _seed()
    folder = tmp_path / "book"
    out = invoke("export", "contacts", "--format", "vcard", "--split", str(folder))
    assert out.exit_code == 0, out.stderr
    files = sorted(folder.glob("*.vcf"))
    assert len(files) == 2 and all(f.name.startswith("crm-contact-") for f in files)
    cards = [vobject.readOne(f.read_text(encoding="utf-8")) for f in files]
    assert sorted(c.fn.value for c in cards) == ["Bob Smith", "Hélène Dupré"]
    for card, path in zip(cards, files, strict=True):
        assert path.name == card.uid.value + ".vcf"
    config = tmp_path / "khard.conf"
    config.write_text(f"[addressbooks]\n[[crm]]\npath = {folder}\n", encoding="utf-8")
    khard = Path(sys.executable).with_name("khard")
    if not khard.exists():
        pytest.skip("khard is not installed")
    listed = subprocess.run(
        [str(khard), "-c", str(config), "email", "--parsable"],
        capture_output=True,
        text=True,
        check=False,
        env={**os.environ, "HOME": str(tmp_path), "LANG": "C.UTF-8", "LC_ALL": "C.UTF-8"},
    )
    assert listed.returncode == 0, listed.stderr
    assert "helene@example.com" in listed.stdout and "bob@example.org" in listed.stdout
    # Again: the same files, unchanged, none added; a file crm did not write stays.
    (folder / "someone-else.vcf").write_text("BEGIN:VCARD\r\nEND:VCARD\r\n", encoding="utf-8")
    again = invoke("export", "contacts", "--format", "vcard", "--split", str(folder))
    assert "0 cards written, 2 unchanged" in again.stderr
    assert len(list(folder.glob("*.vcf"))) == 3


def test_split_refuses_a_folder_that_is_not_an_address_book(tmp_path: Path) -> None:
    _seed()
    folder = tmp_path / "docs"
    folder.mkdir()
    (folder / "report.pdf").write_bytes(b"%PDF")
    out = invoke("export", "contacts", "--format", "vcard", "--split", str(folder))
    assert out.exit_code == 2 and "holds other files (report.pdf)" in out.stderr
    assert list(folder.iterdir()) == [folder / "report.pdf"]
    beside_db = Path(os.environ["CRM_DB"]).parent
    out = invoke("export", "contacts", "--format", "vcard", "--split", str(beside_db))
    assert out.exit_code == 2 and "database's folder" in out.stderr
    if Path("/proc/self").exists():  # a folder that cannot be made: one line, not a crash
        out = invoke("export", "contacts", "--format", "vcard", "--split", "/proc/crm-x")
        assert out.exit_code == 2 and out.stderr.startswith("crm: cannot make the folder")


GOOGLE_START = (
    "First Name,Middle Name,Last Name,Phonetic First Name,Phonetic Middle Name,"
    "Phonetic Last Name,Name Prefix,Name Suffix,Nickname,File As,Organization Name,"
    "Organization Title,Organization Department,Birthday,Notes,Photo,Labels,"
    "E-mail 1 - Label,E-mail 1 - Value,"
)
OUTLOOK_START = (
    '"Title","First Name","Middle Name","Last Name","Suffix","Company","Department",'
    '"Job Title","Business Street"'
)


@pytest.mark.parametrize("layout", ["google", "outlook"])
def test_layouts_carry_the_tools_headers_and_import_back_as_the_same_people(
    layout: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    _seed()
    target = tmp_path / f"{layout}.csv"
    out = invoke("export", "contacts", "--layout", layout, "-o", str(target))
    assert out.exit_code == 0, out.stderr
    header = target.read_bytes().decode("utf-8").split("\r\n", 1)[0]
    if layout == "google":
        assert header.startswith(GOOGLE_START)
    else:
        quoted = ",".join(f'"{h}"' for h in next(csv.reader(io.StringIO(header))))
        assert quoted.startswith(OUTLOOK_START) and header.endswith("Web Page,Nickname")
    again = invoke("import", "contacts", str(target))
    assert again.exit_code == 0, again.stderr
    assert f"({layout})" in again.stdout and "0 created" in again.stdout
    monkeypatch.setenv("CRM_DB", str(tmp_path / "fresh.db"))
    fresh = invoke("import", "contacts", str(target))
    assert "2 created" in fresh.stdout, fresh.stdout
    people = {r["name"]: r for r in _contacts_json()}
    helene = people["Hélène Dupré"]
    assert [e["email"] for e in helene["emails"]] == ["helene@example.com"]  # type: ignore[index]
    assert sorted(p["e164"] for p in helene["phones"]) == [  # type: ignore[index]
        "+19055550100",
        "+33612345678",
    ]


LABELLED_CARD = (
    "BEGIN:VCARD\r\nVERSION:3.0\r\nFN:Ann Example\r\nN:Example;Ann;;;\r\n"
    "EMAIL;TYPE=HOME:ann@example.org\r\nEMAIL;TYPE=WORK:ann@work.example.com\r\n"
    "TEL;TYPE=FAX:+1 212 555 0100\r\nTEL;TYPE=CELL:+44 20 7946 0958\r\n"
    "TEL:(555) not [a] number\r\nURL;TYPE=WORK:https://ann.example.org\r\nEND:VCARD\r\n"
)


@pytest.mark.parametrize("fmt", ["csv", "tsv"])
def test_csv_and_tsv_round_trips_keep_labels(db: Path, tmp_path: Path, fmt: str) -> None:
    """Each entry of the emails/phones/urls cells carries its label in square brackets
    (`+1 212 555 0100 [fax]`), so a fax comes back a fax; the primary `phone` cell stays
    one plain number for spreadsheets."""
    card = tmp_path / "ann.vcf"
    card.write_text(LABELLED_CARD, encoding="utf-8")
    assert invoke("import", "contacts", str(card)).exit_code == 0
    before = json.loads(invoke("contact", "show", "ann", "--json").stdout)
    sheet = tmp_path / f"ann.{fmt}"
    assert invoke("export", "contacts", "--format", fmt, "-o", str(sheet)).exit_code == 0
    other = tmp_path / "other.db"
    out = invoke("--db", str(other), "import", "contacts", str(sheet))
    assert out.exit_code == 0, out.stderr
    after = json.loads(invoke("--db", str(other), "contact", "show", "ann", "--json").stdout)

    def labels(person: dict[str, Any]) -> tuple[Any, ...]:
        return (
            [(e["email"], e["label"]) for e in person["emails"]],
            [(p["e164"] or p["number"], p["label"]) for p in person["phones"]],
            [(u["url"], u["kind"]) for u in person["urls"]],
        )

    assert labels(after) == labels(before)
    assert ("+12125550100", "fax") in labels(after)[1]
    # Into the same database: nothing new, nothing changed.
    again = invoke("import", "contacts", str(sheet))
    assert again.exit_code == 0 and "0 created, 0 updated" in again.stdout, again.stderr
