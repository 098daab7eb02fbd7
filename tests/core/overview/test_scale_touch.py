"""Due for a touch, read by rank (core/overview/touch.py): the same rows as scoring everyone.

The first `limit` contacts are found through `contact.touch_rank` (kept by triggers,
schema v9) and a few index ranges; every due contact scored and sorted (the walk the
daily view used before, kept as `_score_all`) is the reference. Seeded databases, ties
of score, of due date and of both, clocks from a day to a year and a half on, limits
from 1 to 200; then every kind of write that moves a rank, on both engines, with the
stored ranks checked against ranks worked out afresh and against the scores they bound.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest

from crmcli.core import clock
from crmcli.core.activity import interactions, scoring
from crmcli.core.config import Config
from crmcli.core.db.opening import open_store
from crmcli.core.db.store import Store
from crmcli.core.demo import data as demo
from crmcli.core.overview import agenda, touch
from crmcli.core.people import contacts
from crmcli.core.people.contacts import ContactFields
from crmcli.core.pipeline import deals, stages
from crmcli.core.pipeline.deals import DealFields

BUILT = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)  # when the demo data was generated


def _config(tmp_path: Path) -> Config:
    return Config({"user": "me", "default_region": "FR", "currency": "EUR"}, tmp_path / "c.toml")


@pytest.fixture
def seeded(tmp_path: Path, clock_at: Callable[[str], None]) -> Iterator[Store]:
    """3,000 generated contacts (about 1,700 with a cadence), then ties made on purpose:
    groups sharing a last touch and a due date (so score and date tie, and the id
    decides), and groups sharing a due date with different scores."""
    store = open_store(str(tmp_path / "seeded.db"), _config(tmp_path), write=True)
    demo.generate(store, demo.DemoSize(3000, interactions=30_000, deals=700, followups=10))
    cadenced = [
        int(r[0])
        for r in store.tuples(
            "SELECT id FROM contact WHERE cadence_days IS NOT NULL AND last_touch_at IS NOT NULL "
            "ORDER BY id"
        )
    ]
    with store.write("ties", rules=False) as tx:
        for n, group in enumerate((cadenced[0:40], cadenced[40:80], cadenced[80:90])):
            at = clock.stamp(BUILT - timedelta(days=20 + 7 * n, hours=3))
            for cid in group:
                tx.execute(
                    "UPDATE contact SET cadence_days = 14, last_touch_at = ?, touch_due_at = ? "
                    "WHERE id = ?",
                    (at, interactions.touch_due(at, 14, at), cid),
                )
        same_due = clock.stamp(BUILT - timedelta(days=5))
        for cid in cadenced[100:130]:
            tx.execute("UPDATE contact SET touch_due_at = ? WHERE id = ?", (same_due, cid))
    yield store
    store.close()


def _names(rows: list[Any]) -> list[tuple[int, str, int]]:
    return [(r["id"], r["touch_due_at"], r["score"]) for r in rows]


def _everyone(store: Store, now: datetime) -> list[touch.Ranked]:
    """The reference: every due contact scored (the old walk, no limit), sorted."""
    return touch._score_all(store, now, None, ("", []))


@pytest.mark.slow
def test_the_first_few_by_rank_are_the_first_few_of_everyone_scored(
    seeded: Store, monkeypatch: pytest.MonkeyPatch
) -> None:
    scored: list[int] = []
    real = touch._scores

    def counting(store: Store, now: datetime, ids: list[int]) -> list[touch.Ranked]:
        scored.append(len(ids))
        return real(store, now, ids)

    monkeypatch.setattr(touch, "_scores", counting)
    by_rank_used = 0
    for days in (0, 1, 9, 30, 75):
        now = BUILT + timedelta(days=days, hours=5)
        everyone = _everyone(seeded, now)
        assert len(everyone) > 900
        scores = [-s for s, _, _ in everyone]
        assert len(set(scores)) < len(scores) / 10  # ties of score, plenty
        for limit in (1, 5, 20, 50, 200):
            scored.clear()
            found = touch._top_by_rank(seeded, now, limit, ("", []))
            if found is None:
                # Only when the last shown scores no more than a cold contact can.
                assert -everyone[limit - 1][0] <= touch.COLD_MAX + 1, (days, limit)
                continue
            by_rank_used += 1
            assert found == everyone[:limit], (days, limit)
            # A few ranges, not everyone: the contacts scored stay near the limit.
            assert sum(scored) < max(8 * limit, 120), (days, limit, sum(scored))
            # And through the public section, with the total and the names.
            section = agenda.touch_due(seeded, now, limit=limit)
            assert section.total == len(everyone)
            assert [(r["id"], r["touch_due_at"], -r["score"]) for r in section.rows] == [
                (i, d, s) for s, d, i in everyone[:limit]
            ]
    assert by_rank_used >= 15
    # The groups made to tie: one score, one due date, so listed by id.
    tied = [r for r in _everyone(seeded, BUILT + timedelta(hours=5)) if r[1] == everyone[0][1]]
    assert tied == sorted(tied)


def test_a_year_later_everyone_is_cold_and_everyone_is_scored(seeded: Store) -> None:
    """Nobody touched for 180 days scores more than their best deal's 30 points: the
    threshold cannot fall that low, so every due contact is scored, as before."""
    now = BUILT + timedelta(days=540)
    assert touch._top_by_rank(seeded, now, 20, ("", [])) is None
    section = agenda.touch_due(seeded, now, limit=20)
    assert [(r["id"], r["touch_due_at"], -r["score"]) for r in section.rows] == [
        (i, d, s) for s, d, i in _everyone(seeded, now)[:20]
    ]


def _fresh_ranks(store: Store) -> dict[int, int | None]:
    """Every contact's rank worked out again by the triggers, in a transaction undone."""
    conn = store.conn
    conn.execute("BEGIN")
    try:
        conn.execute(
            "UPDATE contact SET last_touch_at = last_touch_at WHERE cadence_days IS NOT NULL"
        )
        return {int(i): r for i, r in conn.execute("SELECT id, touch_rank FROM contact")}
    finally:
        conn.execute("ROLLBACK")


def _check_ranks(store: Store, nows: list[datetime]) -> None:
    """Stored ranks are the ranks the data gives now, and every due contact's score is
    within the bound its rank sets (or it is cold, and scores its best deal alone)."""
    stored = {int(i): r for i, r in store.tuples("SELECT id, touch_rank FROM contact")}
    assert stored == _fresh_ranks(store)
    for now in nows:
        for contact_id, due, days, recent, best in store.tuples(
            f"SELECT c.id, c.touch_due_at, {scoring.columns(store.dialect)} FROM contact c "
            f"WHERE {touch.TOUCH}",
            [*scoring.params(now), clock.stamp(now)],
        ):
            score = scoring.from_parts(None if days is None else float(days), int(recent), best)
            rank = stored[int(contact_id)]
            if days is None or float(days) >= 180:
                assert score <= touch.COLD_MAX
                continue
            overdue = (now - clock.parse_stamp(due)).total_seconds() / 86400
            assert rank is not None
            assert score <= rank - overdue / touch.DAYS_PER_POINT + 0.5, (contact_id, now)


@pytest.fixture
def either(backend: str, tmp_path: Path, clock_at: Callable[[str], None]) -> Iterator[Store]:
    store = open_store(backend, _config(tmp_path), write=True)
    yield store
    store.close()


def _log(store: Store, who: int, days_ago: float, now: datetime) -> int:
    at = now - timedelta(days=days_ago)
    return int(
        interactions.log(store, who, interactions.Kind.call, "checked in", at=at).interaction["id"]
    )


def test_every_write_that_moves_a_rank_keeps_it_exact(
    either: Store, clock_at: Callable[[str], None]
) -> None:
    from crmcli.core import undo

    store = either
    now = clock.now()
    people = []
    for n, cadence in enumerate(("14d", "30d", "60d", "2w", "90d", "30d")):
        added = contacts.add(store, ContactFields(name=f"Person {n}", cadence=cadence))
        people.append(int(added.contact["id"]))
    plain = int(contacts.add(store, ContactFields(name="No Cadence")).contact["id"])
    nows = [now + timedelta(days=d) for d in (0, 20, 50, 120, 200)]
    for n, who in enumerate(people):
        for k in range(n + 1):
            _log(store, who, 100 - 15 * k - n, now)
    _log(store, plain, 3, now)
    _check_ranks(store, nows)
    ranked = {i: r for i, r in store.tuples("SELECT id, touch_rank FROM contact")}
    assert all(ranked[p] is not None for p in people) and ranked[plain] is None

    # Deals: added open, moved, given their own probability, closed, reopened, moved
    # to another person, deleted; a stage's probability changed.
    deal = deals.add(store, DealFields(title="Pilot", contact_id=people[0], stage="Qualified"))
    deal_id = int(deal["id"])
    _check_ranks(store, nows)
    before = ranked[people[0]]
    assert store.value("SELECT touch_rank FROM contact WHERE id = ?", [people[0]]) > before
    deals.move(store, deal_id, "Proposal")
    _check_ranks(store, nows)
    deals.edit(store, deal_id, DealFields(probability=95))
    _check_ranks(store, nows)
    stages.edit(store, "Proposal", probability=80)
    _check_ranks(store, nows)
    deals.edit(store, deal_id, DealFields(clear_probability=True))
    stages.edit(store, "Proposal", probability=5)
    _check_ranks(store, nows)
    deals.won(store, deal_id)
    _check_ranks(store, nows)
    assert store.value("SELECT touch_rank FROM contact WHERE id = ?", [people[0]]) == before
    deals.reopen(store, deal_id)
    deals.edit(store, deal_id, DealFields(contact_id=people[1]))
    _check_ranks(store, nows)
    # Interactions: a recent one, a back-dated one inside the window (older than the
    # last touch: only the interaction's own trigger sees it), one long before it.
    _log(store, people[2], 1, now)
    rank = store.value("SELECT touch_rank FROM contact WHERE id = ?", [people[0]])
    _log(store, people[0], 150, now)
    assert store.value("SELECT touch_rank FROM contact WHERE id = ?", [people[0]]) == rank + 3
    _log(store, people[4], 400, now)
    _check_ranks(store, nows)
    # The contact: a new cadence, none, archived, and back.
    contacts.edit(store, people[5], ContactFields(cadence="7d"))
    _check_ranks(store, nows)
    contacts.edit(store, people[5], ContactFields(cadence="off"))
    _check_ranks(store, nows)
    assert store.value("SELECT touch_rank FROM contact WHERE id = ?", [people[5]]) is None
    # Undo takes each back, and the ranks with them (an undo writes whole rows back).
    for _ in range(6):
        undo.undo(store, "me")
        _check_ranks(store, nows)
    # And the first few by rank are the first few of everyone scored, at every clock.
    for when in nows:
        for limit in (1, 2, 3):
            found = touch._top_by_rank(store, when, limit, ("", []))
            assert found is None or found == _everyone(store, when)[:limit]


def test_the_first_few_are_the_same_on_postgresql_after_a_copy(
    seeded: Store, pg_url: str, tmp_path: Path
) -> None:
    """`crm db copy` into PostgreSQL: its triggers rank every contact as SQLite's did,
    and the first few by rank there are the first few of everyone scored here."""
    from crmcli.core.db.copying import copy_database

    server = open_store(pg_url, _config(tmp_path), write=True)
    try:
        copy_database(seeded, server)
        # Each engine's own arithmetic (SQLite's floats, PostgreSQL's numerics): the same
        # rank but for the odd one at an integer's edge, and every one a bound.
        names = "SELECT display_name, last_touch_at, touch_rank FROM contact ORDER BY 1, 2"
        pairs = zip(server.tuples(names), seeded.tuples(names), strict=True)
        assert sum(a[:2] != b[:2] for a, b in pairs) == 0
        _check_ranks(server, [BUILT + timedelta(days=d) for d in (1, 30)])
        for days in (1, 30):
            now = BUILT + timedelta(days=days)
            here = agenda.touch_due(seeded, now, limit=20).rows
            there = agenda.touch_due(server, now, limit=20).rows
            assert [(r["contact"], r["touch_due_at"], r["score"]) for r in there] == [
                (r["contact"], r["touch_due_at"], r["score"]) for r in here
            ]
            assert touch._top_by_rank(server, now, 20, ("", [])) is not None
    finally:
        server.close()


def test_upgrading_a_v8_file_ranks_its_contacts(tmp_path: Path) -> None:
    """Schema v9 on an existing file: the migration's backfill gives every live contact
    the rank its triggers would."""
    import shutil

    fixtures = Path(__file__).resolve().parents[2] / "fixtures"
    db = tmp_path / "v8.db"
    shutil.copy(fixtures / "schema_v8.db", db)
    store = open_store(str(db), _config(tmp_path), write=True)
    try:
        live = store.value(
            "SELECT count(*) FROM contact WHERE cadence_days IS NOT NULL "
            "AND last_touch_at IS NOT NULL AND touch_due_at IS NOT NULL"
        )
        ranked = store.value("SELECT count(*) FROM contact WHERE touch_rank IS NOT NULL")
        assert ranked == live
        _check_ranks(store, [datetime(2026, 12, 1, tzinfo=UTC)])
    finally:
        store.close()


def test_a_due_date_in_a_far_zone_and_a_day_boundary(either: Store) -> None:
    """Ranks count from stored UTC stamps: a contact due just now is read, one due a
    microsecond after now is not."""
    store = either
    now = clock.now()
    who = int(contacts.add(store, ContactFields(name="Edge Case", cadence="14d")).contact["id"])
    _log(store, who, 14, now)
    due_at = store.value("SELECT touch_due_at FROM contact WHERE id = ?", [who])
    exactly = clock.parse_stamp(due_at)
    assert [r["id"] for r in agenda.touch_due(store, exactly, limit=1).rows] == [who]
    assert agenda.touch_due(store, exactly - timedelta(microseconds=1), limit=1).rows == []
    assert date.fromisoformat(due_at[:10]) >= (now + timedelta(days=-1)).date()
