"""Team mode when the connection drops at the worst moment: while COMMIT is on the wire.

A TCP proxy between `crm` and the real server forwards everything until the client
sends the COMMIT of a write that logs an interaction; then, depending on the case, it
either lets the server have the COMMIT and cuts both sockets before the answer comes
back (the change is saved, the client cannot know), or swallows the COMMIT and cuts
(nothing is saved). The installed `crm` runs in a subprocess, as a rep would run it.
In both cases the command must say what really happened, and running it again must
leave exactly one interaction.
"""

from __future__ import annotations

import contextlib
import os
import signal
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.conftest import PG_ADMIN

pytestmark = [pytest.mark.pg, pytest.mark.subprocess]

CRM = str(Path(sys.executable).with_name("crm"))


class CuttingProxy:
    """Forwards one port to the server; cuts the first connection that commits a logged call.

    `deliver=True`: the COMMIT reaches the server and its answer is thrown away.
    `deliver=False`: the COMMIT is never sent, so the server rolls the transaction back.
    `stay_down=True`: no new connection is accepted after the cut.
    Later connections (the client checking what happened) are forwarded untouched.
    """

    def __init__(self, upstream: tuple[str, int], *, deliver: bool, stay_down: bool) -> None:
        self.upstream = upstream
        self.deliver = deliver
        self.stay_down = stay_down
        self.cut = threading.Event()
        self.listener = socket.create_server(("127.0.0.1", 0))
        self.port = self.listener.getsockname()[1]
        self.stopping = False
        threading.Thread(target=self._accept, daemon=True).start()

    def _accept(self) -> None:
        while not self.stopping:
            try:
                client, _ = self.listener.accept()
            except OSError:
                return
            server = socket.create_connection(self.upstream)
            mine = threading.Event()  # set when this connection is the one cut
            threading.Thread(target=self._pump_up, args=(client, server, mine), daemon=True).start()
            threading.Thread(
                target=self._pump_down, args=(server, client, mine), daemon=True
            ).start()

    def _pump_up(self, client: socket.socket, server: socket.socket, mine: threading.Event) -> None:
        logged = False
        try:
            while data := client.recv(65536):
                if not self.cut.is_set():
                    logged = logged or b"INSERT INTO interaction" in data
                    if logged and b"COMMIT" in data:
                        mine.set()
                        self.cut.set()
                        if self.stay_down:  # the server is unreachable from now on
                            self.close()
                        if self.deliver:
                            server.sendall(data)
                            time.sleep(0.5)  # the server commits; its answer is dropped
                        return
                server.sendall(data)
        except OSError:
            pass
        finally:
            for sock in (client, server):
                with contextlib.suppress(OSError):
                    sock.shutdown(socket.SHUT_RDWR)
                sock.close()

    def _pump_down(
        self, server: socket.socket, client: socket.socket, mine: threading.Event
    ) -> None:
        try:
            while data := server.recv(65536):
                if mine.is_set():
                    return  # the answer to the cut COMMIT never arrives
                client.sendall(data)
        except OSError:
            pass

    def close(self) -> None:
        self.stopping = True
        with contextlib.suppress(OSError):  # wakes the thread blocked in accept()
            self.listener.shutdown(socket.SHUT_RDWR)
        self.listener.close()


@pytest.fixture
def proxied(pg_url: str) -> Iterator[tuple[str, str]]:
    """(direct URL, URL through the proxy builder's port placeholder) for one fresh database."""
    yield pg_url, pg_url.replace("127.0.0.1:5432", "127.0.0.1:{port}")


def crm(*args: str) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "NO_COLOR": "1", "COLUMNS": "120"}
    return subprocess.run(
        [CRM, *args], capture_output=True, text=True, env=env, timeout=60, check=False
    )


def calls(url: str) -> list[str]:
    import psycopg

    with psycopg.connect(url.replace("+psycopg", ""), autocommit=True) as conn:
        return [row[0] for row in conn.execute("SELECT summary FROM interaction ORDER BY id")]


@pytest.mark.skipif("127.0.0.1:5432" not in PG_ADMIN, reason="the proxy expects the local server")
@pytest.mark.parametrize("deliver", [True, False], ids=["commit-reached-server", "commit-lost"])
def test_a_call_logged_over_a_dropped_connection_is_saved_once(
    proxied: tuple[str, str], deliver: bool
) -> None:
    direct, template = proxied
    assert crm("--db", direct, "contact", "add", "Nina Retry").returncode == 0
    proxy = CuttingProxy(("127.0.0.1", 5432), deliver=deliver, stay_down=False)
    try:
        url = template.format(port=proxy.port)
        first = crm("--db", url, "log", "call", "nina", "pricing call")
        assert proxy.cut.is_set(), "the proxy never saw the COMMIT it was meant to cut"
    finally:
        proxy.close()
    assert "Traceback" not in first.stderr
    assert "<psycopg" not in first.stderr and "error ignored" not in first.stderr
    if deliver:
        # Saved on the server though the answer never came: the command says so, exit 0.
        assert first.returncode == 0, first.stderr
        assert calls(direct) == ["pricing call"]
    else:
        # Not saved: one line saying nothing was changed, exit 3; running it again is safe.
        assert first.returncode == 3, first.stderr
        assert len(first.stderr.strip().splitlines()) == 1, first.stderr
        assert "nothing was changed" in first.stderr
        assert calls(direct) == []
        again = crm("--db", direct, "log", "call", "nina", "pricing call")
        assert again.returncode == 0, again.stderr
        assert calls(direct) == ["pricing call"]


@pytest.mark.skipif("127.0.0.1:5432" not in PG_ADMIN, reason="the proxy expects the local server")
def test_an_unknowable_outcome_is_said_not_guessed(proxied: tuple[str, str]) -> None:
    """The server cannot be reached again to look for the receipt: the rep is told the
    outcome is unknown and how to look, never that the call was saved or was not."""
    direct, template = proxied
    assert crm("--db", direct, "contact", "add", "Nina Retry").returncode == 0
    proxy = CuttingProxy(("127.0.0.1", 5432), deliver=True, stay_down=True)
    try:
        first = crm("--db", template.format(port=proxy.port), "log", "call", "nina", "pricing")
    finally:
        proxy.close()
    assert first.returncode == 3, first.stderr
    assert first.stderr.count("\n") == 1, first.stderr
    assert "may or may not be saved" in first.stderr and "crm undo --list" in first.stderr
    assert calls(direct) == ["pricing"]  # it was, in fact


def _inserting(url: str) -> bool:
    import psycopg

    name = url.rsplit("/", 1)[1]
    with psycopg.connect(PG_ADMIN, autocommit=True) as conn:
        found = conn.execute(
            "SELECT 1 FROM pg_stat_activity WHERE datname = %s AND query LIKE 'INSERT INTO%%'",
            (name,),
        ).fetchone()
    return found is not None


def test_an_interrupted_server_import_ends_quietly_and_saves_nothing(
    pg_url: str, tmp_path: Path
) -> None:
    """Ctrl-C while the rows stream to the server (psycopg's pipeline mode): the driver's
    own complaints ("error ignored terminating <psycopg.Pipeline …>", "cannot exit
    pipeline mode while busy") must not reach the rep, and nothing is imported."""
    rows = ["First Name,Last Name,Email"]
    rows += [f"Person{i},Stop,p{i}@stop.example" for i in range(40_000)]
    source = tmp_path / "many.csv"
    source.write_text("\n".join(rows) + "\n", encoding="utf-8")
    assert crm("--db", pg_url, "contact", "add", "Already Here").returncode == 0
    for pause in (0.0, 0.05, 0.1, 0.2, 0.3, 0.5):  # at different points of the stream
        env = {**os.environ, "NO_COLOR": "1"}
        proc = subprocess.Popen(
            [CRM, "--db", pg_url, "import", "contacts", str(source)],
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
            env=env,
        )
        deadline = time.monotonic() + 30
        while proc.poll() is None and not _inserting(pg_url) and time.monotonic() < deadline:
            time.sleep(0.01)
        time.sleep(pause)
        proc.send_signal(signal.SIGINT)
        _, err = proc.communicate(timeout=60)
        assert "<psycopg" not in err and "pipeline" not in err, err
        assert "Traceback" not in err, err
        if proc.returncode == 0:  # the import won the race: it must then be whole
            break
        assert proc.returncode == 130, err
        import psycopg

        with psycopg.connect(pg_url.replace("+psycopg", ""), autocommit=True) as conn:
            assert conn.execute("SELECT count(*) FROM contact").fetchone()[0] == 1
