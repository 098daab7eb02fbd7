"""What every command shares: the chosen database and the loaded config."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING

import typer

if TYPE_CHECKING:
    from crmcli.core.config import Config
    from crmcli.core.store import Store


@dataclass
class AppState:
    """Set by the root callback from `--db`; opens the store on demand, once."""

    db: str | None = None
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
            from crmcli.core.store import open_store

            self._stores[write] = open_store(self.db, self.config, write=write)
        return self._stores[write]


def state(ctx: typer.Context) -> AppState:
    root = ctx.find_root()
    if not isinstance(root.obj, AppState):
        root.obj = AppState()
    return root.obj
