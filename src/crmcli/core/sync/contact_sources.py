"""Where `crm sync contacts` syncs to: a vdir folder or a CardDAV address book, from the
config file's `[[sync.contacts]]` tables or from the command line.

A source is checked here (a path, a URL without a password in it, known keys
only) before anything is read or written, and named once by its normalised name,
which is its state's identity in `sync_source` ("vdir:/abs/path" or the URL).
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING
from urllib.parse import urlsplit

from crmcli.core.errors import Invalid
from crmcli.core.people.fields import check_tags

if TYPE_CHECKING:
    from crmcli.core.config import Config
    from crmcli.core.sync.collections import Collection

KEYS = frozenset({"vdir", "url", "username", "password_command", "sync_tag"})
WHERE = "sync.contacts"


@dataclass(frozen=True)
class ContactsSource:
    """An address book as the rep named it: a vdir folder, or a CardDAV URL with who logs in."""

    vdir: str | None = None  # absolute, user-expanded
    url: str | None = None  # without credentials
    username: str | None = None
    password_command: str | None = None
    sync_tag: str | None = None

    @property
    def name(self) -> str:
        """The normalised name its state is kept under."""
        return f"vdir:{self.vdir}" if self.vdir is not None else str(self.url)


def vdir_source(path: str, sync_tag: str | None = None) -> ContactsSource:
    """A vdir folder (`~` expanded, made absolute; checked when opened)."""
    if not path.strip():
        raise Invalid("a vdir folder path is empty")
    full = os.path.normpath(Path(path.strip()).expanduser().absolute())
    return ContactsSource(vdir=full, sync_tag=tag_of(sync_tag))


def carddav_source(
    url: str,
    username: str | None = None,
    password_command: str | None = None,
    sync_tag: str | None = None,
) -> ContactsSource:
    """A CardDAV address book (or its server) from `https://[user@]host/path/`.

    A password in the URL is refused here, before anything is opened; the rest of the
    URL is the DAV client's to check and normalise (`sync.dav`)."""
    text = url.strip()
    try:
        parts = urlsplit(text)
    except ValueError:
        raise Invalid(f"not a CardDAV URL: {url!r}") from None
    if parts.scheme.lower() not in ("http", "https"):
        raise Invalid(f"a CardDAV URL must start with https:// (or http://), not {url!r}")
    if parts.password is not None:
        raise Invalid(
            "refusing a CardDAV URL with a password in it: give --password-command "
            "(or password_command in the config), e.g. 'pass show dav/me'"
        )
    return ContactsSource(
        url=text,
        username=username,
        password_command=password_command,
        sync_tag=tag_of(sync_tag),
    )


def tag_of(text: str | None) -> str | None:
    """The scope tag, checked as any tag is (`people.fields.check_tags`); None: every contact."""
    if text is None:
        return None
    if not text.strip():
        raise Invalid("the sync tag is empty: give a tag, or leave it out to sync every contact")
    return check_tags([text])[0]


def from_config(entry: object) -> ContactsSource:
    """One `[[sync.contacts]]` table: `vdir = PATH`, or `url = URL` with `username` and
    `password_command`; `sync_tag` for either."""
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
    for key in KEYS:
        if key in entry and not isinstance(entry[key], str):
            raise Invalid(f"[[{WHERE}]]: {key} must be a string")
    if "vdir" in entry:
        for key in ("username", "password_command"):
            if key in entry:
                raise Invalid(f"[[{WHERE}]]: {key} is for url (CardDAV) sources only")
        return vdir_source(entry["vdir"], entry.get("sync_tag"))
    return carddav_source(
        entry["url"], entry.get("username"), entry.get("password_command"), entry.get("sync_tag")
    )


def configured(config: Config) -> list[ContactsSource]:
    """The address books the config file names, in order (`[[sync.contacts]]` tables)."""
    table = config.table("sync")
    if table is None:
        return []
    if not isinstance(table, dict):
        raise Invalid("config file: sync must be a table ([[sync.contacts]] entries)")
    entries = table.get("contacts", [])
    if not isinstance(entries, list):
        raise Invalid(f"config file: write each address book as a [[{WHERE}]] table")
    return [from_config(entry) for entry in entries]


def open_collection(source: ContactsSource) -> Collection:
    """The collection a source names: a vdir folder, or the CardDAV client (imported only
    when a CardDAV source is synced)."""
    if source.vdir is not None:
        from crmcli.core.sync.collections import VdirCollection

        return VdirCollection("contacts", source.vdir)
    from crmcli.core.sync import dav  # the standard library's HTTP: no extra needed

    collection: Collection = dav.DavCollection(
        "contacts",
        str(source.url),
        username=source.username,
        password_command=source.password_command,
    )
    return collection
