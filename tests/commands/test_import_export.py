"""Importing from other tools' files and exporting through pipes, on real files."""

from __future__ import annotations

import csv
import io
import json
import sqlite3
from pathlib import Path

import pytest

from tests.conftest import dump, invoke

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures" / "import"


def q(db: Path, sql: str) -> list[tuple[object, ...]]:
    conn = sqlite3.connect(db)
    try:
        return conn.execute(sql).fetchall()
    finally:
        conn.close()


def seed() -> None:
    assert (
        invoke(
            "contact",
            "add",
            "Hélène Dupré",
            "-e",
            "helene@acme.fr",
            "-p",
            "06 12 34 56 78",
            "-c",
            "Acme",
            "--tag",
            "vip",
            "--title",
            "CFO",
            "--note",
            "Line one\nLine two 👩‍💻",
            "--birthday",
            "--03-14",
            "--url",
            "https://www.linkedin.com/in/hdupre/",
        ).exit_code
        == 0
    )
    assert (
        invoke(
            "contact",
            "add",
            "Marc Dupree",
            "-e",
            "marc@globex.com",
            "-e",
            "m.dupree@home.example",
            "-c",
            "Globex",
            "--status",
            "customer",
            "--source",
            "referral",
        ).exit_code
        == 0
    )
    assert invoke("contact", "edit", "marc", "--every", "30d", "--dnc").exit_code == 0
    assert invoke("contact", "add", "王小明", "-p", "+86 138 0013 8000").exit_code == 0


def comparable(view: dict[str, object]) -> dict[str, object]:
    """What must survive a round trip (ids, times and owners may differ)."""
    skip = {"id", "company_id", "created_at", "updated_at", "last_touch_at", "owner"}
    out = {k: v for k, v in view.items() if k not in skip}
    out["phones"] = [p["e164"] or p["number"] for p in view["phones"]]  # type: ignore[union-attr]
    out["emails"] = [e["email"] for e in view["emails"]]  # type: ignore[union-attr]
    out["urls"] = [u["url"] for u in view["urls"]]  # type: ignore[union-attr]
    return out


def all_contacts() -> list[dict[str, object]]:
    out = invoke("export", "contacts", "--format", "json")
    assert out.exit_code == 0, out.stderr
    return sorted((comparable(v) for v in json.loads(out.stdout)), key=lambda v: str(v["name"]))


@pytest.mark.parametrize("fmt", ["json", "jsonl", "csv"])
def test_round_trip_into_an_empty_database(
    fmt: str, tmp_path: Path, db: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    seed()
    before = all_contacts()
    exported = tmp_path / f"contacts.{fmt}"
    assert invoke("export", "contacts", "--format", fmt, "-o", str(exported)).exit_code == 0
    monkeypatch.setenv("CRM_DB", str(tmp_path / "fresh.db"))
    out = invoke("import", "contacts", str(exported))
    assert out.exit_code == 0, out.stderr
    assert "3 created, 0 updated" in out.stdout
    assert all_contacts() == before
    again = invoke("import", "contacts", str(exported))  # a second import changes nothing
    assert "0 created" in again.stdout and "3 already up to date" in again.stdout
    assert len(all_contacts()) == 3


def test_export_csv_columns_and_pipes(db: Path) -> None:
    seed()
    out = invoke("export", "contacts")
    rows = list(csv.DictReader(io.StringIO(out.stdout)))
    assert list(rows[0]) == [
        "id",
        "name",
        "prefix",
        "first_name",
        "middle_name",
        "last_name",
        "suffix",
        "company",
        "title",
        "email",
        "emails",
        "phone",
        "phones",
        "urls",
        "tags",
        "status",
        "lead_source",
        "birthday",
        "do_not_contact",
        "cadence_days",
        "last_touch_at",
        "notes",
        "custom_fields",
        "external_ids",
        "addresses",
        "nickname",  # schema v6
        "relations",
        "dates",
        "handles",
        "created_at",
        "updated_at",
    ]
    marc = next(r for r in rows if r["name"] == "Marc Dupree")
    assert marc["emails"] == "marc@globex.com; m.dupree@home.example"
    assert marc["email"] == "marc@globex.com" and marc["do_not_contact"] == "yes"
    helene = next(r for r in rows if r["name"] == "Hélène Dupré")
    # A yearless birthday starts with "-": a spreadsheet would compute --03-14 = -11, so
    # it is neutralised like any formula-looking cell (crm's own import takes the ' off).
    assert helene["phone"] == "+33 6 12 34 56 78" and helene["birthday"] == "'--03-14"
    assert helene["notes"] == "Line one\nLine two 👩‍💻"
    assert out.stdout.endswith("\r\n")  # RFC 4180 line ends
    lines = invoke("export", "contacts", "--format", "jsonl").stdout.splitlines()
    assert len(lines) == 3 and all(json.loads(line)["name"] for line in lines)
    tsv = invoke("export", "contacts", "--format", "tsv", "--tag", "vip").stdout
    table = list(csv.reader(io.StringIO(tsv), delimiter="\t", quoting=csv.QUOTE_NONE))
    assert len(table) == 2 and table[1][1] == "Hélène Dupré"
    assert table[1][21] == "Line one\\nLine two 👩‍💻"  # IANA TSV: a line break escaped


def test_export_neutralises_formulas_but_not_phones(db: Path) -> None:
    invoke(
        "contact",
        "add",
        '=HYPERLINK("http://evil")',
        "-p",
        "+33 6 12 34 56 78",
        "--note",
        "-1+2",
        "--title",
        "@SUM(A1)",
        "--tag",
        "+tag",
    )
    rows = list(csv.DictReader(io.StringIO(invoke("export", "contacts").stdout)))
    row = rows[0]
    assert row["name"] == '\'=HYPERLINK("http://evil")'
    assert row["title"] == "'@SUM(A1)" and row["notes"] == "'-1+2" and row["tags"] == "'+tag"
    assert row["phone"] == "+33 6 12 34 56 78" and row["phones"] == "+33 6 12 34 56 78"
    raw = next(csv.DictReader(io.StringIO(invoke("export", "contacts", "--raw").stdout)))
    assert raw["name"] == '=HYPERLINK("http://evil")'
    js = json.loads(invoke("export", "contacts", "--format", "json").stdout)[0]
    assert js["name"] == '=HYPERLINK("http://evil")'  # JSON is never altered


@pytest.mark.parametrize("backend", ["sqlite", "postgresql"], indirect=True)
@pytest.mark.subprocess
def test_a_big_import_on_either_backend(backend: str, tmp_path: Path) -> None:
    """Past the parallel threshold, with people met twice: ids are the first free one
    plus the row's place in the file (a duplicate leaves its id unused), every child row
    is attached, and `find` reaches them by name, address, number and company word."""
    invoke("contact", "add", "Early Bird", "-e", "early@x.org")
    lines = ["Name,Email,Phone,Company"]
    for i in range(2600):
        lines.append(
            f"Person {i},p{i}@x.org,06 12 {i // 100 % 100:02d} {i % 100:02d} 10,Co{i % 5} SAS"
        )
        if i % 500 == 1:
            lines.append(f"Person {i},P{i}@X.org,,")  # the same person again
    sheet = tmp_path / "big.csv"
    sheet.write_text("\n".join(lines) + "\n", encoding="utf-8")
    out = invoke("import", "contacts", str(sheet))
    assert out.exit_code == 0, out.stderr
    assert "2600 created, 0 updated" in out.stdout and "6 already up to date" in out.stdout
    rows = json.loads(invoke("export", "contacts", "--format", "json").stdout)
    ids = {r["name"]: r["id"] for r in rows}
    first = ids["Early Bird"] + 1
    assert ids["Person 0"] == first and ids["Person 1"] == first + 1
    assert ids["Person 2"] == first + 3  # row 3 was Person 1 again: its id is not used
    assert len(set(ids.values())) == len(rows) == 2601
    person = next(r for r in rows if r["name"] == "Person 2599")
    assert person["emails"][0]["email"] == "p2599@x.org"
    assert person["phones"][0]["e164"] == "+33612259910" and person["company"] == "Co4 SAS"
    for query in ("person 2599", "p2599@x.org", "06 12 25 99 10", "co4 2599"):
        found = invoke("find", query, "--json")
        assert [h["name"] for h in json.loads(found.stdout)] == ["Person 2599"], query


@pytest.mark.parametrize("backend", ["sqlite", "postgresql"], indirect=True)
def test_interaction_export_neutralises_like_every_other_export(backend: str) -> None:
    """The interaction CSV is neutralised by the database on SQLite, in Python on a
    server: both must agree with `neutralise` cell for cell, and --raw alters nothing."""
    from crmcli.core.interchange.exporting import neutralise

    invoke("contact", "add", "=Evil Name")
    summaries = [
        '=HYPERLINK("http://evil")',
        "@SUM(A1)",
        "+33 6 12 34 56 78",
        "-42",
        "+cmd|' /C calc'!A0",
        "-1+2",
        "plain, with a comma",
    ]
    for text in summaries:
        out = invoke("log", "note", "=Evil Name", "--", text)
        assert out.exit_code == 0, out.stderr
    for fmt, delimiter in (("csv", ","), ("tsv", "\t")):
        text = invoke("export", "interactions", "--format", fmt).stdout
        rows = list(csv.DictReader(io.StringIO(text), delimiter=delimiter))
        assert [r["summary"] for r in rows] == [neutralise(s) for s in summaries]
        assert {r["contact"] for r in rows} == {"'=Evil Name"}
        assert {r["kind"] for r in rows} == {"note"}
    raw = list(csv.DictReader(io.StringIO(invoke("export", "interactions", "--raw").stdout)))
    assert [r["summary"] for r in raw] == summaries and raw[0]["contact"] == "=Evil Name"


def test_export_other_entities(db: Path, tmp_path: Path) -> None:
    seed()
    invoke("log", "call", "marc", 'Pricing, again; "quotes"')
    invoke(
        "deal",
        "add",
        "Globex renewal",
        "--contact",
        "marc",
        "--amount",
        "12 000,50",
        "--currency",
        "EUR",
    )
    invoke("followup", "add", "marc", "tomorrow", "Call back")
    deals = list(csv.DictReader(io.StringIO(invoke("export", "deals").stdout)))
    assert deals[0]["amount"] == "12000.50" and deals[0]["contact_email"] == "marc@globex.com"
    inter = list(csv.DictReader(io.StringIO(invoke("export", "interactions").stdout)))
    assert inter[0]["summary"] == 'Pricing, again; "quotes"'
    companies = json.loads(invoke("export", "companies", "--format", "json").stdout)
    assert {c["name"] for c in companies} == {"Acme", "Globex"}
    target = tmp_path / "out.csv"
    assert invoke("export", "followups", "-o", str(target)).exit_code == 0
    assert "Call back" in target.read_text(encoding="utf-8")
    assert not list(tmp_path.glob(".*crm-tmp"))


def test_export_to_an_unwritable_place_is_a_clear_error(db: Path, tmp_path: Path) -> None:
    seed()
    out = invoke("export", "contacts", "-o", str(tmp_path / "missing" / "x.csv"))
    assert out.exit_code == 2 and "cannot write" in out.stderr


def test_import_bad_inputs_change_nothing(db: Path, tmp_path: Path) -> None:
    seed()
    before = dump(db)
    empty = tmp_path / "empty.csv"
    empty.write_bytes(b"")
    binary = tmp_path / "logo.csv"
    binary.write_bytes(b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR" + bytes(range(256)))
    header_only = tmp_path / "header.csv"
    header_only.write_text("First Name,Last Name,Email\n", encoding="utf-8")
    cases = [
        (("import", "contacts", str(tmp_path / "nope.csv")), "no such file"),
        (("import", "contacts", str(empty)), "empty"),
        (("import", "contacts", str(binary)), "binary"),
        (("import", "contacts", str(header_only), "--map", "Email=favourite_colour"), "field"),
        (("import", "contacts", str(header_only), "--on-duplicate", "merge"), "--on-duplicate"),
        (("import", "contacts", str(tmp_path)), "folder"),
    ]
    for args, needle in cases:
        out = invoke(*args)
        assert out.exit_code == 2, (args, out.stderr)
        assert needle in out.stderr, (args, out.stderr)
        assert len(out.stderr.strip().splitlines()) == 1 and "Traceback" not in out.stderr
    out = invoke("import", "contacts", str(header_only))
    assert out.exit_code == 0 and "0 created" in out.stdout
    assert dump(db) == before


def test_import_from_stdin_and_dry_run(db: Path) -> None:
    seed()
    before = dump(db)
    data = "Name,Email,Phone\nAnn Lee,ann@lee.example,0612340000\nHélène Dupré,helene@acme.fr,\n"
    out = invoke("import", "contacts", "-", "--dry-run", input=data)
    assert out.exit_code == 0, out.stderr
    assert out.stdout == (
        "would import stdin (spreadsheet): 1 created, 0 updated, 0 skipped, "
        "0 rejected, 1 already up to date\n"
    )
    assert dump(db) == before
    out = invoke("import", "contacts", "-", "--json", input=data)
    summary = json.loads(out.stdout)
    assert (summary["created"], summary["unchanged"] + summary["updated"]) == (1, 1)


def test_dry_run_never_creates_the_database(db: Path) -> None:
    out = invoke("import", "contacts", "-", "--dry-run", input="Name,Email\nAnn,ann@x.org\n")
    assert out.exit_code == 0 and "would import" in out.stdout and "1 created" in out.stdout
    assert not db.exists()


def test_duplicates_update_without_overwriting(db: Path, tmp_path: Path) -> None:
    seed()
    sheet = tmp_path / "sheet.csv"
    sheet.write_text(
        "Name,Email,Phone,Company,Job Title,Tags\n"
        "Hélène Dupré,HELENE@ACME.FR,+33 6 99 99 99 99,Other Co,CEO,newsletter\n"  # same email
        "Helene Dupre,,06 12 34 56 78,,,\n"  # same name and phone
        "Someone Else,helene@acme.fr,,,,\n"  # shared mailbox, clearly different name
        "Ann Switchboard,,06 12 34 56 78,,,\n",  # a phone alone never merges
        encoding="utf-8",
    )
    out = invoke("import", "contacts", str(sheet))
    assert out.exit_code == 0, out.stderr
    assert "2 created, 1 updated" in out.stdout and "1 already up to date" in out.stdout
    # The shared mailbox now names two people: by email the REF is ambiguous, by id it is not.
    assert invoke("contact", "show", "helene@acme.fr").exit_code == 1
    helene = json.loads(invoke("contact", "show", "1", "--json").stdout)
    assert helene["title"] == "CFO" and helene["company"] == "Acme"  # never overwritten
    assert [p["e164"] for p in helene["phones"]] == ["+33612345678", "+33699999999"]
    assert helene["tags"] == ["newsletter", "vip"]
    assert q(db, "SELECT count(*) FROM contact") == [(5,)]
    out = invoke("import", "contacts", str(sheet), "--on-duplicate", "skip")
    assert "0 created, 0 updated, 4 skipped" in out.stdout  # all four are known now


def test_import_is_atomic_when_interrupted(
    db: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    seed()
    before = dump(db)
    sheet = tmp_path / "s.csv"
    sheet.write_text(
        "Name,Email\n" + "".join(f"P{i},p{i}@x.org\n" for i in range(50)), encoding="utf-8"
    )
    from crmcli.core.interchange.importing import writer as import_writer

    calls = {"n": 0}
    original = import_writer.ContactWriter.write

    def failing(self, row):  # type: ignore[no-untyped-def]
        calls["n"] += 1
        if calls["n"] == 30:
            raise KeyboardInterrupt
        return original(self, row)

    monkeypatch.setattr(import_writer.ContactWriter, "write", failing)
    out = invoke("import", "contacts", str(sheet))
    assert out.exit_code != 0
    assert dump(db) == before


@pytest.mark.subprocess
def test_a_big_import_failing_late_leaves_nothing_behind(
    db: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Past the worker-process threshold and past five 1,000-contact bulk writes: a
    failure at row 5,500 still rolls everything back, the first batches included."""
    seed()
    before = dump(db)
    sheet = tmp_path / "big.csv"
    sheet.write_text(
        "Name,Email,Phone\n"
        + "".join(
            f"P{i},p{i}@x.org,06 12 {i // 100 % 100:02d} {i % 100:02d} 10\n" for i in range(6000)
        ),
        encoding="utf-8",
    )
    from crmcli.core.interchange.importing import writer as import_writer

    calls = {"n": 0}
    original = import_writer.ContactWriter.write

    def failing(self, row):  # type: ignore[no-untyped-def]
        calls["n"] += 1
        if calls["n"] == 5500:
            raise RuntimeError("disk on fire")
        return original(self, row)

    monkeypatch.setattr(import_writer.ContactWriter, "write", failing)
    triggers = q(db, "SELECT name, sql FROM sqlite_master WHERE type = 'trigger'")
    out = invoke("import", "contacts", str(sheet))
    assert out.exit_code != 0
    assert calls["n"] == 5500
    assert dump(db) == before
    assert q(db, "SELECT name, sql FROM sqlite_master WHERE type = 'trigger'") == triggers


@pytest.mark.subprocess
def test_a_big_import_leaves_every_row_attached_and_every_note_searchable(
    db: Path, tmp_path: Path
) -> None:
    """The bulk path skips per-row foreign-key checks and indexes notes without the
    insert trigger: what it writes must still hold together, the full-text index must
    match the notes exactly (a person met twice gets the second row's notes), and the
    checks and the trigger must come back."""
    seed()
    triggers = "SELECT name, sql FROM sqlite_master WHERE type = 'trigger' ORDER BY name"
    before = q(db, triggers)
    lines = ["Name,Email,Phone,Company,Tags,Notes"]
    for i in range(6000):
        note = f"met at booth {i}" if i % 3 == 0 else ""
        phone = f"06 12 {i // 100 % 100:02d} {i % 100:02d} 10"
        lines.append(f"Person {i},p{i}@x.org,{phone},Co {i % 7},t{i % 4},{note}")
    lines.append("Person 1,p1@x.org,,,,came back to stand 77")  # in the first batch
    sheet = tmp_path / "big.csv"
    sheet.write_text("\n".join(lines) + "\n", encoding="utf-8")
    out = invoke("import", "contacts", str(sheet))
    assert out.exit_code == 0, out.stderr
    assert "6000 created, 1 updated" in out.stdout
    assert q(db, triggers) == before
    conn = sqlite3.connect(db)
    try:
        # The index is sound (this raises if not) and holds exactly the contacts with
        # notes (contacts without any are left out of it by design).
        conn.execute("INSERT INTO contact_fts (contact_fts) VALUES ('integrity-check')")
        indexed = conn.execute("SELECT id FROM contact_fts_docsize ORDER BY id").fetchall()
        assert (
            indexed
            == conn.execute("SELECT id FROM contact WHERE notes IS NOT NULL ORDER BY id").fetchall()
        )
        assert conn.execute("PRAGMA foreign_key_check").fetchall() == []
        orphans = conn.execute(
            "SELECT count(*) FROM search_term WHERE contact_id NOT IN (SELECT id FROM contact)"
        ).fetchone()
        assert orphans == (0,)
        noted = conn.execute(
            "SELECT count(*) FROM contact_fts WHERE contact_fts MATCH 'booth'"
        ).fetchone()
        assert noted == (2000,)
    finally:
        conn.close()
    found = invoke("search", "booth 2997")
    assert "Person 2997" in found.stdout
    assert "Person 1" in invoke("search", "stand 77").stdout
    # The importing connection enforces foreign keys again once its import is done.
    from crmcli.core.config import Config
    from crmcli.core.db.opening import open_store
    from crmcli.core.interchange.importing.contacts import import_contacts
    from crmcli.core.interchange.importing.options import ImportOptions
    from crmcli.core.interchange.records import ContactRecord

    store = open_store(str(db), Config({}, tmp_path / "c.toml"), write=True)
    try:
        record = ContactRecord(line=2, full_name="Late Comer", emails=[("late@x.org", None)])
        summary = import_contacts(store, [record], ImportOptions(), on_reject=print)
        assert summary.created == 1
        assert store.conn.execute("PRAGMA foreign_keys").fetchone() == (1,)
    finally:
        store.close()


@pytest.mark.subprocess
def test_a_big_vcard_file_is_prepared_in_the_worker_processes(db: Path, tmp_path: Path) -> None:
    """Past the parallel threshold, records that are not plain rows (vCards) still cross
    to the workers and back; ids are unique and every child row is attached."""
    cards = (
        "".join(
            f"BEGIN:VCARD\r\nVERSION:3.0\r\nFN:Card {i}\r\nEMAIL:card{i}@x.org\r\n"
            f"TEL:06 12 {i // 100 % 100:02d} {i % 100:02d} 10\r\nEND:VCARD\r\n"
            for i in range(2500)
        )
        + "BEGIN:VCARD\r\nVERSION:3.0\r\nFN:Card 7\r\nEMAIL:card7@x.org\r\nEND:VCARD\r\n"
    )
    path = tmp_path / "big.vcf"
    path.write_text(cards, encoding="utf-8")
    out = invoke("import", "contacts", str(path))
    assert out.exit_code == 0, out.stderr
    assert "2500 created" in out.stdout
    conn = sqlite3.connect(db)
    try:
        rows = conn.execute(
            "SELECT c.display_name, e.email FROM contact c JOIN contact_email e "
            "ON e.contact_id = c.id WHERE c.display_name LIKE 'Card %'"
        ).fetchall()
        assert len(rows) == 2500
        assert all(email == f"card{name.split()[1]}@x.org" for name, email in rows)
        assert conn.execute("PRAGMA foreign_key_check").fetchall() == []
    finally:
        conn.close()


@pytest.mark.subprocess
def test_a_failing_worker_process_fails_the_import_in_one_line(
    db: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A bug in a worker process (past the parallel threshold) is one clean error, and
    the database is left as it was."""
    from crmcli.core.interchange.importing import workers as import_workers

    seed()
    before = dump(db)
    sheet = tmp_path / "big.csv"
    sheet.write_text(
        "Name,Email\n" + "".join(f"P{i},p{i}@x.org\n" for i in range(5000)), encoding="utf-8"
    )
    original = import_workers._prepare_chunk

    def failing(chunk, region, convert):  # type: ignore[no-untyped-def]
        if any(item[1][0] == "P4321" for item in chunk[1]):  # a row the workers get
            raise ValueError("cannot read this row")
        return original(chunk, region, convert)

    monkeypatch.setattr(import_workers, "_prepare_chunk", failing)
    out = invoke("import", "contacts", str(sheet))
    assert out.exit_code != 0
    assert out.stderr.count("\n") == 1 and "cannot read this row" in out.stderr, out.stderr
    assert "Traceback" not in out.stderr
    assert dump(db) == before


def test_rejects_are_reported_and_written_beside_the_input(db: Path, tmp_path: Path) -> None:
    sheet = tmp_path / "people.csv"
    sheet.write_text(
        "Name,Email,Notes\nAnn Lee,ann@x.org,fine\n,,only a note\nBob,bob@x.org,a,too,many\n\n,,\n",
        encoding="utf-8",
    )
    out = invoke("import", "contacts", str(sheet))
    assert out.exit_code == 0, out.stderr
    assert "1 created, 0 updated, 0 skipped, 2 rejected" in out.stdout
    assert "line 3:" in out.stderr and "line 4:" in out.stderr
    rejects = list(csv.reader((tmp_path / "people.rejects.csv").open(encoding="utf-8")))
    assert rejects[0] == ["line", "reason", "Name", "Email", "Notes"]
    assert [r[0] for r in rejects[1:]] == ["3", "4"]
    strict = invoke("import", "contacts", str(sheet), "--strict")
    assert strict.exit_code == 2 and "line 3" in strict.stderr


@pytest.mark.subprocess
@pytest.mark.slow
def test_duplicates_are_found_across_chunks_batches_and_workers(db: Path, tmp_path: Path) -> None:
    """A person met again in the same chunk, a later chunk or a later batch is one contact.

    12,000 rows: past the parallel threshold, over several 1,000-row chunks, each its
    own write batch; and a shared mailbox with two different names.
    """
    lines = ["Name,Email,Phone,Tags"]
    for i in range(10_000):
        lines.append(f"Person {i},p{i}@x.org,06 12 {i // 100:02d} {i % 100:02d} 10,")
        if i % 997 == 0:  # met again at once, in the same chunk
            lines.append(f"Person {i},P{i}@X.org,,adjacent")
    lines += [
        f"Person {i},,06 12 {i // 100:02d} {i % 100:02d} 10,again" for i in range(1, 10_000, 5)
    ]
    lines += ["Ann Lee,contact@shop.org,,", "Bob Stone,contact@shop.org,,"]
    sheet = tmp_path / "many.csv"
    sheet.write_text("\n".join(lines) + "\n", encoding="utf-8")
    out = invoke("import", "contacts", str(sheet))
    assert out.exit_code == 0, out.stderr
    assert "10002 created, 2011 updated" in out.stdout
    assert q(db, "SELECT count(*) FROM contact") == [(10_002,)]
    tags = q(
        db,
        "SELECT group_concat(t.tag_key, ' ') FROM contact_tag t JOIN contact_email e "
        "ON e.contact_id = t.contact_id WHERE e.email_norm = 'p2991@x.org' ORDER BY t.tag_key",
    )
    assert sorted(str(tags[0][0]).split()) == ["adjacent", "again"]
    again = invoke("import", "contacts", str(sheet))
    assert "0 created" in again.stdout and q(db, "SELECT count(*) FROM contact") == [(10_002,)]
