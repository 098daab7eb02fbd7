"""`crm search`: full-text search over what was said and written, ranked.

The engine-specific query lives in the dialect (FTS5 on SQLite); words are
folded and prefix-matched, so "pric" finds "pricing" and "resume" "résumé".
"""

from __future__ import annotations

from typing import Any

from crmcli.core.errors import Invalid
from crmcli.core.store import Store
from crmcli.core.textnorm import fold


def search(store: Store, text: str, *, limit: int = 20) -> list[dict[str, Any]]:
    words = fold(text).split()
    if not words:
        raise Invalid("empty search: give words to look for in notes and interactions")
    sql, params = store.dialect.fulltext(words, limit)
    return store.rows(sql, params)
