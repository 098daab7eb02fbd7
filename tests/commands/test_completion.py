"""Shell completion from the database, through Typer's own completion machinery."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from tests.conftest import invoke

pytestmark = pytest.mark.subprocess


def complete(shell: str, line: str, **env: str) -> list[str]:
    exe = str(Path(sys.executable).with_name("crm"))
    words = {"_CRM_COMPLETE": f"complete_{shell}"}
    if shell == "bash":
        parts = line.split(" ")
        words.update(COMP_WORDS=line, COMP_CWORD=str(len(parts) - 1))
    else:
        words.update(_TYPER_COMPLETE_ARGS=line)
        if shell == "fish":
            words.update(_TYPER_COMPLETE_FISH_ACTION="get-args")
    out = subprocess.run(
        [exe], capture_output=True, text=True, timeout=30, env={**os.environ, **words, **env}
    )
    assert out.returncode == 0 and out.stderr == "", out.stderr
    return [line for line in out.stdout.splitlines() if line]


@pytest.fixture(autouse=True)
def data() -> None:
    invoke("contact", "add", "Hélène Dupré", "-e", "helene.dupre@acme.fr", "-c", "Acme")
    invoke("contact", "add", "Marc Dupree", "-e", "marc@globex.com")
    invoke("contact", "add", "Jürgen Müller")  # no email: completes to the id
    invoke("deal", "add", "Acme licence", "--contact", "helene")
    invoke("followup", "add", "marc", "tomorrow", "Call back")


def test_contacts_complete_to_their_name_a_valid_ref_ranked_like_find() -> None:
    assert complete("bash", "crm contact show helene") == ["Hélène\\ Dupré"]  # one word
    assert complete("bash", "crm log call dupre") == ["Hélène\\ Dupré", "Marc\\ Dupree"]
    assert complete("bash", "crm log call jurg") == ["Jürgen\\ Müller"]
    fish = complete("fish", "crm log call mul")
    assert fish == ["Jürgen Müller\tJürgen Müller"]  # fish shows the name as the description
    zsh = complete("zsh", "crm followup add hel")
    assert zsh[0].endswith('compadd -U -l -d _crm_shown -- "Hélène Dupré"'), zsh
    assert '"Hélène Dupré (Acme)"' in zsh[0]
    for name in ("Hélène Dupré", "Marc Dupree", "Jürgen Müller"):  # each name is a REF
        assert invoke("contact", "show", name).exit_code == 0


def test_zsh_is_told_not_to_drop_a_name_that_does_not_start_with_the_word() -> None:
    """zsh keeps only candidates starting with the typed word; `ine` found Ines Duarte by
    name and must reach the line (issue #20: emails were offered and filtered away)."""
    invoke("contact", "add", "Ines Duarte", "-e", "i.duarte@example.pt")
    for shell_instruction in ("complete_zsh", "zsh_complete"):  # Typer's form and click's
        zsh = complete("zsh", "crm log call ine", _CRM_COMPLETE=shell_instruction)
        assert zsh == [
            'local -a _crm_shown=("Ines Duarte"); compadd -U -l -d _crm_shown -- "Ines Duarte"'
        ]
    assert complete("bash", "crm log call ine") == ["Ines\\ Duarte"]
    fish = complete("fish", "crm log call ine")
    assert fish == ["Ines Duarte\tInes Duarte"]
    assert all(line.split("\t")[0].lower().startswith("ine") for line in fish)


def test_a_name_two_contacts_share_completes_to_each_ones_email_or_id() -> None:
    invoke("contact", "add", "Sam Reed", "-e", "sam@one.example")
    invoke("contact", "add", "Sam Reed")
    assert complete("bash", "crm contact show sam") == ["sam@one.example", "\\#5"]


def test_bash_inserts_a_name_as_one_word_through_the_installed_script(tmp_path: Path) -> None:
    exe = str(Path(sys.executable).with_name("crm"))
    script = subprocess.run(
        [exe, "--show-completion", "bash"], capture_output=True, text=True, check=True
    ).stdout
    (tmp_path / "crm.bash").write_text(script)
    probe = (
        f"source {tmp_path / 'crm.bash'}; COMP_WORDS=(crm log call jurg); COMP_CWORD=3; "
        "_crm_completion crm; printf '%s\\n' \"${COMPREPLY[@]}\"; "
        'eval "set -- $COMPREPLY"; echo "words=$#"'
    )
    env = {**os.environ, "PATH": f"{Path(exe).parent}:{os.environ['PATH']}"}
    out = subprocess.run(["bash", "--norc", "-c", probe], capture_output=True, text=True, env=env)
    assert out.stdout.splitlines() == ["Jürgen\\ Müller", "words=1"], out.stderr


@pytest.mark.parametrize("shell", ["zsh", "fish", "bash"])
def test_install_completion_installs_for_the_shell_named(tmp_path: Path, shell: str) -> None:
    """`--install-completion zsh` run from bash installs zsh's, not bash's (issue #20)."""
    exe = str(Path(sys.executable).with_name("crm"))
    home = tmp_path / "home"
    home.mkdir()
    env = {**os.environ, "HOME": str(home), "SHELL": "/bin/bash"}
    out = subprocess.run(
        [exe, "--install-completion", shell], capture_output=True, text=True, env=env
    )
    assert out.returncode == 0, out.stderr
    where = {
        "zsh": home / ".zfunc" / "_crm",
        "fish": home / ".config" / "fish" / "completions" / "crm.fish",
        "bash": home / ".bash_completions" / "crm.sh",
    }
    assert where[shell].is_file(), sorted(str(p) for p in home.rglob("*"))
    assert str(where[shell]) in out.stdout
    others = [path for name, path in where.items() if name != shell]
    assert not any(path.exists() for path in others)
    assert "_CRM_COMPLETE" in where[shell].read_text()


def test_install_completion_refuses_an_unknown_shell(tmp_path: Path) -> None:
    out = invoke("--install-completion", "tcsh")
    assert out.exit_code == 2
    assert out.stderr.strip().startswith("crm: unknown shell 'tcsh'; name one: bash, zsh or fish")


def test_deals_stages_kinds_and_followup_ids() -> None:
    assert complete("bash", "crm deal show ac") == ["1"]
    assert complete("bash", "crm deal move 1 pro") == ["Proposal"]
    assert complete("bash", "crm log ca") == ["call"]
    assert complete("bash", "crm followup done ") == ["1"]
    assert "contact" in complete("bash", "crm con")


def test_completion_never_prints_errors(tmp_path: Path) -> None:
    missing = str(tmp_path / "none.db")
    assert complete("bash", "crm contact show hel", CRM_DB=missing) == []
    assert not Path(missing).exists()
    junk = tmp_path / "junk.db"
    junk.write_text("garbage")
    assert complete("bash", "crm log call x", CRM_DB=str(junk)) == []
