"""The MCP server: crm's tools, resources and prompts over stdio (or loopback HTTP).

Built on the official SDK's `MCPServer`. Each group of tools lives in its own module
and registers itself here; every tool goes through `Session`, so read-only mode,
dry runs, the `(via mcp)` origin and error messages are decided in one place.
"""

from __future__ import annotations

from mcp.server.mcpserver import MCPServer

from crmcli import __version__
from crmcli.assistant import prompts, reading, resources, writing
from crmcli.assistant.session import Session

INSTRUCTIONS = (
    "crm is a sales rep's CRM: contacts, their companies, logged interactions (calls, "
    "emails, meetings, notes), follow-ups (promises to get back to someone), and deals "
    "moving through pipeline stages. Look people up with find_contacts before acting; a "
    "REF is a contact id, an email, a phone number, an exact name or a unique name prefix. "
    "Writes never act on a guess: an ambiguous REF returns the candidates, and you should "
    "ask or use an id. Every write tool takes dry_run=true to show what it would change. "
    "Every write is one undoable batch: undo() takes the last one back."
)


def build(session: Session) -> MCPServer:
    server: MCPServer = MCPServer(
        name="crm",
        title="crmcli",
        version=__version__,
        instructions=INSTRUCTIONS,
        log_level="WARNING",
    )
    reading.register(server, session)
    writing.register(server, session)
    resources.register(server, session)
    prompts.register(server, session)
    return server
