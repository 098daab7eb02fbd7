"""LinkedIn's Connections.csv: a few columns under a "Notes:" preamble, and "Connected On"."""

from __future__ import annotations

NAME = "linkedin"
DATE_ORDER = "ymd"

_COLUMNS = {
    "first name": "first",
    "last name": "last",
    "url": "linkedin",
    "email address": "email",
    "company": "company",
    "position": "title",
}


def recognises(header: list[str], names: set[str]) -> bool:
    """A LinkedIn export: "Connected On" beside "URL" or "First Name"."""
    return "connected on" in names and bool(names & {"url", "first name"})


def columns(header: list[str]) -> list[tuple[str, str | None]]:
    """Each column's field; the profile URL becomes a linkedin URL."""
    return [(h, _COLUMNS.get(h.strip().casefold())) for h in header]
