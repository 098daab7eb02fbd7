"""`crm find QUERY`: the mid-call lookup, across names, companies, emails, phones, tags."""

from __future__ import annotations

from typing import TYPE_CHECKING

from crmcli.commands._output import LIST_FORMATS, Column, OutputFormat, message, render, resolve

if TYPE_CHECKING:
    from crmcli.commands._state import AppState
    from crmcli.core.db.store import Store
    from crmcli.core.people.rows import FoundContact

# What `crm find` writes: its --format help, completion and check come from this list.
FORMATS = (*LIST_FORMATS, OutputFormat.mutt, OutputFormat.aerc)

COLUMNS = [
    Column("id", "ID"),
    Column("name", "NAME", max_width=30),
    Column("company", "COMPANY", max_width=24),
    Column("email", "EMAIL", max_width=32),
    Column("phone", "PHONE", max_width=22),
    Column("matched", "MATCHED", max_width=30),
]


def find(
    app: AppState,
    *,
    query: list[str],
    limit: int | None,
    fmt: OutputFormat | None,
    as_json: bool,
) -> int:
    """Look someone up (see `commands/find.py` for what it finds); 1 when nothing matches."""
    from crmcli.core.search.find import describe
    from crmcli.core.search.find import find as search

    chosen = resolve(fmt, as_json, FORMATS)
    store = app.store()
    rows = describe(store, search(store, " ".join(query), limit=limit or 20))
    if chosen in (OutputFormat.mutt, OutputFormat.aerc):
        return _mail_client(store, rows, " ".join(query), first_line=chosen is OutputFormat.mutt)
    render(rows, chosen, COLUMNS)
    if not rows:
        if chosen is OutputFormat.table:
            message(f"no contact matches {' '.join(query)!r}")
        return 1
    return 0


def _mail_client(store: Store, rows: list[FoundContact], query: str, *, first_line: bool) -> int:
    """mutt's query format (a status line, then address, name, company), or aerc's (no
    status line: aerc reads every line as a candidate). 1 when nothing matches."""
    from crmcli.core.search.find import emails_for

    addresses = emails_for(store, [int(str(r["id"])) for r in rows])
    lines = [
        f"{email}\t{row['name']}\t{row['company'] or ''}"
        for row in rows
        for email in addresses.get(int(str(row["id"])), [])
    ]
    if first_line:
        print(f"crm: {len(lines)} address{'es' if len(lines) != 1 else ''} for {query!r}")
    for line in lines:
        print(line)
    return 0 if lines else 1
