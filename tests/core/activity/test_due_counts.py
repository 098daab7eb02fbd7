"""The prompt's count of due and overdue follow-ups, read straight from the file."""

from __future__ import annotations

import sqlite3
import subprocess
import sys
from datetime import UTC, date, datetime, time
from pathlib import Path

import pytest

from crmcli.core.activity import followups
from crmcli.core.activity.due_counts import due_counts
from crmcli.core.db.store import Store
from crmcli.core.people import contacts
from crmcli.core.people.contacts import ContactFields
from crmcli.core.values.when import When

NOW = datetime(2026, 3, 2, 14, 0, tzinfo=UTC)  # Monday 15:00 in Paris (the tests' zone)


def test_due_today_or_earlier_and_which_are_overdue(store: Store, db: Path) -> None:
    ann = int(contacts.add(store, ContactFields(name="Ann Lee")).contact["id"])

    def due(day: int, at: time | None = None) -> int:
        return int(followups.add(store, ann, When(date(2026, 3, day), at))["id"])

    due(1)  # yesterday, all day: overdue
    due(2, time(9, 0))  # today 9:00, already past: overdue
    due(2)  # today, all day: due, not overdue
    due(2, time(17, 0))  # today 17:00: due, not yet overdue
    due(3)  # tomorrow: not due
    followups.done(store, due(1))  # done: not counted
    assert due_counts(str(db), NOW) == (4, 2)


def test_a_file_without_the_table_is_the_callers_error_and_nothing_is_created(
    tmp_path: Path,
) -> None:
    empty = tmp_path / "empty.db"
    sqlite3.connect(empty).close()
    with pytest.raises(sqlite3.OperationalError):
        due_counts(str(empty), NOW)
    with pytest.raises(sqlite3.OperationalError):
        due_counts(str(tmp_path / "missing.db"), NOW)
    assert not (tmp_path / "missing.db").exists()


@pytest.mark.subprocess
def test_it_loads_only_the_standard_library() -> None:
    code = (
        "import sys\nimport crmcli.core.activity.due_counts\n"
        "print(' '.join(m for m in sys.modules if m.startswith('crmcli')))"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert sorted(out.stdout.split()) == [
        "crmcli",
        "crmcli.core",
        "crmcli.core.activity",
        "crmcli.core.activity.due_counts",
    ]
