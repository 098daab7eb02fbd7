"""`crm mcp`: serve the book to an AI assistant over the Model Context Protocol.

The server is `crmcli.assistant`, imported here and only when this command runs, so
that no other command pays for the MCP SDK; without the `assistant` extra the command
says how to install it, in one line.
"""

from __future__ import annotations

from typing import Annotated

import typer

from crmcli.commands._state import state

INSTALL_HINT = "crm mcp needs the MCP SDK: pip install 'crmcli[assistant]'"


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
) -> None:
    """Run an MCP server on stdin/stdout for an AI assistant (Claude Desktop, an IDE...).

    Read-only unless --allow-writes. Every write it makes is one batch marked
    `(via mcp)` in `crm undo --list`, and takes a dry run. See the README for the
    client configuration.
    """
    from crmcli.core.errors import StoreUnavailable

    try:
        import mcp.server.mcpserver  # noqa: F401 - the optional extra, checked before anything
    except ImportError as exc:
        raise StoreUnavailable(INSTALL_HINT) from exc
    from crmcli.assistant import server
    from crmcli.assistant.session import Session

    app = state(ctx)
    # Open the database once now: a server that cannot open it says so at start-up, on
    # stderr with crm's exit code, rather than failing on the assistant's first call.
    app.store(write=allow_writes)
    app.close()
    session = Session(db=app.db, config=app.config, allow_writes=allow_writes)
    server.build(session).run("stdio")
