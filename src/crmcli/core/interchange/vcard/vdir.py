"""A vdir address book: one `UID.vcf` file per contact, as khard and vdirsyncer read it.

Why a folder and not one file: vdir tools (khard, vdirsyncer, aerc, Evolution's
local books) take each `.vcf` file of a collection folder as ONE contact, so a
multi-card file is read as a single person (https://vdirsyncer.pimutils.org/en/
stable/vdir.html). The sync issue builds on this writer.

Decisions, where the vdir spec leaves them to the writer:
- the file name is the card's UID (`crm-contact-12@<db>.crmcli.vcf`, a company's card
  `crm-company-3@<db>.crmcli.vcf`, or the UID of the card a record came from), every character
  other than a letter, digit, `@ . _ -` made `_`, so a name is never a path, hidden,
  or different on the next export: re-exporting replaces the same files; a card whose
  name another card of the export took (ignoring case) is named by crm's own UID;
- a file is rewritten only when its content changed (vdirsyncer then syncs only those),
  each one atomically (a temporary file beside it, fsynced, renamed);
- crm never deletes a file: a contact deleted since the last export leaves its file
  behind (name it in the summary, do not guess it was ours to remove);
- the folder may hold `.vcf` files, hidden files and the vdir metadata files `color`
  and `displayname`; any other file means it is not an address book, and it is refused,
  as is the database's own folder.
"""

from __future__ import annotations

import io
import re
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from crmcli.core import atomic
from crmcli.core.errors import Invalid
from crmcli.core.interchange.vcard.write import (
    company_uid,
    contact_uid,
    own_uid,
    write_company_cards,
    write_vcards,
)

_UNSAFE = re.compile(r"[^A-Za-z0-9@._-]")
METADATA = frozenset({"color", "displayname"})


@dataclass
class VdirResult:
    written: int = 0  # new or changed files
    unchanged: int = 0
    stale: list[str] = field(default_factory=list)  # `.vcf` files no contact wrote this time


def file_name(uid: str) -> str:
    """The file name of a card: its UID made safe (no `/`, no leading dot), plus `.vcf`."""
    safe = _UNSAFE.sub("_", uid).lstrip(".") or "card"
    return f"{safe[:200]}.vcf"


def check_folder(folder: Path, database: Path | None) -> None:
    """Invalid (exit 2) unless `folder` is missing (its parent present) or an address book."""
    target = atomic.real_target(folder)
    if database is not None and atomic.real_target(database).parent == target:
        raise Invalid(f"not writing cards into {folder}: it is the database's folder")
    if not target.exists():
        if not target.parent.is_dir():
            raise Invalid(f"cannot write {folder}: folder {target.parent} does not exist")
        return
    if not target.is_dir():
        raise Invalid(f"--split needs a folder: {folder} is a file")
    others = sorted(
        p.name
        for p in target.iterdir()
        if not p.name.startswith(".") and p.name not in METADATA and p.suffix.lower() != ".vcf"
    )
    if others:
        shown = ", ".join(others[:3]) + (f" and {len(others) - 3} more" if len(others) > 3 else "")
        raise Invalid(
            f"{folder} holds other files ({shown}): give an empty folder or an address book"
        )


def write_vdir(
    contacts: Iterable[Mapping[str, Any]],
    folder: Path,
    *,
    uid_domain: str,
    database: Path | None = None,
    companies: Iterable[Mapping[str, Any]] = (),
    uids: Mapping[int, str] | None = None,
) -> VdirResult:
    """One card file per company card, then per contact, in `folder` (made if missing);
    see the module docstring."""
    check_folder(folder, database)
    target = atomic.real_target(folder)
    try:
        target.mkdir(mode=0o700, exist_ok=True)
    except OSError as exc:  # /proc/x, a read-only or full disk: said, nothing written
        raise Invalid(f"cannot make the folder {folder}: {exc.strerror or exc}") from exc
    for leftover in target.glob(f".*.vcf.*{atomic.TEMP_SUFFIX}"):
        leftover.unlink(missing_ok=True)  # a card half-written when an export was killed
    result = VdirResult()
    mine: set[str] = set()
    taken: set[str] = set()  # case-folded: macOS and Windows folders ignore case
    for uid, own, card in _cards(contacts, companies, uid_domain, uids):
        name = file_name(uid)
        if name.casefold() in taken:
            # Two cards, one file name ("a/b" and "a:b", "ABC" and "abc", two contacts
            # from one source card, UIDs alike in their first 200 characters): the later
            # one is named by crm's own UID for it, unique and the same on every export,
            # so no card replaces another.
            name = file_name(own)
        taken.add(name.casefold())
        mine.add(name)
        path = target / name
        try:
            if path.read_bytes() == card:
                result.unchanged += 1
                continue
        except OSError:
            pass
        try:
            with atomic.TextReplacement(path) as stream:
                stream.write(card.decode("utf-8"))
        except OSError as exc:
            raise Invalid(f"cannot write {path}: {exc.strerror or exc}") from exc
        result.written += 1
    result.stale = sorted(
        p.name for p in target.glob("*.vcf") if p.name not in mine and p.name.startswith("crm-")
    )
    return result


def _cards(
    contacts: Iterable[Mapping[str, Any]],
    companies: Iterable[Mapping[str, Any]],
    uid_domain: str,
    uids: Mapping[int, str] | None = None,
) -> Iterator[tuple[str, str, bytes]]:
    """(UID, crm's own UID for the record, the card's UTF-8 bytes) of each company card,
    then of each contact."""
    for company in companies:
        buffer = io.StringIO(newline="")
        write_company_cards([company], buffer, uid_domain=uid_domain)
        own = company_uid(company["id"], uid_domain)
        yield own_uid(company) or own, own, buffer.getvalue().encode("utf-8")
    for contact in contacts:
        buffer = io.StringIO(newline="")
        write_vcards([contact], buffer, uid_domain=uid_domain, uids=uids)
        own = contact_uid(contact["id"], uid_domain)
        yield own_uid(contact) or own, own, buffer.getvalue().encode("utf-8")
