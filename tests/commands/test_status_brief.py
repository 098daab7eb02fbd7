"""The shell start-up digest and the prompt segment: quiet, lean, never creating anything."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from tests.conftest import invoke

NOW = "2026-11-25T14:20:00Z"  # Wednesday 15:20 in Paris


@pytest.fixture(autouse=True)
def fixed_clock(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("CRM_NOW", NOW)


def crm(*args: str, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    exe = str(Path(sys.executable).with_name("crm"))
    return subprocess.run(
        [exe, *args], capture_output=True, text=True, env={**os.environ, **(env or {})}, timeout=30
    )


@pytest.mark.subprocess
def test_prompt_marker(db: Path) -> None:
    invoke("contact", "add", "Ann Lee")
    assert crm("status", "--prompt").stdout == ""  # nothing due: nothing printed
    invoke("followup", "add", "ann", "today", "Call")
    assert crm("status", "--prompt").stdout == "crm:1\n"
    invoke("followup", "add", "ann", "today 9am", "Earlier")  # already late at 15:20
    invoke("followup", "add", "ann", "tomorrow", "Not yet")
    out = crm("status", "--prompt")
    assert (out.returncode, out.stdout, out.stderr) == (0, "crm:2!\n", "")
    elsewhere = {"CRM_DB": str(db.with_name("elsewhere.db"))}  # --db must win over it
    assert crm("--db", str(db), "status", "--prompt", env=elsewhere).stdout == "crm:2!\n"
    assert crm(f"--db={db}", "status", "--prompt", env=elsewhere).stdout == "crm:2!\n"
    assert crm("status", "--prompt", "--db", str(db), env=elsewhere).stdout == "crm:2!\n"
    assert crm("status", "--prompt", env=elsewhere).stdout == ""
    assert invoke("status").stdout == "crm:2!\n"
    assert invoke("status", "--json").stdout == '{"due": 2, "overdue": 1}\n'


@pytest.mark.subprocess
def test_prompt_never_creates_or_complains(tmp_path: Path) -> None:
    missing = tmp_path / "none.db"
    out = crm("status", "--prompt", env={"CRM_DB": str(missing)})
    assert (out.returncode, out.stdout, out.stderr) == (0, "", "")
    assert not missing.exists()
    junk = tmp_path / "junk.db"
    junk.write_text("not a database")
    out = crm("status", "--prompt", env={"CRM_DB": str(junk)})
    assert (out.returncode, out.stdout, out.stderr) == (0, "", "")


@pytest.mark.subprocess
def test_prompt_path_stays_lean(db: Path) -> None:
    invoke("contact", "add", "Ann Lee")
    code = (
        "import sys\nsys.argv = ['crm', 'status', '--prompt']\n"
        "from crmcli.entry import main\n"
        "try:\n    main()\nexcept SystemExit:\n    pass\n"
        "heavy = [m for m in ('typer', 'rich', 'pydantic', 'sqlalchemy', 'sqlmodel', 'click',"
        " 'platformdirs', 'dateutil', 'crmcli.cli', 'crmcli.core.db.store') if m in sys.modules]\n"
        "sys.stderr.write('HEAVY:' + ','.join(heavy) + '\\n')"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert "HEAVY:\n" in out.stderr, out.stderr


@pytest.mark.parametrize("xdg", [None, "", "/srv/crm data", "relative/data", "  ", "~/data"])
@pytest.mark.parametrize("home", [None, "/home/rep"])
def test_prompt_default_path_is_the_one_crm_uses(
    xdg: str | None, home: str | None, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Without CRM_DB, the prompt reads the very file every other command would open."""
    from crmcli.core.paths import default_db_path
    from crmcli.prompt import default_db

    monkeypatch.delenv("CRM_DB", raising=False)
    for name, value in (("XDG_DATA_HOME", xdg), ("HOME", home)):
        if value is None:
            monkeypatch.delenv(name, raising=False)
        else:
            monkeypatch.setenv(name, value)
    assert default_db() == str(default_db_path())


def test_today_brief(db: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    out = invoke("today", "--brief")
    assert (out.exit_code, out.stdout, out.stderr) == (0, "", "")
    assert not db.exists()
    invoke("contact", "add", "Ann Lee", "--every", "30d")
    invoke("contact", "add", "Bob Ray")
    invoke("log", "call", "bob", "hi")
    assert invoke("today", "--brief").stdout == "crm: 1 to keep in touch with\n"
    monkeypatch.setenv("CRM_NOW", "2026-11-20T09:00:00Z")
    invoke("followup", "add", "bob", "2026-11-22", "Send the quote")
    monkeypatch.setenv("CRM_NOW", NOW)
    invoke("followup", "add", "ann", "today", "Call")
    lines = invoke("today", "--brief").stdout.splitlines()
    assert lines == [
        "crm: 1 overdue, 1 due today, 1 to keep in touch with",
        "  next: follow-up #1 Bob Ray — Send the quote (2 days late)",  # kind named (H6)
    ]
    assert len(lines) <= 3
