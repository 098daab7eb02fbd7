"""mutt/aerc address lookup, and logging an email piped from the mail client."""

from __future__ import annotations

import json
import sqlite3
from pathlib import Path

import pytest

from tests.conftest import invoke

MESSAGE = (
    "From: =?utf-8?q?H=C3=A9l=C3=A8ne_Dupr=C3=A9?= <Helene.Dupre@ACME.fr>\r\n"
    "To: Me <me@example.org>\r\n"
    "Subject: Re: the 50-seat proposal\r\n"
    "Date: Mon, 23 Nov 2026 16:42:00 +0100\r\n"
    "Message-ID: <abc123@acme.fr>\r\n"
    "MIME-Version: 1.0\r\n"
    "Content-Type: multipart/alternative; boundary=XX\r\n\r\n"
    "--XX\r\nContent-Type: text/plain; charset=utf-8\r\nContent-Transfer-Encoding: 8bit\r\n\r\n"
    "Bonjour,\r\nwe accept the terms. Signature Friday.\r\n"
    "--XX\r\nContent-Type: text/html\r\n\r\n<p>Bonjour</p>\r\n--XX--\r\n"
)


@pytest.fixture(autouse=True)
def people(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("CRM_NOW", "2026-11-25T14:20:00Z")
    invoke(
        "contact",
        "add",
        "Hélène Dupré",
        "-e",
        "helene.dupre@acme.fr",
        "-e",
        "h@home.fr",
        "-c",
        "Acme SAS",
    )
    invoke("contact", "add", "Marc Dupree", "-e", "marc@globex.com")
    invoke("contact", "add", "No Email Person")


def test_mutt_query_format() -> None:
    out = invoke("find", "dupre", "--format", "mutt")
    assert out.exit_code == 0
    lines = out.stdout.splitlines()
    assert lines[0] == "crm: 3 addresses for 'dupre'"
    assert lines[1:] == [
        "helene.dupre@acme.fr\tHélène Dupré\tAcme SAS",
        "h@home.fr\tHélène Dupré\tAcme SAS",
        "marc@globex.com\tMarc Dupree\t",
    ]


def test_aerc_has_no_status_line_and_no_match_exits_1() -> None:
    out = invoke("find", "marc", "--format", "aerc")
    assert out.stdout == "marc@globex.com\tMarc Dupree\t\n"
    out = invoke("find", "nobody", "--format", "mutt")
    assert out.exit_code == 1 and out.stdout == "crm: 0 addresses for 'nobody'\n"
    out = invoke("find", "no email", "--format", "aerc")
    assert out.exit_code == 1 and out.stdout == ""


def test_piped_email_is_logged_against_the_sender(db: Path) -> None:
    out = invoke("log", "email", "-", input=MESSAGE)
    assert out.exit_code == 0, out.stderr
    assert out.stdout.startswith(
        "logged email #1 with Hélène Dupré at 2026-11-23 16:42 (inbound): Re: the 50-seat proposal"
    )
    conn = sqlite3.connect(db)
    row = conn.execute(
        "SELECT summary, body, direction, external_id, occurred_at FROM interaction"
    ).fetchone()
    conn.close()
    assert row == (
        "Re: the 50-seat proposal",
        "Bonjour,\nwe accept the terms. Signature Friday.",
        "in",
        "<abc123@acme.fr>",
        "2026-11-23T15:42:00.000000Z",
    )
    again = invoke("log", "email", "-", input=MESSAGE)
    assert again.exit_code == 0 and again.stdout == "already logged as email #1\n"


def test_outgoing_email_finds_the_recipient() -> None:
    sent = (
        "From: Me <me@example.org>\nTo: Marc <marc@globex.com>, x@y.org\n"
        "Subject: Quote\nDate: Tue, 24 Nov 2026 09:00:00 +0000\n\nPlease find attached.\n"
    )
    out = invoke("log", "email", "-", "--json", input=sent)
    data = json.loads(out.stdout)["interaction"]
    assert (data["contact"], data["direction"], data["body"]) == (
        "Marc Dupree",
        "out",
        "Please find attached.",
    )


def test_email_from_a_stranger_is_a_clear_error(db: Path) -> None:
    stranger = "From: who@nowhere.example\nTo: me@example.org\nSubject: Hi\n\nHello\n"
    out = invoke("log", "email", "-", input=stranger)
    assert out.exit_code == 1 and "who@nowhere.example" in out.stderr
    plain = invoke("log", "email", "-", input="just some text\n")
    assert plain.exit_code == 2 and "raw email" in plain.stderr
