"""Bulk edits in the core (issue #24, part 3): the diff planned without writing, the write in
one batch that one undo takes back, a contact changed meanwhile refusing the batch, the
bulk editor's file read back exactly; contacts and deals, on SQLite and PostgreSQL."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from crmcli.core.config import Config
from crmcli.core.db.opening import open_store
from crmcli.core.db.store import Store
from crmcli.core.errors import Conflict, Invalid, Refused
from crmcli.core.interchange import bulk_tsv
from crmcli.core.people import bulk, contacts
from crmcli.core.pipeline import bulk as deal_bulk
from crmcli.core.pipeline import deals, pipelines, stages
from crmcli.core.undo import undo
from crmcli.core.values.text import name_key


@pytest.fixture
def store(backend: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Store]:
    monkeypatch.setenv("CRM_NOW", "2026-03-02T09:00:00Z")
    config = Config({"default_region": "FR", "user": "me", "currency": "EUR"}, tmp_path / "c.toml")
    s = open_store(backend, config, write=True)
    yield s
    s.close()


def snapshot(store: Store) -> dict[str, list[tuple[Any, ...]]]:
    """Every table a bulk edit touches, row by row (the change log aside)."""
    out = {}
    for table in ("contact", "contact_tag", "company", "search_term", "deal", "deal_stage_change"):
        out[table] = sorted(
            tuple(str(v) for v in row) for row in store.tuples(f"SELECT * FROM {table}")
        )
    out["followup"] = sorted(
        tuple(str(v) for v in r) for r in store.tuples("SELECT * FROM followup")
    )
    return out


def people(store: Store) -> list[int]:
    ids = []
    for name, tags, status in (
        ("Ann Lee", ["cold", "two words"], "lead"),
        ("Bob Ray", ["vip"], "lead"),
        ("Cy Doe", [], "customer"),
    ):
        done = contacts.add(store, contacts.ContactFields(name=name, tags=tags, status=status))
        ids.append(int(done.contact["id"]))
    return ids


def test_plan_writes_nothing_and_apply_is_one_undoable_batch(store: Store) -> None:
    people(store)
    before = snapshot(store)
    states = bulk.matching(store, None)
    edit = bulk.Edit(
        values=bulk.parse_sets(["status=customer", "company=Acme", "every=2w"]),
        add_tags=("q4",),
        rm_tags=("cold", "two words"),
    )
    plan = bulk.plan(states, edit)
    assert snapshot(store) == before  # planning reads only
    assert [d.id for d in plan.diffs] == [1, 2, 3] and plan.unchanged == 0
    assert plan.diffs[0].lines() == [
        "#1 Ann Lee",
        "  status: lead → customer",
        "  company: (none) → Acme",
        "  every: (none) → 14d",
        "  tags: +q4 -cold -two words",
    ]
    assert plan.diffs[2].lines()[1:] == [
        "  company: (none) → Acme",
        "  every: (none) → 14d",
        "  tags: +q4",
    ]
    done = bulk.apply(store, plan.diffs, "contact edit --where (3 contacts)")
    assert done.contacts == 3 and done.created_companies == ["Acme"]
    rows = store.rows("SELECT status, cadence_days, touch_due_at FROM contact ORDER BY id")
    assert {r["status"] for r in rows} == {"customer"} and rows[0]["cadence_days"] == 14
    assert rows[0]["touch_due_at"] is not None  # never touched: due for a first touch now
    tags = store.tuples("SELECT contact_id, tag FROM contact_tag ORDER BY contact_id, tag")
    assert tags == [(1, "q4"), (2, "q4"), (2, "vip"), (3, "q4")]
    # the multi-word tag's words left the search index with it
    assert not store.value("SELECT count(*) FROM search_term WHERE field = 'tag'")
    batches = store.tuples(
        "SELECT count(DISTINCT batch) FROM change_log WHERE command LIKE ?",
        ("contact edit --where%",),
    )
    assert batches == [(1,)]
    undo(store, "me")
    assert snapshot(store) == before


def test_a_contact_changed_since_the_diff_refuses_the_whole_batch(store: Store) -> None:
    people(store)
    plan = bulk.plan(bulk.matching(store, None), bulk.Edit(values={"title": "CFO"}))
    contacts.edit(store, 2, contacts.ContactFields(title="CEO"))  # meanwhile
    before = snapshot(store)
    with pytest.raises(Conflict, match=r"^#2 Bob Ray changed since the diff was read"):
        bulk.apply(store, plan.diffs, "contact edit --where")
    assert snapshot(store) == before


def test_set_checks_each_value_as_a_single_edit_does(store: Store) -> None:
    with pytest.raises(Invalid, match=r"^--set status: unknown status 'vip' \(one of lead"):
        bulk.parse_sets(["status=vip"])
    with pytest.raises(Invalid, match=r"^--set every: cannot read 'often'"):
        bulk.parse_sets(["every=often"])
    with pytest.raises(Invalid, match=r"fields: status, title, company, source, every, dnc"):
        bulk.parse_sets(["email=a@b.c"])
    with pytest.raises(Invalid, match=r"^--set takes FIELD=VALUE, not 'status'"):
        bulk.parse_sets(["status"])
    assert bulk.parse_sets(["title=", "dnc=yes", "every=off", "company= "]) == {
        "title": None,
        "dnc": True,
        "every": None,
        "company": None,
    }


def test_a_value_already_as_asked_is_no_change(store: Store) -> None:
    people(store)
    plan = bulk.plan(bulk.matching(store, None), bulk.Edit(values={"status": "customer"}))
    assert [d.id for d in plan.diffs] == [1, 2] and plan.unchanged == 1


# -- the bulk editor's file ------------------------------------------------------------------


def test_cells_with_tabs_newlines_backslashes_and_commas_read_back_exactly() -> None:
    for text in ["a\tb", "line1\nline2\r\n", "C:\\new\\t", "\\", "plain", "", "é ü ∑"]:
        assert bulk_tsv.unescape(bulk_tsv.escape(text)) == text
        assert "\t" not in bulk_tsv.escape(text) and "\n" not in bulk_tsv.escape(text)
    tags = ["a, b", "back\\slash", "x"]
    assert bulk_tsv.split_list(bulk_tsv.join_list(tags)) == tags


def test_the_file_round_trips_and_only_changed_cells_are_read(store: Store) -> None:
    people(store)
    contacts.edit(store, 1, contacts.ContactFields(title="Head of\tsales\nEMEA"))
    states = bulk.matching(store, None)
    text = bulk_tsv.contacts_file(states)
    assert bulk_tsv.contact_edits(text, states) == ({}, 0)  # as written: nothing asked
    lines = text.splitlines()
    header = lines.index("id\tname\tstatus\ttitle\tcompany\tsource\tevery\tdnc\ttags")
    rows = lines[header + 1 :]
    assert rows[0] == "1\tAnn Lee\tlead\tHead of\\tsales\\nEMEA\t\t\t\tno\tcold, two words"
    ann = rows[0].replace("lead", "customer").replace("cold, ", "q4, ")
    edited = "\n".join([*lines[: header + 1], ann, rows[2]]) + "\n"  # Bob's row deleted
    edits, removed = bulk_tsv.contact_edits(edited, states)
    assert removed == 1
    assert edits == {1: bulk.Edit(values={"status": "customer"}, tags=("q4", "two words"))}
    plan = bulk.plan(states, edits)
    assert [d.lines() for d in plan.diffs] == [
        ["#1 Ann Lee", "  status: lead → customer", "  tags: +q4 -cold"]
    ]


@pytest.mark.parametrize(
    ("change", "message"),
    [
        (lambda r: r.replace("lead", "boss"), r"^line 3 \(id 1\), column status: unknown status"),
        (lambda r: "9" + r[1:], r"^line 3: id '9' is not one of the rows written"),
        (lambda r: r + "\textra", r"^line 3 \(id 1\): 10 cells, not 9"),
        (lambda r: r.replace("\tno\t", "\tmaybe\t"), r"column dnc: dnc is yes or no, not 'maybe'"),
        (lambda r: r.replace("Ann Lee", " "), r"column name: name must not be empty"),
    ],
)
def test_a_bad_cell_or_id_is_one_line_naming_the_line_and_column(
    store: Store, change: Any, message: str
) -> None:
    people(store)
    states = bulk.matching(store, None)
    lines = bulk_tsv.contacts_file(states).splitlines()
    lines = [line for line in lines if not line.startswith("#")]
    lines[1] = change(lines[1])
    with pytest.raises(Invalid, match=message):
        bulk_tsv.contact_edits("\n".join(["# x", *lines]) + "\n", states)


def test_a_duplicated_id_or_a_changed_header_is_refused(store: Store) -> None:
    people(store)
    states = bulk.matching(store, None)
    lines = bulk_tsv.contacts_file(states).splitlines()
    with pytest.raises(Invalid, match=r"id 1 appears twice"):
        bulk_tsv.contact_edits("\n".join([*lines, lines[-3]]) + "\n", states)
    header = next(i for i, line in enumerate(lines) if line.startswith("id\t"))
    lines[header] = lines[header].replace("tags", "labels")
    with pytest.raises(Invalid, match=r"the header was changed"):
        bulk_tsv.contact_edits("\n".join(lines) + "\n", states)


# -- deals ------------------------------------------------------------------------------------


def deals_in_two_pipelines(store: Store) -> None:
    people(store)
    pipelines.add(store, "Renewals")
    stages.add(store, "Pilot", probability=50, target_days=None, pipeline="Sales")
    for title, contact, pipeline in (
        ("Big", 1, None),
        ("Small", 2, None),
        ("Renew", 3, "Renewals"),
    ):
        deals.add(store, deals.DealFields(title=title, contact_id=contact, pipeline=pipeline))


def test_deal_stage_is_resolved_in_each_deals_pipeline(store: Store) -> None:
    deals_in_two_pipelines(store)
    states = deal_bulk.matching(store, None)
    before = snapshot(store)
    values = deal_bulk.parse_sets(store, ["stage=proposal", "next=Send it", "close=2026-04-30"])
    plan = deal_bulk.plan(states, values, deal_bulk.stage_finder(store))
    assert {d.stage["pipeline_id"] for d in plan.diffs if d.stage} == {1, 2}
    assert plan.diffs[0].lines() == [
        "#1 Big",
        "  stage: Lead → Proposal",
        "  close: (none) → 2026-04-30",
        "  next: (none) → Send it",
    ]
    with pytest.raises(Invalid, match=r"^no stage 'Pilot' in Renewals \(deals #3 Renew\)"):
        deal_bulk.plan(states, {"stage": "Pilot"}, deal_bulk.stage_finder(store))
    with pytest.raises(Refused, match=r"deals are lost one at a time"):
        deal_bulk.plan(states, {"stage": "Lost"}, deal_bulk.stage_finder(store))
    assert snapshot(store) == before
    deal_bulk.apply(store, plan.diffs, "deal edit --where (3 deals)")
    rows = store.tuples(
        "SELECT d.id, s.name, s.pipeline_id, d.next_step FROM deal d "
        "JOIN stage s ON s.id = d.stage_id ORDER BY d.id"
    )
    assert rows == [
        (1, "Proposal", 1, "Send it"),
        (2, "Proposal", 1, "Send it"),
        (3, "Proposal", 2, "Send it"),
    ]
    assert store.value("SELECT count(*) FROM deal_stage_change") == 6  # a history row each
    undo(store, "me")
    assert snapshot(store) == before


def test_winning_in_bulk_does_what_deal_won_does(store: Store) -> None:
    deals_in_two_pipelines(store)
    before = snapshot(store)
    states = deal_bulk.matching(store, None)
    plan = deal_bulk.plan(states, {"stage": "won"}, deal_bulk.stage_finder(store))
    done = deal_bulk.apply(store, plan.diffs, "deal edit --where")
    assert done.deals == 3
    assert "#1 Ann Lee is now a customer (was lead)" in done.notes
    assert store.tuples("SELECT DISTINCT status FROM deal") == [("won",)]
    undo(store, "me")
    assert snapshot(store) == before


def test_a_name_edited_in_the_file_is_split_and_found_as_a_single_edit_does(store: Store) -> None:
    people(store)
    states = bulk.matching(store, None)
    text = bulk_tsv.contacts_file(states).replace("1\tAnn Lee\t", "1\tDr Ann Lee-Smith\t")
    text = text.replace("\tno\tvip", "\tyes\tvip")  # Bob: do not contact
    edits, removed = bulk_tsv.contact_edits(text, states)
    plan = bulk.plan(states, edits)
    assert removed == 0
    assert [d.lines() for d in plan.diffs] == [
        ["#1 Ann Lee", "  name: Ann Lee → Dr Ann Lee-Smith"],
        ["#2 Bob Ray", "  dnc: no → yes"],
    ]
    bulk.apply(store, plan.diffs, "contact bulk-edit (2 contacts)")
    row = store.row("SELECT prefix, first_name, last_name, name_key FROM contact WHERE id = 1")
    assert row == {
        "prefix": "Dr",
        "first_name": "Ann",
        "last_name": "Lee-Smith",
        "name_key": name_key("Dr Ann Lee-Smith"),
    }
    assert store.value("SELECT count(*) FROM search_term WHERE contact_id = 1 AND term = 'smith'")
    assert store.value("SELECT do_not_contact FROM contact WHERE id = 2") in (1, True)
