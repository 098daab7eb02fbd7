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


def test_contacts_complete_to_a_valid_ref_ranked_like_find() -> None:
    assert complete("bash", "crm contact show helene") == ["helene.dupre@acme.fr"]
    assert complete("bash", "crm log call dupre") == ["helene.dupre@acme.fr", "marc@globex.com"]
    assert complete("bash", "crm log call jurg") == ["3"]
    fish = complete("fish", "crm log call mul")
    assert fish == ["3\tJürgen Müller"]  # fish shows the name as the description
    zsh = complete("zsh", "crm followup add hel")
    assert '"helene.dupre@acme.fr":"Hélène Dupré (Acme)"' in zsh[0]


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
