"""The rules kept in the database (table `rule`): list, add, replace all, enable, remove.

Rules are stored as the text the rep wrote and parsed when read, so `crm rule edit`
shows exactly what was saved; in the database rather than a file, so that a team on
PostgreSQL shares one set (whoever added them). Like saved views, a rule is checked
in full before it is kept (grammar, stages, condition, loops with the others) and
every change is one undoable batch; rule edits never fire rules (`rules=False`).
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass, field, replace
from typing import Any, NoReturn

from crmcli.core.db.store import Store, Tx
from crmcli.core.errors import Conflict, Invalid, NotFound
from crmcli.core.rules.grammar import check_name, name_key, parse_rule
from crmcli.core.rules.model import Rule

_COLUMNS = "id, name, position, when_text, if_text, then_text, enabled, description"


@dataclass
class Summary:
    """What `replace_all` did, by rule name."""

    added: list[str] = field(default_factory=list)
    changed: list[str] = field(default_factory=list)
    removed: list[str] = field(default_factory=list)

    @property
    def nothing(self) -> bool:
        return not (self.added or self.changed or self.removed)


@dataclass(frozen=True)
class Stored:
    """A rule as kept, by its texts, whether or not they still read (a rule written by a
    newer crm on a shared database, say): what `crm rule list` and `crm rule edit` show,
    so that one unreadable rule never locks the rep out of the others, or out of fixing it."""

    id: int
    name: str
    position: int
    when: str
    condition: str | None
    then: tuple[str, ...]
    enabled: bool
    description: str | None
    problem: str | None = None  # why it no longer reads; None when it does


def stored(store: Store) -> list[Stored]:
    """Every rule's texts, in firing order, each with what is wrong with it, if anything."""
    return [_stored_of(row) for row in _rows(store)]


def _stored_of(row: dict[str, Any]) -> Stored:
    try:
        rule_from_row(row)
        problem = None
    except Invalid as exc:
        problem = exc.message
    return Stored(
        id=int(row["id"]),
        name=str(row["name"]),
        position=int(row["position"]),
        when=str(row["when_text"]),
        condition=row["if_text"],
        then=_then_texts(row),
        enabled=bool(row["enabled"]),
        description=row["description"],
        problem=problem,
    )


def _then_texts(row: dict[str, Any]) -> tuple[str, ...]:
    """The stored actions' texts; the raw column as one text when it is not a JSON list."""
    try:
        then = json.loads(row["then_text"])
    except ValueError:
        then = None
    if isinstance(then, list) and all(isinstance(t, str) for t in then):
        return tuple(then)
    return (str(row["then_text"]),)


def rule_from_row(row: dict[str, Any]) -> Rule:
    """A stored rule, parsed; `Invalid` naming it if its text no longer reads."""
    try:
        then = json.loads(row["then_text"])
    except ValueError:
        then = None
    if not isinstance(then, list) or not all(isinstance(t, str) for t in then):
        raise Invalid(
            f"the saved rule {row['name']!r} has unreadable actions: fix it with crm rule edit"
        )
    rule = parse_rule(
        str(row["name"]),
        str(row["when_text"]),
        then,
        None,
        bool(row["enabled"]),
        None,
        id=int(row["id"]),
        position=int(row["position"]),
    )
    # The condition and description as kept: checked when saved (a condition compiles, or
    # holds for nothing, when the rule fires), never a reason for a saved rule not to read.
    return replace(rule, condition=row["if_text"] or None, description=row["description"])


def _row(rule: Rule, position: int) -> dict[str, Any]:
    """The stored columns of `rule` (its texts as written)."""
    return {
        "name": rule.name,
        "position": position,
        "when_text": rule.trigger.text,
        "if_text": rule.condition,
        "then_text": json.dumps([a.text for a in rule.actions], ensure_ascii=False),
        "enabled": bool(rule.enabled),
        "description": rule.description,
    }


def _rows(store: Store, where: str = "", params: Sequence[Any] = ()) -> list[dict[str, Any]]:
    return store.rows(f"SELECT {_COLUMNS} FROM rule{where} ORDER BY position, id", params)


def list_rules(store: Store) -> list[Rule]:
    """Every rule, in firing order (position, then age)."""
    return [rule_from_row(r) for r in _rows(store)]


def enabled_rules(store: Store) -> list[Rule]:
    """The rules that fire, in firing order."""
    return [rule_from_row(r) for r in _rows(store, " WHERE enabled = ?", (True,))]


def readable(store: Store) -> list[Rule]:
    """The rules that still read, in firing order (the others are shown by `stored`)."""
    out = []
    for row in _rows(store):
        try:
            out.append(rule_from_row(row))
        except Invalid:
            continue
    return out


def _found(store: Store, name: str) -> dict[str, Any] | None:
    """The stored row of the rule of that name (case and spacing ignored), read or not."""
    key = name_key(name)
    rows = _rows(store)
    exact = [r for r in rows if r["name"] == name.strip()]
    folded = exact or [r for r in rows if name_key(str(r["name"])) == key]
    return folded[0] if folded else None


def find(store: Store, name: str) -> Rule | None:
    """The rule of that name (case and spacing ignored), or None; `Invalid` when its text
    no longer reads (only that rule's: the others are not read)."""
    row = _found(store, name)
    return None if row is None else rule_from_row(row)


def names(store: Store) -> list[str]:
    return [str(r[0]) for r in store.tuples("SELECT name FROM rule ORDER BY position, id")]


def get(store: Store, name: str) -> Rule:
    """The rule of that name; `NotFound` listing the rules there are."""
    rule = find(store, name)
    if rule is None:
        _not_found(store, name)
    return rule


def _not_found(store: Store, name: str) -> NoReturn:
    """`NotFound` for `name`, listing the rules there are."""
    known = names(store)
    hint = (
        f" (rules: {', '.join(known)})"
        if known
        else " (no rules yet: crm rule add NAME --when … --then …)"
    )
    raise NotFound(f"no rule named {name.strip()!r}{hint}")


def add(store: Store, rule: Rule) -> Rule:
    """Keep a new rule, last in firing order; returns it as saved.

    Refused (`Invalid`, nothing written) when the name is taken, a stage or the
    condition does not read, or it would loop with the rules already there.
    """
    name = check_name(rule.name)
    with store.write(f"rule add {name}", rules=False) as tx:
        rows = _rows(store)  # read inside the write: an add meanwhile counts
        taken = [str(r["name"]) for r in rows if name_key(str(r["name"])) == name_key(name)]
        if taken:
            raise Invalid(f"a rule named {taken[0]!r} exists (crm rule edit to change it)")
        position = max((int(r["position"]) for r in rows), default=0) + 1
        existing = readable(store)  # one that no longer reads cannot fire, nor loop
        new = replace(rule, name=name, id=None, position=position)
        # The new rule in full; the others only for loops (one broken since it was saved,
        # its stage renamed, says so when enabled or edited, not when another is added).
        from crmcli.core.rules.checks import check_rule, stage_kinds, stage_rows
        from crmcli.core.rules.loops import check_loops

        stages = stage_rows(store)
        check_rule(store, new, stages)
        check_loops([*existing, new], stage_kinds=stage_kinds(stages))
        new_id = tx.insert("rule", _row(new, position))
    return replace(new, id=new_id)


def replace_all(
    store: Store, rules: Sequence[Rule], *, expected: Sequence[Stored] | None = None
) -> Summary:
    """Make the stored rules exactly `rules`, in that firing order (`crm rule edit`).

    Matched to the stored ones by name (case and spacing ignored): new names are added,
    missing ones removed, the rest updated where their text, state or place changed.
    Every rule is checked first, as a set; on any error nothing is written. One batch.

    `expected`: the rules as they were when the rep began (`stored`); if another shell
    changed them since, `Conflict` naming what changed, and nothing is written, rather
    than the rep's document silently dropping a rule added meanwhile.
    """
    wanted = [replace(r, name=check_name(r.name), position=i) for i, r in enumerate(rules, 1)]
    summary = Summary()
    with store.write("rule edit", rules=False) as tx:
        if expected is not None:
            _unchanged_since(list(expected), stored(store))  # inside the write: no race
        from crmcli.core.rules.checks import check_rules  # writing only: the query compiler

        check_rules(store, wanted)
        kept = {name_key(r["name"]): r for r in _rows(store)}
        keys = {name_key(r.name) for r in wanted}
        for key, row in kept.items():
            if key not in keys:
                tx.delete("rule", int(row["id"]))
                summary.removed.append(str(row["name"]))
        for rule in wanted:
            values = _row(rule, rule.position)
            old = kept.get(name_key(rule.name))
            if old is None:
                tx.insert("rule", values)
                summary.added.append(rule.name)
            elif _differs(old, values):
                tx.update("rule", int(old["id"]), values)
                summary.changed.append(rule.name)
    return summary


def _unchanged_since(before: list[Stored], now: list[Stored]) -> None:
    """`Conflict` naming the rules added, removed or changed between `before` and `now`."""
    if before == now:
        return
    then = {r.id: r for r in before}
    current = {r.id: r for r in now}
    added = [r.name for r in now if r.id not in then]
    removed = [r.name for r in before if r.id not in current]
    changed = [r.name for r in now if r.id in then and then[r.id] != r]
    parts = [
        f"{word} {', '.join(repr(n) for n in names[:5])}{' …' if len(names) > 5 else ''}"
        for word, names in (("added", added), ("removed", removed), ("changed", changed))
        if names
    ]
    raise Conflict(f"the rules were changed meanwhile ({'; '.join(parts)})")


def _differs(row: dict[str, Any], values: dict[str, Any]) -> bool:
    return any((bool(row[k]) != v) if k == "enabled" else (row[k] != v) for k, v in values.items())


def _stored(tx: Tx, rule: Rule) -> dict[str, Any]:
    """The rule's row inside the write; `NotFound` if it was removed since it was read."""
    row = tx.get("rule", rule.id or 0)
    if row is None:
        raise NotFound(f"rule {rule.name!r} was just removed")
    return row


def set_enabled(store: Store, name: str, enabled: bool) -> Rule:
    """Enable or disable a rule (one batch). Enabling checks it again against the database
    (a stage renamed since it was saved is refused now, not when it fires)."""
    rule = get(store, name)
    verb = "enable" if enabled else "disable"
    with store.write(f"rule {verb} {rule.name}", rules=False) as tx:
        _stored(tx, rule)
        if enabled:
            from crmcli.core.rules.checks import check_rule, stage_rows

            check_rule(store, rule, stage_rows(store))
        tx.update("rule", rule.id or 0, {"enabled": enabled})
    return replace(rule, enabled=enabled)


def remove(store: Store, name: str) -> Stored:
    """Remove a rule (one undoable batch), even one whose text no longer reads; returns
    it as it was. What it did stays explained (`rule_effect` keeps the rule's name)."""
    row = _found(store, name)
    if row is None:
        _not_found(store, name)
    gone = _stored_of(row)
    with store.write(f"rule rm {gone.name}", rules=False) as tx:
        if tx.get("rule", gone.id) is None:
            raise NotFound(f"rule {gone.name!r} was just removed")
        tx.delete("rule", gone.id)
    return gone


def naming(store: Store, pipeline: str, stage: str | None = None) -> list[str]:
    """The rules whose trigger or `move` names this stage (`stage` None: any stage named
    through this pipeline, `Pipeline/Stage`): renaming or removing it leaves them
    pointing at nothing, which the command that does it says."""
    from crmcli.core.rules.grammar import split_stage, stage_matches
    from crmcli.core.rules.model import Verb
    from crmcli.core.values.text import fold

    def names_it(ref: str | None) -> bool:
        if not ref:
            return False
        if stage is not None:
            return stage_matches(ref, pipeline, stage)
        qualifier = split_stage(ref)[0]
        return qualifier is not None and fold(qualifier) == fold(pipeline)

    out = []
    for rule in readable(store):
        refs = [rule.trigger.stage, *(a.stage for a in rule.actions if a.verb is Verb.MOVE)]
        if any(names_it(ref) for ref in refs):
            out.append(rule.name)
    return out
