"""`crm contact ...`: add, edit, show, list, archive and remove people.

`show` is declared here; its body is `commands/hot/contact_show.py`, which the fast path
runs too.
"""

from __future__ import annotations

import sys
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

from crmcli.commands import _complete
from crmcli.commands._contact_show import _address as _address
from crmcli.commands._contact_show import _address_label as _address_label
from crmcli.commands._contact_show import _addresses as _addresses
from crmcli.commands._options import FormatOpt, JsonFlag, LimitOpt, OwnerOpt, YesFlag
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
from crmcli.commands._where import ContactView, ContactWhere
from crmcli.commands._words import plural
from crmcli.commands.hot import contact_show as body
from crmcli.core.people.fields import ContactStatus

if TYPE_CHECKING:
    from crmcli.core.people.contacts import Outcome

app = typer.Typer(
    name="contact", no_args_is_help=True, help="Add, edit, show, list and remove contacts."
)

Emails = Annotated[
    list[str] | None,
    typer.Option("--email", "-e", help="Email (repeatable; the first is primary)."),
]
Phones = Annotated[
    list[str] | None, typer.Option("--phone", "-p", help="Phone number, any format (repeatable).")
]
Urls = Annotated[
    list[str] | None, typer.Option("--url", help="Web or social profile URL (repeatable).")
]
Company = Annotated[
    str | None, typer.Option("--company", "-c", help="Company name (created if new).")
]
Title = Annotated[str | None, typer.Option("--title", "-t", help="Job title.")]
Tags = Annotated[list[str] | None, typer.Option("--tag", help="Tag (repeatable).")]
Source = Annotated[
    str | None, typer.Option("--source", help="Lead source (referral, web, event...).")
]
Status = Annotated[
    ContactStatus | None, typer.Option("--status", case_sensitive=False, help="Lifecycle status.")
]
Note = Annotated[str | None, typer.Option("--note", help="Free-text notes.")]
Birthday = Annotated[
    str | None, typer.Option("--birthday", help="YYYY-MM-DD, or MM-DD without a year.")
]
Nickname = Annotated[str | None, typer.Option("--nickname", help="What they are called.")]
Relations = Annotated[
    list[str] | None,
    typer.Option(
        "--relation",
        help='A related person, NAME:KIND ("Jane Doe:spouse"; kind optional). Repeatable.',
    ),
]
Dates = Annotated[
    list[str] | None,
    typer.Option(
        "--date", help="A date to remember, LABEL:YYYY-MM-DD (anniversary:2010-06-01). Repeatable."
    ),
]
Handles = Annotated[
    list[str] | None,
    typer.Option("--handle", help="IM or social handle, SERVICE:HANDLE (skype:ann). Repeatable."),
]
Every = Annotated[
    str | None,
    typer.Option("--every", help="Keep-in-touch cadence: 30d, 2w, 3mo, 1y, or off."),
]
First = Annotated[
    str | None, typer.Option("--first", help="First name, if the split of NAME guessed wrong.")
]
Last = Annotated[
    str | None, typer.Option("--last", help="Last name, if the split of NAME guessed wrong.")
]
Ref = Annotated[
    str,
    typer.Argument(
        help="Id, email, exact name, or unique name prefix.",
        show_default=False,
        autocompletion=_complete.contacts,
    ),
]


def _quoted(text: str) -> str:
    """`text` in double quotes, as a shell reads it back (for a command to copy)."""
    return '"' + "".join("\\" + ch if ch in '"\\$`' else ch for ch in text) + '"'


def _report(outcome: Outcome, verb: str, as_json: bool) -> None:
    from crmcli.core.people.directory import public_view

    contact = outcome.contact
    if outcome.created_company:
        message(f"created company {outcome.created_company}")
    for text in outcome.warnings:
        warn(text)
    if outcome.close_company:
        name = _quoted(outcome.close_company.name)
        warn(f"did you mean {name}? crm contact edit {contact['id']} --company {name}")
    if as_json:
        render_record(public_view(contact), OutputFormat.json, [])
        return
    company = f" ({contact['company']})" if contact["company"] else ""
    print(f"{verb} #{contact['id']} {contact['display_name']}{company}")


@app.command("add")
def add(
    ctx: typer.Context,
    name: Annotated[
        str, typer.Argument(help='Full name, e.g. "Hélène Dupré".', show_default=False)
    ],
    email: Emails = None,
    phone: Phones = None,
    url: Urls = None,
    company: Company = None,
    title: Title = None,
    tag: Tags = None,
    source: Source = None,
    status: Status = None,
    note: Note = None,
    birthday: Birthday = None,
    every: Every = None,
    first: First = None,
    last: Last = None,
    nickname: Nickname = None,
    relation: Relations = None,
    date: Dates = None,
    handle: Handles = None,
    as_json: JsonFlag = False,
) -> None:
    """Add a contact; prints its id and name."""
    from crmcli.core.people import contacts

    fields = contacts.ContactFields(
        name=name,
        first=first,
        last=last,
        emails=email,
        phones=phone,
        urls=url,
        company=company,
        title=title,
        tags=tag,
        source=source,
        status=status.value if status else None,
        notes=note,
        birthday=birthday,
        cadence=every,
        nickname=nickname,
        relations=relation or [],
        dates=date or [],
        handles=handle or [],
    )
    store = state(ctx).store(write=True)
    _report(contacts.add(store, fields), "added", as_json)


@app.command("edit")
def edit(
    ctx: typer.Context,
    ref: _contact_bulk.OptionalRef = None,
    name: Annotated[str | None, typer.Option("--name", help="New full name.")] = None,
    email: Annotated[
        list[str] | None, typer.Option("--email", "-e", help="Replace all emails with these.")
    ] = None,
    phone: Annotated[
        list[str] | None, typer.Option("--phone", "-p", help="Replace all phones with these.")
    ] = None,
    url: Annotated[
        list[str] | None, typer.Option("--url", help="Replace all profile URLs with these.")
    ] = None,
    company: Annotated[
        str | None, typer.Option("--company", "-c", help='Company name ("" to clear).')
    ] = None,
    title: Title = None,
    tag: Annotated[
        list[str] | None, typer.Option("--tag", help="Replace all tags with these.")
    ] = None,
    add_tag: Annotated[list[str] | None, typer.Option("--add-tag", help="Add a tag.")] = None,
    rm_tag: Annotated[list[str] | None, typer.Option("--rm-tag", help="Remove a tag.")] = None,
    add_email: Annotated[
        list[str] | None, typer.Option("--add-email", help="Add an email.")
    ] = None,
    rm_email: Annotated[
        list[str] | None, typer.Option("--rm-email", help="Remove an email.")
    ] = None,
    add_phone: Annotated[list[str] | None, typer.Option("--add-phone", help="Add a phone.")] = None,
    rm_phone: Annotated[
        list[str] | None, typer.Option("--rm-phone", help="Remove a phone.")
    ] = None,
    source: Source = None,
    status: Status = None,
    note: Note = None,
    birthday: Birthday = None,
    every: Every = None,
    first: First = None,
    last: Last = None,
    dnc: Annotated[
        bool | None,
        typer.Option("--dnc/--no-dnc", help="Mark or unmark do-not-contact.", show_default=False),
    ] = None,
    nickname: Annotated[
        str | None, typer.Option("--nickname", help='Nickname ("" to clear).')
    ] = None,
    relation: Relations = None,
    date: Dates = None,
    handle: Handles = None,
    as_json: JsonFlag = False,
    where: _contact_bulk.ContactWhere = None,
    view: _contact_bulk.ContactView = None,
    set_: _contact_bulk.Sets = None,
    yes: YesFlag = False,
    dry_run: _contact_bulk.DryRunFlag = False,
) -> None:
    """Change a contact. --email/--phone/--tag replace the list; --add-*/--rm-* change it."""
    from crmcli.core.people import contacts
    from crmcli.core.search.refs import resolve_contact

    if _contact_bulk.edited_many(ctx, ref, where, view, set_, add_tag, rm_tag, yes, dry_run):
        return  # the bulk form: --where/--view instead of REF
    fields = contacts.ContactFields(
        name=name,
        first=first,
        last=last,
        emails=email,
        phones=phone,
        urls=url,
        company=company,
        title=title,
        tags=tag,
        source=source,
        status=status.value if status else None,
        notes=note,
        birthday=birthday,
        cadence=every,
        do_not_contact=dnc,
        add_tags=add_tag or [],
        rm_tags=rm_tag or [],
        add_emails=add_email or [],
        rm_emails=rm_email or [],
        add_phones=add_phone or [],
        rm_phones=rm_phone or [],
        nickname=nickname,
        relations=relation or [],
        dates=date or [],
        handles=handle or [],
    )
    store = state(ctx).store(write=True)
    contact_id = resolve_contact(store, ref or "")  # a REF: bulk_form said so
    _report(contacts.edit(store, contact_id, fields), "updated", as_json)


@app.command("show")
def show(
    ctx: typer.Context,
    ref: Ref,
    limit: Annotated[
        int, typer.Option("--limit", "-n", min=0, help="Timeline entries to show (0: none).")
    ] = 15,
    as_json: JsonFlag = False,
) -> int:
    """Everything about one contact, with their timeline (newest first)."""
    return body.show(state(ctx), ref=ref, limit=limit, as_json=as_json)


LIST_COLUMNS = [
    Column("id", "ID"),
    Column("name", "NAME", max_width=30),
    Column("company", "COMPANY", max_width=24),
    Column("email", "EMAIL", max_width=32),
    Column("phone", "PHONE", max_width=22),
    Column("status", "STATUS"),
    Column("tags", "TAGS", max_width=24),
]


@app.command("list")
def list_(
    ctx: typer.Context,
    tag: Annotated[str | None, typer.Option("--tag", help="Only contacts with this tag.")] = None,
    company: Annotated[
        str | None, typer.Option("--company", "-c", help="Only people at this company (REF).")
    ] = None,
    status: Status = None,
    archived: Annotated[
        bool, typer.Option("--archived", help="List archived contacts instead.")
    ] = False,
    sort: Annotated[
        str,
        typer.Option(
            "--sort",
            help="name, or score (engagement: recency, frequency, open deals; warmest first).",
        ),
    ] = "name",
    owner: OwnerOpt = None,
    limit: LimitOpt = None,
    fmt: FormatOpt = None,
    as_json: JsonFlag = False,
    where: ContactWhere = None,
    view: ContactView = None,
) -> None:
    """List contacts, by name. Exit 1 when none match.

    --where takes the filter language (README, "Filter language"), ANDed with the other
    filters: crm contact list --where 'tag:vip touched:>30d -tag:dnc'; --view NAME a
    saved one (crm view save).
    """
    from crmcli.commands._where import compiled
    from crmcli.core.people import companies, directory

    chosen = resolve(fmt, as_json, LIST_FORMATS)
    store = state(ctx).store()
    company_id = companies.resolve(store, company) if company else None
    rows = directory.list_contacts(
        store,
        tag=tag,
        company_id=company_id,
        status=status.value if status else None,
        archived=archived,
        limit=limit,
        sort=sort,
        owner=owner,
        where=compiled(store, "contacts", where, view),
    )
    columns = [*LIST_COLUMNS, Column("score", "SCORE")] if sort == "score" else LIST_COLUMNS
    render(rows, chosen, columns)
    if not rows:
        if chosen is OutputFormat.table:
            message("no contacts match")
        raise typer.Exit(1)


@app.command("archive")
def archive(ctx: typer.Context, ref: Ref) -> None:
    """Hide a contact from lists and lookups; nothing is deleted."""
    from crmcli.core.people import contacts
    from crmcli.core.search.refs import resolve_contact

    store = state(ctx).store(write=True)
    contact = contacts.archive(store, resolve_contact(store, ref))
    print(f"archived #{contact['id']} {contact['display_name']}")


@app.command("unarchive")
def unarchive(ctx: typer.Context, ref: Ref) -> None:
    """Bring an archived contact back."""
    from crmcli.core.people import contacts
    from crmcli.core.search.refs import resolve_contact

    store = state(ctx).store(write=True)
    contact = contacts.archive(store, resolve_contact(store, ref), undo=True)
    print(f"unarchived #{contact['id']} {contact['display_name']}")


@app.command("rm")
def rm(ctx: typer.Context, ref: Ref, yes: YesFlag = False) -> None:
    """Delete a contact with their interactions and follow-ups (asks first on a terminal)."""
    from crmcli.commands._confirm import confirm
    from crmcli.core.people import contacts, directory
    from crmcli.core.search.refs import resolve_contact

    store = state(ctx).store(write=True)
    contact_id = resolve_contact(store, ref)
    contact = directory.get(store, contact_id)
    label = f"#{contact_id} {contact['display_name']}"
    confirm(
        f"Delete {label} and their interactions and follow-ups?",
        yes=yes,
        not_doing=f"not deleting {label}",
        declined="not deleted",
    )
    contacts.delete(store, contact_id)
    print(f"deleted {label}")


@app.command("forget")
def forget(ctx: typer.Context, ref: Ref, yes: YesFlag = False) -> None:
    """Erase a person and everything about them, for an erasure request. Cannot be undone.

    Their interactions, follow-ups and change-log entries go too; deals stay, without
    them. Backups made before now still hold them.
    """
    from crmcli.commands._confirm import confirm_by_typing
    from crmcli.core.db.backup import backups_dir
    from crmcli.core.people import directory
    from crmcli.core.people.privacy import forget as erase
    from crmcli.core.search.refs import resolve_contact
    from crmcli.core.values.text import name_key

    store = state(ctx).store(write=True)
    contact_id = resolve_contact(store, ref)
    name = str(directory.get(store, contact_id)["display_name"])
    confirm_by_typing(
        f"This erases {name} for good. Type their name to confirm",
        yes=yes,
        not_doing=f"not erasing #{contact_id} {name}",
        matches=lambda typed: name_key(typed) == name_key(name),
        declined="the name did not match; nothing erased",
    )
    result = erase(store, contact_id)
    parts = ", ".join(
        plural(n, *ERASED_WORDS.get(table, (table.replace("_", " "), None)))
        for table, n in result.erased.items()
        if n
    )
    print(f"forgot #{contact_id} {result.name}: {parts}")
    if result.deals_unlinked:
        message(f"{plural(result.deals_unlinked, 'deal')} kept, no longer linked to them")
    if store.location.is_url:
        message("backups of the server made before now (pg_dump, base backups) still hold them")
    else:
        message(f"backups made before now still hold them ({backups_dir(store)})")


# What `contact forget` reports erasing, table by table: (one, many).
ERASED_WORDS: dict[str, tuple[str, str | None]] = {
    "contact_email": ("email", None),
    "contact_phone": ("phone number", None),
    "contact_url": ("profile URL", None),
    "contact_tag": ("tag", None),
    "contact_relation": ("relation", None),
    "contact_date": ("date", None),
    "contact_handle": ("chat handle", None),
    "contact_photo": ("photo", None),
    "rule_effect": ("rule explanation", None),
    "rule_fired": ("time-rule firing", None),
    "named_in_relations": (
        "relation of another contact naming them",
        "relations of other contacts naming them",
    ),
    "interaction": ("interaction", None),
    "followup": ("follow-up", None),
    "change_log": ("change-log entry", "change-log entries"),
    "contact": ("contact record", None),
}


@app.command("export")
def export_one(
    ctx: typer.Context,
    ref: Ref,
    fmt: Annotated[str, typer.Option("--format", "-f", help="json (the only format).")] = "json",
    output: Annotated[
        Path | None, typer.Option("--output", "-o", help="Write to this file.")
    ] = None,
) -> None:
    """Everything held about one person, as JSON (for an access request)."""
    import json

    from crmcli.core.errors import Invalid
    from crmcli.core.people.privacy import everything_about
    from crmcli.core.search.refs import resolve_contact

    if fmt != "json":
        raise Invalid(f"crm contact export writes json, not {fmt!r}")
    store = state(ctx).store()
    data = everything_about(store, resolve_contact(store, ref))
    text = json.dumps(data, ensure_ascii=False, indent=2) + "\n"
    if output is None:
        sys.stdout.write(text)
        return
    from crmcli.commands.export import destination

    with destination(output, store) as out:
        out.write(text)


@app.command("merge")
def merge(
    ctx: typer.Context,
    keep: Annotated[
        str,
        typer.Argument(
            help="The contact to keep (REF).", show_default=False, autocompletion=_complete.contacts
        ),
    ],
    other: Annotated[
        str,
        typer.Argument(
            help="The duplicate to fold into it and delete (REF).",
            show_default=False,
            autocompletion=_complete.contacts,
        ),
    ],
    yes: YesFlag = False,
) -> None:
    """Fold OTHER into KEEP: interactions, follow-ups, deals, emails, phones, tags move over,
    KEEP's empty fields are filled, OTHER is deleted. Shows the changes first; undoable."""
    from crmcli.commands._confirm import confirm
    from crmcli.core.people import merging
    from crmcli.core.search.refs import resolve_contact

    store = state(ctx).store(write=True)
    keep_id, other_id = resolve_contact(store, keep), resolve_contact(store, other)
    preview = merging.plan(store, keep_id, other_id)
    for line in preview.lines():
        message(line)
    confirm("Merge?", yes=yes, not_doing="not merging", declined="not merged")
    done = merging.merge(store, keep_id, other_id)
    print(
        f"merged #{done.other['id']} {done.other['display_name']} into "
        f"#{done.keep['id']} {done.keep['display_name']}"
    )


# Relationships (issue #24), in `_contact_relate`: `relate A KIND B`, `unrelate A [KIND] B`;
# bulk edits, in `_contact_bulk`: `edit --where/--view --set ...`, `bulk-edit`.
from crmcli.commands import _contact_bulk, _contact_relate  # noqa: E402 - after the group's own

app.command("relate")(_contact_relate.relate)
app.command("unrelate")(_contact_relate.unrelate)
app.command("bulk-edit")(_contact_bulk.bulk_edit)
