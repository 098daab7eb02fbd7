"""Files written whole or not at all: a 0600 temporary beside the target, fsynced, renamed.

Everything crm writes holds personal data, so every file starts readable by its owner
only, whatever the umask. The temporary file sits in the target's own folder (a rename
across file systems would copy), is flushed and fsynced before `os.replace` puts it
under the real name, and is removed if anything fails: the old file, if there was one,
is never seen half-replaced. The checks on *which* targets crm may write (not the
database, not its backups) live above, in `db/guarded.py`; settings use this directly.
"""

from __future__ import annotations

import contextlib
import os
import stat
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from types import TracebackType
from typing import TextIO

TEMP_SUFFIX = ".crm-tmp"
_LONG_NAME = 200  # bytes of a target's name past which its temporary's name is shortened


def real_target(path: Path) -> Path:
    """The file a write to `path` really lands in (symlinks followed, even a dangling one's
    folder), so a link is written through, as shell redirection does, not replaced."""
    return Path(os.path.realpath(path.expanduser()))


def is_special(path: Path) -> bool:
    """A device, FIFO or socket (`-o /dev/stdout`): written in place, never renamed over."""
    try:
        mode = path.stat().st_mode
    except OSError:
        return False
    return not stat.S_ISREG(mode) and not stat.S_ISDIR(mode)


class TextReplacement:
    """A text stream that becomes `path` on `commit()`; `discard()` leaves no trace.

    Rows are written to the temporary file as they come, so a streaming export stays
    flat in memory. A device or FIFO target is written in place (nothing to rename).
    Used as a context manager, it commits when the block completes and discards when
    it raises.
    """

    def __init__(self, path: Path, *, encoding: str = "utf-8", newline: str = "") -> None:
        self.target = real_target(path)
        self._tmp: Path | None = None
        if is_special(self.target):
            self.stream: TextIO = self.target.open("w", encoding=encoding, newline=newline)
            return
        fd, self._tmp = _create_temp(self.target)
        try:
            self.stream = os.fdopen(fd, "w", encoding=encoding, newline=newline)
        except BaseException:
            os.close(fd)
            self._tmp.unlink(missing_ok=True)
            raise

    def commit(self) -> None:
        """Flush, fsync and rename into place (the folder fsynced too)."""
        if self._tmp is None:
            self.stream.close()
            return
        try:
            self.stream.flush()
            os.fsync(self.stream.fileno())
            self.stream.close()
            self._tmp.replace(self.target)
        except BaseException:
            self.discard()
            raise
        self._tmp = None
        _sync_folder(self.target.parent)

    def discard(self) -> None:
        """Close and remove the temporary file; the target is as it was."""
        with contextlib.suppress(OSError):  # a failed flush (disk full) is why we are here
            self.stream.close()
        if self._tmp is not None:
            self._tmp.unlink(missing_ok=True)
            self._tmp = None

    def __enter__(self) -> TextIO:
        return self.stream

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        if exc_type is None:
            self.commit()
        else:
            self.discard()


@contextmanager
def replacing(path: Path) -> Iterator[Path]:
    """A fresh 0600 temporary path beside `path`; renamed onto it if the block succeeds.

    For writers that need a path rather than a stream (SQLite's backup API). The caller
    fills the file; this fsyncs it, renames it into place and fsyncs the folder.
    """
    target = real_target(path)
    fd, tmp = _create_temp(target)
    os.close(fd)
    try:
        yield tmp
        _sync_file(tmp)
        tmp.replace(target)
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise
    _sync_folder(target.parent)


def write_text(path: Path, text: str, *, encoding: str = "utf-8") -> None:
    """Replace `path` with `text` in one step (mode 0600)."""
    with TextReplacement(path, encoding=encoding) as stream:
        stream.write(text)


def write_new(path: Path, data: bytes) -> None:
    """Create `path` holding `data`, whole or not at all, and never over an existing file.

    The bytes go to a 0600 temporary beside it, fsynced, then hard-linked to the
    name (a link, unlike a rename, fails if the name exists: FileExistsError).
    On a file system without hard links, the file is created with O_EXCL and
    written in place.
    """
    target = real_target(path)
    fd, tmp = _create_temp(target)
    try:
        with os.fdopen(fd, "wb") as stream:
            stream.write(data)
            stream.flush()
            os.fsync(stream.fileno())
        try:
            os.link(tmp, target)
        except FileExistsError:
            raise
        except OSError:  # no hard links here (some FUSE and network file systems)
            out = os.open(target, os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_CLOEXEC, 0o600)
            with os.fdopen(out, "wb") as stream:
                stream.write(data)
                stream.flush()
                os.fsync(stream.fileno())
    finally:
        tmp.unlink(missing_ok=True)
    _sync_folder(target.parent)


def _create_temp(target: Path) -> tuple[int, Path]:
    """A new file beside `target`, mode 0600 whatever the umask, opened for writing.

    Made here rather than with `tempfile`, whose import (random, shutil) the settings
    module, read by every command, would pay at each start.
    """
    name = target.name
    if len(os.fsencode(name)) > _LONG_NAME:
        # A name near the file system's limit (255 bytes) leaves no room for the
        # temporary's additions: its start and its end (the extension, which the
        # clean-ups of leftovers look for) are kept, the middle dropped.
        name = f"{name[:32]}~{name[-12:]}"
    for _ in range(100):
        tmp = target.with_name(f".{name}.{os.urandom(4).hex()}{TEMP_SUFFIX}")
        try:
            fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_CLOEXEC, 0o600)
        except FileExistsError:
            continue
        os.fchmod(fd, 0o600)
        return fd, tmp
    raise FileExistsError(f"no free temporary name beside {target}")


def _sync_file(path: Path) -> None:
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def _sync_folder(folder: Path) -> None:
    """Make the rename itself durable; some file systems cannot fsync a folder: no matter."""
    with contextlib.suppress(OSError):
        fd = os.open(folder, os.O_RDONLY)
        try:
            os.fsync(fd)
        finally:
            os.close(fd)
