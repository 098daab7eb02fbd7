"""The rules as one TOML document, for `crm rule edit`: written for a person, read back strictly.

`dump` writes every rule as a `[[rule]]` table in firing order, under a comment that
recalls the grammar; `load` reads an edited document back into rules, refusing the
first problem with the line it is on (TOML syntax, an unknown key, a missing one, a
name given twice, a trigger or action that does not read, and, given the store, a
stage that does not exist, a condition that does not compile, a loop). The standard
library reads TOML but does not write it, so the small writer is here: only strings,
booleans and lists of strings are ever written.
"""

from __future__ import annotations

import re
import tomllib
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

from crmcli.core.activity.interactions import Kind
from crmcli.core.errors import Invalid
from crmcli.core.query.parse import QueryError
from crmcli.core.rules import checks, grammar, loops
from crmcli.core.rules.catalog import Stored
from crmcli.core.rules.model import Rule, Verb

if TYPE_CHECKING:
    from crmcli.core.db.store import Store

KEYS = ("name", "description", "when", "if", "then", "enabled")
REQUIRED = ("name", "when", "then")


def _header() -> str:
    contact = ", ".join(grammar.SETTABLE["contacts"])
    deal = ", ".join(grammar.SETTABLE["deals"])
    return f"""\
# crm rules: one [[rule]] table per rule, in the order they fire.
# Save and quit to keep them; a rule that does not read is one error naming its line,
# and then nothing is saved. Remove a table to remove that rule.
#
#   name = "chase proposals"             # required, unique
#   description = "why it exists"        # optional
#   when = "deal enters Proposal"        # required: the trigger
#   if = "amount:>=5000 tag:vip"         # optional: the filter language (as --where), on
#                                        #   deals for deal triggers, on contacts otherwise
#   then = ["followup +3d: chase {{deal.title}}"]  # required: one action or more
#   enabled = true                       # optional, true unless set to false
#
# when: deal enters STAGE | deal leaves STAGE (STAGE or PIPELINE/STAGE) | deal won
#       | deal lost | interaction logged | KIND logged | KIND logged with outcome OUTCOME
#       | contact created | tag added NAME | followup overdue [by N days]
#       | cadence missed [by N days]          KIND: {", ".join(k.value for k in Kind)}
# then: followup WHEN: NOTE (WHEN as for follow-ups: +3d, tomorrow 9am, in 2 weeks)
#       | set FIELD = VALUE (on contacts: {contact};
#                            on deals: {deal})
#       | tag NAME | untag NAME | cadence N days | cadence off
#       | move STAGE | next step: TEXT (move and next step: deal triggers only)
# Notes take merge fields: {{first_name}}, {{company}}, {{deal.title}}… ({{{{ for a brace).
"""


_EXAMPLE = """\
# No rules yet. For example:
#
# [[rule]]
# name = "chase proposals"
# when = "deal enters Proposal"
# then = ["followup +3d: chase the proposal for {deal.title}"]
"""

_ESCAPES = {
    '"': '\\"',
    "\\": "\\\\",
    "\n": "\\n",
    "\t": "\\t",
    "\r": "\\r",
    "\b": "\\b",
    "\f": "\\f",
}


def toml_string(text: str) -> str:
    """`text` as a TOML basic string: quotes, backslashes and control characters escaped,
    everything else (accents, emoji) as it is."""
    out = []
    for ch in text:
        if ch in _ESCAPES:
            out.append(_ESCAPES[ch])
        elif ord(ch) < 0x20 or ord(ch) == 0x7F:
            out.append(f"\\u{ord(ch):04X}")
        else:
            out.append(ch)
    return '"' + "".join(out) + '"'


def _table(rule: Rule | Stored) -> str:
    if isinstance(rule, Stored):
        when, then, problem = rule.when, list(rule.then), rule.problem
    else:
        when, then, problem = rule.trigger.text, [a.text for a in rule.actions], None
    lines = ["[[rule]]", f"name = {toml_string(rule.name)}"]
    if problem is not None:  # kept as written, so the rep can mend it here
        lines.insert(0, "# this rule no longer reads: " + " ".join(problem.split()))
    if rule.description is not None:
        lines.append(f"description = {toml_string(rule.description)}")
    lines.append(f"when = {toml_string(when)}")
    if rule.condition is not None:
        lines.append(f"if = {toml_string(rule.condition)}")
    actions = [toml_string(a) for a in then]
    if len(actions) == 1:
        lines.append(f"then = [{actions[0]}]")
    else:
        lines += ["then = [", *(f"  {a}," for a in actions), "]"]
    lines.append(f"enabled = {'true' if rule.enabled else 'false'}")
    return "\n".join(lines) + "\n"


def dump(rules: Sequence[Rule | Stored]) -> str:
    """The rules as the document `crm rule edit` opens (stored ones whose text no longer
    reads as they are, under a comment saying what is wrong)."""
    body = "\n".join(_table(r) for r in rules) if rules else _EXAMPLE
    return f"{_header()}\n{body}"


# -- reading ------------------------------------------------------------------------------

_TOML_AT = re.compile(r"^(?P<what>.*) \(at line (?P<line>\d+), column (?P<col>\d+)\)$", re.S)
_TABLE = re.compile(r"\s*\[\[\s*rule\s*\]\]")
_HEADER = re.compile(r"\s*\[")


class _Layout:
    """Where things are in the document's text: the line of each `[[rule]]` table and of
    each key inside it (1-based), found by scanning the lines as written."""

    def __init__(self, text: str) -> None:
        self.lines = text.splitlines()
        self.starts = [i for i, line in enumerate(self.lines) if _TABLE.match(line)]

    def table(self, index: int) -> int:
        return self.starts[index] + 1 if index < len(self.starts) else 1

    def _range(self, index: int) -> range:
        if index >= len(self.starts):
            return range(0)
        start = self.starts[index] + 1
        end = start
        while end < len(self.lines) and not _HEADER.match(self.lines[end]):
            end += 1
        return range(start, end)

    def key(self, index: int, key: str) -> int:
        """The line of `key = …` in table `index`, else the table's own line."""
        pattern = re.compile(
            rf"\s*(?:{re.escape(key)}|\"{re.escape(key)}\"|'{re.escape(key)}')\s*="
        )
        for i in self._range(index):
            if pattern.match(self.lines[i]):
                return i + 1
        return self.table(index)

    def item(self, index: int, key: str, position: int, values: Sequence[str]) -> int:
        """The line of string `position` of the list `key`: each string is looked for as
        written (escaped, or raw in a literal string) after the one before it; the key's
        own line when it cannot be found."""
        first = self.key(index, key)
        lines = [i for i in self._range(index) if i + 1 >= first]
        found = first
        cursor = 0
        for value in values[: position + 1]:
            forms = {toml_string(value)[1:-1], value}
            hit = next(
                (
                    n
                    for n, i in enumerate(lines)
                    if n >= cursor and any(f in self.lines[i] for f in forms)
                ),
                None,
            )
            if hit is None:
                return first
            found, cursor = lines[hit] + 1, hit
        return found

    def top_key(self, key: str) -> int:
        pattern = re.compile(rf"\s*(?:\[+\s*)?(?:{re.escape(key)}|\"{re.escape(key)}\")\s*[=\].]")
        for i, line in enumerate(self.lines):
            if pattern.match(line):
                return i + 1
        return 1


def _syntax(exc: tomllib.TOMLDecodeError, text: str) -> Invalid:
    message = str(exc)
    match = _TOML_AT.match(message)
    if match:
        return Invalid(
            f"line {match['line']}, column {match['col']}: {match['what']} (not valid TOML)"
        )
    what = message.replace(" (at end of document)", "")
    return Invalid(f"line {len(text.splitlines()) or 1}: {what} at the end (not valid TOML)")


def _at(line: int, message: str) -> Invalid:
    return Invalid(f"line {line}: {message}")


def _string(value: Any, line: int, label: str, key: str) -> str:
    if not isinstance(value, str):
        raise _at(line, f"{label}: `{key}` must be a string in quotes")
    return value


def _one(table: dict[str, Any], index: int, layout: _Layout) -> Rule:
    """Table `index` of the document as a rule; `Invalid` naming the line at fault."""
    head = layout.table(index)
    label = f"rule #{index + 1}"
    if "name" in table:
        name = _string(table["name"], layout.key(index, "name"), label, "name")
        try:
            name = grammar.check_name(name)
        except Invalid as exc:
            raise _at(layout.key(index, "name"), f"{label}: {exc.message}") from None
        label = f"rule {name!r}"
    unknown = [k for k in table if k not in KEYS]
    if unknown:
        raise _at(
            layout.key(index, unknown[0]),
            f"{label}: unknown key {unknown[0]!r} (a rule takes {', '.join(KEYS)})",
        )
    missing = [k for k in REQUIRED if k not in table]
    if missing:
        example = {"name": 'name = "…"', "when": 'when = "deal enters …"', "then": 'then = ["…"]'}
        raise _at(head, f"{label} has no `{missing[0]}` ({example[missing[0]]})")
    when = _string(table["when"], layout.key(index, "when"), label, "when")
    condition = table.get("if")
    if condition is not None:
        condition = _string(condition, layout.key(index, "if"), label, "if")
    description = table.get("description")
    if description is not None:
        description = _string(description, layout.key(index, "description"), label, "description")
    enabled = table.get("enabled", True)
    if not isinstance(enabled, bool):
        raise _at(layout.key(index, "enabled"), f"{label}: `enabled` must be true or false")
    then = table["then"]
    if isinstance(then, str):
        then = [then]
    if not isinstance(then, list) or not all(isinstance(t, str) for t in then):
        raise _at(
            layout.key(index, "then"), f'{label}: `then` must be a list of strings: ["…", "…"]'
        )
    if not then:
        raise _at(layout.key(index, "then"), f"{label} needs at least one action in `then`")
    if len(then) > grammar.ACTIONS_MAX:
        raise _at(
            layout.key(index, "then"),
            f"{label}: a rule takes at most {grammar.ACTIONS_MAX} actions ({len(then)} given)",
        )
    try:
        condition = grammar.parse_condition(condition)
    except Invalid as exc:
        raise _at(layout.key(index, "if"), f"{label}: {exc.message}") from None
    try:
        description = grammar.check_description(description)
    except Invalid as exc:
        raise _at(layout.key(index, "description"), f"{label}: {exc.message}") from None
    try:
        trigger = grammar.parse_trigger(when)
    except Invalid as exc:
        raise _at(layout.key(index, "when"), f"{label}: {exc.message}") from None
    actions = []
    for position, text in enumerate(then):
        try:
            action = grammar.parse_action(text)
            grammar.check_fits(trigger, action)
        except Invalid as exc:
            line = layout.item(index, "then", position, then)
            raise _at(line, f"{label}: {exc.message}") from None
        actions.append(action)
    return Rule(
        name=name,
        trigger=trigger,
        actions=tuple(actions),
        condition=condition,
        enabled=enabled,
        description=description,
        position=index + 1,
    )


def load(text: str, store: Store | None = None) -> list[Rule]:
    """The rules a document holds, in its order (positions 1, 2, …); `Invalid` with the
    line of the first problem. Given `store`, the database checks run too (stages,
    conditions, loops), so that their errors also name a line."""
    text = text.removeprefix("\ufeff")  # the byte order mark some editors write
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise _syntax(exc, text) from None
    except RecursionError:  # arrays or tables nested thousands deep
        raise Invalid("the document is nested too deeply to be rules (not valid rules)") from None
    layout = _Layout(text)
    unknown = [k for k in data if k != "rule"]
    if unknown:
        raise _at(
            layout.top_key(unknown[0]),
            f"unknown key {unknown[0]!r}: the document holds only [[rule]] tables",
        )
    tables = data.get("rule", [])
    if not isinstance(tables, list) or not all(isinstance(t, dict) for t in tables):
        raise _at(layout.top_key("rule"), "write each rule as a [[rule]] table (two brackets)")
    rules = [_one(table, i, layout) for i, table in enumerate(tables)]
    seen: dict[str, int] = {}
    for i, rule in enumerate(rules):
        key = grammar.name_key(rule.name)
        if key in seen:
            raise _at(
                layout.key(i, "name"),
                f"two rules are named {rule.name!r} (the other is at line "
                f"{layout.key(seen[key], 'name')}): a rule's name must be unique",
            )
        seen[key] = i
    if store is not None:
        _check(store, rules, layout)
    return rules


def _check(store: Store, rules: list[Rule], layout: _Layout) -> None:
    """The database's checks, each error placed on its line."""
    stages = checks.stage_rows(store)
    for i, rule in enumerate(rules):
        label = f"rule {rule.name!r}"
        places: list[tuple[str, str, int]] = []
        if rule.trigger.stage is not None:
            places.append((rule.trigger.stage, rule.trigger.text, layout.key(i, "when")))
        for position, action in enumerate(rule.actions):
            if action.verb is Verb.MOVE and action.stage:
                line = layout.item(i, "then", position, [a.text for a in rule.actions])
                places.append((action.stage, action.text, line))
        for ref, text, line in places:
            try:
                checks.check_stage(ref, text, stages)
            except Invalid as exc:
                raise _at(line, f"{label}: {exc.message}") from None
        try:
            checks.check_condition(store, rule)
        except QueryError as exc:
            raise _at(layout.key(i, "if"), exc.headline) from None
        except Invalid as exc:
            raise _at(layout.key(i, "if"), f"{label}: {exc.message}") from None
    loop = loops.find_loop(rules, stage_kinds=checks.stage_kinds(stages))
    if loop:
        first = loop[0]
        index = next(i for i, r in enumerate(rules) if r.name == first.source.name)
        position = first.source.actions.index(first.action)
        texts = [a.text for a in first.source.actions]
        raise _at(layout.item(index, "then", position, texts), loops.describe(loop))
