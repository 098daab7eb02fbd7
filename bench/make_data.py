"""Build benchmark databases: the demo generator's data, loaded in bulk.

    python bench/make_data.py                          # 10,000 contacts, 100,000 interactions
    python bench/make_data.py --contacts 100000        # and 1,000,000 interactions
    python bench/make_data.py --contacts 1000000       # and 10,000,000 interactions

Files go to bench/data/ (ignored by git) and are reused while they exist. The name
carries the schema version and a digest of every migration's DDL, so a schema change
(an index added to a migration not yet released) builds a new file instead of
reusing one without it.

The rows are exactly those `crmcli.core.demo.data.generate` writes for the same seed,
size and "now" (the same random draws in the same order, the derived columns by the
same functions: `split_name`, `name_key`, `parse_phone`, `search_terms`,
`company_key`, `touch_due`); `tests/bench/test_make_data.py` compares the two
databases table by table. Only the loading differs, because the demo's (one
transaction through the store, every index and full-text trigger live, a Python
call per random draw) did not build a million contacts in ten minutes:
- the journal off and the page cache large for the build (nothing to recover: a
  build that dies is deleted and started again);
- the secondary indexes and the triggers dropped first and made again from their
  stored SQL once the rows are in (one sort per index instead of a random insert
  per row), the full-text indexes filled by one INSERT ... SELECT per table with
  the insert trigger's own condition;
- rows inserted with `executemany` in chunks, in a few big transactions;
- columns the schema's own triggers derive (`contact.touch_rank`, `deal.reach`, ...)
  worked out by those triggers once the rows and indexes are in, by a write that
  changes nothing (`DERIVED`);
- pure functions of a name called once per distinct name, stamps once per distinct
  offset, and the random draws made through the generator's own `_randbelow`.
"""

from __future__ import annotations

import argparse
import hashlib
import random
import sqlite3
import sys
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

DATA = Path(__file__).resolve().parent / "data"
CHUNK = 50_000  # contacts, or 10x as many interactions, per executemany batch
SEED = 7  # the demo generator's default


def build(
    contacts: int,
    interactions: int | None = None,
    deals: int | None = None,
    followups: int | None = None,
    *,
    force: bool = False,
) -> Path:
    """The bench database of this size (built now if missing or `force`); its path."""
    from crmcli.core import clock
    from crmcli.core.db import migrations

    inter = interactions if interactions is not None else contacts * 10
    name = f"v{migrations.CURRENT}-{schema_digest()}-c{contacts}-i{inter}-d{deals}-f{followups}"
    path = DATA / f"{name}.db"
    if path.exists() and not force:
        return path
    DATA.mkdir(exist_ok=True)
    partial = path.with_name(path.name + ".partial")
    started = time.perf_counter()
    fill(partial, contacts, inter, deals, followups, now=clock.now())
    partial.replace(path)  # only a whole build ever has the name the benches look for
    print(f"built {path.name} in {time.perf_counter() - started:.1f} s", file=sys.stderr)
    return path


def schema_digest() -> str:
    """Eight hex digits that change with any migration's SQLite DDL."""
    from crmcli.core.db import migrations

    text = repr([migrations.statements(v, "sqlite") for v in range(1, migrations.CURRENT + 1)])
    return hashlib.sha256(text.encode()).hexdigest()[:8]


def _say(started: float, what: str) -> None:
    print(f"  {time.perf_counter() - started:7.1f} s  {what}", file=sys.stderr, flush=True)


def fill(
    path: Path,
    contacts: int,
    interactions: int | None = None,
    deals: int | None = None,
    followups: int | None = None,
    *,
    now: datetime,
    seed: int = SEED,
    user: str = "bench",
) -> None:
    """Create `path` afresh (schema by the store's migrations) and load the demo's rows."""
    from crmcli.core.config import Config
    from crmcli.core.db.opening import open_store
    from crmcli.core.demo.data import DemoSize

    for suffix in ("", "-wal", "-shm", "-journal"):
        Path(f"{path}{suffix}").unlink(missing_ok=True)
    config = Config({"user": user, "default_region": "FR"}, path.with_suffix(".toml"))
    open_store(str(path), config, write=True).close()  # the schema, as crm makes it
    size = DemoSize(contacts, interactions=interactions, deals=deals, followups=followups)
    conn = sqlite3.connect(path, isolation_level=None)
    started = time.perf_counter()
    try:
        with bulk(conn, started):
            Generator(
                conn, size.resolved(), seed=seed, moment=now, owner=user, started=started
            ).run()
        conn.execute("PRAGMA journal_mode = WAL")  # as the store leaves every file
        conn.execute("ANALYZE")
        _say(started, "ANALYZE")
    finally:
        conn.close()


@contextmanager
def bulk(conn: sqlite3.Connection, started: float) -> Iterator[None]:
    """Load with no journal, a large cache, and no secondary index or trigger; then
    make the indexes and triggers again from their own stored SQL and fill the
    full-text indexes as their insert triggers would have."""
    conn.execute("PRAGMA journal_mode = OFF")
    conn.execute("PRAGMA synchronous = OFF")
    conn.execute("PRAGMA cache_size = -1000000")  # 1 GB, for the build only
    conn.execute("PRAGMA locking_mode = EXCLUSIVE")
    conn.execute("PRAGMA threads = 2")  # index builds sort with a helper thread
    saved = conn.execute(
        "SELECT type, name, tbl_name, sql FROM sqlite_master "
        "WHERE type IN ('index', 'trigger') AND sql IS NOT NULL ORDER BY type, name"
    ).fetchall()
    for kind, name, _, _ in saved:
        conn.execute(f"DROP {kind.upper()} {name}")
    conn.execute("BEGIN")
    yield
    conn.execute("COMMIT")
    for kind, name, _, sql in saved:
        if kind == "index":
            conn.execute(sql)
            _say(started, name)
    conn.execute("BEGIN")
    for kind, name, table, sql in saved:
        if kind == "trigger":
            conn.execute(sql)
            if name.endswith("_fts_ai"):
                _index_text(conn, name.removesuffix("_ai"), table, sql)
                _say(started, name.removesuffix("_ai"))
    triggers = {name for kind, name, _, _ in saved if kind == "trigger"}
    for trigger, derived, statement in DERIVED:
        if trigger in triggers:
            conn.execute(statement)
            _say(started, derived)
    conn.execute("COMMIT")


# Columns the schema's own triggers derive (schema v9), each with a write of what it is
# derived from that changes nothing: the triggers work them out as for any write.
DERIVED = (
    (
        "contact_touch_rank_au",
        "contact.touch_rank",
        "UPDATE contact SET last_touch_at = last_touch_at WHERE cadence_days IS NOT NULL "
        "AND last_touch_at IS NOT NULL AND touch_due_at IS NOT NULL",
    ),
    (
        "deal_conversion_au",
        "deal.reach, deal.contact_source",
        "UPDATE deal SET contact_id = contact_id",
    ),
    (
        "deal_stage_change_stay_au",
        "deal_stage_change.stay_stage_id, stay_us",
        "UPDATE deal_stage_change SET at = at",
    ),
    # Counts rather than columns: filled as the migration fills them for a book already
    # there (its triggers only ever add to or take from them).
    (
        "interaction_count_ai",
        "interaction_count",
        "INSERT INTO interaction_count (owner, kind, hour, n) SELECT owner, kind, "
        "substr(occurred_at, 1, 13), count(*) FROM interaction GROUP BY 1, 2, 3",
    ),
)


def _index_text(conn: sqlite3.Connection, fts: str, table: str, trigger: str) -> None:
    """Index every row of `table` in `fts` as its insert trigger (SQL `trigger`) would."""
    columns = [row[1] for row in conn.execute(f"PRAGMA table_info({fts})")]
    head = trigger.split(" BEGIN ", 1)[0]
    condition = head.split(" WHEN ", 1)[1] if " WHEN " in head else "1"
    condition = condition.replace("new.", f"{table}.")
    names = ", ".join(columns)
    conn.execute(
        f"INSERT INTO {fts} (rowid, {names}) SELECT id, {names} FROM {table} WHERE {condition}"
    )


class Generator:
    """`demo.data.generate`'s draws, in its order, written in chunks.

    Each step below mirrors a block of `generate` and says which; any change there
    must be made here too (the comparison test fails until it is).
    """

    def __init__(
        self,
        conn: sqlite3.Connection,
        size: Any,
        *,
        seed: int,
        moment: datetime,
        owner: str,
        started: float,
    ) -> None:
        self.started = started
        self.contact_rows: list[tuple[Any, ...]] = []
        self.conn = conn
        self.size = size
        self.seed = seed
        self.rng = random.Random(seed)
        self.moment = moment
        self.owner = owner

    def run(self) -> None:
        from crmcli.core import clock

        conn = self.conn
        cur = conn.execute(
            "SELECT id, name, position, kind, target_days FROM stage ORDER BY position"
        )
        names = [d[0] for d in cur.description]
        stages = [dict(zip(names, row, strict=True)) for row in cur.fetchall()]
        self.companies = self._companies()
        contact_ids, company_of, cadences = self._contacts()
        _say(self.started, f"{len(contact_ids):,} contacts")
        deal_of_contact = self._deals(stages, contact_ids, company_of)
        last_touch = self._interactions(contact_ids, deal_of_contact)
        _say(self.started, f"{self.size.interactions:,} interactions")
        self._touch(last_touch, cadences)
        self._followups(contact_ids, deal_of_contact, clock.local(self.moment))
        _say(self.started, "touch dates, follow-ups")
        conn.execute(
            "INSERT INTO crm_meta (key, value) VALUES ('demo', ?) "
            "ON CONFLICT (key) DO UPDATE SET value = excluded.value",
            (str(self.seed),),
        )

    def _companies(self) -> list[tuple[int, str, str, str]]:
        """The companies block."""
        from crmcli.core import clock
        from crmcli.core.demo import data as demo
        from crmcli.core.people.companies import company_key
        from crmcli.core.values.text import fold

        rng = self.rng
        base = self._base("company")
        companies: list[tuple[int, str, str, str]] = []
        seen: set[str] = set()
        for i in range(self.size.companies):
            words = (rng.choice(demo.COMPANY_WORDS), rng.choice(demo.COMPANY_WORDS))
            name = f"{words[0]} {words[1]} {rng.choice(demo.COMPANY_SUFFIX)}".strip()
            if company_key(name) in seen:
                name = f"{name} {i}"
            seen.add(company_key(name))
            region = rng.choice(list(demo.TLDS))
            domain = fold(name.split()[0] + name.split()[1]).replace(" ", "") + "."
            companies.append((base + i + 1, name, domain + demo.TLDS[region], region))
        created = clock.stamp(self.moment - timedelta(days=800))
        self.conn.executemany(
            "INSERT INTO company (id, name, name_key, domain, industry, owner, version, "
            "created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?, 1, ?, ?)",
            [
                (
                    cid,
                    name,
                    company_key(name),
                    dom,
                    rng.choice(demo.INDUSTRIES),
                    self.owner,
                    created,
                    created,
                )
                for cid, name, dom, _ in companies
            ],
        )
        return companies

    def _base(self, table: str) -> int:
        return int(self.conn.execute(f"SELECT coalesce(max(id), 0) FROM {table}").fetchone()[0])

    def _contacts(
        self,
    ) -> tuple[list[int], dict[int, int | None], dict[int, tuple[int, str]]]:
        """The contacts block: contact, email, phone, tag and search-term rows."""
        from crmcli.core import clock
        from crmcli.core.demo import data as demo
        from crmcli.core.people.index import search_terms
        from crmcli.core.values.names import split_name
        from crmcli.core.values.phones import parse_phone
        from crmcli.core.values.text import fold, name_key

        rng, moment, owner = self.rng, self.moment, self.owner
        choice, random_ = rng.choice, rng.random
        below: Callable[[int], int] = rng._randbelow  # type: ignore[attr-defined]
        companies, n_companies = self.companies, len(self.companies)
        regions = list(demo.TLDS)
        base = self._base("contact")
        # Pure functions of a name, worked out once per distinct name (names repeat).
        named: dict[tuple[str, str], tuple[str, str | None, str | None, str, str]] = {}
        created_at_days: dict[int, str] = {}
        seen_email: set[str] = set()
        contact_ids: list[int] = []
        company_of: dict[int, int | None] = {}
        cadences: dict[int, tuple[int, str]] = {}
        done = 0
        while done < self.size.contacts:
            n = min(CHUNK, self.size.contacts - done)
            contacts, emails, phones, tags_rows, terms = [], [], [], [], []
            for i in range(done, done + n):
                cid = base + i + 1
                first, last = choice(demo.FIRST), choice(demo.LAST)
                known = named.get((first, last))
                if known is None:
                    display = f"{first} {last}"
                    parts = split_name(display)
                    local = f"{fold(first).replace(' ', '')}.{fold(last).replace(' ', '')}"
                    known = (display, parts.first, parts.last, name_key(display), local)
                    named[(first, last)] = known
                display, part_first, part_last, key, local = known
                company = companies[below(n_companies)] if random_() < 0.9 else None
                region = company[3] if company else choice(regions)
                domain = company[2] if company else f"mail.{demo.TLDS[region]}"
                email = f"{local}@{domain}"
                if email in seen_email:
                    email = f"{local}{i}@{domain}"
                seen_email.add(email)
                code, national = demo.PHONE_PLANS[region]
                phone = parse_phone(f"+{code}{national(rng)}", region)
                tags = rng.sample(demo.TAGS, k=choice((0, 0, 1, 1, 2, 3)))
                days = rng.randint(30, 800)
                created_at = created_at_days.get(days)
                if created_at is None:
                    created_at = clock.stamp(moment - timedelta(days=days))
                    created_at_days[days] = created_at
                status = choice(("lead", "lead", "prospect", "prospect", "customer", "inactive"))
                cadence = choice((None, None, None, 14, 30, 60, 90))
                company_id = company[0] if company else None
                contacts.append(
                    (
                        cid,
                        display,
                        part_first,
                        part_last,
                        key,
                        company_id,
                        choice(demo.SOURCES),
                        status,
                        cadence,
                        random_() < 0.02,
                        owner,
                        created_at,
                        created_at,
                    )
                )
                contact_ids.append(cid)
                company_of[cid] = company_id
                if cadence:
                    cadences[cid] = (cadence, created_at)
                emails.append((cid, email, email.lower(), True, 0))
                phones.append((cid, phone.formatted, phone.e164, phone.formatted, 0))
                tags_rows += [(cid, tag, tag) for tag in tags]
                found = search_terms(display, [email], [(phone.formatted or "", phone.e164)], tags)
                terms += [(term, cid, field) for term, field in found]
            self._write_contacts(contacts, emails, phones, tags_rows, terms)
            done += n
        return contact_ids, company_of, cadences

    def _write_contacts(
        self,
        contacts: list[tuple[Any, ...]],
        emails: list[tuple[Any, ...]],
        phones: list[tuple[Any, ...]],
        tags: list[tuple[Any, ...]],
        terms: list[tuple[Any, ...]],
    ) -> None:
        """The demo's statements, a chunk at a time."""
        self.contact_rows += contacts  # written once their last touch is known (`_touch`)
        many = self.conn.executemany
        many(
            "INSERT INTO contact_email (contact_id, email, email_norm, is_primary, valid, position)"
            " VALUES (?, ?, ?, ?, 1, ?)",
            emails,
        )
        many(
            "INSERT INTO contact_phone (contact_id, raw, e164, formatted, position) "
            "VALUES (?, ?, ?, ?, ?)",
            phones,
        )
        many("INSERT INTO contact_tag (contact_id, tag_key, tag) VALUES (?, ?, ?)", tags)
        # Sorted: the table is clustered on its key, and appending is cheaper than
        # inserting at random places (the same rows either way).
        terms.sort()
        many(
            "INSERT INTO search_term (term, contact_id, field) VALUES (?, ?, ?) "
            "ON CONFLICT DO NOTHING",
            terms,
        )

    def _deals(
        self,
        stages: list[dict[str, Any]],
        contact_ids: list[int],
        company_of: dict[int, int | None],
    ) -> dict[int, int]:
        """The deals block, with each deal's stage history (verbatim: few rows)."""
        from crmcli.core import clock
        from crmcli.core.demo import data as demo

        rng, moment, owner, stamp = self.rng, self.moment, self.owner, clock.stamp
        open_stages = [s for s in stages if s["kind"] == "open"]
        won = next(s for s in stages if s["kind"] == "won")
        lost = next(s for s in stages if s["kind"] == "lost")
        deal_rows = []
        history_rows = []
        base_deal = self._base("deal")
        deal_of_contact: dict[int, int] = {}
        for i in range(self.size.deals):
            did = base_deal + i + 1
            cid = rng.choice(contact_ids)
            deal_of_contact.setdefault(cid, did)
            roll = rng.random()
            final = won if roll < 0.15 else lost if roll < 0.25 else None
            reached = rng.randint(1, len(open_stages))
            path = open_stages[:reached]
            steps = [*path, final] if final else path
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
            title = f"{rng.choice(demo.COMPANY_WORDS)} {rng.choice(demo.DEAL_WORDS)}"
            next_step = (
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
                )
            )
            contract_end = (
                (moment + timedelta(days=rng.randint(60, 400))).date().isoformat()
                if status == "won"
                else None
            )
            deal_rows.append(
                (
                    did,
                    title,
                    cid,
                    company_of[cid],
                    amount,
                    currency,
                    current["id"],
                    close,
                    next_step,
                    status,
                    "Chose a competitor" if status == "lost" else None,
                    contract_end,
                    stamp(at),
                    stamp(at) if final else None,
                    owner,
                    stamp(moment - timedelta(days=created_days)),
                    stamp(at),
                )
            )
        self.conn.executemany(
            "INSERT INTO deal (id, title, contact_id, company_id, amount_minor, currency, stage_id,"
            " expected_close, next_step, status, lost_reason, contract_end, stage_entered_at,"
            " closed_at, owner, version, created_at, updated_at) VALUES "
            "(?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, 1, ?, ?)",
            deal_rows,
        )
        self.conn.executemany(
            "INSERT INTO deal_stage_change (deal_id, from_stage_id, to_stage_id, at, owner) "
            "VALUES (?, ?, ?, ?, ?)",
            history_rows,
        )
        return deal_of_contact

    def _interactions(
        self, contact_ids: list[int], deal_of_contact: dict[int, int]
    ) -> dict[int, str]:
        """`_interactions` (chunks of 20,000 kinds drawn at once, then a row each); returns
        each contact's last touch, as the demo keeps it."""
        from crmcli.core import clock
        from crmcli.core.demo import data as demo

        rng, moment, owner = self.rng, self.moment, self.owner
        random_, bits = rng.random, rng.getrandbits
        below: Callable[[int], int] = rng._randbelow  # type: ignore[attr-defined]
        # The two draws made for every row are `_randbelow` written out (what
        # `choice` and `randint` call): a Python call less, 10 million times.
        n_ids = len(contact_ids)
        k_ids = n_ids.bit_length()
        span = 700 * 24 * 60 - 30 + 1  # randint(30, 700 * 24 * 60)
        k_span = span.bit_length()
        stamps: dict[int, str] = {}
        durations = (5, 10, 15, 20, 30, 45)
        outcomes = ("connected", "connected", "voicemail", "no-answer")
        directions = ("out", "out", "in")
        summaries = {kind: (texts, len(texts)) for kind, texts in demo.SUMMARIES.items()}
        deal_get = deal_of_contact.get
        last_touch: dict[int, str] = {}
        touch_get = last_touch.get
        insert = (
            "INSERT INTO interaction (contact_id, deal_id, kind, direction, occurred_at, "
            "summary, duration_seconds, outcome, owner, created_at, updated_at) "
            "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)"
        )
        total, done, chunk = self.size.interactions, 0, 20_000  # the demo's chunk
        rows: list[tuple[Any, ...]] = []
        while done < total:
            n = min(chunk, total - done)
            for kind in demo._weighted_kinds(rng, n):
                r = bits(k_ids)
                while r >= n_ids:
                    r = bits(k_ids)
                cid = contact_ids[r]
                r = bits(k_span)
                while r >= span:
                    r = bits(k_span)
                minutes = 30 + r
                at = stamps.get(minutes)
                if at is None:
                    at = stamps[minutes] = clock.stamp(moment - timedelta(minutes=minutes))
                duration = outcome = direction = None
                if kind == "call" or kind == "meeting":
                    duration = durations[below(6)] * 60
                if kind == "call":
                    outcome = outcomes[below(4)]
                if kind != "note":
                    direction = directions[below(3)]
                deal = deal_get(cid) if random_() < 0.3 else None
                texts, count = summaries[kind]
                rows.append(
                    (
                        cid,
                        deal,
                        kind,
                        direction,
                        at,
                        texts[below(count)],
                        duration,
                        outcome,
                        owner,
                        at,
                        at,
                    )
                )
                if at > touch_get(cid, ""):
                    last_touch[cid] = at
            done += n
            if len(rows) >= 10 * CHUNK or done >= total:
                self.conn.executemany(insert, rows)
                rows = []
        return last_touch

    def _touch(self, last_touch: dict[int, str], cadences: dict[int, tuple[int, str]]) -> None:
        """The contacts, with their last touch and when a contact with a cadence is due
        again (`touch_due`), as the demo's two UPDATEs leave them.

        Inserted whole here rather than updated: rows that grow once their pages are
        full split every page, which took 30 s at a million contacts.
        """
        from crmcli.core.activity.interactions import touch_due

        def rows() -> Iterator[tuple[Any, ...]]:
            for row in self.contact_rows:
                cid = row[0]
                at = last_touch.get(cid)
                cadence = cadences.get(cid)
                if at is not None:
                    due = touch_due(at, cadence[0], at) if cadence else None
                else:
                    due = touch_due(None, cadence[0], cadence[1]) if cadence else None
                yield (*row, at, due)

        self.conn.executemany(
            "INSERT INTO contact (id, display_name, first_name, last_name, name_key, company_id, "
            "lead_source, status, cadence_days, do_not_contact, owner, version, created_at, "
            "updated_at, last_touch_at, touch_due_at) "
            "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, 1, ?, ?, ?, ?)",
            rows(),
        )
        self.contact_rows = []

    def _followups(
        self, contact_ids: list[int], deal_of_contact: dict[int, int], local_now: datetime
    ) -> None:
        """The follow-ups block (verbatim: few rows)."""
        from crmcli.core import clock

        rng, moment, owner, stamp = self.rng, self.moment, self.owner, clock.stamp
        rows = []
        for _ in range(self.size.followups):
            cid = rng.choice(contact_ids)
            offset = rng.choice((-9, -4, -2, -1, 0, 0, 0, 1, 1, 2, 3, 5, 7, 10, 14, 21))
            day = (local_now + timedelta(days=offset)).date()
            timed = rng.random() < 0.4
            due_time = (
                f"{rng.choice((9, 10, 11, 14, 15, 16)):02d}:{rng.choice(('00', '30'))}"
                if timed
                else None
            )
            hour, minute = (int(x) for x in (due_time or "0:00").split(":"))
            due_local = datetime(
                day.year, day.month, day.day, hour, minute, tzinfo=local_now.tzinfo
            )
            note = rng.choice(
                (
                    "Send the revised quote",
                    "Call back about pricing",
                    "Check the trial went well",
                    "Chase the signature",
                    "Share the roadmap",
                    "Invite to the webinar",
                )
            )
            made = stamp(moment - timedelta(days=3))
            rows.append(
                (
                    cid,
                    deal_of_contact.get(cid),
                    day.isoformat(),
                    due_time,
                    stamp(due_local),
                    note,
                    owner,
                    made,
                    made,
                )
            )
        self.conn.executemany(
            "INSERT INTO followup (contact_id, deal_id, due_date, due_time, due_at, note, owner, "
            "created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
            rows,
        )


# -- PostgreSQL (team mode) ------------------------------------------------------------


def pg_build(db: Path, admin: str) -> str:
    """The data of the bench file `db` in a PostgreSQL database named after it (loaded now
    if missing); its URL. `admin` is a URL of any database on the server.

    The database is loaded under a temporary name and renamed when whole, so a load that
    dies is never taken for a finished one (the name carries the file's schema digest).
    """
    import psycopg

    name = "crm_bench_" + db.stem.replace("-", "_").lower()
    partial = f"{name}_partial"
    base = admin.rsplit("/", 1)[0]
    with psycopg.connect(admin, autocommit=True) as conn:
        if conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", (name,)).fetchone():
            return f"{base}/{name}"
        conn.execute(f'DROP DATABASE IF EXISTS "{partial}" WITH (FORCE)')
        conn.execute(f'CREATE DATABASE "{partial}"')
    started = time.perf_counter()
    pg_fill(db, f"{base}/{partial}")
    with psycopg.connect(admin, autocommit=True) as conn:
        conn.execute(f'ALTER DATABASE "{partial}" RENAME TO "{name}"')
    print(f"loaded {name} in {time.perf_counter() - started:.1f} s", file=sys.stderr)
    return f"{base}/{name}"


def pg_fill(db: Path, url: str) -> None:
    """Load every row of the bench file `db` into the empty PostgreSQL database `url`.

    The schema is made by crm's own migrations (as `crm` makes a team database); then,
    as in `bulk` for SQLite: the seeded rows cleared, the secondary indexes dropped and
    made again once the rows are in, and the rows sent by COPY, with the triggers and
    foreign-key checks off (`session_replication_role = replica`, which needs a
    superuser, as the bench's local server has). Nothing is left for the triggers to
    derive: the file's derived columns and counts are copied as they are, ids and all,
    and each table's id sequence is moved past its rows (`crm db copy` would give each
    row a new id and run every trigger, a row at a time).
    """
    import psycopg

    from crmcli.core.config import Config
    from crmcli.core.db.opening import open_store

    started = time.perf_counter()
    config = Config({"user": "bench", "default_region": "FR"}, db.with_suffix(".toml"))
    open_store(url, config, write=True).close()  # the schema, as crm makes it
    source = sqlite3.connect(f"file:{db}?mode=ro", uri=True)
    try:
        with psycopg.connect(url.replace("postgresql+psycopg://", "postgresql://")) as conn:
            _pg_copy_rows(conn, source, started)
            conn.commit()
            conn.autocommit = True
            conn.execute("VACUUM ANALYZE")  # as autovacuum leaves a table at rest
            _say(started, "VACUUM ANALYZE")
    finally:
        source.close()


def _pg_copy_rows(conn: Any, source: sqlite3.Connection, started: float) -> None:
    conn.execute("SET session_replication_role = replica")  # no triggers, no FK checks
    conn.execute("SET maintenance_work_mem = '1GB'")  # index builds sort in memory
    on_file = {
        name for (name,) in source.execute("SELECT name FROM sqlite_master WHERE type = 'table'")
    }
    tables = [
        name
        for (name,) in conn.execute(
            "SELECT tablename FROM pg_tables WHERE schemaname = 'public' ORDER BY tablename"
        )
    ]
    missing = set(tables) - on_file
    if missing:
        raise SystemExit(f"tables on the server but not in the file: {sorted(missing)}")
    indexes = conn.execute(
        "SELECT indexname, indexdef FROM pg_indexes WHERE schemaname = 'public' "
        "AND indexname NOT IN (SELECT conname FROM pg_constraint) ORDER BY indexname"
    ).fetchall()
    for index, _ in indexes:
        conn.execute(f'DROP INDEX "{index}"')
    conn.execute(f"TRUNCATE {', '.join(tables)}")  # the seeded pipeline and settings
    for table in tables:
        columns = [
            name
            for (name,) in conn.execute(
                "SELECT column_name FROM information_schema.columns WHERE table_schema = "
                "'public' AND table_name = %s ORDER BY ordinal_position",
                (table,),
            )
        ]
        names = ", ".join(columns)
        rows = source.execute(f"SELECT {names} FROM {table}")
        with conn.cursor().copy(f"COPY {table} ({names}) FROM STDIN") as copy:
            for row in rows:
                copy.write_row(row)  # SQLite's 0/1 flags read as booleans by COPY
        _say(started, table)
        if "id" in columns:
            conn.execute(
                f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), "
                f"greatest((SELECT max(id) FROM {table}), 1))"
            )
    for index, sql in indexes:
        conn.execute(sql)
        _say(started, index)


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawTextHelpFormatter
    )
    parser.add_argument("--contacts", type=int, default=10_000)
    parser.add_argument("--interactions", type=int)
    parser.add_argument("--deals", type=int)
    parser.add_argument("--followups", type=int)
    parser.add_argument("--force", action="store_true", help="build again even if the file exists")
    parser.add_argument(
        "--pg",
        metavar="ADMIN_URL",
        help="also load the data into a PostgreSQL database on that server (printed)",
    )
    args = parser.parse_args()
    path = build(args.contacts, args.interactions, args.deals, args.followups, force=args.force)
    print(path)
    if args.pg:
        print(pg_build(path, args.pg))


if __name__ == "__main__":
    main()
