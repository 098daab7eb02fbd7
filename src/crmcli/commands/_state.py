"""What every command shares: the chosen database, the loaded config, a way to run another.

Free of Typer, even for type checking (import-linter holds it so): the fast path
(`crmcli.fastpath`) builds an `AppState` itself and runs the hot commands' bodies
without loading Typer. `state` takes Typer's context by the two things it uses.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Protocol

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


class _Root(Protocol):
    """The root of Typer's (click's) context: where the command line's state is kept."""

    obj: Any

    def call_on_close(self, f: Callable[..., Any]) -> Callable[..., Any]: ...


class Context(Protocol):
    """A `typer.Context`, by what `state` uses of it."""

    def find_root(self) -> _Root: ...


def state(ctx: Context) -> AppState:
    """The command line's state, made (and closed with the line) by the first to ask."""
    root = ctx.find_root()
    if not isinstance(root.obj, AppState):
        root.obj = AppState()
        root.call_on_close(root.obj.close)
    return root.obj
