"""What crmcli relies on in Typer's inner workings, checked against the installed Typer.

Each test names the reliance it checks (see `crmcli.commands._typer_compat`). A failure
after a Typer upgrade says which one moved: fix it in that module, then lift the
`typer<0.30` pin in pyproject.toml.
"""

from __future__ import annotations

import errno
import sys
from typing import Annotated

import pytest
import typer

from crmcli.commands import _typer_compat as compat

MOVED = "Typer {version} moved this: {what}. Update crmcli/commands/_typer_compat.py."


def moved(what: str) -> str:
    return MOVED.format(version=typer.__version__, what=what)


def _suggest(ctx: typer.Context, incomplete: str) -> list[tuple[str, str]]:
    return [(compat.Found("helene@acme.fr"), "found by meaning"), ("zzz", "by spelling")]


def _show(
    ref: Annotated[str, typer.Argument(autocompletion=_suggest)],
    limit: Annotated[int, typer.Option("--limit")] = 1,
) -> None:
    if ref == "pipe":
        raise OSError(errno.EPIPE, "Broken pipe")


def _app() -> typer.Typer:
    """A root app shaped like crm's: a group with no_args_is_help and a typed option."""
    app = typer.Typer(name="crm", add_completion=True, pretty_exceptions_enable=False)
    group = typer.Typer(name="contact", no_args_is_help=True)
    group.command("show")(_show)
    app.callback()(lambda: None)
    app.add_typer(group, name="contact")
    return app


def test_usage_errors_are_caught_as_typer_exceptions_with_their_context() -> None:
    try:
        _app()(
            args=["contact", "show", "x", "--limit", "many"], prog_name="crm", standalone_mode=False
        )
    except compat.UsageError as exc:
        where, text, code = compat.usage_report(exc)
    except Exception as exc:  # pragma: no cover - only on a Typer that moved it
        if not type(exc).__module__.startswith("typer"):
            raise
        pytest.fail(moved(f"usage errors no longer derive from typer.TyperException ({exc!r})"))
    else:  # pragma: no cover
        pytest.fail(moved("a bad option value no longer raises with standalone_mode=False"))
    assert where == "crm contact show", moved("usage errors no longer carry `ctx`")
    assert code == 2, moved("usage errors no longer exit with code 2")
    assert "--limit" in text and "\n" not in text, moved("format_message() changed")


def test_a_group_run_alone_is_a_help_request_recognised_by_name(
    capsys: pytest.CaptureFixture[str],
) -> None:
    with pytest.raises(compat.UsageError) as caught:
        _app()(args=["contact"], prog_name="crm", standalone_mode=False)
    assert compat.is_help_request(caught.value), moved(
        f"a group run alone raises {type(caught.value).__name__}, not NoArgsIsHelpError"
    )
    printed = capsys.readouterr()
    assert "show" in printed.out + printed.err, moved("the group's help is no longer printed")


def test_a_closed_stdout_is_wrapped_quietly_and_exits_1(monkeypatch: pytest.MonkeyPatch) -> None:
    # Typer replaces sys.stdout and sys.stderr: monkeypatch puts the real ones back.
    monkeypatch.setattr(sys, "stdout", sys.stdout)
    monkeypatch.setattr(sys, "stderr", sys.stderr)
    with pytest.raises(SystemExit) as caught:
        _app()(args=["contact", "show", "pipe"], prog_name="crm", standalone_mode=False)
    assert caught.value.code == 1, moved("EPIPE no longer exits 1")
    assert compat.stdout_reader_gone(), moved(
        f"on EPIPE stdout is a {type(sys.stdout).__name__}, not click's PacifyFlushWrapper"
    )


@pytest.mark.parametrize(
    ("shell", "env"),
    [
        ("bash", {"COMP_WORDS": "crm contact show dup", "COMP_CWORD": "3"}),
        ("zsh", {"_TYPER_COMPLETE_ARGS": "crm contact show dup"}),
    ],
)
def test_completion_is_switched_on_and_read_as_crmcli_expects(
    shell: str,
    env: dict[str, str],
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    monkeypatch.setenv(compat.COMPLETE_VAR, f"complete_{shell}")
    for name, value in env.items():
        monkeypatch.setenv(name, value)
    assert compat.completing()
    assert compat.completion_words() == ["contact", "show"]
    with pytest.raises(SystemExit):
        _app()(args=[], prog_name="crm", standalone_mode=False)
    offered = capsys.readouterr().out
    assert "helene@acme.fr" in offered, moved(
        f"{compat.COMPLETE_VAR} or the completion words are no longer read, "
        "or Found no longer survives Typer's prefix filter"
    )
    assert "zzz" not in offered, moved("completions are no longer filtered by prefix")


def test_completion_words_without_any_are_a_placeholder(monkeypatch: pytest.MonkeyPatch) -> None:
    for name in ("COMP_WORDS", "COMP_CWORD", "_TYPER_COMPLETE_ARGS", compat.COMPLETE_VAR):
        monkeypatch.delenv(name, raising=False)
    assert not compat.completing()
    assert compat.completion_words() == ["--"]
    monkeypatch.setenv("_TYPER_COMPLETE_ARGS", "crm con")  # the group name being typed
    assert compat.completion_words() == ["--"]


def _choose(kind: Annotated[str, typer.Argument()], limit: int = 1) -> None:
    """A command to read help and errors from."""


def test_plain_help_reaches_typers_parameter_classes(capsys: pytest.CaptureFixture[str]) -> None:
    """`plain_help` patches TyperArgument/TyperOption display methods and process_value."""
    compat.plain_help()
    app = typer.Typer(name="crm", add_completion=False, rich_markup_mode=None)
    app.command("pick")(_choose)
    app.callback()(lambda: None)
    with pytest.raises(SystemExit):
        app(args=["pick", "--help"], prog_name="crm", standalone_mode=True)
    shown = capsys.readouterr().out
    assert "Usage: crm pick [OPTIONS] KIND" in shown, moved(f"usage names changed: {shown}")
    assert "--limit N" in shown and "<int>" not in shown, moved("option metavars changed")
    with pytest.raises(compat.UsageError) as caught:
        app(args=["pick", "x", "--limit", "many"], prog_name="crm", standalone_mode=False)
    assert "--limit takes a whole number, not 'many'" in caught.value.format_message(), moved(
        "a bad value's pydantic error is no longer the __cause__ of BadParameter"
    )


def test_crm_completion_classes_replace_typers(monkeypatch: pytest.MonkeyPatch) -> None:
    from typer._click.shell_completion import get_completion_class

    monkeypatch.setenv(compat.COMPLETE_VAR, "zsh_complete")  # click's order: normalised
    compat.register_completion()
    assert compat.completing() and compat.os.environ[compat.COMPLETE_VAR] == "complete_zsh"
    for shell in ("bash", "zsh", "fish"):
        found = get_completion_class(shell)
        assert found is not None, moved(f"no completion class registered for {shell}")
    assert get_completion_class("zsh").__name__ == "CrmZsh", moved("add_completion_class moved")
    assert "_CRM_COMPLETE" in compat.completion_script("fish"), moved("completion scripts moved")
