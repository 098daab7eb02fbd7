"""A collection of calendar events or vCards, as the two-way syncs see it: hrefs and etags.

`crm sync calendar` and `crm sync contacts` diff a collection against `sync_item`
exactly as vdirsyncer does: list every item's href with its etag (a tag that
changes whenever the item does), fetch only the items whose etag moved, and
write with the etag they last saw, so a change made meanwhile by the phone or
by vdirsyncer is never overwritten blind (`Conflict`, and the engine reports it).

Two kinds of collection give the same interface: a vdir folder here (one file
per item, the layout khal, khard and vdirsyncer use: https://vdirsyncer.
pimutils.org/en/stable/vdir.html) and a CalDAV/CardDAV collection on a server
(`sync.dav`). The engines know nothing of which one they hold.
"""

from __future__ import annotations

import contextlib
import os
import re
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Literal, Protocol

from crmcli.core import atomic
from crmcli.core.errors import Conflict, Invalid, NotFound
from crmcli.core.values.text import printable

Kind = Literal["calendar", "contacts"]

# What an item's file name may hold: the UID, every other character made `_`
# (never a path, never hidden), as the vCard export already names its files.
_UNSAFE = re.compile(r"[^A-Za-z0-9@._-]")
# A file bigger than this is no event or card (a server's item is bounded alike, in
# `sync.dav`): it is refused from its size, never read into memory.
MAX_ITEM = 20 * 1024 * 1024


@dataclass(frozen=True)
class Item:
    """One item read from a collection: where it is, its etag then, and its bytes.

    `error` says why an item that is there could not be read ("Permission denied",
    "30 MB is too big for one item"); its body is then empty. The engines count and
    name it and decide nothing on it, as for a file that does not parse: one bad
    file never stops a sync, and it is never taken for a deletion.
    """

    href: str
    etag: str
    body: bytes
    error: str | None = None


class Collection(Protocol):
    """A place holding one calendar's events or one address book's cards.

    - `name`: the normalised name the source's state is kept under
      ("vdir:/abs/path", or the collection's URL without credentials);
    - `check()`: reach it (the folder exists; the server answers and the URL is a
      collection); one-line CrmError otherwise, nothing written before;
    - `list()`: every item's href and current etag, one call;
    - `get(hrefs)`: those items' bodies with their etags (a server answers one
      multiget); an href gone meanwhile is left out, one that cannot be read comes
      with its `error`;
    - `create(uid, body)`: a new item named after `uid`; returns (href, etag);
      Conflict if an item of that name already exists;
    - `update(href, body, etag)`: replace it if its etag is still `etag`, else
      Conflict; returns the new etag;
    - `delete(href, etag)`: remove it if its etag is still `etag`, else Conflict;
      already gone is not an error;
    - `close()`: always called.
    """

    kind: Kind
    name: str

    def check(self) -> None: ...

    def list(self) -> dict[str, str]: ...

    def get(self, hrefs: Sequence[str]) -> Iterator[Item]: ...

    def create(self, uid: str, body: bytes) -> tuple[str, str]: ...

    def update(self, href: str, body: bytes, etag: str) -> str: ...

    def delete(self, href: str, etag: str) -> None: ...

    def close(self) -> None: ...


def item_name(uid: str, extension: str) -> str:
    """A safe file (or resource) name for an item: its UID made safe, plus the extension."""
    safe = _UNSAFE.sub("_", uid).lstrip(".") or "item"
    return f"{safe[:200]}{extension}"


class VdirCollection:
    """A vdir folder: one `.ics` or `.vcf` file per item, its etag read from the file's stat.

    The etag is the file's modification time in nanoseconds, size and inode, as
    vdirsyncer's own filesystem storage does: khal, khard or vdirsyncer rewriting a
    file (always by rename, hence a new inode) changes it. Files are written
    atomically (temporary file beside, fsynced, renamed); a new item never replaces
    a file of the same name that appeared meanwhile. Hidden files, temporary files
    and the vdir metadata files (`color`, `displayname`) are not items.
    """

    def __init__(self, kind: Kind, folder: str) -> None:
        if not folder.strip():
            raise Invalid("a vdir folder path is empty")
        self.kind: Kind = kind
        self.extension = ".ics" if kind == "calendar" else ".vcf"
        self.folder = Path(os.path.normpath(Path(folder.strip()).expanduser().absolute()))
        self.name = f"vdir:{self.folder}"

    def check(self) -> None:
        shown = printable(str(self.folder))
        if not self.folder.is_dir():
            if self.folder.exists():
                raise Invalid(f"{shown} is not a folder: a vdir is a folder of {self._what}")
            raise NotFound(
                f"no folder {shown}: create it (mkdir -p) or point vdirsyncer's local storage at it"
            )
        if not os.access(self.folder, os.R_OK | os.W_OK | os.X_OK):
            raise NotFound(f"cannot read and write {shown}: permission denied")

    @property
    def _what(self) -> str:
        return "events (.ics files)" if self.kind == "calendar" else "cards (.vcf files)"

    def list(self) -> dict[str, str]:
        found: dict[str, str] = {}
        with os.scandir(self.folder) as entries:
            for entry in entries:
                name = entry.name
                if name.startswith(".") or not name.lower().endswith(self.extension):
                    continue
                try:
                    if not entry.is_file():
                        continue
                    found[name] = _etag(entry.stat())
                except OSError:
                    continue  # removed while listed
        return found

    def get(self, hrefs: Sequence[str]) -> Iterator[Item]:
        for href in hrefs:
            path = self._path(href)
            etag = ""
            try:
                with path.open("rb") as handle:
                    found = os.fstat(handle.fileno())
                    etag = _etag(found)
                    # Read one byte past the bound: a file grown since its fstat is seen.
                    body = b"" if found.st_size > MAX_ITEM else handle.read(MAX_ITEM + 1)
            except FileNotFoundError:
                continue
            except OSError as exc:  # EACCES, EIO, a folder where the file was listed
                yield Item(href, etag, b"", str(exc.strerror or exc))
                continue
            if found.st_size > MAX_ITEM or len(body) > MAX_ITEM:
                size = max(found.st_size, len(body)) >> 20
                yield Item(href, etag, b"", f"{size} MB is too big for one item")
                continue
            yield Item(href, etag, body)

    def create(self, uid: str, body: bytes) -> tuple[str, str]:
        href = item_name(uid, self.extension)
        path = self._path(href)
        try:
            atomic.write_new(path, body)
        except FileExistsError:
            raise Conflict(f"{path} already exists") from None
        return href, _etag(path.stat())

    def update(self, href: str, body: bytes, etag: str) -> str:
        path = self._path(href)
        self._expect(path, etag)
        with atomic.replacing(path) as tmp:
            tmp.write_bytes(body)
        return _etag(path.stat())

    def delete(self, href: str, etag: str) -> None:
        path = self._path(href)
        try:
            self._expect(path, etag)
        except NotFound:
            return
        with contextlib.suppress(FileNotFoundError):
            path.unlink()

    def close(self) -> None:
        return None

    def _path(self, href: str) -> Path:
        if "/" in href or href.startswith(".") or href in ("", "..") or "\0" in href:
            raise Invalid(f"not an item name in {self.folder}: {href!r}")
        return self.folder / href

    def _expect(self, path: Path, etag: str) -> None:
        try:
            current = _etag(path.stat())
        except FileNotFoundError:
            raise NotFound(f"{path} is gone") from None
        if current != etag:
            raise Conflict(f"{path} changed since it was read")


def _etag(st: os.stat_result) -> str:
    return f"{st.st_mtime_ns}-{st.st_size}-{st.st_ino}"
