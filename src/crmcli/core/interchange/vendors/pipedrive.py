"""Pipedrive's exports: people ("Person - Email - Work") and deals ("Deal - Currency of Value").

Pipedrive prefixes every column with its object ("Deal - ", "Person - ",
"Organization - "), and labels emails and phones after a second dash. Its ids
("Deal - ID", "Person - ID") are kept as the external id "pipedrive".
"""

from __future__ import annotations

NAME = "pipedrive"
DATE_ORDER = "ymd"

_PERSON_COLUMNS = {
    "person - id": "external_id:pipedrive",
    "person - name": "full_name",
    "person - first name": "first",
    "person - last name": "last",
    "person - organization": "company",
    "organization - name": "company",
    "person - job title": "title",
    "person - birthday": "birthday",
    "person - notes": "notes",
    "person - label": "tags",
    "person - labels": "tags",
    "person - postal address": "address",
    "person - postal address - street/road name": "street",
    "person - postal address - city/town/village/locality": "city",
    "person - postal address - state/county": "region",
    "person - postal address - zip/postal code": "postcode",
    "person - postal address - country": "country",
    "person - email": "email",
    "person - phone": "phone",
}
_LABELLED = ("person - email - ", "person - phone - ")

_DEAL_COLUMNS = {
    "id": "external_id:pipedrive",
    "title": "title",
    "value": "amount",
    "currency of value": "currency",
    "currency": "currency",
    "stage": "stage",
    "status": "status",
    "organization": "company",
    "contact person": "contact_name",
    "expected close date": "expected_close",
    "lost reason": "lost_reason",
    "probability": "probability",
    "next activity subject": "next_step",
    "source": "lead_source",
}
_DEAL_OTHER = {
    "person - name": "contact_name",
    "person - email": "contact_email",
    "person - email - work": "contact_email",
    "organization - name": "company",
    "currency": "currency",
}


def recognises(header: list[str], names: set[str]) -> bool:
    """A Pipedrive people export: "Person - " columns, and not a deals export."""
    return sum(1 for n in names if n.startswith("person - ")) >= 2 and not recognises_deals(names)


def columns(header: list[str]) -> list[tuple[str, str | None]]:
    """Each column's contact field: "Person - Phone - Mobile" is a phone labelled mobile."""
    out: list[tuple[str, str | None]] = []
    for h in header:
        key = " ".join(h.strip().casefold().split())
        target = _PERSON_COLUMNS.get(key)
        for prefix in _LABELLED:
            if target is None and key.startswith(prefix):
                label = key.removeprefix(prefix).strip()
                target = f"{prefix.split(' - ')[1]}:{label}" if label.isalpha() else None
        out.append((h, target))
    return out


def recognises_deals(names: set[str]) -> bool:
    """A Pipedrive deals export: several "Deal - " columns."""
    return sum(1 for n in names if n.startswith("deal - ")) >= 2


def deal_columns(header: list[str]) -> list[tuple[str, str | None]]:
    """Each column's deal field; of two columns for one field, the first keeps it."""
    out: list[tuple[str, str | None]] = []
    for h in header:
        key = " ".join(h.strip().casefold().split())
        if key.startswith("deal - "):
            target = _DEAL_COLUMNS.get(key.removeprefix("deal - "))
        else:
            target = _DEAL_OTHER.get(key)
        out.append((h, target))
    return out
