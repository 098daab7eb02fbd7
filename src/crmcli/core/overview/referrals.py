"""Referrals in `crm report`: deals whose contact was "referred by" someone, and who referred.

A relation `referred by` on a contact's record (`crm contact relate A "referred by" B`,
or an import's "Referred by") makes the deals of that contact referrals: a deal with no
lead source of its own or its contact's counts under the `referral` source, and every
deal of a referred contact counts for its referrer in the `referrers` list.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

from crmcli.core.db.store import Store
from crmcli.core.values.text import name_key

if TYPE_CHECKING:
    from crmcli.core.overview import rows

REFERRAL = "referral"
# SQL: the deal `d`'s contact has a "referred by" relation.
REFERRED = (
    "EXISTS (SELECT 1 FROM contact_relation r WHERE r.contact_id = d.contact_id "
    "AND r.kind = 'referred by')"
)


def referrers(
    store: Store, start: str, end: str, owned: tuple[str, Sequence[Any]]
) -> list[rows.Referrer]:
    """Who referred the contacts of the period's deals, most won amount first.

    Every deal whose contact has a "referred by" relation counts for its referrer (the
    first one listed, if several), whatever the deal's lead source says: `deals` of the
    cohort created in the period, `won` and `won_amount` of those won in the period. A
    referrer in the book is one person however their name was written; a name only is
    grouped by its folded form. `owned` is the report's owner filter on `d`.
    """
    mine, params = owned
    first: dict[int, tuple[int | None, str]] = {}
    for contact_id, related_id, name in store.tuples(
        "SELECT r.contact_id, r.related_id, coalesce(n.display_name, r.name) "
        "FROM contact_relation r LEFT JOIN contact n ON n.id = r.related_id "
        "WHERE r.kind = 'referred by' ORDER BY r.contact_id, r.position, r.id"
    ):
        first.setdefault(int(contact_id), (related_id, str(name)))
    if not first:
        return []
    found: dict[object, rows.Referrer] = {}

    def entry(contact_id: int) -> rows.Referrer:
        related_id, name = first[contact_id]
        key = related_id if related_id is not None else name_key(name)
        return found.setdefault(
            key,
            {
                "name": name,
                "contact_id": None if related_id is None else int(related_id),
                "deals": 0,
                "won": 0,
                "won_amount": {},
            },
        )

    referred = f"d.contact_id IS NOT NULL AND {REFERRED}"
    for (contact_id,) in store.tuples(
        f"SELECT d.contact_id FROM deal d WHERE {referred} "
        f"AND d.created_at >= ? AND d.created_at < ?{mine}",
        (start, end, *params),
    ):
        entry(int(contact_id))["deals"] += 1
    for contact_id, amount, currency in store.tuples(
        f"SELECT d.contact_id, d.amount_minor, d.currency FROM deal d WHERE {referred} "
        f"AND d.status = 'won' AND d.closed_at >= ? AND d.closed_at < ?{mine}",
        (start, end, *params),
    ):
        one = entry(int(contact_id))
        one["won"] += 1
        if currency and amount is not None:
            one["won_amount"][currency] = one["won_amount"].get(currency, 0) + int(amount)

    def rank(r: rows.Referrer) -> tuple[list[int], int, int, str]:
        # Most won amount first; amounts in different currencies are never added, so a
        # referrer's largest one-currency total is compared first, then the next.
        amounts = sorted(r["won_amount"].values(), reverse=True)
        return ([-a for a in amounts], -r["won"], -r["deals"], r["name"].casefold())

    return sorted(found.values(), key=rank)
