"""Read tools: lookups, a contact's whole story, the day's work, the pipeline, reports.

Each is the same core call the matching shell command makes, shaped as JSON; list
tools take `limit` (at most 100) and a `cursor` for the next page.
"""

from __future__ import annotations

from typing import Annotated, Any

from mcp.server.mcpserver import MCPServer
from pydantic import Field

from crmcli.assistant.session import Session, page, text_arg


def register(server: MCPServer, session: Session) -> None:
    @server.tool(
        description=(
            "Look contacts up the way `crm find` does: by name (accent- and case-insensitive, "
            "typo-tolerant), company, email, tag, @domain, or a phone number or a few of its "
            "digits. Best match first, each with what matched. Use it before any write to "
            "get the contact's id."
        ),
    )
    def find_contacts(
        query: Annotated[str, Field(description="Words, an email, @domain or digits.")],
        limit: Annotated[
            int | None, Field(description="At most this many (1-100, default 20).")
        ] = None,
        cursor: Annotated[
            str | None, Field(description="next_cursor from the previous page.")
        ] = None,
    ) -> dict[str, Any]:
        from crmcli.core.search.find import describe, find

        words = text_arg("query", query, required=True)
        assert words is not None
        with session.reading() as store:
            hits = describe(store, find(store, words, limit=500))
        return page(hits, limit, cursor)
