"""Shared text forms of domain values for the commands: a contact's `label value` lines."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from crmcli.core.clock import local_time

if TYPE_CHECKING:
    from crmcli.core.people.rows import ContactDetail


def contact_lines(c: ContactDetail) -> list[tuple[str, Any]]:
    """`label value` lines for one contact, in the order a rep reads them."""
    emails = [
        e["email"] + (" (primary)" if e["is_primary"] and len(c["emails"]) > 1 else "")
        for e in c["emails"]
    ]
    return [
        ("Name", f"{c['display_name']}  #{c['id']}"),
        ("Company", c["company"]),
        ("Title", c["title"]),
        ("Email", emails),
        ("Phone", [p["display"] for p in c["phones"]]),
        ("Profiles", [u["url"] for u in c["urls"]]),
        ("Tags", c["tags"]),
        ("Status", c["status"]),
        ("Source", c["lead_source"]),
        ("Birthday", c["birthday"]),
        ("Keep in touch", every(c["cadence_days"]) if c["cadence_days"] else None),
        ("Last touch", local_time(c["last_touch_at"])),
        ("Do not contact", "YES" if c["do_not_contact"] else None),
        ("Notes", c["notes"]),
        ("Created", local_time(c["created_at"])),
        ("Updated", local_time(c["updated_at"])),
        ("Archived", local_time(c["archived_at"])),
    ]


def every(days: int) -> str:
    """A keep-in-touch cadence: "every day", "every 14 days"."""
    return "every day" if days == 1 else f"every {days} days"
