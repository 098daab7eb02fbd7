"""The interface's handle on the core: the one store, its config, and a few small adapters.

Everything here is a thin wrapper over core services; the screens never run SQL.
Three helpers exist only because the core does not offer them (yet):
- `data_version`: whether another connection committed since the last look;
- `parse_when`: a WHEN phrase read with the user's date settings, as the CLI does
  in `commands/_dates.py`;
- `happened_at`: an interaction's time from a phrase, as `crm log --at` reads it;
- `deals_of`: a contact's deals, kept until the data changes.
"""

from __future__ import annotations

import threading
from datetime import datetime
from typing import TYPE_CHECKING, Any, Literal

from crmcli.core import clock
from crmcli.core.errors import CrmError

if TYPE_CHECKING:
    from crmcli.core.db.store import Store
    from crmcli.core.people.relations import Relation
    from crmcli.core.people.rows import ContactDetail
    from crmcli.core.pipeline.rows import Deal
    from crmcli.core.values.when import When

    ContactView = tuple[ContactDetail, list[Relation], list[Deal], list[dict[str, Any]]]


class Session:
    """One long-lived store shared by every screen, and a lock for worker threads.

    The connection is opened with `check_same_thread=False`; the lock keeps a
    search running in a worker thread from interleaving with a write made from
    the interface's own thread.
    """

    def __init__(self, store: Store) -> None:
        self.store = store
        self.config = store.config
        self.lock = threading.RLock()
        self._deals: tuple[int, dict[int, list[Deal]]] | None = None

    def now(self) -> datetime:
        """The current instant (UTC), honouring `CRM_NOW`."""
        return clock.now()

    def local_now(self) -> datetime:
        """Now in the local zone, DST-aware: what the daily views are computed against."""
        return clock.local_now()

    def data_version(self) -> int | None:
        """A number that moves when the data changes (see Dialect.data_version), or None
        while a worker holds the store (the poll asks again at its next tick rather than
        freeze the interface until that search ends).

        Polling it tells the interface when the CLI (or anything else) changed the data.
        """
        if not self.lock.acquire(blocking=False):
            return None
        try:
            return self.store.dialect.data_version(self.store.conn)
        finally:
            self.lock.release()

    def parse_when(self, text: str, direction: Literal["future", "past"]) -> When:
        """Read a WHEN phrase relative to now, with the user's date order and week start."""
        from crmcli.core.values.when import parse_with_config

        return parse_with_config(text, self.config, direction)

    def happened_at(self, text: str) -> datetime:
        """An interaction's time: a date-only phrase means noon that day (now, if today)."""
        from crmcli.core.activity.interactions import happened_at

        return happened_at(self.parse_when(text, "past"))

    def deals_of(self, contact_id: int, generation: int) -> list[Deal]:
        """A contact's deals, open first, kept until the data changes.

        Read one contact at a time through the deal's contact index: reading every deal
        at once (5,000 and more) put a tenth of a second into the first contact shown
        after each change, the keystroke that showed it waiting for it.
        """
        if self._deals is None or self._deals[0] != generation:
            self._deals = (generation, {})
        known = self._deals[1]
        if contact_id not in known:
            from crmcli.core.pipeline.deals import list_deals

            mine = ("d.contact_id = ?", [contact_id])  # list_deals' compiled-filter form
            with self.lock:
                rows = list_deals(self.store, self.now(), status=None, where=mine)
            known[contact_id] = sorted(
                rows, key=lambda d: (d["status"] != "open", str(d["stage_entered_at"]))
            )
        return known[contact_id]

    def contact_view(self, contact_id: int, generation: int) -> ContactView | None:
        """A contact, its relations, deals and last 30 events for the contacts pane; None
        while a worker holds the store (a search: the pane asks again shortly rather than
        freeze the keys until it ends)."""
        from crmcli.core.activity import timeline
        from crmcli.core.people import directory, relations

        if not self.lock.acquire(blocking=False):
            return None
        try:
            return (
                directory.get(self.store, contact_id),
                relations.listing(self.store, contact_id),
                self.deals_of(contact_id, generation),
                timeline.timeline(self.store, contact_id, limit=30),
            )
        finally:
            self.lock.release()

    def close(self) -> None:
        with self.lock:
            self.store.close()


def error_message(exc: BaseException) -> str | None:
    """The one line to show for an error the user can act on, or None for a real bug."""
    if isinstance(exc, CrmError):
        return exc.message
    from crmcli.core.db.store import describe_error

    mapped = describe_error(exc)  # either engine's errors; None for anything else
    return mapped.message if mapped is not None else None
