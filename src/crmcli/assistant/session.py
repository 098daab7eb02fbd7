"""What every tool call shares: the database, the write permission, errors as tool errors.

Each call opens the store and closes it when done. A server lives for hours beside the
rep's shell, which writes, migrates and backs up the same file; a connection per call
always reads what the shell last wrote and never holds a lock between calls. Opening
costs about a millisecond against the tens a round trip takes.
"""

from __future__ import annotations

import base64
import re
from collections.abc import Callable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any, TypeVar

from mcp.server.mcpserver.exceptions import ToolError
from pydantic import BeforeValidator

from crmcli.core.books import open_store
from crmcli.core.config import Config
from crmcli.core.db.store import DryRun, Store, describe_error
from crmcli.core.errors import Ambiguous, CrmError

ORIGIN = "mcp"  # every batch the assistant writes says `(via mcp)` in `crm undo --list`
DEFAULT_LIMIT = 20
MAX_LIMIT = 100
MAX_TEXT = 20_000  # characters in one free-text argument (a summary, a note)
CONTROL = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")  # all but tab and line breaks

T = TypeVar("T")


@dataclass
class Session:
    """One running server: which database, and whether writes are allowed."""

    db: str | None
    config: Config
    allow_writes: bool = False

    @contextmanager
    def reading(self) -> Iterator[Store]:
        """A store for one read; a core refusal becomes the tool error the model sees."""
        with tool_errors():
            store = open_store(self.db, self.config, write=False)
            try:
                yield store
            finally:
                store.close()

    def write(self, tool: str, dry_run: bool, work: Callable[[Store], T]) -> T | dict[str, Any]:
        """Run one write tool's work in the core, as one batch marked `(via mcp)`.

        Refused, changing nothing, unless the server was started with --allow-writes. A
        dry run goes through the same code and is rolled back at the end: what comes
        back is the change log's before/after images of what would have changed.
        """
        if not self.allow_writes:
            raise ToolError(
                f"{tool} changes the database: this server is read-only "
                "(start it with `crm mcp --allow-writes`); nothing was changed"
            )
        with tool_errors():
            store = open_store(self.db, self.config, write=True)
            store.origin = ORIGIN
            store.dry_run = dry_run
            try:
                return work(store)
            except DryRun as planned:
                return {
                    "dry_run": True,
                    "command": planned.command,
                    "would_change": planned.changes,
                }
            finally:
                store.close()


@contextmanager
def tool_errors() -> Iterator[None]:
    """The CLI's one-line messages, as tool errors; an ambiguous REF lists its candidates."""
    try:
        yield
    except CrmError as exc:
        if isinstance(exc, Ambiguous) and exc.candidates:
            missing = [c for c in exc.candidates if c not in exc.message]
            if missing:  # the core's message usually lists them already
                raise ToolError(f"{exc.message}; candidates: {'; '.join(missing)}") from None
        raise ToolError(exc.message) from None
    except Exception as exc:  # a driver's error the CLI would say in one line: the same here
        described = describe_error(exc)
        if described is None:
            raise
        raise ToolError(described.message) from None


def _number_as_text(value: Any) -> Any:
    if isinstance(value, int) and not isinstance(value, bool):
        return str(value)
    return value


# A REF or a query given as a JSON number (`{"ref": 12}`: clients and models send ids so,
# the MCP Inspector among them) is read as its digits; the schema still says string.
AS_TEXT = BeforeValidator(_number_as_text)


def text_arg(name: str, value: str | None, *, required: bool = False) -> str | None:
    """A free-text argument, bounded: a model can send megabytes by mistake."""
    if value is None or not value.strip():
        if required:
            raise ToolError(f"{name} must not be empty")
        return None
    if len(value) > MAX_TEXT:
        raise ToolError(f"{name} is {len(value)} characters; the most is {MAX_TEXT}")
    if CONTROL.search(value):
        # A terminal escape stored in a title would be replayed raw in the rep's shell
        # (colours, a retitled window, OSC 52 writing the clipboard); a NUL cuts text
        # short in SQLite and is refused by PostgreSQL. Tabs and line breaks are text.
        raise ToolError(f"{name} holds control characters; nothing was changed")
    return value


def limit_arg(limit: int | None) -> int:
    if limit is None:
        return DEFAULT_LIMIT
    if limit < 1 or limit > MAX_LIMIT:
        raise ToolError(f"limit must be between 1 and {MAX_LIMIT}")
    return limit


def page(
    items: Sequence[Any],
    limit: int | None,
    cursor: str | None,
    *,
    render: Callable[[list[Any]], Sequence[Mapping[str, Any]]] | None = None,
) -> dict[str, Any]:
    """One page of a list: `items` and, when there are more, `next_cursor` to pass back.

    The cursor is an opaque offset into the same ordered list; the list is recomputed on
    each call, so a page is as fresh as the database. `render` turns the page's own items
    into rows, so a long list of hits costs the display query of one page only.
    """
    size = limit_arg(limit)
    start = _offset(cursor)
    window = list(items[start : start + size])
    chunk = [dict(item) for item in (render(window) if render is not None else window)]
    more = start + size < len(items)
    return {
        "items": chunk,
        "total": len(items),
        "next_cursor": _cursor(start + size) if more else None,
    }


def _cursor(offset: int) -> str:
    return base64.urlsafe_b64encode(f"o:{offset}".encode()).decode()


def _offset(cursor: str | None) -> int:
    if not cursor:
        return 0
    try:
        text = base64.urlsafe_b64decode(cursor.encode()).decode()
        kind, _, number = text.partition(":")
        offset = int(number)
    except (ValueError, UnicodeError):
        raise ToolError("cursor is not one this server gave out") from None
    if kind != "o" or offset < 0:
        raise ToolError("cursor is not one this server gave out")
    return offset
