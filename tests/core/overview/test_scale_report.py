"""The daily view's and the report's sections read through indexes: the same numbers and
rows as the straightforward computations they replace (issue #25).

Each `_reference_*` below is the code as it was before schema v9 (one query over every
open deal, every week of interactions grouped and sorted, every customer scanned),
kept here as the yardstick. A seeded book is bent to hold the awkward cases: next steps
of spaces (ASCII and not), empty next steps, a stage without target days, ties of
entry time, follow-ups done on time and late, a kind of interaction crm does not know,
customers never touched and archived ones, a follow-up whose due time sits outside the
day's window.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Mapping, Sequence
from datetime import UTC, datetime, time, timedelta
from pathlib import Path
from typing import Any, cast

import pytest

from crmcli.core import clock
from crmcli.core.activity.followups import SELECT as FOLLOWUP_SELECT
from crmcli.core.activity.interactions import Kind
from crmcli.core.config import Config
from crmcli.core.db import owners
from crmcli.core.db.opening import open_store
from crmcli.core.db.store import Store
from crmcli.core.demo import data as demo
from crmcli.core.overview import agenda, reports
from crmcli.core.overview.rows import DealBrief
from crmcli.core.pipeline import attention

BUILT = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)


@pytest.fixture
def book(tmp_path: Path, clock_at: Callable[[str], None]) -> Iterator[Store]:
    store = open_store(
        str(tmp_path / "book.db"),
        Config({"user": "me", "default_region": "FR", "currency": "EUR"}, tmp_path / "c.toml"),
        write=True,
    )
    demo.generate(store, demo.DemoSize(2000, interactions=20_000, deals=900, followups=400))
    open_deals = [int(r[0]) for r in store.tuples("SELECT id FROM deal WHERE status = 'open'")]
    followups = [int(r[0]) for r in store.tuples("SELECT id FROM followup ORDER BY id")]
    customers = [
        int(r[0]) for r in store.tuples("SELECT id FROM contact WHERE status = 'customer'")
    ]
    with store.write("awkward cases", rules=False) as tx:
        for n, deal_id in enumerate(open_deals[:120]):
            step = ("   ", "\u00a0", "\t\n", "", " \u3000 ", "Call back")[n % 6]
            tx.execute("UPDATE deal SET next_step = ? WHERE id = ?", (step, deal_id))
        tied = clock.stamp(BUILT - timedelta(days=40, hours=2))
        for deal_id in open_deals[200:260]:
            tx.execute("UPDATE deal SET stage_entered_at = ? WHERE id = ?", (tied, deal_id))
        # The most overdue: eight deals the same days over target, entered minutes apart,
        # the later entered the lower id (the list orders them by id, not by entry).
        qualified = tx.execute("SELECT id FROM stage WHERE name = 'Qualified'").fetchone()[0]
        for minutes, deal_id in enumerate(sorted(open_deals[300:308], reverse=True)):
            tx.execute(
                "UPDATE deal SET stage_id = ?, stage_entered_at = ? WHERE id = ?",
                (qualified, clock.stamp(BUILT - timedelta(days=300, minutes=-minutes)), deal_id),
            )
        tx.execute("UPDATE stage SET target_days = NULL WHERE name = 'Proposal'")
        for n, followup_id in enumerate(followups[:150]):
            done = BUILT - timedelta(days=n % 40, hours=n % 7)
            tx.execute(
                "UPDATE followup SET status = 'done', done_at = ?, due_date = ? WHERE id = ?",
                (
                    clock.stamp(done),
                    (done + timedelta(days=(n % 3) - 1)).date().isoformat(),
                    followup_id,
                ),
            )
        # A follow-up due today by its date whose instant lies beyond the day's window.
        tx.execute(
            "UPDATE followup SET due_date = ?, due_time = '09:00', due_at = ? WHERE id = ?",
            (
                clock.local(BUILT).date().isoformat(),
                clock.stamp(BUILT + timedelta(days=3)),
                followups[-1],
            ),
        )
        for n in range(60):
            tx.execute(
                "INSERT INTO interaction (contact_id, kind, occurred_at, summary, owner, "
                "created_at, updated_at) VALUES (?, 'sms', ?, 'texted', 'me', ?, ?)",
                (customers[n], *[clock.stamp(BUILT - timedelta(days=n * 2))] * 3),
            )
        for contact_id in customers[:30]:
            tx.execute("UPDATE contact SET last_touch_at = NULL WHERE id = ?", (contact_id,))
        for contact_id in customers[30:45]:
            tx.execute("UPDATE contact SET archived_at = ? WHERE id = ?", (tied, contact_id))
    yield store
    store.close()


# -- the code before schema v9, as the yardstick -------------------------------------------


def _reference_attention(store: Store, now: datetime) -> tuple[list[Any], int]:
    stale_sql, params = attention.stale_condition(store, now)
    where = (
        f"d.status = 'open' AND s.kind = 'open' AND ({stale_sql} OR d.next_step IS NULL "
        "OR d.next_step = '')"
    )
    total = int(
        store.value(
            f"SELECT count(*) FROM deal d JOIN stage s ON s.id = d.stage_id WHERE {where}", params
        )
    )
    sql = f"{attention.DEAL_SELECT} WHERE {where} ORDER BY d.stage_entered_at, d.id"
    return [attention.annotate(r, now) for r in store.rows(sql, params)], total


def _reference_health(store: Store, now: datetime, limit: int | None) -> dict[str, Any]:
    every, _ = _reference_attention(store, now)
    stale = [d for d in every if d["stale"]]
    stale.sort(key=lambda d: (-(d["days_in_stage"] - int(d["target_days"] or 0)), d["id"]))
    no_step = [d for d in every if d["no_next_step"]]
    keep = tuple(DealBrief.__annotations__)
    cut = slice(0, limit) if limit else slice(None)

    def brief(deals: Sequence[Mapping[str, Any]]) -> list[dict[str, Any]]:
        return [{k: d[k] for k in keep} for d in deals][cut]

    return {
        "stale": {"total": len(stale), "deals": brief(stale)},
        "no_next_step": {"total": len(no_step), "deals": brief(no_step)},
    }


def _reference_retention(
    store: Store, now: datetime, quiet_days: int, limit: int | None
) -> tuple[list[dict[str, Any]], int]:
    params = (clock.stamp(now - timedelta(days=quiet_days)),)
    where = (
        "c.status = 'customer' AND c.archived_at IS NULL "
        "AND (c.last_touch_at IS NULL OR c.last_touch_at < ?)"
    )
    total = int(store.value(f"SELECT count(*) FROM contact c WHERE {where}", params))
    sql = (
        "SELECT c.id, c.display_name AS contact, co.name AS company, c.last_touch_at "
        f"FROM contact c LEFT JOIN company co ON co.id = c.company_id WHERE {where} "
        "ORDER BY c.last_touch_at IS NOT NULL, c.last_touch_at, c.id"
    )
    if limit:
        sql += f" LIMIT {int(limit)}"
    found = store.rows(sql, params)
    for row in found:
        last = row["last_touch_at"]
        row["days_silent"] = (now - clock.parse_stamp(last)).days if last else None
    return found, total


def _reference_weeks(store: Store, period: reports.Period, owner: str) -> list[dict[str, Any]]:
    mine, mine_params = owners.where(store, owner, "t")
    zone = clock.local_zone()
    kinds = [k.value for k in Kind]
    weeks = []
    monday = reports._week_start(period.first, str(store.config.get("week_start")))
    while monday <= period.last:
        first, last = max(monday, period.first), min(monday + timedelta(days=6), period.last)
        low = clock.stamp(datetime.combine(first, time(), zone))
        high = clock.stamp(datetime.combine(last + timedelta(days=1), time(), zone))
        counts = dict.fromkeys(kinds, 0)
        for kind, count in store.tuples(
            "SELECT kind, count(*) FROM interaction t WHERE occurred_at >= ? "
            f"AND occurred_at < ?{mine} GROUP BY kind",
            (low, high, *mine_params),
        ):
            counts[kind] = int(count)
        weeks.append(
            {
                "week": monday.isoformat(),
                "days": (last - first).days + 1,
                **counts,
                "total": sum(counts.values()),
            }
        )
        monday += timedelta(days=7)
    return weeks


def _reference_due_on(store: Store, now: datetime, limit: int | None) -> tuple[list[Any], int]:
    low, high = agenda._day_bounds(now.date(), now)
    where = (
        "f.status = 'open' AND f.due_at >= ? AND f.due_at < ? AND f.due_date = ? "
        "AND (f.due_time IS NULL OR f.due_at >= ?)"
    )
    params = [low, high, now.date().isoformat(), clock.stamp(now)]
    total = int(store.value(f"SELECT count(*) FROM followup f WHERE {where}", params))
    sql = f"{FOLLOWUP_SELECT} WHERE {where} ORDER BY f.due_time IS NOT NULL, f.due_time, f.id"
    if limit:
        sql += f" LIMIT {int(limit)}"
    return store.rows(sql, params), total


# -- the comparisons -----------------------------------------------------------------------


def _nows() -> list[datetime]:
    return [clock.local(BUILT + timedelta(days=d, hours=h)) for d, h in ((0, 1), (0, 9), (6, 14))]


@pytest.mark.slow
def test_the_daily_view_counts_and_lists_as_before(book: Store) -> None:
    for now in _nows():
        every, total = _reference_attention(book, now)
        assert total > 100 and len(every) == total
        assert attention.attention_count(book, now) == total
        for limit in (1, 20, None):
            rows, counted = attention.needing_attention(book, now, limit=limit)
            assert counted == total
            assert [r["id"] for r in rows] == [r["id"] for r in every[:limit]]
        assert attention.count_stale(book, now) == sum(1 for d in every if d["stale"])
        for limit in (2, 20, None):
            expected, expected_total = _reference_due_on(book, now, limit)
            section = agenda.due_on(book, now, now.date(), limit=limit, after_now=True)
            assert (section.rows, section.total) == (expected, expected_total)
        late = agenda.overdue(book, now, limit=None)
        assert late.total == len(late.rows) > 10


@pytest.mark.slow
def test_the_report_health_and_activity_read_as_before(book: Store) -> None:
    # The awkward cases are there: blank next steps beyond NULL and '' (one stale).
    now = _nows()[1]
    every, _ = _reference_attention(book, now)
    assert any(d["stale"] and d["next_step"] and not d["next_step"].strip() for d in every)
    assert any(not d["stale"] and d["next_step"] == "" for d in every)
    for limit in (3, 10, None):
        health = reports.health(book, now, 90, limit)
        expected = _reference_health(book, now, limit)
        assert health["stale"] == expected["stale"], limit
        assert health["no_next_step"] == expected["no_next_step"], limit
        for quiet in (30, 90):
            got = reports.retention_risk(book, now, quiet, limit=limit)
            assert got == _reference_retention(book, now, quiet, limit)
    assert health["stale"]["total"] > 50 and health["no_next_step"]["total"] > 20
    for label in ("90d", "2w", "this-year", "2025-01-01..2026-12-31"):
        period = reports.parse_period(label, now.date())
        weeks = reports.activity(book, period, now)["weeks"]
        assert cast("list[dict[str, Any]]", weeks) == _reference_weeks(book, period, "me"), label
        assert cast("list[dict[str, Any]]", weeks) != []
    assert any("sms" in w for w in reports.activity(book, period, now)["weeks"])
    # Everyone's ("all"): the weeks grouped as before.
    everyone = reports.activity(book, period, now, owner="all")["weeks"]
    assert cast("list[dict[str, Any]]", everyone) == _reference_weeks(book, period, "all")
