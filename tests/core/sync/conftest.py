"""Fixtures for the sync tests: real servers on 127.0.0.1, one user per test.

Dovecot (see `dovecot.py`) for IMAP; Radicale (see `radicale.py`) for CalDAV and CardDAV.

Each server starts once per test session (its start-up is most of its cost) and each
test gets a user of its own, so every mailbox, calendar and address book starts empty.
The IMAP tests trust Dovecot's self-signed certificate through SSL_CERT_FILE, as a rep
with a private server would.
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from tests.core.sync import dovecot, radicale


def _server(factory: pytest.TempPathFactory, *, tls: bool) -> Iterator[dovecot.Dovecot]:
    if dovecot.binary() is None:
        pytest.skip("dovecot is not installed: apt-get install dovecot-imapd (.ci/run does)")
    server = dovecot.start(factory.mktemp("dovecot-tls" if tls else "dovecot-plain"), tls=tls)
    try:
        yield server
    finally:
        server.stop()


@pytest.fixture(scope="session")
def dovecot_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[dovecot.Dovecot]:
    """Dovecot with STARTTLS on its plain port and an IMAPS port (self-signed certificate)."""
    yield from _server(tmp_path_factory, tls=True)


@pytest.fixture(scope="session")
def dovecot_plain(tmp_path_factory: pytest.TempPathFactory) -> Iterator[dovecot.Dovecot]:
    """Dovecot without any TLS: what a loopback-only server (a local bridge) looks like."""
    yield from _server(tmp_path_factory, tls=False)


@pytest.fixture
def imap(dovecot_server: dovecot.Dovecot, monkeypatch: pytest.MonkeyPatch) -> dovecot.Account:
    """A fresh user on the TLS server, whose certificate the process trusts for this test."""
    monkeypatch.setenv("SSL_CERT_FILE", str(dovecot_server.cafile))
    return dovecot_server.account()


@pytest.fixture
def imap_plain(dovecot_plain: dovecot.Dovecot) -> dovecot.Account:
    """A fresh user on the server without TLS."""
    return dovecot_plain.account()


# -- CalDAV/CardDAV: a real Radicale (see `radicale.py`) --------------------------------


def _radicale(factory: pytest.TempPathFactory, *, tls: bool) -> Iterator[radicale.Radicale]:
    if not radicale.available():
        pytest.skip("radicale is not installed: pip install -e '.[test]' (the test extra has it)")
    if tls and not radicale.openssl():
        pytest.skip("openssl is not installed: the HTTPS server needs a certificate")
    server = radicale.start(factory.mktemp("radicale-tls" if tls else "radicale"), tls=tls)
    try:
        yield server
    finally:
        server.stop()


@pytest.fixture(scope="session")
def radicale_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[radicale.Radicale]:
    """Radicale on 127.0.0.1 over plain http, with htpasswd logins, started once per session."""
    yield from _radicale(tmp_path_factory, tls=False)


@pytest.fixture(scope="session")
def radicale_tls(tmp_path_factory: pytest.TempPathFactory) -> Iterator[radicale.Radicale]:
    """Radicale speaking HTTPS only, with a self-signed certificate (`cafile`)."""
    yield from _radicale(tmp_path_factory, tls=True)


@pytest.fixture
def dav(radicale_server: radicale.Radicale) -> radicale.Account:
    """A fresh user with an empty calendar (`calendar/`) and address book (`contacts/`)."""
    return radicale_server.account()


@pytest.fixture
def dav_tls(radicale_tls: radicale.Radicale, monkeypatch: pytest.MonkeyPatch) -> radicale.Account:
    """A fresh user on the HTTPS server, whose certificate the process trusts for this test."""
    assert radicale_tls.cafile is not None
    monkeypatch.setenv("SSL_CERT_FILE", str(radicale_tls.cafile))
    return radicale_tls.account()
