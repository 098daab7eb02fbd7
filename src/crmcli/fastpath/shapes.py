"""The shape of the generated spec (`spec.py`): what the fast path knows of a command."""

from __future__ import annotations

from typing import TypedDict


class Param(TypedDict, total=False):
    """One parameter of a command, as its Typer declaration has it.

    kind: "str", "int" (within `min`/`max`, either may be None), "enum" (one of
    `choices`, exactly as written, converted by the enum class `enum`, "module:Class"),
    or "flag" (set by its options, see `Command.options`). `default` is what the
    command gets when the parameter is not given; an argument that is `required` has
    none. `many`: an argument taking every remaining word (a list). `complete`: what
    a TAB press offers for the argument (`commands/hot/complete.BUILDERS`).
    """

    kind: str
    default: object
    required: bool
    many: bool
    min: int | None
    max: int | None
    enum: str
    choices: tuple[str, ...]
    complete: str


class Command(TypedDict):
    """A hot command: its body, its arguments in order, its options and parameters.

    `run` is the body, "module:function", called with the `AppState` and every
    parameter by name. `options` maps each spelling (`--limit`, `-n`) to its parameter
    and, for a flag, the value the spelling sets (`--in` True, `--out` False); None
    for an option that takes a value.
    """

    run: str
    arguments: tuple[str, ...]
    options: dict[str, tuple[str, bool | None]]
    params: dict[str, Param]
