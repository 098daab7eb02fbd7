"""Resources: a contact (`crm://contact/{id}`), a deal (`crm://deal/{id}`), the pipeline
(`crm://pipeline`) and the day (`crm://today`), as JSON.

A client attaches a resource to a conversation as context. Each is exactly what the
matching read tool returns (`get_contact`, `get_deal`, `pipeline`, `today`), so the
model meets one shape for one thing. An id that is not a number, or names no record,
is the protocol's resource-not-found error, with the message the shell gives.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from mcp.server.mcpserver import MCPServer
from mcp.server.mcpserver.exceptions import ResourceError, ResourceNotFoundError, ToolError
from mcp.types import CallToolResult

from crmcli.assistant import sheets
from crmcli.assistant.session import Session
from crmcli.core.db.store import Store
from crmcli.core.errors import NotFound

JSON = "application/json"
LARGEST_ID = 2**63 - 1  # the largest id either database can hold


def register(server: MCPServer, session: Session) -> None:
    @server.resource(
        "crm://contact/{id}",
        name="contact",
        title="Contact",
        description=(
            "One contact whole, as the get_contact tool gives it: names, emails, phones, "
            "company and title, tags, notes, cadence, their recent timeline "
            "(interactions, follow-ups, deal moves; newest first), their deals with stage "
            "and amount, and their open follow-ups. {id} is the contact's number."
        ),
        mime_type=JSON,
    )
    def contact(id: str) -> str:  # `id`: the URI template's variable
        contact_id = _id("contact", id)
        with _reading(session) as store:
            return _json(sheets.contact_sheet(store, contact_id))

    @server.resource(
        "crm://deal/{id}",
        name="deal",
        title="Deal",
        description=(
            "One deal whole, as the get_deal tool gives it: contact and company, stage and "
            "status, amount (minor units, currency, display string), win probability, "
            "expected close, next step, days in stage and flags, its stage history and its "
            "timeline. {id} is the deal's number."
        ),
        mime_type=JSON,
    )
    def deal(id: str) -> str:
        deal_id = _id("deal", id)
        with _reading(session) as store:
            return _json(sheets.deal_sheet(store, deal_id))

    @server.resource(
        "crm://pipeline",
        name="pipeline",
        title="Pipeline",
        description=(
            "The board, as the pipeline tool gives it: each open stage with its deal "
            "count, total and probability-weighted amount per currency, and its first "
            "deals, oldest in the stage first."
        ),
        mime_type=JSON,
    )
    async def pipeline() -> str:
        return await _tool(server, "pipeline")

    @server.resource(
        "crm://today",
        name="today",
        title="Today",
        description=(
            "The rep's day, as the today tool gives it: overdue follow-ups (most late "
            "first), follow-ups due today, contacts due for a touch, and deals needing "
            "attention (stale, or with no next step)."
        ),
        mime_type=JSON,
    )
    async def today() -> str:
        return await _tool(server, "today")


def _id(kind: str, text: str) -> int:
    """A record id from a URI: digits only, and no larger than any id can be."""
    if not (text.isascii() and text.isdigit()):
        raise ResourceNotFoundError(
            f"{kind} id {text!r} is not a number: use crm://{kind}/ID with the {kind}'s id"
        )
    digits = text.lstrip("0") or "0"
    if len(digits) > len(str(LARGEST_ID)) or int(digits) > LARGEST_ID:
        raise ResourceNotFoundError(f"no {kind} #{digits}")
    return int(digits)


@contextmanager
def _reading(session: Session) -> Iterator[Store]:
    """`session.reading()` for a resource: a missing record is resource-not-found, any other
    refusal (the database cannot be opened, say) a resource error; both carry crm's line."""
    try:
        with session.reading() as store:
            try:
                yield store
            except NotFound as exc:
                raise ResourceNotFoundError(exc.message) from None
    except ToolError as exc:  # what `session.reading` makes of any other CrmError
        raise ResourceError(str(exc)) from None


async def _tool(server: MCPServer, name: str) -> str:
    """A read tool's answer (its defaults), as a resource's JSON text."""
    try:
        result = await server.call_tool(name, {})
    except ToolError as exc:
        raise ResourceError(str(exc.__cause__ or exc)) from None
    assert isinstance(result, CallToolResult), result  # read tools ask the client nothing
    return _json(result.structured_content)


def _json(doc: Any) -> str:
    return json.dumps(doc, ensure_ascii=False, default=str)
