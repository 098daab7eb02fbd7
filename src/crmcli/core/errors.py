"""Domain exceptions, each carrying the exit code the CLI maps it to.

The core raises these; the CLI turns any of them into one line on stderr and
its exit code, in one place (`crmcli.cli.run`), so every command behaves alike.
"""

from __future__ import annotations

from collections.abc import Sequence

EXIT_OK = 0
EXIT_NOT_FOUND = 1  # not found, no match, ambiguous, refused, problems found
EXIT_USAGE = 2  # bad usage or bad input
EXIT_STORE = 3  # the store cannot be used


class CrmError(Exception):
    """Base of every error the user should see as one clear line."""

    exit_code = EXIT_NOT_FOUND
    # Said on one line: a line break or control character a message carries (from a
    # file's name, a value) is escaped. A query's error is three lines by design.
    multiline = False

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


class NotFound(CrmError):
    """A record, a match or a file that the user named does not exist."""


class Ambiguous(CrmError):
    """A reference matched several records or none exactly; the candidates come along."""

    def __init__(self, message: str, candidates: Sequence[str] = ()) -> None:
        super().__init__(message)
        self.candidates = list(candidates)


class Refused(CrmError):
    """The user declined, or the operation is not allowed in the current state."""


class Conflict(CrmError):
    """Someone else changed the record since it was read (optimistic concurrency)."""


class Invalid(CrmError):
    """Bad input: a malformed value, an unknown option value, an unreadable file."""

    exit_code = EXIT_USAGE


class StoreUnavailable(CrmError):
    """The database cannot be used: foreign or corrupt file, newer schema, busy, unreachable."""

    exit_code = EXIT_STORE


class Damaged(StoreUnavailable):
    """The database file is damaged: nothing is written to it, `crm doctor` shows the way out."""

    def __init__(self, reason: str, where: str | None = None) -> None:
        named = f" {where}" if where else ""
        super().__init__(
            f"the database{named} is damaged ({reason}); nothing was changed: run `crm doctor`"
        )
        self.reason = reason
        self.where = where


class Busy(StoreUnavailable):
    """Another writer held the database past the busy timeout."""


def by_ctrl_c(exc: BaseException) -> bool:
    """Was this error raised while handling Ctrl-C? A worker process that died of the
    same SIGINT, or a driver (psycopg, interrupted inside a pipeline: "cannot exit
    pipeline mode") replaces the KeyboardInterrupt with an error of its own."""
    seen: BaseException | None = exc
    for _ in range(20):  # a chain is short; never loop on a cycle
        if seen is None:
            return False
        if isinstance(seen, KeyboardInterrupt):
            return True
        seen = seen.__context__
    return False
