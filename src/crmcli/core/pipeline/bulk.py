"""Editing many deals at once: a diff per deal (planned, nothing written), then one write.

The deals are those `crm deal list --where` lists (open ones, the owner rule). A stage
is looked up in each deal's own pipeline (`stages.resolve`): a name missing from one
deal's pipeline refuses the whole batch, naming the deals, as does a Lost stage (a
deal is lost one at a time, with its reason: `crm deal lost`). A move is the single
move's own (`moves.relocate`, with its history row; a won stage plans the renewal and
makes the contact a customer, as `crm deal won` does). `apply` writes every diff in
one transaction, one undo batch, refusing them all when a deal changed since its diff
was read.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, cast

from crmcli.core.db.store import Store
from crmcli.core.errors import Conflict, Invalid, Refused
from crmcli.core.values.text import collapse, fold

SETTABLE = ("stage", "owner", "close", "next")
COLUMNS = ("title", "stage", "owner", "close", "next")


@dataclass(frozen=True)
class DealState:
    """A deal as the bulk editor shows and compares it."""

    id: int
    version: int
    pipeline_id: int
    pipeline: str
    contact_id: int | None
    values: dict[str, Any]  # title, stage (name), owner, close (ISO date), next


@dataclass(frozen=True)
class Diff:
    """One deal's change: (field, was, becomes) as shown, the new values, the new stage."""

    id: int
    title: str
    version: int
    changes: tuple[tuple[str, str, str], ...]
    values: dict[str, Any]
    stage: dict[str, Any] | None = None

    def lines(self) -> list[str]:
        out = [f"#{self.id} {self.title}"]
        out += [f"  {name}: {old} → {new}" for name, old, new in self.changes]
        return out


@dataclass(frozen=True)
class Plan:
    diffs: list[Diff]
    matched: int

    @property
    def unchanged(self) -> int:
        return self.matched - len(self.diffs)


@dataclass(frozen=True)
class Applied:
    deals: int
    notes: list[str] = field(default_factory=list)


# -- values ---------------------------------------------------------------------------------


def check(store: Store, name: str, text: str) -> Any:
    """`text` typed for a field, as stored (a stage stays a name: each deal's pipeline
    reads it)."""
    if name == "title":
        value = collapse(text)
        if not value:
            raise Invalid("deal title must not be empty")
        return value
    if name == "stage":
        value = collapse(text)
        if not value:
            raise Invalid("stage must not be empty")
        return value
    if name == "owner":
        from crmcli.core.config import validate

        return str(validate("user", text))
    if name == "close":
        if not text.strip():
            return None
        from crmcli.core.values.when import parse_with_config

        return parse_with_config(text, store.config, "future").date.isoformat()
    if name == "next":
        return text.strip() or None
    raise Invalid(f"unknown field {name!r}")  # pragma: no cover - callers check the name


def parse_sets(store: Store, pairs: Sequence[str]) -> dict[str, Any]:
    """`--set FIELD=VALUE` pairs as checked values; an unknown field lists those there are."""
    out: dict[str, Any] = {}
    for pair in pairs:
        name, eq, text = pair.partition("=")
        name = name.strip().lower()
        if not eq:
            raise Invalid(f"--set takes FIELD=VALUE, not {pair!r} (fields: {', '.join(SETTABLE)})")
        if name not in SETTABLE:
            extra = "; titles are edited one by one (crm deal bulk-edit)" if name == "title" else ""
            raise Invalid(
                f"--set {name}: not a field bulk edits set (fields: {', '.join(SETTABLE)}){extra}"
            )
        try:
            out[name] = check(store, name, text)
        except Invalid as exc:
            raise Invalid(f"--set {name}: {exc.message}") from None
    return out


def shown(value: Any) -> str:
    return "" if value is None else str(value)


# -- reading ----------------------------------------------------------------------------------


def matching(store: Store, where: tuple[str, list[Any]] | None) -> list[DealState]:
    """The open deals `crm deal list --where` lists (the owner rule), in pipeline order."""
    from crmcli.core.db import owners

    mine, params = owners.clause(store, None, "d")
    clauses = ["d.status = 'open'", *([mine] if mine else [])]
    if where is not None:
        clauses.append(f"({where[0]})")
        params = [*params, *where[1]]
    rows = store.tuples(
        "SELECT d.id, d.version, s.pipeline_id, p.name, d.contact_id, d.title, s.name, d.owner, "
        "d.expected_close, d.next_step FROM deal d JOIN stage s ON s.id = d.stage_id "
        f"JOIN pipeline p ON p.id = s.pipeline_id WHERE {' AND '.join(clauses)} "
        "ORDER BY s.pipeline_id, s.position, d.stage_entered_at, d.id",
        params,
    )
    return [
        DealState(
            int(r[0]),
            int(r[1]),
            int(r[2]),
            r[3],
            None if r[4] is None else int(r[4]),
            {"title": r[5], "stage": r[6], "owner": r[7], "close": r[8], "next": r[9]},
        )
        for r in rows
    ]


def stage_finder(store: Store) -> Callable[[str, int], dict[str, Any]]:
    """A stage by name within a pipeline (`stages.resolve`), each pair looked up once."""
    from crmcli.core.pipeline.stages import resolve

    found: dict[tuple[str, int], dict[str, Any] | Invalid] = {}

    def stage(text: str, pipeline_id: int) -> dict[str, Any]:
        key = (fold(text), pipeline_id)
        if key not in found:
            try:
                found[key] = resolve(store, text, pipeline_id)
            except Invalid as exc:
                found[key] = exc
        hit = found[key]
        if isinstance(hit, Invalid):
            raise hit
        return hit

    return stage


# -- planning ---------------------------------------------------------------------------------


def _listed(states: Sequence[DealState]) -> str:
    named = ", ".join(f"#{s.id} {s.values['title']}" for s in states[:5])
    return named + (f" and {len(states) - 5} more" if len(states) > 5 else "")


def plan(
    states: Sequence[DealState],
    edits: Mapping[str, Any] | Mapping[int, Mapping[str, Any]],
    stage: Callable[[str, int], dict[str, Any]],
    *,
    per_deal: bool = False,
) -> Plan:
    """A diff for each deal the edits change: the same values for all, or (`per_deal`)
    values by deal id. A stage missing from a deal's pipeline, or a Lost stage, refuses
    the whole batch, naming the deals."""
    diffs: list[Diff] = []
    missing: dict[str, list[DealState]] = {}
    lost: list[DealState] = []
    for state in states:
        asked: Mapping[str, Any] | None = (
            cast("Mapping[int, Mapping[str, Any]]", edits).get(state.id)
            if per_deal
            else cast("Mapping[str, Any]", edits)
        )
        if not asked:
            continue
        changes: list[tuple[str, str, str]] = []
        values: dict[str, Any] = {}
        new_stage = None
        for name in COLUMNS:
            if name not in asked:
                continue
            if name == "stage":
                try:
                    target = stage(asked["stage"], state.pipeline_id)
                except Invalid:
                    missing.setdefault(f"{asked['stage']!r} in {state.pipeline}", []).append(state)
                    continue
                if fold(target["name"]) == fold(state.values["stage"]):
                    continue
                if target["kind"] == "lost":
                    lost.append(state)
                    continue
                new_stage = target
                changes.append(("stage", state.values["stage"], target["name"]))
                continue
            if asked[name] == state.values[name]:
                continue
            values[name] = asked[name]
            old, new = shown(state.values[name]), shown(asked[name])
            changes.append((name, old or "(none)", new or "(none)"))
        if changes:
            diffs.append(
                Diff(
                    state.id,
                    state.values["title"],
                    state.version,
                    tuple(changes),
                    values,
                    new_stage,
                )
            )
    if missing:
        parts = [f"{where} (deals {_listed(found)})" for where, found in missing.items()]
        raise Invalid(f"no stage {'; no stage '.join(parts)}; nothing changed")
    if lost:
        raise Refused(
            f"deals are lost one at a time, with the reason: crm deal lost REF --reason TEXT "
            f"({_listed(lost)}); nothing changed"
        )
    return Plan(diffs, len(states))


# -- writing ----------------------------------------------------------------------------------

_COLUMN = {"title": "title", "owner": "owner", "close": "expected_close", "next": "next_step"}


def apply(store: Store, diffs: Sequence[Diff], command: str) -> Applied:
    """Write every diff in one transaction (one undo batch); a deal changed, closed or
    removed since its diff was read refuses them all (`Conflict`), nothing written."""
    # The single move's own steps for a won stage: the renewal, the contact a customer.
    from crmcli.core.pipeline.deals import _promote, _renewal
    from crmcli.core.pipeline.moves import relocate
    from crmcli.core.pipeline.stages import current

    notes: list[str] = []
    with store.write(command) as tx:
        now = {
            int(r[0]): (int(r[1]), r[2], r[3])
            for r in store.tuples_in(
                "SELECT id, version, status, contact_id FROM deal WHERE id IN ({ids})",
                [d.id for d in diffs],
            )
        }
        moved = [d for d in diffs if d.id not in now or now[d.id][0] != d.version]
        if moved:
            named = ", ".join(f"#{d.id} {d.title}" for d in moved[:5])
            more = f" and {len(moved) - 5} more" if len(moved) > 5 else ""
            raise Conflict(
                f"{named}{more} changed since the diff was read; nothing was changed: "
                "run the command again to see the diff as things are now"
            )
        for d in diffs:
            contact_id = now[d.id][2]
            columns = {_COLUMN[k]: v for k, v in d.values.items()}
            if columns:
                tx.update("deal", d.id, columns, contact_id=contact_id)
            if d.stage is not None:
                stage = current(tx, d.stage)
                relocate(tx, d.id, stage)
                if stage["kind"] == "won":
                    notes += _renewal(tx, d.id)
                    notes += _promote(tx, contact_id)
    return Applied(len(diffs), notes)
