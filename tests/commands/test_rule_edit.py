"""`crm rule edit`: every rule as one TOML document in $EDITOR, a scripted editor standing in.

The editor is a small script that rewrites the file it is given (with a document the
test wrote, or a sed expression), as a rep would; a rejected document saves nothing and
keeps the rep's text in a file that `--from` takes back.
"""

from __future__ import annotations

import sqlite3
import sys
from pathlib import Path

import pytest

from tests.conftest import dump, invoke

NOW = "2026-03-02T09:00:00Z"

GOOD = """\
[[rule]]
name = "chase proposals"
when = "deal enters Proposal"
if = "amount:>=5000"
then = ["followup +3d: chase the proposal for {deal.title}"]

[[rule]]
name = "call back"
description = "every no-answer, tomorrow"
when = "call logged with outcome no-answer"
then = "followup tomorrow 9am: call {first_name} back"

[[rule]]
name = "quiet"
when = "contact created"
then = ["tag new"]
enabled = false
"""


@pytest.fixture(autouse=True)
def book(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("CRM_NOW", NOW)
    assert invoke("contact", "add", "Ann Lee").exit_code == 0


def editor(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, body: str) -> Path:
    """$EDITOR: a Python script run on the file (`path`); returns where it logs calls."""
    log = tmp_path / "editor.log"
    script = tmp_path / "editor.py"
    script.write_text(
        "import sys, pathlib\n"
        "path = pathlib.Path(sys.argv[1])\n"
        f"log = pathlib.Path({str(log)!r})\n"
        "before = log.read_text() if log.exists() else ''\n"
        "log.write_text(before + path.name + '\\n')\n" + body
    )
    monkeypatch.setenv("EDITOR", f"{sys.executable} {script}")
    monkeypatch.delenv("VISUAL", raising=False)
    return log


def writes(document: str) -> str:
    return f"path.write_text({document!r})\n"


def names(db: Path) -> list[tuple[str, int, int]]:
    conn = sqlite3.connect(db)
    try:
        return conn.execute("SELECT name, position, enabled FROM rule ORDER BY position").fetchall()
    finally:
        conn.close()


def test_edit_saves_the_document_in_order(
    db: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    log = editor(tmp_path, monkeypatch, writes(GOOD))
    out = invoke("rule", "edit")
    assert out.exit_code == 0, out.stderr
    assert out.stdout == (
        "rules saved: added 'chase proposals', 'call back', 'quiet' (crm undo takes it back)\n"
    )
    assert log.read_text() == "rules.toml\n"
    assert names(db) == [("chase proposals", 1, 1), ("call back", 2, 1), ("quiet", 3, 0)]
    # The editor is shown what was saved, and a reorder and a removal are one change.
    shown = tmp_path / "shown.toml"
    blocks = GOOD.split("[[rule]]\n")
    reordered = "[[rule]]\n" + blocks[2] + "[[rule]]\n" + blocks[1]
    editor(
        tmp_path,
        monkeypatch,
        f"import shutil; shutil.copy(path, {str(shown)!r})\n" + writes(reordered),
    )
    out = invoke("rule", "edit")
    assert out.exit_code == 0, out.stderr
    said = "rules saved: changed 'call back', 'chase proposals'; removed 'quiet'"
    assert out.stdout == said + " (crm undo takes it back)\n"
    assert 'if = "amount:>=5000"' in shown.read_text()
    assert names(db) == [("call back", 1, 1), ("chase proposals", 2, 1)]
    assert invoke("undo").exit_code == 0
    assert names(db) == [("chase proposals", 1, 1), ("call back", 2, 1), ("quiet", 3, 0)]


def test_an_unchanged_file_changes_nothing(
    db: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    editor(tmp_path, monkeypatch, "")
    before = dump(db)
    out = invoke("rule", "edit")
    assert (out.exit_code, out.stdout) == (0, "")
    assert out.stderr == "the rules were not changed; nothing to do\n"
    assert dump(db) == before


@pytest.mark.parametrize(
    ("bad", "said"),
    [
        ('name = "x"\nwhen = "deal sings"\nthen = ["tag a"]\n', "line 21: rule 'x': cannot read"),
        (
            'name = "x"\nwhen = "deal won"\nthen = ["tag a"]\nfoo = 1\n',
            "line 23: rule 'x': unknown key",
        ),
        ('name = "x"\nwhen = "deal won"\n', "then"),
        ('name = "x"\nwhen = "deal enters Nowhere"\nthen = ["tag a"]\n', "Nowhere"),
        ('name = "x"\nwhen = "deal enters Demo"\nthen = ["move Demo"]\n', "rules loop"),
        ('name = "x\nwhen = 3\n', "line"),
    ],
)
def test_a_bad_document_saves_nothing_and_keeps_the_text(
    db: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, bad: str, said: str
) -> None:
    editor(tmp_path, monkeypatch, writes(GOOD))
    assert invoke("rule", "edit").exit_code == 0
    document = GOOD + "\n[[rule]]\n" + bad
    editor(tmp_path, monkeypatch, writes(document))
    before = dump(db)
    out = invoke("rule", "edit")  # no terminal: not offered again
    assert out.exit_code == 2, out.stderr
    assert out.stderr.count("\n") == 1 and said in out.stderr, out.stderr
    draft = tmp_path / "xdg-data" / "crmcli" / "rules-draft.toml"
    assert (
        f"nothing saved (your text is in {draft}: crm rule edit --from {draft} takes it back)"
        in out.stderr
    )
    assert dump(db) == before
    assert draft.read_text() == document
    assert oct(draft.stat().st_mode & 0o777) == "0o600"
    # --from takes it back into the editor; fixed there, it is saved and the draft goes.
    editor(tmp_path, monkeypatch, writes(GOOD.replace('"quiet"', '"hushed"')))
    out = invoke("rule", "edit", "--from", str(draft))
    assert out.exit_code == 0, out.stderr
    assert "added 'hushed'" in out.stdout and "removed 'quiet'" in out.stdout
    assert not draft.exists()


def test_the_line_number_is_the_documents(
    db: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    bad = GOOD.replace('then = ["tag new"]', 'then = ["tag new", "move Won"]')
    editor(tmp_path, monkeypatch, writes(bad))
    out = invoke("rule", "edit")
    line = bad.splitlines().index('then = ["tag new", "move Won"]') + 1
    assert out.exit_code == 2
    assert out.stderr.startswith(f"crm: line {line}: "), out.stderr


def test_from_file_without_an_editor(
    db: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("EDITOR", "false")  # never run
    rules = tmp_path / "team-rules.toml"
    rules.write_text(GOOD)
    out = invoke("rule", "edit", "--from", str(rules), "--no-edit")
    assert out.exit_code == 0, out.stderr
    assert [n for n, _, _ in names(db)] == ["chase proposals", "call back", "quiet"]
    assert rules.exists()  # not a draft: left alone
    out = invoke(
        "rule",
        "edit",
        "--from",
        "-",
        "--no-edit",
        input=GOOD.split("[[rule]]", 2)[0] + "[[rule]]" + GOOD.split("[[rule]]")[1],
    )
    assert out.exit_code == 0, out.stderr
    assert [n for n, _, _ in names(db)] == ["chase proposals"]


@pytest.mark.parametrize(
    ("args", "env", "code", "said"),
    [
        (["rule", "edit", "--no-edit"], {}, 2, "--no-edit goes with --from"),
        (["rule", "edit", "--from", "/nonexistent/rules.toml"], {}, 2, "no file"),
        (["rule", "edit"], {"EDITOR": "false"}, 1, "the editor exited with status 1"),
        (["rule", "edit"], {"EDITOR": "/nonexistent/editor"}, 1, "cannot run the editor"),
    ],
)
def test_edit_refusals(
    db: Path,
    monkeypatch: pytest.MonkeyPatch,
    args: list[str],
    env: dict[str, str],
    code: int,
    said: str,
) -> None:
    monkeypatch.delenv("VISUAL", raising=False)
    for key, value in env.items():
        monkeypatch.setenv(key, value)
    before = dump(db)
    out = invoke(*args)
    assert out.exit_code == code, out.stderr
    assert out.stderr.count("\n") == 1 and said in out.stderr, out.stderr
    assert dump(db) == before


def test_on_a_terminal_a_bad_document_is_reopened_until_it_reads(
    db: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from crmcli.commands import _bulk_flow

    monkeypatch.setattr(_bulk_flow, "on_terminal", lambda: True)
    # 1st save: a trigger that does not read; 2nd (the rep fixes it): the good document.
    body = (
        "text = path.read_text()\n"
        f"good = {GOOD!r}\n"
        "path.write_text(good if 'deal sings' in text else good.replace("
        "'contact created', 'deal sings'))\n"
    )
    log = editor(tmp_path, monkeypatch, body)
    out = invoke("rule", "edit", input="y\n")
    assert out.exit_code == 0, out.stderr
    assert "crm: line 15: rule 'quiet': cannot read 'deal sings'" in out.stderr
    assert "Edit the rules again?" in out.stdout
    assert log.read_text() == "rules.toml\nrules.toml\n"
    assert [n for n, _, _ in names(db)] == ["chase proposals", "call back", "quiet"]
    # Asked again, a no: nothing saved, and the text kept.
    editor(tmp_path, monkeypatch, writes(GOOD.replace("contact created", "deal sings")))
    before = dump(db)
    out = invoke("rule", "edit", input="n\n")
    assert out.exit_code == 2
    assert out.stderr.splitlines()[-1].startswith("crm: line 15: rule 'quiet': cannot read")
    assert "nothing saved (your text is in" in out.stderr
    assert dump(db) == before
