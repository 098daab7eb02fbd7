"""`crm sync`: capture what happened in the rep's mail folders into the log; show past runs.

`crm sync mail` runs the `[[sync.mail]]` sources of the config file, or the
folders and queries given with --maildir / --notmuch / --imap; `crm sync` alone
runs every configured sync; `crm sync --status` shows each source's last run. The
work is the core's (`crmcli.core.sync`); this module parses, calls and reports.
"""

from __future__ import annotations

import sys
from collections.abc import Callable
from typing import TYPE_CHECKING, Annotated, Any

import typer

from crmcli.commands import _sync_calendar, _sync_contacts
from crmcli.commands._options import ReportJsonFlag
from crmcli.commands._state import AppState, state

if TYPE_CHECKING:
    from crmcli.core.sync.mail import Options, SourceResult
    from crmcli.core.sync.sources import SourceSpec

app = typer.Typer(
    name="sync",
    no_args_is_help=False,
    help="Capture mail and meetings into the log, push follow-ups to a calendar, sync contacts "
    "with an address book: `crm sync mail|calendar|contacts`; `crm sync` alone runs every "
    "configured source; `crm sync --status` shows the last runs.",
)
# Each kind's command lives in its own module (mail's below); the group registers them.
app.command("calendar")(_sync_calendar.calendar)
app.command("contacts")(_sync_contacts.contacts)

MaildirOpt = Annotated[
    list[str] | None,
    typer.Option(
        "--maildir",
        help="A Maildir folder to sync instead of the configured sources (repeatable).",
        show_default=False,
    ),
]
NotmuchOpt = Annotated[
    list[str] | None,
    typer.Option(
        "--notmuch",
        metavar="QUERY",
        help="A notmuch query whose mail to sync instead of the configured sources, e.g. "
        "'tag:inbox or tag:sent' (repeatable; needs the notmuch program).",
        show_default=False,
    ),
]
NotmuchConfigOpt = Annotated[
    str | None,
    typer.Option(
        "--notmuch-config",
        metavar="PATH",
        help="The notmuch config file for --notmuch (default: notmuch's own, NOTMUCH_CONFIG).",
        show_default=False,
    ),
]
ImapOpt = Annotated[
    list[str] | None,
    typer.Option(
        "--imap",
        help="An IMAP folder, imaps://user@host/MAILBOX, instead of the configured ones "
        "(repeatable; never a password in the URL).",
        show_default=False,
    ),
]
PasswordCommandOpt = Annotated[
    str | None,
    typer.Option(
        "--password-command",
        help="The command that prints the password for --imap (e.g. 'pass show mail/me').",
        show_default=False,
    ),
]
SinceOpt = Annotated[
    str | None,
    typer.Option(
        "--since",
        help="Only mail dated on or after this day (a date or a WHEN phrase: 2026-01-01, "
        "'3 months ago'); older mail is left for a later run.",
        show_default=False,
    ),
]
CreateContactsFlag = Annotated[
    bool,
    typer.Option(
        "--create-contacts",
        help="Create a contact for each unknown person you exchange mail with (needs my_emails; "
        "one `crm undo` per batch takes them back).",
    ),
]
DryRunFlag = Annotated[
    bool, typer.Option("--dry-run", help="List what would be logged; write nothing.")
]


@app.callback(invoke_without_command=True)
def sync(
    ctx: typer.Context,
    status: Annotated[
        bool, typer.Option("--status", help="Each source's last run, counts and error.")
    ] = False,
    as_json: ReportJsonFlag = False,
) -> None:
    """Run every configured sync (mail, calendar, contacts), or show how the last runs went."""
    if ctx.invoked_subcommand is not None:
        return
    app_state = state(ctx)
    if status:
        _status(app_state, as_json)
        return
    _run_all(app_state, as_json)


def _run_all(app_state: AppState, as_json: bool) -> None:
    """`crm sync` alone: each kind the config file names a source of, mail first.

    Every kind's configuration is read before any runs, so a typo in one table writes
    nothing anywhere. A kind that fails (a server down, a wrong password) is one line and
    the next kinds still run (a broken calendar must not stop the contacts a timer
    syncs); the exit code is then the worst failure's. With --json, each kind's document
    is gathered into one (`sources`, each with its `kind`; a failed kind as `error`), so
    a pipe reads one JSON value, not three.
    """
    import contextlib
    import io
    import json

    from crmcli.core.errors import CrmError, Invalid
    from crmcli.core.sync import calendar_sources, contact_sources, sources

    config = app_state.config
    mail_sources = sources.configured(config)
    calendar_sources.configured(config)  # each raises Invalid on a bad table, before any run
    contact_sources.configured(config)

    def mail() -> bool:
        if not mail_sources:
            return False
        _run(app_state, [], [], None, None, dry_run=False, as_json=as_json)
        return True

    def calendar() -> bool:
        return _sync_calendar.run_configured(app_state, as_json=as_json)

    def contacts() -> bool:
        return _sync_contacts.run_configured(app_state, as_json=as_json)

    kinds: dict[str, Callable[[], bool]] = {
        "mail": mail,
        "calendar": calendar,
        "contacts": contacts,
    }
    gathered: list[dict[str, Any]] = []
    ran = False
    worst = 0
    for kind, run in kinds.items():
        out = io.StringIO()
        failure: CrmError | None = None
        try:
            with contextlib.redirect_stdout(out) if as_json else contextlib.nullcontext():
                ran = run() or ran
        except CrmError as exc:
            failure, ran = exc, True
            worst = max(worst, exc.exit_code)
            print(f"crm: {kind}: {exc.message}", file=sys.stderr)
        if as_json and out.getvalue().strip():  # what the kind reported before it failed
            gathered += [{"kind": kind, **doc} for doc in json.loads(out.getvalue())["sources"]]
        if as_json and failure is not None:
            gathered.append({"kind": kind, "error": failure.message})
    if not ran:
        raise Invalid(
            "nothing to sync: name sources in the config file "
            f"({config.path}) as [[sync.mail]], [[sync.calendar]] or "
            "[[sync.contacts]] tables, or run crm sync mail|calendar|contacts with a source"
        )
    if as_json:
        print(json.dumps({"dry_run": False, "sources": gathered}, ensure_ascii=False, indent=2))
    if worst:
        raise typer.Exit(worst)


@app.command("mail")
def mail(
    ctx: typer.Context,
    maildir: MaildirOpt = None,
    notmuch: NotmuchOpt = None,
    notmuch_config: NotmuchConfigOpt = None,
    imap: ImapOpt = None,
    password_command: PasswordCommandOpt = None,
    since: SinceOpt = None,
    dry_run: DryRunFlag = False,
    create_contacts: CreateContactsFlag = False,
    as_json: ReportJsonFlag = False,
) -> None:
    """Log each new message to or from a known contact as an email interaction.

    One interaction per message and contact, keyed by its Message-ID (a message
    already logged with `crm log email -` is not logged again); mail from or to no
    known contact is skipped. A reply joins its conversation (References,
    In-Reply-To). A second run logs nothing new. Each run is one undoable batch
    per source (`crm undo`), per 500 messages on a long first sync.
    """
    _run(
        state(ctx),
        maildir or [],
        imap or [],
        password_command,
        since,
        dry_run=dry_run,
        as_json=as_json,
        create_contacts=create_contacts,
        notmuch_queries=notmuch or [],
        notmuch_config=notmuch_config,
    )


def _run(
    app_state: AppState,
    maildirs: list[str],
    imaps: list[str],
    password_command: str | None,
    since_text: str | None,
    *,
    dry_run: bool,
    as_json: bool,
    create_contacts: bool = False,
    notmuch_queries: list[str] | None = None,
    notmuch_config: str | None = None,
) -> None:
    from crmcli.core.errors import Invalid
    from crmcli.core.sync import sources
    from crmcli.core.sync.mail import open_source

    if password_command is not None and not imaps:
        raise Invalid("--password-command goes with --imap")
    if notmuch_config is not None and not notmuch_queries:
        raise Invalid("--notmuch-config goes with --notmuch")
    specs: list[SourceSpec] = [sources.maildir_spec(p) for p in maildirs]
    specs += [sources.notmuch_spec(q, notmuch_config) for q in notmuch_queries or []]
    specs += [sources.imap_spec(url, password_command) for url in imaps]
    if not specs:
        specs = sources.configured(app_state.config)
        if not specs:
            raise Invalid(
                "no mail source: give --maildir PATH, --notmuch QUERY or --imap URL, or name "
                f"sources in the config file ({app_state.config.path}) as [[sync.mail]] "
                'maildir = "~/Mail/INBOX"'
            )
    options = _options(app_state, since_text, dry_run, create_contacts)
    store = app_state.store(write=not dry_run)
    results = [_one(store, open_source(spec), options) for spec in specs]
    _report(results, dry_run, as_json)


def _options(
    app_state: AppState, since_text: str | None, dry_run: bool, create_contacts: bool
) -> Options:
    from datetime import date

    from crmcli.commands import _dates
    from crmcli.core.sync.mail import Options, my_addresses

    since = None
    if since_text is not None:
        try:
            since = date.fromisoformat(since_text.strip())
        except ValueError:
            since = _dates.parse(app_state, since_text, "past").date
    return Options(
        my_emails=my_addresses(app_state.config.get("my_emails")),
        store_bodies=bool(app_state.config.get("store_bodies")),
        since=since,
        dry_run=dry_run,
        create_contacts=create_contacts,
    )


def _one(store: Any, source: Any, options: Options) -> SourceResult:
    """One source's run, with a progress bar on a terminal once it lasts."""
    from crmcli.commands._progress import SourceProgress
    from crmcli.core.sync.mail import sync_mail

    bar = SourceProgress(source.name)
    try:
        return sync_mail(store, source, options, progress=bar)
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
                    "error_lines": r.error_lines,
                    **({"would_log": [_planned(p) for p in r.planned]} if dry_run else {}),
                }
                for r in results
            ],
        }
        print(json.dumps(doc, ensure_ascii=False, indent=2))
    elif dry_run:
        for r in results:
            for p in r.planned:
                day = (p.at or "now")[:10]
                print(f"{day}  {p.direction.value:<3}  {p.contact}  {p.subject}")
    for r in results:
        for line in r.error_lines:
            print(f"crm: cannot read {line}", file=sys.stderr)
        would = "would log" if dry_run else "logged"
        summary = (
            f"{r.source}: {r.new} new ({would} {r.logged} email(s)), {r.skipped} skipped, "
            f"{r.already} already logged, {r.errors} error(s)"
        )
        if r.created:
            summary += f", {r.created} contact(s) {'to create' if dry_run else 'created'}"
        if r.chunks and r.logged:
            summary += "; undo with `crm undo`" + (f" ({r.chunks} batches)" if r.chunks > 1 else "")
        print(summary, file=sys.stderr)


def _planned(p: Any) -> dict[str, Any]:
    return {
        "item": p.item,
        "contact_id": p.contact_id,
        "contact": p.contact,
        "direction": p.direction.value,
        "subject": p.subject,
        "at": p.at,
        "message_id": p.message_id,
    }


def _status(app_state: AppState, as_json: bool) -> None:
    import json

    from crmcli.core.sync import state as sync_state

    rows = sync_state.all_sources(app_state.store())
    if as_json:
        print(
            json.dumps(
                [
                    {
                        "kind": s.kind,
                        "source": s.name,
                        "last_run_at": s.last_run_at,
                        "counts": s.last_counts,
                        "error": s.last_error,
                        "items": s.items,
                    }
                    for s in rows
                ],
                ensure_ascii=False,
                indent=2,
            )
        )
        return
    if not rows:
        print(
            "no sync has run yet (crm sync mail --maildir PATH, crm sync calendar --vdir PATH, "
            "crm sync contacts --vdir PATH, or [[sync.*]] tables in the config)"
        )
        return
    for s in rows:
        counts = ", ".join(f"{v} {k}" for k, v in (s.last_counts or {}).items()) or "-"
        when = s.last_run_at.replace("T", " ")[:16] + " UTC" if s.last_run_at else "never"
        line = f"{s.kind:<5} {s.name}  last run {when}  {counts}"
        line += f"  {s.items} item(s) seen"
        if s.last_error:
            line += f"  error: {s.last_error}"
        print(line)
