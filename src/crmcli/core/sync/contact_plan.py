"""Deciding what `crm sync contacts` does with each item: the diff and the merge, no writes.

Three kinds of item, in this order:
- a card linked to a contact (`sync_item`): compared, field by field, with what both
  sides last agreed on (`contact_fields.merge`); a deletion on one side goes across
  only when the other side did not change since (a card deleted there archives its
  contact; a contact archived or deleted here deletes its card); otherwise what
  changed is written back and said;
- a card never seen: its contact by UID first (crm's own `crm-contact-N@<db>` UID,
  or the UID the contact came with), then by the import's identity rules
  (`people.matching`), else a new contact, as `crm import` makes it;
- a contact in scope with no card: a new card.
The decisions are `Step`s (`contact_steps`), carried out a chunk at a time.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING, Literal

from crmcli.core.sync import address_book, cards
from crmcli.core.sync.contact_fields import Fields, Merged, merge, shown
from crmcli.core.sync.contact_report import FieldConflict, Planned, SourceResult
from crmcli.core.sync.contact_steps import Step, count

if TYPE_CHECKING:
    from crmcli.core.db.store import Store
    from crmcli.core.interchange.importing.prepare import Preparing
    from crmcli.core.sync.address_book import Local
    from crmcli.core.sync.cards import Card
    from crmcli.core.sync.collections import Collection
    from crmcli.core.sync.links import Link


class Planner:
    """The steps of one run, from the links, the listing and crm's contacts."""

    def __init__(
        self,
        store: Store,
        collection: Collection,
        result: SourceResult,
        *,
        tag: str | None,
        how: Preparing,
        domain: str,
        links: dict[str, Link],
        book: dict[int, Local],
        prefer: Literal["crm", "card"] | None = None,
    ) -> None:
        self.store = store
        self.collection = collection
        self.result = result
        self.tag = tag
        self.how = how
        self.domain = domain
        self.links = links
        self.book = book
        self.prefer = prefer
        # Contacts with a card in this source (linked before, or during this run).
        self.linked = {link.row_id for link in links.values() if link.row_id is not None}

    def fetch(self, hrefs: Sequence[str]) -> dict[str, Card]:
        """The readable cards among `hrefs`; an unreadable one is counted and named, and
        left as it is (read again next run)."""
        found: dict[str, Card] = {}
        if not hrefs:
            return found
        for ordinal, item in enumerate(self.collection.get(list(hrefs))):
            if item.error is not None:  # too big, or the read refused
                self.result.there.errors += 1
                self.result.error_lines.append(f"cannot read {item.href}: {item.error}")
                continue
            card = cards.read(item.href, item.etag, item.body, self.how, ordinal, self.tag)
            if isinstance(card, str):
                self.result.there.errors += 1
                self.result.error_lines.append(f"cannot read {item.href}: {card}")
            else:
                found[item.href] = card
        return found

    # -- linked items ---------------------------------------------------------------------

    def linked_items(self, hrefs: Sequence[str], listing: dict[str, str]) -> list[Step]:
        """Steps for cards linked to contacts, one side or both changed since."""
        fetched = self.fetch([h for h in hrefs if h in listing])
        steps: list[Step] = []
        for href in hrefs:
            link = self.links[href]
            etag = listing.get(href)
            if etag is not None and href not in fetched:
                continue  # unreadable (counted), or gone meanwhile: next run
            step = self._linked_step(link, etag, fetched.get(href))
            if step is not None:
                steps.append(step)
        return steps

    def _linked_step(self, link: Link, etag: str | None, card: Card | None) -> Step | None:
        local = self.book.get(link.row_id) if link.row_id is not None else None
        label = local.label if local is not None else (card.name if card else link.href)
        step = Step(link.href, label, link, link.row_id, card, etag=etag)
        if link.row_id is None:  # a remembered card gone: forget it
            step.keep = False
            return step
        if etag is None:
            return self._gone_there(step, link, local)
        assert card is not None
        if card.kind != "person":
            self.result.there.errors += 1
            self.result.error_lines.append(
                f"cannot sync {link.href}: no longer a person's card; left as is"
            )
            return None
        unchanged = etag == link.etag  # the card as it was at the last run
        there: Fields = dict(link.base) if unchanged and link.base else card.fields
        if local is None or local.archived:
            return self._gone_here(step, link, local, card, unchanged, there)
        if not local.in_scope:  # crm's own card, unchanged there: taken back out of the phone
            step.there, step.keep = "delete", False
            count(step, self.result.there, "deleted", "delete there")
            step.notes.append(
                f"{local.label} left the scope ({self.tag}): its card, made by crm, was removed"
            )
            return step
        merged = merge(link.base, local.fields, there, self.prefer)
        return self._merged(step, local, card, there, merged, link.ours)

    def _gone_there(self, step: Step, link: Link, local: Local | None) -> Step:
        """The card was deleted there."""
        step.keep = False
        if local is None or local.archived or not local.in_scope:
            return step  # gone on both sides, or left the scope: forget the pair
        if link.base is not None and local.fields == link.base:
            step.here = "archive"
            count(step, self.result.here, "deleted", "delete here")
            return step
        # Changed here since: the card is written again, never the contact archived.
        step.keep, step.there, step.ours, step.base = True, "create", True, local.fields
        count(step, self.result.there, "new", "create there")
        step.notes.append(
            f"{local.label}: its card was deleted in the address book, but the contact "
            "changed in crm since the last sync: the card was written again"
        )
        return step

    def _gone_here(
        self,
        step: Step,
        link: Link,
        local: Local | None,
        card: Card,
        unchanged: bool,
        there: Fields,
    ) -> Step:
        """The contact was archived or deleted in crm (or erased: `crm contact forget`
        leaves the link, without what it held, so that its card goes too)."""
        if unchanged:
            step.there, step.keep = "delete", False
            count(step, self.result.there, "deleted", "delete there")
            return step
        if local is None:  # deleted here, changed there: made again from the card
            step.here, step.base, step.ours = "create", card.fields, False
            step.label, step.contact_id = card.name, None
            count(step, self.result.here, "new", "create here")
            step.notes.append(
                f"{card.name}: deleted in crm but changed in the address book since: "
                "made again from the card"
            )
            return step
        merged = merge(link.base, local.fields, there, self.prefer)
        step.here = "restore"
        step.notes.append(
            f"{local.label}: archived in crm but changed in the address book since: "
            "brought back (archive it again to take it off)"
        )
        self._merged(step, local, card, there, merged, link.ours)
        if not step.how:
            count(step, self.result.here, "updated", "update here")
        return step

    def _merged(
        self, step: Step, local: Local, card: Card, there: Fields, merged: Merged, ours: bool
    ) -> Step:
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
            count(step, self.result.here, "updated", "update here", tuple(merged.to_here))
        if merged.to_there:
            step.there, step.to_there = "update", tuple(merged.to_there)
            count(step, self.result.there, "updated", "update there", step.to_there)
        return step

    # -- cards never seen -----------------------------------------------------------------

    def fresh_cards(self, hrefs: Sequence[str]) -> list[Step]:
        """Steps for cards never seen (or seen as no one's card, and changed since)."""
        fetched = self.fetch(hrefs)
        people = [c for c in fetched.values() if c.kind == "person"]
        found = self._identify(people)
        targets = address_book.read_ids(
            self.store, self.tag, [cid for cid in found.values() if cid not in self.book]
        )
        steps: list[Step] = []
        for href in hrefs:
            card = fetched.get(href)
            if card is None:
                continue
            link = self.links.get(href)
            step = Step(href, card.name, link, card=card, etag=card.etag)
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
                count(step, self.result.here, "new", "create here")
            else:
                self.linked.add(local.id)
                step.contact_id, step.label = local.id, local.label
                step.add_tag = bool(self.tag) and not local.in_scope
                step.planned.append(Planned("link", local.id, local.name, href))
                merged = merge(None, local.fields, card.fields, self.prefer)
                self._merged(step, local, card, card.fields, merged, False)
                if step.add_tag and not step.how:
                    count(step, self.result.here, "updated", "update here", ("tags",))
            steps.append(step)
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

    def newcomers(self) -> list[int]:
        """The contacts in scope with no card in this source yet."""
        return sorted(
            cid
            for cid, local in self.book.items()
            if local.in_scope and not local.archived and cid not in self.linked
        )

    def new_cards(self, ids: Sequence[int]) -> list[Step]:
        """A card each for contacts with none (written with crm's UID, or the one the
        contact came with)."""
        steps: list[Step] = []
        for cid in ids:
            local = self.book[cid]
            step = Step(None, local.label, contact_id=cid, there="create", ours=True)
            step.base = local.fields
            count(step, self.result.there, "new", "create there")
            steps.append(step)
        return steps
