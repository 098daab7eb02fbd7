"""`crm sync contacts` through the CLI: bad input is one line and an exit code, nothing changed;
a real run, its dry run and its report."""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from pathlib import Path

import pytest

from tests.conftest import Result, dump

Crm = Callable[..., Result]
FIXTURES = Path(__file__).resolve().parents[1] / "fixtures" / "import"


@pytest.fixture
def book(crm: Crm, db: Path) -> Path:
    """A database with one contact (so it exists before the command runs)."""
    assert crm("contact", "add", "Anne Müller", "--email", "anne@example.com").exit_code == 0
    return db


def files(folder: Path) -> dict[str, bytes]:
    return {p.name: p.read_bytes() for p in sorted(folder.rglob("*")) if p.is_file()}


def refused(out: Result, code: int, *words: str) -> str:
    assert out.exit_code == code, (out.exit_code, out.stdout, out.stderr)
    lines = out.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("crm: "), out.stderr
    assert "Traceback" not in out.stderr and out.stdout == ""
    for word in words:
        assert word in lines[0], lines[0]
    return lines[0]


def test_a_missing_folder_is_one_line_and_nothing_changes(
    crm: Crm, book: Path, tmp_path: Path
) -> None:
    before = dump(book)
    missing = tmp_path / "no" / "such"
    refused(crm("sync", "contacts", "--vdir", str(missing)), 1, str(missing), "mkdir")
    assert dump(book) == before and not missing.exists()


def test_a_file_instead_of_a_folder_is_refused(crm: Crm, book: Path, tmp_path: Path) -> None:
    card = tmp_path / "anne.vcf"
    card.write_bytes(b"BEGIN:VCARD\r\nVERSION:3.0\r\nFN:X\r\nEND:VCARD\r\n")
    before = dump(book)
    refused(crm("sync", "contacts", "--vdir", str(card)), 2, "not a folder")
    assert dump(book) == before
    assert card.read_bytes() == b"BEGIN:VCARD\r\nVERSION:3.0\r\nFN:X\r\nEND:VCARD\r\n"


def test_a_folder_of_other_files_is_refused(crm: Crm, book: Path, tmp_path: Path) -> None:
    docs = tmp_path / "Documents"
    docs.mkdir()
    (docs / "report.pdf").write_bytes(b"%PDF-1.7")
    (docs / "notes.txt").write_text("hello")
    before, kept = dump(book), files(docs)
    refused(crm("sync", "contacts", "--vdir", str(docs)), 2, "holds other files")
    assert dump(book) == before and files(docs) == kept


def test_the_databases_own_folder_is_refused(crm: Crm, book: Path) -> None:
    before = dump(book)
    refused(crm("sync", "contacts", "--vdir", str(book.parent)), 2, "database's folder")
    assert dump(book) == before


@pytest.mark.parametrize(
    ("config", "words"),
    [
        ('[[sync.contacts]]\nvdir = "~/c"\npasword_command = "x"\n', ("unknown key", "pasword")),
        ('[[sync.contacts]]\nvdir = "~/c"\nurl = "https://x/"\n', ("exactly one of",)),
        ("[[sync.contacts]]\nsync_tag = 3\nvdir = '~/c'\n", ("sync_tag must be a string",)),
        ('[[sync.contacts]]\nvdir = "~/c"\nusername = "me"\n', ("for url (CardDAV)",)),
        ('[[sync.contacts]]\nurl = "https://me:secret@dav.example/"\n', ("password in it",)),
        ('[sync]\ncontacts = "~/c"\n', ("[[sync.contacts]]",)),
        ('[[sync.contacts]]\nvdir = "~/c"\nsync_tag = "  "\n', ("sync tag is empty",)),
    ],
)
def test_bad_config_entries_are_one_line(
    crm: Crm, book: Path, tmp_path: Path, config: str, words: tuple[str, ...]
) -> None:
    Path(tmp_path / "config.toml").write_text(config, encoding="utf-8")
    before = dump(book)
    refused(crm("sync", "contacts"), 2, *words)
    assert dump(book) == before


@pytest.mark.parametrize(
    ("args", "words"),
    [
        (("--carddav", "https://me:hunter2@dav.example.com/me/contacts/"), ("password in it",)),
        (("--carddav", "ftp://dav.example.com/"), ("https://",)),
        (("--vdir", "x", "--password-command", "pass show dav"), ("go with --carddav",)),
        (("--vdir", "x", "--username", "me"), ("go with --carddav",)),
        (("--vdir", "x", "--tag", " "), ("sync tag is empty",)),
        (("--vdir", ""), ("path is empty",)),
        ((), ("no address book", "[[sync.contacts]]")),
    ],
)
def test_bad_flags_are_one_line(
    crm: Crm, book: Path, args: tuple[str, ...], words: tuple[str, ...]
) -> None:
    before = dump(book)
    line = refused(crm("sync", "contacts", *args), 2, *words)
    assert "hunter2" not in line  # a password typed in a URL is never repeated
    assert dump(book) == before


def test_a_run_its_dry_run_and_its_report(crm: Crm, book: Path, tmp_path: Path) -> None:
    folder = tmp_path / "contacts"
    folder.mkdir()
    text = (FIXTURES / "real" / "sogo.vcf").read_text(encoding="utf-8")
    first = re.findall(r"BEGIN:VCARD.*?END:VCARD\r?\n", text, re.DOTALL)[0]
    (folder / "giulia.vcf").write_text(first, encoding="utf-8")
    before, kept = dump(book), files(folder)
    dry = crm("sync", "contacts", "--vdir", str(folder), "--dry-run")
    assert dry.exit_code == 0, dry.stderr
    assert "create here   Giulia Bianchi  (giulia.vcf)" in dry.stdout
    assert "create there  #1 Anne Müller" in dry.stdout
    assert "would change: crm 1 new; cards 1 new; 0 conflict(s)" in dry.stderr
    assert dump(book) == before and files(folder) == kept
    done = crm("sync", "contacts", "--vdir", str(folder), "--json")
    assert done.exit_code == 0, done.stderr
    (doc,) = json.loads(done.stdout)["sources"]
    assert doc["source"] == f"vdir:{folder}"
    assert (doc["new"], doc["here"]["new"], doc["there"]["new"], doc["conflicts"]) == (2, 1, 1, 0)
    assert doc["batches"] == 1 and "plan" not in doc
    again = crm("sync", "contacts", "--vdir", str(folder))
    assert again.exit_code == 0 and again.stdout == ""
    assert again.stderr.strip() == f"vdir:{folder}: crm unchanged; cards unchanged; 0 conflict(s)"
    status = json.loads(crm("sync", "--status", "--json").stdout)
    (row,) = [s for s in status if s["kind"] == "contacts"]
    assert row["items"] == 2 and row["error"] is None
    undone = crm("undo")
    assert undone.exit_code == 0, undone.stderr
    assert "Giulia" not in crm("contact", "list").stdout


def test_configured_sources_with_their_tag(crm: Crm, book: Path, tmp_path: Path) -> None:
    folder = tmp_path / "phone"
    folder.mkdir()
    assert crm("contact", "add", "Bob Phone", "--tag", "phone").exit_code == 0
    (tmp_path / "config.toml").write_text(
        f'[[sync.contacts]]\nvdir = "{folder}"\nsync_tag = "phone"\n', encoding="utf-8"
    )
    out = crm("sync", "contacts")
    assert out.exit_code == 0, out.stderr
    assert [p.read_text(encoding="utf-8").count("FN:Bob Phone") for p in folder.iterdir()] == [1]
    # --tag overrides the configured one: Bob is out of that scope, and his card, which
    # crm made, would be taken off the phone (a dry run: nothing is).
    out = crm("sync", "contacts", "--tag", "nobody-has-this", "--dry-run")
    assert out.exit_code == 0, out.stderr
    assert "delete there  #2 Bob Phone" in out.stdout
    assert len(list(folder.iterdir())) == 1
