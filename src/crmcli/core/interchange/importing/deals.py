"""Importing deals: stages checked up front, then each row written with its contact and company.

Contacts and companies a row names are matched (by email, then exact name) or
created through the contact importer's writer, in the same one transaction.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any

from crmcli.core.db.store import Store, Tx
from crmcli.core.errors import Invalid
from crmcli.core.interchange.importing.options import DryRun, ImportOptions, ImportSummary
from crmcli.core.interchange.importing.prepare import prepare
from crmcli.core.interchange.importing.writer import ContactWriter
from crmcli.core.interchange.records import ContactRecord, Reject
from crmcli.core.people.matching import Candidate
from crmcli.core.values import emails as email_mod
from crmcli.core.values.text import collapse, fold, name_key


@dataclass
class DealSummary:
    created: int = 0
    updated: int = 0
    unchanged: int = 0
    rejected: int = 0
    contacts_created: int = 0
    companies_created: int = 0

    def as_dict(self) -> dict[str, Any]:
        return dict(self.__dict__)


def parse_stage_map(pairs: list[str]) -> dict[str, str]:
    out: dict[str, str] = {}
    for pair in pairs:
        old, sep, new = pair.partition("=")
        if not sep or not old.strip() or not new.strip():
            raise Invalid(f'--map-stage takes "Old=New", not {pair!r}')
        out[fold(old)] = new.strip()
    return out


def import_deals(
    store: Store,
    records: Iterable[Any],
    options: ImportOptions,
    *,
    stage_map: dict[str, str],
    on_reject: Callable[[Reject], None],
) -> DealSummary:
    """Import deal rows atomically; contacts and companies they name are matched or created.

    Every stage name must be known (or mapped with --map-stage) before anything is
    written: an unknown one stops the import with the list of stages.
    """
    from datetime import date as date_type

    from crmcli.core.pipeline.stages import names as stage_names
    from crmcli.core.pipeline.stages import resolve as resolve_stage
    from crmcli.core.values.money import check_currency, parse_amount

    summary = DealSummary()
    default_currency = str(store.config.get("currency"))
    stages = {fold(r["name"]): r for r in store.rows("SELECT * FROM stage")}
    first_open = min(
        (r for r in stages.values() if r["kind"] == "open"), key=lambda r: r["position"]
    )
    rows: list[dict[str, Any]] = []
    unknown: set[str] = set()
    for item in records:
        if isinstance(item, Reject):
            summary.rejected += 1
            if options.strict:
                raise Invalid(f"line {item.line}: {item.reason} (--strict: nothing imported)")
            on_reject(item)
            continue
        try:
            stage_name = stage_map.get(fold(item.stage or ""), item.stage or "")
            if stage_name.strip():
                stage = stages.get(fold(stage_name))
                if stage is None:
                    try:
                        stage = resolve_stage(store, stage_name)
                    except Invalid:
                        unknown.add(stage_name.strip())
                        continue
            else:
                stage = first_open
            status = (item.status or "").strip().lower() or None
            if status in ("won", "lost") and stage["kind"] == "open":
                stage = next(r for r in stages.values() if r["kind"] == status)
            currency = check_currency(item.currency) if item.currency else None
            minor = None
            if item.amount and item.amount.strip():
                minor, symbol = parse_amount(item.amount, currency or default_currency)
                currency = currency or symbol
            if item.expected_close:
                date_type.fromisoformat(item.expected_close)
        except (Invalid, ValueError) as exc:
            reason = exc.message if isinstance(exc, Invalid) else str(exc)
            reject = Reject(item.line, reason)
            summary.rejected += 1
            if options.strict:
                raise Invalid(f"line {item.line}: {reason} (--strict: nothing imported)") from exc
            on_reject(reject)
            continue
        rows.append(
            {
                "item": item,
                "stage": stage,
                "amount_minor": minor,
                "currency": currency or (default_currency if minor is not None else None),
            }
        )
    if unknown:
        raise Invalid(
            f"unknown stage(s) {', '.join(sorted(unknown))}: map them with "
            f'--map-stage "Old=New" (stages: {stage_names(store)})'
        )
    try:
        with store.write(options.label) as tx:
            writer = ContactWriter(tx, options, ImportSummary())
            for row in rows:
                _write_deal(tx, writer, row, summary)
            summary.companies_created = writer.summary.companies_created
            if options.dry_run:
                raise DryRun
    except DryRun:
        pass
    return summary


def _deal_contact(tx: Tx, writer: ContactWriter, item: Any, summary: DealSummary) -> int | None:
    """The contact a deal row names: by email, then by exact name, else a new one."""
    name = collapse(item.contact_name or "")
    email = (item.contact_email or "").strip()
    if not (name or email):
        return None
    candidate = Candidate(name_key(name), (email_mod.normalise(email),) if email else (), (), ())
    match = writer.matcher.find(candidate)
    if match:
        return match.contact_id
    if name:
        same = tx.store.tuples(
            "SELECT id FROM contact WHERE name_key = ? LIMIT 2", (name_key(name),)
        )
        if len(same) == 1:
            return int(same[0][0])
    record = ContactRecord(
        line=item.line,
        full_name=name or None,
        emails=[(email, None)] if email else [],
        company=item.company,
    )
    region = str(tx.store.config.get("default_region"))
    contact_id = writer.create(prepare(record, region, summary.contacts_created))
    summary.contacts_created += 1
    writer.flush()  # the deal row refers to it
    return contact_id


def _write_deal(tx: Tx, writer: ContactWriter, row: dict[str, Any], summary: DealSummary) -> None:
    item = row["item"]
    stage = row["stage"]
    contact_id = _deal_contact(tx, writer, item, summary)
    company_id = writer.company(collapse(item.company)) if item.company else None
    if company_id is None and contact_id is not None:
        company_id = tx.store.value("SELECT company_id FROM contact WHERE id = ?", (contact_id,))
    title = collapse(item.title or "")
    # The same title for the same contact and company (either may be none).
    where: list[str] = ["lower(title) = lower(?)"]
    params: list[Any] = [title]
    for column, value in (("contact_id", contact_id), ("company_id", company_id)):
        where.append(f"{column} IS NULL" if value is None else f"{column} = ?")
        params += [] if value is None else [value]
    existing = tx.store.row(
        "SELECT id, amount_minor, currency, expected_close, next_step FROM deal "
        f"WHERE {' AND '.join(where)} LIMIT 1",
        params,
    )
    if existing is not None:  # the same deal again: complete it, never overwrite
        values = {}
        for column, new in (
            ("amount_minor", row["amount_minor"]),
            ("currency", row["currency"]),
            ("expected_close", item.expected_close),
            ("next_step", (item.next_step or "").strip() or None),
        ):
            if new is not None and existing[column] is None:
                values[column] = new
        if values:
            tx.update("deal", int(existing["id"]), values, contact_id=contact_id)
            summary.updated += 1
        else:
            summary.unchanged += 1
        return
    closed = stage["kind"] != "open"
    deal_id = tx.insert(
        "deal",
        {
            "title": title,
            "contact_id": contact_id,
            "company_id": company_id,
            "amount_minor": row["amount_minor"],
            "currency": row["currency"],
            "stage_id": stage["id"],
            "expected_close": item.expected_close,
            "next_step": (item.next_step or "").strip() or None,
            "status": stage["kind"],
            "lost_reason": (item.lost_reason or "").strip() or None,
            "stage_entered_at": tx.stamp,
            "closed_at": tx.stamp if closed else None,
        },
        contact_id=contact_id,
    )
    tx.insert(
        "deal_stage_change",
        {
            "deal_id": deal_id,
            "from_stage_id": None,
            "to_stage_id": stage["id"],
            "at": tx.stamp,
            "owner": tx.owner,
        },
        contact_id=contact_id,
    )
    summary.created += 1
