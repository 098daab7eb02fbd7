"""The demo database as a file: only a marked demo is ever replaced; the tour's subject."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import pytest

from crmcli.core.db.store import Store
from crmcli.core.demo import data as demo
from crmcli.core.demo.database import is_demo_database, make_way, tour_subject
from crmcli.core.errors import Refused
from crmcli.core.people import contacts
from crmcli.core.people.contacts import ContactFields


def test_only_a_database_the_demo_filled_is_a_demo(store: Store, db: Path, tmp_path: Path) -> None:
    assert not is_demo_database(db)  # a real crm database
    junk = tmp_path / "junk.db"
    junk.write_text("not a database")
    assert not is_demo_database(junk)
    assert not is_demo_database(tmp_path / "missing.db")
    assert not (tmp_path / "missing.db").exists()  # read-only: never created
    demo.generate(store, demo.DemoSize(20), seed=1)
    assert is_demo_database(db)


def test_make_way_removes_an_old_demo_and_its_wal_and_refuses_anything_else(
    tmp_path: Path,
) -> None:
    target = tmp_path / "demo.db"
    conn = sqlite3.connect(target)
    conn.execute("CREATE TABLE crm_meta (key TEXT PRIMARY KEY, value TEXT)")
    conn.execute("INSERT INTO crm_meta VALUES ('demo', '7')")
    conn.commit()
    conn.close()
    Path(f"{target}-wal").write_bytes(b"")
    make_way(target)
    assert not target.exists() and not Path(f"{target}-wal").exists()

    real = tmp_path / "real.db"
    real.write_text("precious")
    with pytest.raises(Refused, match="exists and is not a demo database; not overwriting it"):
        make_way(real)
    assert real.read_text() == "precious"

    nested = tmp_path / "a" / "b" / "demo.db"
    make_way(nested)
    assert nested.parent.is_dir() and not nested.exists()
    assert nested.parent.stat().st_mode & 0o077 == 0  # private to the user


def test_the_tour_looks_up_someone_with_accents_when_there_is_one(store: Store) -> None:
    assert tour_subject(store) is None
    contacts.add(store, ContactFields(name="Ann Lee", company="Acme"))
    first = tour_subject(store)
    assert first is not None and first["display_name"] == "Ann Lee"
    contacts.add(store, ContactFields(name="Hélène Dupré", company="Acme"))
    contacts.add(store, ContactFields(name="Solo Person"))  # no company: never chosen
    subject = tour_subject(store)
    assert subject is not None
    assert (subject["display_name"], subject["first_name"], subject["last_name"]) == (
        "Hélène Dupré",
        "Hélène",
        "Dupré",
    )
