"""Where a sync's password comes from, and where it may go: shared by IMAP and CalDAV/CardDAV.

A password is never kept by crm: the rep names a command (`pass show mail/me`,
`secret-tool lookup ...`, a keyring helper) that prints it, the way mbsync's
PassCmd and vdirsyncer's `password.fetch` work, and it is run at each sync, its
first line taken, and never stored, logged or shown in a message. It travels
only over TLS, or in clear to this machine alone (a local bridge such as
Proton's or Davmail, a Radicale on localhost).
"""

from __future__ import annotations

import ipaddress
import subprocess

from crmcli.core.errors import Refused

PASSWORD_TIMEOUT = 120.0  # a password manager may ask for a passphrase first


def password_from(command: str | None, name: str, *, example: str = "pass show mail/me") -> str:
    """The first line `command` prints; its failure is one line, without its output.

    `name` is the source as the rep knows it, for the messages; `example` a command
    to suggest when there is none.
    """
    if not command:
        raise Refused(
            f'{name} needs a password_command (e.g. "{example}"); '
            "a password is never kept in the config"
        )
    try:
        done = subprocess.run(
            command,
            shell=True,  # a command line as the rep writes it, like mbsync's PassCmd
            stdin=subprocess.DEVNULL,
            capture_output=True,
            timeout=PASSWORD_TIMEOUT,
            check=False,
        )
    except subprocess.TimeoutExpired:
        raise Refused(f"password_command for {name} did not finish") from None
    except OSError as exc:
        raise Refused(f"password_command for {name} failed: {exc.strerror}") from None
    if done.returncode != 0:
        said = [ln for ln in done.stderr.decode(errors="replace").splitlines() if ln.strip()]
        reason = f": {said[-1].strip()[:200]}" if said else ""
        raise Refused(f"password_command for {name} failed (exit {done.returncode}){reason}")
    lines = done.stdout.decode(errors="replace").splitlines()
    password = lines[0] if lines else ""
    if not password:
        raise Refused(f"password_command for {name} printed no password")
    return password


def loopback(host: str) -> bool:
    """Is `host` this machine (localhost or a loopback address), where clear text stays local?"""
    if host.lower() == "localhost":
        return True
    try:
        return ipaddress.ip_address(host.strip("[]")).is_loopback
    except ValueError:
        return False
