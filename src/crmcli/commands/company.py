"""`crm company ...`: add, edit, show and list companies."""

from __future__ import annotations

from typing import TYPE_CHECKING, Annotated, Any

import typer

from crmcli.commands._options import FormatOpt, JsonFlag, LimitOpt, YesFlag
from crmcli.commands._output import (
    LIST_FORMATS,
    Column,
    OutputFormat,
    message,
    render,
    render_record,
    resolve,
    warn,
)
from crmcli.commands._state import state
from crmcli.commands._where import CompanyView, CompanyWhere
from crmcli.commands._words import plural
from crmcli.core.clock import local_time

if TYPE_CHECKING:
    from crmcli.core.db.store import Store

app = typer.Typer(name="company", no_args_is_help=True, help="Add, edit, show and list companies.")

CompanyRef = Annotated[
    str, typer.Argument(help="Id, domain, exact name or unique name prefix.", show_default=False)
]
Domain = Annotated[str | None, typer.Option("--domain", help="Web domain, e.g. acme.com.")]
Industry = Annotated[str | None, typer.Option("--industry", help="Industry.")]
Notes = Annotated[str | None, typer.Option("--note", help="Free-text notes.")]
Website = Annotated[
    str | None, typer.Option("--website", help='Web page, e.g. https://acme.com ("" clears).')
]
Phone = Annotated[
    str | None, typer.Option("--phone", help='Main phone number, e.g. switchboard ("" clears).')
]
Email = Annotated[
    str | None, typer.Option("--email", help='General email, e.g. info@acme.com ("" clears).')
]
Address = Annotated[
    str | None,
    typer.Option("--address", help='Main address on one line, as written ("" clears).'),
]


@app.command("add")
def add(
    ctx: typer.Context,
    name: Annotated[str, typer.Argument(help="Company name.", show_default=False)],
    domain: Domain = None,
    industry: Industry = None,
    note: Notes = None,
    website: Website = None,
    phone: Phone = None,
    email: Email = None,
    address: Address = None,
    as_json: JsonFlag = False,
) -> None:
    """Add a company; prints its id and name."""
    from crmcli.core.people import companies

    store = state(ctx).store(write=True)
    company = companies.add(
        store,
        name,
        domain=domain,
        industry=industry,
        notes=note,
        website=website,
        phone=phone,
        email=email,
        address=address,
    )
    _done(company, "added", as_json)
    _warn_close(store, company)


def _warn_close(store: Store, company: dict[str, Any]) -> None:
    """Say which existing companies the new name comes close to (never a refusal)."""
    from crmcli.core.people import companies

    near = companies.close_to(store, str(company["name"]), exclude=int(company["id"]))
    if near:
        others = ", ".join(f"#{c.id} {c.name}" for c in near[:3])
        warn(f"{company['name']} comes close to {others}; a different company?")


def _done(company: dict[str, object], verb: str, as_json: bool) -> None:
    if as_json:
        render_record(company, OutputFormat.json, [])
    else:
        print(f"{verb} company #{company['id']} {company['name']}")


@app.command("edit")
def edit(
    ctx: typer.Context,
    ref: CompanyRef,
    name: Annotated[str | None, typer.Option("--name", help="New name.")] = None,
    domain: Domain = None,
    industry: Industry = None,
    note: Notes = None,
    website: Website = None,
    phone: Phone = None,
    email: Email = None,
    address: Address = None,
    as_json: JsonFlag = False,
) -> None:
    """Change a company's name, domain, industry, notes, website, phone, email or address."""
    from crmcli.core.people import companies

    store = state(ctx).store(write=True)
    company_id = companies.resolve(store, ref)
    company = companies.edit(
        store,
        company_id,
        name=name,
        domain=domain,
        industry=industry,
        notes=note,
        website=website,
        phone=phone,
        email=email,
        address=address,
    )
    _done(company, "updated", as_json)
    if name is not None:
        _warn_close(store, company)


@app.command("show")
def show(ctx: typer.Context, ref: CompanyRef, as_json: JsonFlag = False) -> None:
    """A company and its people."""
    from crmcli.core.people import companies

    store = state(ctx).store()
    company = companies.get(store, companies.resolve(store, ref))
    people = companies.people(store, int(company["id"]))
    if as_json:
        render_record({**company, "people": people}, OutputFormat.json, [])
        return
    render_record(
        company,
        OutputFormat.table,
        [
            ("Company", f"{company['name']}  #{company['id']}"),
            ("Domain", company["domain"]),
            ("Website", company["website"]),
            ("Phone", company["phone"]),
            ("Email", company["email"]),
            *_address_rows(company["addresses"]),
            ("Industry", company["industry"]),
            ("Notes", company["notes"]),
            *((str(k), str(v)) for k, v in (company["custom_fields"] or {}).items()),
            ("Created", local_time(company["created_at"])),
        ],
    )
    print()
    if people:
        render(
            people,
            OutputFormat.table,
            [
                Column("id", "ID"),
                Column("name", "PERSON"),
                Column("title", "TITLE"),
                Column("email", "EMAIL"),
            ],
        )
    else:
        message("no people at this company yet")


def _address_rows(addresses: Any) -> list[tuple[str, str]]:
    """Each address on one line, labelled as a contact's are ("Address (work)")."""
    from crmcli.commands._contact_show import _address, _address_label, _addresses

    return [(_address_label(a), _address(a)) for a in _addresses(addresses)]


@app.command("list")
def list_(
    ctx: typer.Context,
    limit: LimitOpt = None,
    fmt: FormatOpt = None,
    as_json: JsonFlag = False,
    where: CompanyWhere = None,
    view: CompanyView = None,
) -> None:
    """List companies with how many people each has (--where: the filter language; --view:
    a saved view)."""
    from crmcli.commands._where import compiled
    from crmcli.core.people import companies

    chosen = resolve(fmt, as_json, LIST_FORMATS)
    store = state(ctx).store()
    query = compiled(store, "companies", where, view)
    rows = companies.list_companies(store, limit=limit, where=query)
    render(
        rows,
        chosen,
        [
            Column("id", "ID"),
            Column("name", "COMPANY"),
            Column("domain", "DOMAIN"),
            Column("industry", "INDUSTRY"),
            Column("people", "PEOPLE"),
        ],
    )
    if not rows:
        if chosen is OutputFormat.table:
            message("no companies match" if query is not None else "no companies yet")
        raise typer.Exit(1)


@app.command("merge")
def merge(
    ctx: typer.Context,
    keep: Annotated[str, typer.Argument(help="The company to keep.", show_default=False)],
    other: Annotated[
        str, typer.Argument(help="The duplicate to fold into it.", show_default=False)
    ],
    yes: YesFlag = False,
) -> None:
    """Fold OTHER into KEEP: its people and deals move over, then OTHER is deleted (undoable)."""
    from crmcli.commands._confirm import confirm
    from crmcli.core.people import companies, merging

    store = state(ctx).store(write=True)
    keep_id, other_id = companies.resolve(store, keep), companies.resolve(store, other)
    a, b = companies.get(store, keep_id), companies.get(store, other_id)
    people = len(companies.people(store, other_id))
    message(
        f"keep #{keep_id} {a['name']}; delete #{other_id} {b['name']} "
        f"({plural(people, 'person', 'people')} {'moves' if people == 1 else 'move'} over)"
    )
    confirm("Merge?", yes=yes, not_doing="not merging", declined="not merged")
    moved = merging.merge_companies(store, keep_id, other_id)
    print(
        f"merged company #{other_id} into #{keep_id}: "
        f"{plural(moved['contact'], 'person', 'people')}, {plural(moved['deal'], 'deal')} moved"
    )
