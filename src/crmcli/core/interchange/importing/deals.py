"""Importing deals: stages checked up front, then each row written with its contact and company.

Contacts and companies a row names are matched (by email, then exact name) or
created through the contact importer's writer, in the same one transaction.

A deal is the same as one already there when its external id says so (Salesforce
Id, Pipedrive "Deal - ID"...), or, without one, when title, company, amount and close
date all agree: two opportunities named "Renewal" for one account are two deals.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import Any

from crmcli.core.db.store import Store, Tx
from crmcli.core.errors import Invalid
from crmcli.core.interchange.importing.options import (
    REJECTS_KEPT,
    DryRun,
    ImportOptions,
    ImportSummary,
)
from crmcli.core.interchange.importing.prepare import prepare
from crmcli.core.interchange.importing.writer import ContactWriter
from crmcli.core.interchange.records import ContactRecord, Reject
from crmcli.core.people.matching import Candidate
from crmcli.core.values import emails as email_mod
from crmcli.core.values.money import MAX_DEAL_MINOR
from crmcli.core.values.text import collapse, fold, name_key

_TICK = 100  # rows between two progress calls: often enough to look live, cheap to skip


@dataclass
class DealSummary:
    created: int = 0
    updated: int = 0
    unchanged: int = 0
    rejected: int = 0
    contacts_created: int = 0
    companies_created: int = 0
    source: str = "spreadsheet"
    # currency -> {"deals": n, "amount_minor": total}, over every deal the file holds
    currencies: dict[str, dict[str, int]] = field(default_factory=dict)
    without_amount: int = 0
    # (line, what could not be read and was kept as a custom field instead)
    issues: list[tuple[int, str]] = field(default_factory=list)
    rejects: list[tuple[int, str]] = field(default_factory=list)  # (line, reason): the first ones

    def as_dict(self) -> dict[str, Any]:
        """Every count; the rejected rows are listed apart (`rejected_rows`)."""
        return {k: v for k, v in self.__dict__.items() if k != "rejects"}

    def rejected_rows(self) -> list[dict[str, Any]]:
        """The first rejected rows, as `crm import contacts --json` lists them."""
        return [{"line": line, "reason": why} for line, why in self.rejects]

    def reject(self, line: int, reason: str) -> None:
        self.rejected += 1
        if len(self.rejects) < REJECTS_KEPT:
            self.rejects.append((line, reason))

    def count(self, minor: int | None, currency: str | None) -> None:
        if minor is None or currency is None:
            self.without_amount += 1
            return
        entry = self.currencies.setdefault(currency, {"deals": 0, "amount_minor": 0})
        entry["deals"] += 1
        entry["amount_minor"] += minor

    def currency_line(self) -> str:
        """ "12 deals: 8 EUR 45,000.00 · 3 JPY 1,200,000 · 1 GBP 900.00": the money the
        file holds, per currency, so a file read in the wrong currency shows at once."""
        from crmcli.core.values.money import exponent, number_style

        group, mark = number_style()
        parts = []
        for code, entry in sorted(self.currencies.items(), key=lambda kv: -kv[1]["deals"]):
            exp = exponent(code)
            whole, frac = divmod(entry["amount_minor"], 10**exp)
            text = f"{whole:,}".replace(",", group) + (f"{mark}{frac:0{exp}d}" if exp else "")
            parts.append(f"{entry['deals']} {code} {text}")
        if self.without_amount:
            parts.append(f"{self.without_amount} without an amount")
        total = sum(e["deals"] for e in self.currencies.values()) + self.without_amount
        return f"{total} deal{'' if total == 1 else 's'}: " + " · ".join(parts)


def parse_stage_map(pairs: list[str]) -> dict[str, str]:
    out: dict[str, str] = {}
    for pair in pairs:
        old, sep, new = pair.partition("=")
        if not sep or not old.strip() or not new.strip():
            raise Invalid(f'--map-stage takes "Old=New", not {pair!r}')
        out[fold(old)] = new.strip()
    return out


class _Stages:
    """A file's stage name -> a pipeline stage: --map-stage, the very name, the vendors'
    default stages (vendors/deal_stages.py), a unique prefix; None when unknown."""

    def __init__(self, store: Store, stage_map: dict[str, str]) -> None:
        self.store = store
        self.map = stage_map
        # Imported deals go to the first pipeline (several may share stage names).
        self.rows = store.rows(
            "SELECT * FROM stage WHERE pipeline_id = (SELECT min(id) FROM pipeline) "
            "ORDER BY position, id"
        )
        self.by_name = {fold(r["name"]): r for r in self.rows}
        self.first_open = next(r for r in self.rows if r["kind"] == "open")

    def first(self, kind: str) -> dict[str, Any]:
        return next(r for r in self.rows if r["kind"] == kind)

    def find(self, name: str) -> dict[str, Any] | None:
        from crmcli.core.interchange.vendors.deal_stages import known
        from crmcli.core.pipeline.stages import resolve

        wanted = self.map.get(fold(name), name)
        if not wanted.strip():
            return self.first_open
        if (stage := self.by_name.get(fold(wanted))) is not None:
            return stage
        if wanted == name and (vendor := known(name)) is not None:
            target, kind = vendor
            stage = self.by_name.get(fold(target))
            if stage is not None and stage["kind"] == kind:
                return stage
            if kind != "open":
                return self.first(kind)
        try:
            return resolve(self.store, wanted, int(self.rows[0]["pipeline_id"]))
        except Invalid:
            return None

    def unknown(self, names: set[str]) -> str:
        """Why an import stops: the names it cannot place, the stages it can use (the first
        pipeline's, once each), and where another pipeline has one of those names."""
        pipeline_id = int(self.rows[0]["pipeline_id"])
        first = self.store.value("SELECT name FROM pipeline WHERE id = ?", (pipeline_id,))
        others = self.store.tuples(
            "SELECT p.name, s.name FROM stage s JOIN pipeline p ON p.id = s.pipeline_id "
            "WHERE s.pipeline_id <> ? ORDER BY p.id, s.position",
            (pipeline_id,),
        )
        elsewhere = []
        for name in sorted(names):
            key = fold(self.map.get(fold(name), name))
            found = [str(p) for p, s in others if key and fold(str(s)) == key]
            if found:
                elsewhere.append(f"{name} is in pipeline {', '.join(dict.fromkeys(found))}")
        hint = f"; {'; '.join(elsewhere)}: imported deals go to {first}" if elsewhere else ""
        return (
            f"unknown stage(s) {', '.join(sorted(names))}: map them with "
            f'--map-stage "Old=New" (stages: {", ".join(r["name"] for r in self.rows)}){hint}'
        )


_MAX_MINOR = MAX_DEAL_MINOR  # see core/values/money.py


def import_deals(
    store: Store,
    records: Iterable[Any],
    options: ImportOptions,
    *,
    stage_map: dict[str, str],
    on_reject: Callable[[Reject], None],
    source: str | None = None,
    progress: Callable[[int, int | None], None] | None = None,
) -> DealSummary:
    """Import deal rows atomically; contacts and companies they name are matched or created.

    Every stage name must be known (or mapped with --map-stage) before anything is
    written: an unknown one stops the import with the list of stages. A row the file
    says is won or lost (Status, IsWon/IsClosed) needs no known stage: it goes to the
    pipeline's won or lost stage and keeps its own stage name as a custom field.

    `source` names the tool that wrote the file (its header says so: a file with no rows
    has no record to tell). `progress(rows, total)` is called as the file is read and
    checked (total None), then as the rows are written (total: how many).
    """
    summary = DealSummary(source=source or "spreadsheet")
    default_currency = str(store.config.get("currency"))
    stages = _Stages(store, stage_map)
    rows: list[dict[str, Any]] = []
    unknown: set[str] = set()
    for seen, item in enumerate(records, 1):
        if progress and seen % _TICK == 0:
            progress(seen, None)
        if isinstance(item, Reject):
            _reject(item, summary, options, on_reject)
            continue
        summary.source = getattr(item, "source", summary.source)
        try:
            row = _row(item, stages, default_currency)
        except (Invalid, ValueError) as exc:
            reason = exc.message if isinstance(exc, Invalid) else str(exc)
            _reject(Reject(item.line, reason), summary, options, on_reject)
            continue
        if row is None:
            unknown.add((item.stage or "").strip())
            continue
        rows.append(row)
        summary.issues += [(item.line, issue) for issue in getattr(item, "issues", [])]
    if unknown:
        raise Invalid(stages.unknown(unknown))
    if not options.dry_run and (
        store.value("SELECT id FROM deal LIMIT 1") is not None
        or store.value("SELECT id FROM contact LIMIT 1") is not None
    ):  # as a contacts import does: a way back from a wrong file, taken before writing
        from crmcli.core.db.backup import auto_backup

        auto_backup(store, "pre-import")
    try:
        with store.write(options.label, rules=False) as tx:  # imports fire no rules
            writer = ContactWriter(tx, options, ImportSummary())
            known = _external_ids(tx)
            for done, row in enumerate(rows):
                if progress and done % _TICK == 0:
                    progress(done, len(rows))
                summary.count(row["amount_minor"], row["currency"])
                _write_deal(tx, writer, row, summary, known)
            if progress:
                progress(len(rows), len(rows))
            summary.companies_created = writer.summary.companies_created
            if options.dry_run:
                raise DryRun
    except DryRun:
        pass
    return summary


def _reject(
    item: Reject, summary: DealSummary, options: ImportOptions, on_reject: Callable[[Reject], None]
) -> None:
    summary.reject(item.line, item.reason)
    if options.strict:
        raise Invalid(f"line {item.line}: {item.reason} (--strict: nothing imported)")
    on_reject(item)


def _row(item: Any, stages: _Stages, default_currency: str) -> dict[str, Any] | None:
    """The values to write for one record, or None when its stage is unknown. Raises
    Invalid for an amount, currency or date that cannot be read."""
    from datetime import date as date_type

    from crmcli.core.values.money import check_currency, parse_amount

    status = (item.status or "").strip().lower() or None
    custom = dict(item.custom)
    stage = stages.find(item.stage or "")
    if stage is None:
        if status not in ("won", "lost"):
            return None
        custom.setdefault("stage", item.stage.strip())
        stage = stages.first(status)
    if status in ("won", "lost") and stage["kind"] == "open":
        stage = stages.first(status)
    currency = check_currency(item.currency) if item.currency else None
    minor = None
    if item.amount and item.amount.strip():
        text = item.amount
        if currency and any(ch in text for ch in "$¥"):  # CAD "$", CNY "¥": the column says
            text = text.replace("$", "").replace("¥", "")
        minor, found = parse_amount(text, currency or default_currency)
        if currency and found and found != currency:
            raise Invalid(f"amount {item.amount!r} is in {found} but the currency is {currency}")
        currency = currency or found or default_currency
        if minor > _MAX_MINOR:  # refused here, its row only (a typo, or another column)
            raise Invalid(f"amount {item.amount!r} is too large for a deal")
    if item.expected_close:
        date_type.fromisoformat(item.expected_close)
    return {
        "item": item,
        "stage": stage,
        "amount_minor": minor,
        "currency": currency if minor is not None else None,
        "custom": custom,
    }


def _external_ids(tx: Tx) -> dict[tuple[str, str], int]:
    """(system, id) -> deal id, for every deal that carries one."""
    out: dict[tuple[str, str], int] = {}
    for deal_id, text in tx.store.tuples(
        "SELECT id, external_ids FROM deal WHERE external_ids IS NOT NULL"
    ):
        for system, ext in (json.loads(text) or {}).items():
            out[(str(system), str(ext))] = int(deal_id)
    return out


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


def _same_deal(
    tx: Tx, row: dict[str, Any], title: str, party: tuple[str, int | None], ext: dict[str, str]
) -> dict[str, Any] | None:
    """A deal with this title, company (or contact, without one), amount and close date,
    whose external ids do not say it is another one."""
    where = ["lower(title) = lower(?)"]
    params: list[Any] = [title]
    for column, value in (
        party,
        ("amount_minor", row["amount_minor"]),
        ("currency", row["currency"]),
        ("expected_close", row["item"].expected_close),
    ):
        where.append(f"{column} IS NULL" if value is None else f"{column} = ?")
        params += [] if value is None else [value]
    for found in tx.store.rows(f"SELECT * FROM deal WHERE {' AND '.join(where)}", params):
        theirs = json.loads(found["external_ids"] or "{}")
        if all(theirs.get(system, ext_id) == ext_id for system, ext_id in ext.items()):
            return found
    return None


def _complete(
    tx: Tx,
    existing: dict[str, Any],
    new: dict[str, Any],
    ext: dict[str, str],
    custom: dict[str, str],
    contact_id: int | None,
) -> bool:
    """Fill the blanks of a deal met again (ids and custom fields it lacks included);
    what it holds is never overwritten. True when something changed."""
    values = {k: v for k, v in new.items() if v is not None and existing[k] is None}
    for column, incoming in (("external_ids", ext), ("custom_fields", custom)):
        held = json.loads(existing[column] or "{}")
        merged = {**incoming, **held}
        if merged != held:
            values[column] = json.dumps(merged, ensure_ascii=False)
    if values:
        tx.update("deal", int(existing["id"]), values, contact_id=contact_id)
    return bool(values)


def _write_deal(
    tx: Tx,
    writer: ContactWriter,
    row: dict[str, Any],
    summary: DealSummary,
    known: dict[tuple[str, str], int],
) -> None:
    item = row["item"]
    stage = row["stage"]
    contact_id = _deal_contact(tx, writer, item, summary)
    company_id = writer.company(collapse(item.company)) if item.company else None
    if company_id is None and contact_id is not None:
        company_id = tx.store.value("SELECT company_id FROM contact WHERE id = ?", (contact_id,))
    title = collapse(item.title or "")
    ext: dict[str, str] = dict(getattr(item, "external_ids", {}))
    existing = next(
        (tx.get("deal", known[(s, e)]) for s, e in ext.items() if (s, e) in known), None
    )
    if existing is None:
        party = ("company_id", company_id) if company_id is not None else ("contact_id", contact_id)
        existing = _same_deal(tx, row, title, party, ext)
    next_step = (item.next_step or "").strip() or None
    probability = getattr(item, "probability", None)
    lead_source = (getattr(item, "lead_source", None) or "").strip() or None
    if existing is not None:  # the same deal again: complete it, never overwrite
        new = {
            "amount_minor": row["amount_minor"],
            "currency": row["currency"],
            "expected_close": item.expected_close,
            "next_step": next_step,
            "probability": probability,
            "lead_source": lead_source,
        }
        if _complete(tx, existing, new, ext, row["custom"], contact_id):
            summary.updated += 1
        else:
            summary.unchanged += 1
        for s, e in ext.items():
            known[(s, e)] = int(existing["id"])
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
            "probability": probability,
            "expected_close": item.expected_close,
            "next_step": next_step,
            "status": stage["kind"],
            "lost_reason": (item.lost_reason or "").strip() or None,
            "lead_source": lead_source,
            "stage_entered_at": tx.stamp,
            "closed_at": tx.stamp if closed else None,
            "external_ids": json.dumps(ext, ensure_ascii=False) if ext else None,
            "custom_fields": json.dumps(row["custom"], ensure_ascii=False)
            if row["custom"]
            else None,
        },
        contact_id=contact_id,
    )
    for s, e in ext.items():
        known[(s, e)] = deal_id
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
