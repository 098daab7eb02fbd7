"""Nicknames, relations, dates and handles as every source writes them, in the CRM's words.

vCard readers (Apple's `X-ABRELATEDNAMES` with `_$!<Spouse>!$_`, Evolution's
`X-EVOLUTION-SPOUSE`, v4's `RELATED;TYPE=spouse`), CSV layouts (Google's
"Relation 1 - Type", Outlook's "Spouse") and LDIF all name the same few things in
different words; the tables in `values.personal` (which `crm contact add/edit` use
too) are the one place those words become the stored kinds, labels and services, so
an export read back lands on the same rows.
"""

from __future__ import annotations

import re

from crmcli.core.interchange.records import ContactRecord
from crmcli.core.values.personal import date_label as date_label
from crmcli.core.values.personal import relation_kind as relation_kind
from crmcli.core.values.personal import service_name as service_name

_IMPP = re.compile(r"([a-z][a-z0-9+.-]*):(?://)?(.+)", re.IGNORECASE | re.DOTALL)


def split_impp(value: str, service_type: str | None) -> tuple[str, str] | None:
    """`xmpp:ann@example.org` -> ("jabber", "ann@example.org"); X-SERVICE-TYPE wins."""
    value = value.strip()
    match = _IMPP.fullmatch(value)
    if match is None:
        return (service_name(service_type), value) if service_type and value else None
    scheme, handle = match.group(1), match.group(2).strip()
    if scheme.lower() in ("sip", "sips", "tel"):
        handle = value.split(":", 1)[1].strip()
    service = service_type or scheme
    return (service_name(service), handle) if handle else None


def add_relation(record: ContactRecord, name: str, kind: str | None) -> None:
    """Each (name, kind) once; several names in one cell ("Ann, Tom") are one relation each
    only for children, where Outlook's "Children" column lists them so."""
    name = " ".join(name.split())
    if not name:
        return
    stored = relation_kind(kind)
    names = [n.strip() for n in re.split(r"[;,]", name)] if stored == "child" else [name]
    for one in names:
        if one and (one, stored) not in record.relations:
            record.relations.append((one, stored))


def add_handle(record: ContactRecord, service: str, handle: str) -> None:
    handle = handle.strip()
    if not handle:
        return
    pair = (service_name(service), handle)
    if all((s, h.casefold()) != (pair[0], handle.casefold()) for s, h in record.handles):
        record.handles.append(pair)


def add_date(record: ContactRecord, label: str | None, text: str, found: str | None) -> None:
    """A dated event, `found` as the caller read `text` (a vCard date, a CSV's date order).

    A date that could not be read (`found` None) is kept in custom fields under its
    label, with an issue, never dropped.
    """
    text = text.strip()
    if not text:
        return
    stored = date_label(label)
    if found is None:
        record.custom.setdefault(f"{stored} (as written)", text)
        record.issues.append(f"{stored}: {text!r} is not a date (kept as text)")
        return
    if (stored, found) not in record.dates:
        record.dates.append((stored, found))
