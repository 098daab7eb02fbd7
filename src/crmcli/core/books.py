"""Open the rep's book as every front end must: the store, with the rules that fire on its writes.

Front ends (commands, the TUI, the assistant) open stores here rather than in
`crmcli.core.db.opening`, so that no front end can forget the rules (issue #23).
"""

from __future__ import annotations

from crmcli.core.config import Config
from crmcli.core.db.opening import open_store as _open
from crmcli.core.db.store import Store
from crmcli.core.rules import hook


def open_store(db: str | None, config: Config, *, write: bool, rules: bool = True) -> Store:
    """The store at `db` (see `crmcli.core.db.opening.open_store`), its writes firing the
    enabled rules; `rules=False` for a store whose writes never should (a copy's target).

    A read store gets the hook too: the few writes made through one (the TUI's, a
    command's bookkeeping) fire rules like any other, and the hook costs nothing until
    a write logs a change.
    """
    store = _open(db, config, write=write)
    if rules:
        store.on_write = hook.fire
    return store
