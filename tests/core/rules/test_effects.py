"""Every applied action is explained (`rule why`), testable beforehand (`rule test`), and
erased with the person it was about (`contact forget`)."""

from __future__ import annotations

from datetime import UTC, date, datetime

import pytest

from crmcli.core.activity import followups
from crmcli.core.db.store import Store
from crmcli.core.errors import Invalid
from crmcli.core.people.privacy import everything_about, forget
from crmcli.core.pipeline import deals
from crmcli.core.rules import effects, timed, trial
from crmcli.core.undo import recent
from crmcli.core.values.when import When
from tests.core.rules.engine_helpers import add_rule, batches, book, deal, person, snapshot

__all__ = ["book"]

START = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)


def test_why_names_the_rule_for_every_kind_of_action(book: Store) -> None:
    add_rule(
        book,
        "chase",
        "deal enters Proposal",
        "followup +3d: chase",
        "tag proposal",
        "next step: send it",
        "set probability = 65",
    )
    add_rule(book, "fast", "deal enters Demo", "move Proposal")
    add_rule(book, "care", "tag added proposal", "cadence 14d", "set status = prospect")
    ann = person(book, "Ann Lee")
    deal_id = deal(book, "Acme", ann, stage="Demo")
    followup_id = int(book.value("SELECT id FROM followup"))
    tag_id = int(book.value("SELECT id FROM contact_tag"))

    def named(table: str, row_id: int) -> list[tuple[str, str]]:
        return [(e["rule_name"], e["action_text"]) for e in effects.why(book, table, row_id)]

    assert named("followup", followup_id) == [("chase", "followup +3d: chase")]
    assert named("contact_tag", tag_id) == [("chase", "tag proposal")]
    assert named("deal", deal_id) == [
        ("fast", "move Proposal"),
        ("chase", "next step: send it"),
        ("chase", "set probability = 65"),
    ]
    assert named("contact", ann) == [
        ("care", "cadence 14d"),
        ("care", "set status = prospect"),
    ]
    why = effects.why(book, "followup", followup_id)[0]
    assert why["reason"] == f"deal #{deal_id} 'Acme' entered Proposal"
    assert effects.made_by(book, "followup", followup_id) == "deal add Acme"
    assert len(effects.of_contact(book, ann)) == 7
    assert {e["table_name"] for e in effects.of_deal(book, deal_id)} == {"deal", "followup"}
    batch = recent(book, "me", limit=1)[0].batch
    assert len(effects.effects_in_batch(book, batch)) == 7
    assert effects.counts(book, [batch, "nothing"]) == {batch: 7}


def test_a_row_no_rule_made_has_no_explanation(book: Store) -> None:
    ann = person(book, "Ann Lee")
    made = followups.add(book, ann, When(date(2026, 3, 5), None), "mine")
    assert effects.why(book, "followup", int(made["id"])) == []
    assert effects.made_by(book, "followup", int(made["id"])) == f"followup add {ann}"


def test_forget_erases_what_rules_did_for_the_person(book: Store) -> None:
    add_rule(book, "welcome", "contact created", "tag new")
    add_rule(book, "nudge", "followup overdue", "followup +1d: chase {first_name}")
    ann, bob = person(book, "Ann Lee"), person(book, "Bob Ray")
    followups.add(book, ann, When(date(2026, 2, 20), None), "call")
    timed.run(book, now=START)
    assert book.value("SELECT count(*) FROM rule_fired WHERE contact_id = ?", (ann,)) == 1
    held = everything_about(book, ann)["rule_effects"]  # an access request shows them
    assert [(e["rule_name"], e["action_text"]) for e in held] == [
        ("welcome", "tag new"),
        ("nudge", "followup +1d: chase {first_name}"),
    ]
    result = forget(book, ann)
    assert result.erased["rule_effect"] == 2 and result.erased["rule_fired"] == 1
    left = book.tuples("SELECT contact_id FROM rule_effect")
    assert left == [(bob,)]
    assert book.value("SELECT count(*) FROM rule_fired") == 0
    assert "Ann" not in str(book.tuples("SELECT * FROM rule_effect"))


def test_trial_shows_what_would_fire_and_writes_nothing(book: Store) -> None:
    add_rule(
        book,
        "chase",
        "deal enters Proposal",
        "followup +3d: chase {deal.title}",
        "tag proposal",
        if_="amount:>=5000",
    )
    add_rule(book, "hot", "tag added proposal", "cadence 14d")
    ann = person(book, "Ann Lee")
    big = deal(book, "Big", ann, amount="9000")
    small = deal(book, "Small", ann, amount="100")
    orphan = deal(book, "Orphan", None, amount="9000")
    before, count = snapshot(book), batches(book)

    report = trial.test(book, "chase", "deal", big)
    assert report.fires and report.why_not is None
    assert report.happening == f"deal #{big} 'Big' entered Proposal (as a test)"
    assert [o.applied.said for o in report.outcomes if o.applied] == [
        "added follow-up #1 due Thu 5 Mar 2026",
        "tagged proposal",
    ]
    assert [(o.rule, o.action) for o in report.follow_on] == [("hot", "cadence 14d")]

    no = trial.test(book, "chase", "deal", small)
    assert (
        not no.fires
        and no.why_not == f"its condition (amount:>=5000) is false for deal #{small} 'Small'"
    )

    skipped = trial.test(book, "chase", "deal", orphan)
    assert [o.skipped for o in skipped.outcomes] == [
        f"deal #{orphan} has no contact",
        f"deal #{orphan} has no contact",
    ]
    assert snapshot(book) == before and batches(book) == count

    with pytest.raises(Invalid, match="about deals"):
        trial.test(book, "chase", "contact", ann)


def test_trial_of_a_time_rule_says_when_it_is_not_due_or_fired_already(book: Store) -> None:
    add_rule(book, "nudge", "followup overdue by 3 days", "tag late")
    ann = person(book, "Ann Lee")
    late = int(followups.add(book, ann, When(date(2026, 2, 20), None), "call")["id"])
    fresh = int(followups.add(book, ann, When(date(2026, 3, 1), None), "call")["id"])
    not_yet = trial.test(book, "nudge", "followup", fresh, now=START)
    assert not not_yet.fires and not_yet.why_not is not None
    assert "not open and overdue by 3 days" in not_yet.why_not
    report = trial.test(book, "nudge", "followup", late, now=START)
    assert report.fires and [o.applied is not None for o in report.outcomes] == [True]
    timed.run(book, now=START)
    again = trial.test(book, "nudge", "followup", late, now=START)
    assert not again.fires and again.why_not is not None and "already fired" in again.why_not


def test_a_rule_move_in_the_trial_is_rolled_back(book: Store) -> None:
    add_rule(book, "close", "deal enters Negotiation", "move Won")
    ann = person(book, "Ann Lee")
    deal_id = deal(book, "Deal", ann)
    report = trial.test(book, "close", "deal", deal_id)
    assert [o.applied.said for o in report.outcomes if o.applied] == ["moved to Won"]
    assert deals.get(book, deal_id)["status"] == "open"
