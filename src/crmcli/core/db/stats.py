"""Facts about a database as a whole: schema version, counts of each kind of record."""

from __future__ import annotations

from typing import Any

from crmcli.core.db.store import Store, shown_url

COUNTED = ("contact", "company", "interaction", "followup", "deal", "stage")


def database_info(store: Store) -> dict[str, Any]:
    facts: dict[str, Any] = {
        "location": shown_url(store.location.target),
        "schema_version": store.dialect.schema_version(store.conn),
    }
    for table in COUNTED:
        plural = "companies" if table == "company" else f"{table}s"
        facts[plural] = int(store.value(f"SELECT count(*) FROM {table}"))
    return facts
