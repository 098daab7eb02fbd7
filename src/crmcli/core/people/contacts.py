"""Contacts: the people a rep works with, and everything stored about them.

Validation and normalisation (emails, phones, names, dates) run before the
write transaction opens, so the lock is held only for the short write itself.
Every change also refreshes the contact's rows in `search_term`, the index
`crm find` reads.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any

from crmcli.core.db.store import Store, Tx
from crmcli.core.errors import Invalid, NotFound
from crmcli.core.values import emails as email_mod
from crmcli.core.values import phones as phone_mod
from crmcli.core.values.dates import parse_birthday
from crmcli.core.values.names import split_name
from crmcli.core.values.text import clean, collapse, fold, fold_once, name_key


class ContactStatus(StrEnum):
    """Where a person stands in the rep's lifecycle."""

    lead = "lead"
    prospect = "prospect"
    customer = "customer"
    inactive = "inactive"


@dataclass
class ContactFields:
    """What a command asks to set. None means "not given, leave as it is"."""

    name: str | None = None
    first: str | None = None
    last: str | None = None
    emails: list[str] | None = None
    phones: list[str] | None = None
    urls: list[str] | None = None
    company: str | None = None
    title: str | None = None
    tags: list[str] | None = None
    source: str | None = None
    status: str | None = None
    notes: str | None = None
    birthday: str | None = None
    do_not_contact: bool | None = None
    cadence: str | None = None  # "30d", "2w", "off"
    add_tags: list[str] = field(default_factory=list)
    rm_tags: list[str] = field(default_factory=list)
    add_emails: list[str] = field(default_factory=list)
    rm_emails: list[str] = field(default_factory=list)
    add_phones: list[str] = field(default_factory=list)
    rm_phones: list[str] = field(default_factory=list)


@dataclass
class Outcome:
    """The result of a write: the contact as now stored, and warnings to show."""

    contact: dict[str, Any]
    warnings: list[str] = field(default_factory=list)
    created_company: str | None = None


# -- values ------------------------------------------------------------------------------


def check_name(text: str) -> str:
    value = collapse(text)
    if not value:
        raise Invalid("name must not be empty")
    if not name_key(value):
        raise Invalid(f"name needs at least one letter or digit: {text!r}")
    return value


def normalise_url(url: str) -> str:
    """Matching form of a profile URL: no scheme, no www, no query, no trailing slash."""
    value = url.strip().lower()
    value = re.sub(r"^[a-z]+://", "", value).removeprefix("www.")
    value = re.sub(r"^[a-z]{2,3}\.linkedin\.com", "linkedin.com", value)
    return value.split("?")[0].split("#")[0].rstrip("/")


def url_kind(url_norm: str) -> str:
    for host, kind in (
        ("linkedin.com", "linkedin"),
        ("twitter.com", "twitter"),
        ("x.com", "twitter"),
        ("github.com", "github"),
        ("facebook.com", "facebook"),
        ("instagram.com", "instagram"),
    ):
        if url_norm.startswith(host):
            return kind
    return "web"


def _check_tags(tags: Iterable[str]) -> list[str]:
    out: list[str] = []
    for tag in tags:
        value = collapse(tag)
        if not value or not fold(value):
            raise Invalid(f"empty or punctuation-only tag: {tag!r}")
        out.append(value)
    return out


def _parse_phones(texts: Iterable[str], region: str) -> tuple[list[phone_mod.Phone], list[str]]:
    parsed: list[phone_mod.Phone] = []
    warnings: list[str] = []
    for text in texts:
        if not text.strip():
            raise Invalid("phone number must not be empty")
        phone = phone_mod.parse_phone(text, region)
        if not phone.valid:
            warnings.append(
                f"phone {text.strip()!r} could not be read as a number for region {region}; "
                "kept as text"
            )
        parsed.append(phone)
    return parsed, warnings


# -- search index ------------------------------------------------------------------------


def search_terms(
    display_name: str,
    emails: Iterable[str],
    phones: Iterable[tuple[str, str | None]],
    tags: Iterable[str],
    external_ids: dict[str, str] | None = None,
) -> list[tuple[str, str]]:
    """(term, field) pairs under which `crm find` (and the import matcher) find this contact.

    Only what no other index answers: a big import writes every one of these rows
    (about 4 us each, most of its database time). So each term is indexed once, under
    the most telling field (name first); whole addresses, E.164 numbers, company
    names and one-word tags are not terms, `crm find` reads them from their own
    tables' indexes (contact_email.email_norm, contact_phone.e164, company.name_key,
    contact_tag.tag_key); and the digits-only words of an address ("499" in
    jean.dupont.499@...) are left out, as nobody looks a person up by them.
    """
    terms: dict[str, str] = {}
    add = terms.setdefault  # the first field a term is met under is kept
    for word in fold(display_name).split():
        add(word, "name")
    for raw, e164 in phones:
        # The digits as written, where the E.164 number does not hold them: `crm find`
        # matches a typed number against both, and a fragment (leading zeros dropped)
        # inside either.
        written = phone_mod.digits(raw)
        if written and not (e164 and written.lstrip("0") in e164):
            add(written, "phone")
    for tag in tags:
        words = fold(tag).split()
        if len(words) > 1:  # a one-word tag is found by contact_tag.tag_key's index
            for word in words:
                add(word, "tag")
    for address in emails:
        local, _, domain = email_mod.normalise(address).partition("@")
        for word in fold_once(local).split():
            if not word.isdigit():
                add(word, "email")
        if domain:
            add(domain, "email")
    if external_ids:
        from crmcli.core.people.matching import external_term

        for system, ext_id in external_ids.items():
            add(external_term(system, str(ext_id)), "external")
    return list(terms.items())


def reindex(tx: Tx, contact_id: int) -> None:
    """Rebuild one contact's rows in the search index from what is stored."""
    store = tx.store
    row = store.row("SELECT display_name, external_ids FROM contact WHERE id = ?", (contact_id,))
    tx.execute("DELETE FROM search_term WHERE contact_id = ?", (contact_id,))
    if row is None:
        return
    mails = [
        r[0]
        for r in store.tuples("SELECT email FROM contact_email WHERE contact_id = ?", (contact_id,))
    ]
    nums = [
        (r[0], r[1])
        for r in store.tuples(
            "SELECT raw, e164 FROM contact_phone WHERE contact_id = ?", (contact_id,)
        )
    ]
    labels = [
        r[0]
        for r in store.tuples("SELECT tag FROM contact_tag WHERE contact_id = ?", (contact_id,))
    ]
    external = json.loads(row["external_ids"]) if row["external_ids"] else None
    terms = search_terms(row["display_name"], mails, nums, labels, external)
    tx.executemany(
        "INSERT INTO search_term (term, contact_id, field) VALUES (?, ?, ?)",
        [(term, contact_id, fld) for term, fld in sorted(terms)],
    )


def reindex_company_people(tx: Tx, company_id: int) -> None:
    for (contact_id,) in tx.store.tuples(
        "SELECT id FROM contact WHERE company_id = ?", (company_id,)
    ):
        reindex(tx, int(contact_id))


# -- writes ------------------------------------------------------------------------------


def _scalar_values(fields: ContactFields) -> dict[str, Any]:
    """Columns of the contact row that the given fields set (validated)."""
    values: dict[str, Any] = {}
    if fields.name is not None:
        display = check_name(fields.name)
        parts = split_name(display)
        values.update(
            display_name=display,
            name_key=name_key(display),
            prefix=parts.prefix,
            first_name=parts.first,
            middle_name=parts.middle,
            last_name=parts.last,
            suffix=parts.suffix,
        )
    if fields.first is not None:
        values["first_name"] = clean(fields.first) or None
    if fields.last is not None:
        values["last_name"] = clean(fields.last) or None
    if fields.title is not None:
        values["title"] = clean(fields.title) or None
    if fields.source is not None:
        values["lead_source"] = clean(fields.source) or None
    if fields.status is not None:
        try:
            values["status"] = ContactStatus(fields.status.strip().lower()).value
        except ValueError:
            allowed = ", ".join(s.value for s in ContactStatus)
            raise Invalid(f"unknown status {fields.status!r} (one of {allowed})") from None
    if fields.notes is not None:
        values["notes"] = clean(fields.notes) or None
    if fields.birthday is not None:
        values["birthday"] = parse_birthday(fields.birthday) if fields.birthday.strip() else None
    if fields.do_not_contact is not None:
        values["do_not_contact"] = fields.do_not_contact
    if fields.cadence is not None:
        from crmcli.core.values.durations import parse_cadence

        values["cadence_days"] = parse_cadence(fields.cadence)
    return values


def _insert_children(
    tx: Tx,
    contact_id: int,
    emails: list[str],
    phones: list[phone_mod.Phone],
    urls: list[str],
    tags: list[str],
    *,
    has_primary: bool = False,
    start: int = 0,
) -> None:
    for pos, address in enumerate(emails, start):
        tx.insert(
            "contact_email",
            {
                "contact_id": contact_id,
                "email": address,
                "email_norm": email_mod.normalise(address),
                "is_primary": not has_primary and pos == start,
                "valid": True,
                "position": pos,
            },
            contact_id=contact_id,
        )
    for pos, phone in enumerate(phones, start):
        tx.insert(
            "contact_phone",
            {
                "contact_id": contact_id,
                "raw": phone.raw,
                "e164": phone.e164,
                "extension": phone.extension,
                "formatted": phone.formatted,
                "position": pos,
            },
            contact_id=contact_id,
        )
    for pos, url in enumerate(urls, start):
        norm = normalise_url(url)
        tx.insert(
            "contact_url",
            {
                "contact_id": contact_id,
                "url": url.strip(),
                "url_norm": norm,
                "kind": url_kind(norm),
                "position": pos,
            },
            contact_id=contact_id,
        )
    for tag in tags:
        key = fold(tag)
        exists = tx.store.value(
            "SELECT 1 FROM contact_tag WHERE contact_id = ? AND tag_key = ?", (contact_id, key)
        )
        if not exists:
            tx.insert(
                "contact_tag",
                {"contact_id": contact_id, "tag_key": key, "tag": tag},
                contact_id=contact_id,
            )


def _dedupe_keep_order(values: Iterable[str], key: Any) -> list[str]:
    seen: set[str] = set()
    out: list[str] = []
    for value in values:
        k = key(value)
        if k not in seen:
            seen.add(k)
            out.append(value)
    return out


def add(store: Store, fields: ContactFields) -> Outcome:
    """Create a contact from the given fields; the name is required."""
    if fields.name is None:
        raise Invalid("name must not be empty")
    region = str(store.config.get("default_region"))
    values = _scalar_values(fields)
    mails = _dedupe_keep_order(
        (email_mod.check(e) for e in (fields.emails or [])), email_mod.normalise
    )
    phones, warnings = _parse_phones(fields.phones or [], region)
    urls = [u for u in (fields.urls or []) if u.strip()]
    tags = _dedupe_keep_order(_check_tags(fields.tags or []), fold)
    company_name = clean(fields.company) if fields.company else None
    outcome = Outcome({}, warnings)
    with store.write("contact add") as tx:  # no name: the log must not keep personal data
        if company_name:
            from crmcli.core.people import companies

            values["company_id"], created = companies.ensure(tx, company_name)
            if created:
                outcome.created_company = company_name
        if values.get("cadence_days"):
            values["touch_due_at"] = tx.stamp  # never contacted: due for a first touch
        contact_id = tx.insert("contact", values, log=False)  # logged below, with its own id
        tx.log("contact", contact_id, "insert", None, tx.get("contact", contact_id), contact_id)
        _insert_children(tx, contact_id, mails, phones, urls, tags)
        reindex(tx, contact_id)
    outcome.contact = get(store, contact_id)
    return outcome


def edit(store: Store, contact_id: int, fields: ContactFields) -> Outcome:
    """Change a contact: scalar fields, and list fields replaced, added to or removed from."""
    region = str(store.config.get("default_region"))
    values = _scalar_values(fields)
    set_emails = (
        None
        if fields.emails is None
        else _dedupe_keep_order((email_mod.check(e) for e in fields.emails), email_mod.normalise)
    )
    add_emails = [email_mod.check(e) for e in fields.add_emails]
    set_phones, warnings = (
        (None, []) if fields.phones is None else _parse_phones(fields.phones, region)
    )
    add_phones, more = _parse_phones(fields.add_phones, region)
    warnings += more
    set_tags = None if fields.tags is None else _check_tags(fields.tags)
    add_tags = _check_tags(fields.add_tags)
    rm_tags = {fold(t) for t in fields.rm_tags}
    rm_emails = {email_mod.normalise(e) for e in fields.rm_emails}
    rm_phone_digits = {phone_mod.digits(p) for p in fields.rm_phones}
    nothing = (
        not values
        and all(x is None for x in (set_emails, set_phones, set_tags, fields.company, fields.urls))
        and not any((add_emails, add_phones, add_tags, rm_tags, rm_emails, rm_phone_digits))
    )
    if nothing:
        raise Invalid("nothing to change: give at least one option (see --help)")
    outcome = Outcome({}, warnings)
    current = get(store, contact_id)
    with store.write(f"contact edit {contact_id}") as tx:
        if "cadence_days" in values:
            from crmcli.core.activity.interactions import touch_due

            values["touch_due_at"] = touch_due(
                current["last_touch_at"], values["cadence_days"], tx.stamp
            )
        if fields.company is not None:
            if clean(fields.company):
                from crmcli.core.people import companies

                values["company_id"], created = companies.ensure(tx, fields.company)
                if created:
                    outcome.created_company = clean(fields.company)
            else:
                values["company_id"] = None
        if values:
            tx.update("contact", contact_id, values, contact_id=contact_id)
        _edit_children(
            tx,
            contact_id,
            current,
            set_emails,
            add_emails,
            rm_emails,
            set_phones,
            add_phones,
            rm_phone_digits,
            fields.urls,
            set_tags,
            add_tags,
            rm_tags,
        )
        if not values:  # list-only edits still bump the row version and time
            tx.update("contact", contact_id, {"updated_at": tx.stamp}, contact_id=contact_id)
        reindex(tx, contact_id)
    outcome.contact = get(store, contact_id)
    return outcome


def _edit_children(
    tx: Tx,
    contact_id: int,
    current: dict[str, Any],
    set_emails: list[str] | None,
    add_emails: list[str],
    rm_emails: set[str],
    set_phones: list[phone_mod.Phone] | None,
    add_phones: list[phone_mod.Phone],
    rm_phone_digits: set[str],
    set_urls: list[str] | None,
    set_tags: list[str] | None,
    add_tags: list[str],
    rm_tags: set[str],
) -> None:
    def drop(table: str, rows: Iterable[dict[str, Any]], pred: Any) -> None:
        for row in rows:
            if pred(row):
                tx.delete(table, int(row["id"]), contact_id=contact_id)

    if set_emails is not None:
        drop("contact_email", current["emails"], lambda r: True)
        _insert_children(tx, contact_id, set_emails, [], [], [])
    unknown = rm_emails - {email_mod.normalise(e["email"]) for e in current["emails"]}
    if unknown:
        raise Invalid(f"{contact_name(current)} has no email {sorted(unknown)[0]!r}")
    drop("contact_email", current["emails"], lambda r: email_mod.normalise(r["email"]) in rm_emails)
    if set_phones is not None:
        drop("contact_phone", current["phones"], lambda r: True)
        _insert_children(tx, contact_id, [], set_phones, [], [])
    drop(
        "contact_phone",
        current["phones"],
        lambda r: (
            phone_mod.digits(r["raw"]) in rm_phone_digits
            or (r["e164"] or "").lstrip("+") in rm_phone_digits
        ),
    )
    if set_urls is not None:
        drop("contact_url", current["urls"], lambda r: True)
        _insert_children(tx, contact_id, [], [], [u for u in set_urls if u.strip()], [])
    if set_tags is not None:
        drop("contact_tag", current["tag_rows"], lambda r: True)
        _insert_children(tx, contact_id, [], [], [], set_tags)
    missing = rm_tags - {t["tag_key"] for t in current["tag_rows"]}
    if missing:
        raise Invalid(f"{contact_name(current)} has no tag {sorted(missing)[0]!r}")
    drop("contact_tag", current["tag_rows"], lambda r: r["tag_key"] in rm_tags)
    have = (
        {e["email_norm"] for e in current["emails"]}
        if set_emails is None
        else {email_mod.normalise(e) for e in set_emails}
    )
    new_emails = [e for e in add_emails if email_mod.normalise(e) not in have - rm_emails]
    has_primary = bool(
        tx.store.value(
            "SELECT count(*) FROM contact_email WHERE contact_id = ? AND is_primary", (contact_id,)
        )
    )
    next_pos = int(
        tx.store.value(
            "SELECT coalesce(max(position) + 1, 0) FROM contact_email WHERE contact_id = ?",
            (contact_id,),
        )
    )
    _insert_children(
        tx, contact_id, new_emails, [], [], [], has_primary=has_primary, start=next_pos
    )
    next_pos = int(
        tx.store.value(
            "SELECT coalesce(max(position) + 1, 0) FROM contact_phone WHERE contact_id = ?",
            (contact_id,),
        )
    )
    known = {
        phone_mod.digits(r[0])
        for r in tx.store.tuples(
            "SELECT raw FROM contact_phone WHERE contact_id = ?", (contact_id,)
        )
    }
    _insert_children(
        tx,
        contact_id,
        [],
        [p for p in add_phones if phone_mod.digits(p.raw) not in known],
        [],
        [],
        start=next_pos,
    )
    _insert_children(tx, contact_id, [], [], [], add_tags)
    if not tx.store.value(
        "SELECT count(*) FROM contact_email WHERE contact_id = ? AND is_primary", (contact_id,)
    ):
        first = tx.store.value(
            "SELECT id FROM contact_email WHERE contact_id = ? ORDER BY position LIMIT 1",
            (contact_id,),
        )
        if first is not None:
            tx.update("contact_email", int(first), {"is_primary": True}, contact_id=contact_id)


def archive(store: Store, contact_id: int, *, undo: bool = False) -> dict[str, Any]:
    """Hide a contact from lists and lookups without deleting anything (or bring it back)."""
    current = get(store, contact_id)
    with store.write(f"contact {'unarchive' if undo else 'archive'} {contact_id}") as tx:
        tx.update(
            "contact",
            contact_id,
            {"archived_at": None if undo else tx.stamp},
            contact_id=contact_id,
        )
    return {**current, "archived_at": None if undo else "now"}


# The tables whose rows belong to one contact: `delete` logs them for undo and
# `privacy.forget` erases them for good, so both read this one list.
CHILD_TABLES = (
    "contact_email",
    "contact_phone",
    "contact_url",
    "contact_tag",
    "interaction",
    "followup",
)


def delete(store: Store, contact_id: int) -> dict[str, Any]:
    """Delete a contact and what hangs off it; every row is kept in the change log for undo."""
    current = get(store, contact_id)
    with store.write(f"contact rm {contact_id}") as tx:
        for table in CHILD_TABLES:
            for (row_id,) in store.tuples(
                f"SELECT id FROM {table} WHERE contact_id = ?", (contact_id,)
            ):
                tx.delete(table, int(row_id), contact_id=contact_id)
        for (deal_id,) in store.tuples("SELECT id FROM deal WHERE contact_id = ?", (contact_id,)):
            tx.update("deal", int(deal_id), {"contact_id": None}, contact_id=contact_id)
        tx.execute("DELETE FROM search_term WHERE contact_id = ?", (contact_id,))
        tx.delete("contact", contact_id, contact_id=contact_id)
    return current


# -- reads -------------------------------------------------------------------------------


def contact_name(contact: dict[str, Any]) -> str:
    return f"#{contact['id']} {contact['display_name']}"


def get(store: Store, contact_id: int) -> dict[str, Any]:
    """Everything stored about one contact, with its lists and company name."""
    row = store.row(
        "SELECT c.*, co.name AS company FROM contact c "
        "LEFT JOIN company co ON co.id = c.company_id WHERE c.id = ?",
        (contact_id,),
    )
    if row is None:
        raise NotFound(f"no contact #{contact_id}")
    row["emails"] = store.rows(
        "SELECT id, email, email_norm, label, is_primary, valid FROM contact_email "
        "WHERE contact_id = ? ORDER BY is_primary DESC, position, id",
        (contact_id,),
    )
    phone_rows = store.rows(
        "SELECT id, raw, e164, extension, formatted, label FROM contact_phone "
        "WHERE contact_id = ? ORDER BY position, id",
        (contact_id,),
    )
    for phone in phone_rows:
        phone["display"] = phone_mod.display(phone["raw"], phone["formatted"], phone["extension"])
    row["phones"] = phone_rows
    row["urls"] = store.rows(
        "SELECT id, url, url_norm, kind FROM contact_url WHERE contact_id = ? "
        "ORDER BY position, id",
        (contact_id,),
    )
    row["tag_rows"] = store.rows(
        "SELECT id, tag_key, tag FROM contact_tag WHERE contact_id = ? ORDER BY tag_key",
        (contact_id,),
    )
    row["tags"] = [t["tag"] for t in row["tag_rows"]]
    row["do_not_contact"] = bool(row["do_not_contact"])
    for key in ("addresses", "external_ids", "custom_fields"):
        row[key] = json.loads(row[key]) if row[key] else None
    return row


def public_view(contact: dict[str, Any]) -> dict[str, Any]:
    """The JSON shape of a contact: stable keys, lists as lists, no internal columns."""
    return {
        "id": contact["id"],
        "name": contact["display_name"],
        "prefix": contact["prefix"],
        "first_name": contact["first_name"],
        "middle_name": contact["middle_name"],
        "last_name": contact["last_name"],
        "suffix": contact["suffix"],
        "company": contact["company"],
        "company_id": contact["company_id"],
        "title": contact["title"],
        "emails": [
            {"email": e["email"], "label": e["label"], "primary": bool(e["is_primary"])}
            for e in contact["emails"]
        ],
        "phones": [
            {
                "number": p["raw"],
                "e164": p["e164"],
                "extension": p["extension"],
                "label": p["label"],
            }
            for p in contact["phones"]
        ],
        "urls": [{"url": u["url"], "kind": u["kind"]} for u in contact["urls"]],
        "tags": contact["tags"],
        "lead_source": contact["lead_source"],
        "status": contact["status"],
        "do_not_contact": contact["do_not_contact"],
        "birthday": contact["birthday"],
        "notes": contact["notes"],
        "cadence_days": contact["cadence_days"],
        "last_touch_at": contact["last_touch_at"],
        "addresses": contact["addresses"],
        "external_ids": contact["external_ids"],
        "custom_fields": contact["custom_fields"],
        "owner": contact["owner"],
        "created_at": contact["created_at"],
        "updated_at": contact["updated_at"],
        "archived_at": contact["archived_at"],
    }


LIST_SQL = (
    "SELECT c.id, c.display_name AS name, co.name AS company, c.title, c.status, "
    "(SELECT email FROM contact_email e WHERE e.contact_id = c.id "
    " ORDER BY e.is_primary DESC, e.position LIMIT 1) AS email, "
    "(SELECT coalesce(formatted, raw) FROM contact_phone p WHERE p.contact_id = c.id "
    " ORDER BY p.position LIMIT 1) AS phone "
    "FROM contact c LEFT JOIN company co ON co.id = c.company_id"
)


def contact_filter(
    *,
    tag: str | None = None,
    company_id: int | None = None,
    status: str | None = None,
    archived: bool = False,
    owner_term: tuple[str, list[Any]] = ("", []),
) -> tuple[str, list[Any]]:
    """The WHERE clause (on alias `c`) that `crm contact list` and `crm export` share.

    `owner_term` is `owners.clause(store, owner, "c")`: whose contacts.
    """
    where = ["c.archived_at IS NOT NULL" if archived else "c.archived_at IS NULL"]
    params: list[Any] = list(owner_term[1])
    if owner_term[0]:
        where.append(owner_term[0])
    if tag:
        where.append(
            "EXISTS (SELECT 1 FROM contact_tag t WHERE t.contact_id = c.id AND t.tag_key = ?)"
        )
        params.append(fold(tag))
    if company_id is not None:
        where.append("c.company_id = ?")
        params.append(company_id)
    if status:
        try:
            params.append(ContactStatus(status.strip().lower()).value)
        except ValueError:
            allowed = ", ".join(s.value for s in ContactStatus)
            raise Invalid(f"unknown status {status!r} (one of {allowed})") from None
        where.append("c.status = ?")
    return "WHERE " + " AND ".join(where), params


def list_contacts(
    store: Store,
    *,
    tag: str | None = None,
    company_id: int | None = None,
    status: str | None = None,
    archived: bool = False,
    limit: int | None = None,
    sort: str = "name",
    owner: str | None = None,
) -> list[dict[str, Any]]:
    """Contacts matching all the given filters, by name (or by engagement score)."""
    from crmcli.core.db import owners

    where, params = contact_filter(
        tag=tag,
        company_id=company_id,
        status=status,
        archived=archived,
        owner_term=owners.clause(store, owner, "c"),
    )
    if sort == "score":
        return _by_score(store, where, params, limit)
    if sort != "name":
        raise Invalid(f"unknown sort {sort!r} (name or score)")
    sql = f"{LIST_SQL} {where} ORDER BY c.name_key, c.id"
    if limit:
        sql += " LIMIT ?"
        params.append(limit)
    rows = store.rows(sql, params)
    if rows:
        tags = _tags_for(store, [r["id"] for r in rows])
        for row in rows:
            row["tags"] = tags.get(row["id"], [])
    return rows


def _by_score(
    store: Store, where: str, params: list[Any], limit: int | None
) -> list[dict[str, Any]]:
    """Warmest relationships first: see crmcli.core.activity.scoring for what the score means."""
    from crmcli.core import clock
    from crmcli.core.activity import scoring

    inner = LIST_SQL.replace(
        " FROM contact c", f", {scoring.columns(store.dialect)} FROM contact c", 1
    )
    sql = (
        f"SELECT t.*, {scoring.expression(store.dialect)} AS score FROM ({inner} {where}) t "
        "ORDER BY score DESC, t.name, t.id"
    )
    values = [*scoring.params(clock.now()), *params]
    if limit:
        sql += " LIMIT ?"
        values.append(limit)
    rows = store.rows(sql, values)
    for row in rows:
        for helper in ("days", "recent", "best"):
            del row[helper]
    if rows:
        tags = _tags_for(store, [r["id"] for r in rows])
        for row in rows:
            row["tags"] = tags.get(row["id"], [])
    return rows


def _tags_for(store: Store, ids: list[int]) -> dict[int, list[str]]:
    out: dict[int, list[str]] = {}
    for contact_id, tag in store.tuples_in(
        "SELECT contact_id, tag FROM contact_tag WHERE contact_id IN ({ids}) ORDER BY tag_key",
        ids,
    ):
        out.setdefault(int(contact_id), []).append(tag)
    return out
