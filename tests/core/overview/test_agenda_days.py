"""The agenda's days (core/overview/agenda.py): groups with counts, and what lies beyond.

The clock is Monday 2 March 2026, 10:00 in Paris (09:00 UTC).
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from datetime import date, time
from pathlib import Path

import pytest

from crmcli.core import clock
from crmcli.core.activity import followups
from crmcli.core.config import Config
from crmcli.core.db.opening import open_store
from crmcli.core.db.store import Store
from crmcli.core.overview import agenda
from crmcli.core.people import contacts
from crmcli.core.people.contacts import ContactFields
from crmcli.core.values.when import When


@pytest.fixture
def either(backend: str, tmp_path: Path, clock_at: Callable[[str], None]) -> Iterator[Store]:
    """A store on SQLite and on PostgreSQL: the day-by-day query numbers rows in SQL."""
    store = open_store(backend, Config({"user": "me"}, tmp_path / "config.toml"), write=True)
    yield store
    store.close()


def person(store: Store, name: str) -> int:
    return int(contacts.add(store, ContactFields(name=name)).contact["id"])


def due(store: Store, who: int, day: int, at: time | None = None, note: str = "") -> int:
    return int(followups.add(store, who, When(date(2026, 3, day), at), note or None)["id"])


def test_days_ahead_groups_by_day_with_counts_and_a_limit(either: Store) -> None:
    store = either
    ana = person(store, "Ana Lima")
    late = due(store, ana, 1)  # yesterday: overdue
    early = due(store, ana, 2, time(8, 0))  # today 08:00: overdue by now
    later_today = due(store, ana, 2, time(15, 0))
    all_day = due(store, ana, 2)
    friday = [due(store, ana, 6, time(9, 0)), due(store, ana, 6), due(store, ana, 6, time(11))]
    beyond = due(store, ana, 12)
    groups = agenda.days_ahead(store, clock.local_now(), 7, limit=2)
    assert [day for day, _ in groups] == ["overdue"] + [f"2026-03-0{d}" for d in range(2, 9)]
    by_day = {day: section for day, section in groups}
    assert [r["id"] for r in by_day["overdue"].rows] == [late, early]
    assert [r["id"] for r in by_day["2026-03-02"].rows] == [all_day, later_today]
    # Friday has three: the first two (all-day first, then by time) and the count of all.
    assert by_day["2026-03-06"].total == 3
    assert [r["id"] for r in by_day["2026-03-06"].rows] == [friday[1], friday[0]]
    assert all(beyond not in [r["id"] for r in s.rows] for s in by_day.values())
    # `crm agenda` reads the same groups, whole.
    assert agenda.agenda(store, clock.local_now(), 7)[-3][1][2]["id"] == friday[2]


def test_no_overdue_group_when_nothing_is_late(store: Store) -> None:
    due(store, person(store, "Ana Lima"), 3)
    groups = agenda.days_ahead(store, clock.local_now(), 2)
    assert [day for day, _ in groups] == ["2026-03-02", "2026-03-03"]


def test_due_between_counts_open_follow_ups_from_a_day_to_a_day(store: Store) -> None:
    ana = person(store, "Ana Lima")
    due(store, ana, 2, time(23, 30))  # today: not counted from tomorrow
    due(store, ana, 3)
    due(store, ana, 3, time(0, 15))  # just after midnight, local
    due(store, ana, 9, time(23, 45))  # the last day, late in the evening
    done = due(store, ana, 5)
    followups.done(store, done)
    due(store, ana, 10)
    now = clock.local_now()
    assert agenda.due_between(store, now, date(2026, 3, 3), date(2026, 3, 9)) == 3
    assert agenda.due_between(store, now, date(2026, 3, 10)) == 1
    assert agenda.due_between(store, now, date(2026, 3, 3)) == 4
