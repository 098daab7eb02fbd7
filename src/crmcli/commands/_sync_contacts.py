"""`crm sync contacts`: parse the sources, run the core's two-way sync, report.

Registered by `commands/sync.py` (`app.command("contacts")(contacts)`); `run_configured`
is what `crm sync` alone calls for the `[[sync.contacts]]` tables. The work and every
decision are the core's (`crmcli.core.sync.contacts`); this module only parses the
flags, draws the progress bar on a terminal and writes the report.
"""

from __future__ import annotations

import sys
from enum import StrEnum
from typing import TYPE_CHECKING, Annotated, Any

import typer

from crmcli.commands._options import ReportJsonFlag
from crmcli.commands._state import AppState, state
from crmcli.core.values.text import printable

if TYPE_CHECKING:
    from crmcli.core.db.store import Store
    from crmcli.core.sync.contact_report import SourceResult
    from crmcli.core.sync.contact_sources import ContactsSource

VdirOpt = Annotated[
    list[str] | None,
    typer.Option(
        "--vdir",
        metavar="PATH",
        help="A vdir folder of .vcf cards (khard, vdirsyncer) to sync instead of the "
        "configured ones (repeatable).",
        show_default=False,
    ),
]
CardDavOpt = Annotated[
    list[str] | None,
    typer.Option(
        "--carddav",
        metavar="URL",
        help="A CardDAV address book URL, https://host/path/ (repeatable; never a password "
        "in the URL).",
        show_default=False,
    ),
]
UsernameOpt = Annotated[
    str | None,
    typer.Option(
        "--username", metavar="NAME", help="Who logs in to --carddav.", show_default=False
    ),
]
PasswordCommandOpt = Annotated[
    str | None,
    typer.Option(
        "--password-command",
        metavar="CMD",
        help="The command that prints the password for --carddav (e.g. 'pass show dav/me').",
        show_default=False,
    ),
]
TagOpt = Annotated[
    str | None,
    typer.Option(
        "--tag",
        metavar="TAG",
        help="Sync only contacts with this tag (a card new from the address book gets it); "
        "overrides sync_tag.",
        show_default=False,
    ),
]


class Prefer(StrEnum):
    """Which side a field changed on both sides takes, when the rep decides."""

    crm = "crm"
    card = "card"


PreferOpt = Annotated[
    Prefer | None,
    typer.Option(
        "--prefer",
        help="Settle conflicts: a field changed on both sides takes crm's value (crm) or "
        "the card's (card). Without it, conflicts are reported and left alone.",
        show_default=False,
    ),
]
DryRunFlag = Annotated[
    bool,
    typer.Option(
        "--dry-run", help="Print what would be created, updated and deleted; write nothing."
    ),
]


def contacts(
    ctx: typer.Context,
    vdir: VdirOpt = None,
    carddav: CardDavOpt = None,
    username: UsernameOpt = None,
    password_command: PasswordCommandOpt = None,
    tag: TagOpt = None,
    prefer: PreferOpt = None,
    dry_run: DryRunFlag = False,
    as_json: ReportJsonFlag = False,
) -> None:
    """Two-way sync of your contacts with an address book (a vdir folder, or CardDAV).

    New people on either side are created on the other (a card once linked to its
    contact by UID, or by the import's rules: same email, or name and phone); a
    change on one side goes to the other; a field changed on both sides is a
    conflict, reported and left as it is on both. A card deleted there archives its
    contact, a contact archived here deletes its card, unless the other side changed
    since the last sync. A second run does nothing; `crm undo` takes a run back.
    """
    from crmcli.core.errors import Invalid
    from crmcli.core.sync import contact_sources as sources

    app_state = state(ctx)
    if (username is not None or password_command is not None) and not carddav:
        raise Invalid("--username and --password-command go with --carddav")
    chosen = [sources.vdir_source(path) for path in vdir or []]
    chosen += [sources.carddav_source(url, username, password_command) for url in carddav or []]
    if not chosen:
        chosen = sources.configured(app_state.config)
        if not chosen:
            raise Invalid(
                "no address book: give --vdir PATH or --carddav URL, or name one in the "
                f"config file ({app_state.config.path}) as [[sync.contacts]] "
                'vdir = "~/.contacts/work"'
            )
    override = sources.tag_of(tag) if tag is not None else None
    _run(
        app_state,
        chosen,
        override,
        dry_run=dry_run,
        as_json=as_json,
        prefer=None if prefer is None else prefer.value,
    )


def run_configured(app_state: AppState, *, as_json: bool = False) -> bool:
    """`crm sync` alone: the `[[sync.contacts]]` sources, if the config names any;
    False when it names none."""
    from crmcli.core.sync import contact_sources as sources

    chosen = sources.configured(app_state.config)
    if chosen:
        _run(app_state, chosen, None, dry_run=False, as_json=as_json)
    return bool(chosen)


def _run(
    app_state: AppState,
    chosen: list[ContactsSource],
    tag: str | None,
    *,
    dry_run: bool,
    as_json: bool,
    prefer: Any = None,
) -> None:
    from crmcli.core.errors import CrmError
    from crmcli.core.sync.contact_sources import open_collection
    from crmcli.core.sync.contacts import Options

    store = app_state.store(write=not dry_run)
    results = []
    try:
        for source in chosen:
            options = Options(tag=tag or source.sync_tag, dry_run=dry_run, prefer=prefer)
            results.append(_one(store, open_collection(source), options))
    except CrmError:
        if results:  # the address books synced before the one that failed: say so
            _report(results, dry_run, as_json)
        raise
    _report(results, dry_run, as_json)


def _one(store: Store, collection: Any, options: Any) -> SourceResult:
    """One source's run, with a progress bar on a terminal once it lasts."""
    from crmcli.commands._progress import SourceProgress
    from crmcli.core.sync.contacts import sync_contacts

    bar = SourceProgress(collection.name)
    try:
        return sync_contacts(store, collection, options, progress=bar)
    finally:
        bar.close()


def _report(results: list[SourceResult], dry_run: bool, as_json: bool) -> None:
    import json

    if as_json:
        doc = {
            "dry_run": dry_run,
            "sources": [
                {
                    "source": r.source,
                    **r.counts(),
                    "batches": r.chunks,
                    "conflict_fields": [
                        {
                            "contact_id": c.contact_id,
                            "contact": c.contact,
                            "field": c.field,
                            "crm": c.here,
                            "card": c.there,
                            "href": c.href,
                        }
                        for c in r.conflicts
                    ],
                    "notes": r.notes,
                    "error_lines": r.error_lines,
                    **(
                        {
                            "plan": [
                                {
                                    "action": p.action,
                                    "contact_id": p.contact_id,
                                    "contact": p.contact,
                                    "href": p.href,
                                    "fields": list(p.fields),
                                }
                                for p in r.planned
                            ]
                        }
                        if dry_run
                        else {}
                    ),
                }
                for r in results
            ],
        }
        print(json.dumps(doc, ensure_ascii=False, indent=2))
    elif dry_run:
        for r in results:
            for p in r.planned:
                print(printable(p.text()))
    for r in results:
        _lines(r.error_lines, "errors")
        _lines(r.notes, "notes")
        _lines([c.text() for c in r.conflicts], "conflicts")
        print(_summary(r, dry_run), file=sys.stderr)


SHOWN = 20  # lines of each kind on stderr; --json lists them all


def _lines(lines: list[str], what: str) -> None:
    """Each line on stderr, `crm: `-prefixed, up to SHOWN of them (a first sync racing
    another can have hundreds to say)."""
    for line in lines[:SHOWN]:
        print(f"crm: {printable(line)}", file=sys.stderr)
    if len(lines) > SHOWN:
        print(
            f"crm: ... and {len(lines) - SHOWN} more {what} (--json lists them all)",
            file=sys.stderr,
        )


def _summary(r: SourceResult, dry_run: bool) -> str:
    """`vdir:/x: crm 2 new, 1 updated; cards 3 new, 1 deleted; 1 conflict; undo with ...`."""

    def side(name: str, counts: dict[str, int]) -> str:
        shown = [f"{v} {k}" for k, v in counts.items() if v]
        return f"{name} {', '.join(shown) if shown else 'unchanged'}"

    would = "would change: " if dry_run else ""
    line = (
        f"{printable(r.source)}: {would}{side('crm', r.here.as_dict())}; "
        f"{side('cards', r.there.as_dict())}; {len(r.conflicts)} conflict(s)"
    )
    if r.chunks and not dry_run:
        line += "; undo with `crm undo`" + (f" ({r.chunks} batches)" if r.chunks > 1 else "")
    return line
