"""Several pipelines: each with its own open stages and its own Won and Lost.

The first pipeline (lowest id; "Sales" in a new or upgraded database) is the default
wherever a command names none. A pipeline is added with its stages, renamed, or
removed with its stages once it holds no deal and no deal's history names it; each
of those is one undoable batch.
`stages` resolves stage names within a pipeline and sits above this module.
"""

from __future__ import annotations

from typing import Any

from crmcli.core.db.defaults import DEFAULT_STAGES
from crmcli.core.db.store import Store, Tx
from crmcli.core.errors import Invalid, NotFound, Refused
from crmcli.core.values.text import collapse, fold

ALL = "all"  # `--pipeline all`: every pipeline, where a sum means something


def list_pipelines(store: Store) -> list[dict[str, Any]]:
    """Every pipeline, first (the default) first, with its stages and deals counted."""
    return store.rows(
        "SELECT p.id, p.name, "
        "(SELECT count(*) FROM stage s WHERE s.pipeline_id = p.id) AS stages, "
        "(SELECT count(*) FROM deal d JOIN stage s ON s.id = d.stage_id "
        "WHERE s.pipeline_id = p.id AND d.status = 'open') AS open_deals, "
        "(SELECT count(*) FROM deal d JOIN stage s ON s.id = d.stage_id "
        "WHERE s.pipeline_id = p.id) AS deals "
        "FROM pipeline p ORDER BY p.id"
    )


def names(store: Store) -> str:
    return ", ".join(r[0] for r in store.tuples("SELECT name FROM pipeline ORDER BY id"))


def several(store: Store) -> bool:
    """More than one pipeline: front ends then say which one a stage or a deal is in."""
    return int(store.value("SELECT count(*) FROM pipeline")) > 1


def of_deal(store: Store, deal_id: int) -> str:
    """The name of the pipeline a deal is in (its stage's)."""
    return str(
        store.value(
            "SELECT p.name FROM deal d JOIN stage s ON s.id = d.stage_id "
            "JOIN pipeline p ON p.id = s.pipeline_id WHERE d.id = ?",
            (deal_id,),
        )
    )


def first(store: Store) -> dict[str, Any]:
    """The default pipeline: the first one."""
    row = store.row("SELECT * FROM pipeline ORDER BY id LIMIT 1")
    if row is None:
        raise NotFound("there is no pipeline (add one with `crm pipeline add NAME`)")
    return row


def resolve(store: Store, ref: str | None) -> dict[str, Any]:
    """A pipeline by name (accents and case ignored), unique name prefix, or id; None: the first."""
    if ref is None:
        return first(store)
    text = ref.strip()
    rows = store.rows("SELECT * FROM pipeline ORDER BY id")
    if text.lstrip("#").isdigit():
        found = [r for r in rows if r["id"] == int(text.lstrip("#"))]
    else:
        key = fold(text)
        found = [r for r in rows if fold(r["name"]) == key] or [
            r for r in rows if key and fold(r["name"]).startswith(key)
        ]
    if len(found) == 1:
        return found[0]
    if found:
        raise Invalid(f"{ref!r} matches several pipelines: {', '.join(r['name'] for r in found)}")
    raise Invalid(f"unknown pipeline {ref!r} (pipelines: {names(store)})")


def scope(store: Store, ref: str | None) -> int | None:
    """A front end's `--pipeline` where a sum is meaningful: the pipeline's id, the first
    pipeline's when none is named, or None for `all` (every pipeline)."""
    if ref is not None and ref.strip().lower() == ALL:
        return None
    return int(resolve(store, ref)["id"])


def _check_name(store: Store, name: str, exclude: int | None = None) -> str:
    value = collapse(name)
    if not value or not fold(value):
        raise Invalid("pipeline name must not be empty")
    if fold(value) == ALL:
        raise Invalid("'all' is not a pipeline name: `--pipeline all` means every pipeline")
    if value.lstrip("#").isdigit():  # `resolve` reads it as an id first: it would be shadowed
        raise Invalid(
            f"a pipeline name cannot be a number ({value!r} reads as pipeline "
            f"#{int(value.lstrip('#'))}); give it a word"
        )
    for pipeline_id, other in store.tuples("SELECT id, name FROM pipeline"):
        if fold(other) == fold(value) and pipeline_id != exclude:
            raise Invalid(f"a pipeline named {other!r} already exists")
    return value


def _open_stages(spec: str | None) -> list[tuple[str, int, int | None]]:
    """The open stages a new pipeline starts with: the default ladder, or the names given
    (win probability spread evenly below 100, no target days)."""
    if spec is None:
        return [(n, p, d) for n, p, d, kind in DEFAULT_STAGES if kind == "open"]
    given = [collapse(n) for n in spec.split(",") if collapse(n)]
    if not given:
        raise Invalid("--stages needs at least one stage name (comma-separated)")
    keys = [fold(n) for n in given]
    if not all(keys):
        raise Invalid("a stage name must not be empty")
    if len(set(keys)) != len(keys) or {"won", "lost"} & set(keys):
        raise Invalid("--stages names each open stage once (Won and Lost are added for you)")
    step = 100 / (len(given) + 1)
    return [(name, round(step * i), None) for i, name in enumerate(given, 1)]


def add(store: Store, name: str, *, stages: str | None = None) -> dict[str, Any]:
    """Add a pipeline with its open stages, then its own Won and Lost: one undoable batch."""
    value = _check_name(store, name)  # early, before any write; again inside it
    ladder = _open_stages(stages)
    with store.write(f"pipeline add {value}") as tx:
        value = _check_name(store, name)
        pipeline_id = tx.insert("pipeline", {"name": value})
        closing = [("Won", 100, None, "won"), ("Lost", 0, None, "lost")]
        rows = [(n, p, d, "open") for n, p, d in ladder] + closing
        for position, (stage, probability, days, kind) in enumerate(rows, 1):
            _insert_stage(tx, pipeline_id, stage, position, probability, days, kind)
    return resolve(store, str(pipeline_id))


def _insert_stage(
    tx: Tx,
    pipeline_id: int,
    name: str,
    position: int,
    probability: int,
    target_days: int | None,
    kind: str,
) -> None:
    tx.insert(
        "stage",
        {
            "name": name,
            "position": position,
            "probability": probability,
            "target_days": target_days,
            "kind": kind,
            "pipeline_id": pipeline_id,
        },
    )


def rename(store: Store, ref: str, new_name: str) -> tuple[str, dict[str, Any]]:
    """Rename a pipeline; returns (old name, pipeline)."""
    pipeline = resolve(store, ref)
    _check_name(store, new_name, exclude=pipeline["id"])
    with store.write(f"pipeline rename {pipeline['name']}") as tx:
        now = tx.get("pipeline", pipeline["id"])
        if now is None:
            raise NotFound(f"pipeline {pipeline['name']!r} was just removed")
        tx.update("pipeline", pipeline["id"], {"name": _check_name(store, new_name, now["id"])})
    return pipeline["name"], resolve(store, str(pipeline["id"]))


def remove(store: Store, ref: str) -> dict[str, Any]:
    """Remove a pipeline and its stages: refused while it holds a deal, is the last one,
    or is in the stage history of a deal moved to another pipeline (its stages going
    would blank where the deal was: the history is kept rather than erased).

    Decided inside the write transaction, so a deal added meanwhile is counted.
    """
    pipeline = resolve(store, ref)
    with store.write(f"pipeline rm {pipeline['name']}") as tx:
        if tx.get("pipeline", pipeline["id"]) is None:
            raise NotFound(f"pipeline {pipeline['name']!r} was just removed")
        if int(store.value("SELECT count(*) FROM pipeline")) == 1:
            raise Refused(f"{pipeline['name']} is the only pipeline; there must be one")
        held = int(
            store.value(
                "SELECT count(*) FROM deal d JOIN stage s ON s.id = d.stage_id "
                "WHERE s.pipeline_id = ?",
                (pipeline["id"],),
            )
        )
        if held:
            raise Refused(
                f"pipeline {pipeline['name']} still holds {held} deal(s) (open or closed); "
                "move or remove them first"
            )
        passed = int(
            store.value(
                "SELECT count(DISTINCT h.deal_id) FROM deal_stage_change h WHERE "
                "h.from_stage_id IN (SELECT id FROM stage WHERE pipeline_id = ?) OR "
                "h.to_stage_id IN (SELECT id FROM stage WHERE pipeline_id = ?)",
                (pipeline["id"], pipeline["id"]),
            )
        )
        if passed:
            raise Refused(
                f"pipeline {pipeline['name']} is in the stage history of {passed} deal(s) "
                "now in other pipelines; removing it would erase where they were "
                "(rename it instead, or remove those deals first)"
            )
        for (stage_id,) in store.tuples(
            "SELECT id FROM stage WHERE pipeline_id = ? ORDER BY position DESC, id DESC",
            (pipeline["id"],),
        ):
            tx.delete("stage", int(stage_id))
        tx.delete("pipeline", pipeline["id"])
    return pipeline
