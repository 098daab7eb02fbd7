"""Importing contacts: validate and normalise, match, then write everything in one transaction.

Two phases, so the write lock is held only for the writing:
1. prepare: every record is normalised (names, emails, phones, URLs, dates) into a
   temporary spill file, streaming, so memory stays flat however long the file is;
2. write: one `BEGIN IMMEDIATE` transaction matches each prepared person against the
   database (and against the rows of this same file already written) and creates,
   updates or skips them. The whole import commits, or nothing does; `--dry-run`
   runs phase 2 and rolls it back.

A matched contact is only ever completed, never overwritten: empty fields are
filled, new emails, phones, tags and profiles are added, and nothing the rep
entered is replaced — least of all by a damaged value.
"""

from __future__ import annotations

import json
import os
import tempfile
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from typing import IO, Any, ClassVar

from crmcli.core import emails as email_mod
from crmcli.core import phones as phone_mod
from crmcli.core.contacts import ContactStatus, normalise_url, search_terms, url_kind
from crmcli.core.errors import Invalid
from crmcli.core.matching import Candidate, Match, Matcher
from crmcli.core.names import split_name
from crmcli.core.records import ContactRecord, Reject
from crmcli.core.store import Store, Tx
from crmcli.core.textnorm import collapse, fold, name_key

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


def prepare(record: ContactRecord, region: str) -> dict[str, Any]:
    """Normalise one record into the plain dict phase 2 writes (JSON-serialisable)."""
    issues = list(record.issues)
    display = _display(record)
    parts = (
        split_name(display) if (record.full_name and not (record.first or record.last)) else None
    )
    emails = []
    seen: set[str] = set()
    for address, label in record.emails:
        value = address.strip()
        norm = email_mod.normalise(value)
        if not value or norm in seen:
            continue
        seen.add(norm)
        valid = email_mod.is_valid(value)
        if not valid:
            issues.append(f"email {value!r} is malformed (kept as text)")
        emails.append([value, norm, label, valid])
    phones = []
    seen_digits: set[str] = set()
    country = record.country or region
    for text, label in record.phones:
        raw = text.strip()
        if not raw:
            continue
        phone = phone_mod.parse_phone(raw, country)
        key = phone.e164 or phone_mod.digits(raw)
        if key in seen_digits:
            continue
        seen_digits.add(key)
        if not phone.valid:
            issues.append(f"phone {raw!r} could not be read as a number (kept as text)")
        phones.append([phone.raw, phone.e164, phone.extension, phone.formatted, label])
    urls = []
    for url, label in record.urls:
        if url.strip():
            norm = normalise_url(url)
            urls.append([url.strip(), norm, "linkedin" if label == "linkedin" else url_kind(norm)])
    custom = {k: _lines(v) for k, v in record.custom.items()}
    if record.birthday_raw and not record.birthday:
        custom.setdefault("birthday (as written)", record.birthday_raw)
    status = (record.status or "").strip().lower() or None
    if status and status not in STATUSES:
        custom.setdefault("status (as written)", record.status or "")
        status = None
    return {
        "line": record.line,
        "kind": record.kind,
        "display": display,
        "name_key": name_key(display) if (record.full_name or record.first or record.last) else "",
        "prefix": record.prefix or (parts.prefix if parts else None),
        "first": record.first or (parts.first if parts else None),
        "middle": record.middle or (parts.middle if parts else None),
        "last": record.last or (parts.last if parts else None),
        "suffix": record.suffix or (parts.suffix if parts else None),
        "emails": emails,
        "phones": phones,
        "urls": urls,
        "company": collapse(record.company) if record.company else None,
        "title": (record.title or "").strip() or None,
        "notes": _lines(record.notes or "").strip() or None,
        "tags": [collapse(t) for t in record.tags if t.strip() and fold(t)],
        "birthday": record.birthday,
        "addresses": record.addresses or None,
        "lead_source": (record.lead_source or "").strip() or None,
        "status": status,
        "do_not_contact": record.do_not_contact,
        "cadence_days": record.cadence_days,
        "external": {k: v for k, v in record.external_ids.items() if not _our_uid(k, v)},
        "custom": custom,
        "issues": issues,
    }


def _spill(rows: Iterable[dict[str, Any]]) -> IO[str]:
    """Write prepared rows to a temporary file and rewind it (flat memory)."""
    spill = tempfile.TemporaryFile("w+", encoding="utf-8")  # noqa: SIM115 - the caller closes it
    for row in rows:
        spill.write(json.dumps(row, ensure_ascii=False))
        spill.write("\n")
    spill.seek(0)
    return spill


# -- phase 2: write ---------------------------------------------------------------------


def _looks_damaged(value: str) -> bool:
    """Text mangled by a lossy encoding: replacement characters or runs of '?'."""
    return "\ufffd" in value or "??" in value


def _same_but_damaged(damaged: str, good: str) -> bool:
    """Would `damaged` read as `good` if its '?'/U+FFFD were the missing letters?"""
    if len(damaged) != len(good):
        return False
    return all(a == b or a in "?\ufffd" for a, b in zip(damaged, good, strict=True))


class _Writer:
    def __init__(self, tx: Tx, options: ImportOptions, summary: ImportSummary) -> None:
        self.tx = tx
        self.store = tx.store
        self.options = options
        self.summary = summary
        self.matcher = Matcher(tx.store)
        self.company_ids: dict[str, int] = {}
        self.free_ids: list[int] = []
        self.pending: dict[tuple[str, str], int] = {}
        self.in_batch: list[tuple[int, int, str, int | None]] = []
        self.batch: dict[str, list[tuple[Any, ...]]] = {t: [] for t in self._INSERTS}

    def company(self, name: str | None) -> int | None:
        if not name:
            return None
        from crmcli.core.companies import company_key

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

    def write(self, row: dict[str, Any]) -> None:
        summary = self.summary
        if row["issues"]:
            summary.flagged += len(row["issues"])
            if len(summary.issues) < 20:
                summary.issues += [(row["line"], issue) for issue in row["issues"]]
        if row["kind"] == "group":
            summary.skipped += 1
            return
        if row["kind"] == "org":
            before = summary.companies_created
            self.company(row["company"] or row["display"])
            if summary.companies_created == before:
                summary.unchanged += 1
            return
        candidate = Candidate(
            row["name_key"],
            tuple(e[1] for e in row["emails"]),
            tuple(p[1] for p in row["phones"] if p[1]),
            tuple(u[1] for u in row["urls"]),
            tuple(row["external"].items()),
        )
        match = None
        if self.options.on_duplicate != "create":
            pending = self.pending_match(candidate)
            if pending is not None:  # the same person earlier in this file, not yet written
                self.flush()
                match = Match(pending, "pending")
            else:
                match = self.matcher.find(candidate)
        if match is None:
            self.create(row)
        elif self.options.on_duplicate == "skip":
            summary.skipped += 1
        elif self.update(match.contact_id, row):
            summary.updated += 1
        else:
            summary.unchanged += 1

    # -- creating, in batches ---------------------------------------------------------
    #
    # New contacts are written in batches of BATCH with executemany, their ids assigned
    # up front (the write lock is held, so nobody else takes them). Until a batch is
    # flushed its people are matched through `pending`, a small in-memory index, so a
    # person appearing twice in one file is still one contact; memory stays bounded by
    # the batch size, never by the file.

    BATCH: ClassVar[int] = 5000

    def _reserve(self) -> int:
        if not self.free_ids:
            self.flush()  # reserved ids start after every row written so far
            self.free_ids = self.store.dialect.next_ids(self.store.conn, "contact", self.BATCH)
        return self.free_ids.pop(0)

    def pending_match(self, person: Candidate) -> int | None:
        keys = [("e", e) for e in person.emails] + [("u", u) for u in person.urls]
        keys += [("x", f"{s}:{v}") for s, v in person.external]
        if person.name_key:
            keys += [("np", f"{person.name_key}|{p}") for p in person.phones]
        for key in keys:
            if key in self.pending:
                return self.pending[key]
        return None

    def create(self, row: dict[str, Any]) -> int:
        tx = self.tx
        company_id = self.company(row["company"])
        contact_id = self._reserve()
        name_key_ = row["name_key"] or fold(row["display"])
        values = {
            "id": contact_id,
            "display_name": row["display"],
            "name_key": name_key_,
            "prefix": row["prefix"],
            "first_name": row["first"],
            "middle_name": row["middle"],
            "last_name": row["last"],
            "suffix": row["suffix"],
            "title": row["title"],
            "company_id": company_id,
            "lead_source": row["lead_source"],
            "status": row["status"] or "lead",
            "birthday": row["birthday"],
            "notes": row["notes"],
            "do_not_contact": bool(row["do_not_contact"]),
            "cadence_days": row["cadence_days"],
            "touch_due_at": tx.stamp if row["cadence_days"] else None,
            "addresses": json.dumps(row["addresses"], ensure_ascii=False)
            if row["addresses"]
            else None,
            "external_ids": json.dumps(row["external"], ensure_ascii=False)
            if row["external"]
            else None,
            "custom_fields": json.dumps(row["custom"], ensure_ascii=False)
            if row["custom"]
            else None,
            "owner": tx.owner,
            "version": 1,
            "created_at": tx.stamp,
            "updated_at": tx.stamp,
        }
        self.batch["contact"].append(tuple(values.values()))
        for pos, (address, norm, label, valid) in enumerate(row["emails"]):
            self.batch["contact_email"].append(
                (contact_id, address, norm, label, pos == 0, valid, pos)
            )
            self.pending[("e", norm)] = contact_id
        for pos, phone in enumerate(row["phones"]):
            raw, e164, ext, formatted, label = phone[:5]
            self.batch["contact_phone"].append((contact_id, raw, e164, ext, formatted, label, pos))
            if e164 and name_key_:
                self.pending[("np", f"{name_key_}|{e164}")] = contact_id
        for pos, (url, norm, kind) in enumerate(row["urls"]):
            self.batch["contact_url"].append((contact_id, url, norm, kind, pos))
            self.pending[("u", norm)] = contact_id
        for system, value in row["external"].items():
            self.pending[("x", f"{system}:{value}")] = contact_id
        seen: set[str] = set()
        for tag in row["tags"]:
            key = fold(tag)
            if key not in seen:
                seen.add(key)
                self.batch["contact_tag"].append((contact_id, key, tag))
        self.batch["search_term"].extend(
            (t, contact_id, f)
            for t, f in search_terms(
                row["display"],
                row["company"],
                [e[0] for e in row["emails"]],
                [(p[0], p[1]) for p in row["phones"]],
                row["tags"],
                row["external"],
            )
        )
        self.summary.created += 1
        self.in_batch.append((row["line"], contact_id, name_key_, company_id))
        if len(self.in_batch) >= self.BATCH:
            self.flush()
        return contact_id

    _INSERTS: ClassVar[dict[str, str]] = {
        "contact": "INSERT INTO contact (id, display_name, name_key, prefix, first_name, "
        "middle_name, last_name, suffix, title, company_id, lead_source, status, birthday, "
        "notes, do_not_contact, cadence_days, touch_due_at, addresses, external_ids, "
        "custom_fields, owner, version, created_at, updated_at) "
        "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
        "change_log": "INSERT INTO change_log (batch, at, owner, command, table_name, row_id, "
        "op, before, after, contact_id) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
        "contact_email": "INSERT INTO contact_email (contact_id, email, email_norm, label, "
        "is_primary, valid, position) VALUES (?, ?, ?, ?, ?, ?, ?)",
        "contact_phone": "INSERT INTO contact_phone (contact_id, raw, e164, extension, "
        "formatted, label, position) VALUES (?, ?, ?, ?, ?, ?, ?)",
        "contact_url": "INSERT INTO contact_url (contact_id, url, url_norm, kind, position) "
        "VALUES (?, ?, ?, ?, ?)",
        "contact_tag": "INSERT INTO contact_tag (contact_id, tag_key, tag) VALUES (?, ?, ?)",
        "search_term": "INSERT INTO search_term (term, contact_id, field) VALUES (?, ?, ?) "
        "ON CONFLICT DO NOTHING",
    }

    def flush(self) -> None:
        """Write the batch of new contacts; afterwards the database matches them itself."""
        created = [row[0] for row in self.batch["contact"]]
        if created:
            # One change-log entry per batch of created contacts: undoing it deletes them,
            # and (by cascade) everything below them. It holds ids only, no personal data.
            tx = self.tx
            self.batch["change_log"].append(
                (
                    tx.batch,
                    tx.stamp,
                    tx.owner,
                    tx.command,
                    "contact",
                    created[0],
                    "insert-many",
                    None,
                    json.dumps({"ids": created}),
                    None,
                )
            )
        # Sorted by key, index inserts touch neighbouring pages: far fewer cache misses.
        self.batch["search_term"].sort()
        for table, sql in self._INSERTS.items():
            rows = self.batch[table]
            if rows:
                self.tx.executemany(sql, rows)
                rows.clear()
        for line, contact_id, key, company_id in self.in_batch:
            if len(self.summary.possible_duplicates) >= 50:
                break  # enough to show; the rest would never be reported
            other = self.matcher.possible(key, company_id, contact_id)
            if other is not None and len(self.summary.possible_duplicates) < 50:
                self.summary.possible_duplicates.append((line, contact_id, other))
        self.in_batch.clear()
        self.pending.clear()

    def _children(
        self,
        contact_id: int,
        mails: list[Any],
        phones: list[Any],
        urls: list[Any],
        tags: list[str],
        start: int,
        *,
        has_primary: bool = False,
        log: bool = False,
    ) -> None:
        cid = contact_id if log else None
        for pos, (address, norm, label, valid) in enumerate(mails, start):
            self._add(
                log,
                "contact_email",
                {
                    "contact_id": contact_id,
                    "email": address,
                    "email_norm": norm,
                    "label": label,
                    "is_primary": not has_primary and pos == start,
                    "valid": valid,
                    "position": pos,
                },
                cid,
            )
        for pos, (raw, e164, ext, formatted, label, *_) in enumerate(phones, start):
            self._add(
                log,
                "contact_phone",
                {
                    "contact_id": contact_id,
                    "raw": raw,
                    "e164": e164,
                    "extension": ext,
                    "formatted": formatted,
                    "label": label,
                    "position": pos,
                },
                cid,
            )
        for pos, (url, norm, kind) in enumerate(urls, start):
            self._add(
                log,
                "contact_url",
                {
                    "contact_id": contact_id,
                    "url": url,
                    "url_norm": norm,
                    "kind": kind,
                    "position": pos,
                },
                cid,
            )
        seen: set[str] = set()
        for tag in tags:
            key = fold(tag)
            if key not in seen:
                seen.add(key)
                self._add(
                    log, "contact_tag", {"contact_id": contact_id, "tag_key": key, "tag": tag}, cid
                )

    def _add(self, log: bool, table: str, values: dict[str, Any], contact_id: int | None) -> None:
        if log:
            self.tx.insert(table, values, contact_id=contact_id)
        else:
            names = ", ".join(values)
            marks = ", ".join("?" for _ in values)
            self.tx.execute(
                f"INSERT INTO {table} ({names}) VALUES ({marks})", list(values.values())
            )

    def update(self, contact_id: int, row: dict[str, Any]) -> bool:
        """Complete an existing contact; returns whether anything changed."""
        from crmcli.core.contacts import get, reindex

        tx = self.tx
        current = get(self.store, contact_id)
        values: dict[str, Any] = {}
        for column, new in (
            ("title", row["title"]),
            ("lead_source", row["lead_source"]),
            ("birthday", row["birthday"]),
            ("notes", row["notes"]),
            ("prefix", row["prefix"]),
            ("first_name", row["first"]),
            ("middle_name", row["middle"]),
            ("last_name", row["last"]),
            ("suffix", row["suffix"]),
        ):
            if new and not current[column]:
                values[column] = new
        if row["do_not_contact"] and not current["do_not_contact"]:
            values["do_not_contact"] = True  # a do-not-contact request is never dropped
        if row["company"] and current["company_id"] is None:
            values["company_id"] = self.company(row["company"])
        if (
            row["name_key"]
            and _looks_damaged(current["display_name"])
            and _same_but_damaged(current["display_name"], row["display"])
        ):
            values.update(display_name=row["display"], name_key=row["name_key"])
        for column, extra in (("custom_fields", row["custom"]), ("external_ids", row["external"])):
            if extra:
                merged = dict(current[column] or {})
                added = {k: v for k, v in extra.items() if k not in merged}
                if added:
                    values[column] = json.dumps({**merged, **added}, ensure_ascii=False)
        have_emails = {e["email_norm"] for e in current["emails"]}
        new_emails = [e for e in row["emails"] if e[1] not in have_emails]
        have_phones = {p["e164"] or phone_mod.digits(p["raw"]) for p in current["phones"]}
        has_valid_phone = any(p["e164"] for p in current["phones"])
        new_phones = [
            p
            for p in row["phones"]
            if (p[1] or phone_mod.digits(p[0])) not in have_phones and (p[1] or not has_valid_phone)
        ]  # never add a mangled copy
        have_urls = {u["url_norm"] for u in current["urls"]}
        new_urls = [u for u in row["urls"] if u[1] not in have_urls]
        have_tags = {t["tag_key"] for t in current["tag_rows"]}
        new_tags = [t for t in row["tags"] if fold(t) not in have_tags]
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
            log=True,
        )
        reindex(tx, contact_id)
        return True


PARALLEL_AFTER = 2000  # rows: below this, starting worker processes costs more than it saves
CHUNK = 1000
IN_FLIGHT = 4  # chunks queued per import, which bounds memory whatever the file's size


def _prepare_chunk(chunk: list[ContactRecord], region: str) -> list[dict[str, Any]]:
    return [prepare(record, region) for record in chunk]


def _prepared(people: Iterator[ContactRecord], region: str) -> Iterator[dict[str, Any]]:
    """Prepared rows in file order; a big file is prepared on every core.

    Normalising (phone numbers above all) is the costly part of an import and needs no
    database, so past PARALLEL_AFTER rows it runs in worker processes, a few chunks at
    a time, while this process keeps reading the file.
    """
    head: list[ContactRecord] = []
    for record in people:
        head.append(record)
        if len(head) >= PARALLEL_AFTER:
            break
    if len(head) < PARALLEL_AFTER or (os.cpu_count() or 1) < 2:
        yield from _prepare_chunk(head, region)
        for record in people:
            yield prepare(record, region)
        return
    import multiprocessing
    from collections import deque
    from concurrent.futures import ProcessPoolExecutor

    context = multiprocessing.get_context(
        "fork" if "fork" in multiprocessing.get_all_start_methods() else None
    )
    with ProcessPoolExecutor(max_workers=os.cpu_count() or 2, mp_context=context) as pool:
        queued: deque[Any] = deque()
        chunk = head
        for record in people:
            if len(chunk) >= CHUNK:
                queued.append(pool.submit(_prepare_chunk, chunk, region))
                chunk = []
                if len(queued) >= IN_FLIGHT:
                    yield from queued.popleft().result()
            chunk.append(record)
        if chunk:
            queued.append(pool.submit(_prepare_chunk, chunk, region))
        while queued:
            yield from queued.popleft().result()


def import_contacts(
    store: Store,
    records: Iterable[ContactRecord | Reject],
    options: ImportOptions,
    *,
    on_reject: Callable[[Reject], None],
    progress: Callable[[int], None] | None = None,
) -> ImportSummary:
    """Import records atomically; rejects go to `on_reject` as they are met."""
    summary = ImportSummary()
    region = str(store.config.get("default_region"))

    def people() -> Iterator[ContactRecord]:
        for item in records:
            if isinstance(item, Reject):
                summary.rejected += 1
                if options.strict:
                    raise Invalid(f"line {item.line}: {item.reason} (--strict: nothing imported)")
                on_reject(item)
                continue
            if item.empty:
                continue
            summary.rows += 1
            if progress and summary.rows % 1000 == 0:
                progress(summary.rows)
            yield item

    with _spill(_prepared(people(), region)) as spill:
        if (
            summary.rows
            and not options.dry_run
            and int(store.value("SELECT count(*) FROM contact"))
        ):
            from crmcli.core.backup import auto_backup

            auto_backup(store, "pre-import")
        try:
            store.dialect.bulk_mode(store.conn)
            with store.write(options.label) as tx:
                writer = _Writer(tx, options, summary)
                for line in spill:
                    writer.write(json.loads(line))
                writer.flush()
                if options.dry_run:
                    raise _DryRun
        except _DryRun:
            pass
    return summary


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

    from crmcli.core.money import check_currency, parse_amount
    from crmcli.core.stages import names as stage_names
    from crmcli.core.stages import resolve as resolve_stage

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
    summary.contacts_created += 1
    contact_id = writer.create(prepare(record, str(tx.store.config.get("default_region"))))
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
    existing = tx.store.row(
        "SELECT id, amount_minor, currency, expected_close, next_step FROM deal "
        "WHERE lower(title) = lower(?) AND (contact_id IS ? OR contact_id = ?) "
        "AND (company_id IS ? OR company_id = ?) LIMIT 1",
        (title, contact_id, contact_id, company_id, company_id),
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
