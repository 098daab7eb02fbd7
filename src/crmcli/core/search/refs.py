"""Resolving a REF (what a rep types to name a contact) to exactly one contact.

A REF is an id, a phone number, an email, an exact name (accent- and
case-insensitive), or a name prefix that only one contact has. What tells an id
from a number, so that what is on screen can be pasted as it is:
- `#N`, or bare digits with fewer than 6 digits and no leading 0, is an id (`ref_id`);
- anything else starting with `+` or `0`, or holding 6 or more digits (spaces, dots,
  dashes and parentheses allowed), is a phone number (`is_number`), matched as
  `crm find` matches one: "0698765432" is the stored +33 6 98 76 54 32;
- a value that is both an existing id and someone's number is ambiguous: both are
  listed and nothing is done.
A number acts only when exactly one contact has it. Anything else fails, listing the
close candidates (fuzzy ones included) so the rep can retype: a command that changes
data never acts on a fuzzy guess.
"""

from __future__ import annotations

import re
from typing import Any

from crmcli.core.db.store import Store
from crmcli.core.errors import Ambiguous, Invalid, NotFound
from crmcli.core.search.numbers import NUMBER, number_digits, with_number
from crmcli.core.values import emails as email_mod
from crmcli.core.values.text import name_key

MAX_LISTED = 5
ID_DIGITS = 6  # an id has fewer digits than this; a number may have more
_HASH_ID = re.compile(r"#\s*([0-9]+)")
_BARE_ID = re.compile(rf"[1-9][0-9]{{0,{ID_DIGITS - 2}}}")
_LARGEST = 2**63 - 1  # the largest id either database can hold
MAX_DIGITS = 17  # E.164's 15, after an international 00: no number has more


def ref_id(text: str) -> int | None:
    """The id a REF gives by the id rule (`#N`, or bare digits, fewer than 6 of them and
    no leading 0), else None. Deal and contact REFs share this rule."""
    text = text.strip()
    match = _HASH_ID.fullmatch(text)
    if match:  # past 19 digits, any number larger than every id will do (and int() is slow)
        digits = match.group(1).lstrip("0") or "0"
        return int(digits) if len(digits) <= len(str(_LARGEST)) else _LARGEST + 1
    return int(text) if _BARE_ID.fullmatch(text) else None


def is_number(text: str) -> bool:
    """Does a REF that is not an id read as a phone number? Anything starting with +,
    and digits with spaces, dots, dashes and parentheses: "+49 89 1234567",
    "0698765432", "(212) 555-0100", "123456"."""
    text = text.strip()
    return text.startswith("+") or (ref_id(text) is None and bool(NUMBER.fullmatch(text)))


def _label(row: dict[str, Any]) -> str:
    text = f"#{row['id']} {row['name']}"
    if row.get("company"):
        text += f" ({row['company']})"
    if row.get("email"):
        text += f" <{row['email']}>"
    return text


def _describe(store: Store, ids: list[int]) -> list[str]:
    from crmcli.core.people.directory import LIST_SQL

    if not ids:
        return []
    marks = ", ".join("?" for _ in ids)
    rows = {r["id"]: r for r in store.rows(f"{LIST_SQL} WHERE c.id IN ({marks})", ids)}
    return [_label(rows[i]) for i in ids if i in rows]


def _exists(store: Store, contact_id: int) -> bool:
    return store.value("SELECT 1 FROM contact WHERE id = ?", (contact_id,)) is not None


def resolve_contact(store: Store, ref: str) -> int:
    """The id of the one contact `ref` names, or NotFound / Ambiguous with candidates."""
    text = ref.strip()
    if not text:
        raise Invalid("empty contact reference: give an id, a phone number, an email or a name")
    wanted = ref_id(text)
    if wanted is not None and wanted > _LARGEST:
        raise Invalid(f"{ref.strip()!r} is too large to be a contact id")
    if text.startswith("#") and wanted is not None:  # "#12" is an id and nothing else
        if not _exists(store, wanted):
            raise NotFound(f"no contact #{wanted}")
        return wanted
    if wanted is not None:  # "12": an id, unless it is also someone's (short) number
        return _id_or_number(store, ref, wanted, with_number(store, text), is_id=True)
    if is_number(text):
        if not NUMBER.fullmatch(text) or len(number_digits(text)) > MAX_DIGITS:
            raise Invalid(f"cannot read {ref!r} as a phone number")
        # "123456" is a number, and an id too in a database that large
        as_id = int(text) if text.isdigit() and text[0] != "0" else None
        return _id_or_number(store, ref, as_id, with_number(store, text), is_id=False)
    if "@" in text:
        ids = [
            int(r[0])
            for r in store.tuples(
                "SELECT DISTINCT contact_id FROM contact_email WHERE email_norm = ? "
                "ORDER BY contact_id",
                (email_mod.normalise(text),),
            )
        ]
        return _one(store, ref, ids, "email")
    key = name_key(text)
    if not key:
        raise Invalid(f"cannot read {ref!r} as a contact reference")
    exact = [
        int(r[0])
        for r in store.tuples(
            "SELECT id FROM contact WHERE name_key = ? ORDER BY archived_at IS NOT NULL, id", (key,)
        )
    ]
    if exact:
        return _one(store, ref, exact, "name")
    prefixed = [
        int(r[0])
        for r in store.tuples(
            "SELECT id FROM contact WHERE name_key >= ? AND name_key < ? "
            "ORDER BY archived_at IS NOT NULL, name_key, id LIMIT ?",
            (key, key + "\U0010ffff", MAX_LISTED + 1),
        )
    ]
    return _one(store, ref, prefixed, "name prefix")


def _id_or_number(
    store: Store, ref: str, as_id: int | None, owners: dict[int, str], *, is_id: bool
) -> int:
    """The contact a REF names as an id (`as_id`, when it can be read as one) or as the
    number `owners` have: an error when it is both, or neither (said as the rule reads
    it: `is_id`, or a number)."""
    found = as_id if as_id is not None and _exists(store, as_id) else None
    others = sorted(owners)
    if found is not None and others and others != [found]:
        listed = _describe(store, [found, *[i for i in others if i != found][:MAX_LISTED]])
        raise Ambiguous(
            f"{ref!r} is both contact {listed[0]} and the number of {'; '.join(listed[1:])}"
            f" — use #{found} for the first, or the other's name or email",
            listed,
        )
    if found is not None:
        return found
    if is_id and not others:
        raise NotFound(f"no contact #{as_id}")
    return _one(store, ref, others, "phone")


def _one(store: Store, ref: str, ids: list[int], how: str) -> int:
    if len(ids) == 1:
        return ids[0]
    if len(ids) > 1:
        listed = _describe(store, ids[:MAX_LISTED])
        more = " …" if len(ids) > MAX_LISTED else ""
        hint = "use the id" if how == "email" else "use the id or the email"
        raise Ambiguous(
            f"{ref!r} matches several contacts by {how}: {'; '.join(listed)}{more} — {hint}",
            listed,
        )
    from crmcli.core.search.find import find  # only a failed lookup pays for it

    try:
        close = [h.contact_id for h in find(store, ref, limit=MAX_LISTED)]
    except Invalid:
        close = []
    listed = _describe(store, close)
    what = f"has the number {ref.strip()}" if how == "phone" else f"is named {ref!r}"
    if listed:
        raise NotFound(f"no contact {what}; close matches: {'; '.join(listed)}")
    if how == "phone":
        raise NotFound(f"no contact {what}")
    raise NotFound(f"no contact matches {ref!r}")
