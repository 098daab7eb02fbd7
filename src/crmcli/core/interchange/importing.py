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
"""

from __future__ import annotations

import contextlib
import gc
import itertools
import json
import marshal
import os
import pickle
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, ClassVar, NamedTuple

from crmcli.core.db.store import Store, Tx
from crmcli.core.errors import Invalid
from crmcli.core.interchange.records import ContactRecord, Reject
from crmcli.core.people.companies import company_key
from crmcli.core.people.contacts import ContactStatus, normalise_url, search_terms, url_kind
from crmcli.core.people.matching import Candidate, Matcher
from crmcli.core.values import emails as email_mod
from crmcli.core.values import phones as phone_mod
from crmcli.core.values.names import split_name
from crmcli.core.values.text import collapse, fold, name_key

if TYPE_CHECKING:
    from crmcli.core.interchange.files import Convert

STATUSES = {s.value for s in ContactStatus}


@dataclass
class ImportOptions:
    on_duplicate: str = "update"  # update, skip or create
    dry_run: bool = False
    strict: bool = False
    label: str = "import"


@dataclass
class ImportSummary:
    created: int = 0
    updated: int = 0
    skipped: int = 0
    rejected: int = 0
    unchanged: int = 0
    companies_created: int = 0
    flagged: int = 0
    possible_duplicates: list[tuple[int, int, int]] = field(default_factory=list)
    issues: list[tuple[int, str]] = field(default_factory=list)  # first few (line, issue)
    rows: int = 0

    def as_dict(self) -> dict[str, Any]:
        return {
            "created": self.created,
            "updated": self.updated,
            "skipped": self.skipped,
            "rejected": self.rejected,
            "unchanged": self.unchanged,
            "companies_created": self.companies_created,
            "flagged": self.flagged,
            "possible_duplicates": [
                {"line": line, "contact_id": a, "same_name_at_company_as": b}
                for line, a, b in self.possible_duplicates
            ],
        }


class _DryRun(Exception):
    """Raised at the end of a dry run to roll the transaction back."""


# -- phase 1: prepare -----------------------------------------------------------------


def _display(record: ContactRecord) -> str:
    if record.full_name and collapse(record.full_name):
        return collapse(record.full_name)
    parts = [record.prefix, record.first, record.middle, record.last, record.suffix]
    joined = collapse(" ".join(p for p in parts if p))
    if joined:
        return joined
    for value in (
        *(e for e, _ in record.emails),
        *(p for p, _ in record.phones),
        *(u for u, _ in record.urls),
        record.company or "",
    ):
        if value and value.strip():
            return value.strip()
    return ""


def _lines(text: str) -> str:
    """Line breaks kept, as \n: a Windows file's CRLF inside a cell is still one break."""
    return text.replace("\r\n", "\n").replace("\r", "\n")


def _our_uid(system: str, value: str) -> bool:
    """A UID crm itself wrote (crm-contact-12@...): an id of the exporting database, not of
    the person, so it is not carried into this one."""
    return system == "vcard" and value.startswith("crm-contact-")


class Prepared(NamedTuple):
    """One record normalised into the rows the writer inserts (built in worker processes).

    The rows are ready to insert, so the writing process, the import's bottleneck, only
    matches and queues them. Where a contact id belongs they hold the record's ordinal
    (its position in the file), and the writer inserts them with `ordinal + base`, base
    being the first free id when the import began: ids are known without a round trip,
    at the price of gaps where a row was a duplicate, a reject or empty (AUTOINCREMENT
    ids were never promised to be contiguous). Tuples, because the rows cross a process
    boundary: sent by marshal (see `_pack`) they cost half what pickled dicts did. Flags
    stay bools: PostgreSQL's boolean columns take no ints.
    """

    ordinal: int
    line: int
    kind: str  # person, org (a company card) or group
    candidate: Candidate  # what the matcher looks for
    name_key: str  # as stored: the display name folded when there is no name
    company: str | None
    company_key: str | None
    contact: tuple[Any, ...]  # values of CONTACT_COLUMNS
    emails: list[tuple[Any, ...]]  # contact_email rows (_BULK's columns)
    phones: list[tuple[Any, ...]]
    urls: list[tuple[Any, ...]]
    tags: list[tuple[Any, ...]]
    terms: list[tuple[Any, ...]]  # search_term rows
    issues: list[str]


# The contact columns a prepared row carries, in order; the writer adds WRITER_COLUMNS.
CONTACT_COLUMNS = (
    "id", "display_name", "name_key", "prefix", "first_name", "middle_name", "last_name",
    "suffix", "title", "lead_source", "status", "birthday", "notes", "do_not_contact",
    "cadence_days", "addresses", "external_ids", "custom_fields",
)  # fmt: skip
WRITER_COLUMNS = ("company_id", "touch_due_at", "owner", "version", "created_at", "updated_at")
_CADENCE = CONTACT_COLUMNS.index("cadence_days")


def _dumps(value: Any) -> str | None:
    return json.dumps(value, ensure_ascii=False) if value else None


def prepare(record: ContactRecord, region: str, ordinal: int = 0) -> Prepared:
    """Normalise one record into the rows phase 2 writes (picklable, for workers)."""
    issues = list(record.issues)
    display = _display(record)
    named = bool(record.full_name or record.first or record.last)
    whole = record.full_name and not (record.first or record.last)  # split it ourselves
    parts = split_name(display) if whole else None
    emails: list[tuple[Any, ...]] = []
    norms: list[str] = []
    for address, label in record.emails:
        value = address.strip()
        norm = email_mod.normalise(value)
        if not value or norm in norms:
            continue
        valid = email_mod.is_valid(value)
        if not valid:
            issues.append(f"email {value!r} is malformed (kept as text)")
        emails.append((ordinal, value, norm, label, not norms, valid, len(norms)))
        norms.append(norm)
    phones: list[tuple[Any, ...]] = []
    keys: list[str] = []
    country = record.country or region
    for text, label in record.phones:
        raw = text.strip()
        if not raw:
            continue
        phone = phone_mod.parse_phone(raw, country)
        key = phone.e164 or phone_mod.digits(raw)
        if key in keys:
            continue
        if not phone.valid:
            issues.append(f"phone {raw!r} could not be read as a number (kept as text)")
        phones.append(
            (ordinal, phone.raw, phone.e164, phone.extension, phone.formatted, label, len(keys))
        )
        keys.append(key)
    urls: list[tuple[Any, ...]] = []
    for url, label in record.urls:
        if url.strip():
            norm = normalise_url(url)
            kind = "linkedin" if label == "linkedin" else url_kind(norm)
            urls.append((ordinal, url.strip(), norm, kind, len(urls)))
    custom = {k: _lines(v) for k, v in record.custom.items()}
    if record.birthday_raw and not record.birthday:
        custom.setdefault("birthday (as written)", record.birthday_raw)
    status = (record.status or "").strip().lower() or None
    if status and status not in STATUSES:
        custom.setdefault("status (as written)", record.status or "")
        status = None
    company = collapse(record.company) if record.company else None
    tags = [collapse(t) for t in record.tags if t.strip() and fold(t)]
    tag_keys: dict[str, str] = {}
    for tag in tags:
        tag_keys.setdefault(fold(tag), tag)  # the first spelling of each
    external = {k: v for k, v in record.external_ids.items() if not _our_uid(k, v)}
    key = name_key(display) if named else ""
    stored_key = key or fold(display)
    contact = (
        ordinal,
        display,
        stored_key,
        record.prefix or (parts.prefix if parts else None),
        record.first or (parts.first if parts else None),
        record.middle or (parts.middle if parts else None),
        record.last or (parts.last if parts else None),
        record.suffix or (parts.suffix if parts else None),
        (record.title or "").strip() or None,
        (record.lead_source or "").strip() or None,
        status or "lead",
        record.birthday,
        _lines(record.notes or "").strip() or None,
        bool(record.do_not_contact),
        record.cadence_days,
        _dumps(record.addresses),
        _dumps(external),
        _dumps(custom),
    )
    terms = search_terms(
        display, [e[1] for e in emails], [(p[1], p[2]) for p in phones], tags, external
    )
    return Prepared(
        ordinal,
        record.line,
        record.kind,
        Candidate(
            key,
            tuple(norms),
            tuple(p[2] for p in phones if p[2]),
            tuple(u[2] for u in urls),
            tuple(external.items()),
        ),
        stored_key,
        company,
        company_key(company) if company else None,
        contact,
        emails,
        phones,
        urls,
        [(ordinal, k, tag) for k, tag in tag_keys.items()],
        [(ordinal, term, fld) for term, fld in terms],
        issues,
    )


# -- phase 2: write ---------------------------------------------------------------------


def _looks_damaged(value: str) -> bool:
    """Text mangled by a lossy encoding: replacement characters or runs of '?'."""
    return "\ufffd" in value or "??" in value


def _same_but_damaged(damaged: str, good: str) -> bool:
    """Would `damaged` read as `good` if its '?'/U+FFFD were the missing letters?"""
    if len(damaged) != len(good):
        return False
    return all(a == b or a in "?\ufffd" for a, b in zip(damaged, good, strict=True))


# Columns of the rows a batch of new contacts writes. The first column of each but the
# change log holds a record's ordinal, inserted as `ordinal + base` (see `Prepared`).
_BULK: dict[str, tuple[str, ...]] = {
    "contact": (*CONTACT_COLUMNS, *WRITER_COLUMNS),
    "contact_email": (
        "contact_id", "email", "email_norm", "label", "is_primary", "valid", "position",
    ),
    "contact_phone": (
        "contact_id", "raw", "e164", "extension", "formatted", "label", "position",
    ),
    "contact_url": ("contact_id", "url", "url_norm", "kind", "position"),
    "contact_tag": ("contact_id", "tag_key", "tag"),
    "search_term": ("contact_id", "term", "field"),
}  # fmt: skip
_CHANGE_LOG = (
    "batch", "at", "owner", "command", "table_name", "row_id", "op", "before", "after",
    "contact_id",
)  # fmt: skip


class _Writer:
    """Phase 2, a chunk of prepared rows at a time, inside the import's one transaction."""

    # New contacts are written in batches of about BATCH with one bulk insert per table,
    # their ids known up front (the write lock is held, so nobody else takes them).
    # Until a batch is written its people are known to the matcher by `remember`, so a
    # person appearing twice in one file is still one contact; memory stays bounded by
    # the batch, never by the file. A batch is one chunk (CHUNK): writing every chunk
    # alike keeps the worker processes busy, where five chunks queued cheaply and then
    # written at once left them waiting, one chunk each, and then the writer waiting for
    # them (2.5 s of a 100,000-row import against 0.8 s).
    BATCH: ClassVar[int] = 1000

    def __init__(self, tx: Tx, options: ImportOptions, summary: ImportSummary) -> None:
        self.tx = tx
        self.store = tx.store
        self.options = options
        self.summary = summary
        self.matcher = Matcher(tx.store)
        self.company_ids: dict[str, int] = {}
        # Every id from here up is free: ids are `base + ordinal` (see `Prepared`).
        self.base = tx.store.dialect.next_ids(tx.store.conn, "contact", 1)[0]
        self.tail = (tx.owner, 1, tx.stamp, tx.stamp)  # owner, version, created, updated
        self.unwritten: set[int] = set()
        self.in_batch: list[tuple[int, int, str, int | None]] = []
        self.batch: dict[str, list[tuple[Any, ...]]] = {t: [] for t in _BULK}

    def company(self, name: str | None, key: str | None = None) -> int | None:
        if not name:
            return None
        if key is None:
            key = company_key(name)
        if not key:
            return None
        if key in self.company_ids:
            return self.company_ids[key]
        found = self.store.value("SELECT id FROM company WHERE name_key = ? LIMIT 1", (key,))
        if found is None:
            found = self.tx.insert("company", {"name": name, "name_key": key})
            self.summary.companies_created += 1
        if len(self.company_ids) > 5000:  # a bounded cache: memory stays flat
            self.company_ids.clear()
        self.company_ids[key] = int(found)
        return int(found)

    def write_chunk(self, rows: list[Prepared]) -> None:
        """Match and write one chunk: its people are looked up together, then one by one."""
        if len(self.in_batch) >= self.BATCH:
            self.flush()
        if not self.unwritten:
            self.matcher.forget_recent()  # all written: the prefetch below sees them
        if self.options.on_duplicate != "create":
            self.matcher.prefetch([r.candidate for r in rows if r.kind == "person"])
        for row in rows:
            self.write(row)

    def write(self, row: Prepared) -> None:
        summary = self.summary
        if row.issues:
            summary.flagged += len(row.issues)
            if len(summary.issues) < 20:
                summary.issues += [(row.line, issue) for issue in row.issues]
        if row.kind == "group":
            summary.skipped += 1
            return
        if row.kind == "org":
            before = summary.companies_created
            self.company(row.company or row.contact[1])
            if summary.companies_created == before:
                summary.unchanged += 1
            return
        match = None
        if self.options.on_duplicate != "create":
            match = self.matcher.find(row.candidate)
        if match is None:
            self.create(row)
            return
        if self.options.on_duplicate == "skip":
            summary.skipped += 1
            return
        if match.contact_id in self.unwritten:  # the same person earlier in this batch
            self.flush()
        if self.update(match.contact_id, row):
            self.matcher.remember(match.contact_id, row.candidate)
            summary.updated += 1
        else:
            summary.unchanged += 1

    def create(self, row: Prepared) -> int:
        """Queue a new contact for the next bulk write; its id is known at once."""
        company_id = self.company(row.company, row.company_key)
        contact_id = self.base + row.ordinal
        batch = self.batch
        touch = self.tx.stamp if row.contact[_CADENCE] else None
        batch["contact"].append((*row.contact, company_id, touch, *self.tail))
        batch["contact_email"] += row.emails
        batch["contact_phone"] += row.phones
        if row.urls:
            batch["contact_url"] += row.urls
        if row.tags:
            batch["contact_tag"] += row.tags
        batch["search_term"] += row.terms
        candidate = row.candidate
        if candidate.name_key != row.name_key:  # known by its display name from now on
            candidate = candidate._replace(name_key=row.name_key)
        self.matcher.remember(contact_id, candidate)
        self.unwritten.add(contact_id)
        self.summary.created += 1
        self.in_batch.append((row.line, contact_id, row.name_key, company_id))
        return contact_id

    def flush(self) -> None:
        """Write the batch of new contacts, one bulk insert per table."""
        tx = self.tx
        created = [entry[1] for entry in self.in_batch]
        for table, columns in _BULK.items():
            rows = self.batch[table]
            if rows:
                tx.insert_many(table, columns, rows, offset=self.base)
                rows.clear()
        if created:
            # One change-log entry per batch of created contacts: undoing it deletes them,
            # and (by cascade) everything below them. It holds ids only, no personal data.
            entry = (tx.batch, tx.stamp, tx.owner, tx.command, "contact", created[0])
            tx.insert_many(
                "change_log",
                _CHANGE_LOG,
                [(*entry, "insert-many", None, json.dumps({"ids": created}), None)],
            )
        self.unwritten.clear()
        found = self.summary.possible_duplicates
        if self.in_batch and len(found) < 50:  # enough to show; the rest would never be
            others = self.matcher.possible([(k, c, i) for _, i, k, c in self.in_batch])
            for line, contact_id, _, _ in self.in_batch:
                if contact_id in others and len(found) < 50:
                    found.append((line, contact_id, others[contact_id]))
        self.in_batch.clear()

    def _children(
        self,
        contact_id: int,
        mails: list[tuple[Any, ...]],
        phones: list[tuple[Any, ...]],
        urls: list[tuple[Any, ...]],
        tags: list[tuple[Any, ...]],
        start: int,
        *,
        has_primary: bool,
    ) -> None:
        """Add a prepared row's new emails, phones, URLs and tags to an existing contact,
        each undoable; `start` is the first free position."""
        tx = self.tx
        for table, children in (
            ("contact_email", mails),
            ("contact_phone", phones),
            ("contact_url", urls),
            ("contact_tag", tags),
        ):
            columns = _BULK[table]
            for pos, child in enumerate(children, start):
                values = dict(zip(columns, child, strict=True))
                values["contact_id"] = contact_id
                if "position" in values:
                    values["position"] = pos
                if table == "contact_email":
                    values["is_primary"] = not has_primary and pos == start
                tx.insert(table, values, contact_id=contact_id)

    def update(self, contact_id: int, row: Prepared) -> bool:
        """Complete an existing contact; returns whether anything changed."""
        from crmcli.core.people.contacts import get, reindex

        tx = self.tx
        current = get(self.store, contact_id)
        new = dict(zip(CONTACT_COLUMNS, row.contact, strict=True))
        values: dict[str, Any] = {}
        for column in (
            "title",
            "lead_source",
            "birthday",
            "notes",
            "prefix",
            "first_name",
            "middle_name",
            "last_name",
            "suffix",
        ):
            if new[column] and not current[column]:
                values[column] = new[column]
        if new["do_not_contact"] and not current["do_not_contact"]:
            values["do_not_contact"] = True  # a do-not-contact request is never dropped
        if row.company and current["company_id"] is None:
            values["company_id"] = self.company(row.company, row.company_key)
        if (
            row.candidate.name_key
            and _looks_damaged(current["display_name"])
            and _same_but_damaged(current["display_name"], new["display_name"])
        ):
            values.update(display_name=new["display_name"], name_key=row.name_key)
        for column in ("custom_fields", "external_ids"):
            if new[column]:
                merged = dict(current[column] or {})
                added = {k: v for k, v in json.loads(new[column]).items() if k not in merged}
                if added:
                    values[column] = json.dumps({**merged, **added}, ensure_ascii=False)
        have_emails = {e["email_norm"] for e in current["emails"]}
        new_emails = [e for e in row.emails if e[2] not in have_emails]
        have_phones = {p["e164"] or phone_mod.digits(p["raw"]) for p in current["phones"]}
        has_valid_phone = any(p["e164"] for p in current["phones"])
        new_phones = [
            p
            for p in row.phones
            if (p[2] or phone_mod.digits(p[1])) not in have_phones and (p[2] or not has_valid_phone)
        ]  # never add a mangled copy
        have_urls = {u["url_norm"] for u in current["urls"]}
        new_urls = [u for u in row.urls if u[2] not in have_urls]
        have_tags = {t["tag_key"] for t in current["tag_rows"]}
        new_tags = [t for t in row.tags if t[1] not in have_tags]
        if not (values or new_emails or new_phones or new_urls or new_tags):
            return False
        if values:
            tx.update("contact", contact_id, values, contact_id=contact_id)
        else:
            tx.update("contact", contact_id, {"updated_at": tx.stamp}, contact_id=contact_id)
        self._children(
            contact_id,
            new_emails,
            new_phones,
            new_urls,
            new_tags,
            1 + max([e["id"] for e in current["emails"]] or [0]),
            has_primary=bool(current["emails"]),
        )
        reindex(tx, contact_id)
        return True


PARALLEL_AFTER = 2000  # rows: below this, starting worker processes costs more than it saves
CHUNK = 1000

Chunk = tuple[int, list[Any]]  # the ordinal of its first item, and raw items
PreparedChunk = list[Any]  # Prepared rows and Rejects, in file order


def _prepare_chunk(chunk: Chunk, region: str, convert: Convert | None) -> PreparedChunk:
    """Raw items in, prepared rows and rejects out (empty rows dropped), in file order."""
    out: PreparedChunk = []
    start, items = chunk
    for ordinal, item in enumerate(items, start):
        record = item if convert is None else convert(item)
        if record is None:
            continue
        if isinstance(record, Reject):
            out.append(record)
        elif not record.empty:
            out.append(prepare(record, region, ordinal))
    return out


def _chunks(items: Iterator[Any], size: int) -> Iterator[Chunk]:
    start = 0
    chunk: list[Any] = []
    for item in items:
        chunk.append(item)
        if len(chunk) >= size:
            yield start, chunk
            start += len(chunk)
            chunk = []
    if chunk:
        yield start, chunk


def _worker_start() -> None:
    gc.set_threshold(*_GC_THRESHOLDS)


_GC_THRESHOLDS = (50_000, 50, 100)


@contextmanager
def _bulk_gc() -> Iterator[None]:
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


def _prepared(
    items: Iterable[Any], region: str, convert: Convert | None
) -> Iterator[PreparedChunk]:
    """Chunks of prepared rows in file order; a big file is prepared on every core.

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
            yield _prepare_chunk(chunk, region, convert)
        return
    workers = os.cpu_count() or 2
    phone_mod.warm(region)  # before the fork: the workers inherit it
    with _Workers(workers, region, convert) as pool:
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

    def __init__(self, count: int, region: str, convert: Convert | None) -> None:
        import multiprocessing

        context = multiprocessing.get_context(
            "fork" if "fork" in multiprocessing.get_all_start_methods() else None
        )
        self.pipes: list[Any] = []
        self.processes: list[Any] = []
        for _ in range(count):
            here, there = context.Pipe()
            process = context.Process(target=_serve, args=(there, region, convert), daemon=True)
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
        return [
            *(Reject(*reject) for reject in rejects),
            *(Prepared._make((*row[:3], Candidate._make(row[3]), *row[4:])) for row in rows),
        ]

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


def _serve(pipe: Any, region: str, convert: Convert | None) -> None:
    """A worker's loop: raw chunks in, prepared chunks out, until None arrives.

    Ctrl-C reaches the workers too: they stop quietly and the importing process, which
    rolls the transaction back, reports it.
    """
    _worker_start()
    with contextlib.suppress(KeyboardInterrupt, EOFError, BrokenPipeError):
        while (chunk := _unpack(pipe.recv_bytes())) is not None:
            result: tuple[Any, ...]
            try:
                out = _prepare_chunk(chunk, region, convert)
                rejects = [(r.line, r.reason, r.cells) for r in out if isinstance(r, Reject)]
                rows = [
                    (*r[:3], tuple(r.candidate), *r[4:]) for r in out if isinstance(r, Prepared)
                ]
                result = (True, rejects, rows)
            except Exception as exc:  # reported, then raised by the importing process
                result = (False, f"{type(exc).__name__}: {exc}")
            pipe.send_bytes(_pack(result))


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
    region = str(store.config.get("default_region"))
    try:
        with contextlib.ExitStack() as stack:
            writer: _Writer | None = None
            for chunk in _prepared(items, region, convert):
                rows = []
                for entry in chunk:
                    if isinstance(entry, Reject):
                        summary.rejected += 1
                        if options.strict:
                            raise Invalid(
                                f"line {entry.line}: {entry.reason} (--strict: nothing imported)"
                            )
                        on_reject(entry)
                    else:
                        rows.append(entry)
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
                if options.dry_run:
                    raise _DryRun
    except _DryRun:
        pass
    return summary


def _begin(
    stack: contextlib.ExitStack, store: Store, options: ImportOptions, summary: ImportSummary
) -> _Writer:
    """Back up a non-empty database, then open the import's one write transaction."""
    if not options.dry_run and store.value("SELECT id FROM contact LIMIT 1") is not None:
        from crmcli.core.db.backup import auto_backup

        auto_backup(store, "pre-import")
    stack.enter_context(store.dialect.bulk_mode(store.conn))
    stack.enter_context(_bulk_gc())
    tx = stack.enter_context(store.write(options.label))
    stack.enter_context(store.dialect.bulk_indexing(store.conn))
    return _Writer(tx, options, summary)


# -- deals --------------------------------------------------------------------------------


@dataclass
class DealSummary:
    created: int = 0
    updated: int = 0
    unchanged: int = 0
    rejected: int = 0
    contacts_created: int = 0
    companies_created: int = 0

    def as_dict(self) -> dict[str, Any]:
        return dict(self.__dict__)


def parse_stage_map(pairs: list[str]) -> dict[str, str]:
    out: dict[str, str] = {}
    for pair in pairs:
        old, sep, new = pair.partition("=")
        if not sep or not old.strip() or not new.strip():
            raise Invalid(f'--map-stage takes "Old=New", not {pair!r}')
        out[fold(old)] = new.strip()
    return out


def import_deals(
    store: Store,
    records: Iterable[Any],
    options: ImportOptions,
    *,
    stage_map: dict[str, str],
    on_reject: Callable[[Reject], None],
) -> DealSummary:
    """Import deal rows atomically; contacts and companies they name are matched or created.

    Every stage name must be known (or mapped with --map-stage) before anything is
    written: an unknown one stops the import with the list of stages.
    """
    from datetime import date as date_type

    from crmcli.core.pipeline.stages import names as stage_names
    from crmcli.core.pipeline.stages import resolve as resolve_stage
    from crmcli.core.values.money import check_currency, parse_amount

    summary = DealSummary()
    default_currency = str(store.config.get("currency"))
    stages = {fold(r["name"]): r for r in store.rows("SELECT * FROM stage")}
    first_open = min(
        (r for r in stages.values() if r["kind"] == "open"), key=lambda r: r["position"]
    )
    rows: list[dict[str, Any]] = []
    unknown: set[str] = set()
    for item in records:
        if isinstance(item, Reject):
            summary.rejected += 1
            if options.strict:
                raise Invalid(f"line {item.line}: {item.reason} (--strict: nothing imported)")
            on_reject(item)
            continue
        try:
            stage_name = stage_map.get(fold(item.stage or ""), item.stage or "")
            if stage_name.strip():
                stage = stages.get(fold(stage_name))
                if stage is None:
                    try:
                        stage = resolve_stage(store, stage_name)
                    except Invalid:
                        unknown.add(stage_name.strip())
                        continue
            else:
                stage = first_open
            status = (item.status or "").strip().lower() or None
            if status in ("won", "lost") and stage["kind"] == "open":
                stage = next(r for r in stages.values() if r["kind"] == status)
            currency = check_currency(item.currency) if item.currency else None
            minor = None
            if item.amount and item.amount.strip():
                minor, symbol = parse_amount(item.amount, currency or default_currency)
                currency = currency or symbol
            if item.expected_close:
                date_type.fromisoformat(item.expected_close)
        except (Invalid, ValueError) as exc:
            reason = exc.message if isinstance(exc, Invalid) else str(exc)
            reject = Reject(item.line, reason)
            summary.rejected += 1
            if options.strict:
                raise Invalid(f"line {item.line}: {reason} (--strict: nothing imported)") from exc
            on_reject(reject)
            continue
        rows.append(
            {
                "item": item,
                "stage": stage,
                "amount_minor": minor,
                "currency": currency or (default_currency if minor is not None else None),
            }
        )
    if unknown:
        raise Invalid(
            f"unknown stage(s) {', '.join(sorted(unknown))}: map them with "
            f'--map-stage "Old=New" (stages: {stage_names(store)})'
        )
    try:
        with store.write(options.label) as tx:
            writer = _Writer(tx, options, ImportSummary())
            for row in rows:
                _write_deal(tx, writer, row, summary)
            summary.companies_created = writer.summary.companies_created
            if options.dry_run:
                raise _DryRun
    except _DryRun:
        pass
    return summary


def _deal_contact(tx: Tx, writer: _Writer, item: Any, summary: DealSummary) -> int | None:
    """The contact a deal row names: by email, then by exact name, else a new one."""
    name = collapse(item.contact_name or "")
    email = (item.contact_email or "").strip()
    if not (name or email):
        return None
    candidate = Candidate(name_key(name), (email_mod.normalise(email),) if email else (), (), ())
    match = writer.matcher.find(candidate)
    if match:
        return match.contact_id
    if name:
        same = tx.store.tuples(
            "SELECT id FROM contact WHERE name_key = ? LIMIT 2", (name_key(name),)
        )
        if len(same) == 1:
            return int(same[0][0])
    record = ContactRecord(
        line=item.line,
        full_name=name or None,
        emails=[(email, None)] if email else [],
        company=item.company,
    )
    region = str(tx.store.config.get("default_region"))
    contact_id = writer.create(prepare(record, region, summary.contacts_created))
    summary.contacts_created += 1
    writer.flush()  # the deal row refers to it
    return contact_id


def _write_deal(tx: Tx, writer: _Writer, row: dict[str, Any], summary: DealSummary) -> None:
    item = row["item"]
    stage = row["stage"]
    contact_id = _deal_contact(tx, writer, item, summary)
    company_id = writer.company(collapse(item.company)) if item.company else None
    if company_id is None and contact_id is not None:
        company_id = tx.store.value("SELECT company_id FROM contact WHERE id = ?", (contact_id,))
    title = collapse(item.title or "")
    # The same title for the same contact and company (either may be none).
    where: list[str] = ["lower(title) = lower(?)"]
    params: list[Any] = [title]
    for column, value in (("contact_id", contact_id), ("company_id", company_id)):
        where.append(f"{column} IS NULL" if value is None else f"{column} = ?")
        params += [] if value is None else [value]
    existing = tx.store.row(
        "SELECT id, amount_minor, currency, expected_close, next_step FROM deal "
        f"WHERE {' AND '.join(where)} LIMIT 1",
        params,
    )
    if existing is not None:  # the same deal again: complete it, never overwrite
        values = {}
        for column, new in (
            ("amount_minor", row["amount_minor"]),
            ("currency", row["currency"]),
            ("expected_close", item.expected_close),
            ("next_step", (item.next_step or "").strip() or None),
        ):
            if new is not None and existing[column] is None:
                values[column] = new
        if values:
            tx.update("deal", int(existing["id"]), values, contact_id=contact_id)
            summary.updated += 1
        else:
            summary.unchanged += 1
        return
    closed = stage["kind"] != "open"
    deal_id = tx.insert(
        "deal",
        {
            "title": title,
            "contact_id": contact_id,
            "company_id": company_id,
            "amount_minor": row["amount_minor"],
            "currency": row["currency"],
            "stage_id": stage["id"],
            "expected_close": item.expected_close,
            "next_step": (item.next_step or "").strip() or None,
            "status": stage["kind"],
            "lost_reason": (item.lost_reason or "").strip() or None,
            "stage_entered_at": tx.stamp,
            "closed_at": tx.stamp if closed else None,
        },
        contact_id=contact_id,
    )
    tx.insert(
        "deal_stage_change",
        {
            "deal_id": deal_id,
            "from_stage_id": None,
            "to_stage_id": stage["id"],
            "at": tx.stamp,
            "owner": tx.owner,
        },
        contact_id=contact_id,
    )
    summary.created += 1
