"""Sending a draft through the rep's own sendmail-compatible command, then logging it.

crm never speaks SMTP: `sendmail_command` (msmtp -t, /usr/sbin/sendmail -t -i, ...)
gets the message on stdin and does what the rep's mail setup does. Only when it exits
0 is the mail logged, as an outgoing email interaction carrying the Message-ID, through
the same service as `crm log email -`: the same mail seen again later (piped from the
Sent folder, or a mail sync) is recognised and not logged twice.
"""

from __future__ import annotations

import re
import shlex
import subprocess
from typing import TYPE_CHECKING

from crmcli.core.activity import interactions
from crmcli.core.activity.interactions import Direction, Kind
from crmcli.core.errors import CrmError, Invalid, Refused
from crmcli.core.values.message_ids import thread_key

if TYPE_CHECKING:
    from crmcli.core.config import Config
    from crmcli.core.db.store import Store
    from crmcli.core.messages.drafts import Draft

TIMEOUT_SECONDS = 300  # a sendmail waiting on a password prompt must not hang crm forever
_TAIL = 300  # characters of the command's stderr an error line quotes


def command_line(config: Config) -> list[str]:
    """`sendmail_command`, split as a shell would; Refused (naming the setting) when unset."""
    text = str(config.get("sendmail_command") or "").strip()
    if not text:
        raise Refused(
            "no sendmail_command set: crm config set sendmail_command 'msmtp -t' "
            "(or '/usr/sbin/sendmail -t -i'); nothing sent"
        )
    try:
        argv = shlex.split(text)
    except ValueError as exc:
        raise Invalid(f"cannot read sendmail_command {text!r}: {exc}; nothing sent") from None
    if not argv:
        raise Refused("sendmail_command is empty; nothing sent")
    return argv


def already_logged(store: Store, contact_id: int, message_id: str) -> int | None:
    """The interaction that already holds this Message-ID for the contact (as
    `crm log email -` looks it up), or None."""
    found = store.value(
        "SELECT id FROM interaction WHERE external_id = ? AND contact_id = ?",
        (message_id, contact_id),
    )
    return None if found is None else int(found)


def send(store: Store, config: Config, draft: Draft) -> interactions.Logged | int:
    """Hand the draft to `sendmail_command`; on exit 0, log it (one undoable batch).

    Returns what was logged, or the id of the interaction that already held this
    Message-ID. A missing command, a non-zero exit or a timeout is Refused with the
    command's last words, and nothing is logged.
    """
    argv = command_line(config)
    data = draft.as_bytes()
    try:
        done = subprocess.run(
            argv, input=data, capture_output=True, timeout=TIMEOUT_SECONDS, check=False
        )
    except FileNotFoundError:
        raise Refused(
            f"cannot run sendmail_command: {argv[0]!r} not found; nothing sent, nothing logged"
        ) from None
    except PermissionError:
        raise Refused(
            f"cannot run sendmail_command: {argv[0]!r} is not executable; nothing sent, "
            "nothing logged"
        ) from None
    except OSError as exc:
        raise Refused(
            f"cannot run sendmail_command {argv[0]!r}: {exc.strerror}; nothing logged"
        ) from None
    except subprocess.TimeoutExpired:
        raise Refused(
            f"{argv[0]} did not finish within {TIMEOUT_SECONDS} s and was stopped; "
            "the mail may or may not have gone, nothing logged"
        ) from None
    if done.returncode != 0:
        said = _tail(done.stderr) or _tail(done.stdout)
        said = f": {said}" if said else ""
        raise Refused(f"{argv[0]} exited with status {done.returncode}{said}; nothing logged")
    return log_sent(store, draft)


def log_sent(store: Store, draft: Draft) -> interactions.Logged | int:
    """Log a sent draft on its contact (and deal): summary the subject, body the text
    with the template's name, external id the Message-ID; once per Message-ID."""
    message_id = draft.message_id
    earlier = already_logged(store, draft.contact_id, message_id)
    if earlier is not None:
        return earlier
    body = f"{draft.body.rstrip()}\n\n(sent with template {draft.template!r})"
    try:
        return interactions.log(
            store,
            draft.contact_id,
            Kind.email,
            " ".join(draft.subject.split()) or "(no subject)",
            body=body,
            direction=Direction.outbound,
            deal_id=draft.deal_id,
            external_id=message_id,
            thread=thread_key(
                _header(draft, "References"), _header(draft, "In-Reply-To"), message_id
            ),
        )
    except CrmError as exc:  # the mail is gone: say so, so it is not sent twice
        exc.message = f"the mail was sent, but logging it failed: {exc.message}"
        raise


def _header(draft: Draft, name: str) -> str | None:
    value = draft.message[name]
    return None if value is None else str(value)


def _tail(output: bytes | None) -> str:
    """The last lines of a command's output, on one line, at most `_TAIL` characters."""
    if not output:
        return ""
    decoded = output.decode("utf-8", "replace")
    # Printable only: a terminal must not run the command's colours or escape sequences.
    decoded = re.sub(r"\x1b\[[0-9;?]*[ -/]*[@-~]", "", decoded)  # colours and cursor moves
    text = " ".join("".join(ch if ch.isprintable() else " " for ch in decoded).split())
    return text if len(text) <= _TAIL else "…" + text[-_TAIL:]
