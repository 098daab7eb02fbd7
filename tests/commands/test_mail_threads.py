"""Replies shown with their conversation: `crm log email -`, `crm mail draft --send` and
`crm sync mail` set the thread; `crm contact show` (table and --json) shows it."""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Callable
from email import policy
from email.parser import BytesParser
from pathlib import Path

import pytest

from crmcli.commands._contact_show import threaded
from tests.conftest import Result
from tests.core.sync.maildirs import deliver, make_maildir

Crm = Callable[..., Result]
ANN = "anne@example.com"
BOB = "bob@example.net"
ME = "me@example.org"


def mail(
    sender: str,
    subject: str,
    message_id: str,
    minute: int,
    *,
    to: str = ME,
    cc: str | None = None,
    references: str | None = None,
    in_reply_to: str | None = None,
) -> str:
    lines = [f"From: {sender}", f"To: {to}", f"Subject: {subject}", f"Message-ID: {message_id}"]
    lines += [f"Cc: {cc}"] if cc else []
    lines += [f"References: {references}"] if references else []
    lines += [f"In-Reply-To: {in_reply_to}"] if in_reply_to else []
    lines.append(f"Date: Fri, 20 Feb 2026 10:{minute:02d}:00 +0000")
    return "\n".join(lines) + "\n\nHello\n"


def ok(result: Result) -> Result:
    assert result.exit_code == 0, result.stderr
    return result


@pytest.fixture
def people(crm: Crm) -> None:
    ok(crm("contact", "add", "Anne Müller", "--email", ANN))
    ok(crm("contact", "add", "Bob Ørsted", "--email", BOB))


def timeline(crm: Crm, ref: str) -> list[dict[str, object]]:
    return list(json.loads(ok(crm("contact", "show", ref, "--json")).stdout)["timeline"])


@pytest.mark.usefixtures("people")
def test_piped_replies_join_their_thread_and_show_it(crm: Crm) -> None:
    ok(crm("log", "email", "-", input=mail(ANN, "Devis — Zürich", "<t1@x.test>", 1)))
    reply = mail(ME, "Re: Devis — Zürich", "<t2@x.test>", 2, to=ANN, cc=BOB,
                 references="<t1@x.test>", in_reply_to="<t1@x.test>")  # fmt: skip
    ok(crm("log", "email", "-", input=reply))
    ok(crm("log", "email", "Bob", "-", input=reply))  # the same reply, on Bob too
    # A client citing only its parent, with a new subject: still the same conversation.
    moved = mail(ANN, "Nouveau prix", "<t3@x.test>", 3, in_reply_to="<t2@x.test>")
    ok(crm("log", "email", "-", input=moved))
    ok(crm("log", "email", "-", input=mail(ANN, "Autre chose", "<u1@x.test>", 4)))

    shown = ok(crm("contact", "show", "Anne Müller")).stdout
    assert "email in   Autre chose\n" in shown  # alone in its thread: nothing added
    assert "↳ Nouveau prix (re: Devis — Zürich; 3 in thread)" in shown
    assert "↳ Re: Devis — Zürich (3 in thread)" in shown
    assert "Devis — Zürich (3 in thread)" in shown

    events = timeline(crm, "Anne Müller")
    assert [e["thread"] for e in events] == [
        {"id": "<u1@x.test>", "messages": 1, "subject": "Autre chose", "first": True},
        {"id": "<t1@x.test>", "messages": 3, "subject": "Devis — Zürich", "first": False},
        {"id": "<t1@x.test>", "messages": 3, "subject": "Devis — Zürich", "first": False},
        {"id": "<t1@x.test>", "messages": 3, "subject": "Devis — Zürich", "first": True},
    ]
    bob = timeline(crm, "Bob")
    assert [e["thread"]["messages"] for e in bob] == [3]  # type: ignore[index]
    ok(crm("followup", "add", "Bob", "friday", "Relancer"))
    assert timeline(crm, "Bob")[0]["thread"] is None  # not an email: no thread


@pytest.mark.usefixtures("people")
def test_a_sent_draft_starts_a_thread_its_answer_joins(crm: Crm, tmp_path: Path, db: Path) -> None:
    stored = tmp_path / "sent.eml"
    script = tmp_path / "sendmail"
    script.write_text(f'#!/bin/sh\ncat > "{stored}"\n')
    script.chmod(0o755)
    ok(crm("config", "set", "sendmail_command", f"{script} -t"))
    ok(crm("config", "set", "me_email", ME))
    ok(crm("template", "add", "devis", "-s", "Votre devis", "-b", "Bonjour {first_name}"))
    ok(crm("mail", "draft", "Anne Müller", "devis", "--send"))
    sent = BytesParser(policy=policy.default).parsebytes(stored.read_bytes())
    own = str(sent["Message-ID"]).strip()
    answer = mail(ANN, "Re: Votre devis", "<ans@x.test>", 5, references=own, in_reply_to=own)
    ok(crm("log", "email", "-", input=answer))
    with sqlite3.connect(db) as conn:
        rows = conn.execute("SELECT external_id, thread FROM interaction ORDER BY id").fetchall()
    assert rows == [(own, own), ("<ans@x.test>", own)]


def test_sync_mail_threads_on_either_backend(crm: Crm, backend: str, tmp_path: Path) -> None:
    ok(crm("contact", "add", "Anne Müller", "--email", ANN))
    inbox = make_maildir(tmp_path / "INBOX")
    deliver(inbox, mail(ANN, "Devis", "<s1@x.test>", 1).encode())
    deliver(inbox, mail(ANN, "Re: Devis", "<s2@x.test>", 2, references="<s1@x.test>").encode())
    ok(crm("sync", "mail", "--maildir", str(inbox)))
    events = timeline(crm, "Anne Müller")
    assert [(e["text"], e["thread"]["first"]) for e in events] == [  # type: ignore[index]
        ("Re: Devis", False),
        ("Devis", True),
    ]
    assert {e["thread"]["messages"] for e in events} == {2}  # type: ignore[index]
    assert "↳ Re: Devis (2 in thread)" in ok(crm("contact", "show", "Anne Müller")).stdout


@pytest.mark.parametrize(
    ("text", "thread", "shown"),
    [
        ("Devis", None, "Devis"),
        ("Devis", {"messages": 1, "first": True, "subject": "Devis"}, "Devis"),
        ("Devis", {"messages": 2, "first": True, "subject": "Devis"}, "Devis (2 in thread)"),
        ("RE: AW: devis", {"messages": 4, "first": False, "subject": "Devis"},
         "↳ RE: AW: devis (4 in thread)"),
        ("Re[2]: Devis", {"messages": 4, "first": False, "subject": "Fwd: Devis"},
         "↳ Re[2]: Devis (4 in thread)"),
        ("Prix", {"messages": 3, "first": False, "subject": "Re: Devis"},
         "↳ Prix (re: Devis; 3 in thread)"),
    ],
)  # fmt: skip
def test_how_a_thread_reads_in_the_timeline(text: str, thread: object, shown: str) -> None:
    assert threaded(text, thread) == shown  # type: ignore[arg-type]
