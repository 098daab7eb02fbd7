"""The fast path's spec is what the Typer app declares now, and the tool refuses to guess.

`src/crmcli/fastpath/spec.py` is written by tools/make_fast_spec.py from the Typer
declarations; if a hot command gains an option, loses one or changes a default, this
fails until the spec is written again. The tool stops, naming the parameter, on any
declaration whose checking the fast path could not reproduce exactly.
"""

from __future__ import annotations

import importlib.util
import sys
from pathlib import Path
from types import ModuleType
from typing import Annotated, Any

import pytest
import typer

ROOT = Path(__file__).resolve().parents[1]


def tool() -> ModuleType:
    """tools/make_fast_spec.py, loaded as a module (tools/ is no package)."""
    path = ROOT / "tools" / "make_fast_spec.py"
    spec = importlib.util.spec_from_file_location("make_fast_spec", path)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules["make_fast_spec"] = module
    spec.loader.exec_module(module)
    return module


def test_the_committed_spec_is_what_the_typer_app_declares_now() -> None:
    made = tool()
    shipped = made.SPEC.read_text(encoding="utf-8")
    assert shipped == made.generate(), "run: python tools/make_fast_spec.py"


def test_every_hot_command_is_in_the_spec_with_its_body() -> None:
    from crmcli.fastpath.spec import COMMANDS

    assert set(COMMANDS) == {
        "find",
        "contact show",
        "log",
        "today",
        "search",
        "followup add",
        "followup done",
        "deal move",
        "brief",
        "tui",
    }
    for name, command in COMMANDS.items():
        module, _, function = command["run"].partition(":")
        assert module.startswith("crmcli.commands.hot."), name
        assert callable(getattr(importlib.import_module(module), function)), name


# -- what the tool refuses ---------------------------------------------------------------


def body(app: Any, *, value: Any) -> int:
    """A body for the made-up commands below: takes one parameter, `value`."""
    return 0


def _refusal(declared: Any) -> str:
    """What the tool says of a command `crm probe` declared as `declared`."""
    made = tool()
    app = typer.Typer()
    app.command("probe")(declared)
    app.command("other")(lambda: None)  # two commands: `probe` stays a subcommand
    root = typer.main.get_command(app)
    with pytest.raises(made.Unsupported) as refused:
        made._command(root, "probe", f"{__name__}:body", set())
    return str(refused.value)


def test_an_option_read_from_the_environment_is_refused() -> None:
    def probe(
        ctx: typer.Context, value: Annotated[str, typer.Option("--value", envvar="V")] = ""
    ) -> None: ...

    assert "environment variable" in _refusal(probe)


def test_an_option_with_a_callback_is_refused() -> None:
    def probe(
        ctx: typer.Context,
        value: Annotated[str, typer.Option("--value", callback=lambda v: v.upper())] = "",
    ) -> None: ...

    assert "callback" in _refusal(probe)


def test_a_repeatable_option_is_refused() -> None:
    def probe(
        ctx: typer.Context, value: Annotated[list[str] | None, typer.Option("--value")] = None
    ) -> None: ...

    assert "repeatable" in _refusal(probe)


def test_a_parser_that_is_no_choice_of_an_enum_is_refused() -> None:
    def probe(
        ctx: typer.Context, value: Annotated[str, typer.Option("--value", parser=str.upper)] = ""
    ) -> None: ...

    assert "parser" in _refusal(probe)


def test_a_float_is_refused() -> None:
    def probe(
        ctx: typer.Context, value: Annotated[float, typer.Option("--value")] = 1.0
    ) -> None: ...

    assert "float" in _refusal(probe)


def test_a_body_taking_other_names_than_the_declaration_is_refused() -> None:
    def probe(ctx: typer.Context, other: Annotated[str, typer.Option("--other")] = "") -> None: ...

    assert "takes ['value']" in _refusal(probe)
