"""The filter language for the assistant's list tools: a `where` argument, read once.

`where` is what `--where` is in the shell (README, "Filter language"): the same parser
and fields. A query that cannot be read is a tool error of one line naming the column.
"""

from __future__ import annotations

from typing import Any

from mcp.server.mcpserver.exceptions import ToolError

from crmcli.assistant.session import text_arg
from crmcli.core.db.store import Store

WHERE_HELP = (
    "A filter, as `--where` takes it in the shell: FIELD:VALUE terms ANDed, OR, NOT or a "
    'leading -, parentheses, "quoted phrases"; comparisons > >= < <= and ranges '
    "low..high on numbers, amounts and dates; amounts as 10k, 2.5m or 1200.50 in each "
    "record's own currency; dates as 2026-01-31, today, +7d, or an age with > (longer "
    "ago) or < (more recently): touched:>30d. Bare words look in the record's text. "
)


def where_arg(
    store: Store, list_name: str, where: str | None, view: str | None = None
) -> tuple[str, list[Any]] | None:
    """`where` (and the saved `view`, ANDed) compiled for `list_name`'s core list, or None;
    a tool error if unreadable, and for an unknown view or one of another list."""
    from crmcli.core.query.compile import compile_where
    from crmcli.core.query.parse import QueryError
    from crmcli.core.query.views import both, compiled_view

    text = text_arg("where", where)
    name = text_arg("view", view)
    try:
        parts = [compiled_view(store, list_name, name)] if name is not None else []
        if text is not None:
            parts.append(compile_where(store, list_name, text, label="where"))
    except QueryError as exc:
        raise ToolError(exc.headline) from None
    return both(*parts)


def view_help(list_name: str) -> str:
    """The `view` argument of a list tool."""
    return (
        f"The name of one of the rep's saved views of {list_name} (`crm view list`), "
        "ANDed with `where`. Omit for none."
    )


def fields_help(list_name: str) -> str:
    """The fields `where` knows on one list, for a tool's description."""
    from crmcli.core.query.fields import entity

    table = entity(list_name)
    return (
        f"Fields: {', '.join(table.names)}, has (has:email). Bare words look in "
        f"{', '.join(table.free_text)}."
    )
