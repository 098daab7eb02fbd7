"""Phase 1 in bulk: an import's items prepared a chunk at a time, on every core for a big file.

Below PARALLEL_AFTER rows the chunks are prepared in this process; past it, in
worker processes forked once the libraries are loaded (they inherit them), fed
through one pipe each by the writing thread itself, the rows crossing by marshal.
The workers never outlive the import, even when it is killed (see `_serve`).
"""

from __future__ import annotations

import contextlib
import gc
import itertools
import marshal
import os
import pickle
import sys
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from typing import TYPE_CHECKING, Any

from crmcli.core.interchange.importing.prepare import Prepared, Preparing, prepare
from crmcli.core.interchange.records import Reject
from crmcli.core.people.matching import Candidate
from crmcli.core.values import phones as phone_mod

if TYPE_CHECKING:
    from crmcli.core.interchange.files import Convert

PARALLEL_AFTER = 2000  # rows: below this, starting worker processes costs more than it saves
CHUNK = 1000

Chunk = tuple[int, list[Any]]  # the ordinal of its first item, and raw items
# A chunk's rejects and its prepared rows, each in file order
PreparedChunk = tuple[list[Reject], list[Prepared]]


def _prepare_chunk(chunk: Chunk, how: Preparing, convert: Convert | None) -> PreparedChunk:
    """Raw items in, rejects and prepared rows out (empty rows dropped)."""
    rejects: list[Reject] = []
    rows: list[Prepared] = []
    start, items = chunk
    for ordinal, item in enumerate(items, start):
        record = item if convert is None else convert(item)
        if record is None:
            continue
        if isinstance(record, Reject):
            rejects.append(record)
        elif not record.empty:
            rows.append(prepare(record, how.region, ordinal, how.flags))
    return rejects, rows


def _chunks(items: Iterator[Any], size: int) -> Iterator[Chunk]:
    """`items` a chunk at a time, taken by islice: no Python step per row in the writer."""
    start = 0
    while chunk := list(itertools.islice(items, size)):
        yield start, chunk
        start += len(chunk)


def _worker_start() -> None:
    gc.freeze()  # what it inherited lives as long as it does: never scanned
    gc.set_threshold(*_GC_THRESHOLDS)


_GC_THRESHOLDS = (200_000, 50, 100)


@contextmanager
def bulk_gc() -> Iterator[None]:
    """Rarer collections while a bulk job allocates millions of short-lived objects.

    They are freed by reference counting; the cyclic collector's default rhythm only
    rescans them (and everything already alive), which took a third of the time.
    """
    thresholds = gc.get_threshold()
    gc.set_threshold(*_GC_THRESHOLDS)
    try:
        yield
    finally:
        gc.set_threshold(*thresholds)


def prepared_chunks(
    items: Iterable[Any], how: Preparing, convert: Convert | None
) -> Iterator[PreparedChunk]:
    """Chunks of rejects and prepared rows in file order; a big file is prepared on
    every core.

    Mapping and normalising (phone numbers above all) are the costly part of an import
    and need no database, so past PARALLEL_AFTER rows they run in worker processes, a
    few chunks ahead, on the raw rows this process reads: it only reads the file and
    writes what is ready.
    """
    chunks = _chunks(iter(items), CHUNK)
    head: list[Chunk] = []
    for chunk in chunks:
        head.append(chunk)
        if len(head) * CHUNK >= PARALLEL_AFTER:
            break
    if len(head) * CHUNK < PARALLEL_AFTER or (os.cpu_count() or 1) < 2:
        for chunk in itertools.chain(head, chunks):
            yield _prepare_chunk(chunk, how, convert)
        return
    workers = os.cpu_count() or 2
    phone_mod.warm(how.region)  # before the fork: the workers inherit it
    with _Workers(workers, how, convert) as pool:
        yield from pool.map(itertools.chain(head, chunks))


class _Workers:
    """Worker processes fed through one pipe each, by this process's own thread.

    Not a ProcessPoolExecutor: its feeder and result threads pickle and unpickle in this
    process beside the thread that writes, and every row the writer's `executemany`
    steps releases the GIL to them. Here the writing thread does its own sends and
    receives, between chunks. Each worker holds one chunk at a time, handed over only
    once its previous result is read, so neither side ever blocks on a full pipe;
    memory stays bounded by one chunk a worker.
    """

    def __init__(self, count: int, how: Preparing, convert: Convert | None) -> None:
        import multiprocessing

        context = multiprocessing.get_context(
            "fork" if "fork" in multiprocessing.get_all_start_methods() else None
        )
        # A forked worker inherits every descriptor this process holds, the other ends of
        # its own pipe and of the earlier workers' included: it closes them, or no pipe
        # would reach end-of-file when this process dies. A spawned one gets only its own.
        forking = context.get_start_method() == "fork"
        parent = os.getpid()
        self.pipes: list[Any] = []
        self.processes: list[Any] = []
        for _ in range(count):
            here, there = context.Pipe()
            others = [*self.pipes, here] if forking else []
            process = context.Process(
                target=_serve, args=(there, how, convert, others, parent), daemon=True
            )
            process.start()
            there.close()
            self.pipes.append(here)
            self.processes.append(process)

    def __enter__(self) -> _Workers:
        return self

    def __exit__(self, *exc: object) -> None:
        for pipe in self.pipes:
            with contextlib.suppress(OSError):
                pipe.send_bytes(_pack(None))
            pipe.close()
        for process in self.processes:
            process.join(timeout=5)
            if process.is_alive():  # interrupted midway: its chunk is of no use now
                process.terminate()
                process.join()

    def _send(self, index: int, chunk: Chunk) -> None:
        self.pipes[index].send_bytes(_pack(chunk))

    def _receive(self, index: int) -> PreparedChunk:
        try:
            ok, *result = _unpack(self.pipes[index].recv_bytes())
        except EOFError:
            raise RuntimeError("an import worker process died") from None
        if not ok:
            raise RuntimeError(f"an import worker failed: {result[0]}")
        rejects, rows = result
        return [Reject(*reject) for reject in rejects], [_prepared(row) for row in rows]

    def map(self, chunks: Iterable[Chunk]) -> Iterator[PreparedChunk]:
        """Prepared chunks, in the order of `chunks`."""
        count = len(self.pipes)
        sent = received = 0
        for chunk in chunks:
            if sent - received == count:  # every worker busy: take the oldest result
                result = self._receive(received % count)
                received += 1
                self._send(sent % count, chunk)  # that worker is free again
                sent += 1
                yield result
            else:
                self._send(sent % count, chunk)
                sent += 1
        while received < sent:
            yield self._receive(received % count)
            received += 1


_new = tuple.__new__


def _prepared(wire: tuple[Any, ...]) -> Prepared:
    """A prepared row as it crossed the pipe (its candidate a plain tuple) made whole again,
    without a Python-level constructor (twice as fast: one per row)."""
    row = list(wire)
    row[3] = _new(Candidate, row[3])
    return _new(Prepared, row)


def _serve(
    pipe: Any, how: Preparing, convert: Convert | None, others: list[Any], parent: int
) -> None:
    """A worker's loop: raw chunks in, prepared chunks out, until None or end-of-file.

    Ctrl-C reaches the workers too: they stop quietly and the importing process, which
    rolls the transaction back, reports it. If that process is killed, its end of the
    pipe closes and the worker stops at end-of-file, once it holds no other end itself
    (`others`, closed here); on Linux the kernel kills it at once besides.
    """
    with contextlib.suppress(KeyboardInterrupt, EOFError, BrokenPipeError):
        if not _die_with(parent):
            return
        for other in others:
            other.close()
        _worker_start()
        while (chunk := _unpack(pipe.recv_bytes())) is not None:
            result: tuple[Any, ...]
            try:
                rejects, rows = _prepare_chunk(chunk, how, convert)
                result = (
                    True,
                    [(r.line, r.reason, r.cells) for r in rejects],
                    [(*r[:3], tuple(r.candidate), *r[4:]) for r in rows],
                )
            except Exception as exc:  # reported, then raised by the importing process
                result = (False, f"{type(exc).__name__}: {exc}")
            pipe.send_bytes(_pack(result))


_PR_SET_PDEATHSIG = 1  # from <linux/prctl.h>


def _die_with(parent: int) -> bool:
    """Have Linux kill this worker when its parent dies; False if the parent is gone already.

    Checked after asking, since the parent may have died between the fork and the ask.
    The "parent" the kernel watches is the thread that forked, the one that reads the
    results, which outlives its workers. Elsewhere, or if the call fails, end-of-file on
    the pipe still ends the worker, once it has finished the chunk in hand.
    """
    if sys.platform.startswith("linux"):
        import ctypes  # here, in the worker only: once per worker, not per row
        import signal

        with contextlib.suppress(OSError, AttributeError):
            libc = ctypes.CDLL(None, use_errno=True)
            libc.prctl(_PR_SET_PDEATHSIG, signal.SIGKILL, 0, 0, 0)
    return os.getppid() == parent


def _pack(value: Any) -> bytes:
    """What crosses the pipe to and from a worker: plain tuples, lists and strings go by
    marshal (prepared rows are sent as such), less than half the cost of pickle, which
    carries the rest (vCard records)."""
    try:
        return b"m" + marshal.dumps(value)
    except ValueError:
        return b"p" + pickle.dumps(value, pickle.HIGHEST_PROTOCOL)


def _unpack(data: bytes) -> Any:
    body = memoryview(data)[1:]
    return marshal.loads(body) if data[:1] == b"m" else pickle.loads(body)
