"""A real HTTP listener on 127.0.0.1 whose every answer a test writes byte for byte.

Radicale behaves well; servers in the wild do not always. This listener plays the
misbehaviours a DAV client must survive, over a real socket: a redirect loop, a
login scheme crm does not speak, XML declaring entities, a reply that never ends
or never starts, a protocol that is not HTTP, a multiget refused or half answered,
a keep-alive connection closed while idle. It is not a stand-in for a DAV server:
the tests of what a server does with items run against Radicale.

`answer(request)` returns the raw bytes to send, an iterable of chunks (sent as
they come, so it may be endless), or None to send nothing and hold the connection.
"""

from __future__ import annotations

import contextlib
import socket
import threading
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field

HOST = "127.0.0.1"


@dataclass(frozen=True)
class Request:
    method: str
    path: str
    headers: dict[str, str]
    body: bytes
    connection: int  # which connection (1, 2, ...) it came on


Answer = bytes | Iterable[bytes] | None


def reply(
    status: int = 200,
    body: bytes = b"",
    headers: dict[str, str] | None = None,
    reason: str = "Whatever",
) -> bytes:
    """A whole HTTP/1.1 response with its Content-Length."""
    lines = [f"HTTP/1.1 {status} {reason}", f"Content-Length: {len(body)}"]
    lines += [f"{k}: {v}" for k, v in (headers or {}).items()]
    return ("\r\n".join(lines) + "\r\n\r\n").encode() + body


def multistatus(*responses: str) -> bytes:
    """A 207 reply holding these `<D:response>` bodies (written with the D: prefix)."""
    xml = (
        '<?xml version="1.0" encoding="utf-8"?>'
        '<D:multistatus xmlns:D="DAV:" xmlns:C="urn:ietf:params:xml:ns:caldav" '
        'xmlns:CR="urn:ietf:params:xml:ns:carddav">'
        + "".join(f"<D:response>{r}</D:response>" for r in responses)
        + "</D:multistatus>"
    ).encode()
    return reply(207, xml, {"Content-Type": "application/xml; charset=utf-8"})


def props(href: str, inner: str, status: str = "HTTP/1.1 200 OK") -> str:
    """One response's body: its href and one propstat."""
    return (
        f"<D:href>{href}</D:href><D:propstat><D:prop>{inner}</D:prop>"
        f"<D:status>{status}</D:status></D:propstat>"
    )


@dataclass
class Scripted:
    """The listener; `requests` holds what it was sent, in order."""

    answer: Callable[[Request], Answer]
    close_after_each: bool = False  # close every connection after one answer, saying nothing
    requests: list[Request] = field(default_factory=list)
    errors: list[BaseException] = field(default_factory=list)  # raised by `answer`: a test bug
    connections: int = 0

    def __post_init__(self) -> None:
        self._listener = socket.socket()
        self._listener.bind((HOST, 0))
        self._listener.listen(16)
        self.port = int(self._listener.getsockname()[1])
        self._stop = threading.Event()
        self._open: list[socket.socket] = []
        self._threads: list[threading.Thread] = [threading.Thread(target=self._accept, daemon=True)]
        self._threads[0].start()

    @property
    def url(self) -> str:
        return f"http://{HOST}:{self.port}"

    def stop(self) -> None:
        """End the listener and its connections; each thread closes its own socket.

        A socket closed under a thread blocked on it frees its descriptor number for
        the next socket made while the thread may still use the number: shutdown()
        wakes the thread instead, and the thread closes.
        """
        self._stop.set()
        for sock in (self._listener, *self._open):
            with contextlib.suppress(OSError):
                sock.shutdown(socket.SHUT_RDWR)
        for thread in self._threads:
            thread.join(timeout=5)

    def _accept(self) -> None:
        try:
            while not self._stop.is_set():
                try:
                    conn, _ = self._listener.accept()
                except OSError:
                    return
                self.connections += 1
                self._open.append(conn)
                thread = threading.Thread(
                    target=self._serve, args=(conn, self.connections), daemon=True
                )
                self._threads.append(thread)
                thread.start()
        finally:
            self._listener.close()

    def _serve(self, conn: socket.socket, number: int) -> None:
        buffered = b""
        try:
            while not self._stop.is_set():
                while b"\r\n\r\n" not in buffered:
                    data = conn.recv(65536)
                    if not data:
                        return
                    buffered += data
                head, buffered = buffered.split(b"\r\n\r\n", 1)
                line, *header_lines = head.decode("latin-1").split("\r\n")
                method, path, _ = line.split(" ", 2)
                headers = {}
                for header in header_lines:
                    name, _, value = header.partition(":")
                    headers[name.strip().lower()] = value.strip()
                length = int(headers.get("content-length", "0") or 0)
                while len(buffered) < length:
                    data = conn.recv(65536)
                    if not data:
                        return
                    buffered += data
                body, buffered = buffered[:length], buffered[length:]
                request = Request(method, path, headers, body, number)
                self.requests.append(request)
                try:
                    answer = self.answer(request)
                except Exception as exc:
                    self.errors.append(exc)
                    raise
                if answer is None:
                    conn.recv(1)  # hold the line (until the client or stop() ends it)
                    return
                if isinstance(answer, bytes):
                    conn.sendall(answer)
                else:
                    for chunk in answer:
                        if self._stop.is_set():
                            return
                        conn.sendall(chunk)
                if self.close_after_each:
                    return
        except OSError:
            return
        except Exception as exc:  # a request this listener cannot read: a test bug
            self.errors.append(exc)
        finally:
            with contextlib.suppress(OSError):
                conn.close()
