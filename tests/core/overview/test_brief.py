"""The pre-call sheet (core/overview/brief.py): each section on a seeded database, the
promise rule in English and French, and a contact with nothing to tell.

The clock is Monday 2 March 2026, 10:00 in Paris (09:00 UTC).
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator
from datetime import UTC, date, datetime, time
from pathlib import Path
from typing import Any

import pytest

from crmcli.core import clock
from crmcli.core.activity import followups, interactions
from crmcli.core.activity.interactions import Direction, Kind
from crmcli.core.config import Config
from crmcli.core.db.opening import open_store
from crmcli.core.db.store import Store
from crmcli.core.errors import NotFound
from crmcli.core.overview.brief import build_brief, is_promise, promises_in
from crmcli.core.people import contacts, directory
from crmcli.core.people.contacts import ContactFields
from crmcli.core.pipeline import deals
from crmcli.core.pipeline.deals import DealFields
from crmcli.core.values.when import When

NOW = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)


@pytest.fixture
def either(backend: str, tmp_path: Path, clock_at: Callable[[str], None]) -> Iterator[Store]:
    """A store on SQLite and on PostgreSQL: the score and the windows are computed in SQL."""
    config = Config({"user": "me", "currency": "EUR"}, tmp_path / "config.toml")
    store = open_store(backend, config, write=True)
    yield store
    store.close()


def person(store: Store, name: str, **fields: Any) -> int:
    return int(contacts.add(store, ContactFields(name=name, **fields)).contact["id"])


def note(store: Store, who: int, at: str, text: str, kind: Kind = Kind.note, **more: Any) -> int:
    """Log an interaction at a UTC time `YYYY-MM-DD HH:MM`, as `crm log` splits its text."""
    summary, body = interactions.split_text(text)
    moment = datetime.fromisoformat(at).replace(tzinfo=UTC)
    return int(interactions.log(store, who, kind, summary, at=moment, body=body, **more)
               .interaction["id"])  # fmt: skip


@pytest.fixture
def seeded(either: Store, clock_at: Callable[[str], None]) -> tuple[Store, dict[str, int]]:
    """Hélène, with a history: seven interactions, three deals, three follow-ups, a relation."""
    store = either
    ids: dict[str, int] = {}
    ids["marc"] = person(store, "Marc Dupree", emails=["marc@globex.com"], company="Globex")
    ids["helene"] = who = person(
        store,
        "Hélène Dupré",
        emails=["helene.dupre@acme.fr", "h.dupre@gmail.com"],
        phones=["06 12 34 56 78"],
        company="Acme SAS",
        title="CFO",
        tags=["vip"],
        cadence="14d",
        relations=["Marc Dupree:assistant"],
    )
    # Older than 90 days: out of the promise window and of the score's.
    ids["old"] = note(store, who, "2025-11-01 10:00", "I'll send the case study", Kind.call)
    ids["quote"] = note(
        store,
        who,
        "2026-02-10 09:00",
        "Discussed the renewal; I'll send the revised quote by Friday.",
        Kind.call,
        direction=Direction.outbound,
        duration_seconds=1200,
        outcome="connected",
    )
    # Their words, not the rep's: an e-mail that came in is not read for promises.
    ids["inbound"] = note(
        store,
        who,
        "2026-02-12 15:00",
        "Re: quote - I will send the PO next week",
        Kind.email,
        direction=Direction.inbound,
    )
    ids["lunch"] = note(
        store,
        who,
        "2026-02-14 12:00",
        "Lunch with Hélène\nShe will review it with the board. Je vous envoie le contrat "
        "lundi.\n> I will send the signed copy\nPromised an intro to our CTO.",
    )
    ids["qbr"] = note(
        store, who, "2026-02-20 10:00", "QBR on site, they will send the PO next week", Kind.meeting
    )
    ids["no_answer"] = note(
        store, who, "2026-02-25 16:00", "No answer", Kind.call, outcome="no-answer"
    )
    ids["sent"] = note(
        store,
        who,
        "2026-02-27 09:00",
        "Sent the revised quote",
        Kind.email,
        direction=Direction.outbound,
    )
    clock_at("2026-02-10T09:00:00Z")
    ids["renewal"] = int(
        deals.add(
            store,
            DealFields(
                title="Acme renewal",
                contact_id=who,
                amount="48000",
                stage="proposal",
                next_step="Send revised quote",
                close=date(2026, 3, 31),
            ),
        )["id"]
    )
    ids["pilot"] = int(deals.add(store, DealFields(title="Acme pilot", contact_id=who))["id"])
    deals.won(store, ids["pilot"])
    ids["other_deal"] = int(
        deals.add(store, DealFields(title="Globex", contact_id=ids["marc"]))["id"]
    )
    clock_at("2026-03-02T09:00:00Z")
    ids["seats"] = int(deals.add(store, DealFields(title="Acme seats", contact_id=who))["id"])
    ids["late"] = int(
        followups.add(store, who, When(date(2026, 2, 25), None), "Chase the signed form")["id"]
    )
    ids["soon"] = int(
        followups.add(store, who, When(date(2026, 3, 4), time(10, 0)), "Board meeting call")["id"]
    )
    done = int(followups.add(store, who, When(date(2026, 2, 20), None), "Old one")["id"])
    followups.done(store, done)
    return store, ids


def test_each_section_on_a_seeded_database(seeded: tuple[Store, dict[str, int]]) -> None:
    store, ids = seeded
    sheet = build_brief(store, ids["helene"], now=NOW)
    assert sheet["as_of"] == "2026-03-02T09:00:00.000000Z"
    assert sheet["contact"] == {
        "id": ids["helene"],
        "name": "Hélène Dupré",
        "company": "Acme SAS",
        "company_id": sheet["contact"]["company_id"],
        "title": "CFO",
        "emails": [
            {"email": "helene.dupre@acme.fr", "label": None, "primary": True},
            {"email": "h.dupre@gmail.com", "label": None, "primary": False},
        ],
        "phones": [{"number": "+33 6 12 34 56 78", "e164": "+33612345678", "label": None}],
        "tags": ["vip"],
        "status": "customer",  # the pilot was won
        "do_not_contact": False,
        "archived": False,
    }
    # The newest five, newest first, with what a rep reads of each.
    last = sheet["last_interactions"]
    assert [i["id"] for i in last] == [
        ids["sent"],
        ids["no_answer"],
        ids["qbr"],
        ids["lunch"],
        ids["inbound"],
    ]
    assert last[1] == {
        "id": ids["no_answer"],
        "kind": "call",
        "at": "2026-02-25T16:00:00.000000Z",
        "summary": "No answer",
        "outcome": "no-answer",
        "direction": None,
        "duration_seconds": None,
        "deal_id": None,
        "deal": None,
    }
    assert last[4]["direction"] == "in"
    # Open deals only, this contact's, in pipeline order; the renewal is past its target.
    assert [d["id"] for d in sheet["deals"]] == [ids["seats"], ids["renewal"]]
    renewal = sheet["deals"][1]
    assert renewal == {
        "id": ids["renewal"],
        "title": "Acme renewal",
        "stage": "Proposal",
        "amount": 4_800_000,
        "currency": "EUR",
        "amount_display": "48 000 EUR",  # LANG=fr_FR: the locale's grouping
        "probability": 60,
        "age_days": 20,
        "days_in_stage": 20,
        "target_days": 10,
        "stale": True,
        "next_step": "Send revised quote",
        "expected_close": "2026-03-31",
    }
    seats = sheet["deals"][0]
    assert (seats["amount"], seats["amount_display"], seats["age_days"], seats["stale"]) == (
        None,
        None,
        0,
        False,
    )
    # Open follow-ups, the overdue one first and marked; the done one left out.
    assert sheet["followups"] == [
        {
            "id": ids["late"],
            "due": "2026-02-25",
            "all_day": True,
            "note": "Chase the signed form",
            "kind": "followup",
            "deal_id": None,
            "deal": None,
            "overdue": True,
            "late": "4 days",
        },
        {
            "id": ids["soon"],
            "due": "2026-03-04T10:00",
            "all_day": False,
            "note": "Board meeting call",
            "kind": "followup",
            "deal_id": None,
            "deal": None,
            "overdue": False,
            "late": None,
        },
    ]
    # The rep's promises of the last 90 days, newest first; not the client's, not quoted
    # lines, not what is older than the window.
    assert [(p["text"], p["interaction_id"]) for p in sheet["promises"]] == [
        ("Je vous envoie le contrat lundi.", ids["lunch"]),
        ("Promised an intro to our CTO.", ids["lunch"]),
        ("Discussed the renewal; I'll send the revised quote by Friday.", ids["quote"]),
    ]
    assert sheet["promises"][2] == {
        "text": "Discussed the renewal; I'll send the revised quote by Friday.",
        "at": "2026-02-10T09:00:00.000000Z",
        "interaction_id": ids["quote"],
        "kind": "call",
    }
    # Last touched on 27 February, every 14 days: due on 13 March, in 11 days.
    assert sheet["cadence"] == {
        "days": 14,
        "last_touch": "2026-02-27T09:00:00.000000Z",
        "due_at": "2026-03-13T09:00:00.000000Z",
        "status": "ok",
        "due_in_days": 11,
        "overdue_days": None,
    }
    # 3 days since the last touch: 40 * (1 - 3/180) = 39.33; 6 interactions in 90 days:
    # 18; best open deal at 60%: 18. 75.33, rounded: 75.
    assert sheet["score"] == 75
    assert sheet["totals"] == {"deals": 2, "followups": 2}
    assert sheet["relations"] == [
        {"name": "Marc Dupree", "kind": "assistant", "contact_id": ids["marc"]}
    ]
    json.dumps(sheet)  # JSON-safe as it is: no dates, no decimals


def test_the_score_is_the_one_contact_list_ranks_by(seeded: tuple[Store, dict[str, int]]) -> None:
    store, ids = seeded
    listed = {r["id"]: r.get("score") for r in directory.list_contacts(store, sort="score")}
    assert build_brief(store, ids["helene"])["score"] == listed[ids["helene"]] == 75
    assert build_brief(store, ids["marc"])["score"] == listed[ids["marc"]]


def test_cadence_overdue_and_due(seeded: tuple[Store, dict[str, int]]) -> None:
    store, ids = seeded
    # Due 13 March 09:00 UTC: four days and a bit later it is 4 days overdue.
    late = build_brief(store, ids["helene"], now=datetime(2026, 3, 17, 12, 0, tzinfo=UTC))
    assert late["cadence"]["status"] == "overdue"
    assert (late["cadence"]["overdue_days"], late["cadence"]["due_in_days"]) == (4, None)
    # Fallen due an hour ago: due, not yet a day late.
    due = build_brief(store, ids["helene"], now=datetime(2026, 3, 13, 10, 0, tzinfo=UTC))
    assert (due["cadence"]["status"], due["cadence"]["overdue_days"]) == ("due", 0)
    # The promise window moves with `now`: by June, nothing from February is recent.
    assert build_brief(store, ids["helene"], now=datetime(2026, 6, 1, tzinfo=UTC))["promises"] == []


def test_a_contact_with_nothing(store: Store) -> None:
    who = person(store, "Nobody Yet")
    sheet = build_brief(store, who, now=NOW)
    assert sheet["contact"]["name"] == "Nobody Yet"
    assert sheet["contact"]["emails"] == sheet["contact"]["phones"] == []
    for section in ("last_interactions", "deals", "followups", "promises", "relations"):
        assert sheet[section] == [], section
    assert sheet["cadence"] == {
        "days": None,
        "last_touch": None,
        "due_at": None,
        "status": "none",
        "due_in_days": None,
        "overdue_days": None,
    }
    assert sheet["score"] == 0
    assert sheet["totals"] == {"deals": 0, "followups": 0}


def test_an_unknown_contact_is_not_found(store: Store) -> None:
    with pytest.raises(NotFound, match="no contact #99"):
        build_brief(store, 99, now=NOW)


def test_now_defaults_to_the_clock(store: Store) -> None:
    who = person(store, "Ann Lee")
    assert build_brief(store, who)["as_of"] == clock.stamp(clock.now())


def test_totals_count_past_the_lists(store: Store) -> None:
    who = person(store, "Busy Bee")
    for day in range(1, 23):
        followups.add(store, who, When(date(2026, 3, day), None), f"step {day}")
    sheet = build_brief(store, who, now=NOW)
    assert len(sheet["followups"]) == 20
    assert sheet["followups"][-1]["note"] == "step 20"  # the ones due first
    assert sheet["totals"] == {"deals": 0, "followups": 22}


def test_promises_stop_at_ten(store: Store) -> None:
    who = person(store, "Busy Bee")
    for day in range(1, 13):
        note(store, who, f"2026-02-{day:02d} 10:00", f"I'll send document {day}")
    found = build_brief(store, who, now=NOW)["promises"]
    assert [p["text"] for p in found] == [f"I'll send document {d}" for d in range(12, 2, -1)]


# -- the promise rule ------------------------------------------------------------------------


@pytest.mark.parametrize(
    "sentence",
    [
        # English: the rep as subject, looking ahead
        "I'll send the quote by Friday",
        "I will call back Tuesday",
        "We'll get the contract over this week",
        "I’m going to loop in legal",  # a typographic apostrophe
        "I promised a demo for the ops team",
        # A rep's note style: the subject left out, at the start of a clause
        "Will call back after the board meeting",
        "Promised her the revised pricing",
        "Send the quote by Friday",
        "Spoke to Marc, will follow up next week",
        "Next step: send the deck",
        # French
        "Je vous envoie le devis demain",
        "Je rappelle jeudi",
        "Je lui enverrai la proposition",
        "J'appellerai lundi",
        "Je m'occupe de la relance",
        "Je vais lui envoyer le contrat",
        "On vous envoie la facture",
        "Nous enverrons le bon de commande",
        "Je lui ai promis une démo",
        "Rappeler vendredi",
        "À envoyer : devis révisé",
        "Promis : devis vendredi",
    ],
)
def test_promises_found(sentence: str) -> None:
    assert is_promise(sentence)
    assert promises_in(f"Call notes.\n{sentence}") == [sentence]


@pytest.mark.parametrize(
    "sentence",
    [
        # someone else's word
        "They will send the PO next week",
        "She'll call back tomorrow",
        "Client will send the signed order form",
        "He promised to sign by Friday",
        "Will you send the deck?",
        "Il va envoyer le contrat",
        "Elle me rappelle demain",
        "Ils enverront le bon de commande",
        # the past, refusals, nouns that look like verbs
        "Sent the quote",
        "I sent the revised quote",
        "I won't send anything before the audit",
        "I will not renew at this price",
        "Je ne rappelle pas avant lundi",
        "Devis envoyé",
        "Call went well",
        "Email from Marc about pricing",
        "Follow-up on the trial, positive",
    ],
)
def test_not_promises(sentence: str) -> None:
    assert not is_promise(sentence)
    assert promises_in(sentence) == []


def test_promises_in_splits_sentences_bullets_and_skips_quotes() -> None:
    text = (
        "Good call. She needs the numbers. I'll send them tonight! Any risk?\n"
        "- follow up on the pilot numbers\n"
        "> I will send the signed copy\n"
        "  \n"
        "2) book   the demo room"
    )
    assert promises_in(text) == [
        "I'll send them tonight!",
        "follow up on the pilot numbers",
        "book the demo room",
    ]
