"""`crm mcp`: serve the book to an AI assistant over the Model Context Protocol.

The server is `crmcli.assistant`, imported here and only when this command runs, so
that no other command pays for the MCP SDK; without the `assistant` extra the command
says how to install it, in one line. Over stdio by default; `--http HOST:PORT` serves
streamable HTTP on a loopback address, behind the bearer token `--show-token` prints.
"""

from __future__ import annotations

import sys
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

from crmcli.commands._state import state

if TYPE_CHECKING:
    from mcp.server.mcpserver import MCPServer

    from crmcli.assistant.http import Address

INSTALL_HINT = "the assistant's server needs the MCP SDK: pip install 'crmcli[assistant]'"


def mcp(
    ctx: typer.Context,
    allow_writes: Annotated[
        bool,
        typer.Option(
            "--allow-writes",
            help="Let the assistant change the book (log, add, move, undo). Without it the "
            "write tools are listed but refuse, changing nothing.",
        ),
    ] = False,
    http: Annotated[
        str | None,
        typer.Option(
            "--http",
            metavar="HOST:PORT",
            help="Serve streamable HTTP at http://HOST:PORT/mcp instead of stdio. HOST must be "
            "loopback (127.0.0.1, [::1], localhost); PORT 0 takes a free one. Clients send "
            "the token (--show-token) as `Authorization: Bearer TOKEN`.",
        ),
    ] = None,
    unsafe_bind: Annotated[
        bool,
        typer.Option(
            "--unsafe-bind",
            help="With --http: allow an address other machines can reach (0.0.0.0, a LAN "
            "address). The token is then all that guards the book, sent in clear text.",
        ),
    ] = False,
    show_token: Annotated[
        bool,
        typer.Option(
            "--show-token", help="Print the HTTP bearer token (made if there is none) and exit."
        ),
    ] = False,
    new_token: Annotated[
        bool,
        typer.Option(
            "--new-token",
            help="Replace the HTTP bearer token with a new one, print it and exit. A running "
            "server keeps the old one until it restarts.",
        ),
    ] = False,
) -> None:
    """Run an MCP server for an AI assistant (Claude Desktop, an IDE...): stdio, or --http.

    Read-only unless --allow-writes. Every write it makes is one batch marked
    `(via mcp)` in `crm undo --list`, and takes a dry run. See the README for the
    client configuration.
    """
    from crmcli.core import bearer
    from crmcli.core.errors import Invalid, StoreUnavailable

    app = state(ctx)
    token_file = bearer.token_path(app.config.path)
    if show_token or new_token:
        if show_token and new_token:
            raise Invalid("--show-token and --new-token: give one")
        token = bearer.rotate(token_file) if new_token else bearer.load_or_create(token_file)[0]
        typer.echo(token)
        if new_token:
            typer.echo(f"crm mcp: new token written to {token_file}", err=True)
        return
    if unsafe_bind and http is None:
        raise Invalid("--unsafe-bind goes with --http HOST:PORT")

    try:
        import mcp.server.mcpserver  # noqa: F401 - the optional extra, checked before anything
    except ImportError as exc:
        raise StoreUnavailable(INSTALL_HINT) from exc
    from crmcli.assistant import server
    from crmcli.assistant.session import Session

    address = None
    if http is not None:
        from crmcli.assistant import http as transport

        address = transport.parse_address(http, unsafe_bind=unsafe_bind)
    # Open the database once now: a server that cannot open it says so at start-up, on
    # stderr with crm's exit code, rather than failing on the assistant's first call.
    app.store(write=allow_writes)
    app.close()
    session = Session(db=app.db, config=app.config, allow_writes=allow_writes)
    if address is None:
        server.build(session).run("stdio")
    else:
        serve_http(server.build(session), address, token_file, allow_writes)


def serve_http(built: MCPServer, address: Address, token_file: Path, allow_writes: bool) -> None:
    """Serve over HTTP until Ctrl-C, after one line saying where (never the token)."""
    from crmcli.assistant import http as transport
    from crmcli.core import bearer

    token, made = bearer.load_or_create(token_file)
    mode = "read-write" if allow_writes else "read-only"
    exposed = "" if address.loopback else "; NOT loopback: reachable from the network"
    told = "a new token was written to" if made else "token in"

    def announce(url: str) -> None:
        sys.stderr.write(
            f"crm mcp: listening on {url} ({mode}{exposed}; {told} {token_file}, "
            "`crm mcp --show-token` prints it; Ctrl-C stops)\n"
        )
        sys.stderr.flush()

    try:
        transport.serve(built, address, token, announce)
    except KeyboardInterrupt:
        raise typer.Exit(130) from None
