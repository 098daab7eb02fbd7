"""Resources: a contact (`crm://contact/{id}`) and a deal (`crm://deal/{id}`) as JSON."""

from __future__ import annotations

from mcp.server.mcpserver import MCPServer

from crmcli.assistant.session import Session


def register(server: MCPServer, session: Session) -> None:
    """Resources land here."""
