"""The root `crm` command: global options, the command registry, and error handling.

Only the command group being run is imported and registered: building every
group costs start-up time that the hot commands (`find`, `log`, `today`,
`show`) cannot spare, and a group module imports nothing heavy at import time
either. `crm --help` and completion still see every command.

Every error leaves through `run`: a domain error becomes one line on stderr
and its documented exit code; nothing prints a traceback (CRM_DEBUG=1 shows
one for a genuine bug).
"""

from __future__ import annotations

import importlib
import shutil
import subprocess
import sys
from pathlib import Path
from typing import Annotated

import typer

from crmcli import __version__, exits
from crmcli.argv import hoist_db, split_db
from crmcli.commands import _typer_compat as compat

# name -> (module, help). Each module defines `app`, a typer.Typer sub-app.
GROUPS: dict[str, tuple[str, str]] = {
    "contact": ("crmcli.commands.contact", "Add, edit, show, list and remove contacts."),
    "company": ("crmcli.commands.company", "Add, edit, show and list companies."),
    "config": ("crmcli.commands.config", "Read and change settings."),
    "deal": ("crmcli.commands.deal", "Add, edit, move, win, lose and list deals."),
    "stage": ("crmcli.commands.stage", "List and change the pipeline's stages."),
    "pipeline": (
        "crmcli.commands.pipeline",
        "The board (no subcommand), and the pipelines: list, add, rename, rm.",
    ),
    "goal": ("crmcli.commands.goal", "Set weekly or monthly activity goals and see progress."),
    "view": ("crmcli.commands.view", "Saved views: a --where query kept under a name (--view)."),
    "followup": ("crmcli.commands.followup", "Add, list, complete, snooze and remove follow-ups."),
    "import": ("crmcli.commands.imports", "Bring contacts and deals in from other tools' files."),
    "export": ("crmcli.commands.export", "Write records out for other tools (csv, json, ics...)."),
    "db": ("crmcli.commands.db", "The database file: where it is, its schema, upgrades."),
    "rule": ("crmcli.commands.rule", "Automation rules: add, edit, list, run, test and why."),
    "template": ("crmcli.commands.template", "Message templates with merge fields, for mail."),
    "mail": ("crmcli.commands.mail", "Mail drafts from templates: print, save, edit or send."),
    "sync": (
        "crmcli.commands.sync",
        "Mail and meetings into the log, follow-ups to a calendar, contacts both ways.",
    ),
}
# name -> (module, function): top-level shortcuts for what reps type most.
COMMANDS: dict[str, tuple[str, str]] = {
    "today": ("crmcli.commands.today", "today"),
    "find": ("crmcli.commands.find", "find"),
    "log": ("crmcli.commands.log", "log"),
    "agenda": ("crmcli.commands.today", "agenda"),
    "search": ("crmcli.commands.search", "search"),
    "forecast": ("crmcli.commands.pipeline", "forecast"),
    "report": ("crmcli.commands.report", "report"),
    "whoami": ("crmcli.commands.config", "whoami"),
    "status": ("crmcli.commands.status", "status"),
    "remind": ("crmcli.commands.remind", "remind"),
    "undo": ("crmcli.commands.undo", "undo"),
    "doctor": ("crmcli.commands.doctor", "doctor"),
    "dedupe": ("crmcli.commands.dedupe", "dedupe"),
    "backup": ("crmcli.commands.backup", "backup"),
    "restore": ("crmcli.commands.backup", "restore"),
    "demo": ("crmcli.commands.demo", "demo"),
    "tui": ("crmcli.commands.tui", "tui"),
    "mcp": ("crmcli.commands.mcp", "mcp"),
    "brief": ("crmcli.commands.brief", "brief"),
}

HELP = (
    "A terminal-first CRM: your contacts, calls, follow-ups and deals in one local file.\n\n"
    "REF, wherever a command takes one, is an id, an email, an exact name (quote names with "
    "spaces) or a name prefix only one contact has."
)


def _version(value: bool) -> None:
    if value:
        print(f"crm {__version__}")
        raise typer.Exit()


def _shell(value: str) -> str:
    """The shell named on the command line, or the one crm runs in when none was named."""
    shell = value.strip().lower() or compat.current_shell() or ""
    if shell not in compat.SHELLS:
        named = f"unknown shell {value!r}" if value.strip() else "cannot tell which shell this is"
        raise compat.PlainUsage(f"{named}; name one: {compat.words(compat.SHELLS)}")
    return shell


def _install_completion(value: str | None) -> None:
    if value is not None:
        shell = _shell(value)
        path = compat.install_completion(shell)
        print(f"{shell} completion installed in {path}; it takes effect in a new shell")
        raise typer.Exit()


def _show_completion(value: str | None) -> None:
    if value is not None:
        print(compat.completion_script(_shell(value)))
        raise typer.Exit()


def man_page() -> str:
    """crm(1) in roff, from the whole command tree (the shipped crm.1 is this, frozen)."""
    from crmcli.man.render import render

    return render(typer.main.get_command(build_app()), __version__)


def _man(value: bool) -> None:
    if value:
        page = man_page()
        pager = shutil.which("man") if sys.stdout.isatty() else None
        if pager is None or subprocess.run([pager, "-l", "-"], input=page, text=True).returncode:
            sys.stdout.write(page)
        raise typer.Exit()


def optional_shell(argv: list[str]) -> list[str]:
    """`--install-completion` and `--show-completion` take an optional SHELL: given none
    (nothing, or another option, follows), the empty value means "the shell I am in"."""
    out = list(argv)
    for i, arg in enumerate(out):
        if arg == "--":
            break
        if arg in ("--install-completion", "--show-completion") and (
            i + 1 == len(out) or out[i + 1].startswith("-")
        ):
            out.insert(i + 1, "")
            break
    return out


def _root_callback(
    ctx: typer.Context,
    db: Annotated[
        str | None,
        typer.Option(
            "--db",
            help="Database file to use (default: $CRM_DB, then the user data folder).",
            metavar="PATH",
            show_default=False,
        ),
    ] = None,
    version: Annotated[
        bool,
        typer.Option(
            "--version", callback=_version, is_eager=True, help="Show the version and exit."
        ),
    ] = False,
    man: Annotated[
        bool,
        typer.Option(
            "--man",
            callback=_man,
            is_eager=True,
            help="Show the manual page (its roff source when piped: crm --man > crm.1).",
        ),
    ] = False,
    install_completion: Annotated[
        str | None,
        typer.Option(
            "--install-completion",
            metavar="[SHELL]",
            callback=_install_completion,
            is_eager=True,
            help="Install completion for bash, zsh or fish (default: the shell you are in).",
            show_default=False,
        ),
    ] = None,
    show_completion: Annotated[
        str | None,
        typer.Option(
            "--show-completion",
            metavar="[SHELL]",
            callback=_show_completion,
            is_eager=True,
            help="Print the completion script for bash, zsh or fish, to install it yourself.",
            show_default=False,
        ),
    ] = None,
) -> None:
    from crmcli.commands._state import state

    app_state = state(ctx)
    app_state.db = db
    app_state.run_line = run  # the demo's tour runs real command lines
    if ctx.invoked_subcommand is None:
        # `crm` alone on a terminal is the daily view, once there is data to show.
        if sys.stdout.isatty():
            from crmcli.core.db.store import resolve_location

            location = resolve_location(db)
            if location.is_url or Path(location.target).exists():
                from crmcli.commands.today import today

                today(ctx, show_all=False, limit=20, as_json=False)
                return
        print(ctx.get_help())


def build_app(only: str | None = None) -> typer.Typer:
    """The root app with every command, or with just the one about to run.

    Typer's own completion options are left out: they ignore a shell named after them
    (`--install-completion zsh` from bash installed bash's); the root's take one.
    """
    compat.plain_help()
    app = typer.Typer(
        name="crm",
        help=HELP,
        add_completion=False,
        pretty_exceptions_enable=False,
        context_settings={"help_option_names": ["-h", "--help"]},
    )
    app.callback(invoke_without_command=True)(_root_callback)
    names = [only] if only in GROUPS or only in COMMANDS else [*COMMANDS, *GROUPS]
    for name in names:
        if name in GROUPS:
            module, help_text = GROUPS[name]
            app.add_typer(importlib.import_module(module).app, name=name, help=help_text)
        else:
            module, function = COMMANDS[name]
            app.command(name)(getattr(importlib.import_module(module), function))
    return app


def _first_command(argv: list[str]) -> str | None:
    """The command name in argv, skipping the global `--db` option before it."""
    rest = split_db(argv)[1]
    if not rest or rest[0].startswith("-"):
        return None  # --help, --version, completion options: register everything
    return rest[0]


def run(argv: list[str]) -> int:
    """Run one command line; returns the exit code. Never lets a traceback out."""
    argv = optional_shell(hoist_db(argv))
    # Completion runs on every TAB, so it too registers only the group being typed;
    # while the group name itself is being typed, everything is registered.
    completing = compat.completing()
    if completing:
        compat.register_completion()
    app = build_app(_first_command(compat.completion_words() if completing else argv))
    try:
        result = app(args=argv, prog_name="crm", standalone_mode=False)
    except typer.Exit as exc:
        return exc.exit_code
    except (typer.Abort, KeyboardInterrupt, EOFError):
        return exits.fail("aborted", 1)
    except compat.UsageError as exc:
        return _usage_error(exc)
    except SystemExit:
        # Typer meets a closed pipe first and exits 1, wrapping stdout to stay quiet.
        if compat.stdout_reader_gone():
            return exits.reader_gone()
        raise
    except Exception as exc:  # a domain error, a closed pipe, a bug: said as the fast path does
        code = exits.code_for(exc)
        if code is None:  # CRM_DEBUG=1: the traceback
            raise
        return code
    return result if isinstance(result, int) else 0


def _usage_error(exc: compat.UsageError) -> int:
    if compat.is_help_request(exc):
        # Rich help (a terminal) has printed itself; plain help (piped) is the message.
        text = exc.format_message()
        if text:
            sys.stdout.write(text.rstrip("\n") + "\n")
        return 0  # a request, not an error
    where, text, code = compat.usage_report(exc)
    hint = f" (see `{where} --help`)" if where is not None else ""
    from crmcli.core.values.text import printable

    sys.stderr.write(f"{where or 'crm'}: {printable(text)}{hint}\n")
    return code
