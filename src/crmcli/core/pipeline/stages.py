"""The pipeline's stages: concrete steps, each with a win probability and a target duration.

Stages are ordered by `position`. Open stages come first; a deal moved into a
won or lost stage is closed. A stage that still holds deals can only be
removed by moving them elsewhere in the same transaction (`--to`).

What depends on the pipeline as it is (names taken, the order, the deals a stage
holds, the last won or lost stage) is read inside the write transaction that
changes it, so two changes made at once end as if one followed the other.
"""

from __future__ import annotations

from typing import Any

from crmcli.core.db.store import Store, Tx
from crmcli.core.errors import Invalid, NotFound, Refused
from crmcli.core.pipeline.moves import relocate
from crmcli.core.values.text import collapse, fold

KINDS = ("open", "won", "lost")


def list_stages(store: Store) -> list[dict[str, Any]]:
    """Every stage in pipeline order, with how many deals (open / all) it holds."""
    return store.rows(
        "SELECT s.id, s.name, s.position, s.probability, s.target_days, s.kind, "
        "(SELECT count(*) FROM deal d WHERE d.stage_id = s.id AND d.status = 'open') AS open_deals,"
        " (SELECT count(*) FROM deal d WHERE d.stage_id = s.id) AS deals "
        "FROM stage s ORDER BY s.position, s.id"
    )


def names(store: Store) -> str:
    return ", ".join(r[0] for r in store.tuples("SELECT name FROM stage ORDER BY position, id"))


def resolve(store: Store, ref: str) -> dict[str, Any]:
    """A stage by name (accents and case ignored), unique name prefix, or id."""
    text = ref.strip()
    rows = store.rows("SELECT * FROM stage ORDER BY position, id")
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
        raise Invalid(f"{ref!r} matches several stages: {', '.join(r['name'] for r in found)}")
    raise Invalid(f"unknown stage {ref!r} (stages: {names(store)})")


def current(tx: Tx, stage: dict[str, Any]) -> dict[str, Any]:
    """`stage` as it is inside the write transaction; one removed since it was named is unknown."""
    now = tx.get("stage", stage["id"])
    if now is None:
        raise Invalid(
            f"unknown stage {stage['name']!r}: it was just removed (stages: {names(tx.store)})"
        )
    return now


def first_of_kind(store: Store, kind: str) -> dict[str, Any]:
    row = store.row("SELECT * FROM stage WHERE kind = ? ORDER BY position, id LIMIT 1", (kind,))
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


def _check_name(store: Store, name: str, exclude: int | None = None) -> str:
    value = collapse(name)
    if not value or not fold(value):
        raise Invalid("stage name must not be empty")
    for stage_id, other in store.tuples("SELECT id, name FROM stage"):
        if fold(other) == fold(value) and stage_id != exclude:
            raise Invalid(f"a stage named {other!r} already exists")
    return value


def _renumber(tx: Tx, ordered_ids: list[int]) -> None:
    for position, stage_id in enumerate(ordered_ids, 1):
        current = tx.store.value("SELECT position FROM stage WHERE id = ?", (stage_id,))
        if current != position:
            tx.update("stage", stage_id, {"position": position})


def _ordered(store: Store) -> list[dict[str, Any]]:
    return store.rows("SELECT id, name, kind FROM stage ORDER BY position, id")


def add(
    store: Store,
    name: str,
    *,
    probability: int,
    target_days: int | None,
    kind: str = "open",
    before: str | None = None,
    after: str | None = None,
) -> dict[str, Any]:
    """Add a stage; by default an open stage goes after the last open one."""
    value = _check_name(store, name)  # early, before any write; again inside it
    if kind not in KINDS:
        raise Invalid(f"unknown stage kind {kind!r} (one of {', '.join(KINDS)})")
    check_probability(probability)
    check_days(target_days)
    with store.write(f"stage add {value}") as tx:
        value = _check_name(store, name)
        order = _ordered(store)
        ids = [r["id"] for r in order]
        if before or after:
            anchor = resolve(store, before or after or "")
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
) -> dict[str, Any]:
    values: dict[str, Any] = {}
    if probability is not None:
        values["probability"] = check_probability(probability)
    if target_days is not None:
        values["target_days"] = check_days(target_days)
    if clear_days:
        values["target_days"] = None
    if name is None and not values:
        raise Invalid("nothing to change: give --name, --probability or --days")
    stage = resolve(store, ref)
    if name is not None:
        _check_name(store, name, exclude=stage["id"])  # early, before any write; again inside it
    with store.write(f"stage edit {stage['name']}") as tx:
        stage = current(tx, stage)
        if name is not None:
            values["name"] = _check_name(store, name, exclude=stage["id"])
        tx.update("stage", stage["id"], values)
    return resolve(store, str(stage["id"]))


def move(
    store: Store,
    ref: str,
    *,
    before: str | None = None,
    after: str | None = None,
    position: int | None = None,
) -> list[dict[str, Any]]:
    """Put a stage at a position, or before or after another; returns the new order."""
    stage = resolve(store, ref)
    if sum(x is not None for x in (before, after, position)) != 1:
        raise Invalid("say where: a position, --before STAGE or --after STAGE")
    with store.write(f"stage move {stage['name']}") as tx:
        stage = current(tx, stage)
        ids = [r["id"] for r in _ordered(store) if r["id"] != stage["id"]]
        if position is not None:
            if not 1 <= position <= len(ids) + 1:
                raise Invalid(f"position must be between 1 and {len(ids) + 1}, not {position}")
            index = position - 1
        else:
            anchor = resolve(store, before or after or "")
            if anchor["id"] == stage["id"]:
                raise Invalid("a stage cannot move relative to itself")
            index = ids.index(anchor["id"]) + (1 if after else 0)
        _renumber(tx, [*ids[:index], stage["id"], *ids[index:]])
    return list_stages(store)


def remove(store: Store, ref: str, *, to: str | None = None) -> tuple[dict[str, Any], int]:
    """Remove a stage; its deals move to `to` first (with history). Returns (stage, moved).

    Whether it still holds deals, and whether it is the last of its kind, is decided
    inside the transaction that removes it: a deal moved in meanwhile is counted.
    """
    stage = resolve(store, ref)
    target = resolve(store, to) if to else None
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
                f"move them with --to STAGE (stages: {names(store)})"
            )
        same_kind = store.value(
            "SELECT count(*) FROM stage WHERE kind = ? AND id <> ?", (stage["kind"], stage["id"])
        )
        if stage["kind"] != "open" and not same_kind:
            raise Refused(
                f"{stage['name']} is the only {stage['kind']} stage; the pipeline needs one"
            )
        if target is not None:
            for deal_id in deals:
                relocate(tx, deal_id, target)
        tx.delete("stage", stage["id"])
        _renumber(tx, [r["id"] for r in _ordered(store)])
    return stage, len(deals)
