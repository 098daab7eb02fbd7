"""A real Radicale CalDAV/CardDAV server for the tests, on 127.0.0.1 with a throwaway config.

No mocked server: `start()` writes a config under a temporary folder (filesystem
storage there, `htpasswd` authentication from a plain-text users file, so a wrong
password is really refused), runs Radicale's own command-line entry point (what
`python -m radicale --config FILE` runs) on a free port with the interpreter running
the tests, waits until it answers, and `stop()` ends it.
Each test gets a user of its own (a new line in the users file, which Radicale
reads at every login), with an empty calendar and an empty address book made
through the server itself (MKCALENDAR, extended MKCOL), as a client would.
`start(root, tls=True)` makes it speak HTTPS only, with a self-signed certificate.

`Account.request` is a second, independent client (plain `http.client`): a test
changes an item behind the back of the client under test with it.
"""

from __future__ import annotations

import base64
import http.client
import importlib.util
import itertools
import shutil
import socket
import ssl
import subprocess
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import quote

HOST = "127.0.0.1"
PASSWORD = "dav-S3cret-ü9"  # every test user's password (non-ASCII: Basic is UTF-8)


# `python -m radicale --config FILE`, with one change: Radicale's own test switch that
# skips fsync (`_filesystem_fsync`, settable only from code). The test server's files
# need not survive a power cut, and a PUT takes half the time (15 ms instead of 30 here).
_LAUNCHER = """
import sys
from radicale import __main__ as main, config
load = config.load
def load_without_fsync(*args, **kwargs):
    configuration = load(*args, **kwargs)
    try:
        configuration.update({"storage": {"_filesystem_fsync": "False"}}, "tests", privileged=True)
    except Exception:  # another Radicale version: it fsyncs, and is only slower
        pass
    return configuration
config.load = load_without_fsync
sys.argv = ["radicale", "--config", sys.argv[1]]
main.run()
"""


def available() -> bool:
    """Is Radicale importable by the interpreter running the tests?"""
    return importlib.util.find_spec("radicale") is not None


def openssl() -> bool:
    """Can the tests make a certificate (for the HTTPS server)?"""
    return shutil.which("openssl") is not None


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind((HOST, 0))
        return int(sock.getsockname()[1])


@dataclass(frozen=True)
class Response:
    status: int
    headers: dict[str, str]
    body: bytes


@dataclass
class Account:
    """One user on the test server, with a calendar `calendar/` and an address book `contacts/`."""

    server: Radicale
    user: str
    password: str

    @property
    def root_url(self) -> str:
        return f"{self.server.scheme}://{HOST}:{self.server.port}/"

    @property
    def principal_url(self) -> str:
        return f"{self.root_url}{quote(self.user)}/"

    @property
    def calendar_url(self) -> str:
        return f"{self.principal_url}calendar/"

    @property
    def addressbook_url(self) -> str:
        return f"{self.principal_url}contacts/"

    def url(self, kind: str) -> str:
        return self.calendar_url if kind == "calendar" else self.addressbook_url

    @property
    def password_command(self) -> str:
        return f"printf '%s\\n' '{self.password}'"

    def request(
        self,
        method: str,
        path: str,
        body: bytes | None = None,
        headers: dict[str, str] | None = None,
        *,
        auth: bool = True,
    ) -> Response:
        """One request on a fresh connection, as another client (a phone) would send it."""
        conn = self.server.connection()
        try:
            sent = dict(headers or {})
            if auth:
                token = base64.b64encode(f"{self.user}:{self.password}".encode()).decode()
                sent["Authorization"] = f"Basic {token}"
            conn.request(method, path, body=body, headers=sent)
            answer = conn.getresponse()
            return Response(answer.status, dict(answer.getheaders()), answer.read())
        finally:
            conn.close()

    def put(self, path: str, body: bytes, *, etag: str | None = None) -> str:
        """PUT an item (a new one, or over `etag`); its new etag."""
        kind = "text/vcard" if path.endswith(".vcf") else "text/calendar"
        headers = {"Content-Type": f"{kind}; charset=utf-8"}
        if etag:
            headers["If-Match"] = etag
        answer = self.request("PUT", path, body, headers)
        assert answer.status in (200, 201, 204), (answer.status, answer.body)
        return answer.headers.get("ETag", "")

    def fill(self, kind: str, upload: bytes) -> None:
        """Replace the whole calendar (address book) with `upload`, in one PUT of the collection.

        `upload` is one VCALENDAR holding many events, or many vCards one after the
        other; Radicale splits it into one item per UID, as a client's import does:
        hundreds of items in half a second, where as many PUTs take seconds.
        """
        path = f"/{quote(self.user)}/{'calendar' if kind == 'calendar' else 'contacts'}/"
        kind_type = "text/calendar" if kind == "calendar" else "text/vcard"
        answer = self.request("PUT", path, upload, {"Content-Type": kind_type})
        assert answer.status in (200, 201, 204), (answer.status, answer.body)

    def delete(self, path: str) -> None:
        answer = self.request("DELETE", path)
        assert answer.status in (200, 204), (answer.status, answer.body)

    def mkcalendar(self, name: str, *, components: str = "VEVENT") -> str:
        """A new calendar `/<user>/<name>/` (MKCALENDAR); its URL."""
        body = (
            '<?xml version="1.0" encoding="utf-8"?>'
            '<C:mkcalendar xmlns:D="DAV:" xmlns:C="urn:ietf:params:xml:ns:caldav">'
            f"<D:set><D:prop><D:displayname>{name}</D:displayname>"
            "<C:supported-calendar-component-set>"
            + "".join(f'<C:comp name="{c}"/>' for c in components.split(","))
            + "</C:supported-calendar-component-set></D:prop></D:set></C:mkcalendar>"
        ).encode()
        path = f"/{quote(self.user)}/{quote(name)}/"
        answer = self.request("MKCALENDAR", path, body, {"Content-Type": "application/xml"})
        assert answer.status == 201, (answer.status, answer.body)
        return f"{self.principal_url}{quote(name)}/"

    def mkaddressbook(self, name: str) -> str:
        """A new address book `/<user>/<name>/` (extended MKCOL, RFC 5689); its URL."""
        body = (
            '<?xml version="1.0" encoding="utf-8"?>'
            '<D:mkcol xmlns:D="DAV:" xmlns:CR="urn:ietf:params:xml:ns:carddav">'
            "<D:set><D:prop><D:resourcetype><D:collection/><CR:addressbook/></D:resourcetype>"
            f"<D:displayname>{name}</D:displayname></D:prop></D:set></D:mkcol>"
        ).encode()
        path = f"/{quote(self.user)}/{quote(name)}/"
        answer = self.request("MKCOL", path, body, {"Content-Type": "application/xml"})
        assert answer.status == 201, (answer.status, answer.body)
        return f"{self.principal_url}{quote(name)}/"


@dataclass
class Radicale:
    """A running test server: its port, its files, and how to add a user."""

    root: Path
    port: int
    process: subprocess.Popen[bytes]
    users_file: Path
    cafile: Path | None = None  # the self-signed certificate, when the server speaks TLS
    _serial: itertools.count[int] = field(default_factory=lambda: itertools.count(1))

    @property
    def log(self) -> str:
        path = self.root / "radicale.log"
        return path.read_text(errors="replace") if path.exists() else ""

    @property
    def scheme(self) -> str:
        return "https" if self.cafile else "http"

    def connection(self) -> http.client.HTTPConnection:
        """A new connection to the server (trusting its certificate, if it has one)."""
        if self.cafile:
            context = ssl.create_default_context(cafile=str(self.cafile))
            return http.client.HTTPSConnection(HOST, self.port, timeout=30, context=context)
        return http.client.HTTPConnection(HOST, self.port, timeout=30)

    def add_user(self, prefix: str = "rep", password: str = PASSWORD) -> Account:
        """A new user with nothing on the server yet (Radicale makes its principal at login)."""
        user = f"{prefix}{next(self._serial)}"
        with self.users_file.open("a", encoding="utf-8") as users:
            users.write(f"{user}:{password}\n")
        return Account(self, user, password)

    def account(self, prefix: str = "rep") -> Account:
        """A new user with an empty calendar `calendar/` and an empty address book `contacts/`."""
        account = self.add_user(prefix)
        account.mkcalendar("calendar")
        account.mkaddressbook("contacts")
        return account

    def stop(self) -> None:
        if self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()


def start(root: Path, *, tls: bool = False) -> Radicale:
    """Start Radicale with its config, users and storage under `root`; raises if it fails.

    With `tls`, it speaks HTTPS only, with a self-signed certificate for 127.0.0.1
    (its file is `cafile`: point SSL_CERT_FILE at it to trust it).
    """
    root.mkdir(parents=True, exist_ok=True)
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
    tls_lines = f"ssl = True\ncertificate = {cert}\nkey = {key}\n" if tls else ""
    users = root / "users"
    users.write_text("", encoding="utf-8")
    port = free_port()
    config = root / "radicale.conf"
    config.write_text(
        "[server]\n"
        f"hosts = {HOST}:{port}\n"
        "max_connections = 20\n"
        # No pause after a failed request or login: the tests fail on purpose.
        "delay_on_error = 0\n"
        f"{tls_lines}"
        "[auth]\n"
        "type = htpasswd\n"
        f"htpasswd_filename = {users}\n"
        "htpasswd_encryption = plain\n"
        "delay = 0\n"
        "[rights]\n"
        "type = owner_only\n"
        "[storage]\n"
        f"filesystem_folder = {root / 'collections'}\n"
        "[web]\n"
        "type = none\n"
        "[logging]\n"
        "level = warning\n",
        encoding="utf-8",
    )
    log = (root / "radicale.log").open("wb")
    process = subprocess.Popen(
        [sys.executable, "-c", _LAUNCHER, str(config)],
        stdin=subprocess.DEVNULL,
        stdout=log,
        stderr=subprocess.STDOUT,
    )
    server = Radicale(root, port, process, users, cert if tls else None)
    deadline = time.monotonic() + 30
    while True:
        if process.poll() is not None:
            raise RuntimeError(f"radicale exited ({process.returncode}): {server.log}")
        try:
            conn = server.connection()
            try:
                conn.request("OPTIONS", "/")
                if conn.getresponse().status < 500:
                    return server
            finally:
                conn.close()
        except OSError:
            pass
        if time.monotonic() > deadline:
            server.stop()
            raise RuntimeError(f"radicale did not answer on {HOST}:{port}: {server.log}")
        time.sleep(0.1)
