"""Time rules run first by `crm today` and `crm remind`, and what a run did in one line.

`crm today` is a hot command: without an enabled time rule this costs one small read
of the rule table and imports nothing of the engine (`core.rules.hook` is a few lines);
with one, the run writes only when a rule has something to do.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import TYPE_CHECKING, Any, Protocol

from crmcli.commands._words import plural

if TYPE_CHECKING:
    from crmcli.core.db.store import Store


class Opens(Protocol):
    """What opens the book (`_state.AppState`), named by its shape: `_state` imports this
    module (to say what rules did), so importing it back would be a cycle."""

    def store(self, *, write: bool = False) -> Store: ...


# What an applied action of each verb (`core.rules.model.Verb`) did, counted in a summary.
DONE = {
    "followup": "follow-up added",
    "tag": "tag added",
    "untag": "tag removed",
    "set": "field set",
    "cadence": "cadence set",
    "move": "deal moved",
    "next": "next step set",
}


def summary(outcomes: Iterable[Any]) -> str:
    """ "2 follow-ups added, 1 tag added, 1 action skipped" from a run's outcomes;
    empty when there were none."""
    counts: dict[str, int] = {}
    skipped = 0
    for outcome in outcomes:
        if outcome.skipped is not None:
            skipped += 1
            continue
        counts[outcome.verb] = counts.get(outcome.verb, 0) + 1
    parts = [_counted(n, DONE.get(verb, f"{verb} done")) for verb, n in counts.items()]
    if skipped:
        parts.append(plural(skipped, "action") + " skipped")
    return ", ".join(parts)


def _counted(n: int, done: str) -> str:
    """`2 follow-ups added` from (2, "follow-up added"): the noun counted, the verb kept."""
    noun, verb = done.rsplit(" ", 1)
    return f"{plural(n, noun)} {verb}"


def run_first(app_state: Opens) -> None:
    """Run the enabled time rules, if there are any; say in one stderr line what they did.

    Never stops the command that asked: a database that is not there, busy, or a rule
    that cannot run is one line (or nothing), and the day is shown all the same.
    """
    import sys

    from crmcli.core.errors import CrmError

    try:
        store = app_state.store()
    except CrmError:
        return  # no database (yet): the command that asked says so, or stays quiet
    try:
        from crmcli.core.rules.hook import has_timed

        if not has_timed(store):
            return
        from crmcli.core.rules import timed  # only a book with time rules pays for it

        report = timed.run(app_state.store(write=True))
    except CrmError as exc:
        sys.stderr.write(f"rules: not run ({exc.message})\n")
        return
    said = summary(report.outcomes)
    if said:
        undo = " (crm undo to take back)" if report.applied else ""
        sys.stderr.write(f"rules: {said}{undo}\n")


_NAMED = 3  # rules named in the line; the others counted


def tell_fired(outcomes: Iterable[Any]) -> None:
    """One stderr line for what change rules did inside a command's writes ("rules: 1
    follow-up added, 1 tag added by 'chase proposals'"), so the rep who moved a deal
    knows a chaser now exists, and that `crm undo` takes it back with the move."""
    import sys

    done = list(outcomes)
    said = summary(done)
    if not said:
        return
    named = list(dict.fromkeys(o.rule for o in done))
    names = ", ".join(f"'{name}'" for name in named[:_NAMED])
    if len(named) > _NAMED:  # forty rules firing on one won deal: a line, not a page
        names += f" and {len(named) - _NAMED} more"
    undo = (
        " (crm undo takes back the change and the rules' work)"
        if any(o.applied for o in done)
        else ""
    )
    sys.stderr.write(f"rules: {said} by {names}{undo}\n")
