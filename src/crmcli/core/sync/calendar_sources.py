"""Where `crm sync calendar` pushes follow-ups and reads meetings: a vdir folder of `.ics`
files (khal, vdirsyncer) or a CalDAV calendar, from `[[sync.calendar]]` tables or flags.

A source is checked here (a path; an http(s) URL with no password in it; known keys
only) before anything is read or written, so a typo in the config is one line and
nothing else happens. The state's key is the opened collection's own `name`.
"""

from __future__ import annotations

import os
from dataclasses import dataclass, replace
from pathlib import Path
from typing import TYPE_CHECKING
from urllib.parse import urlsplit

from crmcli.core.errors import Invalid

if TYPE_CHECKING:
    from crmcli.core.config import Config
    from crmcli.core.sync.collections import Collection

WHERE = "sync.calendar"
KEYS = frozenset({"vdir", "url", "username", "password_command", "push", "pull"})
_TEXT = ("vdir", "url", "username", "password_command")


@dataclass(frozen=True)
class CalendarSource:
    """A calendar as the rep named it: a vdir folder, or a CalDAV URL and who logs in."""

    vdir: str | None = None  # absolute, user-expanded
    url: str | None = None  # as given, checked to hold no password
    username: str | None = None
    password_command: str | None = None
    # A calendar crm only reads (a work calendar for meetings: push = false) or only
    # writes (a calendar of follow-ups alone, or one whose meetings must not be logged).
    push: bool = True
    pull: bool = True

    @property
    def shown(self) -> str:
        return f"vdir:{self.vdir}" if self.vdir is not None else str(self.url)


def vdir_source(path: str) -> CalendarSource:
    """A vdir folder (`~` expanded, made absolute; its existence is checked when opened)."""
    if not path.strip():
        raise Invalid("a vdir folder path is empty")
    if "\0" in path:
        raise Invalid("a vdir folder path cannot hold a NUL byte")
    return CalendarSource(vdir=os.path.normpath(Path(path.strip()).expanduser().absolute()))


def caldav_source(
    url: str, username: str | None = None, password_command: str | None = None
) -> CalendarSource:
    """A CalDAV calendar (or server, or principal) URL; refuses a password in it."""
    text = url.strip()
    try:
        parts = urlsplit(text)
        parts.port  # noqa: B018 - a bad port raises here, as one line
    except ValueError:
        raise Invalid(f"not a CalDAV URL: {url!r}") from None
    if parts.scheme.lower() not in ("http", "https") or not parts.hostname:
        raise Invalid(f"a CalDAV calendar is an https://host/... URL, not {url!r}")
    if parts.password is not None:
        raise Invalid(
            "refusing a CalDAV URL with a password in it: give --password-command "
            "(or password_command in the config), e.g. 'pass show dav/me'"
        )
    if username is not None and not username.strip():
        raise Invalid("--username is empty")
    return CalendarSource(url=text, username=username, password_command=password_command)


def from_config(entry: object) -> CalendarSource:
    """One `[[sync.calendar]]` table: `vdir = PATH`, or `url = URL` with `username` and
    `password_command`; `push = false` or `pull = false` for a calendar used one way."""
    if not isinstance(entry, dict):
        raise Invalid(f"each [[{WHERE}]] entry must be a table with vdir = or url =")
    unknown = set(entry) - KEYS
    if unknown:
        raise Invalid(
            f"[[{WHERE}]]: unknown key(s) {', '.join(sorted(unknown))} "
            f"(known: {', '.join(sorted(KEYS))})"
        )
    if ("vdir" in entry) == ("url" in entry):
        raise Invalid(f"each [[{WHERE}]] entry needs exactly one of vdir = or url =")
    for key in _TEXT:
        if key in entry and not isinstance(entry[key], str):
            raise Invalid(f"[[{WHERE}]]: {key} must be a string")
    for key in ("push", "pull"):
        if key in entry and not isinstance(entry[key], bool):
            raise Invalid(f"[[{WHERE}]]: {key} must be true or false")
    ways = {"push": entry.get("push", True), "pull": entry.get("pull", True)}
    if not any(ways.values()):
        raise Invalid(f"[[{WHERE}]]: push = false and pull = false leave nothing to do")
    if "vdir" in entry:
        for key in ("username", "password_command"):
            if key in entry:
                raise Invalid(f"[[{WHERE}]]: {key} is for url (CalDAV) sources only")
        return replace(vdir_source(entry["vdir"]), **ways)
    found = caldav_source(entry["url"], entry.get("username"), entry.get("password_command"))
    return replace(found, **ways)


def configured(config: Config) -> list[CalendarSource]:
    """The calendars the config file names, in order (`[[sync.calendar]]` tables)."""
    table = config.table("sync")
    if table is None:
        return []
    if not isinstance(table, dict):
        raise Invalid("config file: sync must be a table ([[sync.calendar]] entries)")
    entries = table.get("calendar", [])
    if not isinstance(entries, list):
        raise Invalid(f"config file: write each calendar as a [[{WHERE}]] table")
    return [from_config(entry) for entry in entries]


def from_flags(
    vdirs: list[str],
    urls: list[str],
    username: str | None = None,
    password_command: str | None = None,
) -> list[CalendarSource]:
    """The calendars named on the command line (--vdir, --caldav)."""
    if (username is not None or password_command is not None) and not urls:
        raise Invalid("--username and --password-command go with --caldav")
    sources = [vdir_source(path) for path in vdirs]
    sources += [caldav_source(url, username, password_command) for url in urls]
    return sources


# What a vdir calendar folder holds besides its events: vdirsyncer's metadata files.
METADATA = frozenset({"color", "displayname"})


def check_folder(folder: Path, database: Path | None) -> None:
    """Invalid unless a folder crm is to write events into is a calendar: never the
    database's own folder, never one holding other files (`--vdir ~`, or the parent of
    vdirsyncer's calendars mistyped for one of them), which would fill with events."""
    from crmcli.core import atomic
    from crmcli.core.values.text import printable

    target, shown = atomic.real_target(folder), printable(str(folder))
    if database is not None and atomic.real_target(database).parent == target:
        raise Invalid(f"not writing events into {shown}: it is the database's folder")
    others = sorted(
        entry.name
        for entry in target.iterdir()
        if not entry.name.startswith(".")
        and entry.name not in METADATA
        and not entry.name.lower().endswith(".ics")
    )
    if others:
        names = ", ".join(printable(name) for name in others[:3])
        names += f" and {len(others) - 3} more" if len(others) > 3 else ""
        raise Invalid(
            f"{shown} holds other files ({names}): give a calendar's folder (its .ics "
            "files only), or an empty one"
        )


# A temporary file older than this is a killed run's: another run writing at this
# moment (two syncs at once) has its own for milliseconds, and must keep it.
LEFTOVER_AGE = 60.0


def remove_leftovers(folder: Path, now: float) -> None:
    """The temporary files a run killed mid-write left (hidden, `.crm-tmp`): an event's
    private text, half written, that nothing else would ever remove."""
    from crmcli.core.atomic import TEMP_SUFFIX

    for leftover in folder.glob(f".*{TEMP_SUFFIX}"):
        try:
            if leftover.lstat().st_mtime < now - LEFTOVER_AGE:
                leftover.unlink(missing_ok=True)
        except OSError:
            continue  # gone meanwhile, or not ours to remove: no reason to stop a sync


def open_collection(source: CalendarSource) -> Collection:
    """The collection for a source (the CalDAV client is imported only when used)."""
    if source.vdir is not None:
        from crmcli.core.sync.collections import VdirCollection

        return VdirCollection("calendar", source.vdir)
    from crmcli.core.sync.dav import DavCollection

    return DavCollection(
        "calendar",
        str(source.url),
        username=source.username,
        password_command=source.password_command,
    )
