"""`crm sync contacts`: a two-way sync between the book's contacts and an address book.

Each run is a diff. The address book is listed (href -> etag) and only cards whose
etag moved since the last run are read; crm's side is read whole in a few queries
and compared, field by field, with `base`, what both sides last agreed on
(`sync_item`). Then, per item:
- changed on one side only: that side's fields go to the other; changed on both:
  merged field by field (`contact_fields.merge`), a field changed on both sides to
  different values being a conflict, reported and written on neither side;
- a card never seen: its own contact by UID first (crm's `crm-contact-N@<db>` UID,
  or the UID the contact came with), else by the import's identity rules
  (`people.matching`), else a new contact, made as `crm import` makes it;
- a contact in scope with no card: a new card, crm's UID;
- a deletion goes across only when the other side did not change since the last
  run: a card deleted there archives its contact (undoable; nothing is deleted in
  crm), a contact archived or deleted here deletes its card; changed on the other
  side, nothing is deleted: the changed side is written back and it is said.

Work is done in chunks. Each chunk's writes to the address book happen first, then
one transaction records them with crm's changes and the links (one undoable batch,
"sync contacts <source>"). A run killed between the two finds its own cards the
next time by their UID, so nothing is made twice. `--dry-run` reads everything and
writes nothing, anywhere.
"""

from __future__ import annotations

import contextlib
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Literal

from crmcli.core import clock
from crmcli.core.errors import CrmError
from crmcli.core.sync import address_book, links, state
from crmcli.core.sync.contact_report import SourceResult
from crmcli.core.sync.contact_steps import KIND, Applier, Step

if TYPE_CHECKING:
    from crmcli.core.db.store import Store
    from crmcli.core.sync.collections import Collection

CHUNK = 200  # items per transaction: a killed run redoes at most this many


@dataclass(frozen=True)
class Options:
    """The rep's choices for a run."""

    tag: str | None = None  # only contacts with this tag (None: every live contact)
    dry_run: bool = False
    prefer: Literal["crm", "card"] | None = None  # which side a conflict's field takes
    chunk: int = CHUNK


def sync_contacts(
    store: Store,
    collection: Collection,
    options: Options = Options(),
    *,
    progress: Callable[[int, int], None] | None = None,
) -> SourceResult:
    """Sync the book with one address book; see the module's docstring."""
    result = SourceResult(collection.name)
    reached = False
    try:
        _check(store, collection, clean=not options.dry_run)
        reached = True
        _Run(store, collection, options, result, progress).go()
        if not options.dry_run:
            with store.write(f"sync contacts {collection.name}", rules=False) as tx:
                source_id = state.ensure(tx, KIND, collection.name)
                state.finish(
                    tx,
                    source_id,
                    counts=result.flat_counts(),
                    cursor=None,
                    error=None,
                    set_cursor=False,
                )
    except CrmError as exc:
        # An address book that answered before and no longer does keeps the error for
        # `crm sync --status`; a path or URL never reached (a typo) leaves no source behind.
        if not options.dry_run:
            _record_error(store, collection.name, exc.message, result, known_only=not reached)
        raise
    finally:
        collection.close()
    return result


def _check(store: Store, collection: Collection, *, clean: bool) -> None:
    """Reach the collection; a vdir folder must be an address book (not the database's
    folder, not a folder of other files), so a mistyped path never fills one with cards."""
    collection.check()
    folder = getattr(collection, "folder", None)
    if folder is not None:
        from crmcli.core.atomic import TEMP_SUFFIX
        from crmcli.core.db import guarded
        from crmcli.core.interchange.vcard.vdir import check_folder

        check_folder(folder, guarded.database_path(store))
        for leftover in folder.glob(f".*{TEMP_SUFFIX}") if clean else ():
            leftover.unlink(missing_ok=True)  # a card half-written when a run was killed


def _record_error(
    store: Store, name: str, message: str, result: SourceResult, *, known_only: bool = False
) -> None:
    """Keep a failed run's error on the source for `crm sync --status` (best effort);
    `known_only`: only on a source that has run before."""
    with contextlib.suppress(CrmError):
        if known_only and state.find(store, KIND, name) is None:
            return
        with store.write(f"sync contacts {name}", rules=False) as tx:
            source_id = state.ensure(tx, KIND, name)
            state.finish(
                tx,
                source_id,
                counts=result.flat_counts(),
                cursor=None,
                error=message,
                set_cursor=False,
            )


def _chunks(items: Sequence[Any], size: int) -> Iterator[Sequence[Any]]:
    for start in range(0, len(items), max(1, size)):
        yield items[start : start + max(1, size)]


class _Run:
    """One source's run: the diff, then the steps a chunk at a time."""

    def __init__(
        self,
        store: Store,
        collection: Collection,
        options: Options,
        result: SourceResult,
        progress: Callable[[int, int], None] | None,
    ) -> None:
        self.store = store
        self.collection = collection
        self.options = options
        self.result = result
        self.progress = progress
        self.done = 0
        self.total = 0
        self.pending: list[Step] = []

    def go(self) -> None:
        from crmcli.core.interchange.exporting import calendar_domain
        from crmcli.core.interchange.importing.prepare import BOOLS, INTS, Preparing
        from crmcli.core.sync.contact_plan import Planner

        store, tag = self.store, self.options.tag
        domain = calendar_domain(store)
        known = state.find(store, KIND, self.collection.name)
        source_id = None if known is None else known.id
        linked = links.read(store, source_id)
        listing = self.collection.list()
        book = address_book.read_book(store, tag, source_id)
        flags = INTS if store.dialect.name == "sqlite" else BOOLS
        how = Preparing(str(store.config.get("default_region")), flags)
        planner = Planner(
            store,
            self.collection,
            self.result,
            tag=tag,
            how=how,
            domain=domain,
            links=linked,
            book=book,
            prefer=self.options.prefer,
        )
        self.applier = Applier(
            store, self.collection, self.result, tag=tag, domain=domain, now=clock.now()
        )
        work, fresh = self._diff(linked, listing, book)
        self.total = len(work) + len(fresh) + len(planner.newcomers())
        for chunk in _chunks(work, self.options.chunk):
            self._queue(planner.linked_items(chunk, listing), len(chunk))
        for chunk in _chunks(fresh, self.options.chunk):
            self._queue(planner.fresh_cards(chunk), len(chunk))
        ids = planner.newcomers()  # less those linked to a card just now
        self.total = self.done + len(ids)
        for chunk in _chunks(ids, self.options.chunk):
            self._queue(planner.new_cards(chunk), len(chunk))
        self._queue([], 0, last=True)

    def _diff(
        self,
        linked: dict[str, links.Link],
        listing: dict[str, str],
        book: dict[int, address_book.Local],
    ) -> tuple[list[str], list[str]]:
        """The linked items to look at (either side changed) and the cards never seen:
        everything else is the same on both sides since the last run, and not read."""
        work: list[str] = []
        fresh = [href for href in listing if href not in linked]
        for href, link in sorted(linked.items()):
            etag = listing.get(href)
            if link.row_id is None:  # remembered, not a contact (a group's or company's card)
                if etag is None or etag != link.etag:
                    (work if etag is None else fresh).append(href)
                continue
            local = book.get(link.row_id)
            if local is not None and not local.archived and not local.in_scope:
                if not (link.ours and etag == link.etag):
                    self.result.here.skipped += 1  # out of scope: neither side written
                    continue
            elif (
                etag == link.etag
                and local is not None
                and not local.archived
                and link.base is not None
                and local.fields == link.base
            ):
                continue
            work.append(href)
        return work, sorted(fresh)

    def _queue(self, steps: list[Step], handled: int, *, last: bool = False) -> None:
        """Steps are carried out a chunk at a time, whatever phase they come from: a
        small run is one batch (one `crm undo`), a big one a batch per chunk."""
        self.pending += steps
        size = max(1, self.options.chunk)
        while len(self.pending) >= size or (last and self.pending):
            chunk, self.pending = self.pending[:size], self.pending[size:]
            self.applier.carry_out(chunk, dry_run=self.options.dry_run)
        self.done += handled
        if self.progress is not None and handled:
            self.progress(self.done, max(self.total, self.done))


def run_all(
    store: Store,
    collections: Sequence[tuple[Collection, Options]],
    *,
    progress: Callable[[str, int, int], None] | None = None,
) -> list[SourceResult]:
    """Each source in turn; the first error stops the run (the sources done stay done)."""
    results: list[SourceResult] = []
    for collection, options in collections:

        def report(done: int, total: int, name: str = collection.name) -> None:
            if progress is not None:
                progress(name, done, total)

        results.append(sync_contacts(store, collection, options, progress=report))
    return results
