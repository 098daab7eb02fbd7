"""One progress display for long imports and exports: a bar on a terminal, nothing on a pipe.

A rep watching a 100,000-row import wants to know it is moving and when it will end;
a script piping crm's output wants no escape codes in its logs. So the bar is drawn
only when stderr is a terminal, and only once the work has lasted DELAY seconds: a
20-row file never flashes one. Rich's progress display is imported at that moment and
not before, so a short job (and every hot command) never loads it.
"""

from __future__ import annotations

import sys
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any, TextIO

DELAY = 0.5  # seconds of work before a bar appears


class Progress:
    """Rows done, their rate and the time left, drawn on a terminal; callable with rows done.

    The fraction comes from `position() / size` when both are known (an import: bytes
    read of the file's size, which a row count cannot give before the end), else from
    `rows / total` (an export knows how many rows it writes), else there is none: the
    bar pulses and only rows and rate are shown.
    """

    def __init__(
        self,
        label: str,
        *,
        total: int | None = None,
        size: int | None = None,
        position: Callable[[], int] | None = None,
        stream: TextIO | None = None,
        clock: Callable[[], float] = time.monotonic,
        delay: float = DELAY,
    ) -> None:
        self.label = label
        self.total = total
        self.size = size if size and position else None
        self.position = position
        self.stream = stream if stream is not None else sys.stderr
        self.clock = clock
        self.started = clock()
        self.since = self.started  # the rate counts from here (a new pass restarts it)
        self.delay = delay
        self.rows = 0
        self._bar: Any = None
        self._task: Any = None
        self._closed = False

    def __call__(self, rows: int) -> None:
        self.rows = rows
        if self._closed:
            return
        now = self.clock()
        if self._bar is None:
            if now - self.started < self.delay:
                return
            self._start()
        done, total = self._fraction()
        elapsed = now - self.since
        rate = rows / elapsed if elapsed > 0 else 0.0
        self._bar.update(self._task, completed=done, total=total, rows=rows, rate=rate)

    def _fraction(self) -> tuple[float, float | None]:
        if self.size is not None and self.position is not None:
            try:
                return float(min(self.position(), self.size)), float(self.size)
            except (OSError, ValueError):  # the stream was closed or detached
                return float(self.size), float(self.size)
        if self.total:
            return float(min(self.rows, self.total)), float(self.total)
        return 0.0, None

    def _start(self) -> None:
        # Why here and not at the top: rich.progress costs ~30 ms to import, and most
        # jobs end before DELAY; those must not pay it.
        from rich.console import Console
        from rich.progress import (
            BarColumn,
            TaskProgressColumn,
            TextColumn,
            TimeRemainingColumn,
        )
        from rich.progress import Progress as RichProgress

        if self.size is not None and self.position is not None:
            try:
                if self.position() >= self.size:  # read whole up front: bytes say nothing
                    self.size = None
            except (OSError, ValueError):
                self.size = None
        console = Console(file=self.stream, stderr=self.stream is sys.stderr)
        self._bar = RichProgress(
            TextColumn("{task.description}"),
            BarColumn(),
            TaskProgressColumn(),
            TextColumn("{task.fields[rows]:,} rows · {task.fields[rate]:,.0f} rows/s ·"),
            TimeRemainingColumn(),
            TextColumn("left"),
            console=console,
            transient=True,  # gone at the end: the report takes its place
        )
        # The task first, the display after: its first frame shows real figures, not zeros.
        done, total = self._fraction()
        elapsed = self.clock() - self.since
        rate = self.rows / elapsed if elapsed > 0 else 0.0
        self._task = self._bar.add_task(
            self.label, completed=done, total=total, rows=self.rows, rate=rate
        )
        self._bar.start()

    def restart(self, label: str, *, total: int | None) -> None:
        """A second pass over the rows (a deals file is read and checked whole, then
        written): its own label, fraction of `total`, rate and time left. The bar still
        appears DELAY after the job began, not after the pass did."""
        self.label, self.total, self.size, self.position = label, total, None, None
        self.rows = 0
        self.since = self.clock()
        if self._bar is not None:
            self._bar.reset(
                self._task, total=total, completed=0, description=label, rows=0, rate=0.0
            )

    @property
    def shown(self) -> bool:
        return self._bar is not None

    def close(self) -> None:
        """Take the bar away (the work ended, failed or was interrupted)."""
        self._closed = True
        if self._bar is not None:
            bar, self._bar = self._bar, None
            bar.stop()


def progress_for(
    label: str,
    *,
    total: int | None = None,
    size: int | None = None,
    position: Callable[[], int] | None = None,
    stream: TextIO | None = None,
) -> Progress | None:
    """A progress display for a long job, or None when stderr is not a terminal."""
    out = stream if stream is not None else sys.stderr
    try:
        terminal = out.isatty()
    except (AttributeError, ValueError):
        terminal = False
    if not terminal:
        return None
    return Progress(label, total=total, size=size, position=position, stream=out)


@contextmanager
def progress(
    label: str,
    *,
    total: int | None = None,
    size: int | None = None,
    position: Callable[[], int] | None = None,
) -> Iterator[Callable[[int], None]]:
    """`with progress("exporting", total=n) as tick: ... tick(rows_done)`; a no-op on a pipe."""
    shown = progress_for(label, total=total, size=size, position=position)
    try:
        yield shown if shown is not None else _nothing
    finally:
        if shown is not None:
            shown.close()


def _nothing(rows: int) -> None:
    """Progress on a pipe: nothing."""


class SourceProgress:
    """A sync source's progress bar, told by the core as (done, total) or, for a run in
    stages, (stage, done, total): made at the first report (nothing on a pipe), its
    label "STAGE SOURCE", restarted when the stage changes, closed by `close()`.

    The one wrapper `crm sync mail`, `calendar` and `contacts` share around their
    engine's `progress` callback.
    """

    def __init__(self, source: str, stage: str = "syncing") -> None:
        self.source = source
        self.stage = stage
        self._bar: Progress | bool | None = None  # False: not a terminal

    def __call__(self, done: int, total: int) -> None:
        self.staged(self.stage, done, total)

    def staged(self, stage: str, done: int, total: int) -> None:
        label = f"{stage} {self.source}"
        if self._bar is None:
            self._bar = progress_for(label, total=total) or False
        elif isinstance(self._bar, Progress) and stage != self.stage:
            self._bar.restart(label, total=total)
        elif isinstance(self._bar, Progress):
            self._bar.total = total
        self.stage = stage
        if isinstance(self._bar, Progress):
            self._bar(done)

    def close(self) -> None:
        if isinstance(self._bar, Progress):
            self._bar.close()
