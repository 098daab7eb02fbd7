"""Completion candidates: the contacts, deals, stages and follow-ups a half-typed word may mean.

Each function returns `(value, description)` pairs: the value is what the word
becomes (a valid REF, a deal id, a stage name, a follow-up id), the description
what a shell shows beside it. A shell asks on every TAB, so each is one cheap
read with a small LIMIT, and imports nothing beyond what a lookup already needs;
the front end decides what to do with errors (a shell must never see one).
The full-screen interface's forms read `contact_choices` and `company_choices`:
typed rows, with the id that settles which record a field means.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, TypedDict

from crmcli.core.errors import Invalid
from crmcli.core.values.text import fold

if TYPE_CHECKING:
    from collections.abc import Mapping, Sequence

    from crmcli.core.db.store import Store

Candidates = list[tuple[str, str]]

MAX_CANDIDATES = 30  # more than a shell can usefully list under the cursor
MAX_CHOICES = 8  # what a form lists under a field: a glance, not a search screen


class ContactChoice(TypedDict):
    """A contact a form field may mean: what to show, and the id that settles it."""

    id: int
    name: str
    company: str | None
    email: str | None


class CompanyChoice(TypedDict):
    """A company a form field may mean, with how many people work there."""

    id: int
    name: str
    people: int


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


def contact_choices(store: Store, text: str, limit: int = MAX_CHOICES) -> list[ContactChoice]:
    """The contacts a half-typed name, email, company or phone may mean, best first.

    Ranked as `crm find` ranks them, so the form and the CLI agree on what `ines`
    means; an unreadable fragment (only punctuation, say) is simply no choice.
    """
    from crmcli.core.search.find import describe, find

    if not text.strip():
        return []
    try:
        rows = describe(store, find(store, text, limit=limit))
    except Invalid:
        return []
    return [
        ContactChoice(id=int(r["id"]), name=r["name"], company=r["company"], email=r["email"])
        for r in rows
    ]


def company_choices(store: Store, text: str, limit: int = MAX_CHOICES) -> list[CompanyChoice]:
    """Live companies whose name, or a word of it, starts with the text (accents ignored).

    "acme" finds "ACME SAS" and "Groupe Acme": the same folding as company names
    are matched with (`companies.company_key`), legal suffixes left out.
    """
    from crmcli.core.people.companies import company_key

    key = company_key(text) if text.strip() else ""
    if not key:
        return []
    # A company key is folded words (punctuation folds to spaces): it holds no % or _,
    # so LIKE can take it as it is.
    rows = store.tuples(
        "SELECT co.id, co.name, (SELECT count(*) FROM contact c "
        "WHERE c.company_id = co.id AND c.archived_at IS NULL) "
        "FROM company co WHERE co.archived_at IS NULL "
        "AND (co.name_key LIKE ? OR co.name_key LIKE ?) "
        "ORDER BY co.name_key LIKE ? DESC, co.name_key, co.id LIMIT ?",
        (f"{key}%", f"% {key}%", f"{key}%", limit),
    )
    return [CompanyChoice(id=int(i), name=str(n), people=int(p)) for i, n, p in rows]
