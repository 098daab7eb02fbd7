"""What a rule needs from the database before it is saved: its stages exist, its condition
compiles, and it does not loop with the others.

The grammar (`crmcli.core.rules.grammar`) has already read the text; these are the checks
that need the store, run by the catalog before anything is written (and by the TOML
document, so that their errors name a line).
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from typing import Any

from crmcli.core.db.store import Store
from crmcli.core.errors import Invalid
from crmcli.core.query.compile import compile_where
from crmcli.core.query.parse import Node, Not, QueryError, Term, parse
from crmcli.core.rules.grammar import name_key, split_stage, stage_matches
from crmcli.core.rules.loops import StageKinds, check_loops
from crmcli.core.rules.model import Rule, Verb
from crmcli.core.values.text import fold


def stage_rows(store: Store) -> list[dict[str, Any]]:
    """Every stage with its pipeline's name and its kind, in pipeline order."""
    return store.rows(
        "SELECT s.name, s.kind, p.name AS pipeline FROM stage s "
        "JOIN pipeline p ON p.id = s.pipeline_id ORDER BY s.pipeline_id, s.position, s.id"
    )


def _stage_refs(rule: Rule) -> list[tuple[str, str]]:
    """(stage reference, the text it is in) for the trigger and every move."""
    refs = []
    if rule.trigger.stage is not None:
        refs.append((rule.trigger.stage, rule.trigger.text))
    refs += [(a.stage, a.text) for a in rule.actions if a.verb is Verb.MOVE and a.stage]
    return refs


def check_stage(ref: str, text: str, stages: Sequence[dict[str, Any]]) -> None:
    """`Invalid` unless `ref` names a stage: a stage of that name in some pipeline, or
    `Pipeline/Stage` naming one pipeline's stage."""
    if any(stage_matches(ref, s["pipeline"], s["name"]) for s in stages):
        return
    pipeline, name = split_stage(ref)
    if pipeline is not None:
        in_pipeline = [s["name"] for s in stages if fold(s["pipeline"]) == fold(pipeline)]
        if not in_pipeline:
            known = ", ".join(dict.fromkeys(s["pipeline"] for s in stages))
            raise Invalid(f"unknown pipeline {pipeline!r} in {text!r} (pipelines: {known})")
        raise Invalid(
            f"unknown stage {name!r} in pipeline {pipeline} in {text!r} "
            f"(stages: {', '.join(in_pipeline)})"
        )
    known = ", ".join(dict.fromkeys(s["name"] for s in stages))
    raise Invalid(f"unknown stage {name!r} in {text!r} (stages: {known})")


def stage_kinds(stages: Sequence[dict[str, Any]]) -> StageKinds:
    """The kinds of the stages a reference names, for loop detection."""

    def kinds(ref: str) -> set[str]:
        return {str(s["kind"]) for s in stages if stage_matches(ref, s["pipeline"], s["name"])}

    return kinds


def check_condition(store: Store, rule: Rule) -> None:
    """The condition compiles on the trigger's subject list; else a `QueryError` (exit 2).

    A comparison written as in a programming language (`amount >= 5000`) would read as
    words to look for and quietly match nothing: it is refused, pointing at `amount:>=5000`.
    """
    if rule.condition is None:
        return
    label = f"the condition of rule {rule.name!r}"
    compile_where(store, rule.trigger.subject, rule.condition, label=label)
    for term in _terms(parse(rule.condition, label=label)):
        if term.field is None and not term.quoted and _COMPARISON.search(term.value):
            raise QueryError(
                rule.condition,
                term.column,
                f"{term.value!r} reads as words to look for; to compare a field write "
                "FIELD:>=VALUE, without spaces (amount:>=5000, probability:<50)",
                label,
            )


_COMPARISON = re.compile(r"^(?:[A-Za-z][\w.]*\s*)?(?:>=|<=|>|<|=)")


def _terms(node: Node) -> list[Term]:
    if isinstance(node, Term):
        return [node]
    if isinstance(node, Not):
        return _terms(node.node)
    return [t for child in node.nodes for t in _terms(child)]


def check_rule(store: Store, rule: Rule, stages: Sequence[dict[str, Any]] | None = None) -> None:
    """Everything the database says about one rule: its stages, its condition."""
    rows = stage_rows(store) if stages is None else stages
    try:
        for ref, text in _stage_refs(rule):
            check_stage(ref, text, rows)
    except Invalid as exc:
        raise Invalid(f"rule {rule.name!r}: {exc.message}") from None
    check_condition(store, rule)


def check_unique(rules: Sequence[Rule]) -> None:
    """`Invalid` naming the first name given twice (case and spacing ignored)."""
    seen: dict[str, str] = {}
    for rule in rules:
        key = name_key(rule.name)
        if key in seen:
            raise Invalid(f"two rules are named {rule.name!r}: a rule's name must be unique")
        seen[key] = rule.name


def check_rules(store: Store, rules: Sequence[Rule]) -> None:
    """The whole set as it would be saved: unique names, each rule, then loops."""
    check_unique(rules)
    stages = stage_rows(store)
    for rule in rules:
        check_rule(store, rule, stages)
    check_loops(rules, stage_kinds=stage_kinds(stages))
