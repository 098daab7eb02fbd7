"""`crm template add|edit|list|show|rm`: options, FILE, stdin, $EDITOR; bad input refused whole."""

from __future__ import annotations

import json
import sys
from pathlib import Path

import pytest

from tests.conftest import Result, dump, invoke

NOW = "2026-03-02T09:00:00Z"


@pytest.fixture(autouse=True)
def book(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("CRM_NOW", NOW)
    assert invoke("contact", "add", "Hélène Dupré", "--email", "helene@exemple.fr").exit_code == 0


def ok(*args: str, input: str | None = None) -> Result:
    result = invoke(*args, input=input)
    assert result.exit_code == 0, result.stderr
    return result


def one_line_error(result: Result, code: int, text: str) -> None:
    assert result.exit_code == code, (result.stdout, result.stderr)
    assert result.stderr.count("\n") == 1 and result.stderr.startswith("crm: "), result.stderr
    assert text in result.stderr, result.stderr
    assert "Traceback" not in result.stderr


def editor(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, text: str | None) -> Path:
    """$EDITOR as a real program: writes `text` over the file (None: leaves it), and keeps
    what it was given to edit."""
    seen = tmp_path / "editor-saw.txt"
    script = tmp_path / "editor.py"
    write = (
        f"open(sys.argv[1], 'w', encoding='utf-8').write({text!r})\n" if text is not None else ""
    )
    script.write_text(
        f"import shutil, sys\nshutil.copy(sys.argv[1], {str(seen)!r})\n" + write,
        encoding="utf-8",
    )
    monkeypatch.setenv("EDITOR", f"{sys.executable} {script}")
    monkeypatch.delenv("VISUAL", raising=False)
    return seen


def test_add_list_show_edit_rm(db: Path) -> None:
    said = ok("template", "add", "merci", "-s", "Merci {first_name}", "-b", "Bonjour {first_name}")
    assert said.stdout == "added template merci: Merci {first_name}\n"
    ok("template", "add", "relance", "-s", "Relance", "-b", "Re {name}", "-d", "after a quote")
    listed = ok("template", "list").stdout
    assert listed.splitlines()[0].split() == ["NAME", "SUBJECT", "DESCRIPTION"]
    assert "merci" in listed and "after a quote" in listed
    rows = json.loads(ok("template", "list", "--json").stdout)
    assert [r["name"] for r in rows] == ["merci", "relance"]
    assert rows[0]["body"] == "Bonjour {first_name}"
    assert ok("template", "show", "merci").stdout == (
        "# template merci\nSubject: Merci {first_name}\n\nBonjour {first_name}\n"
    )
    shown = json.loads(ok("template", "show", "merci", "--json").stdout)
    assert shown["fields"] == ["first_name"]
    ok("template", "edit", "merci", "--subject", "Merci beaucoup {first_name}")
    assert json.loads(ok("template", "show", "merci", "--json").stdout)["subject"] == (
        "Merci beaucoup {first_name}"
    )
    assert ok("template", "rm", "merci").stdout.startswith("removed template merci")
    ok("undo")
    assert json.loads(ok("template", "show", "merci", "--json").stdout)["name"] == "merci"


def test_list_with_none_exits_1() -> None:
    result = invoke("template", "list")
    assert result.exit_code == 1 and "no templates yet" in result.stderr


def test_add_from_stdin_and_file(tmp_path: Path) -> None:
    text = "Subject: Merci {first_name}\nDescription: first call\n\nBonjour,\n\n{me.name}\n"
    ok("template", "add", "merci", "-", input=text)
    shown = json.loads(ok("template", "show", "merci", "--json").stdout)
    assert (shown["subject"], shown["description"], shown["body"]) == (
        "Merci {first_name}",
        "first call",
        "Bonjour,\n\n{me.name}",
    )
    (tmp_path / "body.txt").write_text("Corps é\n", encoding="utf-8")
    ok("template", "add", "b", "-s", "S", "--body-file", str(tmp_path / "body.txt"))
    ok("template", "add", "c", "-s", "S", "-", input="from stdin\n")
    assert json.loads(ok("template", "show", "c", "--json").stdout)["body"] == "from stdin"
    assert json.loads(ok("template", "show", "b", "--json").stdout)["body"] == "Corps é"


@pytest.mark.parametrize(
    ("args", "stdin", "code", "text"),
    [
        (["x", "-s", "Hi {frist_name}", "-b", "b"], None, 2, "unknown merge field {frist_name}"),
        (["x", "-s", "S", "-b", "Hi {compagny"], None, 2, "lone '{'"),
        (["x", "-s", "S"], None, 2, ""),  # neither body nor editor form: see below
        (["x", "-b", "body only"], None, 2, "needs --subject"),
        (["x", "-s", "S", "-b", "b", "--body-file", "f"], None, 2, "not both"),
        (["", "-s", "S", "-b", "b"], None, 2, "must not be empty"),
        (["y" * 81, "-s", "S", "-b", "b"], None, 2, "at most 80"),
        (["x", "-"], "no subject line\n\nbody", 2, "line 1: expected 'Subject: ...'"),
        (["x", "--body-file", "/nonexistent/f", "-s", "S"], None, 2, "cannot read /nonexistent/f"),
        (["merci", "-s", "S", "-b", "b"], None, 1, "already a template named 'merci'"),
        (["MERCI", "-s", "S", "-b", "b"], None, 1, "already a template named 'merci'"),
    ],
)
def test_bad_input_one_line_and_nothing_saved(
    db: Path,
    monkeypatch: pytest.MonkeyPatch,
    tmp_path: Path,
    args: list[str],
    stdin: str | None,
    code: int,
    text: str,
) -> None:
    ok("template", "add", "merci", "-s", "Merci", "-b", "Bonjour")
    if args == ["x", "-s", "S"]:  # the editor path, with an editor that saves a bad field
        editor(tmp_path, monkeypatch, "Subject: S\n\nHi {frist_name}\n")
        text = "unknown merge field {frist_name}"
    before = dump(db)
    result = invoke("template", "add", *args, input=stdin)
    one_line_error(result, code, text)
    assert dump(db) == before


def test_add_in_the_editor(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    seen = editor(tmp_path, monkeypatch, "Subject: Merci {first_name}\n\nBonjour {first_name}\n")
    ok("template", "add", "merci", "-s", "prefilled")
    skeleton = seen.read_text(encoding="utf-8")
    assert "Subject: prefilled" in skeleton and "{deal.title}" in skeleton  # the fields listed
    shown = json.loads(ok("template", "show", "merci", "--json").stdout)
    assert (shown["subject"], shown["body"]) == ("Merci {first_name}", "Bonjour {first_name}")


def test_edit_in_the_editor(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, db: Path) -> None:
    ok("template", "add", "merci", "-s", "Merci", "-b", "Bonjour", "-d", "desc")
    seen = editor(tmp_path, monkeypatch, "Subject: Merci {name}\n\nBonjour {name}\n")
    said = ok("template", "edit", "merci")
    assert said.stdout == "updated template merci: Merci {name}\n"
    assert "Subject: Merci\nDescription: desc\n\nBonjour\n" in seen.read_text(encoding="utf-8")
    shown = json.loads(ok("template", "show", "merci", "--json").stdout)
    assert (shown["subject"], shown["body"], shown["description"]) == (
        "Merci {name}",
        "Bonjour {name}",
        None,
    )
    # A file saved unchanged: nothing to do, nothing written.
    editor(tmp_path, monkeypatch, None)
    before = dump(db)
    assert invoke("template", "edit", "merci").exit_code == 0
    assert dump(db) == before
    # A bad edit with no terminal to ask on: one line, nothing changed.
    editor(tmp_path, monkeypatch, "Subject: Merci {nom}\n\nBonjour\n")
    one_line_error(invoke("template", "edit", "merci"), 2, "unknown merge field {nom}")
    assert dump(db) == before


def test_unknown_template(db: Path) -> None:
    before = dump(db)
    for command in (["show", "nope"], ["rm", "nope"], ["edit", "nope", "-s", "x"]):
        one_line_error(invoke("template", *command), 1, "no template named 'nope'")
    assert dump(db) == before
