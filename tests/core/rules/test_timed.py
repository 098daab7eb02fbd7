"""`crm rule run`: time rules fire once per subject and occasion, in one rule-made batch."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime, timedelta

from crmcli.core.activity import followups, interactions
from crmcli.core.activity.interactions import Kind
from crmcli.core.db.store import Store
from crmcli.core.rules import timed
from crmcli.core.undo import recent, undo
from crmcli.core.values.when import When
from tests.core.rules.engine_helpers import add_rule, batches, book, effects, person, tags

__all__ = ["book"]

START = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)


def due(store: Store, contact_id: int, day: str, note: str = "call") -> int:
    from datetime import date

    return int(followups.add(store, contact_id, When(date.fromisoformat(day), None), note)["id"])


def test_a_followup_overdue_by_n_days_fires_once(book: Store) -> None:
    add_rule(
        book,
        "nudge",
        "followup overdue by 2 days",
        "tag overdue",
        "followup +1d: {followup.note} again",
    )
    ann, bob = person(book, "Ann Lee"), person(book, "Bob Ray")
    due(book, ann, "2026-02-26", "send the quote")  # four days overdue
    due(book, bob, "2026-03-01")  # one day: not yet
    count = batches(book)
    report = timed.run(book, now=START)
    assert report.fired == 1 and report.batch is not None
    assert report.counts() == {"tag": 1, "followup": 1}
    assert batches(book) == count + 1
    assert recent(book, "me", limit=1)[0].command == "rule run (rule-made)"
    assert tags(book, ann) == ["overdue"] and tags(book, bob) == []
    assert book.value("SELECT note FROM followup WHERE id = 3") == "send the quote again"
    fired = book.row("SELECT rule_id, subject, occasion, contact_id FROM rule_fired")
    assert fired is not None and fired["subject"] == "followup:1" and fired["contact_id"] == ann

    again = timed.run(book, now=START)  # nothing new is due: nothing written
    assert again.fired == 0 and again.batch is None and batches(book) == count + 1

    later = timed.run(book, now=START + timedelta(days=2))  # Bob's is now due; Ann's done
    assert later.fired == 1 and tags(book, bob) == ["overdue"]


def test_an_undone_time_rule_batch_is_not_fired_again(book: Store) -> None:
    add_rule(book, "nudge", "followup overdue", "tag overdue")
    ann = person(book, "Ann Lee")
    due(book, ann, "2026-02-20")
    assert timed.run(book, now=START).fired == 1
    undo(book, "me")
    assert tags(book, ann) == [] and effects(book) == []
    assert book.value("SELECT count(*) FROM rule_fired") == 1  # outside the batch, on purpose
    assert timed.run(book, now=START).fired == 0
    assert tags(book, ann) == []


def test_a_snoozed_followup_is_a_new_occasion(book: Store) -> None:
    add_rule(book, "nudge", "followup overdue", "followup +1d: chase")
    ann = person(book, "Ann Lee")
    first = due(book, ann, "2026-02-20")
    timed.run(book, now=START)
    from datetime import date

    followups.snooze(book, first, When(date(2026, 3, 1), None))
    report = timed.run(book, now=START)
    assert report.fired == 1  # due again (yesterday), a new occasion


def test_a_cadence_missed_by_n_days(book: Store, clock_at: Callable[[str], None]) -> None:
    add_rule(book, "lapsed", "cadence missed by 7 days", "tag lapsed", if_="-tag:vip")
    clock_at("2026-01-01T09:00:00Z")
    ann = person(book, "Ann Lee", cadence="30d")
    vip = person(book, "Vip Person", cadence="30d", tags=["vip"])
    bob = person(book, "Bob Ray", cadence="30d")
    interactions.log(book, ann, Kind.call, "hello")  # touched Jan 1: due Jan 31
    clock_at("2026-02-25T09:00:00Z")
    interactions.log(book, bob, Kind.call, "hello")  # due Mar 27: not missed
    report = timed.run(book, now=START)  # Mar 2: 30 days after Jan 31 > 7
    assert report.fired == 1
    assert tags(book, ann) == ["lapsed"] and tags(book, bob) == [] and tags(book, vip) == ["vip"]
    reason = book.value("SELECT reason FROM rule_effect")
    assert reason == f"#{ann} Ann Lee: keep-in-touch due 2026-01-31, missed, 30 days late"
    assert timed.run(book, now=START).fired == 0
    # A touch makes a new due date: missed again later, it fires again.
    clock_at("2026-03-02T10:00:00Z")
    interactions.log(book, ann, Kind.call, "again")
    assert timed.run(book, now=START + timedelta(days=40)).fired == 2  # Ann again, and Bob


def test_a_dry_run_writes_nothing(book: Store) -> None:
    add_rule(book, "nudge", "followup overdue", "tag overdue")
    ann = person(book, "Ann Lee")
    due(book, ann, "2026-02-20")
    count = batches(book)
    report = timed.run(book, now=START, dry_run=True)
    assert report.dry_run and report.batch is None
    assert [o.applied.said for o in report.applied if o.applied] == ["tagged overdue"]
    assert batches(book) == count and tags(book, ann) == []
    assert book.value("SELECT count(*) FROM rule_fired") == 0
    assert timed.run(book, now=START).fired == 1


def test_no_time_rule_no_write(book: Store) -> None:
    add_rule(book, "change", "call logged", "tag called")
    ann = person(book, "Ann Lee")
    due(book, ann, "2026-02-20")
    count = batches(book)
    assert timed.run(book, now=START).fired == 0 and batches(book) == count


def test_a_time_rule_action_can_set_off_a_change_rule(book: Store) -> None:
    add_rule(book, "nudge", "followup overdue", "tag stale")
    add_rule(book, "stale", "tag added stale", "cadence 7d")
    ann = person(book, "Ann Lee")
    due(book, ann, "2026-02-20")
    timed.run(book, now=START)
    assert book.value("SELECT cadence_days FROM contact") == 7
    assert len({b for (b,) in book.tuples("SELECT batch FROM rule_effect")}) == 1
