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
from typing import Any

from crmcli.core.db.store import Store, Tx
from crmcli.core.errors import Invalid, NotFound
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
    return parse_rule(
        str(row["name"]),
        str(row["when_text"]),
        then,
        row["if_text"],
        bool(row["enabled"]),
        row["description"],
        id=int(row["id"]),
        position=int(row["position"]),
    )


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


def find(store: Store, name: str) -> Rule | None:
    """The rule of that name (case and spacing ignored), or None."""
    key = name_key(name)
    rules = list_rules(store)
    exact = [r for r in rules if r.name == name.strip()]
    folded = exact or [r for r in rules if name_key(r.name) == key]
    return folded[0] if folded else None


def names(store: Store) -> list[str]:
    return [str(r[0]) for r in store.tuples("SELECT name FROM rule ORDER BY position, id")]


def get(store: Store, name: str) -> Rule:
    """The rule of that name; `NotFound` listing the rules there are."""
    rule = find(store, name)
    if rule is None:
        known = names(store)
        hint = (
            f" (rules: {', '.join(known)})"
            if known
            else " (no rules yet: crm rule add NAME --when … --then …)"
        )
        raise NotFound(f"no rule named {name.strip()!r}{hint}")
    return rule


def add(store: Store, rule: Rule) -> Rule:
    """Keep a new rule, last in firing order; returns it as saved.

    Refused (`Invalid`, nothing written) when the name is taken, a stage or the
    condition does not read, or it would loop with the rules already there.
    """
    name = check_name(rule.name)
    with store.write(f"rule add {name}", rules=False) as tx:
        existing = list_rules(store)  # read inside the write: an add meanwhile counts
        taken = [r.name for r in existing if name_key(r.name) == name_key(name)]
        if taken:
            raise Invalid(f"a rule named {taken[0]!r} exists (crm rule edit to change it)")
        position = max((r.position for r in existing), default=0) + 1
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


def replace_all(store: Store, rules: Sequence[Rule]) -> Summary:
    """Make the stored rules exactly `rules`, in that firing order (`crm rule edit`).

    Matched to the stored ones by name (case and spacing ignored): new names are added,
    missing ones removed, the rest updated where their text, state or place changed.
    Every rule is checked first, as a set; on any error nothing is written. One batch.
    """
    wanted = [replace(r, name=check_name(r.name), position=i) for i, r in enumerate(rules, 1)]
    summary = Summary()
    with store.write("rule edit", rules=False) as tx:
        from crmcli.core.rules.checks import check_rules  # writing only: the query compiler

        check_rules(store, wanted)
        stored = {name_key(r["name"]): r for r in _rows(store)}
        keys = {name_key(r.name) for r in wanted}
        for key, row in stored.items():
            if key not in keys:
                tx.delete("rule", int(row["id"]))
                summary.removed.append(str(row["name"]))
        for rule in wanted:
            values = _row(rule, rule.position)
            old = stored.get(name_key(rule.name))
            if old is None:
                tx.insert("rule", values)
                summary.added.append(rule.name)
            elif _differs(old, values):
                tx.update("rule", int(old["id"]), values)
                summary.changed.append(rule.name)
    return summary


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


def remove(store: Store, name: str) -> Rule:
    """Remove a rule (one undoable batch); returns it as it was. What it did stays explained
    (`rule_effect` keeps the rule's name)."""
    rule = get(store, name)
    with store.write(f"rule rm {rule.name}", rules=False) as tx:
        _stored(tx, rule)
        tx.delete("rule", rule.id or 0)
    return rule
