"""Erasure that erases everything: after `contact forget`, no byte of the person is left.

Not in the database file, not in its write-ahead log or shared-memory index, not in
the change log under an id they had before a merge, and not recoverable by `crm undo`;
with another connection reading, forget waits for it or fails saying so.
"""

from __future__ import annotations

import json
import sqlite3
import threading
import time
from pathlib import Path

import pytest

from tests.conftest import invoke

KEEP = {
    "name": "Zebulon Quixotry",
    "email": "zq.secretmail@quixotry-example.org",
    "phone": "06 71 82 93 04",
    "note": "Xylophonist keeping a marmoset",
    "summary": "Discussed the quagmire bankruptcy",
    "followup": "Chase the vellichor invoice",
}
OTHER = {
    "name": "Ottoline Vexmoor",
    "email": "ottoline.fjordmail@vexmoor-example.net",
    "phone": "07 55 44 33 21",
    "note": "Prefers blorptastic meetings",
    "summary": "Phoned about the zarfwidget recall",
    "followup": "Remind her of grommetization",
}


def _traces(person: dict[str, str]) -> list[bytes]:
    """Every form a value may be stored in: as typed, folded (search terms, FTS tokens),
    word by word, and the phone's digits."""
    out: set[str] = set()
    for value in person.values():
        out.add(value)
        out.add(value.lower())
        out.update(
            word.lower()
            for word in value.replace(".", " ").replace("@", " ").split()
            if len(word) >= 8
        )
    digits = "".join(ch for ch in person["phone"] if ch.isdigit())
    out.update({digits, digits[1:]})  # as typed; as in +33… (E.164) and digit terms
    return [text.encode("utf-8") for text in sorted(out)]


def _add(person: dict[str, str], ref: str) -> None:
    out = invoke(
        "contact", "add", person["name"], "-e", person["email"], "-p", person["phone"],
        "--note", person["note"],
    )  # fmt: skip
    assert out.exit_code == 0, out.stderr
    assert invoke("log", "call", ref, person["summary"]).exit_code == 0
    assert invoke("followup", "add", ref, "tomorrow", person["followup"]).exit_code == 0


def _seed(*, merge: bool) -> None:
    _add(KEEP, "zebulon")
    _add(OTHER, "ottoline")
    if merge:
        out = invoke("contact", "merge", "1", "2", "--yes")
        assert out.exit_code == 0, out.stderr


def _files(db: Path) -> dict[str, bytes]:
    return {
        path.name: path.read_bytes()
        for path in (db, Path(f"{db}-wal"), Path(f"{db}-shm"))
        if path.exists()
    }


def _left(db: Path, *people: dict[str, str]) -> list[tuple[str, bytes]]:
    files = _files(db)
    return [
        (name, trace)
        for person in people
        for trace in _traces(person)
        for name, raw in files.items()
        if trace in raw
    ]


def _merge_batch() -> int:
    rows = json.loads(invoke("undo", "--list", "--json").stdout)
    return next(int(r["id"]) for r in rows if r["command"].startswith("contact merge"))


def _contacts(db: Path) -> int:
    conn = sqlite3.connect(db)
    try:
        return int(conn.execute("SELECT count(*) FROM contact").fetchone()[0])
    finally:
        conn.close()


def test_forget_without_merge_leaves_no_byte(db: Path) -> None:
    _seed(merge=False)
    assert _left(db, KEEP)  # the check sees them while they are there
    out = invoke("contact", "forget", "1", "--yes")
    assert out.exit_code == 0, out.stderr
    assert _left(db, KEEP) == []
    assert invoke("contact", "show", "ottoline").exit_code == 0  # the other one stays


def test_forget_after_merge_erases_the_merged_in_person_too(db: Path) -> None:
    _seed(merge=True)
    merge_id = _merge_batch()
    out = invoke("contact", "forget", "1", "--yes")
    assert out.exit_code == 0, out.stderr
    assert out.stdout.startswith("forgot #1 Zebulon Quixotry")
    assert _left(db, KEEP, OTHER) == []
    # No batch, however old, brings either of them back.
    out = invoke("undo", str(merge_id))
    assert out.exit_code != 0
    for _ in range(3):
        invoke("undo")
    assert _contacts(db) == 0
    assert _left(db, KEEP, OTHER) == []


def test_export_lists_the_merged_in_persons_change_log(db: Path) -> None:
    _seed(merge=True)
    data = json.loads(invoke("contact", "export", "1").stdout)
    log = data["change_log"]
    # The merge's deletion of #2, with everything #2 held, and #2's own history.
    deleted = [e for e in log if e["table_name"] == "contact" and e["op"] == "delete"]
    assert deleted and OTHER["name"] in deleted[0]["before"]
    assert any(e["command"].startswith("contact merge") for e in log)
    assert any(OTHER["summary"] in (e["after"] or "") for e in log if e["op"] == "insert")
    assert any(OTHER["email"] in (e["after"] or "") for e in log if e["op"] == "insert")
    assert 2 in data["merged_ids"]


def _reader(db: Path) -> sqlite3.Connection:
    """A second connection holding a read transaction open, as another program would."""
    conn = sqlite3.connect(db, isolation_level=None, check_same_thread=False)
    conn.execute("BEGIN")
    conn.execute("SELECT count(*) FROM contact").fetchone()
    return conn


@pytest.mark.slow
def test_forget_waits_for_a_reader_that_finishes(db: Path) -> None:
    _seed(merge=True)
    assert invoke("config", "set", "busy_timeout", "10").exit_code == 0
    reader = _reader(db)

    def release() -> None:
        time.sleep(1.0)
        reader.execute("COMMIT")
        reader.close()

    thread = threading.Thread(target=release)
    thread.start()
    try:
        out = invoke("contact", "forget", "1", "--yes")
    finally:
        thread.join()
    assert out.exit_code == 0, out.stderr
    assert _left(db, KEEP, OTHER) == []


@pytest.mark.slow
def test_forget_with_a_reader_that_stays_says_so(db: Path) -> None:
    _seed(merge=True)
    assert invoke("config", "set", "busy_timeout", "1").exit_code == 0
    reader = _reader(db)
    try:
        out = invoke("contact", "forget", "1", "--yes")
        files_then = _left(db, KEEP, OTHER)
    finally:
        reader.execute("COMMIT")
        reader.close()
    # The reader's snapshot pins the old pages: success would be a lie.
    assert files_then != []
    assert out.exit_code == 3, out.stdout
    assert "forgot" not in out.stdout
    assert "reading" in out.stderr and "write-ahead log" in out.stderr
    assert len(out.stderr.strip().splitlines()) == 1
    assert _contacts(db) == 0  # erased from the tables all the same
    # Once the reader is gone, the next crm command clears what was left.
    assert invoke("status").exit_code in (0, 1)
    assert _left(db, KEEP, OTHER) == []


def test_forget_after_merge_on_the_server_leaves_no_change_log_row(pg_url: str) -> None:
    import psycopg

    _seed_at(pg_url)
    out = invoke("--db", pg_url, "contact", "forget", "1", "--yes")
    assert out.exit_code == 0, out.stderr
    url = pg_url.replace("postgresql+psycopg://", "postgresql://")
    with psycopg.connect(url) as conn:
        logged = conn.execute(
            "SELECT coalesce(string_agg(before || after, ''), '') FROM "
            "(SELECT coalesce(before, '') AS before, coalesce(after, '') AS "
            "after FROM change_log) AS t"
        ).fetchone()
        assert logged is not None
        for person in (KEEP, OTHER):
            for value in person.values():
                assert value not in logged[0], value
        assert conn.execute("SELECT count(*) FROM contact").fetchone() == (0,)
    assert invoke("--db", pg_url, "undo").exit_code != 0


def _seed_at(url: str) -> None:
    for person, ref in ((KEEP, "zebulon"), (OTHER, "ottoline")):
        out = invoke("--db", url, "contact", "add", person["name"], "-e", person["email"],
                     "-p", person["phone"], "--note", person["note"])  # fmt: skip
        assert out.exit_code == 0, out.stderr
        assert invoke("--db", url, "log", "call", ref, person["summary"]).exit_code == 0
    assert invoke("--db", url, "contact", "merge", "1", "2", "--yes").exit_code == 0


def test_undoing_a_deal_change_never_links_it_back(db: Path) -> None:
    _seed(merge=True)
    ok = invoke("deal", "add", "Quixotry licence", "--contact", "zebulon", "--amount", "5k")
    assert ok.exit_code == 0, ok.stderr
    assert invoke("deal", "edit", "quixotry", "--amount", "6k").exit_code == 0
    assert invoke("contact", "forget", "1", "--yes").exit_code == 0
    invoke("undo")  # the amount change, if it is still there: the deal stays unlinked
    conn = sqlite3.connect(db)
    try:
        assert conn.execute("SELECT contact_id FROM deal").fetchall() == [(None,)]
        images = conn.execute("SELECT before, after FROM change_log").fetchall()
    finally:
        conn.close()
    assert not any('"contact_id": 1,' in (b or "") + (a or "") for b, a in images)


def test_forget_erases_other_peoples_relations_that_name_them(db: Path) -> None:
    """Schema v6 relations: "spouse: Zebulon Quixotry" on another card is data about
    Zebulon; forgetting him erases it, and the other card keeps the rest."""
    _add(KEEP, "1")
    _add(OTHER, "2")
    with sqlite3.connect(db) as conn:
        conn.execute(
            "INSERT INTO contact_relation (contact_id, name, kind, related_id, position) "
            "VALUES (2, ?, 'spouse', 1, 0)",
            (KEEP["name"],),
        )
    out = invoke("contact", "forget", "1", "--yes")
    assert out.exit_code == 0, out.stderr
    assert "1 relation of another contact naming them" in out.stdout
    with sqlite3.connect(db) as conn:
        assert conn.execute("SELECT count(*) FROM contact_relation").fetchone() == (0,)
        assert conn.execute("SELECT count(*) FROM contact WHERE id = 2").fetchone() == (1,)
    assert _left(db, KEEP) == []
