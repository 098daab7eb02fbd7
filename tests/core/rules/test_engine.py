"""Change rules fire inside the write that set them off, and one undo takes back both."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from crmcli.core.activity import interactions
from crmcli.core.activity.interactions import Kind
from crmcli.core.db.store import Store
from crmcli.core.people import bulk_tags, contacts
from crmcli.core.people.contacts import ContactFields
from crmcli.core.pipeline import deals
from crmcli.core.rules import catalog, engine
from crmcli.core.undo import undo
from tests.core.rules.engine_helpers import (
    add_rule,
    batches,
    book,
    deal,
    effects,
    last_batch,
    person,
    snapshot,
    tags,
)

__all__ = ["book"]  # the fixture, used by name


def one_batch(store: Store) -> None:
    """The last write's rules left their effects in its own batch."""
    newest = store.value("SELECT batch FROM rule_effect ORDER BY id DESC LIMIT 1")
    assert newest == last_batch(store)


def test_deal_enters_a_stage_adds_the_followup_tag_and_next_step_in_the_same_batch(
    book: Store,
) -> None:
    add_rule(
        book,
        "chase proposals",
        "deal enters Proposal",
        "followup +3d: chase the proposal for {deal.title} with {first_name}",
        "tag proposal",
        "next step: send the proposal",
    )
    ann = person(book, "Ann Lee")
    before = snapshot(book)
    count = batches(book)
    deal_id = deal(book, "Acme pilot", ann, stage="Proposal")
    assert batches(book) == count + 1  # the rule's work is in the deal's own batch
    one_batch(book)
    row = book.row("SELECT due_date, note, deal_id FROM followup")
    assert row == {
        "due_date": "2026-03-05",
        "note": "chase the proposal for Acme pilot with Ann",
        "deal_id": deal_id,
    }
    assert tags(book, ann) == ["proposal"]
    assert book.value("SELECT next_step FROM deal") == "send the proposal"
    reasons = {r for (r,) in book.tuples("SELECT reason FROM rule_effect")}
    assert reasons == {f"deal #{deal_id} 'Acme pilot' entered Proposal"}
    command = book.value("SELECT min(command) FROM change_log WHERE batch = ?", (last_batch(book),))
    assert command == "deal add Acme pilot"  # the batch keeps its command's name

    undo(book, "me")
    assert snapshot(book) == before  # the deal, the follow-up, the tag and the effects


def test_a_move_leaves_one_stage_and_enters_another(book: Store) -> None:
    add_rule(book, "left lead", "deal leaves Lead", "tag qualified")
    add_rule(book, "into demo", "deal enters Sales/Demo", "followup tomorrow: book the demo")
    ann = person(book, "Ann Lee")
    deal_id = deal(book, "Acme", ann)
    assert effects(book) == []
    deals.move(book, deal_id, "Demo")
    one_batch(book)
    assert effects(book) == [
        ("left lead", "tag qualified", "contact_tag"),
        ("into demo", "followup tomorrow: book the demo", "followup"),
    ]
    undo(book, "me")
    assert effects(book) == [] and tags(book, ann) == []
    assert book.value("SELECT count(*) FROM followup") == 0


def test_won_and_lost(book: Store) -> None:
    add_rule(book, "won", "deal won", "tag customer", "cadence 30d")
    add_rule(book, "lost", "deal lost", "followup +3mo: try {company} again")
    ann = person(book, "Ann Lee", company="Acme")
    first, second = deal(book, "One", ann), deal(book, "Two", ann)
    deals.won(book, first)
    one_batch(book)
    assert tags(book, ann) == ["customer"]
    row = book.row("SELECT cadence_days, touch_due_at FROM contact WHERE id = ?", (ann,))
    assert row == {"cadence_days": 30, "touch_due_at": "2026-03-02T09:00:00.000000Z"}
    deals.lost(book, second, "budget")
    assert book.value("SELECT note FROM followup") == "try Acme again"
    assert book.value("SELECT due_date FROM followup") == "2026-06-02"


def test_interaction_logged_by_kind_and_outcome(book: Store) -> None:
    add_rule(book, "any", "interaction logged", "tag talked")
    add_rule(book, "calls", "call logged", "tag called")
    add_rule(
        book, "no answer", "call logged with outcome no-answer", "followup tomorrow: call back"
    )
    ann = person(book, "Ann Lee")
    interactions.log(book, ann, Kind.email, "sent the deck")
    assert tags(book, ann) == ["talked"]
    interactions.log(book, ann, Kind.call, "chatted", outcome="connected")
    one_batch(book)
    assert tags(book, ann) == ["called", "talked"]
    assert book.value("SELECT count(*) FROM followup") == 0
    interactions.log(book, ann, Kind.call, "rang out", outcome="no-answer")
    assert book.value("SELECT note FROM followup") == "call back"
    # The interaction's own bookkeeping (last touch) is there too, as without rules.
    assert book.value("SELECT last_touch_at FROM contact") is not None


def test_contact_created_and_tag_added(book: Store) -> None:
    add_rule(book, "welcome", "contact created", "followup +1d: say hello to {first_name}")
    add_rule(book, "vip", "tag added VIP", "cadence 14d")
    ann = person(book, "Ann Lee", tags=["vip"])  # both in the contact's own batch
    one_batch(book)
    assert book.value("SELECT note FROM followup") == "say hello to Ann"
    assert book.value("SELECT cadence_days FROM contact") == 14
    bob = person(book, "Bob Ray")
    bulk_tags.tag(book, [bob], "Vip")  # the bulk editor's tags fire too
    assert book.value("SELECT cadence_days FROM contact WHERE id = ?", (bob,)) == 14
    assert ann != bob


def test_rewriting_a_tag_list_adds_no_tag(book: Store) -> None:
    """`contact edit --tags` deletes and re-inserts the tags it keeps: nothing was added."""
    ann = person(book, "Ann Lee", tags=["vip"])
    add_rule(book, "vip", "tag added vip", "followup tomorrow: welcome")
    contacts.edit(book, ann, ContactFields(tags=["vip", "new"]))
    assert book.value("SELECT count(*) FROM followup") == 0


def test_the_condition_decides(book: Store) -> None:
    add_rule(book, "big", "deal enters Proposal", "tag big", if_="amount:>=5000")
    ann, bob = person(book, "Ann Lee"), person(book, "Bob Ray")
    deal(book, "Small", ann, stage="Proposal", amount="4000")
    deal(book, "Large", bob, stage="Proposal", amount="6000")
    assert tags(book, ann) == [] and tags(book, bob) == ["big"]


def test_a_contact_condition_on_tags(book: Store) -> None:
    add_rule(book, "vip calls", "call logged", "followup +1d: thank them", if_="tag:vip")
    ann, bob = person(book, "Ann Lee", tags=["vip"]), person(book, "Bob Ray")
    interactions.log(book, bob, Kind.call, "hi")
    assert book.value("SELECT count(*) FROM followup") == 0
    interactions.log(book, ann, Kind.call, "hi")
    assert book.value("SELECT contact_id FROM followup") == ann


def test_a_disabled_rule_does_nothing(book: Store) -> None:
    add_rule(book, "off", "contact created", "tag new", enabled=False)
    ann = person(book, "Ann Lee")
    assert tags(book, ann) == [] and effects(book) == []
    catalog.set_enabled(book, "off", True)
    bob = person(book, "Bob Ray")
    assert tags(book, bob) == ["new"]


def test_a_write_with_rules_off_fires_nothing(book: Store) -> None:
    add_rule(book, "new", "contact created", "tag new")
    with book.write("quiet", rules=False) as tx:
        contact_id = tx.insert("contact", {"display_name": "Ann", "name_key": "ann"})
        tx.log("contact", contact_id, "insert", None, {"id": contact_id}, contact_id)
        assert tx.changes == []  # nothing kept in memory for nobody
    assert effects(book) == []


def test_undo_fires_no_rule(book: Store) -> None:
    """An undo that brings a contact back (a re-insert) is not a contact created."""
    ann = person(book, "Ann Lee")
    add_rule(book, "new", "contact created", "tag new")
    contacts.delete(book, ann)
    undo(book, "me")
    assert book.value("SELECT count(*) FROM contact") == 1
    assert effects(book) == [] and tags(book, ann) == []


def test_an_action_that_cannot_apply_is_skipped_and_the_others_run(book: Store) -> None:
    add_rule(
        book,
        "mixed",
        "deal enters Proposal",
        "tag proposal",  # the deal has no contact: skipped
        "next step: call {first_name}",  # a merge field with no contact: skipped
        "set probability = 70",
    )
    deal_id = deal(book, "Orphan", None, stage="Proposal")
    assert effects(book) == [("mixed", "set probability = 70", "deal")]
    assert book.value("SELECT probability FROM deal WHERE id = ?", (deal_id,)) == 70
    assert book.value("SELECT count(*) FROM contact_tag") == 0
    assert book.value("SELECT next_step FROM deal") is None


def test_a_rule_move_sets_off_the_next_stage_rules_in_the_same_batch(book: Store) -> None:
    add_rule(book, "fast track", "deal enters Demo", "move Proposal", if_="amount:>=10k")
    add_rule(book, "chase", "deal enters Proposal", "followup +3d: chase {deal.title}")
    ann = person(book, "Ann Lee")
    before = snapshot(book)
    deal_id = deal(book, "Big one", ann, stage="Demo", amount="20000")
    one_batch(book)
    assert book.value("SELECT s.name FROM deal d JOIN stage s ON s.id = d.stage_id") == "Proposal"
    history = book.tuples(
        "SELECT s1.name, s2.name FROM deal_stage_change h LEFT JOIN stage s1 ON "
        "s1.id = h.from_stage_id JOIN stage s2 ON s2.id = h.to_stage_id ORDER BY h.id"
    )
    assert history == [(None, "Demo"), ("Demo", "Proposal")]
    assert book.value("SELECT note FROM followup WHERE deal_id = ?", (deal_id,)) == "chase Big one"
    undo(book, "me")
    assert snapshot(book) == before


def test_a_rule_winning_a_deal_promotes_the_contact_as_deal_won_does(book: Store) -> None:
    add_rule(book, "close", "deal enters Negotiation", "move Won")
    ann = person(book, "Ann Lee", status="lead")
    deal(book, "Quick", ann, stage="Negotiation")
    assert book.value("SELECT status FROM deal") == "won"
    assert book.value("SELECT status FROM contact") == "customer"
    assert book.value("SELECT closed_at FROM deal") is not None


def test_set_untag_and_cadence_off_on_a_contact(book: Store) -> None:
    add_rule(
        book,
        "gone quiet",
        "tag added inactive",
        "set status = inactive",
        "untag prospect",
        "cadence off",
        "set title = former {title}",
    )
    ann = person(book, "Ann Lee", tags=["prospect"], cadence="30d", title="CTO")
    bulk_tags.tag(book, [ann], "inactive")
    row = book.row("SELECT status, cadence_days, touch_due_at, title FROM contact")
    assert row == {
        "status": "inactive",
        "cadence_days": None,
        "touch_due_at": None,
        "title": "former CTO",
    }
    assert tags(book, ann) == ["inactive"]
    assert [e[2] for e in effects(book)] == ["contact", "contact_tag", "contact", "contact"]


def test_set_a_close_date_from_a_when_phrase(book: Store) -> None:
    add_rule(book, "close soon", "deal enters Negotiation", "set close_date = +30d")
    ann = person(book, "Ann Lee")
    deal(book, "Deal", ann, stage="Negotiation")
    assert book.value("SELECT expected_close FROM deal") == "2026-04-01"


def test_a_rule_fires_on_a_rule_made_change_at_most_five_rounds_deep(book: Store) -> None:
    """Loops are refused when rules are saved; the depth cap is the engine's own safety."""
    from crmcli.core.rules import grammar

    ann = person(book, "Ann Lee")
    chain = [
        grammar.parse_rule(f"r{i}", f"tag added t{i}", [f"tag t{i + 1}"], position=i)
        for i in range(8)
    ]
    with book.write("chain", rules=False) as tx:
        tx.record = True
        tx.insert("contact_tag", {"contact_id": ann, "tag_key": "t0", "tag": "t0"}, contact_id=ann)
        outcomes = engine.fire(tx, chain)
    assert [o.rule for o in outcomes if o.applied] == ["r0", "r1", "r2", "r3", "r4"]
    assert [o.rule for o in outcomes if o.skipped] == ["r5"]  # cut by the cap, and said so
    assert tags(book, ann) == [f"t{i}" for i in range(6)]


def test_a_failing_action_rolls_back_only_itself(book: Store) -> None:
    """A merge field with nothing to fill it skips the follow-up, and leaves no half row."""
    add_rule(book, "needs email", "contact created", "followup +1d: mail {email}", "tag welcomed")
    ann = person(book, "Ann Lee")
    assert book.value("SELECT count(*) FROM followup") == 0
    assert tags(book, ann) == ["welcomed"]


def test_a_dry_run_shows_what_the_rules_would_do(book: Store) -> None:
    """The assistant's dry runs go through the hook too: the plan includes the rules' work."""
    from crmcli.core.db.store import DryRun

    add_rule(book, "new", "contact created", "tag new")
    book.dry_run = True
    with pytest.raises(DryRun) as planned:
        person(book, "Ann Lee")
    book.dry_run = False
    tables = [c["table_name"] for c in planned.value.changes]
    assert "contact_tag" in tables and "rule_effect" in tables
    assert book.value("SELECT count(*) FROM contact") == 0


def test_a_rule_saved_by_another_process_fires_on_the_next_write(
    book: Store, db: Path, tmp_path: Path
) -> None:
    from tests.core.rules.engine_helpers import open_book

    other = open_book(str(db), tmp_path)  # another front end, on the same file
    try:
        ann = person(book, "Ann Lee")
        add_rule(other, "calls", "call logged", "tag called")
        interactions.log(book, ann, Kind.call, "rang")
        assert tags(book, ann) == ["called"]
        catalog.set_enabled(other, "calls", False)
        catalog.remove(other, "calls")
        add_rule(other, "calls", "call logged", "tag rang")  # same name, new text
        interactions.log(book, ann, Kind.call, "again")
        assert tags(book, ann) == ["called", "rang"]
    finally:
        other.close()


def test_a_stored_rule_that_no_longer_reads_does_not_stop_writes(book: Store) -> None:
    add_rule(book, "good", "contact created", "tag new")
    with book.write("break a rule", rules=False) as tx:
        tx.insert(
            "rule",
            {"name": "broken", "position": 0, "when_text": "deal enters", "then_text": "[]"},
        )
    ann = person(book, "Ann Lee")
    assert tags(book, ann) == ["new"]


@pytest.mark.subprocess
def test_the_hook_costs_nothing_without_rules(book: Store, db: Path) -> None:
    """`crm log` with no change rule enabled imports neither the engine nor the grammar."""
    person(book, "Ann Lee")
    env = {**os.environ, "CRM_DB": str(db), "CRM_NOW": "2026-03-02T09:00:00Z"}
    probe = (
        "import sys, json\n"
        "from crmcli.cli import run\n"
        "code = run(['log', 'call', 'Ann', 'rang'])\n"
        "names = ('crmcli.core.rules.engine', 'crmcli.core.rules.grammar', "
        "'crmcli.core.rules.catalog', 'crmcli.core.rules.hook')\n"
        "print(json.dumps([code, {n.rsplit('.', 1)[1]: n in sys.modules for n in names}]))\n"
    )

    def logged() -> dict[str, bool]:
        out = subprocess.run(
            [sys.executable, "-c", probe], env=env, capture_output=True, text=True, check=True
        )
        code, loaded = json.loads(out.stdout.strip().splitlines()[-1])
        assert code == 0, out.stderr
        return dict(loaded)

    expected = {"engine": False, "grammar": False, "catalog": False, "hook": True}
    assert logged() == expected  # the hook ran, and found nothing to do
    add_rule(book, "late", "followup overdue by 2 days", "tag late")  # a time rule only
    add_rule(book, "off", "call logged", "tag called", enabled=False)
    assert logged() == expected
    add_rule(book, "on", "call logged", "tag called")
    assert logged()["engine"] is True
    assert book.value("SELECT count(*) FROM rule_effect") == 1
