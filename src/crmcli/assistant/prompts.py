"""Prompts for the common jobs: prepare a call, review the pipeline, draft a follow-up."""

from __future__ import annotations

from mcp.server.mcpserver import MCPServer

from crmcli.assistant.session import Session


def register(server: MCPServer, session: Session) -> None:
    """Prompts land here."""
