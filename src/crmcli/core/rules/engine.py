"""Firing change rules inside the write that set them off, so one undo takes back both.

For each happening in the write's changes (`events`), the enabled change rules whose
trigger and condition match run their actions, in `position` order, through the same
transaction; each applied action leaves a `rule_effect` row. Each action runs under
its own savepoint: one that cannot apply (`actions.Skipped`) is rolled back alone and
the others still run. What the actions change is read for happenings in turn, so a
rule's move can fire the rule on the stage it moves to; loops are refused when rules
are saved (`loops`), and a depth of five rounds stops anything that slips through.
"""

from __future__ import annotations

import functools
from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from crmcli.core.errors import Invalid
from crmcli.core.rules import actions, effects, events
from crmcli.core.rules.model import Event, Rule, Trigger

if TYPE_CHECKING:
    from crmcli.core.db.store import Store, Tx
    from crmcli.core.rules.events import Happening

MAX_DEPTH = 5  # rounds of happenings caused by rules' own actions
_TABLES = {"deals": "deal", "contacts": "contact"}


@dataclass(frozen=True)
class Outcome:
    """One action of one rule on one happening: applied (what it did) or skipped (why)."""

    rule: str
    verb: str  # the action's verb (`model.Verb`): what `crm rule run` counts by
    action: str  # the action's text
    reason: str  # the happening, in words
    applied: actions.Applied | None = None
    skipped: str | None = None


_COLUMNS = "id, name, position, when_text, if_text, then_text, enabled, description"


def load(store: Store, *, timed: bool = False) -> list[Rule]:
    """The enabled change rules (time rules with `timed`), in firing order.

    Each is parsed once per process for the text it has (`_parsed`): a write reads the
    rule table, but parses only a rule it has not met. A rule whose text no longer
    reads cannot fire and must not stop the rep's write: it is left out (`crm rule
    list` and `crm rule edit` say what is wrong with it).
    """
    out: list[Rule] = []
    for row in store.tuples(f"SELECT {_COLUMNS} FROM rule WHERE enabled ORDER BY position, id"):
        try:
            rule = _parsed(tuple(row))
        except Invalid:
            continue
        if rule.trigger.timed == timed:
            out.append(rule)
    return out


@functools.lru_cache(maxsize=512)
def _parsed(row: tuple[Any, ...]) -> Rule:
    from crmcli.core.rules.catalog import rule_from_row

    return rule_from_row(dict(zip(_COLUMNS.split(", "), row, strict=True)))


def fire(tx: Tx, rules: Sequence[Rule] | None = None) -> list[Outcome]:
    """Run `rules` (the enabled change rules by default) on what `tx` has changed so far."""
    chosen = None if rules is None else [r for r in rules if not r.trigger.timed]
    return cascade(tx, chosen, start=0)


def cascade(tx: Tx, rules: Sequence[Rule] | None, *, start: int) -> list[Outcome]:
    """Fire `rules` on the happenings in `tx.changes[start:]`, then on those their actions
    cause, round after round, up to `MAX_DEPTH` rounds. With `rules` None the enabled
    change rules are read, once, when a first happening needs them: a write that changed
    no deal, interaction, contact or tag reads none."""
    out: list[Outcome] = []
    for _ in range(MAX_DEPTH):
        end = len(tx.changes)
        if start >= end:
            break
        happenings = events.derive(tx.store, tx.changes[start:end])
        if happenings and rules is None:
            rules = load(tx.store)
        for happening in happenings:
            for rule in rules or ():
                if triggered(rule.trigger, happening) and holds(tx.store, rule, happening):
                    out += run(tx, rule, happening)
        start = end
    else:
        out += _cut_short(tx, rules, start)
    return out


def _cut_short(tx: Tx, rules: Sequence[Rule] | None, start: int) -> list[Outcome]:
    """What the depth cap kept from running, as skipped outcomes: the rep is told (`rules:
    … 1 action skipped`) rather than a chain stopping in silence."""
    if start >= len(tx.changes):
        return []
    happenings = events.derive(tx.store, tx.changes[start:])
    chosen = rules if rules is not None else (load(tx.store) if happenings else [])
    why = f"not run: rules set off by rules stop after {MAX_DEPTH} rounds"
    return [
        Outcome(rule.name, action.verb, action.text, happening.reason, skipped=why)
        for happening in happenings
        for rule in chosen
        if triggered(rule.trigger, happening) and holds(tx.store, rule, happening)
        for action in rule.actions
    ]


def run(tx: Tx, rule: Rule, happening: Happening) -> list[Outcome]:
    """Every action of `rule` on `happening`, each under its own savepoint."""
    out: list[Outcome] = []
    for action in rule.actions:
        mark = len(tx.changes)
        tx.execute("SAVEPOINT rule_action")
        try:
            applied = actions.apply(tx, rule, action, happening)
            effects.record(tx, rule, action, happening, applied)
        except actions.Skipped as skip:
            tx.execute("ROLLBACK TO SAVEPOINT rule_action")
            tx.execute("RELEASE SAVEPOINT rule_action")
            del tx.changes[mark:]
            out.append(
                Outcome(rule.name, action.verb, action.text, happening.reason, skipped=skip.reason)
            )
            continue
        tx.execute("RELEASE SAVEPOINT rule_action")
        out.append(Outcome(rule.name, action.verb, action.text, happening.reason, applied=applied))
    return out


def _outcome_key(text: str) -> str:
    return text.strip().lower().replace(" ", "-").replace("_", "-")


def triggered(trigger: Trigger, happening: Happening) -> bool:
    """Does the trigger name this happening (stage, kind, outcome, tag as written, case and
    accents ignored)?"""
    from crmcli.core.rules.grammar import stage_matches

    if trigger.event != happening.event:
        return False
    if trigger.event in (Event.DEAL_ENTERS, Event.DEAL_LEAVES) and trigger.stage:
        return stage_matches(trigger.stage, happening.pipeline or "", happening.stage or "")
    if trigger.event == Event.LOGGED:
        if trigger.kind and trigger.kind.lower() != (happening.kind or "").lower():
            return False
        return not trigger.outcome or (
            happening.outcome is not None
            and _outcome_key(trigger.outcome) == _outcome_key(happening.outcome)
        )
    if trigger.event == Event.TAG_ADDED and trigger.tag:
        from crmcli.core.values.text import fold

        return fold(trigger.tag) == happening.tag_key
    return True


def holds(store: Store, rule: Rule, happening: Happening) -> bool:
    """Is the rule's condition (the filter language) true of the happening's subject now?

    A condition that no longer compiles (a field since removed) holds for nothing:
    `crm rule test` says why.
    """
    if not rule.condition:
        return True
    from crmcli.core.query.compile import compile_where
    from crmcli.core.query.fields import entity

    subject = rule.trigger.subject
    alias = entity(subject).alias
    try:
        sql, params = compile_where(store, subject, rule.condition, label=f"rule {rule.name!r}")
    except Invalid:
        return False
    found = store.value(
        f"SELECT 1 FROM {_TABLES[subject]} {alias} WHERE {alias}.id = ? AND ({sql})",
        (happening.subject_id, *params),
    )
    return found is not None
