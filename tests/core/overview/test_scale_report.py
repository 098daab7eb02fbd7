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
from crmcli.core.overview import agenda, referrals, reports
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
        # Lead sources: a deal's own, a contact's empty one and "referred by" relations
        # (the contact then counts as a referral), a history gone further than the deal is
        # now, and a history step to a removed stage (NULL).
        deals_of = store.tuples("SELECT id, contact_id FROM deal ORDER BY id")
        for n, (deal_id, contact_id) in enumerate(deals_of[:300]):
            if n % 5 == 0:
                tx.execute("UPDATE deal SET lead_source = 'event' WHERE id = ?", (deal_id,))
            elif n % 5 == 1:
                tx.execute("UPDATE contact SET lead_source = '' WHERE id = ?", (contact_id,))
                if n % 3:
                    tx.execute(
                        "INSERT INTO contact_relation (contact_id, name, kind, related_id, "
                        "position) VALUES (?, 'Ann Other', 'referred by', ?, 0)",
                        (contact_id, customers[n % 40]),
                    )
        last_open = tx.execute(
            "SELECT id FROM stage WHERE kind = 'open' ORDER BY position DESC LIMIT 1"
        ).fetchone()[0]
        for n, (deal_id, _) in enumerate(deals_of[300:400]):
            at = clock.stamp(BUILT - timedelta(days=300 + n))
            tx.execute(
                "INSERT INTO deal_stage_change (deal_id, to_stage_id, at, owner) "
                "VALUES (?, ?, ?, 'me')",
                (deal_id, None if n % 4 == 0 else last_open, at),
            )
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


def _reference_conversion(
    store: Store, period: reports.Period, owner: str | None = None, pipeline_id: int | None = None
) -> dict[str, Any]:
    """Funnel, closing figures and days in stage, overall and by lead source; of one
    pipeline's deals and stages (`pipeline_id`), or of all of them."""
    start, end = period.bounds()
    mine, mine_params = owners.where(store, owner, "d")
    if pipeline_id is not None:  # one pipeline: its deals, its stage ladder
        mine += " AND d.stage_id IN (SELECT id FROM stage WHERE pipeline_id = ?)"
        mine_params = [*mine_params, pipeline_id]
    stages = store.rows(
        "SELECT id, name, position, kind FROM stage"
        f"{' WHERE pipeline_id = ?' if pipeline_id is not None else ''} "
        "ORDER BY pipeline_id, position, id",
        [pipeline_id] if pipeline_id is not None else [],
    )
    open_stages = [s for s in stages if s["kind"] == "open"]
    rank = {s["id"]: i for i, s in enumerate(open_stages)}
    source_sql = (
        "coalesce(nullif(d.lead_source, ''), nullif(c.lead_source, ''), "
        f"CASE WHEN {referrals.REFERRED} THEN '{referrals.REFERRAL}' END, '{reports.NO_SOURCE}')"
    )
    overall = reports._Group(len(open_stages))
    by_source: dict[str, reports._Group] = {}

    def group(source: str) -> reports._Group:
        return by_source.setdefault(source, reports._Group(len(open_stages)))

    # The cohort: deals created in the period, and how far each got.
    cohort = store.tuples(
        f"SELECT d.id, d.status, d.stage_id, {source_sql} FROM deal d "
        "LEFT JOIN contact c ON c.id = d.contact_id WHERE d.created_at >= ? AND d.created_at < ?"
        f"{mine}",
        (start, end, *mine_params),
    )
    furthest: dict[int, int] = {}
    for deal_id, status, stage_id, _ in cohort:
        best = len(open_stages) - 1 if status == "won" else rank.get(stage_id, -1)
        furthest[int(deal_id)] = best
    for deal_id, to_stage in store.tuples(
        "SELECT h.deal_id, h.to_stage_id FROM deal_stage_change h JOIN deal d "
        f"ON d.id = h.deal_id WHERE d.created_at >= ? AND d.created_at < ?{mine}",
        (start, end, *mine_params),
    ):
        position = rank.get(to_stage, -1)
        if position > furthest[int(deal_id)]:
            furthest[int(deal_id)] = position
    for deal_id, status, _, source in cohort:
        reach = furthest[int(deal_id)]
        for target in (overall, group(source)):
            target.created += 1
            target.created_won += status == "won"
            for i in range(reach + 1):
                target.reached[i] += 1

    # Deals closed in the period: win rate, cycle, won amounts.
    for status, created_at, closed_at, amount, currency, source in store.tuples(
        f"SELECT d.status, d.created_at, d.closed_at, d.amount_minor, d.currency, {source_sql} "
        "FROM deal d LEFT JOIN contact c ON c.id = d.contact_id "
        f"WHERE d.status IN ('won', 'lost') AND d.closed_at >= ? AND d.closed_at < ?{mine}",
        (start, end, *mine_params),
    ):
        for target in (overall, group(source)):
            if status == "lost":
                target.lost += 1
                continue
            target.won += 1
            target.cycle_days.append(max(0.0, reports._days(created_at, closed_at)))
            if currency and amount is not None:
                reports._add(target.won_amount, currency, amount)
                target.won_count[currency] = target.won_count.get(currency, 0) + 1

    funnel: list[dict[str, Any]] = []
    for i, stage in enumerate(open_stages):
        reached = overall.reached[i]
        # The last open stage goes on to a win.
        went_on = overall.reached[i + 1] if i + 1 < len(open_stages) else overall.created_won
        funnel.append(
            {
                "stage": stage["name"],
                "reached": reached,
                "went_on": went_on,
                "conversion": reports._rate(went_on, reached),
                "share_of_created": reports._rate(reached, overall.created),
            }
        )
    sources: list[dict[str, Any]] = []
    for source, figures in sorted(by_source.items(), key=lambda kv: (-kv[1].created, kv[0])):
        sources.append(
            {
                "source": source,
                **figures.summary(),
                "reached": {
                    s["name"]: n for s, n in zip(open_stages, figures.reached, strict=True)
                },
            }
        )
    return {
        "summary": overall.summary(),
        "funnel": funnel,
        "stages": _reference_stage_days(store, stages, start, end, (mine, mine_params)),
        "sources": sources,
        "referrers": referrals.referrers(store, start, end, (mine, mine_params)),
    }


def _reference_stage_days(
    store: Store,
    stages: list[dict[str, Any]],
    start: str,
    end: str,
    mine: tuple[str, list[Any]],
) -> list[dict[str, Any]]:
    """Average days in each open stage, over the stays that ended in the period."""
    stays: dict[int, list[float]] = {}
    previous: tuple[int, int | None, datetime] | None = None
    for deal_id, to_stage, at in store.tuples(
        "SELECT h.deal_id, h.to_stage_id, h.at FROM deal_stage_change h JOIN deal d "
        "ON d.id = h.deal_id WHERE h.deal_id IN "
        f"(SELECT deal_id FROM deal_stage_change WHERE at >= ? AND at < ?){mine[0]} "
        "ORDER BY h.deal_id, h.at, h.id",
        (start, end, *mine[1]),
    ):
        moment = clock.parse_stamp(at)
        if previous and previous[0] == deal_id and previous[1] is not None and start <= at < end:
            days = (moment - previous[2]).total_seconds() / 86400
            stays.setdefault(int(previous[1]), []).append(max(0.0, days))
        previous = (deal_id, to_stage, moment)
    return [
        {
            "stage": s["name"],
            "stays": len(stays.get(s["id"], [])),
            "avg_days": reports._mean(stays.get(s["id"], [])),
        }
        for s in stages
        if s["kind"] == "open"
    ]


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


def _periods(now: datetime) -> list[reports.Period]:
    labels = ("90d", "30d", "this-year", "2025-01-01..2026-12-31", "last-month")
    return [reports.parse_period(label, now.date()) for label in labels]


@pytest.mark.slow
def test_the_conversion_figures_read_as_before(book: Store) -> None:
    now = _nows()[1]
    pipeline_id = int(book.value("SELECT min(id) FROM pipeline"))
    assert book.value("SELECT count(*) FROM deal WHERE contact_source = 'referral'") > 10
    assert book.value("SELECT count(*) FROM deal WHERE reach LIKE '%,%'") > 100
    for period in _periods(now):
        for owner, pipeline in ((None, None), ("me", None), (None, pipeline_id)):
            got = reports.conversion(book, period, owner, pipeline)
            expected = _reference_conversion(book, period, owner, pipeline)
            assert cast("dict[str, Any]", got) == expected, (period.label, owner, pipeline)
    figures = reports.conversion(book, _periods(now)[3])
    assert figures["summary"]["created"] > 500
    assert {s["source"] for s in figures["sources"]} >= {"event", "referral"}
    assert all(s["stays"] for s in figures["stages"])
    # A second pipeline, some deals moved into it: one pipeline's figures are then of its
    # own deals only (no longer every deal, as with one pipeline).
    stamp = clock.stamp(BUILT)
    with book.write("second pipeline", rules=False) as tx:
        other = tx.insert("pipeline", {"name": "Renewals"}, log=False)
        stage = tx.insert(
            "stage",
            {"name": "Due", "position": 1, "probability": 50, "kind": "open", "pipeline_id": other},
            log=False,
        )
        for n, (deal_id,) in enumerate(book.tuples("SELECT id FROM deal WHERE status = 'open'")):
            if n % 7 == 0:
                tx.execute("UPDATE deal SET stage_id = ? WHERE id = ?", (stage, deal_id))
                tx.execute(
                    "INSERT INTO deal_stage_change (deal_id, to_stage_id, at, owner) "
                    "VALUES (?, ?, ?, 'me')",
                    (deal_id, stage, stamp),
                )
    for period in _periods(now)[:2]:
        for pipeline in (pipeline_id, other):
            got = reports.conversion(book, period, None, pipeline)
            expected = _reference_conversion(book, period, None, pipeline)
            assert cast("dict[str, Any]", got) == expected, (period.label, pipeline)


@pytest.fixture
def either(backend: str, tmp_path: Path, clock_at: Callable[[str], None]) -> Iterator[Store]:
    store = open_store(
        backend,
        Config({"user": "me", "default_region": "FR", "currency": "EUR"}, tmp_path / "c.toml"),
        write=True,
    )
    yield store
    store.close()


def test_every_write_keeps_the_conversion_figures(
    either: Store, clock_at: Callable[[str], None]
) -> None:
    """Deals moved on and back, won, lost, reopened, given to another contact; contacts'
    sources edited; referrals related and unrelated; a stage removed; undone: after each,
    the figures are the ones worked out from the history itself."""
    from crmcli.core import undo
    from crmcli.core.people import contacts, relations
    from crmcli.core.people.contacts import ContactFields
    from crmcli.core.pipeline import deals, stages
    from crmcli.core.pipeline.deals import DealFields

    store = either
    period = reports.Period(
        datetime(2026, 5, 1).date(), datetime(2026, 7, 31).date(), "2026-05-01..2026-07-31"
    )

    def check() -> None:
        for owner in (None, "me"):
            got = reports.conversion(store, period, owner)
            assert cast("dict[str, Any]", got) == _reference_conversion(store, period, owner)

    day = iter(range(1, 60))

    def tick() -> None:
        clock_at(f"2026-06-{next(day) % 28 + 1:02d}T10:{next(day):02d}:00Z")

    people = [
        int(contacts.add(store, ContactFields(name=f"P{n}", source=src)).contact["id"])
        for n, src in enumerate(("website", None, "partner", None))
    ]
    made = []
    for n, who in enumerate(people * 2):
        tick()
        made.append(int(deals.add(store, DealFields(title=f"D{n}", contact_id=who))["id"]))
    check()
    for deal_id, path in zip(
        made, (("Demo", "Qualified"), ("Proposal",), ("Qualified",)), strict=False
    ):
        for stage in path:
            tick()
            deals.move(store, deal_id, stage)
    tick()
    deals.won(store, made[3])
    tick()
    deals.lost(store, made[4], "price")
    check()
    tick()
    relations.relate(store, people[1], "referred by", people[0])
    check()
    tick()
    contacts.edit(store, people[3], ContactFields(source="trade show"))
    assert store.value("SELECT contact_id FROM deal WHERE id = ?", [made[5]]) == people[1]
    deals.edit(store, made[5], DealFields(contact_id=people[2]))
    check()
    tick()
    relations.unrelate(store, people[1], people[0])
    check()
    # A move forward taken back: its stage change deleted, the stays and reach with it.
    tick()
    deals.move(store, made[6], "Proposal")
    check()
    undo.undo(store, "me")
    check()
    tick()
    deals.reopen(store, made[3])
    tick()
    stages.remove(store, "Demo", to="Proposal")
    check()
    for _ in range(5):
        undo.undo(store, "me")
        check()


@pytest.mark.parametrize("zone", ["Asia/Kolkata", "Asia/Kathmandu", "America/St_Johns"])
def test_the_weeks_count_alike_where_midnight_is_not_on_the_utc_hour(
    book: Store, zone: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The hourly counts hold whole UTC hours; a week that starts at a local midnight
    off the hour (+5:30, +5:45, -3:30) takes the rest from the interactions themselves."""
    import time as clock_time

    monkeypatch.setenv("TZ", zone)
    clock_time.tzset()
    now = clock.local(BUILT + timedelta(hours=7))
    assert now.utcoffset() is not None and now.utcoffset() % timedelta(hours=1)
    for label in ("90d", "2w", "this-year"):
        period = reports.parse_period(label, now.date())
        weeks = reports.activity(book, period, now)["weeks"]
        assert cast("list[dict[str, Any]]", weeks) == _reference_weeks(book, period, "me")


def test_every_write_keeps_the_hourly_counts(
    either: Store, clock_at: Callable[[str], None]
) -> None:
    """Interactions logged, moved in time, given to another owner or kind, removed by an
    undo and by erasing their contact: the weeks still count what is there."""
    from crmcli.core import undo
    from crmcli.core.activity import interactions
    from crmcli.core.people import contacts, privacy
    from crmcli.core.people.contacts import ContactFields

    store = either
    clock_at("2026-06-20T10:00:00Z")
    now = clock.local_now()
    period = reports.parse_period("30d", now.date())

    def check() -> None:
        for owner in ("me", "all"):
            weeks = reports.activity(store, period, now, owner=owner)["weeks"]
            assert cast("list[dict[str, Any]]", weeks) == _reference_weeks(store, period, owner)

    who = [int(contacts.add(store, ContactFields(name=f"C{n}")).contact["id"]) for n in range(3)]
    logged = []
    for n in range(12):
        at = datetime(2026, 6, 1 + n, 8 + n % 9, n * 5, tzinfo=UTC)
        kind = (Kind.call, Kind.email, Kind.meeting)[n % 3]
        logged.append(interactions.log(store, who[n % 3], kind, "hello", at=at).interaction["id"])
    check()
    with store.write("moved", rules=False) as tx:
        tx.execute(
            "UPDATE interaction SET occurred_at = ? WHERE id = ?",
            (clock.stamp(datetime(2026, 6, 18, 23, 59, tzinfo=UTC)), logged[0]),
        )
        tx.execute("UPDATE interaction SET kind = 'note' WHERE id = ?", (logged[1],))
        tx.execute("UPDATE interaction SET owner = 'someone' WHERE id = ?", (logged[2],))
    check()
    undo.undo(store, "me")  # not the raw edits (no change log): the last log
    check()
    privacy.forget(store, who[2])
    check()


@pytest.mark.slow
def test_one_section_alone_is_that_section_of_the_whole_report(book: Store) -> None:
    """`--section NAME --format csv`: only that section is worked out, and its table is
    the whole report's (every row: the lists are not cut)."""
    from crmcli.core.overview.sections import SECTION_PATHS, section_rows

    now = _nows()[1]
    period = reports.parse_period("90d", now.date())
    whole = reports.build(book, period, now, limit=None)
    for name, path in SECTION_PATHS.items():
        alone = reports.build(book, period, now, limit=None, section=name)
        assert section_rows(alone, name) == section_rows(whole, name), name
        assert set(cast("dict[str, Any]", alone)) == {"period", path[0]}, name
    assert len(section_rows(whole, "touch")) > 100
