"""`--where QUERY`, the filter language's option, declared once for every list and export.

Its help lists the fields of the list it filters, from the one table in
`crmcli.core.query.fields` (which imports nothing: --help stays cheap).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Annotated, Any

import typer

from crmcli.core.query.fields import help_line

if TYPE_CHECKING:
    from crmcli.core.db.store import Store


def _option(list_name: str) -> Any:
    return typer.Option(
        "--where", "-w", help=help_line(list_name), metavar="QUERY", show_default=False
    )


ContactWhere = Annotated[str | None, _option("contacts")]
CompanyWhere = Annotated[str | None, _option("companies")]
DealWhere = Annotated[str | None, _option("deals")]
FollowupWhere = Annotated[str | None, _option("followups")]
InteractionWhere = Annotated[str | None, _option("interactions")]


def compiled(store: Store, list_name: str, query: str | None) -> tuple[str, list[Any]] | None:
    """The query as a WHERE fragment for the core's list, or None when none was given.

    A query that cannot be read is a `QueryError`: one message naming the column, the
    query and a caret under it (exit 2).
    """
    if query is None:
        return None
    from crmcli.core.query.compile import compile_where

    return compile_where(store, list_name, query)
