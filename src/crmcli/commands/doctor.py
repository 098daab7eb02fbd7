"""`crm doctor`: check the database; exit 1 when problems are found, each with its fix."""

from __future__ import annotations

from pathlib import Path

import typer

from crmcli.commands._options import JsonFlag
from crmcli.commands._output import style
from crmcli.commands._state import state


def doctor(ctx: typer.Context, as_json: JsonFlag = False) -> None:
    """Integrity, orphans, unreachable contacts, unreadable phones, emails and dates, deals
    in the wrong stage. Exits 1 when it finds problems, printing the command that fixes each
    (for a damaged database: restoring the newest backup, or SQLite's `.recover`).
    """
    from crmcli.core.db.store import resolve_location
    from crmcli.core.errors import Damaged
    from crmcli.core.people.doctor import damage_report, diagnose

    app_state = state(ctx)
    try:
        report = diagnose(app_state.store())
    except Damaged as exc:  # too damaged to open: that is the finding, with the way out
        database = Path(resolve_location(app_state.db).target).expanduser()
        report = damage_report(database, [exc.reason])
    if as_json:
        import json

        print(
            json.dumps(
                {
                    "ok": report.ok,
                    "counts": report.counts,
                    "problems": [p.__dict__ for p in report.problems],
                },
                ensure_ascii=False,
                indent=2,
            )
        )
    else:
        for check, count in report.counts.items():
            mark = style("ok", "32") if not count else style(f"{count} found", "31")
            print(f"{check:14} {mark}")
            for problem in (p for p in report.problems if p.check == check):
                print(f"  {problem.subject}: {problem.detail}")
                print(f"    fix: {problem.fix}")
            shown = sum(1 for p in report.problems if p.check == check)
            if count > shown:
                print(f"  … and {count - shown} more")
    if not report.ok:
        raise typer.Exit(1)
