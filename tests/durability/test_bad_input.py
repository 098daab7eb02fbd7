"""Bad input ends in one line and exit 2, with the database exactly as it was (issue 19, item 8)."""

from __future__ import annotations

import codecs
import os
import subprocess
import sys
from pathlib import Path

import pytest

from tests.conftest import dump, invoke


def _seed() -> None:
    assert invoke("contact", "add", "Ann Lee", "--email", "ann@x.com").exit_code == 0
    assert (
        invoke(
            "contact", "add", "Cy Phone", "--phone", "+33 6 12 34 56 78", "--company", "Acme"
        ).exit_code
        == 0
    )


def _crm(*args: str | bytes, stdin: bytes | None = None) -> subprocess.CompletedProcess[bytes]:
    """`crm` in a real process: argv bytes reach Python as the shell would pass them."""
    return subprocess.run(
        [sys.executable, "-m", "crmcli", *args],
        input=stdin,
        capture_output=True,
        env=dict(os.environ),
        timeout=60,
        check=False,
    )


def _refused(result: subprocess.CompletedProcess[bytes], words: str) -> None:
    err = result.stderr.decode("utf-8", "replace")
    assert result.returncode == 2, err
    assert err.count("\n") == 1 and words in err, err
    assert "internal error" not in err


@pytest.mark.subprocess
@pytest.mark.parametrize(
    "args",
    [
        [b"contact", b"add", b"\xff\xfe"],
        [b"find", b"\xff"],
        [b"log", b"call", b"1", b"hello \xff there"],
        [b"contact", b"add", b"Bob", b"--email", b"b\xff@x.com"],
        [b"status", b"--prompt", b"\xff"],
    ],
)
def test_an_argument_that_is_not_utf8_is_refused(db: Path, args: list[bytes]) -> None:
    _seed()
    before = dump(db)
    _refused(_crm(*args), "is not valid UTF-8")
    assert dump(db) == before


@pytest.mark.subprocess
@pytest.mark.parametrize(
    "command",
    [["contact", "show", "{n}"], ["log", "call", "{n}", "hi"], ["followup", "snooze", "{n}", "1d"]],
)
def test_a_number_python_will_not_convert_is_refused(db: Path, command: list[str]) -> None:
    _seed()
    before = dump(db)
    _refused(_crm(*(arg.format(n="9" * 5001) for arg in command)), "5001-digit number")
    assert dump(db) == before


def test_a_find_query_too_long_is_a_usage_error(db: Path) -> None:
    _seed()
    before = dump(db)
    for query in ("1" * 100_000, "a" * 100_000, "ann " * 300):
        result = invoke("find", query)
        assert result.exit_code == 2, result.stderr
        assert "too long" in result.stderr and result.stderr.count("\n") == 1
    assert invoke("find", "ann").exit_code == 0
    assert dump(db) == before


@pytest.mark.parametrize(
    "content",
    [
        "[" * 100_000 + "]" * 100_000,
        '{"a":' * 100_000 + "1" + "}" * 100_000,
        '[{"name": "X", "tags": ' + "[" * 100_000 + "]" * 100_000 + "}]",
        '[{"name": "X", "cadence_days": ' + "9" * 5001 + "}]",
        '{"name": "X", "cadence_days": ' + "9" * 5001 + "}\n",
    ],
    ids=["deep-array", "deep-object", "deep-inside", "long-int", "long-int-jsonl"],
)
def test_absurd_json_is_refused(db: Path, tmp_path: Path, content: str) -> None:
    _seed()
    before = dump(db)
    path = tmp_path / "bad.json"
    path.write_text(content)
    result = invoke("import", "contacts", str(path))
    assert result.exit_code == 2, result.stderr
    assert result.stderr.count("\n") == 1 and "not valid JSON" in result.stderr
    assert dump(db) == before


def test_absurd_json_in_a_crm_csv_cell_is_refused(db: Path, tmp_path: Path) -> None:
    from crmcli.core.interchange.crm_columns import CONTACT_CSV_COLUMNS

    _seed()
    before = dump(db)
    cells = {c: "" for c in CONTACT_CSV_COLUMNS}
    cells["name"] = "Deep Person"
    cells["custom_fields"] = "[" * 50_000 + "]" * 50_000
    path = tmp_path / "own.csv"
    path.write_text(",".join(CONTACT_CSV_COLUMNS) + "\n" + ",".join(cells.values()) + "\n")
    result = invoke("import", "contacts", str(path))
    assert result.exit_code == 2, result.stderr
    assert "internal error" not in result.stderr
    assert dump(db) == before


CSV = "name,email\nBob One,bob@x.com\nCy Twö 🎉,cy@x.com\n"


@pytest.mark.parametrize("encoding", ["utf-32", "utf-32-le", "utf-32-be", "utf-16-le"])
def test_utf32_and_wide_files_are_read_as_what_they_are(
    db: Path, tmp_path: Path, encoding: str
) -> None:
    for suffix, text in (
        ("csv", CSV),
        ("json", '[{"name": "Jo Son", "emails": [{"email": "jo@x.com"}]}]'),
        ("vcf", "BEGIN:VCARD\r\nVERSION:3.0\r\nFN:Vi Card\r\nEMAIL:vi@x.com\r\nEND:VCARD\r\n"),
    ):
        path = tmp_path / f"wide.{suffix}"
        path.write_bytes(text.encode(encoding))
        result = invoke("import", "contacts", str(path))
        assert result.exit_code == 0, result.stderr
    listed = invoke("contact", "list", "--format", "csv").stdout
    assert "\x00" not in listed
    for name in ("Bob One", "Cy Twö 🎉", "Jo Son", "Vi Card"):
        assert name in listed
    assert len(listed.strip().splitlines()) == 5  # the header and four people, no junk


def test_utf32_detection_reads_bom_and_nul_pattern() -> None:
    from crmcli.core.interchange.csvfile import wide_encoding

    text = "name,email\nÀnnа Ѐ Ā,x@y.z\n"
    assert wide_encoding(text.encode("utf-32")) == "utf-32"
    assert wide_encoding(text.encode("utf-32-le")) == "utf-32-le"
    assert wide_encoding(text.encode("utf-32-be")) == "utf-32-be"
    assert wide_encoding(codecs.BOM_UTF16_LE + text.encode("utf-16-le")) == "utf-16"
    assert wide_encoding("name,email\nAnn,x@y.z\n".encode("utf-16-le")) == "utf-16-le"
    assert wide_encoding(text.encode("utf-8")) is None


MAIL = (
    b"From: Ann Lee <ann@x.com>\r\nTo: me@example.com\r\nSubject: Quote\x00 v2\x1b[31m\r\n"
    b"Message-ID: <m1@x.com>\r\nDate: Mon, 01 Jan 2024 10:00:00 +0000\r\n\r\n"
    b"Hello\x00 there\x07\r\n\tsee attached\r\n"
)


def test_control_characters_in_a_piped_mail_are_never_stored(db: Path) -> None:
    from crmcli.core.interchange.mailmsg import parse_message

    facts = parse_message(MAIL)
    assert facts.body == "Hello there\n\tsee attached"
    assert "\x00" not in facts.subject and "\x1b" not in facts.subject
    assert facts.warnings and all("control character" in w for w in facts.warnings)
    _seed()
    result = invoke("log", "email", "-", input=MAIL.decode("latin-1"))
    assert result.exit_code == 0, result.stderr
    raw = dump(db)
    for control in ("\x00", "\x07", "\x1b"):
        assert control not in raw
    assert "Hello there" in raw
    exported = invoke("export", "interactions", "--format", "json").stdout
    assert "\\u0000" not in exported and "\x00" not in exported
    # The rep is told what was removed, on stderr, once per field.
    assert "removed" in result.stderr and "control character" in result.stderr


def test_plain_text_with_control_characters_is_refused_untouched(db: Path) -> None:
    """A binary file piped into `crm log note REF -` is refused, not stored raw."""
    _seed()
    before = dump(db)
    result = invoke("log", "note", "ann", "-", input="first line\x00\x01 junk\nmore")
    assert result.exit_code == 2, (result.stdout, result.stderr)
    assert result.stderr.count("\n") == 1 and "control characters" in result.stderr
    assert dump(db) == before
    ok = invoke("log", "note", "ann", "-", input="first line\r\n\tindented second\r\n")
    assert ok.exit_code == 0, ok.stderr


@pytest.mark.parametrize(
    "command",
    [
        ["contact", "show", "9" * 25],
        ["log", "note", "9" * 25, "hello"],
    ],
)
def test_a_number_past_64_bits_is_a_usage_error(db: Path, command: list[str]) -> None:
    _seed()
    before = dump(db)
    result = invoke(*command)
    assert result.exit_code == 2, (result.stdout, result.stderr)
    assert result.stderr.count("\n") == 1 and "internal error" not in result.stderr
    assert dump(db) == before
