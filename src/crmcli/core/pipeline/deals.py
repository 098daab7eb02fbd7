"""Deals: adding, editing, moving, winning, losing and reopening them; reading one or a list.

The row every list shows and the attention rules (stale, no next step) are in
`pipeline.attention`; a deal's change of stage, with its history row, in
`pipeline.moves`, which removing a stage uses too.

Every rule that depends on the deal as it is now (a won or lost deal cannot move, be
won or lost again; only a closed deal reopens; the version the caller saw) is
decided on the row read inside the write transaction that changes it, never on a
read made before: the store serialises writers (`BEGIN IMMEDIATE` on SQLite, one
advisory lock on PostgreSQL), so a concurrent `deal lost` and `deal move` end as if
one ran after the other.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import date, datetime
from typing import TYPE_CHECKING, Any, cast

from crmcli.core import clock
from crmcli.core.db.store import Store, Tx
from crmcli.core.errors import Invalid, NotFound, Refused
from crmcli.core.pipeline.attention import DEAL_SELECT, annotate, stale_condition
from crmcli.core.pipeline.moves import record, relocate
from crmcli.core.pipeline.pipelines import resolve as resolve_pipeline
from crmcli.core.pipeline.stages import check_probability, first_of_kind
from crmcli.core.pipeline.stages import current as current_stage
from crmcli.core.pipeline.stages import resolve as resolve_stage

if TYPE_CHECKING:
    from crmcli.core.pipeline.rows import Deal, DealDetail, DealEvent, StageChange


def resolve_deal(store: Store, ref: str) -> int:
    """A deal REF: an id (`12`, `#12`; the same id rule as a contact REF), an exact title
    (accents and case ignored), or a unique title prefix."""
    from crmcli.core.errors import Ambiguous, Invalid, NotFound
    from crmcli.core.values.text import fold

    text = ref.strip()
    if not text:
        raise Invalid("empty deal reference: give an id or a title")
    from crmcli.core.search.refs import ref_id

    wanted = ref_id(text)  # `#N`, or bare digits, fewer than 6, no leading 0: the REF rule
    if wanted is not None:
        if wanted > 2**63 - 1:
            raise Invalid(f"{text!r} is too large to be a deal id")
        if store.value("SELECT 1 FROM deal WHERE id = ?", (wanted,)) is None:
            raise NotFound(f"no deal #{wanted}")
        return wanted
    key = fold(text)
    rows = [(int(i), t) for i, t in store.tuples("SELECT id, title FROM deal ORDER BY id")]
    exact = [r for r in rows if fold(r[1]) == key]
    matches = exact or [r for r in rows if fold(r[1]).startswith(key)]
    if len(matches) == 1:
        return matches[0][0]
    if matches:
        candidates = [f"#{i} {t}" for i, t in matches[:5]]
        raise Ambiguous(
            f"{ref!r} matches several deals: {'; '.join(candidates)}; use the id", candidates
        )
    raise NotFound(f"no deal matches {ref!r}")


# -- writing deals ------------------------------------------------------------------------


@dataclass
class DealFields:
    """What a command asks to set on a deal. None means "not given"."""

    title: str | None = None
    contact_id: int | None = None
    company_id: int | None = None
    amount: str | None = None
    currency: str | None = None
    stage: str | None = None
    close: date | None = None
    clear_close: bool = False
    next_step: str | None = None
    probability: int | None = None
    clear_probability: bool = False
    contract_end: date | None = None
    source: str | None = None
    pipeline: str | None = None  # name or id; None: the first pipeline (a new deal only)


def _amount(fields: DealFields, default_currency: str) -> dict[str, Any]:
    from crmcli.core.values.money import MAX_DEAL_MINOR, check_currency, parse_amount

    values: dict[str, Any] = {}
    currency = check_currency(fields.currency) if fields.currency else None
    if fields.amount is not None:
        if not fields.amount.strip():
            values["amount_minor"] = None
        else:
            minor, symbol = parse_amount(fields.amount, currency or default_currency)
            if symbol and currency and symbol != currency:
                raise Invalid(
                    f"amount {fields.amount!r} is in {symbol}, but --currency is {currency}"
                )
            if minor > MAX_DEAL_MINOR:  # would overflow the pipeline's and reports' sums
                raise Invalid(f"amount {fields.amount!r} is too large for a deal")
            values["amount_minor"] = minor
            currency = currency or symbol or default_currency
    if currency:
        values["currency"] = currency
    return values


def _scalars(fields: DealFields) -> dict[str, Any]:
    from crmcli.core.values.text import collapse

    values: dict[str, Any] = {}
    if fields.title is not None:
        title = collapse(fields.title)
        if not title:
            raise Invalid("deal title must not be empty")
        values["title"] = title
    if fields.next_step is not None:
        values["next_step"] = fields.next_step.strip() or None
    if fields.probability is not None:
        values["probability"] = check_probability(fields.probability)
    if fields.clear_probability:
        values["probability"] = None
    if fields.close is not None:
        values["expected_close"] = fields.close.isoformat()
    if fields.clear_close:
        values["expected_close"] = None
    if fields.contract_end is not None:
        values["contract_end"] = fields.contract_end.isoformat()
    if fields.source is not None:
        values["lead_source"] = fields.source.strip() or None
    return values


def add(store: Store, fields: DealFields) -> DealDetail:
    """Create an open deal in a stage (the first open stage by default), with its history row."""
    if fields.title is None:
        raise Invalid("deal title must not be empty")
    if fields.contact_id is None and fields.company_id is None:
        raise Invalid("a deal needs --contact or --company")
    values = {**_scalars(fields), **_amount(fields, str(store.config.get("currency")))}
    pipeline_id = int(resolve_pipeline(store, fields.pipeline)["id"])
    stage = (
        resolve_stage(store, fields.stage, pipeline_id)
        if fields.stage
        else first_of_kind(store, "open", pipeline_id)
    )
    if stage["kind"] != "open":
        raise Invalid(f"a new deal starts in an open stage, not {stage['name']}")
    with store.write(f"deal add {values['title']}") as tx:
        stage = current_stage(tx, stage)
        company_id = fields.company_id
        if fields.contact_id is not None:
            contact = tx.get("contact", fields.contact_id)
            if contact is None:
                raise NotFound(
                    f"contact #{fields.contact_id} no longer exists (merged or deleted elsewhere)"
                )
            if company_id is None:
                company_id = contact["company_id"]
        deal_id = tx.insert(
            "deal",
            {
                **values,
                "contact_id": fields.contact_id,
                "company_id": company_id,
                "stage_id": stage["id"],
                "status": "open",
                "stage_entered_at": tx.stamp,
            },
            contact_id=fields.contact_id,
        )
        record(tx, deal_id, None, stage["id"], fields.contact_id)
    return get(store, deal_id)


def edit(
    store: Store, deal_id: int, fields: DealFields, *, expect_version: int | None = None
) -> tuple[DealDetail, list[str]]:
    """Change a deal's details (not its stage: that is `move`). Returns (deal, notes).

    With `expect_version` (what the caller last saw), a deal changed since is refused.
    An amount is read in the deal's currency, and a won deal's new contract end moves
    its renewal, as the deal is when the change is written.
    """
    values = _scalars(fields)
    if fields.contact_id is not None:
        values["contact_id"] = fields.contact_id
    if fields.company_id is not None:
        values["company_id"] = fields.company_id
    if fields.stage is not None or fields.pipeline is not None:
        raise Invalid("use `crm deal move` to change a deal's stage or pipeline")
    if not values and fields.amount is None and not fields.currency:
        raise Invalid("nothing to change: give at least one option (see --help)")
    notes: list[str] = []
    with store.write(f"deal edit {deal_id}") as tx:
        _check_version(tx, deal_id, expect_version)
        deal = _now(tx, deal_id)
        values.update(_amount(fields, deal["currency"] or str(store.config.get("currency"))))
        tx.update("deal", deal_id, values, contact_id=deal["contact_id"])
        if "contract_end" in values and deal["status"] == "won":
            notes += _renewal(tx, deal_id)
    return get(store, deal_id), notes


def move(
    store: Store,
    deal_id: int,
    stage_ref: str,
    *,
    reason: str | None = None,
    expect_version: int | None = None,
    pipeline: str | None = None,
) -> tuple[DealDetail, list[str]]:
    """Move an open deal to a stage; a won or lost stage closes it. Returns (deal, notes).

    The stage is looked up in the deal's own pipeline; with `pipeline`, in that one,
    which is how a deal moves to another pipeline (only ever when asked).
    """
    if pipeline is not None:
        pipeline_id = int(resolve_pipeline(store, pipeline)["id"])
    else:
        pipeline_id = pipeline_of(store, deal_id)
    stage = resolve_stage(store, stage_ref, pipeline_id)
    return _move(store, deal_id, stage, reason=reason, expect_version=expect_version)


def pipeline_of(store: Store, deal_id: int) -> int:
    """The pipeline a deal is in (its stage's)."""
    found = store.value(
        "SELECT s.pipeline_id FROM deal d JOIN stage s ON s.id = d.stage_id WHERE d.id = ?",
        (deal_id,),
    )
    if found is None:
        raise NotFound(f"no deal #{deal_id}")
    return int(found)


def _move(
    store: Store,
    deal_id: int,
    stage: dict[str, Any],
    *,
    reason: str | None = None,
    expect_version: int | None = None,
    contract_end: date | None = None,
) -> tuple[DealDetail, list[str]]:
    """`move`, with whether it may happen decided in the transaction that does it."""
    with store.write(f"deal move {deal_id} {stage['name']}") as tx:
        _check_version(tx, deal_id, expect_version)
        notes = move_in(tx, deal_id, stage, reason=reason, contract_end=contract_end)
    return get(store, deal_id), notes


def move_in(
    tx: Tx,
    deal_id: int,
    stage: dict[str, Any],
    *,
    reason: str | None = None,
    contract_end: date | None = None,
) -> list[str]:
    """Move an open deal to `stage` inside an open transaction (`crm deal move`, a rule's
    `move`); the notes to tell. Refuses a closed deal, the stage it is in, a loss without
    a reason.

    `contract_end` (winning with `--contract-end`) is set in the same transaction, so
    the deal is never left with a new contract end but not won.
    """
    notes: list[str] = []
    deal = _now(tx, deal_id)
    if deal["status"] != "open":
        raise Refused(
            f"deal #{deal_id} is {deal['status']}: reopen it first (crm deal reopen {deal_id})"
        )
    stage = current_stage(tx, stage)
    if stage["id"] == deal["stage_id"]:
        raise Refused(f"deal #{deal_id} is already in {stage['name']}")
    if stage["kind"] == "lost" and not (reason or "").strip():
        raise Invalid("say why it was lost: --reason TEXT")
    if contract_end is not None:
        tx.update(
            "deal",
            deal_id,
            {"contract_end": contract_end.isoformat()},
            contact_id=deal["contact_id"],
        )
    relocate(tx, deal_id, stage, reason)
    if stage["kind"] == "lost":
        tx.update(
            "deal",
            deal_id,
            {"lost_reason": (reason or "").strip()},
            contact_id=deal["contact_id"],
        )
    if stage["kind"] == "won":
        notes += _renewal(tx, deal_id)
        notes += _promote(tx, deal["contact_id"])
    return notes


PROMOTED_FROM = ("lead", "prospect")


def _promote(tx: Tx, contact_id: int | None) -> list[str]:
    """A won deal makes its contact a customer (from lead or prospect); says so.

    An inactive contact stays as the rep set it: winning a deal for them is news the
    rep can act on, not a status to overwrite silently. Undone with the move.
    """
    if contact_id is None:
        return []
    contact = tx.get("contact", contact_id)
    if contact is None or contact["status"] not in PROMOTED_FROM:
        return []
    tx.update("contact", contact_id, {"status": "customer"}, contact_id=contact_id)
    return [f"#{contact_id} {contact['display_name']} is now a customer (was {contact['status']})"]


def _now(tx: Tx, deal_id: int) -> dict[str, Any]:
    """The deal's row as it is inside the write transaction."""
    deal = tx.get("deal", deal_id)
    if deal is None:
        raise NotFound(f"no deal #{deal_id}")
    return deal


def _check_version(tx: Tx, deal_id: int, expect_version: int | None) -> None:
    if expect_version is None:
        return
    now = tx.store.row(
        "SELECT d.version, d.title, s.name AS stage, d.owner, d.updated_at FROM deal d "
        "JOIN stage s ON s.id = d.stage_id WHERE d.id = ?",
        (deal_id,),
    )
    if now is None:
        raise NotFound(f"deal #{deal_id} no longer exists (deleted elsewhere)")
    if int(now["version"]) != expect_version:
        from crmcli.core.errors import Conflict

        editor = tx.store.value(
            "SELECT owner FROM change_log WHERE table_name = 'deal' AND row_id = ? "
            "ORDER BY id DESC LIMIT 1",
            (deal_id,),
        )
        # The current state in the message: the second writer sees what won.
        raise Conflict(
            f"deal #{deal_id} {now['title']} was changed elsewhere (now version "
            f"{now['version']}, in {now['stage']}, last by {editor or now['owner']} at "
            f"{now['updated_at'][:16]}; you had version {expect_version}): look again "
            f"(crm deal show {deal_id}) and retry"
        )


def won(
    store: Store, deal_id: int, *, contract_end: date | None = None
) -> tuple[DealDetail, list[str]]:
    """Close an open deal as won, in its pipeline's Won stage (with its contract end, if
    given, and its renewal)."""
    won_stage = first_of_kind(store, "won", pipeline_of(store, deal_id))
    return _move(store, deal_id, won_stage, contract_end=contract_end)


def lost(store: Store, deal_id: int, reason: str) -> tuple[DealDetail, list[str]]:
    """Close an open deal as lost, in its pipeline's Lost stage; the reason is required."""
    return _move(
        store, deal_id, first_of_kind(store, "lost", pipeline_of(store, deal_id)), reason=reason
    )


def reopen(store: Store, deal_id: int, stage_ref: str | None = None) -> DealDetail:
    """Reopen a won or lost deal, into the open stage of its pipeline it left (or the one
    given, in its pipeline)."""
    pipeline_id = pipeline_of(store, deal_id)
    given = resolve_stage(store, stage_ref, pipeline_id) if stage_ref else None
    if given is not None and given["kind"] != "open":
        raise Invalid(f"reopen into an open stage, not {given['name']}")
    with store.write(f"deal reopen {deal_id}") as tx:
        if _now(tx, deal_id)["status"] == "open":
            raise Refused(f"deal #{deal_id} is already open")
        if given is not None:
            stage = current_stage(tx, given)
        else:
            last_open = store.row(
                "SELECT s.* FROM deal_stage_change h JOIN stage s ON s.id = h.to_stage_id "
                "WHERE h.deal_id = ? AND s.kind = 'open' AND s.pipeline_id = ? "
                "ORDER BY h.at DESC, h.id DESC LIMIT 1",
                (deal_id, pipeline_id),
            )
            stage = last_open or first_of_kind(store, "open", pipeline_id)
        relocate(tx, deal_id, stage)
    return get(store, deal_id)


def _renewal(tx: Tx, deal_id: int) -> list[str]:
    """Create or move the renewal follow-up of a won deal with a contract end."""
    from datetime import timedelta

    from crmcli.core.activity.followups import due_fields
    from crmcli.core.values.when import When

    deal = tx.get("deal", deal_id)
    assert deal is not None
    if not deal["contract_end"]:
        return []
    if deal["contact_id"] is None:
        return [f"deal #{deal_id} has no contact, so no renewal follow-up was made"]
    lead = int(tx.store.config.get("renewal_lead_days"))
    due = date.fromisoformat(deal["contract_end"]) - timedelta(days=lead)
    note = f"Renewal: {deal['title']} (contract ends {deal['contract_end']})"
    fields = {**due_fields(When(due, None)), "note": note}
    existing = tx.store.value(
        "SELECT id FROM followup WHERE deal_id = ? AND kind = 'renewal' AND status = 'open'",
        (deal_id,),
    )
    if existing is not None:
        tx.update("followup", int(existing), fields, contact_id=deal["contact_id"])
        verb = "moved"
    else:
        existing = tx.insert(
            "followup",
            {"contact_id": deal["contact_id"], "deal_id": deal_id, "kind": "renewal", **fields},
            contact_id=deal["contact_id"],
        )
        verb = "added"
    return [
        f"{verb} renewal follow-up #{existing} due {due.isoformat()} "
        f"({lead} day{'' if lead == 1 else 's'} before the contract ends)"
    ]


def assign(store: Store, deal_id: int, user: str) -> DealDetail:
    """Hand a deal to another rep: they own it from now on (undoable, like any edit)."""
    from crmcli.core.config import validate

    owner = str(validate("user", user))
    with store.write(f"deal assign {deal_id}") as tx:
        deal = _now(tx, deal_id)
        tx.update("deal", deal_id, {"owner": owner}, contact_id=deal["contact_id"])
    return get(store, deal_id)


# -- reading deals ------------------------------------------------------------------------


def get(store: Store, deal_id: int) -> DealDetail:
    row = store.row(f"{DEAL_SELECT} WHERE d.id = ?", (deal_id,))
    if row is None:
        raise NotFound(f"no deal #{deal_id}")
    extra = store.row(
        "SELECT lost_reason, contract_end, lead_source, closed_at, owner, "
        "created_at, updated_at, external_ids, custom_fields FROM deal WHERE id = ?",
        (deal_id,),
    )
    assert extra is not None
    for key in ("external_ids", "custom_fields"):  # JSON text in the row, parsed here
        extra[key] = json.loads(extra[key]) if extra[key] else None
    return cast("DealDetail", annotate({**row, **extra}, clock.now()))  # with the extra columns


def effective_probability(row: Deal) -> int:
    """The deal's own override, else its stage's win probability."""
    return int(row["probability"] if row["probability"] is not None else row["stage_probability"])


def history(store: Store, deal_id: int) -> list[StageChange]:
    rows = store.rows(
        "SELECT h.at, s1.name AS from_stage, s2.name AS to_stage, h.owner, h.reason "
        "FROM deal_stage_change h LEFT JOIN stage s1 ON s1.id = h.from_stage_id "
        "LEFT JOIN stage s2 ON s2.id = h.to_stage_id WHERE h.deal_id = ? ORDER BY h.at, h.id",
        (deal_id,),
    )
    return cast("list[StageChange]", rows)  # the store's dicts, of that shape


def timeline(store: Store, deal_id: int, limit: int = 20) -> list[DealEvent]:
    rows = store.rows(
        "SELECT * FROM (SELECT 'interaction' AS type, i.id AS id, i.occurred_at AS at, "
        "i.kind AS what, i.summary AS text, NULL AS day FROM interaction i WHERE i.deal_id = ? "
        "UNION ALL SELECT 'followup', f.id, "
        "CASE WHEN f.status = 'done' THEN f.done_at ELSE f.due_at END, "
        "CASE WHEN f.status = 'done' THEN 'follow-up done' ELSE 'follow-up due' END, f.note, "
        "CASE WHEN f.status <> 'done' AND f.due_time IS NULL THEN f.due_date END "
        "FROM followup f WHERE f.deal_id = ?) t ORDER BY at DESC LIMIT ?",
        (deal_id, deal_id, limit),
    )
    return cast("list[DealEvent]", rows)  # the store's dicts, of that shape


# With details=True a listed deal carries what `deal show` does (lead source, lost reason,
# dates, owner): `deal list --json` is how a script reads them, and an import stores them.
_DETAILS = "d.lost_reason, d.contract_end, d.lead_source, d.closed_at, d.owner, d.created_at, "
_DETAILS += "d.updated_at, d.external_ids, d.custom_fields"
_LIST_SELECT = DEAL_SELECT.replace(" FROM deal d ", f", {_DETAILS} FROM deal d ", 1)
assert _LIST_SELECT != DEAL_SELECT, "attention.DEAL_SELECT no longer reads FROM deal d"


def list_deals(
    store: Store,
    now: datetime,
    *,
    stage_id: int | None = None,
    status: str | None = "open",
    stale: bool = False,
    closing_before: date | None = None,
    limit: int | None = None,
    owner: str | None = None,
    details: bool = False,
    pipeline_id: int | None = None,
    where: tuple[str, list[Any]] | None = None,
) -> list[Deal]:
    """Deals matching the filters, in pipeline order, oldest in stage first; with `details`,
    each a whole `DealDetail` (the board and the full-screen views need only the list row).
    `where` is a compiled `--where` fragment on `d` (`crmcli.core.query`), ANDed."""
    from crmcli.core.db import owners

    mine, params = owners.clause(store, owner, "d")
    clauses: list[str] = [mine] if mine else []
    if status:
        if status not in ("open", "won", "lost"):
            raise Invalid(f"unknown status {status!r} (open, won or lost)")
        clauses.append("d.status = ?")
        params.append(status)
    if stage_id is not None:
        clauses.append("d.stage_id = ?")
        params.append(stage_id)
    if pipeline_id is not None:
        clauses.append("s.pipeline_id = ?")
        params.append(pipeline_id)
    if stale:
        sql, extra = stale_condition(store, now)
        clauses.append(f"d.status = 'open' AND {sql}")
        params += extra
    if closing_before is not None:
        clauses.append("d.expected_close IS NOT NULL AND d.expected_close < ?")
        params.append(closing_before.isoformat())
    if where is not None:
        clauses.append(f"({where[0]})")
        params += where[1]
    sql = _LIST_SELECT if details else DEAL_SELECT
    sql += f" WHERE {' AND '.join(clauses)}" if clauses else ""
    sql += " ORDER BY s.pipeline_id, s.position, d.stage_entered_at, d.id"
    if limit:
        sql += f" LIMIT {int(limit)}"
    rows = store.rows(sql, params)
    if details:  # the JSON columns, parsed as `get` gives them
        for row in rows:
            for key in ("external_ids", "custom_fields"):
                row[key] = json.loads(row[key]) if row[key] else None
    return [annotate(r, now) for r in rows]
