"""`crm sync contacts`: a two-way sync between the book's contacts and an address book.

Each run is a diff. The address book is listed (href -> etag) and only cards whose
etag moved since the last run are read; crm's side is read whole in a few queries
and compared, field by field, with `base`, what both sides last agreed on
(`sync_item`). Then, per item:
- changed on one side only: that side's fields go to the other; changed on both:
  merged field by field (`contact_fields.merge`), a field changed on both sides to
  different values being a conflict, reported and written on neither side;
- a card never seen: its own contact by UID first (crm's `crm-contact-N@<db>` UID,
  or the UID the contact came with), else by the import's identity rules
  (`people.matching`), else a new contact, made as `crm import` makes it;
- a contact in scope with no card: a new card, crm's UID;
- a deletion goes across only when the other side did not change since the last
  run: a card deleted there archives its contact (undoable; nothing is deleted in
  crm), a contact archived or deleted here deletes its card; changed on the other
  side, nothing is deleted: the changed side is written back and it is said.

Work is done in chunks. Each chunk's writes to the address book happen first, then
one transaction records them with crm's changes and the links (one undoable batch,
"sync contacts <source>"). A run killed between the two finds its own cards the
next time by their UID, so nothing is made twice. `--dry-run` reads everything and
writes nothing, anywhere.
"""

from __future__ import annotations

import contextlib
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from crmcli.core import clock
from crmcli.core.errors import Conflict, CrmError, NotFound
from crmcli.core.sync import address_book, cards, links, state
from crmcli.core.sync.contact_fields import Decision, Fields, Merged, merge, shown

if TYPE_CHECKING:
    from crmcli.core.db.store import Store, Tx
    from crmcli.core.interchange.importing.prepare import Preparing
    from crmcli.core.interchange.importing.writer import ContactWriter
    from crmcli.core.sync.address_book import Local
    from crmcli.core.sync.cards import Card
    from crmcli.core.sync.collections import Collection
    from crmcli.core.sync.links import Link

KIND = "contacts"
CHUNK = 200  # items per transaction: a killed run redoes at most this many


@dataclass
class Side:
    """What a run did (or, dry, would do) on one side: crm ("here") or the address book."""

    new: int = 0
    updated: int = 0
    deleted: int = 0
    skipped: int = 0
    errors: int = 0

    def as_dict(self) -> dict[str, int]:
        return {
            "new": self.new,
            "updated": self.updated,
            "deleted": self.deleted,
            "skipped": self.skipped,
            "errors": self.errors,
        }


@dataclass(frozen=True)
class FieldConflict:
    """A field changed on both sides to different values: left as it is on each."""

    contact_id: int
    contact: str
    field: str
    here: str
    there: str
    href: str

    def text(self) -> str:
        return (
            f"conflict: #{self.contact_id} {self.contact}: {self.field} changed on both sides "
            f"(crm {self.here}, card {self.there}); neither changed: edit one to match the other"
        )


@dataclass(frozen=True)
class Planned:
    """One thing a run does (or would do): `action` is create/update/delete here/there,
    or "link" (a card and a contact found to be the same person)."""

    action: str
    contact_id: int | None
    contact: str
    href: str | None
    fields: tuple[str, ...] = ()

    def text(self) -> str:
        who = f"#{self.contact_id} {self.contact}" if self.contact_id else self.contact
        what = f": {', '.join(self.fields)}" if self.fields else ""
        card = f"  ({self.href})" if self.href else ""
        return f"{self.action:<13} {who}{what}{card}"


@dataclass
class SourceResult:
    """How a source's run went: each side's counts, the conflicts, what was done, what
    the rep must hear (a deletion not carried over, a card left in place)."""

    source: str
    here: Side = field(default_factory=Side)
    there: Side = field(default_factory=Side)
    conflicts: list[FieldConflict] = field(default_factory=list)
    planned: list[Planned] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    error_lines: list[str] = field(default_factory=list)
    chunks: int = 0  # undoable batches written

    def counts(self) -> dict[str, Any]:
        """Both sides summed, then each side: what `--json` and `crm sync --status` show."""
        here, there = self.here.as_dict(), self.there.as_dict()
        return {
            **{key: here[key] + there[key] for key in here},
            "conflicts": len(self.conflicts),
            "here": here,
            "there": there,
        }

    def flat_counts(self) -> dict[str, int]:
        """The counts in one level, as `sync_source.last_counts` keeps them."""
        out = {f"{k} here": v for k, v in self.here.as_dict().items() if v}
        out.update({f"{k} there": v for k, v in self.there.as_dict().items() if v})
        out["conflicts"] = len(self.conflicts)
        return out


@dataclass(frozen=True)
class Options:
    """The rep's choices for a run."""

    tag: str | None = None  # only contacts with this tag (None: every live contact)
    dry_run: bool = False
    chunk: int = CHUNK


@dataclass
class _Step:
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


def sync_contacts(
    store: Store,
    collection: Collection,
    options: Options = Options(),
    *,
    progress: Callable[[int, int], None] | None = None,
) -> SourceResult:
    """Sync the book with one address book; see the module's docstring."""
    result = SourceResult(collection.name)
    _check(store, collection)
    try:
        _Run(store, collection, options, result, progress).go()
        if not options.dry_run:
            with store.write(f"sync contacts {collection.name}", rules=False) as tx:
                source_id = state.ensure(tx, KIND, collection.name)
                state.finish(
                    tx,
                    source_id,
                    counts=result.flat_counts(),
                    cursor=None,
                    error=None,
                    set_cursor=False,
                )
    except CrmError as exc:
        if not options.dry_run:
            _record_error(store, collection.name, exc.message, result)
        raise
    finally:
        collection.close()
    return result


def _check(store: Store, collection: Collection) -> None:
    """Reach the collection; a vdir folder must be an address book (not the database's
    folder, not a folder of other files), so a mistyped path never fills one with cards."""
    collection.check()
    folder = getattr(collection, "folder", None)
    if folder is not None:
        from crmcli.core.db import guarded
        from crmcli.core.interchange.vcard.vdir import check_folder

        check_folder(folder, guarded.database_path(store))


def _record_error(store: Store, name: str, message: str, result: SourceResult) -> None:
    """Keep a failed run's error on the source for `crm sync --status` (best effort)."""
    with contextlib.suppress(CrmError), store.write(f"sync contacts {name}", rules=False) as tx:
        source_id = state.ensure(tx, KIND, name)
        state.finish(
            tx, source_id, counts=result.flat_counts(), cursor=None, error=message, set_cursor=False
        )


def _chunks(items: Sequence[Any], size: int) -> Iterator[Sequence[Any]]:
    for start in range(0, len(items), max(1, size)):
        yield items[start : start + max(1, size)]


class _Run:
    """One source's run: the diff, then the chunks (see the module's docstring)."""

    def __init__(
        self,
        store: Store,
        collection: Collection,
        options: Options,
        result: SourceResult,
        progress: Callable[[int, int], None] | None,
    ) -> None:
        from crmcli.core.interchange.exporting import calendar_domain
        from crmcli.core.interchange.importing.prepare import BOOLS, INTS, Preparing

        self.store = store
        self.collection = collection
        self.options = options
        self.tag = options.tag
        self.result = result
        self.progress = progress
        self.domain = calendar_domain(store)
        flags = INTS if store.dialect.name == "sqlite" else BOOLS
        self.how: Preparing = Preparing(str(store.config.get("default_region")), flags)
        self.command = f"sync contacts {collection.name}"
        self.now = clock.now()
        self._uids: dict[int, str] | None = None
        self.done = 0
        self.total = 0
        self.pending: list[_Step] = []

    # -- the diff -------------------------------------------------------------------------

    def go(self) -> None:
        known = state.find(self.store, KIND, self.collection.name)
        self.source_id = None if known is None else known.id
        self.links = links.read(self.store, self.source_id)
        listing = self.collection.list()
        self.book = address_book.read_book(self.store, self.tag, self.source_id)
        self.linked = {link.row_id for link in self.links.values() if link.row_id is not None}
        work: list[str] = []
        fresh = sorted(href for href in listing if href not in self.links)
        for href, link in sorted(self.links.items()):
            etag = listing.get(href)
            if link.row_id is None:  # remembered, not a contact (a group's or company's card)
                if etag is None or etag != link.etag:
                    (work if etag is None else fresh).append(href)
                continue
            local = self.book.get(link.row_id)
            if local is not None and not local.archived and not local.in_scope:
                if not (link.ours and etag == link.etag):
                    self.result.here.skipped += 1  # out of scope: neither side written
                    continue
            elif (
                etag == link.etag
                and local is not None
                and not local.archived
                and link.base is not None
                and local.fields == link.base
            ):
                continue  # the same on both sides since the last run: nothing to read
            work.append(href)
        newcomers = sum(
            1
            for cid, local in self.book.items()
            if local.in_scope and not local.archived and cid not in self.linked
        )
        self.total = len(work) + len(fresh) + newcomers
        for chunk in _chunks(work, self.options.chunk):
            self._queue(self._linked(chunk, listing))
        for chunk in _chunks(sorted(fresh), self.options.chunk):
            self._queue(self._fresh(chunk, listing))
        ids = sorted(
            cid
            for cid, local in self.book.items()
            if local.in_scope and not local.archived and cid not in self.linked
        )
        self.total = self.done + len(ids)
        for chunk in _chunks(ids, self.options.chunk):
            self._queue(self._newcomers(chunk))
        self._queue([], last=True)

    def _queue(self, steps: list[_Step], *, last: bool = False) -> None:
        """Steps are carried out a chunk at a time, whatever phase they come from: a
        small run is one batch (one `crm undo`), a big one a batch per chunk."""
        self.pending += steps
        size = max(1, self.options.chunk)
        while len(self.pending) >= size or (last and self.pending):
            chunk, self.pending = self.pending[:size], self.pending[size:]
            self._carry_out(chunk)

    def _fetch(self, hrefs: Sequence[str]) -> dict[str, Card]:
        """The readable cards among `hrefs`; an unreadable one is counted and named, and
        left as it is (read again next run)."""
        found: dict[str, Card] = {}
        if not hrefs:
            return found
        for ordinal, item in enumerate(self.collection.get(list(hrefs))):
            card = cards.read(item.href, item.etag, item.body, self.how, ordinal, self.tag)
            if isinstance(card, str):
                self.result.there.errors += 1
                self.result.error_lines.append(f"{item.href}: {card}")
            else:
                found[item.href] = card
        return found

    def _tick(self, count: int) -> None:
        self.done += count
        if self.progress is not None:
            self.progress(self.done, max(self.total, self.done))

    # -- linked items ---------------------------------------------------------------------

    def _linked(self, hrefs: Sequence[str], listing: dict[str, str]) -> list[_Step]:
        fetched = self._fetch([h for h in hrefs if h in listing])
        steps: list[_Step] = []
        for href in hrefs:
            link = self.links[href]
            etag = listing.get(href)
            if etag is not None and href not in fetched:
                continue  # unreadable (counted), or gone meanwhile: next run
            step = self._linked_step(link, etag, fetched.get(href))
            if step is not None:
                steps.append(step)
        self._tick(len(hrefs))
        return steps

    def _linked_step(self, link: Link, etag: str | None, card: Card | None) -> _Step | None:
        local = self.book.get(link.row_id) if link.row_id is not None else None
        label = local.label if local is not None else (card.name if card else link.href)
        step = _Step(link.href, label, link, link.row_id, card, etag=etag)
        if link.row_id is None:  # a remembered card gone: forget it
            step.keep = False
            return step
        if etag is None:
            return self._gone_there(step, link, local)
        assert card is not None
        if card.kind != "person":
            self.result.there.errors += 1
            self.result.error_lines.append(f"{link.href}: no longer a person's card; left as is")
            return None
        there_same = etag == link.etag and link.base is not None
        there: Fields = dict(link.base) if there_same and link.base else card.fields
        if local is None or local.archived:
            return self._gone_here(step, link, local, card, there_same, there)
        if not local.in_scope:  # crm's own card, unchanged there: taken back out of the phone
            step.there, step.keep = "delete", False
            self._count(step, self.result.there, "deleted", "delete there")
            step.notes.append(
                f"{local.label} left the scope ({self.tag}): its card, made by crm, was removed"
            )
            return step
        merged = merge(link.base, local.fields, there)
        return self._merged(step, local, card, there, merged, link.ours)

    def _gone_there(self, step: _Step, link: Link, local: Local | None) -> _Step:
        """The card was deleted there."""
        step.keep = False
        if local is None or local.archived or not local.in_scope:
            return step  # gone on both sides, or left the scope: forget the pair
        if link.base is not None and local.fields == link.base:
            step.here = "archive"
            self._count(step, self.result.here, "deleted", "delete here")
            return step
        # Changed here since: the card is written again, never the contact archived.
        step.keep, step.there, step.ours, step.base = True, "create", True, local.fields
        self._count(step, self.result.there, "new", "create there")
        step.notes.append(
            f"{local.label}: its card was deleted in the address book, but the contact "
            "changed in crm since the last sync: the card was written again"
        )
        return step

    def _gone_here(
        self,
        step: _Step,
        link: Link,
        local: Local | None,
        card: Card,
        there_same: bool,
        there: Fields,
    ) -> _Step:
        """The contact was archived or deleted in crm."""
        if there_same:
            step.there, step.keep = "delete", False
            self._count(step, self.result.there, "deleted", "delete there")
            return step
        if local is None:  # deleted here, changed there: made again from the card
            step.here, step.base, step.ours = "create", card.fields, False
            step.label, step.contact_id = card.name, None
            self._count(step, self.result.here, "new", "create here")
            step.notes.append(
                f"{card.name}: deleted in crm but changed in the address book since: "
                "made again from the card"
            )
            return step
        merged = merge(link.base, local.fields, there)
        step.here = "restore"
        step.notes.append(
            f"{local.label}: archived in crm but changed in the address book since: "
            "brought back (archive it again to take it off)"
        )
        self._merged(step, local, card, there, merged, link.ours)
        if not step.how:
            self._count(step, self.result.here, "updated", "update here")
        return step

    def _merged(
        self, step: _Step, local: Local, card: Card, there: Fields, merged: Merged, ours: bool
    ) -> _Step:
        """The merge's outcome as writes on each side."""
        step.base, step.ours = merged.base, ours
        for name in merged.conflicts:
            step.conflicts.append(
                FieldConflict(
                    local.id,
                    local.name,
                    name,
                    shown(name, local.fields[name]),
                    shown(name, there[name]),
                    card.href,
                )
            )
        step.recheck = bool(merged.conflicts)
        if merged.to_here:
            step.how = {name: merged.decisions[name] for name in merged.to_here}
            step.here = step.here or "apply"
            self._count(step, self.result.here, "updated", "update here", tuple(merged.to_here))
        if merged.to_there:
            step.there, step.to_there = "update", tuple(merged.to_there)
            self._count(step, self.result.there, "updated", "update there", step.to_there)
        return step

    # -- cards never seen -----------------------------------------------------------------

    def _fresh(self, hrefs: Sequence[str], listing: dict[str, str]) -> list[_Step]:
        fetched = self._fetch(hrefs)
        people = [c for c in fetched.values() if c.kind == "person"]
        found = self._identify(people)
        targets = address_book.read_ids(
            self.store, self.tag, [cid for cid in found.values() if cid not in self.book]
        )
        steps: list[_Step] = []
        for href in hrefs:
            card = fetched.get(href)
            if card is None:
                continue
            link = self.links.get(href)
            step = _Step(href, card.name, link, card=card, etag=card.etag)
            if card.kind != "person":
                step.remember_only = True
                self.result.there.skipped += 1
                steps.append(step)
                continue
            cid = found.get(href)
            local = None if cid is None else self.book.get(cid) or targets.get(cid)
            if local is not None and local.archived:
                self.result.there.skipped += 1
                self.result.notes.append(
                    f"{href}: the same person as archived {local.label}: not synced "
                    "(unarchive the contact, or delete the card)"
                )
                continue
            if local is None or local.id in self.linked:
                step.here, step.base = "create", card.fields
                self._count(step, self.result.here, "new", "create here")
            else:
                self.linked.add(local.id)
                step.contact_id, step.label = local.id, local.label
                step.add_tag = bool(self.tag) and not local.in_scope
                step.planned.append(Planned("link", local.id, local.name, href))
                merged = merge(None, local.fields, card.fields)
                self._merged(step, local, card, card.fields, merged, False)
                if step.add_tag and not step.how:
                    self._count(step, self.result.here, "updated", "update here", ("tags",))
            steps.append(step)
        self._tick(len(hrefs))
        return steps

    def _identify(self, people: list[Card]) -> dict[str, int]:
        """Each card's contact: by UID first (crm's own, or the one a contact came with),
        then by the import's identity rules."""
        from crmcli.core.interchange.vcard.write import contact_id_from_uid
        from crmcli.core.people.matching import Matcher

        found: dict[str, int] = {}
        ours = {
            c.href: cid
            for c in people
            if c.uid and (cid := contact_id_from_uid(c.uid, self.domain)) is not None
        }
        if ours:
            existing = {
                int(row[0])
                for row in self.store.tuples_in(
                    "SELECT id FROM contact WHERE id IN ({ids})", sorted(set(ours.values()))
                )
            }
            found.update({href: cid for href, cid in ours.items() if cid in existing})
        rest = [c for c in people if c.href not in found]
        if rest:
            matcher = Matcher(self.store)
            matcher.prefetch([c.row.candidate for c in rest])
            for card in rest:
                match = matcher.find(card.row.candidate)
                if match is not None:
                    found[card.href] = match.contact_id
        return found

    # -- contacts with no card ------------------------------------------------------------

    def _newcomers(self, ids: Sequence[int]) -> list[_Step]:
        steps: list[_Step] = []
        views: dict[int, dict[str, Any]] = {}
        if not self.options.dry_run:
            views = self._views(ids)
        for cid in ids:
            local = self.book[cid]
            step = _Step(None, local.label, contact_id=cid, there="create", ours=True)
            step.base = local.fields
            if not self.options.dry_run:
                view = views.get(cid)
                if view is None:
                    continue  # archived or deleted meanwhile
                step.view = view
            self._count(step, self.result.there, "new", "create there")
            steps.append(step)
        self._tick(len(ids))
        return steps

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

    # -- doing it -------------------------------------------------------------------------

    def _count(
        self, step: _Step, side: Side, what: str, action: str, fields: tuple[str, ...] = ()
    ) -> None:
        step.counted.append((side, what))
        step.planned.append(Planned(action, step.contact_id, _name(step), step.href, fields))

    def _carry_out(self, steps: list[_Step]) -> None:
        """The chunk's writes to the address book, then one transaction recording them."""
        if self.options.dry_run:
            for step in steps:
                self._report(step)
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
                self._report(step)
            if writer is not None:
                writer.flush()
            logged = tx.store.value("SELECT 1 FROM change_log WHERE batch = ? LIMIT 1", (tx.batch,))
        if logged:  # a batch `crm undo` lists (moving links alone is not one)
            self.result.chunks += 1

    def _write_there(self, step: _Step) -> bool:
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
            self.result.there.errors += 1
            reason = exc.message if isinstance(exc, CrmError) else (exc.strerror or str(exc))
            self.result.error_lines.append(f"{step.href or step.uid}: {reason}")
            return False
        return True

    def _with_card(self, view: dict[str, Any], step: _Step) -> dict[str, Any]:
        """crm's view, its lists joined with the card's where they merge as a union."""
        assert step.card is not None
        union = [name for name, how in step.how.items() if how == "union"]
        if not union:
            return view
        from crmcli.core.sync.contact_fields import address_value, phone_value

        row = step.card.row
        out = dict(view)
        for name in union:
            if name == "emails":
                have = {(e["email"] or "").strip().casefold() for e in view["emails"]}
                out["emails"] = view["emails"] + [
                    {"email": e[1], "label": e[3], "primary": False}
                    for e in row.emails
                    if e[1].strip().casefold() not in have
                ]
            elif name == "phones":
                keys = {phone_value(p["number"], p["e164"], p["extension"]) for p in view["phones"]}
                out["phones"] = view["phones"] + [
                    {"number": p[1], "e164": p[2], "extension": p[3], "label": p[5]}
                    for p in row.phones
                    if phone_value(p[1], p[2], p[3]) not in keys
                ]
            elif name == "urls":
                out["urls"] = view["urls"] + [{"url": u[1], "kind": u[3]} for u in row.urls]
            elif name == "handles":
                out["handles"] = view["handles"] + [
                    {"service": h[1], "handle": h[2]} for h in row.handles
                ]
            elif name == "addresses":
                import json

                mine = list(view["addresses"] or [])
                have = {address_value(a) for a in mine}
                theirs = json.loads(row.contact[15]) if row.contact[15] else []
                out["addresses"] = mine + [a for a in theirs if address_value(a) not in have]
        return out

    def _still(self, tx: Tx, source_id: int, step: _Step) -> bool:
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

    def _write_here(self, tx: Tx, step: _Step) -> None:
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

    def _link(self, tx: Tx, source_id: int, step: _Step) -> None:
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

    def _report(self, step: _Step) -> None:
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


def _name(step: _Step) -> str:
    label = step.label
    if label.startswith("#") and " " in label:
        return label.split(" ", 1)[1]
    return label


def _writer(tx: Tx) -> ContactWriter:
    """The import's writer, for contacts made from cards: the rows `crm import` writes."""
    from crmcli.core.interchange.importing.options import ImportOptions, ImportSummary
    from crmcli.core.interchange.importing.writer import ContactWriter

    return ContactWriter(tx, ImportOptions(label=tx.command), ImportSummary())


def run_all(
    store: Store,
    collections: Sequence[tuple[Collection, Options]],
    *,
    progress: Callable[[str, int, int], None] | None = None,
) -> list[SourceResult]:
    """Each source in turn; the first error stops the run (the sources done stay done)."""
    results: list[SourceResult] = []
    for collection, options in collections:

        def report(done: int, total: int, name: str = collection.name) -> None:
            if progress is not None:
                progress(name, done, total)

        results.append(sync_contacts(store, collection, options, progress=report))
    return results
