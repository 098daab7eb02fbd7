"""`crm brief REF`: the pre-call sheet as a rep sees it, its JSON, its errors, its width.

The clock is Monday 2 March 2026, 10:00 in Paris (09:00 UTC).
"""

from __future__ import annotations

import io
import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from rich.cells import cell_len

from tests.conftest import dump, invoke
from tests.terminal import drain

NOW = "2026-03-02T09:00:00Z"


@pytest.fixture(autouse=True)
def fixed_clock(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("CRM_NOW", NOW)


def ok(*args: str) -> str:
    out = invoke(*args)
    assert out.exit_code == 0, out.stderr
    return out.stdout


@pytest.fixture
def helene(db: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """Hélène with a history, and Marc (her assistant) with none."""
    ok("contact", "add", "Marc Dupree", "--email", "marc@globex.com", "--company", "Globex")
    ok(
        "contact", "add", "Hélène Dupré", "--email", "helene.dupre@acme.fr",
        "--phone", "06 12 34 56 78", "--company", "Acme SAS", "--title", "CFO",
        "--tag", "vip", "--every", "14d", "--relation", "Marc Dupree:assistant",
    )  # fmt: skip
    ok(
        "log", "call", "helene", "Discussed the renewal; I'll send the revised quote by Friday.",
        "--at", "2026-02-10 10:00", "--duration", "20m", "--outcome", "connected", "--out",
    )  # fmt: skip
    ok(
        "log",
        "note",
        "helene",
        "Lunch\nJe vous envoie le contrat lundi.",
        "--at",
        "2026-02-14 13:00",
    )
    ok("log", "meeting", "helene", "QBR, they will send the PO", "--at", "2026-02-20 11:00")
    ok("log", "email", "helene", "Sent the revised quote", "--at", "2026-02-27 10:00")
    monkeypatch.setenv("CRM_NOW", "2026-02-10T09:00:00Z")
    ok(
        "deal", "add", "Acme renewal", "--contact", "helene", "--amount", "48000",
        "--stage", "proposal", "--next", "Send revised quote", "--close", "2026-03-31",
    )  # fmt: skip
    monkeypatch.setenv("CRM_NOW", NOW)
    ok("followup", "add", "helene", "2026-02-25", "Chase the signed form")
    ok("followup", "add", "helene", "2026-03-04 10:00", "Board meeting call")
    return db


def test_the_sheet_on_one_screen(helene: Path) -> None:
    out = invoke("brief", "helene")
    assert out.exit_code == 0, out.stderr
    assert out.stderr == ""
    assert out.stdout == (
        "Name           Hélène Dupré — CFO, Acme SAS  #2\n"
        "Phone          +33 6 12 34 56 78\n"
        "Email          helene.dupre@acme.fr\n"
        "Status         lead · score 69/100 · vip\n"
        "Last touch     2026-02-27 10:00 (3 days ago)\n"
        "Keep in touch  every 14 days, next touch in 11 days\n"
        "Relations      Marc Dupree (assistant, #1)\n"
        "\n"
        "Last interactions\n"
        "WHEN              WHAT          SUMMARY"
        "                                                        OUTCOME\n"
        "2026-02-27 10:00  email         Sent the revised quote\n"
        "2026-02-20 11:00  meeting       QBR, they will send the PO\n"
        "2026-02-14 13:00  note          Lunch\n"
        "2026-02-10 10:00  call out 20m  Discussed the renewal; I'll send the revised quote by "
        "Friday.  connected\n"
        "\n"
        "Open deals (1, 1 stale)\n"
        "ID  DEAL          STAGE     AMOUNT      AGE  IN STAGE       NEXT STEP           CLOSE\n"
        "1   Acme renewal  Proposal  48 000 EUR  20d  20d/10d STALE  Send revised quote  "
        "2026-03-31\n"
        "\n"
        "Follow-ups (2, 1 overdue)\n"
        "ID  DUE               STATE           NOTE\n"
        "1   Wed 25 Feb        OVERDUE 4 days  Chase the signed form\n"
        "2   Wed 04 Mar 10:00  upcoming        Board meeting call\n"
        "\n"
        "Promises (2)\n"
        "WHEN        FROM  PROMISE\n"
        "2026-02-14  note  Je vous envoie le contrat lundi.\n"
        "2026-02-10  call  Discussed the renewal; I'll send the revised quote by Friday.\n"
    )  # fmt: skip


def test_json_is_the_core_s_dict(helene: Path) -> None:
    from crmcli.core.config import load
    from crmcli.core.db.opening import open_store
    from crmcli.core.overview.brief import build_brief

    out = invoke("brief", "helene.dupre@acme.fr", "--json")
    assert out.exit_code == 0, out.stderr
    sheet = json.loads(out.stdout)
    store = open_store(str(helene), load(), write=False)
    try:
        assert sheet == build_brief(store, 2)
    finally:
        store.close()
    assert set(sheet) == {
        "as_of", "contact", "last_interactions", "deals", "followups", "totals", "promises",
        "cadence", "score", "relations",
    }  # fmt: skip
    assert [f["overdue"] for f in sheet["followups"]] == [True, False]
    assert sheet["deals"][0]["amount"] == 4_800_000 and sheet["deals"][0]["currency"] == "EUR"


def test_the_sheet_reads_and_never_writes(helene: Path) -> None:
    before = dump(helene)
    ok("brief", "2")
    ok("brief", "2", "--json")
    assert dump(helene) == before


def test_a_contact_with_nothing_has_no_sections(db: Path) -> None:
    ok("contact", "add", "Nobody Yet")
    assert ok("brief", "nobody") == (
        "Name        Nobody Yet  #1\nStatus      lead · score 0/100\nLast touch  never\n"
    )
    sheet = json.loads(ok("brief", "1", "--json"))
    assert sheet["last_interactions"] == sheet["deals"] == sheet["followups"] == []
    assert sheet["promises"] == sheet["relations"] == []
    assert sheet["cadence"]["status"] == "none" and sheet["score"] == 0


@pytest.mark.parametrize(
    ("args", "code", "message"),
    [
        (("brief", "zed"), 1, "crm: no contact matches 'zed'"),
        (("brief", "#42"), 1, "crm: no contact #42"),
        (("brief", ""), 2, "crm: empty contact reference"),
        (("brief", "hél"), 1, "crm: 'hél' matches several contacts by name prefix: #1 Hélène"),
    ],
)
def test_refs_that_name_nobody_or_several(
    db: Path, args: tuple[str, ...], code: int, message: str
) -> None:
    ok("contact", "add", "Hélène Dupré", "--company", "Acme SAS")
    ok("contact", "add", "Hélène Martin")
    out = invoke(*args)
    assert (out.exit_code, out.stdout) == (code, "")
    assert out.stderr.startswith(message), out.stderr
    assert len(out.stderr.splitlines()) == 1
    if "several" in message:  # the candidates, so the rep can retype
        assert "#2 Hélène Martin" in out.stderr


def test_no_database_yet(db: Path) -> None:
    out = invoke("brief", "ann")
    assert (out.exit_code, out.stdout) == (1, "")
    assert out.stderr.startswith("crm: no crm database at ")
    assert len(out.stderr.splitlines()) == 1
    assert not db.exists()


def test_a_long_list_shows_its_first_five_and_says_how_to_see_the_rest(db: Path) -> None:
    ok("contact", "add", "Ann Lee")
    for day in range(3, 10):
        ok("followup", "add", "ann", f"2026-03-{day:02d}", f"step {day}")
    out = ok("brief", "ann")
    assert "Follow-ups (7)\n" in out
    assert "step 7\n" in out and "step 8" not in out
    assert out.endswith("… and 2 more (crm followup list --contact 1)\n")
    assert len(json.loads(ok("brief", "ann", "--json"))["followups"]) == 7


def test_the_stale_deals_are_kept_first_in_pipeline_order(
    db: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Seven open deals, the two stale ones last in the pipeline: of the five shown,
    they are two, and the rows keep the pipeline's order."""
    ok("contact", "add", "Ann Lee")
    monkeypatch.setenv("CRM_NOW", "2026-02-10T09:00:00Z")  # 20 days in Proposal (10d)
    for name in ("Old A", "Old B"):
        ok("deal", "add", name, "--contact", "ann", "--stage", "proposal")
    monkeypatch.setenv("CRM_NOW", NOW)
    for n in range(1, 6):
        ok("deal", "add", f"Fresh {n}", "--contact", "ann")
    out = ok("brief", "ann")
    rows = out.split("Open deals (7, 2 stale)\n")[1].splitlines()[1:7]
    assert [row.split("  ")[1].strip() for row in rows[:5]] == [
        "Fresh 1", "Fresh 2", "Fresh 3", "Old A", "Old B",
    ]  # fmt: skip
    assert rows[5] == "… and 2 more (crm brief 1 --json)"


def test_more_overdue_than_the_sheet_holds(db: Path) -> None:
    ok("contact", "add", "Ann Lee")
    for day in range(1, 23):
        invoke("followup", "add", "ann", f"2026-02-{day:02d}", f"step {day}")
    assert "\nFollow-ups (22, 20+ overdue)\n" in ok("brief", "ann")


def test_the_header_warns_before_anything_else(db: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("CRM_NOW", "2026-01-01T09:00:00Z")
    ok("contact", "add", "Ann Lee")
    ok("contact", "edit", "ann", "--every", "30d", "--dnc")
    ok("log", "call", "ann", "Hello")
    monkeypatch.setenv("CRM_NOW", NOW)  # 60 days later: due on 31 January, 30 days ago
    lines = ok("brief", "ann").splitlines()
    assert lines[1] == "Do not contact  YES"
    assert "Keep in touch   every 30 days, OVERDUE by 30 days" in lines
    assert "Last touch      2026-01-01 10:00 (60 days ago)" in lines


class FakeTTY(io.StringIO):
    def isatty(self) -> bool:
        return True


LONG = "x" * 90


@pytest.fixture
def crowded(db: Path) -> Path:
    """Everything long: names, titles, several addresses, a deal title and its next step."""
    ok(
        "contact", "add", "Maximilian Alexander von Hohenzollern-Sigmaringen",
        "--title", "Senior Vice President, Global Strategic Procurement and Vendor Management",
        "--company", "Internationale Handelsgesellschaft für Maschinenbau und Logistik GmbH",
        "--email", "maximilian.hohenzollern@handelsgesellschaft-maschinenbau.de",
        "--email", "max.hohenzollern.private@example-mail-provider.com",
        "--phone", "+49 89 1234567", "--phone", "+49 171 2345678",
        "--tag", "strategic-account", "--tag", "board-level", "--tag", "renewal-2026",
    )  # fmt: skip
    ok(
        "log",
        "call",
        "1",
        f"Long talk. I'll send the full comparison {LONG}",
        "--at",
        "2026-02-27 10:00",
    )
    ok(
        "deal", "add", "Company-wide rollout of the platform to every subsidiary", "--contact", "1",
        "--amount", "1250000", "--stage", "negotiation", "--next", f"Send the revised MSA {LONG}",
        "--close", "2026-06-30",
    )  # fmt: skip
    ok("followup", "add", "1", "2026-02-20", f"Chase the procurement questionnaire {LONG}")
    return db


@pytest.mark.parametrize("width", [80, 120])
def test_on_a_terminal_every_line_fits(
    crowded: Path, monkeypatch: pytest.MonkeyPatch, width: int
) -> None:
    from crmcli.commands.hot.brief import show
    from crmcli.core.config import load
    from crmcli.core.db.opening import open_store
    from crmcli.core.overview.brief import build_brief

    monkeypatch.setenv("COLUMNS", str(width))
    monkeypatch.setenv("LINES", "50")
    store = open_store(str(crowded), load(), write=False)
    try:
        screen = FakeTTY()
        show(build_brief(store, 1), out=screen)
    finally:
        store.close()
    text = screen.getvalue()
    lines = text.splitlines()
    assert all(cell_len(line) <= width for line in lines), text
    # What a rep acts on stays whole: the numbers to dial, the addresses, dates, amount.
    for whole in ("+49 89 1234567", "+49 171 2345678", "1 250 000 EUR"):
        assert whole in text
    # The close date is whole at 120 columns; at 80 it is left out (for the deal's next
    # step), never cut.
    assert ("2026-06-30" in text) is (width == 120)
    assert "2026-06-" not in text.replace("2026-06-30", "")
    assert "maximilian.hohenzollern@handelsgesellschaft-maschinenbau.de" in lines[3]
    assert "max.hohenzollern.private@example-mail-provider.com" in lines[4]
    assert lines[0].startswith("Name") and lines[0].endswith("…")
    # Piped, nothing is cut.
    assert "…" not in ok("brief", "1")


def on_screen(db: Path, monkeypatch: pytest.MonkeyPatch, columns: int, lines: int) -> str:
    """The sheet of contact #1 as a terminal `columns` x `lines` shows it."""
    from crmcli.commands.hot.brief import show
    from crmcli.core.config import load
    from crmcli.core.db.opening import open_store
    from crmcli.core.overview.brief import build_brief

    monkeypatch.setenv("COLUMNS", str(columns))
    monkeypatch.setenv("LINES", str(lines))
    store = open_store(str(db), load(), write=False)
    try:
        screen = FakeTTY()
        show(build_brief(store, 1), out=screen)
    finally:
        store.close()
    return screen.getvalue()


@pytest.fixture
def busy(db: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """Ann has everything: two addresses, 6 interactions (4 with a promise), 3 deals (2
    stale), 8 follow-ups (3 overdue, one next year)."""
    ok(
        "contact", "add", "Ann Lee", "--title", "COO", "--company", "Initech",
        "--phone", "+33 6 11 22 33 44", "--email", "ann@initech.com",
        "--email", "ann.lee@gmail.com", "--tag", "vip", "--every", "30d",
    )  # fmt: skip
    for at, kind, text in [
        ("2026-01-20 10:00", "call", "Intro call"),
        ("2026-02-02 10:00", "meeting", "Demo; I'll send the deck by Friday"),
        ("2026-02-09 10:00", "note", "Je vous envoie le devis lundi"),
        ("2026-02-16 10:00", "call", "Pricing questions; will call back Tuesday"),
        ("2026-02-23 10:00", "email", "Sent the deck"),
        ("2026-02-26 10:00", "note", "I promised the security whitepaper"),
    ]:
        ok("log", kind, "1", text, "--at", at)
    monkeypatch.setenv("CRM_NOW", "2026-02-01T09:00:00Z")  # a month in the stage: stale
    ok(
        "deal", "add", "Initech platform", "--contact", "1", "--amount", "90000",
        "--stage", "proposal", "--next", "Send the security whitepaper", "--close", "2026-04-30",
    )  # fmt: skip
    ok(
        "deal", "add", "Initech support plan", "--contact", "1", "--amount", "12000",
        "--stage", "qualified", "--next", "Book the scoping call", "--close", "2026-05-31",
    )  # fmt: skip
    monkeypatch.setenv("CRM_NOW", NOW)
    ok("deal", "add", "Initech training", "--contact", "1", "--amount", "6000")
    for when, note in [
        ("2026-02-20", "Chase the signed NDA"),
        ("2026-02-25 15:00", "Call about the PO"),
        ("2026-02-27", "Send the deck"),
        ("2026-03-03 10:00", "Board meeting call"),
        ("2026-03-05", "Check the whitepaper landed"),
        ("2026-03-10", "Ask for the intro to IT"),
        ("2026-03-20", "Quarterly check-in"),
        ("2027-01-05", "Renewal talk"),
    ]:
        ok("followup", "add", "1", when, note)
    return db


def test_on_an_80x24_terminal_the_sheet_fits_what_is_open_first(
    busy: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """24 rows, one for the prompt: the header whole and first, then a row of each
    section: the newest interaction and promise, a stale deal, the most overdue
    follow-up; each trimmed section says how many more there are and where."""
    assert on_screen(busy, monkeypatch, 80, 24) == (
        "Name           Ann Lee — COO, Initech  #1\n"
        "Phone          +33 6 11 22 33 44\n"
        "Email          ann@initech.com\n"
        "               ann.lee@gmail.com\n"
        "Status         lead · score 75/100 · vip\n"
        "Last touch     2026-02-26 10:00 (4 days ago)\n"
        "Keep in touch  every 30 days, next touch in 26 days\n"
        "Last interactions\n"
        "WHEN              WHAT  SUMMARY\n"
        "2026-02-26 10:00  note  I promised the security whitepaper\n"
        "… and 4 more (crm brief 1 --json)\n"
        "Open deals (3, 2 stale)\n"
        "ID  DEAL                STAGE      AMOUNT      IN STAGE       NEXT STEP\n"
        "2   Initech support p…  Qualified  12 000 EUR  29d/14d STALE  Book the scoping …\n"
        "… and 2 more (crm brief 1 --json)\n"
        "Follow-ups (8, 3 overdue)\n"
        "ID  DUE         STATE           NOTE\n"
        "1   Fri 20 Feb  OVERDUE 9 days  Chase the signed NDA\n"
        "… and 7 more (crm followup list --contact 1)\n"
        "Promises (4)\n"
        "WHEN        FROM  PROMISE\n"
        "2026-02-26  note  I promised the security whitepaper\n"
        "… and 3 more (crm brief 1 --json)\n"
    )  # fmt: skip


def test_a_few_rows_short_the_blank_lines_go_then_the_older_interactions(
    busy: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Short of the whole sheet (37 lines), the blank lines between sections give way
    and every row stays; shorter still, the older interactions go (a line says so), and
    nothing open, nor a promise."""
    whole = on_screen(busy, monkeypatch, 120, 60)
    assert len(whole.splitlines()) == 37
    tight = whole.replace("\n\n", "\n")
    assert on_screen(busy, monkeypatch, 120, 36) == tight
    lines = on_screen(busy, monkeypatch, 120, 32).splitlines()
    assert len(lines) == 31
    assert lines[7:12] == [
        "Last interactions",
        "WHEN              WHAT   SUMMARY",
        "2026-02-26 10:00  note   I promised the security whitepaper",
        "2026-02-23 10:00  email  Sent the deck",
        "… and 3 more (crm brief 1 --json)",
    ]
    assert tight.endswith("\n".join(lines[12:]) + "\n")
    assert lines[12] == "Open deals (3, 2 stale)"


@pytest.mark.parametrize(("columns", "lines"), [(120, 40), (80, 50)])
def test_a_tall_terminal_shows_every_row_a_pipe_does(
    busy: Path, monkeypatch: pytest.MonkeyPatch, columns: int, lines: int
) -> None:
    """Room enough: every section as a pipe has it (5 interactions, the 5 first
    follow-ups, every promise), in the terminal's width and height."""
    text = on_screen(busy, monkeypatch, columns, lines)
    piped = ok("brief", "1")
    assert all(cell_len(line) <= columns for line in text.splitlines()), text
    assert len(text.splitlines()) == len(piped.splitlines()) <= lines - 1
    assert text.count("… and") == piped.count("… and") == 1  # the follow-ups' 5 of 8
    for row in ("Sent the deck", "Demo; I'll send", "Initech training", "Check the whitepaper"):
        assert row in text


def test_piped_nothing_is_trimmed(busy: Path) -> None:
    lines = ok("brief", "1").splitlines()
    assert len(lines) == 37
    assert "2026-02-02 10:00  meeting  Demo; I'll send the deck by Friday" in lines
    assert lines[-4:] == [
        "2026-02-26  note     I promised the security whitepaper",
        "2026-02-16  call     Pricing questions; will call back Tuesday",
        "2026-02-09  note     Je vous envoie le devis lundi",
        "2026-02-02  meeting  Demo; I'll send the deck by Friday",
    ]


def test_follow_ups_are_due_on_days_a_rep_says(busy: Path) -> None:
    """`Wed 04 Mar` as `crm today` says it, and the time when there is one."""
    out = ok("brief", "1")
    assert "1   Fri 20 Feb        OVERDUE 9 days  Chase the signed NDA\n" in out
    assert "2   Wed 25 Feb 15:00  OVERDUE 4 days  Call about the PO\n" in out
    assert "4   Tue 03 Mar 10:00  upcoming        Board meeting call\n" in out


def test_the_year_is_said_when_it_is_not_this_one(db: Path) -> None:
    ok("contact", "add", "Bo Chen")
    ok("followup", "add", "bo", "2027-01-05", "Renewal talk")
    ok("followup", "add", "bo", "2026-12-31 09:30", "Year end")
    assert ok("brief", "bo").endswith(
        "ID  DUE               STATE     NOTE\n"
        "2   Thu 31 Dec 09:30  upcoming  Year end\n"
        "1   Tue 05 Jan 2027   upcoming  Renewal talk\n"
    )


def test_a_short_terminal_keeps_the_header_and_names_what_it_left_out(
    busy: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    lines = on_screen(busy, monkeypatch, 80, 14).splitlines()
    assert lines[:4] == [
        "Name           Ann Lee — COO, Initech  #1",
        "Phone          +33 6 11 22 33 44",
        "Email          ann@initech.com",
        "               ann.lee@gmail.com",
    ]
    assert lines[7:] == [
        "Follow-ups (8, 3 overdue)",
        "ID  DUE         STATE           NOTE",
        "1   Fri 20 Feb  OVERDUE 9 days  Chase the signed NDA",
        "… and 7 more (crm followup list --contact 1)",
        "… not shown: interactions, deals, promises (crm brief 1 --json)",
    ]
    # Shorter than the header: the header still, whole, and the line.
    lines = on_screen(busy, monkeypatch, 80, 5).splitlines()
    assert len(lines) == 8 and lines[3] == "               ann.lee@gmail.com"
    assert (
        lines[-1] == "… not shown: interactions, deals, follow-ups, promises (crm brief 1 --json)"
    )


@pytest.mark.parametrize("columns", [80, 100])
def test_a_deal_s_age_then_its_close_give_way_before_its_words(
    busy: Path, monkeypatch: pytest.MonkeyPatch, columns: int
) -> None:
    """AGE and CLOSE are left out rather than the title and next step be cut to a few
    letters; IN STAGE and its STALE flag are never cut, nor a date."""
    text = on_screen(busy, monkeypatch, columns, 60)
    deals = text.split("Open deals")[1].split("\n\n")[0].splitlines()
    assert all(cell_len(line) <= columns for line in deals), text
    assert ("AGE" in deals[1].split(), "CLOSE" in deals[1].split()) == (columns > 80,) * 2
    assert "29d/10d STALE" in deals[4] and "29d/14d STALE" in deals[3]
    assert ("2026-04-30" in deals[4]) is (columns > 80)
    # Cut, the words keep READABLE (16) cells at least: `Send the security w…` at 100.
    assert deals[4].startswith("1   Initech platform  ")
    assert "Send the security" in deals[4]


@pytest.mark.subprocess
def test_the_installed_crm_on_an_80_column_terminal(crowded: Path) -> None:
    import fcntl
    import pty
    import struct
    import termios

    master, slave = pty.openpty()
    fcntl.ioctl(slave, termios.TIOCSWINSZ, struct.pack("HHHH", 40, 80, 0, 0))
    env = {**os.environ, "CRM_DB": str(crowded), "NO_COLOR": "1"}
    env.pop("COLUMNS", None)  # the terminal's own size decides
    crm = str(Path(sys.executable).with_name("crm"))
    proc = subprocess.Popen([crm, "brief", "1"], stdout=slave, stderr=subprocess.PIPE, env=env)
    os.close(slave)
    text = drain(master).decode().replace("\r\n", "\n")
    assert proc.wait(timeout=60) == 0, proc.stderr.read() if proc.stderr else ""
    assert "Open deals (1)" in text and "Follow-ups (1, 1 overdue)" in text
    assert all(cell_len(line) <= 80 for line in text.splitlines()), text


@pytest.mark.subprocess
def test_the_hot_path_loads_no_heavy_library(helene: Path) -> None:
    """`crm brief` runs while the phone rings: no Rich, no ORM, no TUI, no MCP SDK."""
    code = (
        "import sys\nfrom crmcli.cli import run\nrc = run(['brief', 'helene'])\n"
        "heavy = [m for m in ('rich', 'sqlmodel', 'sqlalchemy', 'textual', 'mcp') "
        "if m in sys.modules]\nprint('HEAVY', heavy, rc, file=sys.stderr)"
    )
    out = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, timeout=60, env=os.environ
    )
    assert "HEAVY [] 0" in out.stderr, out.stderr
