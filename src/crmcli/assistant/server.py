"""The MCP server: crm's tools, resources and prompts over stdio (or loopback HTTP).

Built on the official SDK's `MCPServer`. Each group of tools lives in its own module
and registers itself here; every tool goes through `Session`, so read-only mode,
dry runs, the `(via mcp)` origin and error messages are decided in one place.
"""

from __future__ import annotations

from typing import Any

from mcp.server.mcpserver import MCPServer
from mcp.server.mcpserver.exceptions import ToolError
from mcp.types import Tool as MCPTool
from pydantic import ValidationError

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


class CrmServer(MCPServer):
    """The SDK's server, with a tool's argument errors said in one line, as crm says its own.

    The SDK reports a wrong type or a value outside an enum as pydantic's multi-line
    dump; `call_tool` is the one place every call goes through, so it is said here.
    """

    _parameters: dict[str, set[str]] | None = None

    async def list_tools(self) -> list[MCPTool]:
        """Each tool's schema says it takes no other argument (`additionalProperties`)."""
        tools = await super().list_tools()
        for tool in tools:
            tool.input_schema = {**tool.input_schema, "additionalProperties": False}
        return tools

    async def call_tool(self, name: str, arguments: dict[str, Any], context: Any = None) -> Any:
        # The SDK drops an argument it does not know: a misspelled `dryrun: true` would
        # then be a real write. An unknown name is refused before anything runs.
        if self._parameters is None:
            self._parameters = {
                tool.name: set(tool.input_schema.get("properties", {}))
                for tool in await super().list_tools()
            }
        known = self._parameters.get(name)
        unknown = sorted(set(arguments or {}) - known) if known is not None else []
        if unknown:
            raise ToolError(
                f"{name} takes no argument {', '.join(unknown)} (it takes: "
                f"{', '.join(sorted(known or ())) or 'none'}); nothing was changed"
            )
        try:
            return await super().call_tool(name, arguments, context)
        except ToolError as exc:
            if isinstance(exc.__cause__, ValidationError):
                raise ToolError(argument_error(name, exc.__cause__)) from exc.__cause__
            raise


def argument_error(tool: str, exc: ValidationError) -> str:
    """`log_interaction: bad arguments: kind: Input should be 'call', ... or 'message'`."""
    parts = []
    for error in exc.errors():
        where = ".".join(str(part) for part in error["loc"]) or "arguments"
        parts.append(f"{where}: {error['msg']}")
    return f"{tool}: bad arguments: {'; '.join(parts)}"


def build(session: Session) -> MCPServer:
    server: MCPServer = CrmServer(
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
