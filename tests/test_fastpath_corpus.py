"""The fast path and Typer, as whole processes: the same bytes, exit codes and data.

Over 200 command lines, good and bad (typos in options, missing values, unknown and
ambiguous REFs, bytes that are not UTF-8, --json, --format, stdin, colour on or off,
a narrow terminal, a pseudo-terminal, a reader gone before the output) run twice as
the installed `crm`: as it is, and with CRM_NO_FAST_PATH=1, which sends every line
through Typer. Each run gets its own copy of one seeded database, so a write is
compared too: stdout, stderr, the exit code, the database's whole content (its SQL
dump) and the files left beside it must be equal. The clock is fixed (CRM_NOW).
The corpus lists the lines the fast path declines as well (help, typos in options,
missing values...), but does not run them: both runs would be the same Typer run.
tests/test_fastpath_parse.py checks, against Typer in-process, which lines are read.
"""

from __future__ import annotations

import fcntl
import os
import pty
import re
import shutil
import sqlite3
import struct
import subprocess
import sys
import termios
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path

import pytest

from tests.terminal import drain

pytestmark = [pytest.mark.subprocess, pytest.mark.slow]

NOW = "2026-03-11T10:30:00+01:00"  # a Wednesday morning in Paris
CRM = str(Path(sys.executable).with_name("crm"))
UUID = re.compile(r"\b[0-9a-f]{32}\b")

MESSAGE = (
    b"From: Helene Dupre <helene@dupre.fr>\r\nTo: Rep <rep@example.com>\r\n"
    b"Subject: Re: pricing\r\nMessage-ID: <m1@dupre.fr>\r\n"
    b"Date: Tue, 10 Mar 2026 09:00:00 +0100\r\n\r\nThanks, see you Friday.\r\n"
)


@dataclass(frozen=True)
class Case:
    """One command line and how it is run."""

    argv: tuple[str | bytes, ...]
    stdin: bytes = b""
    env: tuple[tuple[str, str], ...] = ()
    tty: bool = False  # stdout on a pseudo-terminal (100 x 40)
    closed: bool = False  # stdout a pipe whose reader is already gone

    @property
    def label(self) -> str:
        words = [w.decode("utf-8", "replace") if isinstance(w, bytes) else w for w in self.argv]
        extras = [f"{k}={v}" for k, v in self.env] + ["tty"] * self.tty + ["closed"] * self.closed
        extras += [f"stdin={self.stdin[:12]!r}"] if self.stdin else []
        return " ".join(words) + (f" [{' '.join(extras)}]" if extras else "")


@dataclass
class Outcome:
    code: int
    stdout: bytes
    stderr: bytes
    dump: str
    files: list[str] = field(default_factory=list)


def base_env(home: Path) -> dict[str, str]:
    return {
        "PATH": os.environ.get("PATH", "/usr/bin:/bin"),
        "HOME": str(home),
        "XDG_DATA_HOME": str(home / "data"),
        "XDG_CONFIG_HOME": str(home / "config"),
        "CRM_CONFIG": str(home / "config.toml"),
        "CRM_NOW": NOW,
        "TZ": "Europe/Paris",
        "LANG": "fr_FR.UTF-8",
        "NO_COLOR": "1",
        "COLUMNS": "120",
    }


def dump(db: Path) -> str:
    """The database as SQL, its random ids (a change's batch) numbered as they come."""
    if not db.exists():
        return ""
    conn = sqlite3.connect(db)
    try:
        text = "\n".join(conn.iterdump())
    finally:
        conn.close()
    seen: dict[str, str] = {}
    return UUID.sub(lambda m: seen.setdefault(m.group(), f"<uuid {len(seen)}>"), text)


@pytest.fixture(scope="module")
def seeded(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[Path, dict[str, str]]]:
    """A database with generated data, a few people made to be hard, and four rules."""
    home = tmp_path_factory.mktemp("corpus")
    (home / "config.toml").write_text('user = "rep"\ndefault_region = "FR"\n')
    db = home / "seed.db"
    env = {**base_env(home), "CRM_DB": str(db)}

    def crm(*argv: str) -> str:
        out = subprocess.run(
            [CRM, *argv], env=env, capture_output=True, text=True, timeout=120, check=True
        )
        return out.stdout

    crm("demo", "--to", str(db), "--contacts", "120", "--no-tour")
    crm("contact", "add", "Hélène Dupré", "-e", "helene@dupre.fr", "-p", "06 12 34 56 78")
    crm("contact", "add", "Ann Lee", "-e", "ann.lee@alpha.com", "--tag", "vip")
    crm("contact", "add", "Ann Lee", "-e", "ann.lee@beta.com")
    crm("contact", "add", "Zoë O'Brien", "-c", "Quartz", "-e", "zoe@quartz.io")
    crm("log", "note", "helene@dupre.fr", "Asked for the pricing grid; I'll send it Friday")
    crm("followup", "add", "helene@dupre.fr", "tomorrow 9am", "send the pricing grid")
    crm("followup", "add", "zoe@quartz.io", "yesterday", "call back")
    crm("followup", "add", "ann.lee@alpha.com", "last week", "send the contract")
    rules = [
        ("chase proposals", "deal enters Proposal", "followup +3d: chase {deal.title}"),
        ("call back", "call logged with outcome no-answer", "followup tomorrow 9am: call back"),
        ("new customer", "deal won", "tag customer"),
    ]
    for name, when, then in rules:
        crm("rule", "add", name, "--when", when, "--then", then)
    # A time rule: `crm today` runs it first, and writes (the first time).
    vip = ("--when", "followup overdue by 3 days", "--if", "tag:vip", "--then", "tag stale")
    crm("rule", "add", "stale vip", *vip)
    conn = sqlite3.connect(db)
    conn.row_factory = sqlite3.Row
    person = conn.execute(
        "SELECT c.id, c.first_name, c.last_name, e.email, p.e164 FROM contact c "
        "JOIN contact_email e ON e.contact_id = c.id JOIN contact_phone p ON p.contact_id = c.id "
        "WHERE c.first_name != 'Ann' ORDER BY c.id LIMIT 1 OFFSET 7"
    ).fetchone()
    deal = conn.execute(
        "SELECT d.id, d.title, d.version FROM deal d JOIN stage s ON s.id = d.stage_id "
        "WHERE s.kind = 'open' AND s.name != 'Proposal' ORDER BY d.id LIMIT 1"
    ).fetchone()
    other = conn.execute(
        "SELECT d.id FROM deal d JOIN stage s ON s.id = d.stage_id WHERE s.kind = 'open' "
        "AND d.id != ? ORDER BY d.id LIMIT 1",
        (deal["id"],),
    ).fetchone()
    due = conn.execute(
        "SELECT id FROM followup WHERE done_at IS NULL ORDER BY id LIMIT 2"
    ).fetchall()
    stages = [r[0] for r in conn.execute("SELECT name FROM stage ORDER BY position")]
    conn.close()
    crm("followup", "done", str(due[1]["id"]))
    assert "Proposal" in stages and "Won" in stages and "Lost" in stages, stages
    refs = {
        "id": str(person["id"]),
        "first": person["first_name"],
        "full": f"{person['first_name']} {person['last_name']}",
        "email": person["email"],
        "domain": "@" + person["email"].split("@", 1)[1],
        "phone": person["e164"],
        "national": "0" + person["e164"][3:] if person["e164"].startswith("+33") else "212",
        "deal": str(deal["id"]),
        "title": deal["title"],
        "version": str(deal["version"]),
        "other_deal": str(other["id"]),
        "open_followup": str(due[0]["id"]),
        "done_followup": str(due[1]["id"]),
    }
    yield db, refs


def corpus(r: dict[str, str]) -> list[Case]:
    """The command lines: each hot command's good lines, then its bad ones."""
    c: list[Case] = []

    def add(*argv: str | bytes, **how: object) -> None:
        c.append(Case(tuple(argv), **how))  # type: ignore[arg-type]

    # find
    for query in (r["full"], r["first"], r["full"][:4], r["full"] + "x", r["email"], r["domain"]):
        add("find", query)
    for query in (r["phone"], r["national"], "Hélène", "helene", "dupre", "obrien", "o'brien"):
        add("find", query)
    for query in ("Ann Lee", "ann", "zzzzqqq", "", "-", "Quartz", "ÉLÈNE", "山田", "ann lee vip"):
        add("find", query)
    add("find", "ann", "lee")
    add("find", r["first"], "--json")
    for fmt in ("table", "json", "jsonl", "csv", "mutt", "aerc"):
        add("find", r["first"], "--format", fmt)
    add("find", "ann", "-f", "csv", "-n", "1")
    add("find", "ann", "--format=jsonl", "--limit=2")
    add("find", "-n", "3", "ann")
    add("find", "ann", "-n", "3", "-n", "1")
    add("find", "ann", "--json", "--format", "csv")
    add("find", "ann", "--json", "--format", "json")
    add("find", "ann", "-f", "tsv")
    add("find", "ann", "-f", "JSON")
    add("find", "ann", "-f", "vcard")
    add("find", "ann", "-n", "0")
    add("find", "ann", "-n", "-1")
    add("find", "ann", "-n", "abc")
    add("find", "ann", "-n", "05")
    add("find", "ann", "-n")
    add("find", "ann", "--limit")
    add("find", "ann", "-n5")
    add("find", "ann", "--limt", "5")
    add("find", "ann", "--jsn")
    add("find", "ann", "--json=1")
    add("find", "ann", "-x")
    add("find", "--", "-x")
    add("find")
    add("find", "--help")
    add("find", "ann", "-h")
    add("find", "ann", "--db", "missing.db")
    add("--db", "missing.db", "find", "ann")
    add("find", b"\xff\xfe")
    add("find", "caf\xe9".encode("latin-1"))
    add("find", "ann", env=(("NO_COLOR", ""), ("FORCE_COLOR", "1")))
    add("find", "ann", env=(("COLUMNS", "50"),))
    add("find", "ann", tty=True)
    add("find", "ann", tty=True, env=(("COLUMNS", "60"),))
    add("find", "ann", tty=True, env=(("NO_COLOR", ""),))
    add("find", "zzzzqqq", tty=True)
    add("find", "ann", closed=True)
    add("find", "e", "-n", "200", "--json", closed=True)
    add("find", "ann", env=(("CRM_DEBUG", "1"),))
    # contact show
    for ref in (r["id"], r["email"], r["full"], r["first"][:3], "helene@dupre.fr", "Zoë"):
        add("contact", "show", ref)
    for ref in ("Ann Lee", "ann", "99999", "0", "nobody@nowhere", "", " 5 "):
        add("contact", "show", ref)
    add("contact", "show", r["id"], "--json")
    add("contact", "show", r["id"], "-n", "0")
    add("contact", "show", r["id"], "-n", "2")
    add("contact", "show", r["id"], "--limit=1", "--json")
    add("contact", "show", r["id"], "-n", "-1")
    add("contact", "show", r["id"], "-n", "x")
    add("contact", "show")
    add("contact", "show", r["id"], "extra")
    add("contact", "--json", "show", r["id"])
    add("contact", "show", "-5")
    add("contact", "show", r["id"], tty=True)
    add("contact", "show", "helene@dupre.fr", tty=True, env=(("COLUMNS", "70"),))
    add("contact", "show", r["id"], env=(("NO_COLOR", ""), ("FORCE_COLOR", "1")))
    add("contact", "show", r["id"], "--json", closed=True)
    # log
    add("log", "note", r["id"], "met at the fair")
    add("log", "call", r["email"], "pricing talk", "-d", "15m", "--out")
    add("log", "call", r["email"], "they called", "--in", "--duration", "1h30")
    add("log", "call", r["id"], "no one", "--outcome", "no-answer")
    add("log", "call", r["id"], "left one", "--outcome", "voicemail", "--json")
    add("log", "call", r["id"], "x", "--outcome", "maybe")
    add("log", "meeting", "helene@dupre.fr", "lunch", "--at", "yesterday 1pm")
    add("log", "meeting", "helene@dupre.fr", "lunch", "--at", "-2h")
    add("log", "meeting", "helene@dupre.fr", "lunch", "--at", "whenever")
    add("log", "note", r["id"], "x", "--at", "--json")
    add("log", "call", r["id"], "promised a quote", "--next", "fri 10am")
    add("log", "call", r["id"], "promised", "--next", "tomorrow", "--next-note", "send quote")
    add("log", "call", r["id"], "late", "--next", "yesterday")
    add("log", "call", r["id"], "x", "--next-note", "orphan")
    add("log", "call", r["id"], "x", "--next", "someday")
    add("log", "email", r["id"], "sent the deck", "--deal", r["title"])
    add("log", "email", r["id"], "sent", "--deal", "no such deal")
    add("log", "message", r["id"], "texted", "--json")
    add("log", "note", r["id"], "-", stdin=b"from stdin\nwith a body\n")
    add("log", "note", r["id"], stdin=b"piped summary\n")
    add("log", "note", r["id"])
    add("log", "email", "-", stdin=MESSAGE)
    add("log", "email", "helene@dupre.fr", "-", stdin=b"plain text, not a message\n")
    add("log", "email", "-", stdin=b"no headers here\n")
    add("log", "note", "Ann Lee", "which one?")
    add("log", "note", "nobody@nowhere", "x")
    add("log", "CALL", r["id"], "x")
    add("log", "visit", r["id"], "x")
    add("log", "call")
    add("log")
    add("log", "call", r["id"], "x", "y")
    add("log", "call", r["id"], "x", "-d", "forever")
    add("log", "call", r["id"], "x", "-d")
    add("log", "call", r["id"], "x", "--in=yes")
    add("log", "call", r["id"], "x", "-e")
    add("log", "call", r["id"], "--edit", env=(("EDITOR", "true"),))
    add("log", "note", r["id"], "x", "--jsno")
    add("log", "note", r["id"], "caf\xe9".encode("latin-1"))
    add("log", "note", r["id"], "a" * 5000)
    add("log", "note", r["id"], "line\nbreak\ttab \x1b[31mred")
    add("log", "note", r["id"], "x", tty=True)
    add("log", "note", r["id"], "x", closed=True)
    add("--db", "missing.db", "log", "note", "1", "x")
    add("log", "note", r["id"], "x", "--db", "crm.db")
    # today
    add("today")
    add("today", "--all")
    add("today", "--json")
    add("today", "-n", "2")
    add("today", "--limit=1", "--all")
    add("today", "--brief")
    add("today", "--owner", "rep")
    add("today", "--owner", "somebody")
    add("today", "-n", "0")
    add("today", "-n", "many")
    add("today", "extra")
    add("today", "--al")
    add("today", tty=True)
    add("today", tty=True, env=(("NO_COLOR", ""),))
    add("today", env=(("COLUMNS", "40"),))
    add("today", "--json", closed=True)
    add("--db", "missing.db", "today")
    add("--db", "missing.db", "today", "--brief")
    # search
    for text in ("pricing", "pric", "Friday", "send", "zzzzqqq", "NEAR", '"pricing', "a*"):
        add("search", text)
    for text in ("AND", "(", "-x", "pricing OR send", "hélène", "grid", "'", "*"):
        add("search", "--", text) if text.startswith("-") else add("search", text)
    add("search", "pricing", "grid")
    add("search", "pricing", "--json")
    add("search", "pricing", "-f", "csv")
    add("search", "pricing", "--format", "jsonl", "-n", "1")
    add("search", "pricing", "-f", "mutt")
    add("search", "pricing", "-n", "0")
    add("search")
    add("search", "pricing", "--limit", "x")
    add("search", "pricing", tty=True)
    add("search", "pricing", closed=True)
    # followup add
    add("followup", "add", r["id"], "tomorrow")
    add("followup", "add", r["id"], "fri 10am", "send the quote")
    add("followup", "add", r["email"], "in 2 weeks", "check in", "--json")
    add("followup", "add", r["id"], "2026-12-01 14:00", "--deal", r["title"])
    add("followup", "add", r["id"], "tomorrow", "x", "--deal", "nope")
    add("followup", "add", r["id"], "yesterday", "too late")
    add("followup", "add", r["id"], "last year")
    add("followup", "add", r["id"], "someday")
    add("followup", "add", r["id"], "")
    add("followup", "add", "Ann Lee", "tomorrow")
    add("followup", "add", "nobody@nowhere", "tomorrow")
    add("followup", "add", r["id"])
    add("followup", "add")
    add("followup", "add", r["id"], "tomorrow", "x", "y")
    add("followup", "add", r["id"], "tomorrow", "--deal")
    add("followup", "add", r["id"], "+3d", "--jsn")
    add("followup", "add", r["id"], "tomorrow", "x", tty=True)
    add("followup", "Add", r["id"], "tomorrow")
    # followup done
    add("followup", "done", r["open_followup"])
    add("followup", "done", r["open_followup"], "--json")
    add("followup", "done", r["done_followup"])
    add("followup", "done", "99999")
    add("followup", "done", "abc")
    add("followup", "done", "0")
    add("followup", "done", "-1")
    add("followup", "done", "")
    add("followup", "done")
    add("followup", "done", "1", "2")
    add("followup", "done", r["open_followup"], closed=True)
    # deal move
    add("deal", "move", r["deal"], "Proposal")
    add("deal", "move", r["deal"], "proposal")
    add("deal", "move", r["title"], "Negotiation")
    add("deal", "move", r["deal"], "Won")
    add("deal", "move", r["deal"], "Won", "--json")
    add("deal", "move", r["deal"], "Lost")
    add("deal", "move", r["deal"], "Lost", "--reason", "price")
    add("deal", "move", r["deal"], "Nowhere")
    add("deal", "move", "99999", "Won")
    add("deal", "move", "no such deal", "Won")
    add("deal", "move", r["deal"], "Proposal", "--if-version", r["version"])
    add("deal", "move", r["deal"], "Proposal", "--if-version", "999")
    add("deal", "move", r["deal"], "Proposal", "--if-version", "-1")
    add("deal", "move", r["deal"], "Proposal", "--if-version", "x")
    add("deal", "move", r["deal"], "Proposal", "--pipeline", "Nope")
    add("deal", "move", r["deal"])
    add("deal", "move")
    add("deal", "move", r["deal"], "Won", "extra")
    add("deal", "move", r["deal"], "Won", "--reasn", "x")
    add("deal", "move", r["other_deal"], "Proposal", "--json")
    add("deal", "move", r["deal"], "Proposal", tty=True)
    add("deal", "move", r["deal"], "Won", closed=True)
    # brief
    for ref in (r["id"], r["email"], r["full"], r["phone"], r["national"], "helene@dupre.fr"):
        add("brief", ref)
    add("brief", "Ann Lee")
    add("brief", "nobody@nowhere")
    add("brief", r["id"], "--json")
    add("brief", "helene@dupre.fr", "--json")
    add("brief")
    add("brief", r["id"], "--all")
    add("brief", r["id"], tty=True)
    add("brief", "helene@dupre.fr", tty=True, env=(("COLUMNS", "60"),))
    add("brief", r["id"], env=(("NO_COLOR", ""), ("FORCE_COLOR", "1")))
    add("brief", r["id"], closed=True)
    # tui: only the lines that end before the interface takes the terminal
    add("--db", ".", "tui")
    add("--db", "/dev/null", "tui", "--theme", "textual-dark")
    add("--db", "missing/crm.db", "tui", "--theme=nope")
    add("tui", "--db", "missing/crm.db")
    add("tui", "--theme")
    add("tui", "extra")
    add("tui", "--them", "x")
    add("tui", "--help")
    # more of what a rep mistypes, well formed: the bodies' own refusals
    for query in ("*", "%", "_", "'; DROP TABLE contact; --", "+33", "06", "a" * 300):
        add("find", query)
    add("find", "ann", "--limit", "1000")
    add("contact", "show", r["phone"])
    add("contact", "show", "Hélène")
    add("contact", "show", "O'Brien", "--json")
    add("log", "call", "helene@dupre.fr", "x", "--deal", r["deal"])
    add("log", "note", "Zoë O'Brien", 'quote\'s "sent"')
    add("log", "email", "zoe@quartz.io", "")
    add("log", "call", r["id"], "x", "-d", "0m")
    add("log", "call", r["id"], "x", "--at", "2030-01-01")
    add("log", "call", r["id"], "x", "--at", "2026-02-30")
    add("today", "--owner", "")
    add("search", "O'Brien")
    add("search", "send", "-n", "1000")
    add("followup", "add", r["id"], "tomorrow", "--deal", r["deal"])
    add("followup", "add", r["id"], "2026-02-30")
    add("followup", "add", "Zoë", "in 0 days", "today then")
    add("followup", "done", r["open_followup"], "--json", env=(("NO_COLOR", ""),))
    add("deal", "move", r["title"][:3], "Proposal")
    add("deal", "move", r["deal"], "Won ")
    add("deal", "move", r["deal"], "Proposal", "--pipeline", "")
    add("deal", "move", r["deal"], "Won", env=(("NO_COLOR", ""), ("FORCE_COLOR", "1")))
    add("brief", "Zoë")
    add("brief", "zoe")
    add("brief", "+33")
    # around them: the root's options, the prompt's own path, a command not hot
    add("--version")
    add("--db")
    add("status", "--prompt")
    add("contact", "list", "-n", "3")
    add("--db=crm.db", "find", "ann")
    add("find", "ann", "--db=crm.db")
    add("--db", "crm.db", "contact", "show", r["id"], "--db", "missing.db")
    return c


def run(case: Case, folder: Path, seed: Path, fast: bool) -> Outcome:
    """`case` run once, in `folder` on a fresh copy of the seeded database."""
    folder.mkdir()
    shutil.copy(seed, folder / "crm.db")
    env = {**base_env(folder.parent), "CRM_DB": str(folder / "crm.db"), **dict(case.env)}
    if not fast:
        env["CRM_NO_FAST_PATH"] = "1"
    argv = [CRM, *case.argv]
    kwargs: dict[str, object] = {"cwd": folder, "env": env}
    if case.tty:
        master, slave = pty.openpty()
        fcntl.ioctl(slave, termios.TIOCSWINSZ, struct.pack("HHHH", 40, 100, 0, 0))
        proc = subprocess.Popen(
            argv, stdin=subprocess.PIPE, stdout=slave, stderr=subprocess.PIPE, **kwargs
        )  # type: ignore[call-overload]
        os.close(slave)
        proc.stdin.write(case.stdin)
        proc.stdin.close()
        stdout = drain(master)
        stderr = proc.stderr.read()
        code = proc.wait(timeout=120)
    elif case.closed:
        read, write = os.pipe()
        os.close(read)
        proc = subprocess.Popen(
            argv, stdin=subprocess.PIPE, stdout=write, stderr=subprocess.PIPE, **kwargs
        )  # type: ignore[call-overload]
        os.close(write)
        _, stderr = proc.communicate(case.stdin, timeout=120)
        stdout, code = b"", proc.returncode
    else:
        done = subprocess.run(argv, input=case.stdin, capture_output=True, timeout=120, **kwargs)  # type: ignore[call-overload]
        stdout, stderr, code = done.stdout, done.stderr, done.returncode
    where = str(folder).encode()
    return Outcome(
        code,
        stdout.replace(where, b"<dir>"),
        stderr.replace(where, b"<dir>"),
        dump(folder / "crm.db"),
        sorted(p.name for p in folder.iterdir()),
    )


def test_fast_path_and_typer_agree_on_every_line(
    seeded: tuple[Path, dict[str, str]], tmp_path: Path
) -> None:
    from crmcli.fastpath.parse import parse

    seed, refs = seeded
    cases = corpus(refs)
    assert len({case.label for case in cases}) == len(cases), "a line twice"
    # A line the fast path declines goes to Typer both ways, the very same run: those
    # are listed (the corpus says what is left to Typer) but not run.
    read = [c for c in cases if all(isinstance(w, str) for w in c.argv)]
    read = [c for c in read if parse([str(w) for w in c.argv]) is not None]
    assert len(read) >= 200
    assert len(cases) - len(read) >= 50  # and the bad lines are there too

    def both(numbered: tuple[int, Case]) -> tuple[Case, Outcome, Outcome]:
        i, case = numbered
        fast = run(case, tmp_path / f"{i}-fast", seed, fast=True)
        typer = run(case, tmp_path / f"{i}-typer", seed, fast=False)
        return case, fast, typer

    with ThreadPoolExecutor(max_workers=4) as pool:
        results = list(pool.map(both, enumerate(read)))
    differ = [
        f"{case.label}\n  fast:  {fast.code} {fast.stdout[:300]!r} {fast.stderr[:300]!r}"
        f"\n  typer: {typer.code} {typer.stdout[:300]!r} {typer.stderr[:300]!r}"
        + ("\n  the databases differ" if fast.dump != typer.dump else "")
        + (f"\n  files: {fast.files} / {typer.files}" if fast.files != typer.files else "")
        for case, fast, typer in results
        if (fast.code, fast.stdout, fast.stderr, fast.dump, fast.files)
        != (typer.code, typer.stdout, typer.stderr, typer.dump, typer.files)
    ]
    assert differ == [], "\n".join(differ)
    # The comparison means something: writes changed the database, and the bodies'
    # own refusals were among the lines.
    seeded_dump = dump(seed)
    assert sum(fast.dump != seeded_dump for _, fast, _ in results) >= 30
    told = {case.argv for case, fast, _ in results if b"rules: " in fast.stderr}
    assert ("today",) in told  # the time rule ran first, and wrote
    assert ("deal", "move", refs["deal"], "Proposal") in told  # a change rule fired
    assert sum(fast.code != 0 for _, fast, _ in results) >= 50
    assert sum(fast.code == 0 and fast.stdout != b"" for _, fast, _ in results) >= 80


# -- a TAB press in bash -----------------------------------------------------------------

TABS = [
    "crm contact show ",
    "crm contact show a",
    "crm contact show ann",
    "crm contact show 'Ann L",
    'crm contact show "Ann L',
    "crm contact show hel",
    "crm contact show hélène",
    "crm contact show dup",
    "crm contact show zoe",
    "crm contact show O\\'B",
    "crm contact show zzzzqqq",
    "crm contact show 1",
    "crm contact show =",
    "crm 'contact show' a",
    "crm log call ",
    "crm log call dup",
    "crm log note ann",
    "crm log meeting Zo",
    "crm followup add ",
    "crm followup add hel",
    "crm followup done ",
    "crm followup done 1",
    "crm followup done 2",
    "crm followup done 9",
    "crm deal move ",
    "crm deal move P",
    "crm deal move 1 ",
    "crm deal move 1 Pro",
    "crm deal move 1 won",
    "crm deal move 1 x",
    "crm brief ",
    "crm brief ann",
    "crm brief +33",
    "crm brief Hél",
    "crm --db missing.db brief ann",
    "crm --db=missing.db contact show a",
    "crm --db {seed} brief hel",
    "crm --db={seed} deal move 1 N",
]


def tab_cases(seed: Path) -> list[tuple[str, str]]:
    """(COMP_WORDS, COMP_CWORD) for each line: the cursor on its last word, and a few
    with the cursor inside the line."""
    out = []
    for line in TABS:
        words = line.replace("{seed}", str(seed))
        count = len(words.split()) - (0 if words.endswith(" ") else 1)
        out.append((words, str(count)))
    out += [
        ("crm contact show ann extra", "3"),
        ("crm deal move 1 Pro --json", "4"),
        ("crm brief ann", "9"),
    ]
    return out


def tab(words: str, cursor: str, folder: Path, fast: bool) -> tuple[int, bytes, bytes]:
    env = {
        **base_env(folder),
        "CRM_DB": str(folder / "seed.db"),
        "_CRM_COMPLETE": "complete_bash",
        "COMP_WORDS": words,
        "COMP_CWORD": cursor,
    }
    if not fast:
        env["CRM_NO_FAST_PATH"] = "1"
    done = subprocess.run([CRM], env=env, cwd=folder, capture_output=True, timeout=120)
    return done.returncode, done.stdout, done.stderr


def test_a_tab_press_in_bash_is_answered_alike(seeded: tuple[Path, dict[str, str]]) -> None:
    """Candidates for a REF in bash, both ways: the same bytes and exit code. Read-only:
    completion never writes, so every line runs on the seeded database itself."""
    from crmcli.fastpath.complete import _split, _target

    seed, _ = seeded
    cases = tab_cases(seed)
    read = []
    for words, cursor in cases:
        split = _split(words)
        incomplete = (split[int(cursor) :] or [""])[0]
        if _target(split[1 : int(cursor)], incomplete) is not None:
            read.append((words, cursor))
    assert len(read) >= 30, len(read)

    def both(case: tuple[str, str]) -> tuple[tuple[str, str], object, object]:
        return case, tab(*case, seed.parent, True), tab(*case, seed.parent, False)

    with ThreadPoolExecutor(max_workers=4) as pool:
        results = list(pool.map(both, read))
    differ = [f"{case}\n  fast:  {a}\n  typer: {b}" for case, a, b in results if a != b]
    assert differ == [], "\n".join(differ)
    offered = [a for _, a, _ in results if a[1].strip()]  # type: ignore[index]
    assert len(offered) >= 20  # most presses offered something: not empty against empty
