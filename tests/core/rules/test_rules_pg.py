"""The same rules on a shared PostgreSQL database (team mode): fired, explained, undone, timed."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from datetime import UTC, date, datetime
from pathlib import Path

import pytest

from crmcli.core.activity import followups, interactions
from crmcli.core.activity.interactions import Kind
from crmcli.core.db.store import Store
from crmcli.core.pipeline import deals
from crmcli.core.rules import effects, hook, timed, trial
from crmcli.core.undo import undo
from crmcli.core.values.when import When
from tests.core.rules.engine_helpers import add_rule, deal, open_book, person, snapshot, tags

START = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)
# Each write leaves a receipt in crm_meta on a server (`Dialect.seal_write`): not data.
LEAVE = ("rule_fired", "change_log", "crm_meta")


@pytest.fixture
def team(pg_url: str, tmp_path: Path, clock_at: Callable[[str], None]) -> Iterator[Store]:
    store = open_book(pg_url, tmp_path)
    yield store
    store.close()


def test_change_rules_fire_and_undo_on_postgresql(team: Store) -> None:
    assert not hook.has_change_rules(team)
    add_rule(
        team,
        "chase",
        "deal enters Proposal",
        "followup +3d: chase {deal.title}",
        "tag proposal",
        if_="amount:>=5000",
    )
    add_rule(team, "fast", "deal enters Demo", "move Proposal")
    add_rule(team, "calls", "call logged with outcome no-answer", "followup tomorrow: call back")
    assert hook.has_change_rules(team) and not hook.has_timed(team)
    ann = person(team, "Ann Lee")
    before = snapshot(team, leave=LEAVE)
    deal_id = deal(team, "Acme", ann, stage="Demo", amount="9000")
    assert deals.get(team, deal_id)["stage"] == "Proposal"
    assert team.value("SELECT note FROM followup") == "chase Acme"
    assert tags(team, ann) == ["proposal"]
    followup_id = int(team.value("SELECT id FROM followup"))
    assert [e["rule_name"] for e in effects.why(team, "followup", followup_id)] == ["chase"]
    undo(team, "me")
    assert snapshot(team, leave=LEAVE) == before
    interactions.log(team, ann, Kind.call, "rang", outcome="no-answer")
    assert team.value("SELECT note FROM followup") == "call back"


def test_time_rules_fire_once_on_postgresql(team: Store) -> None:
    add_rule(team, "nudge", "followup overdue by 1 day", "tag overdue")
    assert hook.has_timed(team)
    ann = person(team, "Ann Lee")
    late = int(followups.add(team, ann, When(date(2026, 2, 20), None), "call")["id"])
    report = trial.test(team, "nudge", "followup", late, now=START)
    assert report.fires and tags(team, ann) == []
    assert timed.run(team, now=START).fired == 1
    assert tags(team, ann) == ["overdue"]
    undo(team, "me")
    assert timed.run(team, now=START).fired == 0
    assert tags(team, ann) == []
