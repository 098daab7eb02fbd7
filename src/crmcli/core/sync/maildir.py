"""A Maildir folder as a mail source: the layout mbsync, offlineimap, mutt and aerc keep on disk.

A message's identity is its unique base name, the part of its file name before
the `:2,` flags, which survives the move from new/ to cur/ and every flag change;
file times are never used (mail tools rewrite them). Listing the folder reads
directory entries only, so a run with nothing new opens no message.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Iterator, Set
from datetime import date
from pathlib import Path
from typing import BinaryIO, Literal

from crmcli.core.errors import NotFound
from crmcli.core.sync.sources import MailItem

SUBDIRS = ("new", "cur")  # tmp/ holds messages still being written: never read


def base_name(file_name: str) -> str:
    """The unique part of a Maildir file name (before the info, `:2,FLAGS` or `!2,` on Windows)."""
    for separator in (":2,", "!2,", ":1,"):
        head, found, _ = file_name.partition(separator)
        if found:
            return head
    return file_name


class MaildirSource:
    """The messages of one Maildir folder (its new/ and cur/), by unique base name."""

    kind: Literal["mail"] = "mail"

    def __init__(self, path: str) -> None:
        self.path = path
        self.name = f"maildir:{path}"

    def check(self) -> None:
        """The folder exists, is readable and is a Maildir (cur/, new/ and tmp/ inside)."""
        root = Path(self.path)
        if not root.exists():
            raise NotFound(f"no such Maildir folder: {self.path}")
        if not root.is_dir():
            raise NotFound(f"not a Maildir folder (not a directory): {self.path}")
        missing = [f"{d}/" for d in ("cur", "new", "tmp") if not (root / d).is_dir()]
        if missing:
            raise NotFound(f"not a Maildir folder (no {', '.join(missing)} inside): {self.path}")
        for sub in SUBDIRS:
            if not os.access(root / sub, os.R_OK | os.X_OK):
                raise NotFound(f"cannot read the Maildir folder {self.path} (permission denied)")

    def listing(self) -> dict[str, str]:
        """Each message's unique base name and its current file path (directory entries only)."""
        found: dict[str, str] = {}
        for sub in SUBDIRS:
            folder = Path(self.path, sub)
            try:
                entries = os.scandir(folder)
            except OSError as exc:
                raise NotFound(f"cannot read the Maildir folder {folder}: {exc.strerror}") from exc
            with entries:
                for entry in entries:
                    if entry.name.startswith("."):
                        continue  # dot files are not messages (Maildir++ folders, tool state)
                    found.setdefault(base_name(entry.name), entry.path)
        return found

    def items(
        self, *, cursor: str | None, since: date | None, known: Set[str]
    ) -> Iterator[MailItem]:
        """The messages not yet known, in name order (delivery order for the usual
        time-first unique names). `since` is left to the engine: it reads the Date header."""
        del cursor, since  # a Maildir's state is its items; dates come from the headers
        listing = self.listing()
        for key in sorted(listing.keys() - known):
            yield MailItem(key, None, _opener(self.path, key, listing[key]))

    def cursor_after(self) -> str | None:
        return None

    def close(self) -> None:
        return None


def _opener(root: str, key: str, path: str) -> Callable[[], BinaryIO]:
    def open_message() -> BinaryIO:
        """The message file; if a mail tool moved it since the listing (new/ → cur/, a
        flag change), found again by its base name."""
        try:
            return Path(path).open("rb")
        except FileNotFoundError:
            for sub in SUBDIRS:
                folder = Path(root, sub)
                with os.scandir(folder) as entries:
                    for entry in entries:
                        if base_name(entry.name) == key:
                            return Path(entry.path).open("rb")
            raise

    return open_message
