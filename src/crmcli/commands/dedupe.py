"""`crm dedupe`: likely duplicates, with why; on a terminal, merge the certain ones."""

from __future__ import annotations

import sys
from typing import TYPE_CHECKING

import typer

from crmcli.commands._options import JsonFlag
from crmcli.commands._output import style
from crmcli.commands._state import state

if TYPE_CHECKING:
    from crmcli.core.people.dedupe import Finding


def dedupe(ctx: typer.Context, as_json: JsonFlag = False) -> None:
    """List likely duplicate contacts and companies, certain ones first, each with why.

    Exit 1 when there are some. On a terminal, offers to merge each certain contact pair
    (the older record is kept); `crm contact merge KEEP OTHER` does one by hand.
    """
    from crmcli.core.people.dedupe import find

    store = state(ctx).store()
    findings = find(store)
    if as_json:
        import json

        print(json.dumps([f.__dict__ for f in findings], ensure_ascii=False, indent=2))
    else:
        for f in findings:
            who = " / ".join(f"#{i} {n}" for i, n in zip(f.ids, f.names, strict=True))
            print(f"{style(f.kind, '1')} {f.what}: {who} — {f.why}")
        if not findings:
            print("no likely duplicates")
    if findings and sys.stdin.isatty() and sys.stdout.isatty() and not as_json:
        _offer(ctx, [f for f in findings if f.kind == "certain" and f.what == "contact"])
    if findings:
        raise typer.Exit(1)


def _offer(ctx: typer.Context, pairs: list[Finding]) -> None:
    from crmcli.commands._confirm import offer
    from crmcli.core.errors import CrmError
    from crmcli.core.people import merging

    store = state(ctx).store(write=True)
    for f in pairs:
        keep, other = f.ids
        try:
            preview = merging.plan(store, keep, other)
        except CrmError:
            continue  # merged away by an earlier answer
        print("\n".join(preview.lines()))
        if offer("Merge?"):
            merging.merge(store, keep, other)
            print(f"merged #{other} into #{keep}")
