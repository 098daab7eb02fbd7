"""What `crm contact show` prints beyond the shared lines: addresses, dates, relations, photo.

Kept apart from `commands.contact` so that module stays readable; `company show`
uses the address helpers too.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any


def personal_lines(
    contact: Mapping[str, Any], named_by: Iterable[Mapping[str, Any]] = ()
) -> list[tuple[str, Any]]:
    """Nickname first (shown under the name), then relations, dates, IM handles and photo.

    Relations go both ways: those on the contact's record (`Bob Boss (manager, #2)`:
    Bob is their manager), then those on other records naming them (`named_by`, from
    `core.people.relations.named_by`), with the inverse kind (`Ann Lee (direct report,
    #1)`). A related person in the book shows their REF (`#12`), so the rep can
    `crm contact show 12` them; a photo is described, never printed.
    """
    relations = [
        r["name"]
        + _labels(r["kind"], f"#{r['related_id']}" if r.get("related_id") is not None else None)
        for r in contact.get("relations") or ()
    ]
    relations += [
        r["name"] + _labels(r["label"], f"#{r['contact_id']}") for r in named_by
    ]  # fmt: skip
    dates = [f"{_birthday(d['date'])}{_labels(d['label'])}" for d in contact.get("dates") or ()]
    handles = [f"{h['service']}: {h['handle']}" for h in contact.get("handles") or ()]
    return [
        ("Nickname", contact.get("nickname")),
        ("Relations", relations),
        ("Dates", dates),
        ("IM", handles),
        ("Photo", _photo(contact.get("photo"))),
    ]


def _photo(photo: Any) -> str | None:
    """ "stored (jpeg, 12 KB)" or "link: https://..."."""
    if not isinstance(photo, Mapping):
        return None
    if photo.get("data"):
        from crmcli.core.people.extras import photo_size

        kind = str(photo.get("media_type") or "image").removeprefix("image/")
        size = photo_size(photo)
        shown = f"{size} bytes" if size < 1024 else f"{round(size / 1024)} KB"
        return f"stored ({kind}, {shown})"
    return f"link: {photo['uri']}" if photo.get("uri") else None


def _labels(*labels: str | None) -> str:
    """` (work, primary)`: the labels given, or nothing."""
    shown = [label for label in labels if label]
    return f" ({', '.join(shown)})" if shown else ""


def _addresses(value: Any) -> list[dict[str, Any]]:
    """The stored addresses (a JSON list of dicts); anything else is shown as text."""
    if not value:
        return []
    if isinstance(value, dict):
        value = [value]
    if not isinstance(value, list):
        return [{"formatted": str(value)}]
    return [a if isinstance(a, dict) else {"formatted": str(a)} for a in value]


def _address_label(address: dict[str, Any]) -> str:
    return f"Address ({address['label']})" if address.get("label") else "Address"


def _address(address: dict[str, Any]) -> str:
    """One address on one line: street, postcode and city, region, country."""

    def part(key: str) -> str:
        return ", ".join(
            line.strip() for line in str(address.get(key) or "").splitlines() if line.strip()
        )

    if address.get("formatted") and not address.get("street") and not address.get("city"):
        return part("formatted")
    town = " ".join(p for p in (part("postcode"), part("city")) if p)
    pieces = [part("street"), town, part("region"), part("country")]
    return ", ".join(p for p in pieces if p) or part("formatted")


def _birthday(stored: str | None) -> str | None:
    """`--05-14` -> `14 May`; `1980-05-14` -> `14 May 1980` (as a person writes it)."""
    if not stored:
        return None
    from crmcli.core.values.dates import MONTH_FULL

    parts = stored.removeprefix("--").split("-")
    try:
        if stored.startswith("--") and len(parts) == 2:
            return f"{int(parts[1])} {MONTH_FULL[int(parts[0]) - 1]}"
        if len(parts) == 3:
            return f"{int(parts[2])} {MONTH_FULL[int(parts[1]) - 1]} {int(parts[0])}"
    except (ValueError, IndexError):
        pass
    return stored  # not a form crm writes: shown as stored
