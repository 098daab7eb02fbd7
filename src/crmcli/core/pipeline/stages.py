"""A pipeline's stages: concrete steps, each with a win probability and a target duration.

Every stage belongs to one pipeline (`pipeline.pipelines`), ordered there by
`position`: open stages first; a deal moved into a won or lost stage is closed. A
stage name is unique within its pipeline only: named outside a deal (`stage edit`,
`stage rm`), a name several pipelines use is ambiguous until the pipeline is given;
named for a deal, it is looked up in the deal's own pipeline. A stage that still holds
deals can only be removed by moving them elsewhere in its pipeline in the same
transaction (`--to`).

What depends on the pipeline as it is (names taken, the order, the deals a stage
holds, the last won or lost stage) is read inside the write transaction that
changes it, so two changes made at once end as if one followed the other.
"""

from __future__ import annotations

from typing import Any

from crmcli.core.db.store import Store, Tx
from crmcli.core.errors import Ambiguous, Invalid, NotFound, Refused
from crmcli.core.pipeline import pipelines
from crmcli.core.pipeline.moves import relocate
from crmcli.core.values.text import collapse, fold

KINDS = ("open", "won", "lost")


def list_stages(store: Store, pipeline_id: int | None = None) -> list[dict[str, Any]]:
    """Every stage (of one pipeline, or of all, grouped) in pipeline order, with how many
    deals (open / all) it holds and the pipeline it belongs to."""
    where, params = (" WHERE s.pipeline_id = ?", [pipeline_id]) if pipeline_id else ("", [])
    return store.rows(
        "SELECT s.id, s.name, s.position, s.probability, s.target_days, s.kind, "
        "(SELECT count(*) FROM deal d WHERE d.stage_id = s.id AND d.status = 'open') AS open_deals,"
        " (SELECT count(*) FROM deal d WHERE d.stage_id = s.id) AS deals, "
        "s.pipeline_id, p.name AS pipeline "
        f"FROM stage s JOIN pipeline p ON p.id = s.pipeline_id{where} "
        "ORDER BY s.pipeline_id, s.position, s.id",
        params,
    )


def names(store: Store, pipeline_id: int | None = None) -> str:
    if pipeline_id is None:
        return ", ".join(
            r[0] for r in store.tuples("SELECT name FROM stage ORDER BY pipeline_id, position, id")
        )
    return ", ".join(
        r[0]
        for r in store.tuples(
            "SELECT name FROM stage WHERE pipeline_id = ? ORDER BY position, id", (pipeline_id,)
        )
    )


def _pipeline_id(store: Store, pipeline: str | None) -> int | None:
    return None if pipeline is None else int(pipelines.resolve(store, pipeline)["id"])


def resolve(
    store: Store, ref: str, pipeline_id: int | None = None, *, pipeline: str | None = None
) -> dict[str, Any]:
    """A stage by name (accents and case ignored), unique name prefix, or id.

    Within one pipeline when `pipeline_id` (or a `pipeline` name) is given; else across
    every pipeline, where a name that several pipelines use is `Ambiguous` (exit 1),
    the candidates listed, until the pipeline (or the stage's id) is given.
    """
    if pipeline is not None:
        pipeline_id = _pipeline_id(store, pipeline)
    text = ref.strip()
    rows = store.rows(
        "SELECT s.*, p.name AS pipeline FROM stage s JOIN pipeline p ON p.id = s.pipeline_id "
        "ORDER BY s.pipeline_id, s.position, s.id"
    )
    within = [r for r in rows if pipeline_id is None or r["pipeline_id"] == pipeline_id]
    if text.lstrip("#").isdigit():
        found = [r for r in rows if r["id"] == int(text.lstrip("#"))]
        if found and pipeline_id is not None and found[0]["pipeline_id"] != pipeline_id:
            raise Invalid(
                f"stage #{found[0]['id']} {found[0]['name']} is in pipeline "
                f"{found[0]['pipeline']}, not {_name(rows, pipeline_id)}"
            )
    else:
        key = fold(text)
        found = [r for r in within if fold(r["name"]) == key] or [
            r for r in within if key and fold(r["name"]).startswith(key)
        ]
    if len(found) == 1:
        return found[0]
    if found and len({r["pipeline_id"] for r in found}) > 1:
        candidates = [f"{r['name']} ({r['pipeline']}, #{r['id']})" for r in found]
        raise Ambiguous(
            f"{ref!r} names a stage in several pipelines: {'; '.join(candidates)}; "
            "give --pipeline NAME (or the stage's id)",
            candidates,
        )
    if found:
        raise Invalid(f"{ref!r} matches several stages: {', '.join(r['name'] for r in found)}")
    if pipeline_id is None:
        raise Invalid(f"unknown stage {ref!r} (stages: {names(store)})")
    elsewhere = sorted({r["pipeline"] for r in rows if text and fold(r["name"]) == fold(text)})
    hint = f"; it is in {', '.join(elsewhere)}" if elsewhere else ""
    raise Invalid(
        f"unknown stage {ref!r} in pipeline {_name(rows, pipeline_id)} "
        f"(stages: {names(store, pipeline_id)}){hint}"
    )


def _name(rows: list[dict[str, Any]], pipeline_id: int) -> str:
    return next((r["pipeline"] for r in rows if r["pipeline_id"] == pipeline_id), "?")


def current(tx: Tx, stage: dict[str, Any]) -> dict[str, Any]:
    """`stage` as it is inside the write transaction; one removed since it was named is unknown."""
    now = tx.get("stage", stage["id"])
    if now is None:
        raise Invalid(
            f"unknown stage {stage['name']!r}: it was just removed "
            f"(stages: {names(tx.store, stage.get('pipeline_id'))})"
        )
    return now


def first_of_kind(store: Store, kind: str, pipeline_id: int | None = None) -> dict[str, Any]:
    """A pipeline's first stage of a kind (open, won, lost); the first pipeline's by default."""
    if pipeline_id is None:
        pipeline_id = int(pipelines.first(store)["id"])
    row = store.row(
        "SELECT * FROM stage WHERE kind = ? AND pipeline_id = ? ORDER BY position, id LIMIT 1",
        (kind, pipeline_id),
    )
    if row is None:
        raise NotFound(f"the pipeline has no {kind} stage (add one with `crm stage add`)")
    return row


def check_probability(value: int) -> int:
    if not 0 <= value <= 100:
        raise Invalid(f"probability must be between 0 and 100, not {value}")
    return value


def check_days(value: int | None) -> int | None:
    if value is not None and not 1 <= value <= 3650:
        raise Invalid(f"target days must be between 1 and 3650, not {value}")
    return value


def _check_name(store: Store, name: str, pipeline_id: int, exclude: int | None = None) -> str:
    value = collapse(name)
    if not value or not fold(value):
        raise Invalid("stage name must not be empty")
    for stage_id, other in store.tuples(
        "SELECT id, name FROM stage WHERE pipeline_id = ?", (pipeline_id,)
    ):
        if fold(other) == fold(value) and stage_id != exclude:
            raise Invalid(f"a stage named {other!r} already exists in this pipeline")
    return value


def _renumber(tx: Tx, ordered_ids: list[int]) -> None:
    for position, stage_id in enumerate(ordered_ids, 1):
        current = tx.store.value("SELECT position FROM stage WHERE id = ?", (stage_id,))
        if current != position:
            tx.update("stage", stage_id, {"position": position})


def _ordered(store: Store, pipeline_id: int) -> list[dict[str, Any]]:
    return store.rows(
        "SELECT id, name, kind FROM stage WHERE pipeline_id = ? ORDER BY position, id",
        (pipeline_id,),
    )


def add(
    store: Store,
    name: str,
    *,
    probability: int,
    target_days: int | None,
    kind: str = "open",
    before: str | None = None,
    after: str | None = None,
    pipeline: str | None = None,
) -> dict[str, Any]:
    """Add a stage to a pipeline (the first by default); by default an open stage goes
    after the last open one."""
    pipeline_id = int(pipelines.resolve(store, pipeline)["id"])
    value = _check_name(store, name, pipeline_id)  # early, before any write; again inside it
    if kind not in KINDS:
        raise Invalid(f"unknown stage kind {kind!r} (one of {', '.join(KINDS)})")
    check_probability(probability)
    check_days(target_days)
    with store.write(f"stage add {value}") as tx:
        if tx.get("pipeline", pipeline_id) is None:
            raise NotFound("that pipeline was just removed")
        value = _check_name(store, name, pipeline_id)
        order = _ordered(store, pipeline_id)
        ids = [r["id"] for r in order]
        if before or after:
            anchor = resolve(store, before or after or "", pipeline_id)
            index = ids.index(anchor["id"]) + (1 if after else 0)
        else:
            opens = [i for i, r in enumerate(order) if r["kind"] == "open"]
            index = (opens[-1] + 1) if (kind == "open" and opens) else len(ids)
        new_id = tx.insert(
            "stage",
            {
                "name": value,
                "position": len(ids) + 1,
                "probability": probability,
                "target_days": target_days,
                "kind": kind,
                "pipeline_id": pipeline_id,
            },
        )
        _renumber(tx, [*ids[:index], new_id, *ids[index:]])
    return resolve(store, str(new_id))


def edit(
    store: Store,
    ref: str,
    *,
    name: str | None = None,
    probability: int | None = None,
    target_days: int | None = None,
    clear_days: bool = False,
    pipeline: str | None = None,
) -> dict[str, Any]:
    """Rename a stage or change its probability or target days (`pipeline`: where to look)."""
    values: dict[str, Any] = {}
    if probability is not None:
        values["probability"] = check_probability(probability)
    if target_days is not None:
        values["target_days"] = check_days(target_days)
    if clear_days:
        values["target_days"] = None
    if name is None and not values:
        raise Invalid("nothing to change: give --name, --probability or --days")
    stage = resolve(store, ref, pipeline=pipeline)
    if name is not None:  # early, before any write; again inside it
        _check_name(store, name, stage["pipeline_id"], exclude=stage["id"])
    with store.write(f"stage edit {stage['name']}") as tx:
        stage = current(tx, stage)
        if name is not None:
            values["name"] = _check_name(store, name, stage["pipeline_id"], exclude=stage["id"])
        tx.update("stage", stage["id"], values)
    return resolve(store, str(stage["id"]))


def move(
    store: Store,
    ref: str,
    *,
    before: str | None = None,
    after: str | None = None,
    position: int | None = None,
    pipeline: str | None = None,
) -> list[dict[str, Any]]:
    """Put a stage at a position in its pipeline, or before or after another of it;
    returns the pipeline's new order."""
    stage = resolve(store, ref, pipeline=pipeline)
    if sum(x is not None for x in (before, after, position)) != 1:
        raise Invalid("say where: a position, --before STAGE or --after STAGE")
    with store.write(f"stage move {stage['name']}") as tx:
        stage = current(tx, stage)
        ids = [r["id"] for r in _ordered(store, stage["pipeline_id"]) if r["id"] != stage["id"]]
        if position is not None:
            if not 1 <= position <= len(ids) + 1:
                raise Invalid(f"position must be between 1 and {len(ids) + 1}, not {position}")
            index = position - 1
        else:
            anchor = resolve(store, before or after or "", stage["pipeline_id"])
            if anchor["id"] == stage["id"]:
                raise Invalid("a stage cannot move relative to itself")
            index = ids.index(anchor["id"]) + (1 if after else 0)
        _renumber(tx, [*ids[:index], stage["id"], *ids[index:]])
    return list_stages(store, stage["pipeline_id"])


def remove(
    store: Store, ref: str, *, to: str | None = None, pipeline: str | None = None
) -> tuple[dict[str, Any], int]:
    """Remove a stage; its deals move to `to` (a stage of the same pipeline) first, with
    history. Returns (stage, moved).

    Whether it still holds deals, and whether it is the last of its kind, is decided
    inside the transaction that removes it: a deal moved in meanwhile is counted.
    """
    stage = resolve(store, ref, pipeline=pipeline)
    target = resolve(store, to, stage["pipeline_id"]) if to else None
    if target and target["id"] == stage["id"]:
        raise Invalid("--to must name another stage")
    with store.write(f"stage rm {stage['name']}") as tx:
        stage = current(tx, stage)
        target = current(tx, target) if target is not None else None
        deals = [
            int(r[0])
            for r in store.tuples("SELECT id FROM deal WHERE stage_id = ?", (stage["id"],))
        ]
        if deals and target is None:
            raise Refused(
                f"stage {stage['name']} still holds {len(deals)} deal(s); "
                f"move them with --to STAGE (stages: {names(store, stage['pipeline_id'])})"
            )
        same_kind = store.value(
            "SELECT count(*) FROM stage WHERE kind = ? AND id <> ? AND pipeline_id = ?",
            (stage["kind"], stage["id"], stage["pipeline_id"]),
        )
        if stage["kind"] != "open" and not same_kind:
            raise Refused(
                f"{stage['name']} is the only {stage['kind']} stage; the pipeline needs one"
            )
        if target is not None:
            for deal_id in deals:
                relocate(tx, deal_id, target)
        _forget_in_history(tx, int(stage["id"]))
        tx.delete("stage", stage["id"])
        _renumber(tx, [r["id"] for r in _ordered(store, stage["pipeline_id"])])
    return stage, len(deals)


def _forget_in_history(tx: Tx, stage_id: int) -> None:
    """Blank a removed stage in the deals' stage history through `tx`, not by the foreign
    key's SET NULL: the change log then holds each row, and `crm undo` relinks them."""
    for column in ("from_stage_id", "to_stage_id"):
        for row_id, contact_id in tx.store.tuples(
            f"SELECT h.id, d.contact_id FROM deal_stage_change h JOIN deal d ON d.id = h.deal_id "
            f"WHERE h.{column} = ? ORDER BY h.id",
            (stage_id,),
        ):
            owner = None if contact_id is None else int(contact_id)
            tx.update("deal_stage_change", int(row_id), {column: None}, contact_id=owner)
