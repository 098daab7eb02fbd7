"""Carrying out what `crm sync contacts` decided, a chunk at a time: the address book first,
then one transaction recording it in crm.

Each `Step` says what one item becomes: the write to the address book (a card
created, patched or deleted), the write to crm (a contact made, changed, archived or
brought back), and the link after. The address book's writes of a chunk happen
before the transaction that records them, so a run killed between the two has
written cards crm does not know of yet: the next run finds them by their UID
(`contact_plan`), never making them twice. Inside the transaction, a step whose link
another run moved meanwhile (two shells racing) is left to that run.
"""

from __future__ import annotations

import errno
import json
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import TYPE_CHECKING, Any

from crmcli.core.errors import Conflict, CrmError, NotFound, Refused
from crmcli.core.sync import address_book, cards, links, state
from crmcli.core.sync.contact_fields import Decision, Fields
from crmcli.core.sync.contact_report import FieldConflict, Planned, Side, SourceResult
from crmcli.core.values.text import printable

if TYPE_CHECKING:
    from crmcli.core.db.store import Store, Tx
    from crmcli.core.interchange.importing.writer import ContactWriter
    from crmcli.core.sync.cards import Card
    from crmcli.core.sync.collections import Collection
    from crmcli.core.sync.links import Link

KIND = "contacts"
# A write failing so is the folder's state, not the card's: the run stops there.
FOLDER_FULL = frozenset({errno.ENOSPC, errno.EDQUOT, errno.EROFS})


@dataclass
class Step:
    """What one item becomes: the address book's write, crm's write, the link after."""

    href: str | None
    label: str
    link: Link | None = None
    contact_id: int | None = None
    card: Card | None = None
    there: str | None = None  # "create", "update" or "delete"
    etag: str | None = None  # the etag written against (or, with no write, the new one)
    uid: str | None = None
    view: dict[str, Any] | None = None
    to_there: tuple[str, ...] = ()
    here: str | None = None  # "create", "apply", "archive" or "restore"
    how: dict[str, Decision] = field(default_factory=dict)
    add_tag: bool = False
    keep: bool = True  # False: forget the link
    base: Fields | None = None
    ours: bool = False
    recheck: bool = False  # conflicts still open: read the card again next run
    remember_only: bool = False  # a card that is no person (a group, a company)
    planned: list[Planned] = field(default_factory=list)
    counted: list[tuple[Side, str]] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    conflicts: list[FieldConflict] = field(default_factory=list)


def count(step: Step, side: Side, what: str, action: str, fields: tuple[str, ...] = ()) -> None:
    """What the step counts once done (or, dry, planned), and its line in the plan."""
    step.counted.append((side, what))
    step.planned.append(Planned(action, step.contact_id, _name(step), step.href, fields))


class Applier:
    """Writes the steps of one run to the address book and to crm."""

    def __init__(
        self,
        store: Store,
        collection: Collection,
        result: SourceResult,
        *,
        tag: str | None,
        domain: str,
        now: datetime,
    ) -> None:
        self.store = store
        self.collection = collection
        self.result = result
        self.tag = tag
        self.domain = domain
        self.now = now
        self.command = f"sync contacts {collection.name}"
        self._uids: dict[int, str] | None = None

    def carry_out(self, steps: list[Step], *, dry_run: bool) -> None:
        """The chunk's writes to the address book, then one transaction recording them."""
        if dry_run:
            for step in steps:
                self.report(step)
            return
        wanted = [
            int(step.contact_id)
            for step in steps
            if step.there in ("create", "update") and step.view is None and step.contact_id
        ]
        views = self._views(wanted) if wanted else {}
        for step in steps:
            if step.view is None and step.contact_id in views:
                step.view = views[int(step.contact_id)]
        done = [step for step in steps if self._write_there(step)]
        if not done:
            return
        with self.store.write(self.command, rules=False) as tx:
            source_id = state.ensure(tx, KIND, self.collection.name)
            writer: ContactWriter | None = None
            for step in done:
                if not self._still(tx, source_id, step):
                    continue
                if step.here == "create":
                    writer = writer or _writer(tx)
                    assert step.card is not None
                    step.contact_id = writer.create(step.card.row)
                self._write_here(tx, step)
                self._link(tx, source_id, step)
                self.report(step)
            if writer is not None:
                writer.flush()
            logged = tx.store.value("SELECT 1 FROM change_log WHERE batch = ? LIMIT 1", (tx.batch,))
        if logged:  # a batch `crm undo` lists (moving links alone is not one)
            self.result.chunks += 1

    def _write_there(self, step: Step) -> bool:
        """The address book's write for a step, made before crm records it; False (and
        nothing to record) when the card changed meanwhile or could not be written."""
        try:
            view = step.view
            if step.there in ("create", "update") and view is None:
                return False  # deleted meanwhile
            if step.there == "create":
                assert view is not None
                step.uid = cards.card_uid(view, self.domain)
                body = cards.new_card(view, self.domain, self._card_uids())
                step.href, step.etag = self.collection.create(step.uid, body)
            elif step.there == "update":
                assert step.card is not None and step.href is not None and view is not None
                body = cards.patch(
                    step.card.text,
                    step.card.encoding,
                    self._with_card(view, step),
                    step.to_there,
                    uid_domain=self.domain,
                    uids=self._card_uids(),
                    now=self.now,
                )
                step.etag = self.collection.update(step.href, body, step.card.etag)
            elif step.there == "delete":
                assert step.href is not None
                etag = step.card.etag if step.card is not None else step.etag
                self.collection.delete(step.href, str(etag))
        except Conflict as exc:
            self.result.there.skipped += 1
            self.result.notes.append(
                f"{step.href}: {exc.message}; left for the next sync"
                if step.there != "create"
                else f"{step.label}: {exc.message}, not made by this sync: left as it is"
            )
            return False
        except (NotFound, OSError) as exc:
            if isinstance(exc, OSError) and exc.errno in FOLDER_FULL:
                # Every card after this one would fail alike: one line and a stop, kept
                # for --status; the cards written so far are found by UID next run.
                where = printable(self.collection.name)
                raise Refused(f"cannot write to {where}: {exc.strerror or exc}") from None
            self.result.there.errors += 1
            reason = exc.message if isinstance(exc, CrmError) else (exc.strerror or str(exc))
            self.result.error_lines.append(f"cannot write {step.href or step.uid}: {reason}")
            return False
        return True

    def _with_card(self, view: dict[str, Any], step: Step) -> dict[str, Any]:
        """crm's view, its lists joined with the card's where they merge as a union."""
        assert step.card is not None
        union = [name for name, how in step.how.items() if how == "union"]
        if not union:
            return view
        from crmcli.core.people.fields import normalise_url
        from crmcli.core.sync.contact_fields import address_value, phone_value
        from crmcli.core.values.emails import normalise

        row = step.card.row
        out = dict(view)
        for name in union:
            if name == "emails":
                have = {normalise(e["email"] or "") for e in view["emails"]}
                out["emails"] = view["emails"] + [
                    {"email": e[1], "label": e[3], "primary": False}
                    for e in row.emails
                    if e[2] not in have
                ]
            elif name == "phones":
                keys = {phone_value(p["number"], p["e164"], p["extension"]) for p in view["phones"]}
                out["phones"] = view["phones"] + [
                    {"number": p[1], "e164": p[2], "extension": p[3], "label": p[5]}
                    for p in row.phones
                    if phone_value(p[1], p[2], p[3]) not in keys
                ]
            elif name == "urls":
                urls = {normalise_url(u["url"] or "") for u in view["urls"]}
                out["urls"] = view["urls"] + [
                    {"url": u[1], "kind": u[3]} for u in row.urls if u[2] not in urls
                ]
            elif name == "handles":
                known = {(h["service"], h["handle"].casefold()) for h in view["handles"]}
                out["handles"] = view["handles"] + [
                    {"service": h[1], "handle": h[2]}
                    for h in row.handles
                    if (h[1], h[2].casefold()) not in known
                ]
            elif name == "addresses":
                mine = list(view["addresses"] or [])
                have = {address_value(a) for a in mine}
                theirs = json.loads(row.contact[15]) if row.contact[15] else []
                out["addresses"] = mine + [a for a in theirs if address_value(a) not in have]
        return out

    def _still(self, tx: Tx, source_id: int, step: Step) -> bool:
        """Another run may have synced the same item meanwhile (two shells racing): its
        link is then not what this run read, and the step is left to it."""
        if step.link is None:
            taken = step.href is not None and tx.store.value(
                "SELECT 1 FROM sync_item WHERE source_id = ? AND item = ?",
                (source_id, step.href),
            )
        else:
            taken = (
                tx.store.value("SELECT fingerprint FROM sync_item WHERE id = ?", (step.link.id,))
                != step.link.etag
            )
        if taken:
            self.result.notes.append(f"{step.label}: synced by another run meanwhile")
            step.counted = []
            step.planned = []
        return not taken

    def _write_here(self, tx: Tx, step: Step) -> None:
        cid = step.contact_id
        if cid is None or step.here == "create":
            return
        if step.here == "archive":
            address_book.set_archived(tx, cid, True)
            return
        if step.here == "restore":
            address_book.set_archived(tx, cid, False)
        if step.how:
            assert step.card is not None
            address_book.apply_card(tx, cid, step.card.row, step.how)
        if step.add_tag and self.tag:
            address_book.add_tag(tx, cid, self.tag)

    def _link(self, tx: Tx, source_id: int, step: Step) -> None:
        link = step.link
        if step.remember_only:
            if link is None:
                links.add(tx, source_id, str(step.href), step.etag, None, None, None, False)
            else:
                links.move(tx, link, etag=step.etag, row_id=None, fields=None, ours=False)
            return
        if not step.keep:
            if link is not None:
                links.drop(tx, link)
            return
        etag = links.RECHECK if step.recheck else step.etag
        if link is None:
            links.add(
                tx,
                source_id,
                str(step.href),
                etag,
                "contact",
                step.contact_id,
                step.base,
                step.ours,
            )
        else:
            links.move(
                tx,
                link,
                href=step.href,
                etag=etag,
                row_id=step.contact_id,
                fields=step.base,
                ours=step.ours,
            )

    def report(self, step: Step) -> None:
        for side, what in step.counted:
            setattr(side, what, getattr(side, what) + 1)
        for planned in step.planned:
            if planned.contact_id is None and step.contact_id is not None:
                planned = Planned(
                    planned.action, step.contact_id, planned.contact, planned.href, planned.fields
                )
            self.result.planned.append(planned)
        self.result.notes += step.notes
        self.result.conflicts += step.conflicts

    def _views(self, ids: Sequence[int]) -> dict[int, dict[str, Any]]:
        from crmcli.core.db.store import in_chunks
        from crmcli.core.interchange.exporting import contacts as exported

        views: dict[int, dict[str, Any]] = {}
        for archived in (False, True):  # an archived contact brought back by its card too
            wanted = sorted(set(ids) - set(views))
            for chunk, marks in in_chunks(wanted):
                where = (f"c.id IN ({marks})", list(chunk))
                for view in exported(self.store, archived=archived, where=where):
                    views[int(view["id"])] = dict(view)
        return views

    def _card_uids(self) -> dict[int, str]:
        if self._uids is None:
            from crmcli.core.people.relations import card_uids

            self._uids = card_uids(self.store)
        return self._uids


def _name(step: Step) -> str:
    label = step.label
    if label.startswith("#") and " " in label:
        return label.split(" ", 1)[1]
    return label


def _writer(tx: Tx) -> ContactWriter:
    """The import's writer, for contacts made from cards: the rows `crm import` writes."""
    from crmcli.core.interchange.importing.options import ImportOptions, ImportSummary
    from crmcli.core.interchange.importing.writer import ContactWriter

    return ContactWriter(tx, ImportOptions(label=tx.command), ImportSummary())
