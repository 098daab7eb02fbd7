"""Phase 1 of an import: one record validated and normalised into the rows the writer inserts.

For a big file this runs in the worker processes (see `workers`), so it
needs no database: what it computes (names split, emails and phone numbers
normalised, search-index rows) is the costly part of an import, and the writing
process only matches and queues its result.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from functools import lru_cache
from typing import Any, NamedTuple

from crmcli.core.interchange.countries import country_code
from crmcli.core.interchange.records import ContactRecord
from crmcli.core.people.companies import company_key
from crmcli.core.people.fields import ContactStatus, normalise_url, url_kind
from crmcli.core.people.index import search_terms
from crmcli.core.people.matching import Candidate
from crmcli.core.values import emails as email_mod
from crmcli.core.values import phones as phone_mod
from crmcli.core.values.names import split_name
from crmcli.core.values.text import collapse, fold, name_key

STATUSES = {s.value for s in ContactStatus}


def _display(record: ContactRecord) -> str:
    if record.full_name and collapse(record.full_name):
        return collapse(record.full_name)
    parts = [record.prefix, record.first, record.middle, record.last, record.suffix]
    joined = collapse(" ".join(p for p in parts if p))
    if joined:
        return joined
    if record.nickname and collapse(record.nickname):
        return collapse(record.nickname)  # all a card may call someone by
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
    """A UID crm itself wrote (crm-contact-12@..., a company card's crm-company-3@...): an
    id of the exporting database, not of the person or company, so it is not carried in."""
    return system == "vcard" and value.startswith(("crm-contact-", "crm-company-"))


def row_region(record: ContactRecord, region: str) -> str:
    """The region a row's national numbers are read in: its own country (a Country
    column, Apple's X-ABADR), else the country of its first address that names one,
    else the configured default. Per row: one file can list people in many countries."""
    if record.country:
        return record.country
    for address in record.addresses:
        code = country_code(address.get("country") or "")
        if code:
            return code
    return region


def _phones(
    record: ContactRecord, region: str, ordinal: int, issues: list[str], flags: tuple[Any, Any]
) -> tuple[list[tuple[Any, ...]], list[str]]:
    """contact_phone rows (writer._BULK's columns, `valid` last) and their keys, one per
    number however often the record writes it (`phones.phone_key`): a placeholder such
    as `+49 BUSINESS` or `pager` is kept as text, each one, with a warning each."""
    phones: list[tuple[Any, ...]] = []
    keys: list[str] = []
    for text, label in record.phones:
        raw = text.strip()
        if not raw:
            continue
        phone = phone_mod.parse_phone(raw, region)
        key = phone.e164 or phone_mod.phone_key(phone.raw, None)
        if key in keys:
            continue
        if phone.e164 is None:
            issues.append(f"phone {raw!r} could not be read as a number (kept as text)")
        elif not phone.valid:
            issues.append(
                f"phone {raw!r} is not a number in service ({phone.display}): kept, flagged"
            )
        phones.append(
            (
                ordinal, phone.raw, phone.e164, phone.extension, phone.formatted, label,
                len(keys), flags[phone.valid],
            )
        )  # fmt: skip
        keys.append(key)
    return phones, keys


class Prepared(NamedTuple):
    """One record normalised into the rows the writer inserts (built in worker processes).

    The rows are ready to insert, so the writing process, the import's bottleneck, only
    matches and queues them. Where a contact id belongs they hold the record's ordinal
    (its position in the file), and the writer inserts them with `ordinal + base`, base
    being the first free id when the import began: ids are known without a round trip,
    at the price of gaps where a row was a duplicate, a reject or empty (AUTOINCREMENT
    ids were never promised to be contiguous). Tuples, because the rows cross a process
    boundary: sent by marshal (see `workers._pack`) they cost half what pickled
    dicts did; an empty collection is the one empty tuple (NONE), which marshal sends
    as a reference and reads back without making anything. Flags are the target's
    (`Preparing.flags`): bools for PostgreSQL, whose boolean columns take no ints, 0
    and 1 for SQLite, which stores them so and binds an int without looking up an
    adapter (a bool or None costs Python's sqlite3 about 1,400 instructions more).
    """

    ordinal: int
    line: int
    kind: str  # person, org (a company card) or group
    candidate: Candidate  # what the matcher looks for
    name_key: str  # as stored: the display name folded when there is no name
    company: str | None
    company_key: str | None
    contact: tuple[Any, ...]  # values of CONTACT_COLUMNS
    emails: Sequence[tuple[Any, ...]]  # contact_email rows (writer._BULK's columns)
    phones: Sequence[tuple[Any, ...]]
    urls: Sequence[tuple[Any, ...]]
    tags: Sequence[tuple[Any, ...]]
    terms: Sequence[tuple[Any, ...]]  # search_term rows
    issues: Sequence[str]
    # Schema v6 children (first column the ordinal, as above): contact_relation rows
    # (name, kind, position), contact_date (label, date, position), contact_handle
    # (service, handle, position) and at most one contact_photo (media_type, data, uri).
    relations: Sequence[tuple[Any, ...]]
    dates: Sequence[tuple[Any, ...]]
    handles: Sequence[tuple[Any, ...]]
    photo: Sequence[tuple[Any, ...]]
    # (field, reason) of what the source held and the import could not keep (a logo, a
    # damaged photo...): the report names them (`importing.contacts`).
    not_imported: Sequence[tuple[str, str]]


# The contact columns a prepared row carries, in order; the writer adds WRITER_COLUMNS.
CONTACT_COLUMNS = (
    "id", "display_name", "name_key", "prefix", "first_name", "middle_name", "last_name",
    "suffix", "title", "lead_source", "status", "birthday", "notes", "do_not_contact",
    "cadence_days", "addresses", "external_ids", "custom_fields", "nickname",
)  # fmt: skip
WRITER_COLUMNS = ("company_id", "touch_due_at", "owner", "version", "created_at", "updated_at")


def _dumps(value: Any) -> str | None:
    return json.dumps(value, ensure_ascii=False) if value else None


BOOLS: tuple[Any, Any] = (False, True)
INTS: tuple[Any, Any] = (0, 1)


class Preparing(NamedTuple):
    """How an import's records are prepared: the region national numbers are read in,
    and the target's false and true (`Prepared`)."""

    region: str
    flags: tuple[Any, Any] = BOOLS


# Pure functions of a name or company, which a big file repeats (namesakes, colleagues):
# computed once each, where they are the bulk of a row's folding.
_name_key = lru_cache(maxsize=8192)(name_key)
_company_key = lru_cache(maxsize=4096)(company_key)
NONE: tuple[Any, ...] = ()  # every empty collection of a Prepared row (see there)


def prepare(
    record: ContactRecord, region: str, ordinal: int = 0, flags: tuple[Any, Any] = BOOLS
) -> Prepared:
    """Normalise one record into the rows phase 2 writes (picklable, for workers).

    The costly part of an import, run in worker processes once per row: written for
    speed (no generator where a list will do, shared results for repeated names).
    """
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
        emails.append((ordinal, value, norm, label, flags[not norms], flags[valid], len(norms)))
        norms.append(norm)
    phones, keys = _phones(record, row_region(record, region), ordinal, issues, flags)
    urls: list[tuple[Any, ...]] = []
    for url, label in record.urls:
        if url.strip():
            norm = normalise_url(url)
            kind = "linkedin" if label == "linkedin" else url_kind(norm)
            urls.append((ordinal, url.strip(), norm, kind, len(urls)))
    custom = {k: _lines(v) for k, v in record.custom.items()} if record.custom else {}
    if record.birthday_raw and not record.birthday:
        custom.setdefault("birthday (as written)", record.birthday_raw)
    status = (record.status or "").strip().lower() or None
    if status and status not in STATUSES:
        custom.setdefault("status (as written)", record.status or "")
        status = None
    company = collapse(record.company) if record.company else None
    company_id_key = _company_key(company) if company else None  # once: folding is per row
    tags = [collapse(t) for t in record.tags if t.strip() and fold(t)] if record.tags else []
    tag_keys: dict[str, str] = {}
    for tag in tags:
        tag_keys.setdefault(fold(tag), tag)  # the first spelling of each
    external = (
        {k: v for k, v in record.external_ids.items() if not _our_uid(k, v)}
        if record.external_ids
        else {}
    )
    key = _name_key(display) if named else ""
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
        flags[bool(record.do_not_contact)],
        record.cadence_days,
        _dumps(record.addresses),
        _dumps(external),
        _dumps(custom),
        collapse(record.nickname) if record.nickname else None,
    )
    terms = search_terms(
        display,
        norms,
        [(p[1], p[2]) for p in phones],
        tags,
        external,
        nickname=record.nickname,
        normalised=True,
    )
    e164s = [p[2] for p in phones if p[2]]
    return Prepared(
        ordinal,
        record.line,
        record.kind,
        Candidate(
            key,
            tuple(norms),
            tuple(e164s),
            tuple([u[2] for u in urls]) if urls else NONE,
            tuple(external.items()) if external else NONE,
            NONE
            if len(e164s) == len(phones)
            else tuple([k for k, p in zip(keys, phones, strict=True) if not p[2]]),
            company_id_key or "",
        ),
        stored_key,
        company,
        company_id_key,
        contact,
        emails or NONE,
        phones or NONE,
        urls or NONE,
        [(ordinal, k, tag) for k, tag in tag_keys.items()] if tag_keys else NONE,
        [(ordinal, term, fld) for term, fld in terms],
        issues or NONE,
        *_extras(record, ordinal),
        list(record.not_imported) if record.not_imported else NONE,
    )


_Rows = Sequence[tuple[Any, ...]]


def _extras(record: ContactRecord, ordinal: int) -> tuple[_Rows, _Rows, _Rows, _Rows]:
    """The schema v6 children of one record, each value once (see `Prepared`)."""
    if not (record.relations or record.dates or record.handles or record.photo):
        return NONE, NONE, NONE, NONE  # most rows: nothing to build
    relations: list[tuple[Any, ...]] = []
    for name, kind in record.relations:
        row = (ordinal, collapse(name), kind)
        if row[1] and all(r[1:3] != row[1:] for r in relations):
            relations.append((*row, len(relations)))
    dates: list[tuple[Any, ...]] = []
    for label, date in record.dates:
        if all(d[1:3] != (label, date) for d in dates):
            dates.append((ordinal, label, date, len(dates)))
    handles: list[tuple[Any, ...]] = []
    for service, handle in record.handles:
        if all((h[1], h[2].casefold()) != (service, handle.casefold()) for h in handles):
            handles.append((ordinal, service, handle, len(handles)))
    photo = record.photo
    photos = [(ordinal, photo.media_type, photo.data, photo.uri)] if photo else []
    return relations or NONE, dates or NONE, handles or NONE, photos or NONE
