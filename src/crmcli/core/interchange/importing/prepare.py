"""Phase 1 of an import: one record validated and normalised into the rows the writer inserts.

For a big file this runs in the worker processes (see `workers`), so it
needs no database: what it computes (names split, emails and phone numbers
normalised, search-index rows) is the costly part of an import, and the writing
process only matches and queues its result.
"""

from __future__ import annotations

import json
from typing import Any, NamedTuple

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
    boundary: sent by marshal (see `workers._pack`) they cost half what pickled
    dicts did. Flags stay bools: PostgreSQL's boolean columns take no ints.
    """

    ordinal: int
    line: int
    kind: str  # person, org (a company card) or group
    candidate: Candidate  # what the matcher looks for
    name_key: str  # as stored: the display name folded when there is no name
    company: str | None
    company_key: str | None
    contact: tuple[Any, ...]  # values of CONTACT_COLUMNS
    emails: list[tuple[Any, ...]]  # contact_email rows (writer._BULK's columns)
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
