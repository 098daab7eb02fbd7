"""Writing contacts: add, edit, archive and delete, each one undoable transaction.

Validation and normalisation (emails, phones, names, dates: `people.fields`) run
before the write transaction opens, so the lock is held only for the short write
itself. Every change also refreshes the contact's rows in the search index
(`people.index`) that `crm find` reads; reading contacts is `people.directory`.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from crmcli.core.db.store import Store, Tx
from crmcli.core.errors import Invalid
from crmcli.core.people import companies, extras
from crmcli.core.people.directory import contact_name, get
from crmcli.core.people.fields import (
    check_name,
    check_status,
    check_tags,
    normalise_url,
    parse_phones,
    url_kind,
)
from crmcli.core.people.index import reindex
from crmcli.core.people.matching import shared_values
from crmcli.core.values import emails as email_mod
from crmcli.core.values import phones as phone_mod
from crmcli.core.values.dates import parse_birthday

if TYPE_CHECKING:
    from crmcli.core.people.rows import ContactDetail
from crmcli.core.values.names import middle_between, split_name
from crmcli.core.values.text import clean, fold, name_key


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
    nickname: str | None = None  # "" clears it
    # Added when the contact lacks them: "Jane Doe:spouse", "anniversary:2010-06-01",
    # "skype:ann.example" (see `people.extras`).
    relations: list[str] = field(default_factory=list)
    dates: list[str] = field(default_factory=list)
    handles: list[str] = field(default_factory=list)


@dataclass
class Outcome:
    """The result of a write: the contact as now stored, and what to tell the rep.

    Nothing here refuses the write: `warnings` are plain sentences (a phone kept as
    text, an email or phone another contact already has); `close_company`, when the
    write created a company, is an existing one whose name comes close, which the rep
    may have meant (a front end says how to move the contact to it).
    """

    contact: ContactDetail
    warnings: list[str] = field(default_factory=list)
    created_company: str | None = None
    close_company: companies.CloseCompany | None = None


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
    if fields.name is not None and (fields.first is not None or fields.last is not None):
        # The given parts win over the guessed split: what lies between them is the middle.
        values["middle_name"] = middle_between(
            values["display_name"], values.get("first_name"), values.get("last_name")
        )
    if fields.title is not None:
        values["title"] = clean(fields.title) or None
    if fields.source is not None:
        values["lead_source"] = clean(fields.source) or None
    if fields.status is not None:
        values["status"] = check_status(fields.status)
    if fields.notes is not None:
        values["notes"] = clean(fields.notes) or None
    if fields.birthday is not None:
        values["birthday"] = parse_birthday(fields.birthday) if fields.birthday.strip() else None
    if fields.nickname is not None:
        values["nickname"] = clean(fields.nickname) or None
    if fields.do_not_contact is not None:
        values["do_not_contact"] = fields.do_not_contact
    if fields.cadence is not None:
        from crmcli.core.values.durations import parse_cadence

        values["cadence_days"] = parse_cadence(fields.cadence)
    return values


def _extras_given(
    fields: ContactFields,
) -> tuple[list[tuple[str, str | None]], list[tuple[str, str]], list[tuple[str, str]]]:
    """The relations, dates and handles a command gives, checked before the write."""
    return (
        [extras.parse_relation(text) for text in fields.relations],
        [extras.parse_date(text) for text in fields.dates],
        [extras.parse_handle(text) for text in fields.handles],
    )


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
                "valid": phone.valid,
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
    with store.write("contact add") as tx:  # no name: the log must not keep personal data
        contact_id, mails, phones, warnings, created_company = _insert(tx, fields)
    warnings += _shared(store, mails, phones, contact_id)
    return _outcome(store, contact_id, warnings, created_company)


def insert(tx: Tx, fields: ContactFields) -> int:
    """A new contact inside the caller's transaction, checked as `add` checks it (a mail
    sync creating the people its mail names, in the batch that logs that mail); its id."""
    return _insert(tx, fields)[0]


def _insert(
    tx: Tx, fields: ContactFields
) -> tuple[int, list[str], list[Any], list[str], str | None]:
    """`add`'s work: (id, addresses, phones, warnings, the company it created if any)."""
    if fields.name is None:
        raise Invalid("name must not be empty")
    region = str(tx.store.config.get("default_region"))
    values = _scalar_values(fields)
    mails = _dedupe_keep_order(
        (email_mod.check(e) for e in (fields.emails or [])), email_mod.normalise
    )
    phones, warnings = parse_phones(fields.phones or [], region)
    urls = [u for u in (fields.urls or []) if u.strip()]
    tags = _dedupe_keep_order(check_tags(fields.tags or []), fold)
    given = _extras_given(fields)
    company_name = clean(fields.company) if fields.company else None
    created_company = None
    if company_name:
        values["company_id"], created = companies.ensure(tx, company_name)
        if created:
            created_company = company_name
    if values.get("cadence_days"):
        values["touch_due_at"] = tx.stamp  # never contacted: due for a first touch
    contact_id = tx.insert("contact", values, log=False)  # logged below, with its own id
    tx.log("contact", contact_id, "insert", None, tx.get("contact", contact_id), contact_id)
    _insert_children(tx, contact_id, mails, phones, urls, tags)
    extras.add(tx, contact_id, {}, *given)
    extras.link_newcomer(tx, contact_id, values["name_key"])
    reindex(tx, contact_id)
    return contact_id, mails, phones, warnings, created_company


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
        (None, []) if fields.phones is None else parse_phones(fields.phones, region)
    )
    add_phones, more = parse_phones(fields.add_phones, region)
    warnings += more
    set_tags = None if fields.tags is None else check_tags(fields.tags)
    add_tags = check_tags(fields.add_tags)
    rm_tags = {fold(t) for t in fields.rm_tags}
    rm_emails = {email_mod.normalise(e) for e in fields.rm_emails}
    rm_phone_digits = {phone_mod.digits(p) for p in fields.rm_phones}
    given = _extras_given(fields)
    nothing = (
        not values
        and all(x is None for x in (set_emails, set_phones, set_tags, fields.company, fields.urls))
        and not any((add_emails, add_phones, add_tags, rm_tags, rm_emails, rm_phone_digits))
        and not any(given)
    )
    if nothing:
        raise Invalid("nothing to change: give at least one option (see --help)")
    created_company = None
    current = get(store, contact_id)
    with store.write(f"contact edit {contact_id}") as tx:
        if "cadence_days" in values:
            from crmcli.core.activity.interactions import touch_due

            values["touch_due_at"] = touch_due(
                current["last_touch_at"], values["cadence_days"], tx.stamp
            )
        if fields.company is not None:
            if clean(fields.company):
                values["company_id"], created = companies.ensure(tx, fields.company)
                if created:
                    created_company = clean(fields.company)
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
        extras.add(tx, contact_id, current, *given)
        if not values:  # list-only edits still bump the row version and time
            tx.update("contact", contact_id, {"updated_at": tx.stamp}, contact_id=contact_id)
        reindex(tx, contact_id)
    had_emails = {e["email_norm"] for e in current["emails"]}
    had_phones = {p["e164"] for p in current["phones"] if p["e164"]}
    warnings += _shared(
        store,
        [e for e in [*(set_emails or []), *add_emails] if email_mod.normalise(e) not in had_emails],
        [p for p in [*(set_phones or []), *add_phones] if p.e164 not in had_phones],
        contact_id,
    )
    return _outcome(store, contact_id, warnings, created_company)


def _shared(
    store: Store, mails: list[str], phones: list[phone_mod.Phone], contact_id: int
) -> list[str]:
    """A warning for each email or phone written that another contact already has."""
    return [
        shared.text()
        for shared in shared_values(
            store,
            [(e, email_mod.normalise(e)) for e in mails],
            [(p.raw.strip(), p.e164) for p in phones if p.e164],
            exclude=contact_id,
        )
    ]


def _outcome(
    store: Store, contact_id: int, warnings: list[str], created_company: str | None
) -> Outcome:
    """The written contact, with the company closest to one the write created, if any."""
    contact = get(store, contact_id)
    close = None
    if created_company and contact["company_id"] is not None:
        near = companies.close_to(store, created_company, exclude=contact["company_id"])
        close = near[0] if near else None
    return Outcome(contact, warnings, created_company, close)


def _edit_children(
    tx: Tx,
    contact_id: int,
    current: ContactDetail,
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
    def drop(table: str, rows: Iterable[Mapping[str, Any]], pred: Any) -> None:
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
        phone_mod.phone_key(r[0], r[1])
        for r in tx.store.tuples(
            "SELECT raw, e164 FROM contact_phone WHERE contact_id = ?", (contact_id,)
        )
    }
    _insert_children(
        tx,
        contact_id,
        [],
        [p for p in add_phones if p.key not in known],
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


def archive(store: Store, contact_id: int, *, undo: bool = False) -> ContactDetail:
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
    "contact_relation",
    "contact_date",
    "contact_handle",
    "contact_photo",
    "interaction",
    "followup",
)


def delete(store: Store, contact_id: int) -> ContactDetail:
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
        for (relation_id,) in store.tuples(  # others' relations naming them keep the name
            "SELECT id FROM contact_relation WHERE related_id = ? AND contact_id != ?",
            (contact_id, contact_id),
        ):  # unlinked here, not by the foreign key, so that undo links them again
            tx.update("contact_relation", int(relation_id), {"related_id": None})
        tx.execute("DELETE FROM search_term WHERE contact_id = ?", (contact_id,))
        tx.delete("contact", contact_id, contact_id=contact_id)
    return current
