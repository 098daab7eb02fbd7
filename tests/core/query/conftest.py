"""A small book seeded once per module and engine, for the filter language's tables.

Written through the core services as the commands write (contacts, deals, follow-ups,
interactions), at pinned clocks; addresses, which no command writes, by SQL. The clock
of every test is Monday 2 March 2026, 10:00 in Paris (09:00 UTC).
"""

from __future__ import annotations

import time
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date, datetime
from pathlib import Path

import pytest

from crmcli.core.config import Config
from crmcli.core.db.opening import open_store
from crmcli.core.db.store import Store

NOW = "2026-03-02T09:00:00Z"


@dataclass
class Book:
    store: Store
    ids: dict[str, int]  # a seeded record's label -> its id


def _seed(store: Store, patch: pytest.MonkeyPatch) -> dict[str, int]:
    import json

    from crmcli.core.activity import followups, interactions
    from crmcli.core.activity.interactions import Direction, Kind
    from crmcli.core.people import contacts
    from crmcli.core.people.contacts import ContactFields
    from crmcli.core.pipeline import deals
    from crmcli.core.pipeline.deals import DealFields
    from crmcli.core.values.when import When

    ids: dict[str, int] = {}

    def at(moment: str) -> None:
        patch.setenv("CRM_NOW", moment)

    def person(label: str, created: str, **fields: object) -> int:
        at(created)
        outcome = contacts.add(store, ContactFields(**fields))  # type: ignore[arg-type]
        ids[label] = int(outcome.contact["id"])
        return ids[label]

    helene = person(
        "helene",
        "2026-01-10T10:00:00Z",
        name="Hélène Dupré",
        company="ACME SAS",
        title="Directrice commerciale",
        tags=["VIP"],
        source="LinkedIn",
        status="customer",
        emails=["helene@acme.fr"],
        notes="Prefers calls in the morning; résumé sent",
    )
    bob = person(
        "bob",
        "2025-12-01T10:00:00Z",
        name="Bob Smith",
        company="Globex",
        title="CTO",
        tags=["dnc"],
        source="referral",
        status="lead",
        emails=["bob@globex.com"],
    )
    zoe = person(
        "zoe",
        "2026-02-20T10:00:00Z",
        name="Zoë Ångström",
        company="Acme Robotics",
        title="Head of Sales",
        tags=["VIP", "gold"],
        source="LinkedIn Ads",
        status="prospect",
        emails=["zoe@acmerobotics.io"],
        cadence="30d",
    )
    jp = person(
        "jp",
        "2026-03-01T10:00:00Z",
        name="Jean-Pierre O'Brien",
        title="Consultant",
        source="web",
        status="lead",
        emails=["jp_obrien@example.org"],
        notes="Met at the 100% conference_2025",
    )
    ali = person(
        "ali",
        "2026-02-01T10:00:00Z",
        name="Mr Ali Khan",
        company="Globex",
        title="Directeur",
        tags=["gold", "Key Account"],
        status="inactive",
        do_not_contact=True,
    )
    archie = person("archie", "2026-02-02T10:00:00Z", name="Archie Ved", tags=["VIP"])
    at(NOW)
    contacts.archive(store, archie)
    with store.write("seed addresses") as tx:
        for who, city, country in (
            (helene, "Paris", "France"),
            (zoe, "Lyon", "France"),
            (jp, "Montréal", "Canada"),
        ):
            tx.execute(
                "UPDATE contact SET addresses = ? WHERE id = ?",
                (json.dumps([{"label": "work", "city": city, "country": country}]), who),
            )
        tx.execute(
            "UPDATE company SET addresses = ?, industry = ?, domain = ? WHERE name = ?",
            (
                json.dumps([{"city": "Paris", "country": "France"}]),
                "Logiciels",
                "acme.fr",
                "ACME SAS",
            ),
        )
        tx.execute(
            "UPDATE company SET industry = ?, notes = ? WHERE name = ?",
            ("Énergie", "Met at CES", "Globex"),
        )

    def deal(label: str, created: str, **fields: object) -> int:
        at(created)
        ids[label] = int(deals.add(store, DealFields(**fields))["id"])  # type: ignore[arg-type]
        return ids[label]

    deal(
        "renewal",
        "2026-02-01T10:00:00Z",
        title="ACME renewal",
        contact_id=helene,
        amount="12k",
        currency="EUR",
        stage="Proposal",
        close=date(2026, 3, 15),
        next_step="send the contract",
    )
    deal(
        "pilot",
        "2026-01-20T10:00:00Z",
        title="Globex pilot",
        contact_id=bob,
        amount="8000",
        currency="USD",
        close=date(2026, 2, 20),
        source="Event",
    )
    deal(
        "robotics",
        "2026-02-21T10:00:00Z",
        title="Robotics fleet",
        contact_id=zoe,
        amount="1.5m",
        currency="JPY",
        stage="Qualified",
    )
    deal(
        "expansion",
        "2026-02-02T10:00:00Z",
        title="Khan expansion",
        contact_id=ali,
        amount="50k",
        currency="EUR",
        stage="Negotiation",
    )
    deal("tiny", "2026-03-01T10:00:00Z", title="Tiny add-on", contact_id=jp, amount="10.50")
    at("2026-02-27T10:00:00Z")
    deals.won(store, ids["expansion"])

    def logged(
        label: str, who: int, kind: Kind, summary: str, moment: str, **extra: object
    ) -> None:
        at(NOW)
        when = datetime.fromisoformat(moment.replace("Z", "+00:00"))
        ids[label] = int(
            interactions.log(store, who, kind, summary, at=when, **extra).interaction["id"]  # type: ignore[arg-type]
        )

    logged(
        "call",
        helene,
        Kind.call,
        "Discussed the renewal",
        "2026-02-28T14:00:00Z",
        deal_id=ids["renewal"],
        outcome="connected",
    )
    logged(
        "intro", bob, Kind.email, "Intro mail", "2026-01-15T09:00:00Z", direction=Direction.outbound
    )
    logged("lunch", ali, Kind.meeting, "Lunch at Café Léon", "2026-02-25T11:00:00Z")
    logged("chat", jp, Kind.note, "Conference chat", "2025-11-20T16:00:00Z", body="About 50% off")

    def due(label: str, who: int, day: date, note: str, **extra: object) -> None:
        at("2026-02-15T10:00:00Z" if label == "pricing" else "2026-02-01T10:00:00Z")
        ids[label] = int(followups.add(store, who, When(day, None), note, **extra)["id"])  # type: ignore[arg-type]

    due("overdue", helene, date(2026, 3, 1), "Call about the contract")
    due("pricing", bob, date(2026, 3, 5), "Send pricing", deal_id=ids["pilot"])
    due("demo", zoe, date(2026, 3, 20), "Démo produit")
    due("old", helene, date(2026, 2, 10), "Old thank-you note")
    at("2026-02-10T12:00:00Z")
    followups.done(store, ids["old"])
    at(NOW)
    followups.snooze(store, ids["demo"], When(date(2026, 3, 27), None))
    return ids


def _open(target: str, tmp: Path) -> Store:
    config = Config({"default_region": "FR", "user": "me", "currency": "EUR"}, tmp / "c.toml")
    return open_store(target, config, write=True)


@pytest.fixture(scope="module", params=["sqlite", pytest.param("postgresql", marks=pytest.mark.pg)])
def book(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[Book]:
    """The seeded book on SQLite and on PostgreSQL (a database of its own, dropped after)."""
    tmp = tmp_path_factory.mktemp("book")
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("TZ", "Europe/Paris")
        patch.setenv("CRM_CONFIG", str(tmp / "c.toml"))
        time.tzset()
        dropped: str | None = None
        if request.param == "sqlite":
            target = str(tmp / "book.db")
        else:
            import psycopg

            admin = str(request.getfixturevalue("pg_admin"))
            dropped = f"crm_where_{uuid.uuid4().hex[:12]}"
            with psycopg.connect(admin, autocommit=True) as conn:
                conn.execute(f'CREATE DATABASE "{dropped}"')
            base = admin.rsplit("/", 1)[0]
            target = f"postgresql+psycopg://{base.split('://', 1)[1]}/{dropped}"
        store = _open(target, tmp)
        try:
            ids = _seed(store, patch)
            yield Book(store, ids)
        finally:
            store.close()
            if dropped is not None:
                import psycopg

                with psycopg.connect(admin, autocommit=True) as conn:
                    conn.execute(f'DROP DATABASE IF EXISTS "{dropped}" WITH (FORCE)')
    time.tzset()


@pytest.fixture(autouse=True)
def pinned(monkeypatch: pytest.MonkeyPatch) -> None:
    """Each test reads at the seed's `NOW`, in Paris."""
    monkeypatch.setenv("CRM_NOW", NOW)
    monkeypatch.setenv("TZ", "Europe/Paris")
    time.tzset()
