"""The one source of "now", so tests and demos can fix the clock.

Every date-dependent function in the core takes `now` as a parameter; callers
get it from `now()` here. `CRM_NOW` (an ISO 8601 instant) fixes it for a whole
process, which is how the subprocess tests and reproducible demos pin time.
"""

from __future__ import annotations

import os
from datetime import UTC, datetime, tzinfo
from functools import lru_cache

from crmcli.core.errors import Invalid

TIMESTAMP_FORMAT = "%Y-%m-%dT%H:%M:%S.%fZ"


def now() -> datetime:
    """The current instant, timezone-aware in UTC (or `CRM_NOW` when set)."""
    fixed = os.environ.get("CRM_NOW")
    if fixed:
        try:
            value = datetime.fromisoformat(fixed.replace("Z", "+00:00"))
        except ValueError as exc:
            raise Invalid(f"CRM_NOW is not an ISO 8601 time: {fixed!r}") from exc
        if value.tzinfo is None:
            value = value.astimezone()  # a naive CRM_NOW is local time
        return value.astimezone(UTC)
    return datetime.now(UTC)


def stamp(moment: datetime) -> str:
    """Store form of an instant: fixed-width ISO 8601 UTC text, sortable as a string.

    The same text on SQLite and PostgreSQL, so comparisons and ordering in SQL
    mean the same on both, and exports show exactly what is stored.
    """
    if moment.tzinfo is None:
        raise ValueError("naive datetime given to stamp()")
    utc = moment.astimezone(UTC)
    # The year by hand: strftime's %Y does not pad years below 1000 on glibc, and a
    # stamp that is not fixed-width no longer sorts or parses as the others do.
    return f"{utc.year:04d}" + utc.strftime(TIMESTAMP_FORMAT.removeprefix("%Y"))


def parse_stamp(text: str) -> datetime:
    """Inverse of `stamp`: an aware UTC datetime.

    `fromisoformat` rather than `strptime`: lists of thousands of deals parse a
    stamp per row, and strptime is ten times slower.
    """
    if not text.endswith("Z"):
        raise ValueError(f"not a crm timestamp: {text!r}")
    return datetime.fromisoformat(text[:-1]).replace(tzinfo=UTC)


def local(moment: datetime) -> datetime:
    """The instant in the machine's local zone, for display."""
    return moment.astimezone()


def local_time(stamp_text: str | None) -> str:
    """A stored UTC stamp as local `YYYY-MM-DD HH:MM` ('' for none): how every list shows it.

    One text form for the commands, the screens and anything else that shows a time.
    """
    if not stamp_text:
        return ""
    return local(parse_stamp(stamp_text)).strftime("%Y-%m-%d %H:%M")


def local_zone() -> tzinfo:
    """The machine's zone with its DST rules (honours TZ), for calendar arithmetic."""
    return _zone(os.environ.get("TZ"))


@lru_cache(maxsize=8)
def _zone(name: str | None) -> tzinfo:
    """The zone TZ names (`Europe/Paris`, `:Europe/Paris`, a zone file's path), else
    /etc/localtime's, read by the standard library's zoneinfo: a fifth of the start-up
    cost of dateutil's `tz` (about 20 ms on `crm log --next`). Only what zoneinfo cannot
    read, a POSIX rule such as `CET-1CEST,M3.5.0,M10.5.0/3`, goes to dateutil as
    before; no zone at all is UTC, as dateutil gave in a container without one."""
    from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

    key = (name or "").removeprefix(":")
    try:
        if not key or key.startswith("/"):  # a zone file named by its path
            with open(key or "/etc/localtime", "rb") as handle:  # noqa: PTH123 - no pathlib
                return ZoneInfo.from_file(handle, key=key or "localtime")
        return ZoneInfo(key)
    except FileNotFoundError:
        if not key:
            return UTC
    except (ZoneInfoNotFoundError, OSError, ValueError):
        pass
    from dateutil import tz  # deferred: only a POSIX rule or an unreadable file gets here

    return tz.gettz(name) or UTC


def local_now() -> datetime:
    """`now()` in the local zone, DST-aware."""
    return now().astimezone(local_zone())


def zone_name() -> str:
    """An IANA name for the local zone where one is known (TZ, /etc/localtime), else its offset."""
    env = os.environ.get("TZ", "").lstrip(":")
    if env and "/" in env:
        return env
    try:
        target = os.path.realpath("/etc/localtime")
    except OSError:  # pragma: no cover - exotic systems
        target = ""
    if "zoneinfo/" in target:
        return target.split("zoneinfo/", 1)[1]
    return datetime.now().astimezone().strftime("%z")
