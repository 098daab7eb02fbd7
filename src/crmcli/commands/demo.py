"""`crm demo`: fill a separate demo database and show a short tour of a rep's day on it."""

from __future__ import annotations

import shlex
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Annotated

import typer

from crmcli.commands._output import message
from crmcli.commands._state import state


def demo(
    ctx: typer.Context,
    to: Annotated[
        Path | None,
        typer.Option(
            "--to",
            help="Demo database file (default: demo.db in the user data "
            "folder; never your real database).",
            show_default=False,
        ),
    ] = None,
    contacts: Annotated[
        int, typer.Option("--contacts", min=1, max=1_000_000, help="How many people to generate.")
    ] = 300,
    seed: Annotated[int, typer.Option("--seed", help="Random seed (same seed, same data).")] = 7,
    tour: Annotated[
        bool, typer.Option("--tour/--no-tour", help="Print the tour afterwards.")
    ] = True,
) -> None:
    """Create a demo database with realistic data, then tour it. Never asks anything.

    Run again, it keeps the previous demo database as demo.db.bak and says so.
    """
    from crmcli.core.books import open_store
    from crmcli.core.demo import data as generator
    from crmcli.core.demo.database import make_way
    from crmcli.core.paths import demo_db_path

    app_state = state(ctx)
    # Only a file marked as a demo database is ever replaced: a real one never is.
    target = (to or demo_db_path()).expanduser()
    kept = make_way(target)
    if kept is not None:
        message(f"kept the previous demo database as {kept}")
    # A new file has no rules; its seed is not the rep's doing either way.
    store = open_store(str(target), app_state.config, write=True, rules=False)
    counts = generator.generate(store, generator.DemoSize(contacts), seed=seed)
    store.close()
    message(
        f"demo database {target}: {counts['contacts']} contacts, {counts['companies']} "
        f"companies, {counts['deals']} deals, {counts['interactions']} interactions, "
        f"{counts['followups']} follow-ups"
    )
    if tour and app_state.run_line is not None:
        _tour(target, app_state.run_line)


def _tour(target: Path, run: Callable[[list[str]], int]) -> None:
    """Run a few real commands against the demo database and show their output."""
    from crmcli.core.books import open_store
    from crmcli.core.config import load
    from crmcli.core.demo.database import tour_subject
    from crmcli.core.values.text import fold

    store = open_store(str(target), load(), write=False)
    person = tour_subject(store)
    store.close()
    db = shlex.quote(str(target))
    steps: list[tuple[str, list[str]]] = []
    if person:
        first = fold(person["first_name"] or "")
        last = fold(person["last_name"] or "")[:3]
        steps.append(
            (
                "Look someone up mid-call (accents and case don't matter):",
                ["find", f"{first} {last}"],
            )
        )
        steps.append(
            (
                "Everything about them, with their history:",
                ["contact", "show", str(person["id"]), "--limit", "5"],
            )
        )
        steps.append(
            (
                "Log the call in one line, promising a follow-up:",
                [
                    "log",
                    "call",
                    str(person["id"]),
                    "Walked through the proposal",
                    "--duration",
                    "20m",
                    "--outcome",
                    "connected",
                    "--next",
                    "fri 10am",
                    "--next-note",
                    "Send the revised quote",
                ],
            )
        )
    steps.append(("The day at a glance (first 3 of each section):", ["today", "--limit", "3"]))
    steps.append(
        (
            "The pipeline board (2 cards a stage; `crm pipeline --all` for all):",
            ["pipeline", "--limit", "2"],
        )
    )
    steps.append(("What will close, and when:", ["forecast"]))
    print("\nA short tour of the demo data\n")
    for caption, argv in steps:
        print(caption)
        print(f"$ crm --db {db} {' '.join(shlex.quote(a) for a in argv)}")
        sys.stdout.flush()
        run(["--db", str(target), *argv])
        sys.stdout.flush()
        print()
    print("Review the pipeline full-screen (q quits):")
    print(f"  crm --db {db} tui")
    print("Point any command at the demo database with --db, or for a whole shell session:")
    print(f"  export CRM_DB={db}")
    print("Then try: crm find <name>, crm contact list --tag vip, crm report")
