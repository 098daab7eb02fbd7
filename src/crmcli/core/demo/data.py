"""Realistic generated data: the demo database and the benchmarks' data sets.

Deterministic for a given seed. People get names from several languages
(accents included, so lookups are exercised), companies, emails, phones in
several countries, tags, a history of interactions, follow-ups (some overdue,
some today) and deals spread across the pipeline with their stage history.

Loading goes through the store in one transaction with its bulk inserts, the bulk
form of the same data-access layer; generated data is not written to the
change log (there is nothing to undo about a demo).
"""

from __future__ import annotations

import random
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import datetime, timedelta

from crmcli.core import clock
from crmcli.core.activity.interactions import touch_due
from crmcli.core.db.store import Store
from crmcli.core.people.companies import company_key
from crmcli.core.people.index import search_terms
from crmcli.core.values.names import split_name
from crmcli.core.values.phones import parse_phone
from crmcli.core.values.text import fold, name_key

FIRST = (
    "Hélène Chloé Léa Zoé Camille Inès Manon Jeanne Amélie Gaëlle Noémie Céline Élodie Agnès "
    "Thomas Lucas Hugo Théo Louis Nicolas Mathéo Raphaël Étienne François Jérôme Benoît "
    "Emma Olivia Sophia Charlotte James Oliver William Jack Harry George Noah Amelia Grace "
    "Jürgen Lukas Günter Jörg Anja Björn Søren Åsa Ingrid Lars "
    "María José Sofía Lucía Martín Andrés Pablo Inés Nuria Joaquín "
    "Giulia Francesca Matteo Lorenzo Alessandro Chiara Yuki Haruto Sakura Kenji Aiko "
    "Priya Arjun Ananya Rohan Wei Mei Jun Li Fatima Omar Youssef Leila Chidi Amara"
).split()
LAST = (
    "Dupré Martin Bernard Lefèvre Moreau Laurent Girard Bonnet Mercier Rousseau Fontaine "
    "Chevalier Lambert Faure Garnier Durand Lemoine Bérenger Kieffer Muller "
    "Smith Johnson Williams Brown Jones Taylor Davies Evans Wilson Thompson O'Brien "
    "Müller Schmidt Schneider Fischer Weber Wagner Becker Schäfer Köhler Jensen Nielsen "
    "García Fernández López Martínez Sánchez Pérez Gómez Núñez Ibáñez "
    "Rossi Russo Bianchi Romano Colombo Ricci Tanaka Suzuki Takahashi Watanabe Sato "
    "Sharma Patel Gupta Singh Chen Wang Zhang Liu Haddad Benali Okafor Mensah"
).split()
COMPANY_WORDS = (
    "Acme Globex Initech Umbrella Stark Wayne Hooli Vandelay Soylent Cyberdyne Tyrell "
    "Aperture Wonka Oscorp Gringotts Pied Piper Nakatomi Massive Dynamic Blue Sun "
    "Lumière Bréguet Fjord Nordlys Solaris Altitude Horizon Cobalt Verdant Quartz"
).split()
COMPANY_SUFFIX = ("SAS", "GmbH", "Ltd", "Inc", "SA", "AG", "Group", "Labs", "Systems", "")
INDUSTRIES = (
    "Software",
    "Manufacturing",
    "Retail",
    "Finance",
    "Healthcare",
    "Logistics",
    "Energy",
    "Education",
    "Media",
    "Hospitality",
)
TLDS = {"FR": "fr", "DE": "de", "GB": "co.uk", "US": "com", "ES": "es", "IT": "it", "JP": "jp"}
PHONE_PLANS: dict[str, tuple[str, Callable[[random.Random], str]]] = {
    # region: (country code, national number generator)
    "FR": ("33", lambda r: f"6{r.randint(10000000, 99999999)}"),
    "DE": ("49", lambda r: f"151{r.randint(10000000, 99999999)}"),
    "GB": ("44", lambda r: f"7700{r.randint(100000, 999999)}"),
    "US": ("1", lambda r: f"{r.choice([212, 415, 646, 312, 617])}555{r.randint(1000, 9999)}"),
    "ES": ("34", lambda r: f"6{r.randint(10000000, 99999999)}"),
    "IT": ("39", lambda r: f"3{r.randint(100000000, 399999999)}"),
    "JP": ("81", lambda r: f"90{r.randint(10000000, 99999999)}"),
}
TAGS = (
    "vip",
    "partner",
    "newsletter",
    "decision-maker",
    "champion",
    "trade-show",
    "referral",
    "renewal",
    "technical",
    "budget-holder",
)
SOURCES = ("referral", "website", "trade show", "cold call", "linkedin", "webinar", "partner")
SUMMARIES = {
    "call": (
        "Discussed pricing and next steps",
        "Intro call, interested in a demo",
        "Left a voicemail about the proposal",
        "Follow-up on the trial, positive",
        "Talked budget for next quarter",
        "Checked in after onboarding",
    ),
    "email": (
        "Sent the proposal",
        "Shared case studies",
        "Replied about contract terms",
        "Sent meeting notes",
        "Asked for the signed order form",
    ),
    "meeting": (
        "Demo with the team",
        "On-site visit, met the CFO",
        "Quarterly business review",
        "Workshop on requirements",
    ),
    "note": (
        "Prefers calls in the morning",
        "Budget approved in March",
        "Competitor is also pitching",
        "Reorganisation under way",
    ),
    "message": ("Quick question on LinkedIn", "Texted to confirm the meeting"),
}
# Bulk inserts through `Tx.insert_many` (version takes its default, 1).
_INTERACTION_COLUMNS = (
    "contact_id", "deal_id", "kind", "direction", "occurred_at", "summary",
    "duration_seconds", "outcome", "owner", "created_at", "updated_at",
)  # fmt: skip
_FOLLOWUP_COLUMNS = (
    "contact_id", "deal_id", "due_date", "due_time", "due_at", "note", "owner",
    "created_at", "updated_at",
)  # fmt: skip

KIND_WEIGHTS = (("call", 40), ("email", 35), ("meeting", 10), ("note", 10), ("message", 5))
DEAL_WORDS = (
    "licence",
    "renewal",
    "expansion",
    "pilot",
    "integration",
    "support plan",
    "training",
    "upgrade",
    "rollout",
    "consulting",
)


# contact, deal, kind, direction, at, summary, duration, outcome, owner, created, updated
InteractionRow = tuple[
    int, int | None, str, str | None, str, str, int | None, str | None, str, str, str
]


@dataclass
class DemoSize:
    contacts: int = 300
    companies: int | None = None
    interactions: int | None = None
    followups: int | None = None
    deals: int | None = None

    def resolved(self) -> DemoSize:
        n = self.contacts
        return DemoSize(
            n,
            self.companies if self.companies is not None else max(5, n // 8),
            self.interactions if self.interactions is not None else n * 10,
            self.followups if self.followups is not None else max(5, n // 5),
            self.deals if self.deals is not None else max(5, n // 6),
        )


def _weighted_kinds(rng: random.Random, count: int) -> list[str]:
    kinds = [k for k, _ in KIND_WEIGHTS]
    weights = [w for _, w in KIND_WEIGHTS]
    return rng.choices(kinds, weights, k=count)


def generate(
    store: Store, size: DemoSize, *, seed: int = 7, now: datetime | None = None
) -> dict[str, int]:
    """Fill an empty database with generated data; returns counts per kind of record."""
    rng = random.Random(seed)
    size = size.resolved()
    moment = now or clock.now()
    stamp = clock.stamp
    owner = str(store.config.get("user"))
    stages = store.rows("SELECT id, name, position, kind, target_days FROM stage ORDER BY position")
    open_stages = [s for s in stages if s["kind"] == "open"]
    won = next(s for s in stages if s["kind"] == "won")
    lost = next(s for s in stages if s["kind"] == "lost")
    assert size.companies is not None and size.interactions is not None
    assert size.followups is not None and size.deals is not None

    with store.write("demo data", rules=False) as tx:
        base_company = int(store.value("SELECT coalesce(max(id), 0) FROM company"))
        base_contact = int(store.value("SELECT coalesce(max(id), 0) FROM contact"))
        companies: list[tuple[int, str, str, str]] = []
        seen_company: set[str] = set()
        for i in range(size.companies):
            words = (rng.choice(COMPANY_WORDS), rng.choice(COMPANY_WORDS))
            name = f"{words[0]} {words[1]} {rng.choice(COMPANY_SUFFIX)}".strip()
            if company_key(name) in seen_company:
                name = f"{name} {i}"
            seen_company.add(company_key(name))
            region = rng.choice(list(TLDS))
            domain = fold(name.split()[0] + name.split()[1]).replace(" ", "") + "." + TLDS[region]
            companies.append((base_company + i + 1, name, domain, region))
        created = stamp(moment - timedelta(days=800))
        tx.executemany(
            "INSERT INTO company (id, name, name_key, domain, industry, owner, version, "
            "created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?, 1, ?, ?)",
            [
                (cid, name, company_key(name), dom, rng.choice(INDUSTRIES), owner, created, created)
                for cid, name, dom, _ in companies
            ],
        )

        contact_rows = []
        email_rows = []
        phone_rows = []
        tag_rows = []
        term_rows = []
        seen_email: set[str] = set()
        for i in range(size.contacts):
            cid = base_contact + i + 1
            first, last = rng.choice(FIRST), rng.choice(LAST)
            display = f"{first} {last}"
            parts = split_name(display)
            company = rng.choice(companies) if rng.random() < 0.9 else None
            region = company[3] if company else rng.choice(list(TLDS))
            domain = company[2] if company else f"mail.{TLDS[region]}"
            local = f"{fold(first).replace(' ', '')}.{fold(last).replace(' ', '')}"
            email = f"{local}@{domain}"
            if email in seen_email:
                email = f"{local}{i}@{domain}"
            seen_email.add(email)
            code, national = PHONE_PLANS[region]
            phone = parse_phone(f"+{code}{national(rng)}", region)
            tags = rng.sample(TAGS, k=rng.choice((0, 0, 1, 1, 2, 3)))
            created_at = stamp(moment - timedelta(days=rng.randint(30, 800)))
            status = rng.choice(("lead", "lead", "prospect", "prospect", "customer", "inactive"))
            cadence = rng.choice((None, None, None, 14, 30, 60, 90))
            contact_rows.append(
                (
                    cid,
                    display,
                    parts.first,
                    parts.last,
                    name_key(display),
                    company[0] if company else None,
                    rng.choice(SOURCES),
                    status,
                    cadence,
                    rng.random() < 0.02,
                    owner,
                    created_at,
                    created_at,
                )
            )
            email_rows.append((cid, email, email.lower(), True, 0))
            phone_rows.append((cid, phone.formatted, phone.e164, phone.formatted, 0))
            for tag in tags:
                tag_rows.append((cid, tag, tag))
            for term, fld in search_terms(
                display,
                [email],
                [(phone.formatted or "", phone.e164)],
                tags,
            ):
                term_rows.append((term, cid, fld))
        tx.executemany(
            "INSERT INTO contact (id, display_name, first_name, last_name, name_key, company_id, "
            "lead_source, status, cadence_days, do_not_contact, owner, version, created_at, "
            "updated_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, 1, ?, ?)",
            contact_rows,
        )
        tx.executemany(
            "INSERT INTO contact_email (contact_id, email, email_norm, is_primary, valid, position)"
            " VALUES (?, ?, ?, ?, 1, ?)",
            email_rows,
        )
        tx.executemany(
            "INSERT INTO contact_phone (contact_id, raw, e164, formatted, position) "
            "VALUES (?, ?, ?, ?, ?)",
            phone_rows,
        )
        tx.executemany(
            "INSERT INTO contact_tag (contact_id, tag_key, tag) VALUES (?, ?, ?)", tag_rows
        )
        tx.executemany(
            "INSERT INTO search_term (term, contact_id, field) VALUES (?, ?, ?) "
            "ON CONFLICT DO NOTHING",
            term_rows,
        )

        contact_ids = [r[0] for r in contact_rows]
        company_of = {r[0]: r[5] for r in contact_rows}
        # Deals, with a stage history that walks through the pipeline.
        deal_rows = []
        history_rows = []
        base_deal = int(store.value("SELECT coalesce(max(id), 0) FROM deal"))
        deal_of_contact: dict[int, int] = {}
        for i in range(size.deals):
            did = base_deal + i + 1
            cid = rng.choice(contact_ids)
            deal_of_contact.setdefault(cid, did)
            roll = rng.random()
            final = won if roll < 0.15 else lost if roll < 0.25 else None
            reached = rng.randint(1, len(open_stages))
            path = open_stages[:reached]
            steps = [*path, final] if final else path
            # Times run backwards from the latest step: an open deal entered its stage
            # within twice the stage's target (so about half are stale), a closed one
            # closed in the last 200 days; earlier steps are spaced by their targets.
            latest = steps[-1]
            if final is None:
                span = 2 * int(latest["target_days"] or 10)
                times = [moment - timedelta(days=rng.randint(0, span), hours=rng.randint(1, 9))]
            else:
                times = [moment - timedelta(days=rng.randint(1, 200))]
            for step in reversed(steps[:-1]):
                gap = rng.randint(2, int(step["target_days"] or 10) + 4)
                times.insert(0, times[0] - timedelta(days=gap))
            prev_id = None
            for step, when in zip(steps, times, strict=True):
                history_rows.append((did, prev_id, step["id"], stamp(when), owner))
                prev_id = step["id"]
            at = times[-1]
            created_days = (moment - times[0]).days
            current = steps[-1]
            currency = rng.choice(("EUR", "EUR", "EUR", "USD", "GBP"))
            amount = rng.choice((1500, 4800, 9000, 12000, 25000, 48000, 90000, 150000)) * 100
            close = (moment + timedelta(days=rng.randint(-20, 120))).date().isoformat()
            status = "open" if final is None else final["kind"]
            deal_rows.append(
                (
                    did,
                    f"{rng.choice(COMPANY_WORDS)} {rng.choice(DEAL_WORDS)}",
                    cid,
                    company_of[cid],
                    amount,
                    currency,
                    current["id"],
                    close,
                    None
                    if rng.random() < 0.2
                    else rng.choice(
                        (
                            "Send proposal",
                            "Book demo",
                            "Call the CFO",
                            "Get legal review",
                            "Confirm budget",
                            "Schedule kickoff",
                        )
                    ),
                    status,
                    "Chose a competitor" if status == "lost" else None,
                    (moment + timedelta(days=rng.randint(60, 400))).date().isoformat()
                    if status == "won"
                    else None,
                    stamp(at),
                    stamp(at) if final else None,
                    owner,
                    stamp(moment - timedelta(days=created_days)),
                    stamp(at),
                )
            )
        tx.executemany(
            "INSERT INTO deal (id, title, contact_id, company_id, amount_minor, currency, stage_id,"
            " expected_close, next_step, status, lost_reason, contract_end, stage_entered_at,"
            " closed_at, owner, version, created_at, updated_at) VALUES "
            "(?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, 1, ?, ?)",
            deal_rows,
        )
        tx.executemany(
            "INSERT INTO deal_stage_change (deal_id, from_stage_id, to_stage_id, at, owner) "
            "VALUES (?, ?, ?, ?, ?)",
            history_rows,
        )

        # Interactions, streamed in chunks so a million rows stay in flat memory.
        last_touch: dict[int, str] = {}
        for chunk in _interactions(
            rng, contact_ids, deal_of_contact, size.interactions, moment, owner
        ):
            tx.insert_many("interaction", _INTERACTION_COLUMNS, chunk)
            for row in chunk:
                if row[4] > last_touch.get(row[0], ""):
                    last_touch[row[0]] = row[4]
        # Last touch, and when a contact with a keep-in-touch cadence is due again.
        cadences = {r[0]: (r[8], r[11]) for r in contact_rows if r[8]}
        tx.executemany(
            "UPDATE contact SET last_touch_at = ?, touch_due_at = ? WHERE id = ?",
            [
                (at, touch_due(at, cadences[cid][0], at) if cid in cadences else None, cid)
                for cid, at in last_touch.items()
            ],
        )
        tx.executemany(
            "UPDATE contact SET touch_due_at = ? WHERE id = ?",
            [
                (touch_due(None, days, created), cid)
                for cid, (days, created) in cadences.items()
                if cid not in last_touch
            ],
        )

        followup_rows = []
        local_now = clock.local(moment)
        for _ in range(size.followups):
            cid = rng.choice(contact_ids)
            offset = rng.choice((-9, -4, -2, -1, 0, 0, 0, 1, 1, 2, 3, 5, 7, 10, 14, 21))
            day = (local_now + timedelta(days=offset)).date()
            timed = rng.random() < 0.4
            due_time = (
                f"{rng.choice((9, 10, 11, 14, 15, 16)):02d}:{rng.choice(('00', '30'))}"  # HH:MM
                if timed
                else None
            )
            hour, minute = (int(x) for x in (due_time or "0:00").split(":"))
            due_local = datetime(
                day.year, day.month, day.day, hour, minute, tzinfo=local_now.tzinfo
            )
            followup_rows.append(
                (
                    cid,
                    deal_of_contact.get(cid),
                    day.isoformat(),
                    due_time,
                    stamp(due_local),
                    rng.choice(
                        (
                            "Send the revised quote",
                            "Call back about pricing",
                            "Check the trial went well",
                            "Chase the signature",
                            "Share the roadmap",
                            "Invite to the webinar",
                        )
                    ),
                    owner,
                    stamp(moment - timedelta(days=3)),
                    stamp(moment - timedelta(days=3)),
                )
            )
        tx.insert_many("followup", _FOLLOWUP_COLUMNS, followup_rows)
        tx.execute(
            "INSERT INTO crm_meta (key, value) VALUES ('demo', ?) "
            "ON CONFLICT (key) DO UPDATE SET value = excluded.value",
            (str(seed),),
        )
    return {
        "contacts": size.contacts,
        "companies": size.companies,
        "deals": size.deals,
        "interactions": size.interactions,
        "followups": size.followups,
    }


def _interactions(
    rng: random.Random,
    contact_ids: list[int],
    deal_of_contact: dict[int, int],
    total: int,
    moment: datetime,
    owner: str,
    chunk: int = 20_000,
) -> Iterator[list[InteractionRow]]:
    stamp = clock.stamp
    done = 0
    while done < total:
        n = min(chunk, total - done)
        kinds = _weighted_kinds(rng, n)
        rows = []
        for kind in kinds:
            cid = rng.choice(contact_ids)
            at = stamp(moment - timedelta(minutes=rng.randint(30, 700 * 24 * 60)))
            duration = (
                rng.choice((5, 10, 15, 20, 30, 45)) * 60 if kind in ("call", "meeting") else None
            )
            outcome = (
                rng.choice(("connected", "connected", "voicemail", "no-answer"))
                if kind == "call"
                else None
            )
            direction = rng.choice(("out", "out", "in")) if kind != "note" else None
            rows.append(
                (
                    cid,
                    deal_of_contact.get(cid) if rng.random() < 0.3 else None,
                    kind,
                    direction,
                    at,
                    rng.choice(SUMMARIES[kind]),
                    duration,
                    outcome,
                    owner,
                    at,
                    at,
                )
            )
        done += n
        yield rows
