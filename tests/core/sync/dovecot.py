"""A real Dovecot IMAP server for the tests, started on 127.0.0.1 with a throwaway config.

No mocked server: `start()` writes a config under a temporary folder (its own
base_dir, state_dir, log and a self-signed certificate; any user name logs in with
`PASSWORD`),
runs `dovecot -F -c CONFIG` on two free ports (plain with STARTTLS, and IMAPS),
waits for the greeting, and `stop()` ends it. Each test gets its own user, so
its mailbox starts empty, and fills it through IMAP APPEND as any client would.

Run as an ordinary user, everything runs as that user. Run as root (a CI
container), Dovecot's login and internal processes use the `dovenull` and
`dovecot` accounts the Debian package creates, and mail is stored as `nobody`
(Dovecot never stores mail as root) in a folder of its own, removed at stop.
`.ci/run` installs `dovecot-imapd` when missing; without it the tests skip.
"""

from __future__ import annotations

import grp
import imaplib
import itertools
import os
import pwd
import shutil
import socket
import ssl
import subprocess
import tempfile
import time
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path

HOST = "127.0.0.1"
PASSWORD = "s3cret-Zx9"  # every test user's password (a static passdb)


def binary() -> str | None:
    """The dovecot program (in /usr/sbin, often outside an ordinary user's PATH)."""
    return shutil.which("dovecot") or next(
        (p for p in ("/usr/sbin/dovecot", "/usr/local/sbin/dovecot") if os.access(p, os.X_OK)),
        None,
    )


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind((HOST, 0))
        return int(sock.getsockname()[1])


@dataclass
class Account:
    """One IMAP user on the test server, with the helpers a test fills its mailbox with."""

    server: Dovecot
    user: str
    password: str

    def url(self, mailbox: str = "INBOX", *, scheme: str = "imap") -> str:
        port = self.server.imaps_port if scheme == "imaps" else self.server.port
        return f"{scheme}://{self.user}@{HOST}:{port}/{mailbox}"

    @property
    def password_command(self) -> str:
        return f"printf '%s\\n' '{self.password}'"

    def connect(self) -> imaplib.IMAP4:
        imap = imaplib.IMAP4(HOST, self.server.port, timeout=30)
        imap.login(self.user, self.password)
        return imap

    def append(
        self,
        messages: Iterable[bytes],
        mailbox: str = "INBOX",
        *,
        when: datetime | None = None,
    ) -> list[int]:
        """APPEND raw messages (CRLF or LF line ends), in order; their UIDs."""
        uids: list[int] = []
        imap = self.connect()
        try:
            if mailbox != "INBOX":
                imap.create(_quoted(mailbox))  # an existing box answers NO: harmless
            stamp = imaplib.Time2Internaldate(when or datetime.now().astimezone())
            for raw in messages:
                typ, data = imap.append(_quoted(mailbox), None, stamp, raw)
                assert typ == "OK", data
                # [APPENDUID <validity> <uid>] (UIDPLUS, which Dovecot always has)
                text = data[0].decode() if data and isinstance(data[0], bytes) else ""
                uids.append(int(text.split("APPENDUID", 1)[1].split()[1].rstrip("]")))
        finally:
            imap.logout()
        return uids

    def delete(self, uids: Iterable[int], mailbox: str = "INBOX") -> None:
        """Flag the messages deleted and expunge them."""
        imap = self.connect()
        try:
            imap.select(_quoted(mailbox))
            imap.uid("STORE", ",".join(map(str, uids)), "+FLAGS.SILENT", r"(\Deleted)")
            imap.expunge()
        finally:
            imap.logout()

    def recreate(self, mailbox: str) -> None:
        """Delete and create a (non-INBOX) mailbox again: it comes back with a new UIDVALIDITY."""
        imap = self.connect()
        try:
            imap.delete(_quoted(mailbox))
            imap.create(_quoted(mailbox))
        finally:
            imap.logout()

    def uidvalidity(self, mailbox: str = "INBOX") -> int:
        imap = self.connect()
        try:
            typ, data = imap.status(_quoted(mailbox), "(UIDVALIDITY)")
            assert typ == "OK", data
            raw = data[0].decode() if isinstance(data[0], bytes) else str(data[0])
            return int(raw.rsplit("UIDVALIDITY", 1)[1].strip(" )"))
        finally:
            imap.logout()


def _quoted(mailbox: str) -> str:
    return '"' + mailbox.replace("\\", "\\\\").replace('"', '\\"') + '"'


@dataclass
class Dovecot:
    """A running test server: its ports, its files, and how to add a user."""

    root: Path
    port: int
    imaps_port: int
    process: subprocess.Popen[bytes]
    cafile: Path
    mail_root: Path
    owns_mail_root: bool
    users: list[str] = field(default_factory=list)
    _serial: itertools.count[int] = field(default_factory=lambda: itertools.count(1))

    @property
    def log(self) -> str:
        path = self.root / "dovecot.log"
        return path.read_text(errors="replace") if path.exists() else ""

    def account(self, prefix: str = "rep") -> Account:
        """A new user, whose mailbox is empty."""
        user = f"{prefix}{next(self._serial)}"
        self.users.append(user)
        return Account(self, user, PASSWORD)

    def stop(self) -> None:
        if self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()
        if self.owns_mail_root:
            shutil.rmtree(self.mail_root, ignore_errors=True)


def start(root: Path, *, tls: bool = True) -> Dovecot:
    """Start Dovecot with its config and state under `root` (a fresh folder); raises if it fails.

    With `tls`, the plain port offers STARTTLS and a second port speaks IMAPS, with a
    self-signed certificate for 127.0.0.1 (its file is `cafile`: point SSL_CERT_FILE
    at it to trust it); without, the plain port offers no TLS at all.
    """
    program = binary()
    if program is None:
        raise FileNotFoundError("dovecot is not installed (apt-get install dovecot-imapd)")
    root.mkdir(parents=True, exist_ok=True)
    (root / "run").mkdir()
    (root / "state").mkdir()
    cert, key = root / "cert.pem", root / "key.pem"
    if tls:
        subprocess.run(
            [
                *("openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "2"),
                *("-keyout", str(key), "-out", str(cert), "-subj", f"/CN={HOST}"),
                *("-addext", f"subjectAltName=IP:{HOST}"),
            ],
            check=True,
            capture_output=True,
        )
    root_user = os.geteuid() == 0
    if root_user:
        # Dovecot refuses to store mail as root, and `nobody` cannot enter the test's
        # private temporary folder: mail goes to a folder of its own, owned by nobody.
        nobody = pwd.getpwnam("nobody")
        mail_root = Path(tempfile.mkdtemp(prefix="crm-dovecot-mail-"))
        os.chown(mail_root, nobody.pw_uid, nobody.pw_gid)
        uid, gid = nobody.pw_uid, nobody.pw_gid
        login_user, internal_user, internal_group = "dovenull", "dovecot", "dovecot"
    else:
        mail_root = root / "mail"
        mail_root.mkdir()
        uid, gid = os.getuid(), os.getgid()
        me = pwd.getpwuid(uid).pw_name
        login_user, internal_user = me, me
        internal_group = grp.getgrgid(gid).gr_name
    port, imaps_port = free_port(), free_port()
    while imaps_port == port:
        imaps_port = free_port()
    ssl_lines = f"ssl = yes\nssl_cert = <{cert}\nssl_key = <{key}\n" if tls else "ssl = no\n"
    # Chroot needs root; an ordinary user's server runs its login processes unjailed.
    unjailed = "" if root_user else "  chroot =\n"
    imaps = (
        f"  inet_listener imaps {{\n    address = {HOST}\n    port = {imaps_port}\n"
        "    ssl = yes\n  }\n"
        if tls
        else ""
    )
    config = root / "dovecot.conf"
    config.write_text(
        f"base_dir = {root / 'run'}\n"
        f"state_dir = {root / 'state'}\n"
        f"log_path = {root / 'dovecot.log'}\n"
        "protocols = imap\n"
        f"listen = {HOST}\n"
        f"{ssl_lines}"
        "disable_plaintext_auth = no\n"
        "auth_mechanisms = plain login\n"
        f"default_login_user = {login_user}\n"
        f"default_internal_user = {internal_user}\n"
        f"default_internal_group = {internal_group}\n"
        f"first_valid_uid = {min(uid, 500)}\n"
        f"first_valid_gid = {min(gid, 500)}\n"
        # Any user name logs in with the one password: a test's user is just a new name,
        # and its mailbox is created empty at its first login.
        f"passdb {{\n  driver = static\n  args = password={PASSWORD}\n}}\n"
        "userdb {\n  driver = static\n"
        f"  args = uid={uid} gid={gid} home={mail_root}/%u\n}}\n"
        "mail_location = maildir:~/Maildir\n"
        "service imap-login {\n"
        f"  inet_listener imap {{\n    address = {HOST}\n    port = {port}\n  }}\n"
        f"{imaps}{unjailed}}}\n"
        f"service anvil {{\n{unjailed}}}\n"
    )
    process = subprocess.Popen(
        [program, "-F", "-c", str(config)],
        stdin=subprocess.DEVNULL,
        stdout=subprocess.DEVNULL,
        stderr=(root / "dovecot.stderr").open("wb"),
    )
    server = Dovecot(root, port, imaps_port, process, cert, mail_root, root_user)
    deadline = time.monotonic() + 20
    while True:
        if process.poll() is not None:
            server.stop()
            raise RuntimeError(
                f"dovecot exited ({process.returncode}): "
                + (root / "dovecot.stderr").read_text(errors="replace")
                + server.log
            )
        try:
            with socket.create_connection((HOST, port), timeout=2) as sock:
                if sock.recv(100).startswith(b"* OK"):
                    return server
        except OSError:
            pass
        if time.monotonic() > deadline:
            server.stop()
            raise RuntimeError(f"dovecot did not answer on {HOST}:{port}: {server.log}")
        time.sleep(0.1)


def trusted(server: Dovecot) -> ssl.SSLContext:
    """A client TLS context that trusts the test server's certificate."""
    return ssl.create_default_context(cafile=str(server.cafile))


def message(
    *,
    sender: str = "Alice Martin <alice@example.com>",
    to: str = "Rep <me@example.org>",
    subject: str = "Hello",
    message_id: str | None = None,
    date: str = "Mon, 02 Mar 2026 08:00:00 +0100",
    body: str = "Hello there,\nlet us talk next week.\n",
    extra: str = "",
    padding: int = 0,
) -> bytes:
    """A raw RFC 5322 message with CRLF line ends, as a server stores it.

    Headers are written as given, so a test can pass RFC 2047 encoded words;
    `padding` appends that many bytes of base64-looking body lines (a large message).
    """
    lines = [
        f"From: {sender}",
        f"To: {to}",
        f"Subject: {subject}",
        f"Date: {date}",
    ]
    if message_id:
        lines.append(f"Message-ID: {message_id}")
    lines += ["MIME-Version: 1.0", "Content-Type: text/plain; charset=utf-8"]
    lines += [line for line in extra.splitlines() if line]
    head = "\r\n".join(lines).encode() + b"\r\n\r\n"
    text = body.replace("\r\n", "\n").replace("\n", "\r\n").encode()
    if padding:
        row = b"QUJDREVGR0hJSktMTU5PUFFSU1RVVldYWVphYmNkZWZnaGlqa2xtbm9wcXJzdHV2d3h5eg==\r\n"
        text += row * (padding // len(row) + 1)
    return head + text
