"""The rules' core under hostile use: lost updates, racing runs, deep chains, odd documents.

On SQLite and on PostgreSQL (`backend`): `replace_all` refuses to drop a rule another
shell saved meanwhile; two `crm rule run` at once fire a time rule once; a chain cut by
the depth cap says so.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterator
from datetime import UTC, date, datetime
from pathlib import Path

import pytest

from crmcli.core.activity import followups
from crmcli.core.db.store import Store
from crmcli.core.errors import Conflict, Invalid
from crmcli.core.rules import catalog, document, engine, grammar, timed
from crmcli.core.values.when import When
from tests.core.rules.engine_helpers import add_rule, open_book, person

START = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)


@pytest.fixture
def shared(backend: str, tmp_path: Path, clock_at: Callable[[str], None]) -> Iterator[str]:
    """A database on either backend, as its target (each caller opens its own store)."""
    yield backend


def test_replace_all_refuses_rules_changed_since_the_rep_began(shared: str, tmp_path: Path) -> None:
    mine, theirs = open_book(shared, tmp_path), open_book(shared, tmp_path)
    try:
        add_rule(mine, "mine", "deal won", "tag won")
        began = catalog.stored(mine)
        add_rule(theirs, "theirs", "deal lost", "tag lost")  # another shell, meanwhile
        edited = [grammar.parse_rule("mine", "deal won", ["tag winner"])]
        with pytest.raises(Conflict, match="added 'theirs'"):
            catalog.replace_all(mine, edited, expected=began)
        assert [r.name for r in catalog.stored(mine)] == ["mine", "theirs"]
        assert catalog.get(mine, "mine").actions[0].text == "tag won"
        # As they are now, the same edit is saved.
        catalog.replace_all(
            mine, [*edited, catalog.get(mine, "theirs")], expected=catalog.stored(mine)
        )
        assert catalog.get(mine, "mine").actions[0].text == "tag winner"
    finally:
        mine.close()
        theirs.close()


def test_two_runs_at_once_fire_a_time_rule_once(shared: str, tmp_path: Path) -> None:
    first = open_book(shared, tmp_path)
    add_rule(first, "nudge", "followup overdue by 1 day", "tag overdue", "followup +1d: again")
    for i in range(8):
        who = person(first, f"P{i}")
        followups.add(first, who, When(date(2026, 2, 20), None), f"call {i}")
    stores = [first, open_book(shared, tmp_path), open_book(shared, tmp_path)]
    fired: list[int] = []
    failed: list[BaseException] = []
    gate = threading.Barrier(len(stores))

    def run(store: Store) -> None:
        try:
            gate.wait()
            fired.append(timed.run(store, now=START).fired)
        except BaseException as exc:  # what the loser sees must be no error at all
            failed.append(exc)

    threads = [threading.Thread(target=run, args=(s,)) for s in stores]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(60)
    try:
        assert failed == []
        assert sorted(fired) == [0, 0, 8]
        assert first.value("SELECT count(*) FROM rule_fired") == 8
        assert first.value("SELECT count(*) FROM followup WHERE note = 'again'") == 8
    finally:
        for store in stores:
            store.close()


def test_the_depth_cap_leaves_skipped_outcomes(shared: str, tmp_path: Path) -> None:
    book = open_book(shared, tmp_path)
    try:
        ann = person(book, "Ann Lee")
        chain = [
            grammar.parse_rule(f"r{i}", f"tag added t{i}", [f"tag t{i + 1}"], position=i)
            for i in range(8)
        ]
        with book.write("chain", rules=False) as tx:
            tx.record = True
            tx.insert(
                "contact_tag", {"contact_id": ann, "tag_key": "t0", "tag": "t0"}, contact_id=ann
            )
            outcomes = engine.fire(tx, chain)
        assert [o.rule for o in outcomes if o.applied] == ["r0", "r1", "r2", "r3", "r4"]
        cut = [o for o in outcomes if o.skipped]
        assert [o.rule for o in cut] == ["r5"]
        assert "5 rounds" in str(cut[0].skipped)
    finally:
        book.close()


# -- documents -----------------------------------------------------------------------------


def test_a_bom_and_crlf_read_as_the_same_document() -> None:
    text = '[[rule]]\nname = "a"\nwhen = "deal won"\nthen = ["tag x"]\n'
    assert document.load("\ufeff" + text.replace("\n", "\r\n")) == document.load(text)


def test_nesting_thousands_deep_is_invalid_not_a_crash() -> None:
    with pytest.raises(Invalid, match="nested"):
        document.load("x = " + "[" * 5000 + "]" * 5000)


def test_an_unreadable_stored_rule_is_dumped_as_written(shared: str, tmp_path: Path) -> None:
    book = open_book(shared, tmp_path)
    try:
        add_rule(book, "odd", "deal lost", "tag lost")
        with book.write("hand edit", rules=False) as tx:
            tx.execute("UPDATE rule SET when_text = 'deal teleports'")
        kept = catalog.stored(book)
        assert kept[0].problem is not None and "teleports" in kept[0].problem
        text = document.dump(kept)
        assert "# this rule no longer reads" in text and 'when = "deal teleports"' in text
        with pytest.raises(Invalid, match="line"):
            document.load(text, book)
        assert catalog.readable(book) == []
        assert catalog.remove(book, "odd").name == "odd"
    finally:
        book.close()
