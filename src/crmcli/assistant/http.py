"""`crm mcp --http`: the server over streamable HTTP, on loopback, behind a bearer token.

Three locks, each for a different intruder:
- the address: only a loopback one (127.0.0.0/8, ::1, localhost) unless the user says
  `--unsafe-bind`, so nothing on the network can even connect;
- the token: every request, on every path, must carry `Authorization: Bearer TOKEN`,
  the secret in the 0600 file beside the config (`core.bearer`), so another local user
  or a page in the browser cannot call the tools;
- the Host and Origin headers, checked by the SDK's DNS-rebinding protection
  (`TransportSecuritySettings`), so a web page whose name was re-pointed at 127.0.0.1
  is turned away even before anything reads a token.

Why a small ASGI guard rather than the SDK's `token_verifier` + `AuthSettings`: those
make the server an OAuth 2.1 resource server. They require an authorization server's
issuer URL, publish protected-resource metadata that sends a client off to discover an
OAuth flow crm does not have, and must be handed to `MCPServer(...)` when it is built,
for every transport. crm's token is one static secret the user pastes into the client's
headers; checking it is one constant-time comparison (`hmac.compare_digest`), done here
in front of the SDK's own app, on every path, with nothing advertised.

The listening socket is bound here, before uvicorn starts, so that a refused address or
a port in use is one line and an exit code rather than a log record, and so that port 0
(any free port) is reported as the port really taken.
"""

from __future__ import annotations

import errno
import hmac
import ipaddress
import json
import socket
from collections.abc import Callable
from dataclasses import dataclass

from mcp.server.mcpserver import MCPServer
from mcp.server.transport_security import TransportSecuritySettings
from starlette.types import ASGIApp, Receive, Scope, Send

from crmcli.core.errors import CrmError, Invalid

PATH = "/mcp"
LOOPBACK_NAMES = ("127.0.0.1", "localhost", "[::1]")
GRACE_SECONDS = 2  # at Ctrl-C, how long an open event stream may keep the server up


@dataclass(frozen=True)
class Address:
    """Where to listen: an IP literal, a port (0: any free one), and how exposed it is."""

    host: str
    port: int
    loopback: bool

    @property
    def wildcard(self) -> bool:
        """0.0.0.0 or ::, every interface the machine has."""
        return ipaddress.ip_address(self.host).is_unspecified

    @property
    def netloc(self) -> str:
        """The host as written in a URL and in a Host header ([::1] in brackets)."""
        return f"[{self.host}]" if ":" in self.host else self.host

    def url(self, port: int) -> str:
        return f"http://{self.netloc}:{port}{PATH}"


def parse_address(text: str, *, unsafe_bind: bool = False) -> Address:
    """`HOST:PORT` as given to `--http`; a non-loopback host only with `unsafe_bind`.

    HOST is an IP address (IPv6 in brackets) or `localhost`, which is bound as 127.0.0.1
    rather than resolved: a hosts file could point it anywhere.
    """
    raw = text.strip()
    if raw.startswith("["):
        host, bracket, rest = raw[1:].partition("]")
        if not bracket or not rest.startswith(":"):
            raise Invalid(f"--http: {text!r} is not HOST:PORT (an IPv6 address as [::1]:8765)")
        port_text = rest[1:]
    else:
        host, colon, port_text = raw.rpartition(":")
        if not colon:
            raise Invalid(f"--http: {text!r} is not HOST:PORT, such as 127.0.0.1:8765")
        if ":" in host:
            raise Invalid(f"--http: write an IPv6 address in brackets, as [::1]:8765, not {text!r}")
    port = _port(port_text)
    if not host:
        raise Invalid(f"--http: {text!r} names no host: use 127.0.0.1:{port_text}")
    if host.lower() == "localhost":
        return Address("127.0.0.1", port, loopback=True)
    try:
        ip = ipaddress.ip_address(host)
    except ValueError:
        raise Invalid(
            f"--http: {host!r} is not an IP address or localhost (use 127.0.0.1 or [::1])"
        ) from None
    address = Address(str(ip), port, loopback=ip.is_loopback)
    if not address.loopback and not unsafe_bind:
        raise Invalid(
            f"--http: {host} is not a loopback address, so the server would be open to the "
            "network; use 127.0.0.1, [::1] or localhost (or add --unsafe-bind to listen there "
            "anyway)"
        )
    return address


def _port(text: str) -> int:
    if not text.isascii() or not text.isdigit() or int(text) > 65535:
        raise Invalid(f"--http: the port must be a number from 0 to 65535, not {text!r}")
    return int(text)


def listen(address: Address) -> socket.socket:
    """A socket bound and listening at `address` (connections queue until serving starts)."""
    family = socket.AF_INET6 if ":" in address.host else socket.AF_INET
    # IPPROTO_TCP named, not left 0: asyncio sets TCP_NODELAY on the accepted connections
    # only when the protocol says TCP, and without it every answer on a kept-alive
    # connection waited ~40 ms for a delayed ACK (Nagle).
    sock = socket.socket(family, socket.SOCK_STREAM, socket.IPPROTO_TCP)
    try:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        if family == socket.AF_INET6:  # [::] means IPv6 only, as written; never a surprise
            sock.setsockopt(socket.IPPROTO_IPV6, socket.IPV6_V6ONLY, 1)
        sock.bind((address.host, address.port))
        sock.listen(128)
    except OSError as exc:
        sock.close()
        where = f"{address.netloc}:{address.port}"
        if exc.errno == errno.EADDRINUSE:
            raise CrmError(f"cannot listen on {where}: the port is in use") from None
        raise CrmError(f"cannot listen on {where}: {exc.strerror or exc}") from None
    return sock


def security(address: Address) -> TransportSecuritySettings:
    """The Host/Origin headers a request may carry: the loopback names and the address.

    On a wildcard address (--unsafe-bind 0.0.0.0) the machine's every name and address is
    legitimate and unknowable here, so the header check is off; the token still holds.
    """
    if address.wildcard:
        return TransportSecuritySettings(enable_dns_rebinding_protection=False)
    names = list(dict.fromkeys([*LOOPBACK_NAMES, address.netloc]))
    return TransportSecuritySettings(
        enable_dns_rebinding_protection=True,
        allowed_hosts=[f"{name}:*" for name in names],
        allowed_origins=[f"http://{name}:*" for name in names],
    )


class BearerGuard:
    """ASGI middleware: no request reaches the app without the bearer token.

    Every path is guarded, not only /mcp, so a caller without the token learns nothing,
    not even which paths exist. Only the lifespan events (start-up, shutdown) pass.
    """

    def __init__(self, app: ASGIApp, token: str) -> None:
        self.app = app
        self._expected = b"bearer " + token.encode()

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "lifespan" or self._authorized(scope):
            await self.app(scope, receive, send)
        elif scope["type"] == "http":
            await _unauthorized(send, presented=self._presented(scope))
        # anything else (a websocket) is dropped unanswered, so refused by the server

    def _presented(self, scope: Scope) -> bytes | None:
        for name, value in scope.get("headers", ()):
            if name == b"authorization":
                return bytes(value)
        return None

    def _authorized(self, scope: Scope) -> bool:
        given = self._presented(scope)
        if given is None:
            return False
        scheme, _, credentials = given.strip().partition(b" ")
        # Compared whole and in constant time: timing tells nothing of the token.
        return hmac.compare_digest(scheme.lower() + b" " + credentials.strip(), self._expected)


async def _unauthorized(send: Send, *, presented: bytes | None) -> None:
    """401, the RFC 6750 way: a `WWW-Authenticate: Bearer` challenge and a JSON reason."""
    if presented is None:
        challenge = b'Bearer realm="crm"'
        body = {"error": "unauthorized", "error_description": "a bearer token is required"}
    else:
        challenge = b'Bearer realm="crm", error="invalid_token"'
        body = {"error": "invalid_token", "error_description": "the bearer token is not valid"}
    payload = json.dumps(body).encode()
    await send(
        {
            "type": "http.response.start",
            "status": 401,
            "headers": [
                (b"content-type", b"application/json"),
                (b"content-length", str(len(payload)).encode()),
                (b"www-authenticate", challenge),
            ],
        }
    )
    await send({"type": "http.response.body", "body": payload})


def serve(
    server: MCPServer,
    address: Address,
    token: str,
    announce: Callable[[str], None],
) -> None:
    """Listen at `address` and serve until Ctrl-C (KeyboardInterrupt) or SIGTERM.

    `announce(url)` is called once the socket is bound, with the port really taken.
    """
    import uvicorn  # the SDK's own dependency for its HTTP transports

    sock = listen(address)
    app = BearerGuard(
        server.streamable_http_app(
            streamable_http_path=PATH, host=address.host, transport_security=security(address)
        ),
        token,
    )
    config = uvicorn.Config(
        app,
        log_level="warning",
        access_log=False,
        server_header=False,
        timeout_graceful_shutdown=GRACE_SECONDS,
    )
    announce(address.url(sock.getsockname()[1]))
    try:
        uvicorn.Server(config).run(sockets=[sock])
    finally:
        sock.close()
