"""Company cards in an import: which rows are a company rather than a person, and what they say.

Address books keep companies beside people: Apple marks a card `X-ABShowAs:COMPANY`,
vCard 4 says `KIND:org`, and Outlook, Google and Thunderbird write a row with only an
organisation (often a switchboard number, an address and a web page too). Such a row
is the company's own card: it completes the company, never becomes a person named
after its phone number.
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from typing import Any

from crmcli.core.db.store import Store
from crmcli.core.errors import Invalid
from crmcli.core.interchange.importing.prepare import CONTACT_COLUMNS, Prepared
from crmcli.core.people.companies import check_domain

_DISPLAY = CONTACT_COLUMNS.index("display_name")
_TITLE = CONTACT_COLUMNS.index("title")
_BIRTHDAY = CONTACT_COLUMNS.index("birthday")
_NOTES = CONTACT_COLUMNS.index("notes")
_COLUMNS = {c: CONTACT_COLUMNS.index(c) for c in ("addresses", "external_ids", "custom_fields")}

# Mailboxes of an organisation rather than of a person: a row with a company, no name and
# only such addresses is the company's card ("info@", "sales@"); any other address with
# no name is a person whose name the file did not give, and stays a person.
ROLE_MAILBOXES = frozenset(
    """info contact contacts hello office sales support admin enquiries enquiry inquiries
    inquiry mail email general reception accueil bureau kontakt contacto contatto info-fr
    service services team orders billing accounts accounting press marketing jobs careers
    hr help welcome post postmaster webmaster hallo secretariat secretariaat""".split()
)


def _role_mailbox(norm: str) -> bool:
    return norm.partition("@")[0] in ROLE_MAILBOXES


def is_company_row(row: Prepared) -> bool:
    """A row the reader took for a person that is really a company's card.

    It names a company and no person (no name at all, or only the company's own name
    as the display name, as Thunderbird and Outlook's vCards write it), has no job
    title or birthday, and any email it has is a role mailbox. The readers already mark
    the explicit cards (`X-ABShowAs:COMPANY`, `KIND:org`); this catches the rest.
    Cheap: a few comparisons, as it runs in the writer for every row with a company.
    """
    if row.kind != "person" or not row.company:
        return False
    contact = row.contact
    if row.candidate.name_key and contact[_DISPLAY] != row.company:
        return False
    if contact[_TITLE] or contact[_BIRTHDAY]:
        return False
    return all(_role_mailbox(norm) for norm in row.candidate.emails)


def _loads(text: Any) -> dict[str, Any]:
    if not text:
        return {}
    value = json.loads(text) if isinstance(text, str) else text
    return dict(value) if isinstance(value, dict) else {}


def _extras(custom: dict[str, Any], what: str, values: Sequence[tuple[str, str | None]]) -> None:
    """The second and later phones, emails and websites, kept as custom fields."""
    for number, (value, label) in enumerate(values, 2):
        name = f"{what} ({label})" if label else f"{what} {number}"
        while name in custom and custom[name] != value:
            name = f"{name} {number}"
        custom[name] = value


def card_values(
    row: Prepared,
    emails: Sequence[Mapping[str, Any]],
    phones: Sequence[Mapping[str, Any]],
    urls: Sequence[Mapping[str, Any]],
) -> dict[str, Any]:
    """The company columns a card fills: its first email, phone and web page, its
    addresses, ids, notes and custom fields (the other emails, phones, pages among them).

    `emails`, `phones` and `urls` are the prepared child rows by column name. A phone
    is kept in its international form when it could be read; a fax is a phone of last
    resort (a company's number is the one to call).
    """
    contact = row.contact
    custom = _loads(contact[_COLUMNS["custom_fields"]])
    ordered = sorted(phones, key=lambda p: "fax" in str(p.get("label") or "").lower())
    shown = [(str(p.get("formatted") or p["raw"]), p.get("label")) for p in ordered]
    mails = [(str(e["email"]), e.get("label")) for e in emails]
    pages = [(str(u["url"]), None) for u in urls]
    _extras(custom, "phone", shown[1:])
    _extras(custom, "email", mails[1:])
    _extras(custom, "website", pages[1:])
    industry = custom.pop("industry", None)  # crm's own company card (X-CRM-INDUSTRY)
    own_domain = custom.pop("domain", None)  # X-CRM-DOMAIN: not the website's host
    website = pages[0][0] if pages else None
    addresses = contact[_COLUMNS["addresses"]]
    ids = contact[_COLUMNS["external_ids"]]
    return {
        "website": website,
        "domain": (own_domain or "").strip().lower() or _domain(website),
        "industry": industry or None,
        "phone": shown[0][0] if shown else None,
        "email": mails[0][0] if mails else None,
        "addresses": addresses if addresses and addresses != "[]" else None,
        "external_ids": ids or None,
        "custom_fields": json.dumps(custom, ensure_ascii=False) if custom else None,
        "notes": contact[_NOTES] or None,
    }


def _domain(website: str | None) -> str | None:
    """The web page's domain, so `crm company show example.com` finds the company."""
    if not website:
        return None
    try:
        return check_domain(website)
    except Invalid:
        return None


def blanks_filled(current: Mapping[str, Any], card: Mapping[str, Any]) -> dict[str, Any]:
    """What a card adds to a company already there: its empty columns filled, new ids and
    custom fields added; nothing the rep entered is replaced."""
    values: dict[str, Any] = {}
    for column in ("website", "domain", "industry", "phone", "email", "addresses", "notes"):
        if card.get(column) and not current.get(column):
            values[column] = card[column]
    for column in ("external_ids", "custom_fields"):
        have = _loads(current.get(column))
        added = {k: v for k, v in _loads(card.get(column)).items() if k not in have}
        if added:
            values[column] = json.dumps({**have, **added}, ensure_ascii=False)
    return values


def _like(text: str) -> str:
    """`text` as a LIKE pattern matching itself anywhere (wildcards escaped with '!')."""
    return "%" + text.replace("!", "!!").replace("%", "!%").replace("_", "!_") + "%"


def find_by_external_id(store: Store, external_ids: str | None) -> int | None:
    """The live company a card's own ids (vCard UID, a CRM's record id) already belong to.

    The first identity key, before the name: a company renamed in the address book is
    still the same company on the next import. The ids sit in a JSON column, so rows
    are narrowed with LIKE and checked exactly; only company cards pay for it.
    """
    for system, value in _loads(external_ids).items():
        needle = json.dumps(value, ensure_ascii=False)
        for company_id, ids in store.tuples(
            "SELECT id, external_ids FROM company WHERE external_ids LIKE ? ESCAPE '!' "
            "AND archived_at IS NULL ORDER BY id",
            (_like(needle),),
        ):
            if _loads(ids).get(system) == value:
                return int(company_id)
    return None
