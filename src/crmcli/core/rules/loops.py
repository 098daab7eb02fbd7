"""Refuse rules that could fire each other forever, before they are saved.

Only two actions make events another rule waits for: `move STAGE` (the deal enters
STAGE, leaves the stage it was in, and is won or lost when STAGE is a won or lost
stage) and `tag NAME` (the tag is added). Conditions are taken as possibly true, so
an edge means "can fire"; a cycle among the rules (one rule firing itself included)
is refused with the rules named in order and why each fires the next. The engine
keeps a depth cap as a safety net; this is what makes it unnecessary.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass

from crmcli.core.errors import Invalid
from crmcli.core.rules.grammar import same_stage_ref, split_stage, tag_matches
from crmcli.core.rules.model import Action, Event, Rule, Verb
from crmcli.core.values.text import fold

# A stage reference -> the kinds ('open', 'won', 'lost') of the stages it names.
StageKinds = Callable[[str], set[str]]


@dataclass(frozen=True)
class Edge:
    """Rule `source`'s action `action` can fire rule `target`."""

    source: Rule
    target: Rule
    action: Action

    @property
    def why(self) -> str:
        return f"{self.action.text} fires {self.target.trigger.text!r}"


def kinds_by_name(ref: str) -> set[str]:
    """Without the database: a stage called Won or Lost (or "Closed Won") is taken as one."""
    last = (fold(split_stage(ref)[1]).split() or [""])[-1]
    return {last} if last in ("won", "lost") else {"open"}


def _stage_before(rule: Rule, index: int) -> str | None:
    """The stage the deal is in when `rule`'s action `index` runs, if the rule says:
    the target of an earlier move, or the stage its trigger entered."""
    for action in reversed(rule.actions[:index]):
        if action.verb is Verb.MOVE:
            return action.stage
    if rule.trigger.event is Event.DEAL_ENTERS:
        return rule.trigger.stage
    return None


def _move_fires(rule: Rule, index: int, stage: str, target: Rule, kinds: StageKinds) -> bool:
    trigger = target.trigger
    if trigger.event is Event.DEAL_ENTERS:
        return same_stage_ref(trigger.stage or "", stage)
    if trigger.event is Event.DEAL_LEAVES:
        left = trigger.stage or ""
        if same_stage_ref(left, stage):  # a deal moved to a stage is not leaving it
            return False
        before = _stage_before(rule, index)
        if before is not None:
            return same_stage_ref(left, before)
        if rule.trigger.event is Event.DEAL_LEAVES:  # the deal has just left that stage
            return not same_stage_ref(left, rule.trigger.stage or "")
        if rule.trigger.event is Event.DEAL_WON:  # the deal is in a won stage
            return "won" in kinds(left)
        if rule.trigger.event is Event.DEAL_LOST:
            return "lost" in kinds(left)
        return True
    if trigger.event is Event.DEAL_WON:
        return "won" in kinds(stage)
    if trigger.event is Event.DEAL_LOST:
        return "lost" in kinds(stage)
    return False


def edges(rules: Sequence[Rule], *, stage_kinds: StageKinds | None = None) -> list[Edge]:
    """Every way one rule's action can fire a rule (itself included), in rule order."""
    kinds = stage_kinds or kinds_by_name
    out: list[Edge] = []
    for rule in rules:
        for index, action in enumerate(rule.actions):
            for target in rules:
                if action.verb is Verb.TAG:
                    fires = target.trigger.event is Event.TAG_ADDED and tag_matches(
                        target.trigger.tag or "", action.tag or ""
                    )
                elif action.verb is Verb.MOVE:
                    fires = _move_fires(rule, index, action.stage or "", target, kinds)
                else:
                    fires = False
                if fires:
                    out.append(Edge(rule, target, action))
    return out


def find_loop(rules: Sequence[Rule], *, stage_kinds: StageKinds | None = None) -> list[Edge] | None:
    """The first cycle found (its edges in order), or None; searched in rule order."""
    graph: dict[str, list[Edge]] = {rule.name: [] for rule in rules}
    for edge in edges(rules, stage_kinds=stage_kinds):
        graph[edge.source.name].append(edge)
    state: dict[str, int] = {}  # 1: on the current path, 2: done
    path: list[Edge] = []

    def visit(name: str) -> list[Edge] | None:
        state[name] = 1
        for edge in graph[name]:
            nxt = edge.target.name
            if state.get(nxt) == 1:
                start = next((i for i, e in enumerate(path) if e.source.name == nxt), len(path))
                return [*path[start:], edge]
            if nxt not in state:
                path.append(edge)
                found = visit(nxt)
                if found:
                    return found
                path.pop()
        state[name] = 2
        return None

    for rule in rules:
        if rule.name not in state:
            found = visit(rule.name)
            if found:
                return found
    return None


def describe(loop: Sequence[Edge]) -> str:
    """ "rules loop: a → b → a (why; why)"."""
    names = [loop[0].source.name, *(edge.target.name for edge in loop)]
    whys = "; ".join(edge.why for edge in loop)
    return f"rules loop: {' → '.join(names)} ({whys})"


def check_loops(rules: Sequence[Rule], *, stage_kinds: StageKinds | None = None) -> None:
    """`Invalid` naming the first loop among `rules`, if any."""
    loop = find_loop(rules, stage_kinds=stage_kinds)
    if loop:
        raise Invalid(describe(loop))
