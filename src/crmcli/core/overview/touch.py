"""Contacts due for a touch, warmest first: the first few read by rank, not all scored.

The order is the engagement score (`crmcli.core.activity.scoring`), highest first, then
the earliest due, then the id. The score moves with the clock, so no index can hold it;
what an index holds is `contact.touch_rank` (schema v9, kept by triggers on every write
to a contact's touch dates, interactions and open deals): at most the score the contact
can have when its cadence falls due, from which 2/9 of a point goes each day it stays
overdue. So a due contact's score is at most `touch_rank - 2/9 * days overdue`, and
the contacts above any threshold are, for each rank, a range of due dates: a few index
ranges hold every contact that can still reach the first `limit`.

The ranges are read from the top down. Once `limit` contacts are scored, the last of
them sets how far down the next read goes (nobody below it can reach it), and one more
read ends it. A contact untouched for 180 days or never touched scores its best open
deal's part alone, at most 30: when the threshold would fall below that, or when every
due contact is asked for (`--all`, `--json`), every due contact is scored instead
(`_score_all`, the bound-and-count walk this module had before schema v9). Both give the
same rows in the same order: tests/core/overview/test_scale_touch.py holds them to it.
"""

from __future__ import annotations

import itertools
from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Any

from crmcli.core import clock
from crmcli.core.db.store import Store

if TYPE_CHECKING:
    from crmcli.core.overview.rows import TouchDue

# The contacts with a live cadence, as the partial indexes on contact say it.
LIVE = "c.cadence_days IS NOT NULL AND NOT c.do_not_contact AND c.archived_at IS NULL"
TOUCH = f"c.touch_due_at IS NOT NULL AND c.touch_due_at <= ? AND {LIVE}"

# Recency falls by 40 points over 180 days: 2/9 of a point a day, so a rank's contacts
# stay above a threshold for 4.5 days per point of difference.
DAYS_PER_POINT = 4.5
# What a contact past the recency window can score: its best deal's part, 30 at most.
COLD_MAX = 30
# A stamp is exact to the microsecond, the rank's arithmetic to about 1e-9 of a point:
# each range reaches a second further than its threshold needs, a margin far above both.
_MARGIN = timedelta(seconds=1)
_EPSILON = 1e-6  # the same margin, for a bound worked out in Python
_BATCH = 32  # contacts scored a query

Ranked = tuple[int, str, int]  # (-score, touch_due_at, id): sorted, the order shown


def due(
    store: Store, now: datetime, *, limit: int | None = None, owner: str | None = None
) -> tuple[list[TouchDue], int]:
    """The first `limit` (None: all) contacts due for a touch, in order, and how many
    there are (`agenda.touch_due`'s section)."""
    from crmcli.core.db import owners

    mine = owners.where(store, owner, "c")
    total = int(
        store.value(
            f"SELECT count(*) FROM contact c WHERE {TOUCH}{mine[0]}", [clock.stamp(now), *mine[1]]
        )
    )
    shown: list[Ranked] | None = None
    if limit and total > limit:
        shown = _top_by_rank(store, now, limit, mine)
    if shown is None:
        ranked = _score_all(store, now, limit, mine)
        shown = ranked[:limit] if limit else ranked
    names = {
        row[0]: row[1:]
        for row in store.tuples_in(
            "SELECT c.id, c.display_name, co.name, c.cadence_days, c.last_touch_at "
            "FROM contact c LEFT JOIN company co ON co.id = c.company_id WHERE c.id IN ({ids})",
            [contact_id for _, _, contact_id in shown],
        )
    }
    return (
        [
            {
                "id": contact_id,
                "contact": names[contact_id][0],
                "company": names[contact_id][1],
                "cadence_days": names[contact_id][2],
                "last_touch_at": names[contact_id][3],
                "touch_due_at": due,
                "score": -negative,
            }
            for negative, due, contact_id in shown
        ],
        total,
    )


def _top_by_rank(
    store: Store, now: datetime, limit: int, mine: tuple[str, list[Any]]
) -> list[Ranked] | None:
    """The first `limit` due contacts, read rank range by rank range (see the module);
    None when the threshold would have to fall below `COLD_MAX`.

    Each pass reads, for every rank `g` at or above the threshold `theta`, the due
    contacts whose bound `g - (2/9) * days overdue` lies between `theta` and the
    previous pass's threshold: due dates from `now - (g - theta) * 4.5 days` up to
    where the last pass stopped (ids, ranks and due dates: the index alone). The
    passes' ranges never overlap. Contacts are scored best bound first, and only while
    a bound can still reach the last of the first `limit`: a bound `b` allows a score
    of at most `b + 1/2`, rounded down. Once the last shown scores T above the
    threshold, no unread contact can reach it either, and that is the answer.
    """
    import heapq

    stamp = clock.stamp(now)
    ranks = _Ranks(store)
    upper: dict[int, tuple[str, str]] = {}  # rank -> (due date, "<=" or "<") to read below
    waiting: list[tuple[float, int]] = []  # (-bound, id): read, not scored yet
    scored: list[Ranked] = []  # the best `limit` so far, sorted
    theta = ranks.top()
    if theta is None:
        return None
    step = 2
    while True:
        parts: list[str] = []
        params: list[Any] = []
        for g in ranks.down_to(theta):
            low = clock.stamp(now - timedelta(days=(g - theta) * DAYS_PER_POINT) - _MARGIN)
            high, below = upper.get(g, (stamp, "<="))
            if low >= high and below == "<":
                continue  # this rank's range was read down to here already
            parts.append(
                f"SELECT c.id, c.touch_rank, c.touch_due_at FROM contact c WHERE {LIVE} "
                f"AND c.touch_rank = ? AND c.touch_due_at >= ? AND c.touch_due_at {below} ?"
                f"{mine[0]}"
            )
            params += [g, low, high, *mine[1]]
            upper[g] = (low, "<")
        if parts:
            for contact_id, rank, due in store.tuples(" UNION ALL ".join(parts), params):
                overdue = (now - clock.parse_stamp(due)).total_seconds() / 86400
                heapq.heappush(waiting, (overdue / DAYS_PER_POINT - rank, int(contact_id)))
        while waiting:
            if len(scored) == limit and -waiting[0][0] + 0.5 + _EPSILON < -scored[-1][0]:
                break  # the best bound left cannot reach the last shown
            batch = [heapq.heappop(waiting)[1] for _ in range(min(_BATCH, len(waiting)))]
            scored = sorted([*scored, *_scores(store, now, batch)])[:limit]
        if len(scored) == limit:
            last = -scored[-1][0]
            if last > theta:
                return scored
            next_theta = last - 1  # the last shown can only rise: one more pass will do
        else:
            next_theta = theta - step
            step *= 2
        if theta <= COLD_MAX:
            return None  # everyone left may be cold: score them all
        theta = max(next_theta, COLD_MAX)


class _Ranks:
    """The distinct ranks of contacts with a live cadence, from the top, one index
    probe each, read only as far down as a pass needs them."""

    def __init__(self, store: Store) -> None:
        self.store = store
        self.known: list[int] = []
        self.below: int | None = None  # the next rank down, not yet handed out
        self.done = False

    def _next(self, under: int | None) -> int | None:
        sql = f"SELECT max(c.touch_rank) FROM contact c WHERE {LIVE}"
        if under is None:
            found = self.store.value(sql)
        else:
            found = self.store.value(f"{sql} AND c.touch_rank < ?", [under])
        return None if found is None else int(found)

    def top(self) -> int | None:
        self.below = self._next(None)
        self.done = self.below is None
        return self.below

    def down_to(self, theta: int) -> list[int]:
        while not self.done and self.below is not None and self.below >= theta:
            self.known.append(self.below)
            self.below = self._next(self.below)
            self.done = self.below is None
        return self.known


def _scores(store: Store, now: datetime, ids: list[int]) -> list[Ranked]:
    """Each contact's score, worked out as `scoring` does (the same SQL for the days
    since the last touch, the interactions in the window and the best open deal)."""
    from crmcli.core.activity import scoring

    if not ids:
        return []
    out: list[Ranked] = []
    for contact_id, due, days, recent, best in store.tuples_in(
        f"SELECT c.id, c.touch_due_at, {scoring.columns(store.dialect)} FROM contact c "
        "WHERE c.id IN ({ids})",
        ids,
        scoring.params(now),
    ):
        score = scoring.from_parts(None if days is None else float(days), int(recent), best)
        out.append((-score, due, int(contact_id)))
    return out


def _score_all(
    store: Store, now: datetime, limit: int | None, mine: tuple[str, list[Any]]
) -> list[Ranked]:
    """Every due contact with its score, in the order shown (the first `limit` exact).

    The cheap parts of the score (recency, and the best open deal) give each one a
    ceiling; interactions are counted, in batches, only for contacts whose ceiling can
    still reach the first `limit`.
    """
    from crmcli.core.activity import scoring

    ceiling_params = scoring.params(now, ceiling=True)  # [now, start of the window]
    since = ceiling_params[1]
    due = [clock.stamp(now), *mine[1]]
    # Each due contact with its ceiling: the score it would have with the most
    # interactions (recent = 10) if it was touched inside the window, else none. The
    # database sorts them by ceiling; they are read in that order, a batch at a time.
    # Materialised, so each due contact's parts are worked out once, not once for every
    # place the ceiling's expression names them.
    _, candidates = store.stream_tuples(
        f"WITH t AS {store.dialect.materialized()}(SELECT c.id, c.touch_due_at, "
        f"{scoring.columns(store.dialect, ceiling=True)} FROM contact c WHERE {TOUCH}{mine[0]}) "
        f"SELECT t.id, t.touch_due_at, t.days, t.best, t.recent, "
        f"{scoring.expression(store.dialect)} AS ceiling FROM t "
        "ORDER BY ceiling DESC, t.touch_due_at, t.id",
        [*ceiling_params, *due],
    )
    ranked: list[Ranked] = []
    while batch := list(itertools.islice(candidates, 500)):
        if limit and len(ranked) >= limit:
            ranked.sort()
            del ranked[limit:]
            if int(batch[0][5]) < -ranked[-1][0]:
                break  # no one left can reach the first `limit`
        recent = dict(
            store.tuples_in(
                "SELECT contact_id, count(*) FROM interaction WHERE occurred_at >= ? "
                "AND contact_id IN ({ids}) GROUP BY contact_id",
                [c[0] for c in batch if c[4]],
                (since,),
            )
        )
        for contact_id, due_at, days, best, _, _ in batch:
            count = int(recent.get(contact_id, 0))
            score = scoring.from_parts(None if days is None else float(days), count, best)
            ranked.append((-score, due_at, int(contact_id)))
    ranked.sort()
    return ranked
