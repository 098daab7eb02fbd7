"""Importing contacts: validate and normalise, match, then write everything in one transaction.

One streaming pass, in chunks of CHUNK records, inside one `BEGIN IMMEDIATE` transaction:
1. prepare: each record is normalised (names, emails, phones, URLs, dates) and its
   search-index rows computed; past PARALLEL_AFTER rows this runs in worker processes
   on every core, each a chunk ahead of the writer;
2. write: each chunk is matched against the database (and against the rows of this
   same file already met) with a few batched lookups, then its people are created,
   updated or skipped; new contacts go out in bulk inserts of about BATCH.
Memory is bounded by the chunks in flight, never by the file. The whole import
commits, or nothing does; `--dry-run` runs it all and rolls it back.

A matched contact is only ever completed, never overwritten: empty fields are
filled, new emails, phones, tags and profiles are added, and nothing the rep
entered is replaced — least of all by a damaged value.

Each phase has its module: `prepare` turns one record into rows,
`workers` runs it over the chunks (CHUNK, PARALLEL_AFTER), `writer`
matches and writes them (BATCH); this module runs the pass.
"""

from __future__ import annotations

import contextlib
from collections.abc import Callable, Iterable, Sequence
from typing import TYPE_CHECKING, Any

from crmcli.core.db.store import Store
from crmcli.core.errors import Invalid
from crmcli.core.interchange.importing.options import DryRun, ImportOptions, ImportSummary
from crmcli.core.interchange.importing.prepare import BOOLS, INTS, Preparing
from crmcli.core.interchange.importing.workers import bulk_gc, prepared_chunks
from crmcli.core.interchange.importing.writer import ContactWriter
from crmcli.core.interchange.records import Reject

if TYPE_CHECKING:
    from crmcli.core.interchange.files import Convert


def import_contacts(
    store: Store,
    items: Iterable[Any],
    options: ImportOptions,
    *,
    on_reject: Callable[[Reject], None],
    progress: Callable[[int], None] | None = None,
    convert: Convert | None = None,
) -> ImportSummary:
    """Import records atomically; rejects go to `on_reject` as they are met.

    `items` are records, or raw items that `convert` turns into records (a CSV file's
    rows, converted in the worker processes). The file is read, prepared and written in
    one pass inside one transaction, begun at the first person: a file with nobody in
    it takes no backup and no lock. The write lock is then held while the rest of the
    file is read, so other writers wait (busy_timeout).
    """
    summary = ImportSummary()
    # Flags as the target stores them: SQLite's 0 and 1 bind without an adapter lookup.
    how = Preparing(
        str(store.config.get("default_region")),
        INTS if store.dialect.name == "sqlite" else BOOLS,
    )
    try:
        with contextlib.ExitStack() as stack:
            writer: ContactWriter | None = None
            for rejects, rows in prepared_chunks(items, how, convert):
                for entry in rejects:
                    summary.reject(entry.line, entry.reason)
                    if options.strict:
                        raise Invalid(
                            f"line {entry.line}: {entry.reason} (--strict: nothing imported)"
                        )
                    on_reject(entry)
                for row in rows:
                    if row.not_imported:
                        for name, reason in row.not_imported:
                            summary.not_imported_field(name, reason)
                if not rows:
                    continue
                summary.rows += len(rows)
                if progress:
                    progress(summary.rows)
                if writer is None:
                    writer = _begin(stack, store, options, summary)
                writer.write_chunk(rows)
            if writer is not None:
                writer.flush()
                _name_duplicates(store, summary)  # before a dry run rolls them back
                if options.dry_run:
                    raise DryRun
    except DryRun:
        pass
    return summary


def _begin(
    stack: contextlib.ExitStack, store: Store, options: ImportOptions, summary: ImportSummary
) -> ContactWriter:
    """Back up a non-empty database, then open the import's one write transaction."""
    if not options.dry_run and store.value("SELECT id FROM contact LIMIT 1") is not None:
        from crmcli.core.db.backup import auto_backup

        auto_backup(store, "pre-import")
    stack.enter_context(store.dialect.bulk_mode(store.conn))
    stack.enter_context(bulk_gc())
    tx = stack.enter_context(store.write(options.label, rules=False))  # imports fire no rules
    stack.enter_context(store.dialect.bulk_indexing(store.conn))
    return ContactWriter(tx, options, summary)


def _name_duplicates(store: Store, summary: ImportSummary) -> None:
    """Each possible duplicate once, with names, for the report.

    Two new people of one name and company written in the same batch each point at the
    other; only the later one is kept ("line 9: #12 is like #4"), as when they fall in
    different batches. The names are read inside the transaction, so that a dry run,
    whose new contacts are about to vanish, can name them too.
    """

    def names(ids: Sequence[int]) -> dict[int, str]:
        found = store.tuples_in("SELECT id, display_name FROM contact WHERE id IN ({ids})", ids)
        return {int(i): str(name) for i, name in found}

    summary.possible_duplicates.name(names)
