"""The JSON shapes of crm's records for the assistant: a contact's sheet, a deal's, and
the small pieces every read tool, resource and prompt shares (money with its display
string, follow-ups with their overdue flag, a paged window over a long list).

One shape per thing on the whole server: a resource or a prompt shows exactly what the
matching tool returns.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping, Sequence
from datetime import datetime
from typing import TYPE_CHECKING, Any, cast, overload

from mcp.server.mcpserver.exceptions import ToolError

from crmcli.core import clock

if TYPE_CHECKING:
    from crmcli.core.activity.rows import FollowUp
    from crmcli.core.db.store import Store
    from crmcli.core.pipeline.rows import Deal


TIMELINE = 20  # entries of a contact's or a deal's timeline
ON_A_SHEET = 50  # deals and open follow-ups listed on a contact's sheet (the totals say all)


class Window(Sequence[Mapping[str, Any]]):
    """A long list read a page at a time: its length is a count, a slice one query.

    `session.page` asks a list for its length and one slice, so a book's thousands of
    deals need not all be read (and shaped) to hand out twenty. Used inside the
    `session.reading()` block whose store `read` queries.
    """

    def __init__(self, total: int, read: Callable[[int, int], Sequence[Mapping[str, Any]]]):
        self.total = total
        self.read = read  # (offset, how many) -> those rows, in the list's order

    def __len__(self) -> int:
        return self.total

    @overload
    def __getitem__(self, index: int) -> Mapping[str, Any]: ...

    @overload
    def __getitem__(self, index: slice) -> Sequence[Mapping[str, Any]]: ...

    def __getitem__(self, index: int | slice) -> Mapping[str, Any] | Sequence[Mapping[str, Any]]:
        if isinstance(index, slice):
            start, stop, step = index.indices(self.total)
            if step != 1:
                raise ValueError("a Window is read in order, one slice at a time")
            return self.read(start, stop - start) if stop > start else []
        if not -self.total <= index < self.total:
            raise IndexError(index)
        return self.read(index % self.total, 1)[0]


# -- shaping ------------------------------------------------------------------------------


def contact_sheet(store: Store, contact_id: int) -> dict[str, Any]:
    """A contact as `contact show --json` gives it, with their deals and open follow-ups.

    A stored photo is described (type and size), not sent: it is bytes a model cannot
    use. The deals and follow-ups are the first `ON_A_SHEET`; the totals count them all.
    """
    from crmcli.core.activity.followups import list_followups
    from crmcli.core.activity.timeline import timeline
    from crmcli.core.db.owners import ALL
    from crmcli.core.people import directory
    from crmcli.core.pipeline.listing import deals

    contact = directory.get(store, contact_id)
    view: dict[str, Any] = dict(directory.public_view(contact))
    view["photo"] = photo_json(view["photo"])
    now = clock.local_now()
    local_today = now.date().isoformat()
    # Everyone's, as the timeline is: in team mode a contact's sheet is the whole story.
    their_deals = deals(store, now, contact_id=contact_id, status=None, owner=ALL)
    open_followups = list_followups(store, contact_id=contact_id, owner=ALL)
    return {
        **view,
        "timeline": timeline(store, contact_id, limit=TIMELINE),
        "deals": [deal_json(d, detailed=True) for d in their_deals[:ON_A_SHEET]],
        "deals_total": len(their_deals),
        "open_followups": [followup_json(f, now, local_today) for f in open_followups[:ON_A_SHEET]],
        "open_followups_total": len(open_followups),
    }


def deal_sheet(store: Store, deal_id: int) -> dict[str, Any]:
    """A deal as `deal show --json` gives it: the deal, its stage history and timeline."""
    from crmcli.core.pipeline import deals
    from crmcli.core.pipeline.listing import age_days

    deal = deals.get(store, deal_id)
    return {
        **deal_json({**deal, "age_days": age_days(deal["created_at"], clock.now())}, detailed=True),
        "history": deals.history(store, deal_id),
        "timeline": deals.timeline(store, deal_id, limit=TIMELINE),
    }


DEAL_KEYS = (
    "id",
    "title",
    "contact_id",
    "contact",
    "company_id",
    "company",
    "stage_id",
    "stage",
    "status",
    "amount_minor",
    "currency",
    "probability",
    "expected_close",
    "next_step",
    "stage_entered_at",
    "days_in_stage",
    "stale",
    "no_next_step",
    "version",
)
DETAIL_KEYS = (
    "age_days",
    "lost_reason",
    "contract_end",
    "lead_source",
    "closed_at",
    "owner",
    "created_at",
    "updated_at",
    "external_ids",
    "custom_fields",
)


def deal_json(row: Mapping[str, Any], *, detailed: bool = False) -> dict[str, Any]:
    """A deal's stable JSON: the list row's keys (and, `detailed`, the rest), money twice.

    `amount` is the display string; `win_probability` is what weighs it: the deal's
    own probability, else its stage's.
    """
    from crmcli.core.pipeline.deals import effective_probability
    from crmcli.core.values.money import format_amount

    out = {k: row.get(k) for k in DEAL_KEYS}
    minor = row["amount_minor"]
    out["amount"] = None if minor is None else format_amount(int(minor), row["currency"] or "")
    out["win_probability"] = effective_probability(cast("Deal", row))
    if detailed:
        out.update({k: row.get(k) for k in DETAIL_KEYS})
    return out


def followup_json(row: FollowUp, now: datetime, local_today: str) -> dict[str, Any]:
    """A follow-up's stable JSON: `due_time` null is all day; `late` says how late an
    overdue one is (only the daily view and the agenda work it out)."""
    from crmcli.core.activity.followups import is_overdue

    by_name: Mapping[str, Any] = row
    return {
        "id": row["id"],
        "contact_id": row["contact_id"],
        "contact": row["contact"],
        "deal_id": row["deal_id"],
        "deal": row["deal"],
        "kind": row["kind"],
        "due_date": row["due_date"],
        "due_time": row["due_time"],
        "due_at": row["due_at"],
        "note": row["note"],
        "status": row["status"],
        "overdue": is_overdue(row, now, local_today),
        "late": by_name.get("late"),
        "snooze_count": row["snooze_count"],
        "original_due_date": row["original_due_date"],
    }


def touch_json(row: Mapping[str, Any]) -> dict[str, Any]:
    return {
        "contact_id": row["id"],
        "contact": row["contact"],
        "company": row["company"],
        "cadence_days": row["cadence_days"],
        "last_touch_at": row["last_touch_at"],
        "touch_due_at": row["touch_due_at"],
        "score": row["score"],
    }


def section_json(total: int, items: Iterable[dict[str, Any]]) -> dict[str, Any]:
    return {"total": total, "items": list(items)}


def photo_json(photo: Mapping[str, Any] | None) -> dict[str, Any] | None:
    """What the photo is (its type, its size or its link), not its bytes."""
    if not photo:
        return None
    from crmcli.core.people.extras import photo_size

    stored = bool(photo.get("data"))
    return {
        "media_type": photo.get("media_type"),
        "stored": stored,
        "bytes": photo_size(photo) if stored else None,
        "uri": photo.get("uri"),
    }


def money_map(key: str, totals: Mapping[str, int]) -> dict[str, Any]:
    """`{key: {currency: minor}, key_display: "1 200 EUR + 300 USD"}`."""
    from crmcli.core.values.money import format_totals

    return {key: dict(totals), f"{key}_display": format_totals(dict(totals))}


def with_display(value: Any) -> Any:
    """The report's data, each money map ({currency: minor}) with its display string beside."""
    from crmcli.core.overview.sections import MONEY_KEYS

    if isinstance(value, list):
        return [with_display(v) for v in value]
    if not isinstance(value, Mapping):
        return value
    out: dict[str, Any] = {}
    for key, item in value.items():
        if key in MONEY_KEYS and isinstance(item, Mapping):
            out.update(money_map(key, item))
        else:
            out[key] = with_display(item)
    return out


def bounded_int(name: str, value: int | None, bounds: tuple[int, int], default: int) -> int:
    if value is None:
        return default
    low, high = bounds
    if not low <= value <= high:
        raise ToolError(f"{name} must be between {low} and {high}")
    return value
