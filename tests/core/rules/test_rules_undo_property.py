"""Property: any sequence of rule-firing changes, each undone in reverse, leaves the book as it was.

Every table but `rule_fired` (a time rule's memory, outside undo on purpose) and
`change_log` (undo marks its entries) comes back exactly: the rules' follow-ups, tags,
fields, moves and explanations go with the change that set them off.
"""

from __future__ import annotations

import tempfile
from collections.abc import Callable
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, event, given, settings
from hypothesis import strategies as st

from crmcli.core.activity import followups, interactions
from crmcli.core.activity.interactions import Kind
from crmcli.core.db.store import Store
from crmcli.core.errors import CrmError
from crmcli.core.people import bulk_tags
from crmcli.core.pipeline import deals
from crmcli.core.rules import timed
from crmcli.core.undo import recent, undo
from crmcli.core.values.when import When
from tests.core.rules.engine_helpers import add_rule, deal, open_book, person, snapshot

START = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)
STAGES = ("Lead", "Qualified", "Demo", "Proposal", "Negotiation")
TAGS = ("vip", "hot", "proposal", "new")
NAMES = ("Ann Lee", "Bob Ray", "Cé Dupont")

RULES: list[tuple[str, str, tuple[str, ...], str | None]] = [
    (
        "chase",
        "deal enters Proposal",
        ("followup +3d: chase {deal.title}", "tag proposal", "next step: send it to {first_name}"),
        None,
    ),
    ("fast", "deal enters Demo", ("move Proposal",), "amount:>=10k"),
    ("left", "deal leaves Lead", ("set probability = 30",), None),
    ("won", "deal won", ("tag customer", "cadence 30d", "set lead_source = won"), None),
    ("lost", "deal lost", ("untag proposal", "followup +3mo: retry {deal.title}"), None),
    ("no answer", "call logged with outcome no-answer", ("followup tomorrow: call back",), None),
    ("talked", "interaction logged", ("set title = talked to",), "-tag:vip"),
    ("welcome", "contact created", ("tag new",), None),
    ("vip", "tag added vip", ("cadence 14d", "set do_not_contact = no"), None),
    ("nudge", "followup overdue", ("tag overdue", "followup +1d: again"), None),
    ("lapsed", "cadence missed", ("untag new",), None),
]

step = st.one_of(
    st.tuples(
        st.just("contact"), st.sampled_from(NAMES), st.lists(st.sampled_from(TAGS), max_size=2)
    ),
    st.tuples(
        st.just("deal"),
        st.integers(0, 5),
        st.sampled_from(STAGES),
        st.sampled_from(("500", "20000")),
    ),
    st.tuples(st.just("move"), st.integers(0, 5), st.sampled_from(STAGES)),
    st.tuples(st.just("close"), st.integers(0, 5), st.booleans()),
    st.tuples(
        st.just("log"),
        st.integers(0, 5),
        st.sampled_from(("call", "email")),
        st.sampled_from(("no-answer", "connected")),
    ),
    st.tuples(st.just("tag"), st.integers(0, 5), st.sampled_from(TAGS)),
    st.tuples(st.just("followup"), st.integers(0, 5), st.integers(-20, 5)),
    st.tuples(st.just("run"), st.integers(0, 60)),
)


def apply(store: Store, action: tuple[Any, ...]) -> None:
    """One change a rep (or `crm rule run`) makes; a refusal is a change not made."""
    people = [int(i) for (i,) in store.tuples("SELECT id FROM contact ORDER BY id")]
    open_deals = [int(i) for (i,) in store.tuples("SELECT id FROM deal ORDER BY id")]
    kind = action[0]
    try:
        if kind == "contact":
            person(store, action[1], tags=list(action[2]))
        elif kind == "deal" and people:
            deal(store, "Deal", people[action[1] % len(people)], stage=action[2], amount=action[3])
        elif kind == "move" and open_deals:
            deals.move(store, open_deals[action[1] % len(open_deals)], action[2])
        elif kind == "close" and open_deals:
            chosen = open_deals[action[1] % len(open_deals)]
            if action[2]:
                deals.won(store, chosen)
            else:
                deals.lost(store, chosen, "budget")
        elif kind == "log" and people:
            interactions.log(
                store, people[action[1] % len(people)], Kind(action[2]), "hi", outcome=action[3]
            )
        elif kind == "tag" and people:
            bulk_tags.tag(store, [people[action[1] % len(people)]], action[2])
        elif kind == "followup" and people:
            day = date(2026, 3, 2) + timedelta(days=action[2])
            followups.add(store, people[action[1] % len(people)], When(day, None), "call")
        elif kind == "run":
            timed.run(store, now=START + timedelta(days=action[1]))
    except CrmError:
        pass


@pytest.mark.slow
@settings(
    max_examples=25,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(steps=st.lists(step, min_size=1, max_size=12))
def test_undoing_every_batch_in_reverse_restores_the_book(
    steps: list[tuple[Any, ...]], clock_at: Callable[[str], None]
) -> None:
    with tempfile.TemporaryDirectory() as folder:
        store = open_book(str(Path(folder) / "crm.db"), Path(folder))
        try:
            for name, when, then, condition in RULES:
                add_rule(store, name, when, *then, if_=condition)
            start = snapshot(store)
            made = len(recent(store, "me", limit=10_000))
            for action in [("contact", "Zoë Roy", ["vip"]), *steps]:
                apply(store, action)
            fired = store.value("SELECT count(*) FROM rule_effect")
            event(f"rules acted: {bool(fired)}")
            for _ in range(len(recent(store, "me", limit=10_000)) - made):
                undo(store, "me")
            assert snapshot(store) == start, f"{fired} rule effects"
        finally:
            store.close()
