"""The interaction log for other tools: a million rows streamed, in flat memory.

Its own module beside `exporting` (which names it too): the plain rows, and the
batches of cell text the CSV path joins in C (`csv_out.Sheet.stored`).
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from typing import Any, TypedDict, cast

from crmcli.core.db.store import Store
from crmcli.core.interchange.csv_out import neutralised


class InteractionExport(TypedDict):
    id: int
    contact_id: int
    contact: str
    deal_id: int | None
    kind: str
    direction: str | None
    occurred_at: str
    summary: str
    body: str | None
    duration_seconds: int | None
    outcome: str | None
    owner: str
    created_at: str


INTERACTION_COLUMNS = tuple(InteractionExport.__annotations__)


_INTERACTION_SELECT = (
    "i.id, i.contact_id, c.display_name AS contact, i.deal_id, i.kind, i.direction, "
    "i.occurred_at, i.summary, i.body, i.duration_seconds, i.outcome, i.owner, i.created_at"
)


def _as_text(column: str, numeric: bool, nullable: bool) -> str:
    """SQLite: a column as its cell's text where that is sure to be the same text Python
    writes (an integer's digits, NULL as nothing); any other value (a float, a blob
    in a damaged file) as stored, for the writer to spell in Python."""
    name = column.rsplit(".", 1)[-1]
    if numeric:
        null = " WHEN 'null' THEN ''" if nullable else ""
        return (
            f"CASE typeof({column}) WHEN 'integer' THEN CAST({column} AS TEXT){null} "
            f"ELSE {column} END AS {name}"
        )
    return f"coalesce({column}, '') AS {name}" if nullable else column


# The same columns, each as cell text (`Sheet.stored` then joins them in C): the numbers
# cast in SQL cost SQLite less than a Python str() each; NULLs read as ''.
_INTERACTION_TEXTS = ", ".join(
    [
        # Integers whatever the file holds: the rowid, and the key the join matched to
        # one (SQLite stores an integer-looking value in an INTEGER column as an
        # integer; any other never equals a rowid).
        "CAST(i.id AS TEXT) AS id",
        "CAST(i.contact_id AS TEXT) AS contact_id",
        "c.display_name AS contact",
        _as_text("i.deal_id", True, True),
        "i.kind",
        _as_text("i.direction", False, True),
        "i.occurred_at",
        "i.summary",
        _as_text("i.body", False, True),
        _as_text("i.duration_seconds", True, True),
        _as_text("i.outcome", False, True),
        "i.owner",
        "i.created_at",
    ]
)


def _interaction_sql(
    contact_id: int | None, query: tuple[str, list[Any]] | None = None, *, texts: bool = False
) -> tuple[str, list[Any]]:
    clauses = ["i.contact_id = ?"] if contact_id is not None else []
    params: list[Any] = [contact_id] if contact_id is not None else []
    if query is not None:  # a compiled `--where` fragment on `i`
        clauses.append(f"({query[0]})")
        params += query[1]
    where = f" WHERE {' AND '.join(clauses)}" if clauses else ""
    return (
        f"SELECT {_INTERACTION_TEXTS if texts else _INTERACTION_SELECT} "
        f"FROM interaction i JOIN contact c ON c.id = i.contact_id{where} ORDER BY i.id",
        params,
    )


def interactions(
    store: Store, *, contact_id: int | None = None, where: tuple[str, list[Any]] | None = None
) -> Iterator[InteractionExport]:
    rows = store.stream(*_interaction_sql(contact_id, where))
    return cast("Iterator[InteractionExport]", rows)  # the stream's dicts, of that shape


def interaction_tuples(
    store: Store,
    *,
    contact_id: int | None = None,
    safe: bool = False,
    where: tuple[str, list[Any]] | None = None,
) -> tuple[list[str], Iterator[Sequence[Any]]]:
    """The interaction log as plain tuples.

    With `safe`, text cells a spreadsheet would run as formulas come out neutralised.
    """
    names, rows = store.stream_tuples(*_interaction_sql(contact_id, where))
    return names, (neutralised(rows) if safe else rows)


def interaction_batches(
    store: Store, *, contact_id: int | None = None, where: tuple[str, list[Any]] | None = None
) -> tuple[list[str], Iterator[list[tuple[Any, ...]]]]:
    """The interaction log in batches of plain tuples, as the driver returns them: the
    CSV path for a million rows (`csv_out.Sheet.stored`). Every column is an integer or
    text on both engines, as that writer needs; on SQLite each comes as its cell's text.
    Only for that writer: a number in text is, to `neutralise`, a number only in the
    numeric columns, which all four integer columns here are."""
    whole = contact_id is None and where is None
    texts = store.dialect.name == "sqlite"  # PostgreSQL's values are spelled in Python
    return store.stream_batches(*_interaction_sql(contact_id, where, texts=texts), bulk=whole)
