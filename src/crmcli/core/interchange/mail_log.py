"""Logging a piped email: whose it is, which way it went, and whether it is already logged.

A message handed over by a mail client (`crm log email -`, and later the TUI or
an assistant) names its contact by its addresses: the first sender a contact
has makes it inbound, else the first recipient makes it outbound. Its
Message-ID is its identity, so the same message piped twice is logged once.

Two steps, so that a front end resolves what the rep typed in between: `place`
finds the contact (or checks the one named) and any earlier log of the message;
`log` records it. A message dated in the future is logged at "now".

Each logged message carries its conversation (`interaction.thread`): the thread of
the earliest logged message it cites, else the key its own headers give
(`values.message_ids`). Asking the log first keeps one conversation whole when a
client cites only the parent (In-Reply-To, a shortened References list); and
`join_thread` brings in what was logged before the message that links it: replies
filed under its own id, and mail it cites that was logged before threads existed.
`crm sync mail` uses the same two functions.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING, Any

from crmcli.core import clock
from crmcli.core.activity import interactions
from crmcli.core.activity.interactions import Direction, Kind
from crmcli.core.errors import NotFound
from crmcli.core.values import message_ids
from crmcli.core.values.emails import normalise

if TYPE_CHECKING:
    from crmcli.core.db.store import Store, Tx
    from crmcli.core.interchange.mailmsg import MailFacts
    from crmcli.core.values.when import When


@dataclass(frozen=True)
class Placement:
    """Where a message belongs: its contact, its direction, and its earlier log if any."""

    contact_id: int
    direction: Direction
    logged_as: int | None  # the interaction that already holds this Message-ID


def place(store: Store, facts: MailFacts, contact_id: int | None = None) -> Placement:
    """The contact a message belongs to (`contact_id` when the rep named one).

    Raises NotFound, listing the message's addresses, when no contact has any of them.
    """
    if contact_id is not None:
        direction = _direction_with(store, contact_id, facts.senders)
    else:
        contact_id, direction = _match(store, facts)
    logged_as = None
    if facts.message_id:
        seen = store.value(
            "SELECT id FROM interaction WHERE external_id = ? AND contact_id = ?",
            (facts.message_id, contact_id),
        )
        logged_as = None if seen is None else int(seen)
    return Placement(contact_id, direction, logged_as)


def _direction_with(store: Store, contact_id: int, senders: list[str]) -> Direction:
    """Inbound when the named contact sent it (one of their addresses is a sender)."""
    own = {normalise(a) for a in senders}
    theirs = {
        row[0]
        for row in store.tuples(
            "SELECT email_norm FROM contact_email WHERE contact_id = ?", (contact_id,)
        )
    }
    return Direction.inbound if own & theirs else Direction.outbound


def _match(store: Store, facts: MailFacts) -> tuple[int, Direction]:
    """The first sender a contact has (inbound), else the first such recipient (outbound)."""
    for addresses, way in (
        (facts.senders, Direction.inbound),
        (facts.recipients, Direction.outbound),
    ):
        for address in addresses:
            found = store.value(
                "SELECT contact_id FROM contact_email WHERE email_norm = ? "
                "ORDER BY contact_id LIMIT 1",
                (normalise(address),),
            )
            if found is not None:
                return int(found), way
    listed = ", ".join(facts.senders + facts.recipients) or "none"
    raise NotFound(
        f"no contact has any of this message's addresses ({listed}); "
        "add one with `crm contact add`, or name the contact"
    )


def log(
    store: Store,
    facts: MailFacts,
    placement: Placement,
    *,
    deal_id: int | None = None,
    next_when: When | None = None,
    next_note: str | None = None,
    now: datetime | None = None,
) -> interactions.Logged:
    """Record the message as an email interaction: Subject, body, Date, Message-ID and
    thread; with `next_when`, the follow-up promised, in the same transaction."""
    moment = now or clock.now()
    at = facts.date if facts.date is not None and facts.date <= moment else None
    contact = store.row(
        "SELECT id, cadence_days, last_touch_at FROM contact WHERE id = ?",
        (placement.contact_id,),
    )
    if contact is None:
        raise NotFound(f"no contact #{placement.contact_id}")
    with store.write(f"log email {placement.contact_id}") as tx:
        thread = thread_of(store, facts)
        row_id = interactions.record(
            tx,
            contact,
            Kind.email,
            facts.subject,
            at=clock.stamp(at) if at else None,
            body=facts.body,
            direction=placement.direction,
            deal_id=deal_id,
            external_id=facts.message_id,
            thread=thread,
        )
        join_thread(tx, facts, thread)
        followup = None
        if next_when is not None:
            from crmcli.core.activity.followups import insert_followup

            followup = insert_followup(
                tx, placement.contact_id, next_when, next_note, deal_id=deal_id
            )
    return interactions.Logged(interactions.get(store, row_id), followup)


def thread_of(store: Store, facts: MailFacts) -> str | None:
    """The conversation a message joins: that of the earliest logged message it cites,
    else the key its own headers give."""
    if facts.references:
        marks = ", ".join("?" * len(facts.references))
        # The earliest is picked here, not by ORDER BY ... LIMIT 1, which SQLite may
        # answer by walking the whole log in time order instead of the few rows cited.
        cited = store.tuples(
            f"SELECT occurred_at, id, thread FROM interaction WHERE external_id IN ({marks})",
            facts.references,
        )
        threaded = [row for row in cited if row[2] is not None]
        if threaded:
            return str(min(threaded)[2])
    return facts.thread


def join_thread(tx: Tx, facts: MailFacts, thread: str | None) -> int:
    """Move into `thread` what belongs there and was logged before this message linked it:
    replies filed under its own id (their client cited only it), and the mail it cites
    that was logged before threads existed. Bookkeeping changes, undone with the batch.
    Returns how many interactions moved."""
    if thread is None:
        return 0
    own = message_ids.normalise(facts.message_id)
    rows: list[tuple[Any, ...]] = []
    # Two queries, each on its own index: an OR of the two lets a planner pick the
    # thread index for "thread IS NULL", which every call and note also matches.
    if own is not None and own != thread:
        rows += tx.store.tuples("SELECT id, contact_id FROM interaction WHERE thread = ?", (own,))
    if facts.references:
        marks = ", ".join("?" * len(facts.references))
        rows += [
            (row_id, contact_id)
            for row_id, contact_id, kind, had in tx.store.tuples(
                "SELECT id, contact_id, kind, thread FROM interaction "
                f"WHERE external_id IN ({marks})",
                facts.references,
            )
            if had is None and kind == "email"
        ]
    for row_id, contact_id in rows:
        tx.update(
            "interaction", int(row_id), {"thread": thread}, contact_id=int(contact_id), derived=True
        )
    return len(rows)
