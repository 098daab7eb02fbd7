"""`crm rule ...`: automation rules the rep writes as text, tries, runs and asks about (#23)."""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import typer

from crmcli.commands._options import FormatOpt, JsonFlag
from crmcli.commands._output import LIST_FORMATS, Column, OutputFormat, message, render, resolve
from crmcli.commands._state import state

if TYPE_CHECKING:
    from crmcli.core.db.store import Store
    from crmcli.core.rules.model import Rule

app = typer.Typer(
    name="rule",
    no_args_is_help=True,
    help="Automation rules: when something happens (or is late), do the repetitive part. "
    "Each action is explained (crm rule why) and undone with the change that fired it.",
)

# The forms, as `crm rule add --help` shows them (core.rules.grammar has the same lists;
# importing it here would load the grammar for every `crm rule --help`).
WHEN_HELP = (
    "The trigger: 'deal enters STAGE', 'deal leaves STAGE', 'deal won', 'deal lost', "
    "'KIND logged [with outcome OUTCOME]', 'interaction logged', 'contact created', "
    "'tag added NAME', 'followup overdue [by N days]', 'cadence missed [by N days]'."
)
IF_HELP = (
    "A condition in the filter language, on the trigger's deals (deal triggers) or "
    "contacts (the others), e.g. 'amount:>=5000' or 'tag:vip'."
)
THEN_HELP = (
    "An action (repeatable, done in order): 'followup WHEN: NOTE', 'set FIELD = VALUE', "
    "'tag NAME', 'untag NAME', 'cadence N days', 'cadence off', 'move STAGE', "
    "'next step: TEXT'. NOTE and TEXT take merge fields such as {deal.title}."
)

Name = Annotated[str, typer.Argument(help="The rule's name (case ignored).", show_default=False)]
COLUMNS = [
    Column("name", "NAME", max_width=30),
    Column("enabled", "ON", keep="whole"),
    Column("when", "WHEN", max_width=34),
    Column("if", "IF", max_width=30),
    Column("then", "THEN", max_width=70, keep="give"),
]


def _row(rule: Rule) -> dict[str, Any]:
    return {
        "name": rule.name,
        "enabled": rule.enabled,
        "when": rule.trigger.text,
        "if": rule.condition,
        "then": [a.text for a in rule.actions],
        "description": rule.description,
    }


def _stored_row(rule: Any) -> dict[str, Any]:
    """A stored rule (`catalog.Stored`) as `crm rule list` shows it: its texts."""
    return {
        "name": rule.name,
        "enabled": rule.enabled,
        "when": rule.when,
        "if": rule.condition,
        "then": list(rule.then),
        "description": rule.description,
    }


@app.command("list")
def list_(ctx: typer.Context, fmt: FormatOpt = None, as_json: JsonFlag = False) -> None:
    """Every rule, in the order they fire: name, on or off, when, if, then.

    Exit 1 when there are none.
    """
    from crmcli.core.rules import catalog

    chosen = resolve(fmt, as_json, LIST_FORMATS)
    kept = catalog.stored(state(ctx).store())
    rows = [_stored_row(r) for r in kept]
    render(rows, chosen, COLUMNS)
    for rule in kept:  # listed as written all the same: crm rule edit mends it
        if rule.problem is not None:
            message(f"rule {rule.name!r} does not read ({rule.problem}): fix it with crm rule edit")
    if not rows:
        if chosen is OutputFormat.table:
            message("no rules yet (crm rule add NAME --when ... --then ..., or crm rule edit)")
        raise typer.Exit(1)


@app.command("show")
def show(ctx: typer.Context, name: Name, as_json: JsonFlag = False) -> None:
    """One rule: its trigger, condition and actions as written, and in words."""
    from crmcli.commands._output import render_record
    from crmcli.core.rules import catalog, wording

    store = state(ctx).store()
    rule = catalog.get(store, name)
    count = len(catalog.names(store))
    if as_json:
        render_record({**_row(rule), "position": rule.position}, OutputFormat.json, [])
        return
    actions = [a.text for a in rule.actions]
    words = [wording.describe_trigger(rule.trigger)]
    if rule.condition:
        words.append(f"if the {rule.trigger.subject[:-1]} matches {rule.condition}")
    words += [wording.describe_action(a) for a in rule.actions]
    on = "yes" if rule.enabled else "no (crm rule enable to turn it on)"
    render_record(
        {},
        OutputFormat.table,
        [
            ("Name", rule.name),
            ("Enabled", on),
            ("Order", f"{_ordinal(rule.position)} of {count}"),
            ("When", rule.trigger.text),
            ("If", rule.condition),
            ("Then", "\n".join(actions)),
            ("In words", "\n".join(words)),
            ("About", rule.description),
        ],
    )


def _ordinal(n: int) -> str:
    suffix = "th" if 10 <= n % 100 <= 20 else {1: "st", 2: "nd", 3: "rd"}.get(n % 10, "th")
    return f"{n}{suffix}"


@app.command("add")
def add(
    ctx: typer.Context,
    name: Name,
    when: Annotated[
        str, typer.Option("--when", "-w", help=WHEN_HELP, metavar="TRIGGER", show_default=False)
    ],
    then: Annotated[
        list[str],
        typer.Option("--then", "-t", help=THEN_HELP, metavar="ACTION", show_default=False),
    ],
    condition: Annotated[
        str | None, typer.Option("--if", help=IF_HELP, metavar="QUERY", show_default=False)
    ] = None,
    disabled: Annotated[
        bool, typer.Option("--disabled", help="Save it turned off (crm rule enable NAME later).")
    ] = False,
    description: Annotated[
        str | None,
        typer.Option("--description", "-d", help="What it is for, in a line.", show_default=False),
    ] = None,
) -> None:
    """Add a rule, fired after the others (the same grammar as crm rule edit).

    crm rule add "chase proposals" --when "deal enters Proposal" --then "followup +3d:
    chase the proposal for {deal.title}". A rule that cannot be read, names a stage that
    does not exist, or would fire itself (directly or through other rules) is refused
    (exit 2) and nothing is saved.
    """
    from crmcli.core.rules import catalog, grammar

    rule = grammar.parse_rule(
        name, when, then, condition, enabled=not disabled, description=description
    )
    saved = catalog.add(state(ctx).store(write=True), rule)
    off = " (turned off: crm rule enable to turn it on)" if not saved.enabled else ""
    print(f"added rule {saved.name!r}: when {saved.trigger.text}{_if(saved)}{off}")
    for action in saved.actions:
        print(f"  then {action.text}")


def _if(rule: Rule) -> str:
    return f", if {rule.condition}" if rule.condition else ""


@app.command("enable")
def enable(ctx: typer.Context, name: Name) -> None:
    """Turn a rule on (its stage names and condition are checked again)."""
    _switch(ctx, name, on=True)


@app.command("disable")
def disable(ctx: typer.Context, name: Name) -> None:
    """Turn a rule off; it is kept, and crm rule enable turns it back on."""
    _switch(ctx, name, on=False)


def _switch(ctx: typer.Context, name: str, *, on: bool) -> None:
    from crmcli.core.rules import catalog

    store = state(ctx).store(write=True)
    word = "enabled" if on else "disabled"
    rule = catalog.get(store, name)
    if rule.enabled is on:
        message(f"rule {rule.name!r} is already {word}")
        return
    rule = catalog.set_enabled(store, name, on)
    print(f"{word} rule {rule.name!r}")


@app.command("rm")
def rm(ctx: typer.Context, name: Name) -> None:
    """Remove a rule (crm undo brings it back). What it did stays, and stays explained."""
    from crmcli.core.rules import catalog

    gone = catalog.remove(state(ctx).store(write=True), name)
    print(f"removed rule {gone.name!r} (crm undo brings it back)")


# -- crm rule edit -----------------------------------------------------------------------


@app.command("edit")
def edit(
    ctx: typer.Context,
    start: Annotated[
        Path | None,
        typer.Option(
            "--from",
            help="Start from this file (a kept draft, or rules you keep elsewhere) instead "
            "of the saved rules; - reads standard input.",
            metavar="FILE",
            show_default=False,
            dir_okay=False,
        ),
    ] = None,
    no_edit: Annotated[
        bool,
        typer.Option(
            "--no-edit", help="With --from: save the file's rules as they are, with no editor."
        ),
    ] = False,
) -> None:
    """Edit every rule as one TOML document in $VISUAL or $EDITOR, saved when you quit.

    One [[rule]] table per rule, in the order they fire: name, when, if, then (a list),
    enabled, description. Rules left out are removed. A document that cannot be read is
    one error naming its line; nothing is saved. On a terminal you are offered the
    editor again; otherwise your text is kept in a file that --from takes back.
    """
    from crmcli.commands._rule_edit import edit_rules

    said = edit_rules(state(ctx).store(write=True), start, no_edit=no_edit)
    if said:
        print(said)


# -- running, explaining, trying ---------------------------------------------------------


@app.command("run")
def run(
    ctx: typer.Context,
    dry_run: Annotated[
        bool, typer.Option("--dry-run", help="Show what the time rules would do; change nothing.")
    ] = False,
) -> None:
    """Run the time rules (followup overdue, cadence missed) once, as one undoable change.

    Each fires once per follow-up or contact and occasion: the next run does not repeat
    it, even after crm undo took it back. crm today, crm remind and the TUI run this
    first, so it seldom needs typing.
    """
    from crmcli.commands._rules_first import summary
    from crmcli.core.rules import timed

    state(ctx).store()  # no database yet: said as every reading command says it
    # A dry run writes inside a transaction it then rolls back: it needs the write store.
    report = timed.run(state(ctx).store(write=True), dry_run=dry_run)
    for outcome in report.outcomes:
        print(_outcome_line(outcome))
    said = summary(report.outcomes)
    if dry_run:
        message(f"dry run: {'would be ' + said if said else 'nothing to do'}; nothing changed")
    elif said:
        undo = " (crm undo to take back)" if report.applied else ""
        message(f"rules: {said}{undo}")
    else:
        message("rules: nothing to do")


def _outcome_line(outcome: Any) -> str:
    """One action of a run: `rule 'x': added follow-up #12 … (because …)`, or skipped, why."""
    if outcome.applied is not None:
        return f"rule {outcome.rule!r}: {outcome.applied.said} (because {outcome.reason})"
    return (
        f"rule {outcome.rule!r}: skipped {outcome.action!r}: {outcome.skipped} ({outcome.reason})"
    )


KIND_HELP = "followup, deal or contact (a bare number is a follow-up's id)."


@app.command("why")
def why(
    ctx: typer.Context,
    kind: Annotated[str, typer.Argument(help=KIND_HELP, metavar="KIND", show_default=False)],
    ref: Annotated[
        str | None,
        typer.Argument(
            help="The follow-up's id, the deal's or the contact's REF.",
            metavar="REF",
            show_default=False,
        ),
    ] = None,
    as_json: JsonFlag = False,
) -> None:
    """Why a follow-up, a deal's move or field, or a contact's tag or field is as it is.

    crm rule why 12 (follow-up 12), crm rule why deal "Acme pilot", crm rule why contact
    ann@example.com: each thing a rule did, which rule, when and because of what; a
    follow-up no rule made says which command did.
    """
    from crmcli.core.rules import effects

    what, target = _why_target(kind, ref)
    store = state(ctx).store()
    row_id = _resolve(store, what, target)
    subject = _subject(store, what, row_id)
    if what == "followup":
        found = effects.why(store, "followup", row_id)
    elif what == "deal":
        found = effects.of_deal(store, row_id)
    else:
        found = effects.of_contact(store, row_id)
    table = {"followup": "followup", "deal": "deal", "contact": "contact"}[what]
    made_by = None if found else effects.made_by(store, table, row_id)
    if as_json:
        import json

        doc = {"kind": what, "id": row_id, "by_rules": found, "made_by": made_by}
        print(json.dumps(doc, ensure_ascii=False, indent=2, default=str))
        return
    for effect in found:
        print(_why_line(effect, subject))
    if not found:
        print(_no_rule(subject, made_by))


def _subject(store: Store, kind: str, row_id: int) -> str:
    """How the thing is named in a sentence; NotFound when there is no such thing."""
    if kind == "followup":
        from crmcli.core.activity.followups import get

        followup = get(store, row_id)
        return f"follow-up #{row_id} ({followup['contact']}: {followup['note'] or 'no note'})"
    if kind == "deal":
        from crmcli.core.pipeline.deals import get as get_deal

        return f"deal #{row_id} {get_deal(store, row_id)['title']!r}"
    from crmcli.core.people.directory import get as get_contact

    return f"contact #{row_id} {get_contact(store, row_id)['display_name']}"


def _why_line(effect: Mapping[str, Any], subject: str) -> str:
    """`follow-up #12 was added by rule 'chase proposals' on 2 Mar 2026 09:00 because deal
    #5 'Acme pilot' entered Proposal (followup +3d: chase the proposal)`."""
    from crmcli.core.clock import local_time

    did = _did(effect, subject)
    when = local_time(str(effect["at"]))
    return (
        f"{did} by rule {effect['rule_name']!r} on {when} because {effect['reason']} "
        f"(action: {effect['action_text']})"
    )


def _did(effect: Mapping[str, Any], subject: str) -> str:
    """What the effect did, as the start of a sentence: `tag VIP was added to contact #3 …`."""
    from crmcli.core.errors import Invalid
    from crmcli.core.rules.grammar import parse_action
    from crmcli.core.rules.model import Verb

    table, row_id = str(effect["table_name"]), int(effect["row_id"])
    if table == "followup":
        return f"follow-up #{row_id} was added"
    try:
        action = parse_action(str(effect["action_text"]))
    except Invalid:  # written by another version of crm: its text says what it did
        return f"{subject} was changed"
    if action.verb is Verb.TAG:
        return f"tag {action.tag} was added to {subject}"
    if action.verb is Verb.UNTAG:
        return f"tag {action.tag} was removed from {subject}"
    if action.verb is Verb.SET:
        return f"{action.field} of {_row_name(table, row_id, subject)} was set to {action.value}"
    if action.verb is Verb.CADENCE:
        every = f"every {action.days} days" if action.days else "off"
        return f"the keep-in-touch cadence of {subject} was set {every}"
    if action.verb is Verb.MOVE:
        return f"{_row_name(table, row_id, subject)} was moved to {action.stage}"
    return f"the next step of {_row_name(table, row_id, subject)} was set"


def _row_name(table: str, row_id: int, subject: str) -> str:
    """The subject when the effect is on it, else `deal #5` (a contact's deal, say)."""
    named = subject.split(" ", 2)[:2]
    if named == [table, f"#{row_id}"]:
        return subject
    return f"{table} #{row_id}"


def _no_rule(subject: str, made_by: str | None) -> str:
    if made_by is None:  # imported, or older than the change log keeps
        return f"no rule made or changed {subject}"
    return f"no rule made or changed {subject}: it was added by `crm {made_by}`"


WHY_KINDS = ("followup", "deal", "contact")


def _why_target(kind: str, ref: str | None) -> tuple[str, str]:
    """(kind, ref) from `KIND REF` or a bare follow-up id."""
    from crmcli.core.errors import Invalid

    word = kind.strip().lower()
    if word[:1] != "-":  # `follow-up`, not a negative number
        word = word.replace("-", "")
    if ref is None:
        if word.lstrip("#").isdigit():
            return "followup", word.lstrip("#")
        if word in WHY_KINDS:
            raise Invalid(f"give the {word}'s REF: crm rule why {word} REF")
        raise Invalid(f"unknown kind {kind!r}; use followup, deal or contact, then a REF")
    aliases = {"followups": "followup", "fu": "followup", "deals": "deal", "contacts": "contact"}
    word = aliases.get(word, word)
    if word not in WHY_KINDS:
        raise Invalid(f"unknown kind {kind!r}; use followup, deal or contact")
    return word, ref


def _resolve(store: Store, kind: str, ref: str) -> int:
    """The id `ref` names, the way the CLI reads a REF of that kind."""
    from crmcli.core.errors import Invalid

    if kind == "deal":
        from crmcli.core.pipeline.deals import resolve_deal

        return resolve_deal(store, ref)
    if kind == "contact":
        from crmcli.core.search.refs import resolve_contact

        return resolve_contact(store, ref)
    text = ref.strip().lstrip("#")
    if not text.isdigit():
        raise Invalid(f"a follow-up is named by its id (a number), not {ref!r}")
    return int(text)


@app.command("test")
def test(
    ctx: typer.Context,
    name: Name,
    on: Annotated[
        str,
        typer.Option(
            "--on",
            help="What to try it on: a deal REF (deal triggers), a follow-up id "
            "(followup overdue), or a contact REF (the others).",
            metavar="REF",
            show_default=False,
        ),
    ],
    as_json: JsonFlag = False,
) -> None:
    """Show what a rule would do to one deal or contact now, writing nothing.

    Says whether the trigger and the condition match, then each action: what it would
    do (merge fields filled in), or why it would be skipped. A turned-off rule is tried
    too. Exit 1 when the rule would not fire.
    """
    from crmcli.core.rules import catalog, trial
    from crmcli.core.rules.model import DEAL_EVENTS, Event

    store = state(ctx).store()
    rule = catalog.get(store, name)
    if rule.trigger.event in DEAL_EVENTS:
        kind = "deal"
    elif rule.trigger.event is Event.FOLLOWUP_OVERDUE:
        kind = "followup"
    else:
        kind = "contact"
    subject_id = _resolve(store, kind, on)
    # The actions run for real inside a write that is rolled back: the write store.
    report = trial.test_rule(state(ctx).store(write=True), rule, kind, subject_id)
    if as_json:
        import json
        from dataclasses import asdict

        print(json.dumps(asdict(report), ensure_ascii=False, indent=2, default=str))
    else:
        for line in _trial_lines(report):
            print(line)
    if not report.fires:
        raise typer.Exit(1)


def _trial_lines(report: Any) -> list[str]:
    """What `crm rule test` prints: the happening, then each action and what follows it."""
    lines = [f"rule {report.rule!r} tried on {report.subject}", f"  as if: {report.happening}"]
    if not report.fires:
        lines.append(f"  would not fire: {report.why_not}")
        return lines
    lines += [f"  {_would(o)}" for o in report.outcomes]
    if report.follow_on:
        lines.append("which would set off:")
        lines += [f"  rule {o.rule!r}: {_would(o)}" for o in report.follow_on]
    lines.append("nothing was written (a test)")
    return lines


def _would(outcome: Any) -> str:
    if outcome.applied is not None:
        return f"would do: {outcome.action} -> {outcome.applied.said}"
    return f"would skip: {outcome.action} ({outcome.skipped})"
