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
    """List likely duplicate contacts and companies, certain ones first, each with why
    and the command that merges them.

    A check: exit 1 when it lists any, 0 when none. On a terminal it offers to merge each
    certain contact pair (the older record is kept); when every one offered is merged,
    it exits 0. `crm contact merge KEEP OTHER` does one by hand.
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
            for command in _merge_commands(f):
                print(f"  {command}")
        if not findings:
            print("no likely duplicates")
    if findings and sys.stdin.isatty() and sys.stdout.isatty() and not as_json:
        offered = [f for f in findings if f.kind == "certain" and f.what == "contact"]
        if offered and _offer(ctx, offered):
            return  # the rep merged every pair offered: the check is settled
    if findings:
        raise typer.Exit(1)


def _merge_commands(finding: Finding) -> list[str]:
    """The commands that would merge a finding's records into its oldest one.

    None for a shared line or mailbox: several people on one number are not one person.
    """
    if finding.kind == "shared":
        return []
    keep, *others = finding.ids
    return [f"crm {finding.what} merge {keep} {other}" for other in others]


def _offer(ctx: typer.Context, pairs: list[Finding]) -> bool:
    """Offer each pair for merging; True when every one ended merged."""
    from crmcli.commands._confirm import offer
    from crmcli.core.errors import CrmError
    from crmcli.core.people import merging

    store = state(ctx).store(write=True)
    every = True
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
        else:
            every = False
    return every
