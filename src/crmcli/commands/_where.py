"""`--where QUERY` and `--view NAME`, the filter language's options, declared once for every
list and export.

The `--where` help lists the fields of the list it filters, from the one table in
`crmcli.core.query.fields` (which imports nothing: --help stays cheap). `--view` names a
saved view of the same list (`crm view save`); given with `--where`, both apply.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Annotated, Any

import typer

from crmcli.commands import _complete
from crmcli.core.query.fields import help_line

if TYPE_CHECKING:
    from crmcli.core.db.store import Store


def _option(list_name: str) -> Any:
    return typer.Option(
        "--where", "-w", help=help_line(list_name), metavar="QUERY", show_default=False
    )


def _view_names(list_name: str) -> Any:
    """TAB after `--view`: your views of this list."""

    def views(store: Store, incomplete: str) -> list[tuple[str, str]]:
        from crmcli.core.query.views import list_views
        from crmcli.core.values.text import fold

        start = fold(incomplete)
        return [
            (v["name"], v["query"])
            for v in list_views(store, list_name)
            if fold(v["name"]).startswith(start)
        ]

    return _complete._quiet(views)


def _view_option(list_name: str) -> Any:
    return typer.Option(
        "--view",
        help=f"A saved view of {list_name} (crm view list), ANDed with --where.",
        metavar="NAME",
        show_default=False,
        autocompletion=_view_names(list_name),
    )


ContactWhere = Annotated[str | None, _option("contacts")]
CompanyWhere = Annotated[str | None, _option("companies")]
DealWhere = Annotated[str | None, _option("deals")]
FollowupWhere = Annotated[str | None, _option("followups")]
InteractionWhere = Annotated[str | None, _option("interactions")]

ContactView = Annotated[str | None, _view_option("contacts")]
CompanyView = Annotated[str | None, _view_option("companies")]
DealView = Annotated[str | None, _view_option("deals")]
FollowupView = Annotated[str | None, _view_option("followups")]


def compiled(
    store: Store, list_name: str, query: str | None, view: str | None = None
) -> tuple[str, list[Any]] | None:
    """`--where` and `--view` as one WHERE fragment for the core's list (ANDed when both are
    given), or None when neither was.

    A query that cannot be read is a `QueryError`: one message naming the column, the
    query and a caret under it (exit 2). An unknown view is NotFound (exit 1); a view of
    another list is Invalid (exit 2).
    """
    if query is None and view is None:
        return None
    from crmcli.core.query.views import where

    return where(store, list_name, view=view, query=query)
