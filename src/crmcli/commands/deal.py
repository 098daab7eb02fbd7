"""`crm deal ...`: deals through the pipeline, from first contact to won or lost.

`move` is declared here; its body is `commands/hot/deal_move.py`, which the fast path
runs too.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from datetime import date
from typing import TYPE_CHECKING, Annotated, Any, cast

import typer

from crmcli.commands import _complete
from crmcli.commands._deal_render import money, public, report
from crmcli.commands._options import FormatOpt, JsonFlag, LimitOpt, OwnerOpt
from crmcli.commands._output import (
    LIST_FORMATS,
    Column,
    OutputFormat,
    message,
    render,
    render_record,
    resolve,
)
from crmcli.commands._state import AppState, state
from crmcli.commands._where import DealView, DealWhere
from crmcli.commands.hot import deal_move as body
from crmcli.core.clock import local_time

if TYPE_CHECKING:
    from crmcli.core.db.store import Store
    from crmcli.core.pipeline.deals import DealFields
    from crmcli.core.pipeline.rows import Deal, DealEvent, StageChange

app = typer.Typer(
    name="deal", no_args_is_help=True, help="Add, edit, move, win, lose and list deals."
)

IfVersion = Annotated[
    int | None,
    typer.Option(
        "--if-version",
        help="Only if the deal is still at this version (as `deal show --json` gave it): "
        "refuse, and show it, when someone changed it since.",
        show_default=False,
    ),
]
DealRef = Annotated[
    str,
    typer.Argument(
        help="Deal id, exact title or unique title prefix.",
        show_default=False,
        autocompletion=_complete.deals,
    ),
]
Contact = Annotated[
    str | None,
    typer.Option("--contact", "-c", help="Contact REF.", autocompletion=_complete.contacts),
]
Company = Annotated[str | None, typer.Option("--company", help="Company REF.")]
Amount = Annotated[
    str | None, typer.Option("--amount", "-a", help="12000, 12k, 12,000 or 12 000,50.")
]
Currency = Annotated[str | None, typer.Option("--currency", help="ISO 4217 code (EUR, USD...).")]
PipelineOpt = Annotated[
    str | None,
    typer.Option(
        "--pipeline", help="Pipeline name or id (default: the first).", show_default=False
    ),
]
Close = Annotated[
    str | None, typer.Option("--close", help="Expected close: eom, jan 15, 2026-12-31...")
]
Next = Annotated[str | None, typer.Option("--next", help="The next step.")]
Probability = Annotated[
    int | None, typer.Option("--probability", "-p", help="Override the stage's win %, 0-100.")
]
ContractEnd = Annotated[
    str | None, typer.Option("--contract-end", help="When the contract ends (renewals).")
]


def _date(app_state: AppState, text: str | None) -> date | None:
    if text is None:
        return None
    from crmcli.commands import _dates

    return _dates.parse(app_state, text, "future").date


def _fields(app_state: AppState, store: Store, **kw: Any) -> DealFields:
    from crmcli.core.people import companies
    from crmcli.core.pipeline.deals import DealFields
    from crmcli.core.search.refs import resolve_contact

    contact = kw.pop("contact", None)
    company = kw.pop("company", None)
    return DealFields(
        contact_id=resolve_contact(store, contact) if contact else None,
        company_id=companies.resolve(store, company) if company else None,
        close=_date(app_state, kw.pop("close", None)),
        contract_end=_date(app_state, kw.pop("contract_end", None)),
        **kw,
    )


def _flags(row: Deal) -> str:
    marks = []
    if row.get("stale"):
        marks.append("STALE")
    if row.get("no_next_step"):
        marks.append("NO NEXT STEP")
    return ", ".join(marks)


def _ids(deal: Mapping[str, Any]) -> list[tuple[str, Any]]:
    return sorted((deal.get("external_ids") or {}).items())


def _customs(deal: Mapping[str, Any]) -> list[tuple[str, Any]]:
    return list((deal.get("custom_fields") or {}).items())


def _cell(value: Any) -> str:
    return value if isinstance(value, str) else json.dumps(value, ensure_ascii=False)


@app.command("add")
def add(
    ctx: typer.Context,
    title: Annotated[str, typer.Argument(help="What is being sold.", show_default=False)],
    contact: Contact = None,
    company: Company = None,
    amount: Amount = None,
    currency: Currency = None,
    stage: Annotated[
        str | None, typer.Option("--stage", "-s", help="Starting stage (default: the first).")
    ] = None,
    close: Close = None,
    next_step: Next = None,
    probability: Probability = None,
    source: Annotated[str | None, typer.Option("--source", help="Lead source.")] = None,
    pipeline: PipelineOpt = None,
    as_json: JsonFlag = False,
) -> None:
    """Add a deal for a contact (and their company) in an open stage of a pipeline."""
    from crmcli.core.pipeline import deals

    app_state = state(ctx)
    store = app_state.store(write=True)
    fields = _fields(
        app_state,
        store,
        contact=contact,
        company=company,
        title=title,
        amount=amount,
        currency=currency,
        stage=stage,
        close=close,
        next_step=next_step,
        probability=probability,
        source=source,
        pipeline=pipeline,
    )
    report(deals.add(store, fields), "added", [], as_json)


@app.command("edit")
def edit(
    ctx: typer.Context,
    ref: Annotated[
        str | None,
        typer.Argument(
            help="Deal id, exact title or unique title prefix (or --where/--view for many).",
            show_default=False,
            autocompletion=_complete.deals,
        ),
    ] = None,
    title: Annotated[str | None, typer.Option("--title", help="New title.")] = None,
    contact: Contact = None,
    company: Company = None,
    amount: Amount = None,
    currency: Currency = None,
    close: Close = None,
    next_step: Next = None,
    probability: Probability = None,
    contract_end: ContractEnd = None,
    no_probability: Annotated[
        bool, typer.Option("--no-probability", help="Use the stage's probability again.")
    ] = False,
    if_version: IfVersion = None,
    as_json: JsonFlag = False,
    where: _deal_bulk.DealWhere = None,
    view: _deal_bulk.DealView = None,
    set_: _deal_bulk.Sets = None,
    yes: _deal_bulk.YesFlag = False,
    dry_run: _deal_bulk.DryRunFlag = False,
) -> None:
    """Change a deal's details (its stage changes with `crm deal move`).

    With --where/--view instead of REF, change every matching open deal: --set
    stage=|owner=|close=|next=; shows the diff per deal and asks (--yes, --dry-run);
    one undo batch.
    """
    from crmcli.core.pipeline import deals

    if _deal_bulk.edited_many(ctx, ref, where, view, set_, yes, dry_run):
        return  # the bulk form: --where/--view instead of REF
    app_state = state(ctx)
    store = app_state.store(write=True)
    deal_id = deals.resolve_deal(store, ref or "")  # a REF: bulk_form said so
    fields = _fields(
        app_state,
        store,
        contact=contact,
        company=company,
        title=title,
        amount=amount,
        currency=currency,
        close=close,
        next_step=next_step,
        probability=probability,
        contract_end=contract_end,
        clear_probability=no_probability,
    )
    deal, notes = deals.edit(store, deal_id, fields, expect_version=if_version)
    report(deal, "updated", notes, as_json)


@app.command("move")
def move(
    ctx: typer.Context,
    ref: DealRef,
    stage: Annotated[
        str,
        typer.Argument(help="Target stage.", show_default=False, autocompletion=_complete.stages),
    ],
    reason: Annotated[
        str | None,
        typer.Option(
            "--reason", help="Why it moved, kept in its stage history (required for Lost)."
        ),
    ] = None,
    if_version: IfVersion = None,
    pipeline: Annotated[
        str | None,
        typer.Option(
            "--pipeline",
            help="Move it to a stage of this pipeline (default: the deal's own).",
            show_default=False,
        ),
    ] = None,
    as_json: JsonFlag = False,
) -> int:
    """Move a deal to another stage of its pipeline (or of --pipeline); a won or lost stage
    closes it."""
    return body.move(
        state(ctx),
        ref=ref,
        stage=stage,
        reason=reason,
        if_version=if_version,
        pipeline=pipeline,
        as_json=as_json,
    )


@app.command("won")
def won(
    ctx: typer.Context, ref: DealRef, contract_end: ContractEnd = None, as_json: JsonFlag = False
) -> None:
    """Close a deal as won (with --contract-end, a renewal follow-up is planned)."""
    from crmcli.core.pipeline import deals

    app_state = state(ctx)
    end = _date(app_state, contract_end)
    store = app_state.store(write=True)
    deal, notes = deals.won(store, deals.resolve_deal(store, ref), contract_end=end)
    report(deal, "won", notes, as_json)


@app.command("lost")
def lost(
    ctx: typer.Context,
    ref: DealRef,
    reason: Annotated[str, typer.Option("--reason", "-r", help="Why it was lost.")],
    as_json: JsonFlag = False,
) -> None:
    """Close a deal as lost, with the reason."""
    from crmcli.core.pipeline import deals

    store = state(ctx).store(write=True)
    deal, notes = deals.lost(store, deals.resolve_deal(store, ref), reason)
    report(deal, "lost", notes, as_json)


@app.command("assign")
def assign(
    ctx: typer.Context,
    ref: DealRef,
    user: Annotated[str, typer.Argument(help="The rep who owns it from now on.")],
    as_json: JsonFlag = False,
) -> None:
    """Hand a deal to another rep (team mode): they own it, it leaves your lists."""
    from crmcli.core.pipeline import deals

    store = state(ctx).store(write=True)
    deal = deals.assign(store, deals.resolve_deal(store, ref), user)
    if as_json:
        render_record(public(deal), OutputFormat.json, [])
        return
    print(f"deal #{deal['id']} {deal['title']} now belongs to {deal['owner']}")


@app.command("reopen")
def reopen(
    ctx: typer.Context,
    ref: DealRef,
    stage: Annotated[
        str | None, typer.Option("--stage", "-s", help="Open stage to reopen into.")
    ] = None,
    as_json: JsonFlag = False,
) -> None:
    """Reopen a won or lost deal, in the stage it left (or --stage)."""
    from crmcli.core.pipeline import deals

    store = state(ctx).store(write=True)
    deal = deals.reopen(store, deals.resolve_deal(store, ref), stage)
    report(deal, "reopened", [], as_json)


@app.command("show")
def show(ctx: typer.Context, ref: DealRef, as_json: JsonFlag = False) -> None:
    """A deal with its stage history and timeline."""
    from crmcli.commands._contact_show import RuleMarks
    from crmcli.commands._words import plural
    from crmcli.core.pipeline import deals, pipelines
    from crmcli.core.rules.effects import of_deal

    store = state(ctx).store()
    deal = deals.get(store, deals.resolve_deal(store, ref))
    history = deals.history(store, int(deal["id"]))
    events = deals.timeline(store, int(deal["id"]))
    in_pipeline = pipelines.of_deal(store, int(deal["id"]))
    by_rules = of_deal(store, int(deal["id"]))  # what rules did to it: one query
    if as_json:
        record = {**public(deal), "pipeline": in_pipeline, "history": history}
        render_record({**record, "timeline": events, "by_rules": by_rules}, OutputFormat.json, [])
        return
    marks = RuleMarks(by_rules)
    if marks:  # "added by rule 'X'" beside what a rule did
        history = [cast("StageChange", marks.marked_move(h)) for h in history]
        events = [cast("DealEvent", marks.marked_event(e)) for e in events]
    prob = deals.effective_probability(deal)
    render_record(
        deal,
        OutputFormat.table,
        [
            ("Deal", f"{deal['title']}  #{deal['id']}"),
            ("Contact", deal["contact"]),
            ("Company", deal["company"]),
            ("Amount", money(deal)),
            ("Pipeline", in_pipeline if pipelines.several(store) else None),
            (
                "Stage",
                f"{deal['stage']} ({deal['status']}), {plural(deal['days_in_stage'], 'day')}"
                + (f" (target {deal['target_days']})" if deal["target_days"] else ""),
            ),
            ("Win %", f"{prob}%" + (" (deal's own)" if deal["probability"] is not None else "")),
            ("Close", deal["expected_close"]),
            ("Next step", deal["next_step"]),
            ("Flags", _flags(deal)),
            ("Lost reason", deal["lost_reason"]),
            ("Contract end", deal["contract_end"]),
            ("Source", deal["lead_source"]),
            *[(f"Id in {system}", value) for system, value in _ids(deal)],
            *[(str(name), _cell(value)) for name, value in _customs(deal)],
            ("Created", local_time(deal["created_at"])),
        ],
    )
    print()
    render(
        history,
        OutputFormat.table,
        [
            Column("at", "WHEN", fmt=local_time),
            Column("from_stage", "FROM"),
            Column("to_stage", "TO"),
            *([Column("reason", "WHY", max_width=60)] if any(h["reason"] for h in history) else []),
        ],
    )
    if events:
        print()
        render(
            [{**e, "when": _when(e)} for e in events],
            OutputFormat.table,
            [
                Column("when", "WHEN"),
                Column("what", "WHAT"),
                Column("text", "DETAIL", max_width=60),
            ],
        )


def _when(event: Mapping[str, Any]) -> str:
    """A timeline row's time; an open all-day follow-up shows its day and "all day"."""
    if event.get("day"):
        return f"{event['day']} all day"
    return local_time(event["at"])


LIST_COLUMNS = [
    Column("id", "ID"),
    Column("title", "DEAL", max_width=30),
    Column("contact", "CONTACT", max_width=22),
    Column("stage", "STAGE"),
    Column("amount", "AMOUNT"),
    Column("days_in_stage", "DAYS"),
    Column("expected_close", "CLOSE"),
    Column("next_step", "NEXT STEP", max_width=28),
    Column("flags", "FLAGS"),
]
# CSV: the amount a spreadsheet can sum (1500.00, JPY 1500) and its currency in a column
# of its own, not the display string ("1,500 EUR").
CSV_COLUMNS = [
    *LIST_COLUMNS[:4],
    Column("amount", "AMOUNT", kind="number"),
    Column("currency", "CURRENCY"),
    *LIST_COLUMNS[5:],
]


@app.command("list")
def list_(
    ctx: typer.Context,
    stage: Annotated[str | None, typer.Option("--stage", "-s", help="Only this stage.")] = None,
    status: Annotated[str, typer.Option("--status", help="open, won, lost or all.")] = "open",
    stale: Annotated[
        bool, typer.Option("--stale", help="Only deals past their stage's target days.")
    ] = False,
    closing_before: Annotated[
        str | None,
        typer.Option("--closing-before", help="Only deals expected to close before this date."),
    ] = None,
    owner: OwnerOpt = None,
    limit: LimitOpt = None,
    pipeline: Annotated[
        str | None,
        typer.Option(
            "--pipeline", help="Only this pipeline's deals (default: all).", show_default=False
        ),
    ] = None,
    fmt: FormatOpt = None,
    as_json: JsonFlag = False,
    where: DealWhere = None,
    view: DealView = None,
) -> None:
    """Deals in pipeline order, flagged when stale or without a next step; --where
    filters them with the filter language (e.g. 'amount:>10k close:<+30d -tag:dnc'),
    --view NAME with a saved view."""
    from crmcli.commands._where import compiled
    from crmcli.core import clock
    from crmcli.core.pipeline import deals
    from crmcli.core.pipeline.pipelines import resolve as resolve_pipeline
    from crmcli.core.pipeline.stages import resolve as resolve_stage

    chosen = resolve(fmt, as_json, LIST_FORMATS)
    app_state = state(ctx)
    before = _date(app_state, closing_before)
    store = app_state.store()
    pipeline_id = int(resolve_pipeline(store, pipeline)["id"]) if pipeline else None
    stage_id = int(resolve_stage(store, stage, pipeline_id)["id"]) if stage else None
    rows = deals.list_deals(
        store,
        clock.now(),
        stage_id=stage_id,
        status=None if status == "all" else status,
        stale=stale,
        closing_before=before,
        limit=limit,
        owner=owner,
        details=True,
        pipeline_id=pipeline_id,
        where=compiled(store, "deals", where, view),
    )
    from crmcli.core.values.money import number_style

    style = number_style()  # once, not per row
    out = [{**public(r, style), "flags": _flags(r)} for r in rows]
    if chosen is OutputFormat.csv:
        from crmcli.core.interchange.exporting import decimal_amount

        for row, raw in zip(out, rows, strict=True):
            row["amount"] = decimal_amount(raw["amount_minor"], raw["currency"])
        render(out, chosen, CSV_COLUMNS)
    else:
        render(out, chosen, LIST_COLUMNS)
    if not out:
        if chosen is OutputFormat.table:
            message("no deals match")
        raise typer.Exit(1)


# Bulk edits (issue #24), in `_deal_bulk`: `edit --where/--view --set ...`, `bulk-edit`.
from crmcli.commands import _deal_bulk  # noqa: E402 - registered after the group's own

app.command("bulk-edit")(_deal_bulk.bulk_edit)
