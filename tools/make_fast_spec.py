"""Write src/crmcli/fastpath/spec.py from the Typer app: run after changing a hot command.

python tools/make_fast_spec.py          # rewrite the spec
python tools/make_fast_spec.py --check  # exit 1 when the spec is stale (as the tests do)

The fast path (`crmcli.fastpath`) runs well-formed command lines of the commands in
HOT without loading Typer. What each command takes (its arguments, its options and
their spellings, the values they accept, their defaults) is read here from the Typer
declaration, the one place the CLI is declared, so the two cannot drift: the tests
fail while spec.py is not what this tool writes now.

A parameter whose checking the fast path cannot reproduce exactly (a callback, an
environment variable, a repeatable option, a parser other than a choice among an
enum's values...) stops this tool with a message naming it: teach the fast path, or
take the command off HOT. The body each command runs is named in HOT, and must take
the command's parameters by the same names (the Typer function calls it with them).
"""

from __future__ import annotations

import enum
import hashlib
import importlib
import inspect
import sys
import typing
from pathlib import Path
from types import NoneType, UnionType
from typing import Any

SPEC = Path(__file__).resolve().parent.parent / "src" / "crmcli" / "fastpath" / "spec.py"

# The commands the fast path runs, and the body each one's Typer function calls.
HOT: dict[str, str] = {
    "find": "crmcli.commands.hot.find:find",
    "contact show": "crmcli.commands.hot.contact_show:show",
    "log": "crmcli.commands.hot.log:log",
    "today": "crmcli.commands.hot.today:today",
    "search": "crmcli.commands.hot.search:search",
    "followup add": "crmcli.commands.hot.followup:add",
    "followup done": "crmcli.commands.hot.followup:done",
    "deal move": "crmcli.commands.hot.deal_move:move",
    "brief": "crmcli.commands.hot.brief:brief",
    # Not hot in the shell's sense, but its first paint is waited for (issue #25).
    "tui": "crmcli.commands.hot.tui:tui",
}

# The root options the fast path reads itself; any other root option (and help) it
# leaves to Typer, wherever it appears on the line.
ROOT_OPTIONS = {"db": ("--db",)}


class Unsupported(Exception):
    """A parameter the fast path could not check exactly as Typer does."""


def generate() -> str:
    """The text of spec.py, from the Typer app as it is now."""
    import typer.main  # noqa: TID251 - the tool reads the Typer app

    from crmcli import cli

    decline = ["--"]
    root = typer.main.get_command(cli.build_app())
    decline += list(root.context_settings.get("help_option_names", ["--help"]))
    for param in root.params:
        if param.name in ROOT_OPTIONS:
            if tuple(param.opts) != ROOT_OPTIONS[param.name] or param.secondary_opts:
                raise Unsupported(f"the root's {param.name} option is now {param.opts}")
            continue
        decline += [*param.opts, *param.secondary_opts]
    commands = {name: _command(root, name, run, set(decline)) for name, run in HOT.items()}
    source = inspect.getsource(cli._root_callback)
    root_hash = hashlib.sha256(source.encode()).hexdigest()[:16]
    return _render(commands, decline, root_hash)


def _command(root: Any, name: str, run: str, decline: set[str]) -> dict[str, Any]:
    """One hot command as the spec holds it (see `crmcli.fastpath.shapes.Command`)."""
    node = root  # the root's options are checked in `generate`
    for word in name.split():
        if node is not root and (node.params or node.callback is not None):
            raise Unsupported(f"{name}: the group above it has options or a callback")
        node = node.commands[word]
    cmd = node
    if cmd.no_args_is_help or cmd.allow_extra_args or cmd.ignore_unknown_options:
        raise Unsupported(f"{name}: no_args_is_help, extra args or unknown options")
    if not cmd.allow_interspersed_args or cmd.context_settings:
        raise Unsupported(f"{name}: parses its line in a way of its own")
    declared = inspect.unwrap(cmd.callback)
    hints = typing.get_type_hints(declared, include_extras=True)
    names = list(inspect.signature(declared).parameters)[1:]  # after ctx
    _check_body(name, run, names)
    arguments: list[str] = []
    options: dict[str, tuple[str, bool | None]] = {}
    params: dict[str, dict[str, Any]] = {}
    for param in cmd.params:
        if param.name not in names:
            raise Unsupported(f"{name}: {param.name} is not a parameter of {declared.__name__}")
        info = _info(hints[param.name])
        params[param.name] = _param(name, param, info, hints[param.name])
        if param.param_type_name == "argument":
            arguments.append(param.name)
            continue
        flag = params[param.name]["kind"] == "flag"
        for spelling in param.opts:
            options[spelling] = (param.name, True if flag else None)
        for spelling in param.secondary_opts:
            options[spelling] = (param.name, False)
    if sorted(params) != sorted(names):
        raise Unsupported(f"{name}: Typer sees {sorted(params)}, the function has {names}")
    if set(options) & decline:
        raise Unsupported(f"{name}: an option is spelt like one the fast path leaves to Typer")
    many = [a for a in arguments if params[a].get("many")]
    if many and len(arguments) > 1:
        raise Unsupported(f"{name}: a list argument beside others")
    return {"run": run, "arguments": tuple(arguments), "options": options, "params": params}


def _check_body(name: str, run: str, names: list[str]) -> None:
    """The body takes the state, then exactly the Typer function's parameters by name."""
    module, _, function = run.partition(":")
    body = getattr(importlib.import_module(module), function)
    signature = inspect.signature(body)
    taken = list(signature.parameters)
    keyword_only = inspect.Parameter.KEYWORD_ONLY
    if taken[1:] != names or any(
        p.kind is not keyword_only for p in list(signature.parameters.values())[1:]
    ):
        raise Unsupported(f"{name}: {run} takes {taken[1:]}, the Typer function gives {names}")


def _info(hint: Any) -> Any:
    """The typer.Option(...) or typer.Argument(...) in an Annotated hint."""
    from typer.models import ParameterInfo  # noqa: TID251 - the tool reads the Typer app

    found = [m for m in getattr(hint, "__metadata__", ()) if isinstance(m, ParameterInfo)]
    if len(found) != 1:
        raise Unsupported(f"{hint}: not declared with one typer.Option or typer.Argument")
    return found[0]


def _base(hint: Any) -> tuple[Any, bool]:
    """The type under Annotated and `| None`, and whether it is a list of it."""
    inner = typing.get_args(hint)[0] if hasattr(hint, "__metadata__") else hint
    if isinstance(inner, UnionType) or typing.get_origin(inner) is typing.Union:
        rest = [a for a in typing.get_args(inner) if a is not NoneType]
        if len(rest) != 1:
            raise Unsupported(f"{hint}: a union of several types")
        inner = rest[0]
    if typing.get_origin(inner) is list:
        return typing.get_args(inner)[0], True
    return inner, False


def _param(command: str, param: Any, info: Any, hint: Any) -> dict[str, Any]:
    label = f"{command} {param.name}"
    refused = {
        "a callback": param.callback or info.callback,
        "an environment variable": param.envvar or info.envvar,
        "an eager option": param.is_eager,
        "a prompt": getattr(param, "prompt", None),
        "a count": getattr(param, "count", False),
        "repeatable": param.multiple,
        "clamping": info.clamp,
        "not passed on": not param.expose_value,
        "a default factory": info.default_factory,
    }
    for what, present in refused.items():
        if present:
            raise Unsupported(f"{label}: {what}")
    base, many = _base(hint)
    out: dict[str, Any] = {}
    if param.param_type_name == "argument":
        out["required"] = bool(param.required)
        if many:
            if param.nargs != -1 or not param.required:
                raise Unsupported(f"{label}: an optional list argument")
            out["many"] = True
        elif param.nargs != 1:
            raise Unsupported(f"{label}: takes {param.nargs} values")
    elif param.required or param.nargs != 1 or many:
        raise Unsupported(f"{label}: a required option, or one taking several values")
    if base is bool:
        if param.param_type_name == "argument" or not param.is_flag:
            raise Unsupported(f"{label}: a boolean that is not a flag")
        out["kind"] = "flag"
    elif info.parser is not None:
        out.update(_parsed_choice(label, base, info.parser))
    elif base is int:
        out.update(kind="int", min=info.min, max=info.max)
    elif base is str:
        out["kind"] = "str"
    elif isinstance(base, type) and issubclass(base, enum.Enum):
        out.update(kind="enum", enum=_path(base), choices=tuple(str(m.value) for m in base))
    else:
        raise Unsupported(f"{label}: values of type {base}")
    if param.param_type_name == "argument" and info.autocompletion is not None:
        completer = _completers().get(info.autocompletion)
        if completer is not None:  # another completer: a TAB there is Typer's to answer
            out["complete"] = completer
    if not out.get("required"):
        default = param.default
        if not isinstance(default, bool | int | str | NoneType) or isinstance(default, enum.Enum):
            raise Unsupported(f"{label}: default {default!r}")
        out["default"] = default
    return out


def _completers() -> dict[Any, str]:
    """crm's completion functions as Typer holds them, by the kind of candidates they offer."""
    from crmcli.commands import _complete
    from crmcli.commands.hot.complete import BUILDERS

    return {getattr(_complete, kind): kind for kind in BUILDERS}


def _parsed_choice(label: str, base: Any, parser: Any) -> dict[str, Any]:
    """A parser over an enum: the values it accepts as they are, found by asking it."""
    if not (isinstance(base, type) and issubclass(base, enum.Enum)):
        raise Unsupported(f"{label}: a parser for {base}, not for an enum")
    accepted = []
    for member in base:
        try:
            parsed = parser(str(member.value))
        except Exception:  # refused: not one of this command's choices
            continue
        if parsed is not member:
            raise Unsupported(f"{label}: its parser turns {member.value!r} into {parsed!r}")
        accepted.append(str(member.value))
    return {"kind": "enum", "enum": _path(base), "choices": tuple(accepted)}


def _path(cls: type) -> str:
    return f"{cls.__module__}:{cls.__qualname__}"


# -- writing the module ------------------------------------------------------------------

HEADER = '''"""The hot commands as the Typer app declares them, read by the fast path (`parse.py`).

GENERATED by tools/make_fast_spec.py from the Typer declarations: do not edit; run it
again after changing a hot command's parameters (tests/test_fastpath_spec.py fails
until this file and the app agree). The shapes are `crmcli.fastpath.shapes`.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from crmcli.fastpath.shapes import Command

'''


def _literal(value: Any) -> str:
    if isinstance(value, str):
        if not value.isascii() or '"' in value or "\\" in value:
            raise Unsupported(f"{value!r}: not a plain name")
        return f'"{value}"'
    if isinstance(value, tuple):
        items = ", ".join(_literal(v) for v in value)
        return f"({items},)" if len(value) == 1 else f"({items})"
    if value is None or isinstance(value, bool | int):
        return repr(value)
    raise Unsupported(f"{value!r}: no literal for it")


def _dict(value: dict[str, Any], indent: int) -> list[str]:
    """A dict one item a line, with trailing commas (as ruff format keeps it)."""
    pad = " " * (indent + 4)
    lines = ["{"]
    for key, item in value.items():
        if isinstance(item, dict):
            inner = _dict(item, indent + 4)
            lines.append(f"{pad}{_literal(key)}: {inner[0]}")
            lines += inner[1:-1]
            lines.append(f"{inner[-1]},")
        else:
            lines.append(f"{pad}{_literal(key)}: {_literal(item)},")
    lines.append(" " * indent + "}")
    return lines


def _render(commands: dict[str, dict[str, Any]], decline: list[str], root_hash: str) -> str:
    body = [
        "# Words the fast path leaves to Typer wherever they appear: the end of options,",
        "# help, and the root's options other than --db.",
        "DECLINE = {",
        *[f"    {_literal(word)}," for word in decline],
        "}",
        "",
        "# The root callback's source, hashed: the fast path does for a subcommand what it",
        "# does (keep --db; see dispatch.py). Changed, it must be looked at again.",
        f'ROOT_CALLBACK = "{root_hash}"',
        "",
        "COMMANDS: dict[str, Command] = " + "\n".join(_dict(commands, 0)),
    ]
    text = HEADER + "\n".join(body) + "\n"
    too_long = [line for line in text.splitlines() if len(line) > 100]
    if too_long:
        raise Unsupported(f"lines too long for the formatter: {too_long}")
    return text


def main(argv: list[str]) -> int:
    try:
        text = generate()
    except Unsupported as exc:
        sys.stderr.write(f"make_fast_spec: {exc}\n")
        return 2
    if "--check" in argv:
        if SPEC.read_text(encoding="utf-8") != text:
            sys.stderr.write(f"{SPEC} is stale: run python tools/make_fast_spec.py\n")
            return 1
        return 0
    SPEC.write_text(text, encoding="utf-8")
    print(f"wrote {SPEC}")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
