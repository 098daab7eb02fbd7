"""The fields `crm sync contacts` compares and merges, in one form for a card and a contact.

A card read back is never byte-for-byte what was written (another program rewrites
it, reorders it, changes case in its TYPE parameters), so the two sides are
compared on canonical values: names and one-line texts with their spacing
collapsed, emails, phone numbers and profile URLs normalised as the importer
stores them (`email_norm`, E.164, `url_norm`), the company folded as its name is
matched. Multi-valued fields are sorted sets of those values: their order and
labels are not a change (a relabel on the phone does not make a conflict).

`merge` is the three-way merge per field against `base`, the values both sides
last agreed on (`sync_item.base`): changed on one side, that side wins; changed on
both to different values, a conflict, and neither side is written for that field.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Literal

from crmcli.core.interchange.vcard.values import clean
from crmcli.core.values.phones import phone_key
from crmcli.core.values.text import collapse, fold

if TYPE_CHECKING:
    from crmcli.core.interchange.importing.prepare import Prepared

FIELDS = (
    "name",
    "nickname",
    "emails",
    "phones",
    "company",
    "title",
    "birthday",
    "addresses",
    "notes",
    "urls",
    "handles",
)
LISTS = frozenset({"emails", "phones", "addresses", "urls", "handles"})
ADDRESS_PARTS = ("street", "city", "region", "postcode", "country")

Fields = dict[str, Any]  # field -> its canonical value: a string, or a sorted list of strings
# How a field is settled: the card's value goes to crm ("here"), crm's to the card
# ("there"), both sides' values together ("union": a list field with no common
# ancestor, as an import completes a contact), "same" already, or "conflict".
Decision = Literal["here", "there", "union", "same", "conflict"]


def _text(value: Any) -> str:
    """Text as a card reader keeps it: LF line breaks, no control characters, trimmed."""
    return clean(str(value)) if value else ""


def _line(value: Any) -> str:
    return collapse(_text(value)) if value else ""


def _sorted(values: Iterable[str]) -> list[str]:
    return sorted({v for v in values if v})


def phone_value(raw: str, e164: str | None, extension: str | None) -> str:
    """One number as compared: its E.164 form (with its extension), else its text's key."""
    key = phone_key(raw or "", e164)
    return f"{key};ext={extension.strip()}" if e164 and extension and extension.strip() else key


def address_value(address: Any) -> str:
    """One postal address as compared: its five parts, or its one-line form, joined."""
    if not isinstance(address, Mapping):
        return ""
    parts = [_text(address.get(key)) for key in ADDRESS_PARTS]
    if not any(parts):
        parts = [_text(address.get("formatted")), "", "", "", ""]
    return "\x1f".join(parts) if any(parts) else ""


def addresses_value(addresses: Any) -> list[str]:
    if isinstance(addresses, str):
        try:
            addresses = json.loads(addresses)
        except ValueError:
            return []
    if not isinstance(addresses, list):
        return []
    return _sorted(address_value(a) for a in addresses)


def name_value(parts: Iterable[Any]) -> str:
    """Display name, prefix, first, middle, last, suffix: one field (a rename changes
    several of them at once, and half of one rename merged with half of another is
    nobody's name)."""
    return "\x1f".join(_line(p) for p in parts)


def from_prepared(row: Prepared) -> Fields:
    """A card's fields, from the row the importer prepared of it."""
    c = row.contact  # CONTACT_COLUMNS: id, display, key, prefix, first, middle, last, suffix,
    # title, lead_source, status, birthday, notes, dnc, cadence, addresses, ext, custom, nick
    return {
        "name": name_value((c[1], c[3], c[4], c[5], c[6], c[7])),
        "nickname": _line(c[18]),
        "emails": _sorted(e[2] for e in row.emails),
        "phones": _sorted(phone_value(p[1], p[2], p[3]) for p in row.phones),
        "company": fold(_line(row.company)),
        "title": _line(c[8]),
        "birthday": c[11] or "",
        "addresses": addresses_value(c[15]),
        "notes": _text(c[12]),
        "urls": _sorted(u[2] for u in row.urls),
        "handles": _sorted(f"{h[1].casefold()}:{h[2].casefold()}" for h in row.handles),
    }


def from_contact(
    contact: Mapping[str, Any],
    company: str | None,
    emails: Iterable[str],
    phones: Iterable[tuple[str, str | None, str | None]],
    urls: Iterable[str],
    handles: Iterable[tuple[str, str]],
) -> Fields:
    """A contact's fields, from its row (`contact` columns), company name and lists
    (normalised emails, (raw, e164, extension) phones, normalised URLs, handles)."""
    parts = ("display_name", "prefix", "first_name", "middle_name", "last_name", "suffix")
    return {
        "name": name_value(contact.get(key) for key in parts),
        "nickname": _line(contact.get("nickname")),
        "emails": _sorted(emails),
        "phones": _sorted(phone_value(raw, e164, ext) for raw, e164, ext in phones),
        "company": fold(_line(company)),
        "title": _line(contact.get("title")),
        "birthday": contact.get("birthday") or "",
        "addresses": addresses_value(contact.get("addresses")),
        "notes": _text(contact.get("notes")),
        "urls": _sorted(urls),
        "handles": _sorted(f"{s.casefold()}:{h.casefold()}" for s, h in handles),
    }


def empty(value: Any) -> bool:
    return value in ("", [], None) or (isinstance(value, str) and not value.strip("\x1f"))


@dataclass
class Merged:
    """How each field is settled, and the new common ancestor.

    A conflicting field keeps its old base value (or none, without one), so it stays
    a conflict, reported on each run, until the two sides agree again.
    """

    decisions: dict[str, Decision] = field(default_factory=dict)
    base: Fields = field(default_factory=dict)

    def fields(self, *wanted: Decision) -> list[str]:
        return [name for name, how in self.decisions.items() if how in wanted]

    @property
    def conflicts(self) -> list[str]:
        return self.fields("conflict")

    @property
    def to_here(self) -> list[str]:
        """Fields crm takes from the card (alone, or together with its own values)."""
        return self.fields("here", "union")

    @property
    def to_there(self) -> list[str]:
        """Fields the card takes from crm (alone, or together with its own values)."""
        return self.fields("there", "union")


def merge(
    base: Mapping[str, Any] | None,
    here: Fields,
    there: Fields,
    prefer: Literal["crm", "card"] | None = None,
) -> Merged:
    """Three-way merge of every field; `base` None (or a field missing from it) means
    the two sides never agreed on it (a first sync linking a card to a contact): then an
    empty side takes the other's value, two lists are joined, and two different texts
    are a conflict, never a guess. `prefer` settles conflicts, when the rep says which
    side wins (`--prefer crm` or `--prefer card`)."""
    out = Merged()
    for name in FIELDS:
        mine, theirs = here[name], there[name]
        old = None if base is None else base.get(name)
        how: Decision
        if mine == theirs:
            how = "same"
        elif old is None:
            if empty(mine):
                how = "here"
            elif empty(theirs):
                how = "there"
            elif name in LISTS:
                how = "union"
            else:
                how = "conflict"
        elif mine == old:
            how = "here"
        elif theirs == old:
            how = "there"
        else:
            how = "conflict"
        if how == "conflict" and prefer is not None:
            how = "there" if prefer == "crm" else "here"
        out.decisions[name] = how
        if how == "conflict":
            if old is not None:
                out.base[name] = old
        elif how == "union":
            out.base[name] = sorted(set(mine) | set(theirs))
        elif how == "here":
            out.base[name] = theirs
        else:
            out.base[name] = mine
    return out


def shown(name: str, value: Any) -> str:
    """A field's canonical value as a conflict line shows it."""
    if isinstance(value, list):
        if name == "addresses":
            value = [", ".join(p for p in v.split("\x1f") if p) for v in value]
        return "; ".join(str(v) for v in value) or "(none)"
    text = str(value)
    if name == "name":
        text = text.split("\x1f", 1)[0]
    text = " ".join(text.split())
    if len(text) > 60:
        text = text[:57] + "..."
    return repr(text) if text else "(none)"
