"""`crm contact relate / unrelate`: relationships between people (`core.people.relations`).

Registered on the `contact` group by `commands.contact`; kept here so that module stays
under the size a reader takes in at once.
"""

from __future__ import annotations

from typing import Annotated, Any

import typer

from crmcli.commands import _complete
from crmcli.commands._options import JsonFlag
from crmcli.commands._output import OutputFormat, message, render_record
from crmcli.commands._state import state

KIND_HELP = (
    'How A relates to B, read "A KIND B": reports to, manager of, assistant of, referred by, '
    "referrer of, spouse, partner, colleague, friend, sibling, relative, parent of, child of "
    '(case-insensitive; "of" optional), or a word of your own ("mentor": A is B\'s mentor).'
)


def _other(help_text: str, metavar: str) -> Any:
    return typer.Argument(
        help=help_text, metavar=metavar, show_default=False, autocompletion=_complete.contacts
    )


def relate(
    ctx: typer.Context,
    first: Annotated[str, _other("The contact (REF: id, email, exact name, unique prefix).", "A")],
    kind: Annotated[str, typer.Argument(help=KIND_HELP, metavar="KIND", show_default=False)],
    second: Annotated[str, _other("The other contact (REF).", "B")],
    as_json: JsonFlag = False,
) -> None:
    """Record how two contacts relate: `crm contact relate Ann "reports to" Bob`.

    Shown on both: Ann's record lists Bob as her manager, Bob's lists Ann as his direct
    report. The same relation twice is kept once. Undoable (`crm undo`).
    """
    from crmcli.core.people import relations
    from crmcli.core.search.refs import resolve_contact

    store = state(ctx).store(write=True)
    a, b = resolve_contact(store, first), resolve_contact(store, second)
    done = relations.relate(store, a, kind, b)
    if as_json:
        render_record(done.public(), OutputFormat.json, [])
    elif done.created:
        print(f"related {done.sentence()}" + (" (linked the name already there)" * done.linked))
    if not done.created:
        message(f"already related: {done.sentence()}; nothing changed")


def unrelate(
    ctx: typer.Context,
    first: Annotated[str, _other("The contact (REF).", "A")],
    kind_or_second: Annotated[
        str,
        typer.Argument(
            help="KIND, as `relate` takes it (optional: without it, B comes second).",
            metavar="[KIND]",
            show_default=False,
        ),
    ],
    second: Annotated[
        str | None, _other("The other contact (REF), when KIND is given.", "B")
    ] = None,
    as_json: JsonFlag = False,
) -> None:
    """Remove how A relates to B: `crm contact unrelate A [KIND] B`.

    Without KIND, every relation between the two goes (each is listed). Exit 1 when
    there is none. Undoable (`crm undo`).
    """
    from crmcli.core.people import relations
    from crmcli.core.search.refs import resolve_contact

    kind, other = (kind_or_second, second) if second is not None else (None, kind_or_second)
    store = state(ctx).store(write=True)
    a, b = resolve_contact(store, first), resolve_contact(store, other)
    done = relations.unrelate(store, a, b, kind)
    if as_json:
        render_record(done.public(), OutputFormat.json, [])
        return
    for said in done.removed:
        print(f"unrelated #{a} {done.a['name']} {said} #{b} {done.b['name']}")
