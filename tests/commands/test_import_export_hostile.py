"""Hostile real-world input to import: what a broken, huge or odd file does to crm.

The bar: one clear line on stderr and exit 2 for a refused file, the database untouched
(compared as a dump), never a traceback; and a file crm can read is read without losing
or garbling what the rest of it holds. Each case here broke before: the note says how.
"""

from __future__ import annotations

import base64
import contextlib
import json
import os
import threading
import time
from pathlib import Path
from typing import Any

import pytest

from tests.conftest import dump, invoke


def people() -> dict[str, dict[str, Any]]:
    out = invoke("export", "contacts", "--format", "json")
    assert out.exit_code == 0, out.stderr
    return {str(c["name"]): c for c in json.loads(out.stdout)}


def seeded(db: Path) -> str:
    out = invoke("contact", "add", "Ada Lovelace", "--email", "ada@example.com")
    assert out.exit_code == 0, out.stderr
    return dump(db)


def _jpeg(size: int) -> bytes:
    """Bytes that start like a JPEG (the importer stores them as given, never decodes)."""
    return b"\xff\xd8\xff\xe0" + bytes(range(256)) * (size // 256)


def _ldif(photo: bytes, *, name: str = "Bea Photo") -> str:
    """One Thunderbird-shaped LDIF entry with a directory's jpegPhoto, folded at 76 columns
    (RFC 2849: continuation lines start with one space)."""
    b64 = base64.b64encode(photo).decode()
    folded = "\n ".join(b64[i : i + 76] for i in range(0, len(b64), 76))
    return (
        f"dn: cn={name},mail=bea@example.org\n"
        "objectclass: top\nobjectclass: person\nobjectclass: organizationalPerson\n"
        "objectclass: inetOrgPerson\nobjectclass: mozillaAbPersonAlpha\n"
        f"givenName: Bea\nsn: Photo\ncn: {name}\nmail: bea@example.org\n"
        f"jpegPhoto:: {folded}\n\n"
    )


# -- LDIF: a directory export's photo ------------------------------------------------------
# Before: every folded line was joined to the value so far (a copy of the whole value
# each time), so a 4 MB base64 photo took minutes; and the photo itself was "not valid
# base64 UTF-8", a warning about a picture that was never kept.


def test_an_ldif_photo_is_kept_as_the_contacts_picture(tmp_path: Path) -> None:
    photo = _jpeg(200_000)
    path = tmp_path / "directory.ldif"
    path.write_text(_ldif(photo), encoding="utf-8", newline="\n")
    out = invoke("import", "contacts", str(path))
    assert out.exit_code == 0, out.stderr
    assert "base64" not in out.stderr
    card = invoke("export", "contacts", "--format", "vcard").stdout
    unfolded = card.replace("\r\n ", "")
    assert base64.b64encode(photo).decode() in unfolded


def test_an_ldif_photo_over_the_cap_is_named_and_read_in_seconds(tmp_path: Path) -> None:
    path = tmp_path / "directory.ldif"
    path.write_text(_ldif(_jpeg(3 << 20)), encoding="utf-8", newline="\n")
    started = time.monotonic()
    out = invoke("import", "contacts", str(path))
    assert time.monotonic() - started < 10  # minutes before (quadratic unfolding)
    assert out.exit_code == 0, out.stderr
    assert "not imported: jpegphoto: the image is 3.0 MiB, over the 2 MiB kept" in out.stderr
    assert "Bea Photo" in people()


# -- vCard ---------------------------------------------------------------------------------


def test_a_vcard_photo_over_the_cap_is_named_not_stored(tmp_path: Path) -> None:
    """Before: a 3 MiB camera original went into the database (and every backup, export)."""
    b64 = base64.b64encode(_jpeg(3 << 20)).decode()
    folded = "\r\n ".join(b64[i : i + 74] for i in range(0, len(b64), 74))
    path = tmp_path / "big-photo.vcf"
    path.write_bytes(
        (
            "BEGIN:VCARD\r\nVERSION:3.0\r\nN:Photo;Carl;;;\r\nFN:Carl Photo\r\n"
            f"EMAIL;TYPE=INTERNET:carl@example.com\r\nPHOTO;ENCODING=b;TYPE=JPEG:{folded}\r\n"
            "END:VCARD\r\n"
        ).encode()
    )
    out = invoke("import", "contacts", str(path))
    assert out.exit_code == 0, out.stderr
    assert "not imported: PHOTO: the image is 3.0 MiB, over the 2 MiB kept" in out.stderr
    assert "PHOTO" not in invoke("export", "contacts", "--format", "vcard").stdout


def test_a_card_whose_begin_line_was_lost_is_read_and_named(tmp_path: Path) -> None:
    """Before: lines up to a lone END:VCARD were skipped as junk: a person gone, no word."""
    path = tmp_path / "cut.vcf"
    path.write_bytes(
        b"VERSION:3.0\r\nN:Lost;Dana;;;\r\nFN:Dana Lost\r\nEMAIL:dana@example.com\r\nEND:VCARD\r\n"
        b"BEGIN:VCARD\r\nVERSION:3.0\r\nN:Kept;Eli;;;\r\nFN:Eli Kept\r\nEND:VCARD\r\n"
    )
    out = invoke("import", "contacts", str(path))
    assert out.exit_code == 0, out.stderr
    assert "no BEGIN:VCARD before line 5" in out.stderr
    assert {"Dana Lost", "Eli Kept"} <= set(people())


# -- encodings: a UTF-8 file with one line from elsewhere ----------------------------------


def test_a_utf8_csv_with_one_cp1252_line_keeps_every_other_name(tmp_path: Path) -> None:
    """Before: the whole file was read as cp1250 ('ZoĂ« MĂĽller'), every name garbled."""
    path = tmp_path / "merged.csv"
    path.write_bytes(
        b"Name,Email\r\n"
        + "Zoë Müller,zoe@example.com\r\nJürgen Groß,jurgen@example.com\r\n".encode()
        + "René Çelik,rene@example.com\r\n".encode()
        + b"Caf\xe9 Owner,cafe@example.com\r\n"  # pasted from a Windows-1252 file
    )
    out = invoke("import", "contacts", str(path))
    assert out.exit_code == 0, out.stderr
    assert "is UTF-8 but for line 5" in out.stderr and "cp1252" in out.stderr
    assert {"Zoë Müller", "Jürgen Groß", "René Çelik", "Café Owner"} <= set(people())


def test_a_utf8_ldif_with_one_stray_byte_keeps_every_other_name(tmp_path: Path) -> None:
    """Before: one byte that is not UTF-8 made the whole LDIF read as cp1252."""
    entry = (
        "dn: cn={0},mail={1}\nobjectclass: top\nobjectclass: person\n"
        "objectclass: inetOrgPerson\ncn: {0}\nmail: {1}\n\n"
    )
    path = tmp_path / "book.ldif"
    path.write_bytes(
        entry.format("Zoë Müller", "zoe@example.com").encode()
        + entry.format("Ren\xe9 Stray", "rene@example.com").encode("cp1252")
    )
    out = invoke("import", "contacts", str(path))
    assert out.exit_code == 0, out.stderr
    assert {"Zoë Müller", "René Stray"} <= set(people())


# -- CSV shapes ----------------------------------------------------------------------------


def test_a_header_of_100000_columns_is_refused_for_what_it_is(tmp_path: Path, db: Path) -> None:
    """Before: "is empty (no header row)" about a 1.4 MB file."""
    before = seeded(db)
    path = tmp_path / "wide.csv"
    cols = range(100_000)
    path.write_text(",".join(f"C{i}" for i in cols) + "\n" + ",".join(f"v{i}" for i in cols))
    out = invoke("import", "contacts", str(path))
    assert out.exit_code == 2
    assert out.stderr.strip().count("\n") == 0 and "Traceback" not in out.stderr
    assert "no header row in its first 256 KiB" in out.stderr and "empty" not in out.stderr
    assert dump(db) == before


def test_a_nul_byte_deep_in_a_csv_is_removed_and_named(tmp_path: Path) -> None:
    """Past the first 64 KiB a NUL is not "binary file": before, it was stored inside the
    name, which every C-string reader (sqlite3's shell, many exporters) cut at `Nul`."""
    path = tmp_path / "padded.csv"
    rows = b"".join(b"Person %d,p%d@example.com\r\n" % (i, i) for i in range(4000))
    path.write_bytes(b"Name,Email\r\n" + rows + b"Nul\x00Person,nul@example.com\r\n")
    out = invoke("import", "contacts", str(path))
    assert out.exit_code == 0, out.stderr
    assert "NUL characters removed from line 4002" in out.stderr
    assert "NulPerson" in people()


# -- sources that are not regular files ----------------------------------------------------


def _fifo(tmp_path: Path, data: bytes) -> Path:
    path = tmp_path / "pipe"
    os.mkfifo(path)

    def write() -> None:
        with contextlib.suppress(BrokenPipeError), path.open("wb") as fifo:
            fifo.write(data)  # a refusal closes the pipe early: that is the point

    threading.Thread(target=write, daemon=True).start()
    return path


@pytest.mark.skipif(not hasattr(os, "mkfifo"), reason="no named pipes here")
def test_a_named_pipe_is_imported_like_a_file(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """`crm import contacts <(iconv -f cp1252 old.csv)`: before, an internal error (the
    pipe cannot seek); and a rejects file must not be put beside /dev/fd/63."""
    monkeypatch.chdir(tmp_path)
    data = b"Name,Email,Notes\nFay Piped,fay@example.com,\n,,only a note\n"
    out = invoke("import", "contacts", str(_fifo(tmp_path, data)))
    assert out.exit_code == 0, out.stderr
    assert "1 created" in out.stdout and "1 rejected" in out.stdout
    assert "Fay Piped" in people()
    assert (tmp_path / "crm-import.rejects.csv").exists()


@pytest.mark.skipif(not hasattr(os, "mkfifo"), reason="no named pipes here")
def test_a_pipe_of_zeros_is_refused_at_once(tmp_path: Path, db: Path) -> None:
    """/dev/zero through a pipe: refused by its first bytes, not copied without end."""
    before = seeded(db)
    out = invoke("import", "contacts", str(_fifo(tmp_path, bytes(3 << 20))))
    assert out.exit_code == 2
    assert "looks like a binary file" in out.stderr and "Traceback" not in out.stderr
    assert dump(db) == before


# -- deals ---------------------------------------------------------------------------------


def test_a_40_digit_deal_amount_rejects_its_row_only(tmp_path: Path) -> None:
    """Before: "a number is too large (at most 19 digits)" and nothing imported, no row named."""
    path = tmp_path / "deals.csv"
    path.write_text(
        "Title,Amount,Currency,Stage\n"
        "Sane,1500,EUR,Lead\n"
        "Typo,1234567890123456789012345678901234567890,EUR,Lead\n"
    )
    out = invoke("import", "deals", str(path))
    assert out.exit_code == 0, out.stderr
    assert "1 deals created" in out.stdout or "1 deal created" in out.stdout, out.stdout
    assert "1 rejected" in out.stdout
    assert "rejected line 3: amount '1234567890123456789012345678901234567890' is too large" in (
        out.stderr
    )


def test_a_deal_amount_that_would_overflow_the_pipeline_is_rejected(tmp_path: Path) -> None:
    """Before: two deals of 9,223,372,036,854,775,807 JPY imported, and from then on
    `crm pipeline`, `forecast` and `report` all failed with "integer overflow"."""
    path = tmp_path / "deals.csv"
    path.write_text(
        "Title,Amount,Currency,Stage\n"
        "A,9223372036854775807,JPY,Lead\nB,9223372036854775807,JPY,Lead\nC,1500,JPY,Lead\n"
    )
    out = invoke("import", "deals", str(path))
    assert out.exit_code == 0, out.stderr
    assert "2 rejected" in out.stdout and "is too large for a deal" in out.stderr
    for command in ("pipeline", "forecast", "report"):
        shown = invoke(command)
        assert "overflow" not in shown.stderr, (command, shown.stderr)


def test_excels_utf8_csv_with_one_cp1252_line_is_read(tmp_path: Path) -> None:
    """Excel's "CSV UTF-8" (with its BOM) and one line pasted from an old file: before,
    refused whole ("try cp1252", which would have garbled every other name)."""
    path = tmp_path / "excel.csv"
    path.write_bytes(
        b"\xef\xbb\xbfName,Email\r\n"
        + "Zoë Müller,zoe@example.com\r\nJürgen Groß,jurgen@example.com\r\n".encode()
        + "René Çelik,rene@example.com\r\n".encode()
        + b"Caf\xe9 Owner,cafe@example.com\r\n"
    )
    out = invoke("import", "contacts", str(path))
    assert out.exit_code == 0, out.stderr
    assert "is UTF-8 but for line 5" in out.stderr
    assert {"Zoë Müller", "Café Owner"} <= set(people())


# -- export --------------------------------------------------------------------------------


@pytest.mark.parametrize("bad", ["→", "\x01", "§"])
def test_an_export_delimiter_no_reader_splits_on_is_refused(tmp_path: Path, bad: str) -> None:
    """Before: `-d →` wrote a file that neither spreadsheets' dialogs, pandas' fast reader
    nor crm's own import can split; now one line, exit 2, no file written."""
    target = tmp_path / "out.csv"
    out = invoke("export", "contacts", "--delimiter", bad, "-o", str(target))
    assert out.exit_code == 2
    assert "--delimiter must be a tab or one ASCII character" in out.stderr
    assert not target.exists()


def test_split_never_writes_two_cards_to_one_file(tmp_path: Path) -> None:
    """UIDs that differ only in characters a file name cannot hold, or in case (one file on
    macOS and Windows): before, the later card replaced the earlier one, a person lost from
    the address book while the summary counted both."""
    cards = (
        "".join(
            f"BEGIN:VCARD\r\nVERSION:3.0\r\nUID:{uid}\r\nFN:{name}\r\nEND:VCARD\r\n"
            for uid, name in (("a/b", "Ann Slash"), ("a:b", "Ben Colon"), ("ABC", "Cy Upper"))
        )
        + "BEGIN:VCARD\r\nVERSION:3.0\r\nUID:abc\r\nFN:Di Lower\r\nEND:VCARD\r\n"
    )
    source = tmp_path / "book.vcf"
    source.write_text(cards, encoding="utf-8", newline="")
    assert invoke("import", "contacts", str(source)).exit_code == 0
    folder = tmp_path / "vdir"
    out = invoke("export", "contacts", "--format", "vcard", "--split", str(folder))
    assert out.exit_code == 0, out.stderr
    names = [p.name for p in folder.glob("*.vcf")]
    assert len({n.casefold() for n in names}) == 4, names
    again = invoke("export", "contacts", "--format", "vcard", "--split", str(folder))
    assert "0 cards written, 4 unchanged" in again.stdout + again.stderr  # the same names


# -- JSON written by hand or by another tool ----------------------------------------------


def test_json_with_wrong_types_rejects_those_records_only(tmp_path: Path, db: Path) -> None:
    """Before: `"number": 5551234` crashed the import ("internal error: 'int' object has
    no attribute 'strip'") and `"cadence_days": 1e30` aborted it whole ("a number is too
    large"); a `31/02/2026` birthday was stored as a date."""
    path = tmp_path / "contacts.json"
    path.write_text(
        json.dumps(
            [
                {"name": "Gus Number", "phones": [{"number": 2125550100, "label": "work"}]},
                {"name": "Hal Cadence", "cadence_days": 10**30},
                {"name": "Ida Address", "addresses": [{"street": ["not", "text"]}]},
                {"name": "Jo Birthday", "birthday": "31/02/2026"},
                {"name": "Kim Fine", "emails": [{"email": "kim@example.com", "label": None}]},
            ]
        )
    )
    out = invoke("import", "contacts", str(path))
    assert out.exit_code == 0, out.stderr
    assert "3 created" in out.stdout and "2 rejected" in out.stdout
    assert "Traceback" not in out.stderr and "internal error" not in out.stderr
    assert "cadence_days" in out.stderr and "is not text" in out.stderr
    found = people()
    assert {"Gus Number", "Jo Birthday", "Kim Fine"} == set(found)
    assert found["Jo Birthday"]["birthday"] is None
    assert found["Jo Birthday"]["custom_fields"] == {"birthday (as written)": "31/02/2026"}


def test_split_removes_the_half_written_card_a_killed_export_left(tmp_path: Path) -> None:
    """Ctrl-C between creating a card's temporary file and renaming it leaves a hidden
    `.UID.vcf.xxxxxxxx.crm-tmp`; before, it stayed in the address book for good."""
    assert invoke("contact", "add", "Lee Card", "--email", "lee@example.com").exit_code == 0
    folder = tmp_path / "vdir"
    folder.mkdir()
    leftover = folder / ".crm-contact-1@x.crmcli.vcf.0a1b2c3d.crm-tmp"
    leftover.write_text("BEGIN:VCARD\r\n")
    (folder / ".keep-me").write_text("not ours")
    out = invoke("export", "contacts", "--format", "vcard", "--split", str(folder))
    assert out.exit_code == 0, out.stderr
    assert not leftover.exists() and (folder / ".keep-me").exists()
