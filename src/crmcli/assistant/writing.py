"""Write tools: log, promise, create, update, move and close, and undo.

Every one goes through `Session.write`: refused unless the server runs with
--allow-writes, `dry_run` shows what would change, and each call is one batch
marked `(via mcp)` that `crm undo` can take back. A REF is resolved exactly as the
shell resolves it: never a fuzzy guess; an ambiguous one returns the candidates.
"""

from __future__ import annotations

from mcp.server.mcpserver import MCPServer

from crmcli.assistant.session import Session


def register(server: MCPServer, session: Session) -> None:
    """Write tools land here (see the module docstring for what every one must do)."""
