"""What every command shares: the chosen database, the loaded config, a way to run another."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

import typer

if TYPE_CHECKING:
    from crmcli.core.config import Config
    from crmcli.core.db.store import Store


@dataclass
class AppState:
    """Set by the root callback from `--db`; opens the store on demand, once.

    `run_line` runs another whole `crm` command line in this process and returns its
    exit code (the demo's tour shows real commands): the root CLI hands it in, since a
    command module must not import the CLI that registers it.
    """

    db: str | None = None
    run_line: Callable[[list[str]], int] | None = None
    _config: Config | None = None
    _stores: dict[bool, Store] = field(default_factory=dict)

    @property
    def config(self) -> Config:
        if self._config is None:
            from crmcli.core.config import load

            self._config = load()
        return self._config

    def store(self, *, write: bool = False) -> Store:
        """The database, opened for reading (never created) or for writing."""
        if write not in self._stores:
            from crmcli.core.books import open_store

            self._stores[write] = open_store(self.db, self.config, write=write)
        return self._stores[write]

    def close(self) -> None:
        """Close the connections this command opened.

        A command is usually a whole process, but not always (the demo's tour, tests):
        a connection left open in a long-lived process can outlive the WAL files another
        process removes when it closes last, and then read a stale index.
        """
        fired = [o for store in self._stores.values() for o in store.fired]
        for store in self._stores.values():
            store.close()
        self._stores.clear()
        if fired:  # the rules' work in this command's writes: said once, at its end
            from crmcli.commands._rules_first import tell_fired

            tell_fired(fired)


def state(ctx: typer.Context) -> AppState:
    root = ctx.find_root()
    if not isinstance(root.obj, AppState):
        root.obj = AppState()
        root.call_on_close(root.obj.close)
    return root.obj
