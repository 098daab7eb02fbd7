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
from crmcli.core.interchange.importing.options import ImportOptions, ImportSummary
from crmcli.core.interchange.importing.prepare import CONTACT_COLUMNS, WRITER_COLUMNS, Prepared
from crmcli.core.people.companies import company_key
from crmcli.core.people.matching import Matcher
from crmcli.core.values import phones as phone_mod

_CADENCE = CONTACT_COLUMNS.index("cadence_days")


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
        from crmcli.core.people.directory import get
        from crmcli.core.people.index import reindex

        tx = self.tx
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
