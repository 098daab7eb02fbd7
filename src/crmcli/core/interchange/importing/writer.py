"""Phase 2 of an import: prepared rows matched against the database, then created or completed.

A chunk at a time, inside the import's one transaction: new people go out in bulk
inserts with their ids known up front; a person already there is only ever
completed, never overwritten (empty fields filled, new emails, phones, tags and
profiles added), and nothing the rep entered is replaced by a damaged value.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Any, ClassVar

from crmcli.core.db.store import Tx
from crmcli.core.interchange.importing import company_cards as cards
from crmcli.core.interchange.importing.current import read_current
from crmcli.core.interchange.importing.options import ImportOptions, ImportSummary
from crmcli.core.interchange.importing.prepare import CONTACT_COLUMNS, WRITER_COLUMNS, Prepared
from crmcli.core.interchange.importing.written import WrittenKeys
from crmcli.core.people.companies import company_key
from crmcli.core.people.matching import Matcher
from crmcli.core.values import phones as phone_mod
from crmcli.core.values.text import fold

_CADENCE = CONTACT_COLUMNS.index("cadence_days")
_CLOSE_WARNINGS = 20  # "a close company name" warnings a report lists at most


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
        "contact_id", "raw", "e164", "extension", "formatted", "label", "position", "valid",
    ),
    "contact_url": ("contact_id", "url", "url_norm", "kind", "position"),
    "contact_tag": ("contact_id", "tag_key", "tag"),
    "search_term": ("contact_id", "term", "field"),
    "contact_relation": ("contact_id", "name", "kind", "position"),
    "contact_date": ("contact_id", "label", "date", "position"),
    "contact_handle": ("contact_id", "service", "handle", "position"),
    "contact_photo": ("contact_id", "media_type", "data", "uri"),
}  # fmt: skip
# The schema v6 children of a prepared row, by table (see `Prepared`).
_EXTRAS = (
    ("contact_relation", "relations"),
    ("contact_date", "dates"),
    ("contact_handle", "handles"),
    ("contact_photo", "photo"),
)
_CHANGE_LOG = (
    "batch", "at", "owner", "command", "table_name", "row_id", "op", "before", "after",
    "contact_id",
)  # fmt: skip


class ContactWriter:
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
        self.new_companies: set[int] = set()  # created by this import: a card completes them
        # Every id from here up is free: ids are `base + ordinal` (see `Prepared`).
        self.base = tx.store.dialect.next_ids(tx.store.conn, "contact", 1)[0]
        self.tail = (tx.owner, 1, tx.stamp, tx.stamp)  # owner, version, created, updated
        self.unwritten: set[int] = set()
        self.in_batch: list[tuple[int, int, str, int | None]] = []
        self.batch: dict[str, list[tuple[Any, ...]]] = {t: [] for t in _BULK}
        self.unresolved: set[int] = set()  # contacts with relations naming no contact yet
        # What the contacts this chunk can match held when it began (`current`), for
        # `update` to compare against without reading each one; dropped once changed.
        self.current: dict[int, Mapping[str, Any]] = {}
        # Into a database without contacts, the values of every person met so far (see
        # `written`): a person holding none of them is new without asking the matcher.
        self.empty_before = tx.store.value("SELECT id FROM contact LIMIT 1") is None
        self.written: WrittenKeys | None = None
        # The ordinals of this chunk's people the matcher is asked about; None: all.
        self.asking: set[int] | None = None

    def company(self, name: str | None, key: str | None = None, line: int = 0) -> int | None:
        """The id of the company with exactly this name (folded), created if new.

        As `crm company add` and `contact add --company`: "Acme" and "Acme SAS" are two
        companies (only a name that folds alike is the same one), and creating one whose
        name comes that close to another is said in the report, never refused.
        """
        if not name:
            return None
        if name in self.company_ids:
            return self.company_ids[name]
        if key is None:
            key = company_key(name)
        if not key:
            return None
        exact = fold(name)
        found = None
        close: list[str] = []
        for company_id, other in self.store.tuples(
            "SELECT id, name FROM company WHERE name_key = ? ORDER BY archived_at IS NOT NULL, id",
            (key,),
        ):
            if fold(other) == exact:
                found = company_id
                break
            close.append(f"#{company_id} {other}")
        if found is None:
            found = self.tx.insert("company", {"name": name, "name_key": key})
            self.summary.companies_created += 1
            self.new_companies.add(int(found))
            if close and len(self.summary.warnings) < _CLOSE_WARNINGS:
                where = f"line {line}: " if line else ""
                self.summary.warnings.append(
                    f"{where}company {name!r} is new, beside {', '.join(close[:3])} "
                    "(a close name: merge them with `crm company merge` if they are one)"
                )
        if len(self.company_ids) > 5000:  # a bounded cache: memory stays flat
            self.company_ids.clear()
        self.company_ids[name] = int(found)
        return int(found)

    def company_card(self, row: Prepared) -> None:
        """A company's own card: the company created, or its blank columns filled."""
        summary = self.summary
        card = cards.card_values(
            row,
            [dict(zip(_BULK["contact_email"], e, strict=False)) for e in row.emails],
            [dict(zip(_BULK["contact_phone"], p, strict=False)) for p in row.phones],
            [dict(zip(_BULK["contact_url"], u, strict=False)) for u in row.urls],
        )
        before = summary.companies_created
        company_id = cards.find_by_external_id(self.store, card["external_ids"])
        if company_id is None:  # known by its ids first (renamed since), else by its name
            company_id = self.company(row.company or row.contact[1], line=row.line)
        if company_id is None:
            summary.skipped += 1
            return
        known = summary.companies_created == before and company_id not in self.new_companies
        if known and self.options.on_duplicate == "skip":
            summary.skipped += 1
            return
        current = self.store.row("SELECT * FROM company WHERE id = ?", (company_id,)) or {}
        values = cards.blanks_filled(current, card)
        if values:
            self.tx.update("company", company_id, values)
        if known:
            if values:
                summary.companies_updated += 1
            else:
                summary.unchanged += 1

    def write_chunk(self, rows: list[Prepared]) -> None:
        """Match and write one chunk: its people are looked up together, then one by one."""
        if len(self.in_batch) >= self.BATCH:
            self.flush()
        if not self.unwritten:
            self.matcher.forget_recent()  # all written: the prefetch below sees them
        self.current = {}
        self.asking = None
        if self.options.on_duplicate != "create":
            ask = self.asking = self._may_match(rows)
            self.matcher.prefetch(
                [
                    r.candidate
                    for r in rows
                    if r.kind == "person" and (ask is None or r.ordinal in ask)
                ]
            )
            if self.options.on_duplicate != "skip":
                self.current = read_current(self.store, self.matcher.prefetched())
        for row in rows:
            self.write(row)

    def _may_match(self, rows: list[Prepared]) -> set[int] | None:
        """The ordinals of the people of `rows` the matcher must be asked about; None:
        every one.

        Into a database that had no contacts, a person can only match someone met
        earlier in the file: one who shares none of their values (`written`, which
        met every person of the file in order) matches nobody. So it is for any
        contact written meanwhile: a new one holds its row's values, and an update
        adds only values of the row that matched.
        """
        if not self.empty_before:
            return None
        if self.written is None:
            self.written = WrittenKeys()
        met = self.written.met
        return {row.ordinal for row in rows if row.kind == "person" and met(row.candidate)}

    def write(self, row: Prepared) -> None:
        """Write one row: a person created or completed, a company card, or skipped. The
        matcher is asked who a person is unless `_may_match` knows them new (`asking`)."""
        summary = self.summary
        if row.issues:
            summary.flagged += len(row.issues)
            if len(summary.issues) < 20:
                summary.issues += [(row.line, issue) for issue in row.issues]
        if row.kind == "group":
            summary.skipped += 1
            summary.not_imported_field(
                "contact groups", "a group card lists people; it is not a person"
            )
            return
        if row.kind == "org" or (row.company and cards.is_company_row(row)):
            self.company_card(row)
            return
        match = None
        asking = self.asking
        if self.options.on_duplicate != "create" and (asking is None or row.ordinal in asking):
            match = self.matcher.find(row.candidate)
        if match is None:
            self.create(row)
            return
        if self.options.on_duplicate == "skip":
            summary.skipped += 1
            return
        if match.contact_id >= self.base:  # a person created earlier in this same file
            summary.merged += 1
        if match.contact_id in self.unwritten:  # the same person earlier in this batch
            self.flush()
        if self.update(match.contact_id, row):
            self.matcher.remember(match.contact_id, row.candidate)
            summary.updated += 1
        else:
            summary.unchanged += 1

    def create(self, row: Prepared) -> int:
        """Queue a new contact for the next bulk write; its id is known at once.

        Run once a new person (every row of a first import): kept to what each row needs.
        """
        name = row.company
        company_id = (
            (self.company_ids.get(name) or self.company(name, row.company_key)) if name else None
        )
        contact_id = self.base + row.ordinal
        batch = self.batch
        touch = self.tx.stamp if row.contact[_CADENCE] else None
        batch["contact"].append((*row.contact, company_id, touch, *self.tail))
        batch["contact_email"] += row.emails
        batch["contact_phone"] += row.phones
        batch["search_term"] += row.terms
        if row.urls:
            batch["contact_url"] += row.urls
        if row.tags:
            batch["contact_tag"] += row.tags
        if row.relations or row.dates or row.handles or row.photo:
            for table, attribute in _EXTRAS:
                children = getattr(row, attribute)
                if children:
                    batch[table] += children
            if row.relations:
                self.unresolved.add(contact_id)
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
        if self.unresolved:
            from crmcli.core.people.extras import resolve

            self.unresolved = resolve(tx, self.unresolved)
        found = self.summary.possible_duplicates
        if self.in_batch:  # all of them: the report shows ten, --json lists every one
            others = self.matcher.possible([(k, c, i) for _, i, k, c in self.in_batch])
            for line, contact_id, _, _ in self.in_batch:
                if contact_id in others:
                    found.append(line, contact_id, others[contact_id])
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
                for flag in ("valid", "is_primary"):  # a bool, as every other writer's
                    if flag in values:
                        values[flag] = bool(values[flag])
                values["contact_id"] = contact_id
                if "position" in values:
                    values["position"] = pos
                if table == "contact_email":
                    values["is_primary"] = not has_primary and pos == start
                tx.insert(table, values, contact_id=contact_id)

    def update(self, contact_id: int, row: Prepared) -> bool:
        """Complete an existing contact; returns whether anything changed."""
        from crmcli.core.people.directory import get
        from crmcli.core.people.index import reindex

        tx = self.tx
        current: Mapping[str, Any] | None = self.current.pop(contact_id, None)
        if current is None:  # not read with its chunk (new in it), or changed since
            current = get(self.store, contact_id)
        by_name: Mapping[str, Any] = current  # read column by column, by name
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
            "nickname",
        ):
            if new[column] and not by_name[column]:
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
                merged = dict(by_name[column] or {})
                added = {k: v for k, v in json.loads(new[column]).items() if k not in merged}
                if added:
                    values[column] = json.dumps({**merged, **added}, ensure_ascii=False)
        have_emails = {e["email_norm"] for e in current["emails"]}
        new_emails = [e for e in row.emails if e[2] not in have_emails]
        have_phones = {phone_mod.phone_key(p["raw"], p["e164"]) for p in current["phones"]}
        has_valid_phone = any(p["e164"] for p in current["phones"])
        new_phones = [
            p
            for p in row.phones
            if phone_mod.phone_key(p[1], p[2]) not in have_phones and (p[2] or not has_valid_phone)
        ]  # never add a mangled copy
        have_urls = {u["url_norm"] for u in current["urls"]}
        new_urls = [u for u in row.urls if u[2] not in have_urls]
        have_tags = {t["tag_key"] for t in current["tag_rows"]}
        new_tags = [t for t in row.tags if t[1] not in have_tags]
        from crmcli.core.people.extras import new_extras

        extras = new_extras(by_name, row, self.store)  # store: a RELATED URI looked up
        if not (values or new_emails or new_phones or new_urls or new_tags or extras):
            self.current[contact_id] = current  # unchanged: still what is stored
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
        for table, children in extras.items():
            columns = _BULK[table]
            for child in children:
                cells = dict(zip(columns, child, strict=True))
                tx.insert(table, {**cells, "contact_id": contact_id}, contact_id=contact_id)
        if extras.get("contact_relation"):
            self.unresolved.add(contact_id)
        reindex(tx, contact_id)
        return True
