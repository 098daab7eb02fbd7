"""Completion candidates: the contacts, deals, stages and follow-ups a half-typed word may mean.

Each function returns `(value, description)` pairs: the value is what the word
becomes (a valid REF, a deal id, a stage name, a follow-up id), the description
what a shell shows beside it. A shell asks on every TAB, so each is one cheap
read with a small LIMIT, and imports nothing beyond what a lookup already needs;
the front end decides what to do with errors (a shell must never see one).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from crmcli.core.values.text import fold

if TYPE_CHECKING:
    from collections.abc import Mapping, Sequence

    from crmcli.core.db.store import Store

Candidates = list[tuple[str, str]]

MAX_CANDIDATES = 30  # more than a shell can usefully list under the cursor


def contacts(store: Store, incomplete: str) -> Candidates:
    """One token that is a valid REF (the email, else the id), the name as description.

    Found by meaning, as `crm find` ranks them: `dup` finds helene.dupre@acme.fr, so a
    shell must not filter these values by their spelling. With nothing typed yet, the
    people most recently in touch.
    """
    from crmcli.core.people.directory import LIST_SQL

    rows: Sequence[Mapping[str, Any]]
    if incomplete.strip():
        from crmcli.core.search.find import describe, find

        rows = describe(store, find(store, incomplete, limit=20))
    else:
        rows = store.rows(
            f"{LIST_SQL} WHERE c.archived_at IS NULL "
            "ORDER BY c.last_touch_at IS NULL, c.last_touch_at DESC LIMIT 20"
        )
    out: Candidates = []
    for row in rows:
        value = row["email"] or str(row["id"])
        label = row["name"] + (f" ({row['company']})" if row["company"] else "")
        out.append((value, label))
    return out


def deals(store: Store, incomplete: str) -> Candidates:
    """Deal ids whose title (accent-free) or id starts with the word; open, recent first."""
    key = fold(incomplete)
    out: Candidates = []
    for deal_id, title, stage in store.tuples(
        "SELECT d.id, d.title, s.name FROM deal d JOIN stage s ON s.id = d.stage_id "
        "ORDER BY d.status <> 'open', d.updated_at DESC LIMIT 500"
    ):
        if not key or fold(title).startswith(key) or str(deal_id).startswith(incomplete):
            out.append((str(deal_id), f"{title} ({stage})"))
    return out[:MAX_CANDIDATES]


def stages(store: Store, incomplete: str) -> Candidates:
    """Stage names starting with the word (accent- and case-insensitive), in board order."""
    key = fold(incomplete)
    return [
        (name, f"{kind}, {probability}%")
        for name, kind, probability in store.tuples(
            "SELECT name, kind, probability FROM stage ORDER BY position"
        )
        if fold(name).startswith(key)
    ]


def followups(store: Store, incomplete: str) -> Candidates:
    """Open follow-up ids starting with the word, soonest due first."""
    return [
        (str(fid), f"{contact}: {note or 'follow up'} (due {due})")
        for fid, contact, note, due in store.tuples(
            "SELECT f.id, c.display_name, f.note, f.due_date FROM followup f "
            "JOIN contact c ON c.id = f.contact_id WHERE f.status = 'open' "
            "ORDER BY f.due_at LIMIT 200"
        )
        if str(fid).startswith(incomplete)
    ][:MAX_CANDIDATES]
