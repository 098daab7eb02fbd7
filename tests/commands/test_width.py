"""Tables, the board and the report align by display width, not by character count.

A CJK character takes two terminal cells, a combining accent none, most emoji two:
measured with `len()`, 山田太郎 pushed every column after it four cells right. Columns
are checked here the way a terminal shows them: each line is cut into cells with
Rich's own measure, and every value must start in its header's cell. On a narrow
terminal the columns a rep acts on (phone, email) stay whole; free text gives way.
"""

from __future__ import annotations

import io
import os
import subprocess
import sys
from pathlib import Path

import pytest
from rich.cells import cell_len, split_graphemes

from crmcli.commands._output import Column, OutputFormat, render
from tests.conftest import invoke
from tests.terminal import drain

WIDE = "山田太郎"
COMBINING = "Rene\u0301e Lefe\u0300vre"  # decomposed: e + U+0301, e + U+0300
EMOJI = "Zoë 🎉 Party"
ZWJ = "Dev 👩\u200d💻 Ops"


class FakeTTY(io.StringIO):
    def isatty(self) -> bool:
        return True


def cell_slice(line: str, start: int, end: int) -> str:
    """The characters of `line` shown in cells start..end-1 (no character may straddle)."""
    spans, _ = split_graphemes(line)
    out, at = [], 0
    for first, last, size in spans:
        if start <= at < end:
            assert at + size <= end, f"{line[first:last]!r} straddles cell {end} in {line!r}"
            out.append(line[first:last])
        elif at < start < at + size:
            raise AssertionError(f"{line[first:last]!r} straddles cell {start} in {line!r}")
        at += size
    return "".join(out)


def columns_of(header: str, names: list[str]) -> dict[str, tuple[int, int]]:
    """Each header's first cell and the cell where the next column starts (or the end)."""
    starts = [cell_len(header[: header.index(name)]) for name in names]
    ends = [*starts[1:], 10_000]
    return {name: (s, e) for name, s, e in zip(names, starts, ends, strict=True)}


def assert_aligned(text: str, headers: list[str], rows: list[dict[str, str]]) -> None:
    """Every row's value for a header sits in that header's cells (cut values end in …)."""
    lines = text.splitlines()
    where = columns_of(lines[0], headers)
    assert len(lines) == len(rows) + 1, text
    for line, row in zip(lines[1:], rows, strict=True):
        for name, (start, end) in where.items():
            shown = cell_slice(line, start, end).rstrip()
            value = row[name]
            if shown != value:
                assert shown.endswith("…") and value.startswith(shown[:-1].rstrip()), (
                    name,
                    shown,
                    value,
                    text,
                )


# -- measuring -------------------------------------------------------------------------


def test_cells_agree_with_rich_everywhere_the_fast_path_answers() -> None:
    from crmcli.commands import _output
    from crmcli.commands._output import cells

    # Every printable code point the renderer measures with len() is one cell for Rich
    # too (ASCII controls take the fast path as well; the core strips them on the way in).
    fast = [chr(c) for c in range(0x20, 0x2600) if c != 0x7F and _output._one_cell_each(chr(c))]
    assert len(fast) > 1000
    assert [ch for ch in fast if cell_len(ch) != 1] == []
    for text in (WIDE, COMBINING, EMOJI, ZWJ, "Agnès Dupré", "—…·█", "a\u200bb", "👍🏽 ok"):
        assert cells(text) == cell_len(text), text
    assert (cells(WIDE), cells("e\u0301"), cells("🎉")) == (8, 1, 2)


@pytest.mark.parametrize("text", [WIDE, COMBINING, EMOJI, ZWJ, "Agnès Dupré", "plain text"])
def test_crop_and_pad_never_cut_through_a_character(text: str) -> None:
    from crmcli.commands._output import cells, crop, pad

    for width in range(1, cells(text) + 2):
        cut = crop(text, width)
        assert cells(cut) <= width
        if cells(text) > width:
            assert cut.endswith("…")
            # Whole graphemes only: the cut text is a prefix of the original.
            assert text.startswith(cut[:-1].rstrip())
        else:
            assert cut == text
        assert cells(pad(text, width)) == width
    assert crop("e\u0301e\u0301e\u0301", 2) == "e\u0301…"  # the accent stays on its letter


# -- tables ----------------------------------------------------------------------------

PEOPLE = [
    {
        "id": "1",
        "name": WIDE,
        "company": "株式会社サンプル商事グループホールディングス",
        "email": "taro.yamada@sample-shoji.example.jp",
        "phone": "+81 90-1234-5678",
        "status": "customer",
        "tags": "顧客; vip",
    },
    {
        "id": "22",
        "name": COMBINING,
        "company": "Société Générale des Écritures",
        "email": "renee.lefevre@ecritures.example.fr",
        "phone": "+33 6 12 34 56 78",
        "status": "lead",
        "tags": "",
    },
    {
        "id": "333",
        "name": EMOJI,
        "company": "Party Supplies 🎈 International",
        "email": "zoe@party.example.com",
        "phone": "+1 212-555-0100",
        "status": "prospect",
        "tags": "events; 🎉",
    },
    {
        "id": "4444",
        "name": ZWJ,
        "company": "Acme",
        "email": "dev.ops@acme-corporation.example.co.uk",
        "phone": "+44 7700 900123",
        "status": "lead",
        "tags": "technical; champion; long-list-of-tags",
    },
]
HEADERS = ["ID", "NAME", "COMPANY", "EMAIL", "PHONE", "STATUS", "TAGS"]
# The contact list's columns, as `crm contact list` declares them.
LIST = [
    Column("id", "ID"),
    Column("name", "NAME", max_width=30),
    Column("company", "COMPANY", max_width=24),
    Column("email", "EMAIL", max_width=32),
    Column("phone", "PHONE", max_width=22),
    Column("status", "STATUS"),
    Column("tags", "TAGS", max_width=24),
]


def by_header(row: dict[str, str]) -> dict[str, str]:
    return {h: row[c.key] for h, c in zip(HEADERS, LIST, strict=True)}


def test_piped_table_aligns_wide_combining_and_emoji_text() -> None:
    out = io.StringIO()
    render(PEOPLE, OutputFormat.table, LIST, out=out)
    text = out.getvalue()
    assert_aligned(text, HEADERS, [by_header(r) for r in PEOPLE])
    for row in PEOPLE:  # piped: nothing is cut
        assert row["company"] in text and row["email"] in text


@pytest.mark.parametrize("width", [80, 100, 120])
def test_terminal_table_keeps_phones_and_emails_whole(
    width: int, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("COLUMNS", str(width))
    out = FakeTTY()
    render(PEOPLE, OutputFormat.table, LIST, out=out)
    text = out.getvalue()
    lines = text.splitlines()
    assert all(cell_len(line) <= width for line in lines), text
    header = lines[0].split()
    assert {"ID", "NAME", "EMAIL", "PHONE"} <= set(header)
    assert_aligned(text, header, [by_header(r) for r in PEOPLE])
    for row, line in zip(PEOPLE, lines[1:], strict=True):
        assert row["email"] in line and row["phone"] in line and row["id"] in line
    if width == 80:
        # The free text gave way (cut or left out); the name keeps a readable width.
        assert "TAGS" not in header
        assert WIDE in text and EMOJI in text


def test_wide_terminal_cuts_nothing_that_fits(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("COLUMNS", "250")
    out = FakeTTY()
    rows = [dict(r, company="Acme", tags="vip") for r in PEOPLE]
    render(rows, OutputFormat.table, LIST, out=out)
    assert "…" not in out.getvalue()
    assert_aligned(out.getvalue(), HEADERS, [by_header(r) for r in rows])


# -- the real commands -----------------------------------------------------------------


def ok(*args: str) -> str:
    out = invoke(*args)
    assert out.exit_code == 0, (args, out.stderr)
    return out.stdout


@pytest.fixture
def people(db: Path) -> Path:
    ok(
        "contact", "add", WIDE, "--email", PEOPLE[0]["email"], "--phone", PEOPLE[0]["phone"],
        "--company", PEOPLE[0]["company"], "--tag", "顧客",
    )  # fmt: skip
    ok(
        "contact", "add", COMBINING, "--email", PEOPLE[1]["email"],
        "--phone", PEOPLE[1]["phone"], "--company", PEOPLE[1]["company"],
    )  # fmt: skip
    ok(
        "contact", "add", EMOJI, "--email", PEOPLE[2]["email"], "--phone", PEOPLE[2]["phone"],
        "--company", "Party Supplies International", "--tag", "events",
    )  # fmt: skip
    ok("contact", "add", "Ann Lee", "--email", "ann@example.com", "--phone", "+1 212 555 0199")
    ok("contact", "add", "Ken Yamada", "--email", "ken@example.org")
    ok(
        "deal",
        "add",
        "東京オフィス導入プロジェクト",
        "-c",
        WIDE,
        "-a",
        "120000",
        "--currency",
        "JPY",
    )
    ok("deal", "add", "Café 🎉 rollout", "-c", "Ann Lee", "-a", "5000", "--currency", "EUR")
    ok("deal", "add", "Plain deal", "-c", EMOJI, "-a", "100", "--currency", "EUR")
    return db


def crm_on_a_terminal(args: list[str], width: int, db: Path) -> str:
    """The installed `crm` with a pseudo-terminal of `width` columns as its stdout."""
    import fcntl
    import pty
    import struct
    import termios

    master, slave = pty.openpty()
    fcntl.ioctl(slave, termios.TIOCSWINSZ, struct.pack("HHHH", 40, width, 0, 0))
    env = {**os.environ, "CRM_DB": str(db), "COLUMNS": str(width), "NO_COLOR": "1"}
    crm = str(Path(sys.executable).with_name("crm"))
    proc = subprocess.Popen([crm, *args], stdout=slave, stderr=subprocess.PIPE, env=env)
    os.close(slave)
    out = drain(master)
    assert proc.wait(timeout=60) == 0, proc.stderr.read() if proc.stderr else ""
    return out.decode().replace("\r\n", "\n")


@pytest.mark.subprocess
@pytest.mark.parametrize("width", [80, 120])
def test_contact_list_on_a_terminal(people: Path, width: int) -> None:
    text = crm_on_a_terminal(["contact", "list"], width, people)
    lines = text.splitlines()
    assert all(cell_len(line) <= width for line in lines), text
    header = lines[0].split()
    assert {"ID", "NAME", "EMAIL", "PHONE"} <= set(header)
    for person in PEOPLE[:3]:
        line = next(x for x in lines if person["email"] in x)
        assert person["phone"] in line, text
    where = columns_of(lines[0], header)
    email_start = where["EMAIL"][0]
    for line in lines[1:]:
        # Every email starts in the EMAIL header's cell, whatever the names before it.
        email = next(p for p in line.split() if "@" in p)
        assert cell_len(line[: line.index(email)]) == email_start, text


def test_find_aligns_cjk_names(people: Path) -> None:
    text = ok("find", "yamada")  # 山田太郎 by his email, Ken Yamada by name
    lines = text.splitlines()
    assert len(lines) == 3, text
    start = cell_len(lines[0][: lines[0].index("EMAIL")])
    for line in lines[1:]:
        email = next(p for p in line.split() if "@" in p)
        assert cell_len(line[: line.index(email)]) == start, text


@pytest.mark.parametrize("width", [80, 120])
def test_board_columns_line_up(people: Path, width: int, monkeypatch: pytest.MonkeyPatch) -> None:
    from crmcli.commands._board import GAP, MIN_WIDTH

    monkeypatch.setenv("COLUMNS", str(width))
    text = ok("pipeline")
    lines = text.splitlines()
    per_row = max(1, (width + len(GAP)) // (MIN_WIDTH + len(GAP)))
    col = (width - len(GAP) * (per_row - 1)) // per_row
    assert lines[0].startswith("Lead (3)")
    assert cell_slice(lines[0], col + len(GAP), 2 * col + len(GAP)).startswith("Qualified (0)")
    first_block = lines[: lines.index("")]
    for line in first_block:
        assert cell_len(line) <= width
        # The second stage's column starts exactly one column and a gap in, on every line.
        left = cell_slice(line, 0, col)
        assert line.startswith(left)
        rest = line[len(left) :]
        assert rest == "" or (cell_len(left) == col and rest.startswith(GAP)), line
    assert "#1 東京オフィス" in text and "…" in text  # the long CJK title was cut, not split


def test_report_tables_align_cjk_names(people: Path) -> None:
    text = ok("report", "--section", "no-next-step")
    lines = [line for line in text.splitlines() if line.startswith(("ID", "1 ", "2 ", "3 "))]
    header = lines[0]
    stage = cell_len(header[: header.index("STAGE")])
    for line in lines[1:]:
        assert cell_len(line[: line.index("Lead")]) == stage, text
