"""The installed `crm` console script, run as a rep runs it: a real subprocess."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

pytestmark = pytest.mark.subprocess


def crm_path() -> str:
    beside = Path(sys.executable).with_name("crm")
    found = str(beside) if beside.exists() else shutil.which("crm")
    if not found:
        pytest.fail("the crm console script is not installed (pip install -e '.[test]')")
    return found


def run(*args: str, env: dict[str, str] | None = None, input: str | None = None):
    return subprocess.run(
        [crm_path(), *args], capture_output=True, text=True, env=env, input=input, timeout=60
    )


def test_installed_crm_round_trip(tmp_path: Path) -> None:
    env = {**os.environ, "CRM_DB": str(tmp_path / "crm.db")}
    out = run(
        "contact",
        "add",
        "Hélène Dupré",
        "--email",
        "helene@acme.fr",
        "--phone",
        "06 12 34 56 78",
        env=env,
    )
    assert out.returncode == 0, out.stderr
    assert out.stdout == "added #1 Hélène Dupré\n"
    out = run("find", "0612345678", "--json", env=env)
    assert out.returncode == 0 and json.loads(out.stdout)[0]["name"] == "Hélène Dupré"
    out = run("find", "nobody", env=env)
    assert out.returncode == 1 and out.stdout == ""
    out = run("contact", "add", "", env=env)
    assert out.returncode == 2 and out.stderr.count("\n") == 1 and "Traceback" not in out.stderr


def test_output_pipes_cleanly(tmp_path: Path) -> None:
    env = {**os.environ, "CRM_DB": str(tmp_path / "crm.db")}
    env.pop("NO_COLOR", None)
    run("contact", "add", "Ann Lee", env=env)
    out = run("contact", "list", env=env)
    assert "\x1b[" not in out.stdout and "│" not in out.stdout


def test_a_reader_that_stops_early_is_not_an_error(tmp_path: Path) -> None:
    """`crm export contacts | head -1`: the export stops quietly with exit 0."""
    env = {**os.environ, "CRM_DB": str(tmp_path / "crm.db")}
    sheet = tmp_path / "people.csv"
    sheet.write_text(
        "Name,Email\n" + "".join(f"Person {i},p{i}@x.org\n" for i in range(3000)),
        encoding="utf-8",
    )
    assert run("import", "contacts", str(sheet), env=env).returncode == 0
    proc = subprocess.Popen(
        [crm_path(), "export", "contacts"], env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE
    )
    assert proc.stdout is not None and proc.stderr is not None
    assert proc.stdout.readline().startswith(b"id,")
    proc.stdout.close()  # the reader goes away with most of the export unread
    err = proc.stderr.read()
    assert proc.wait(timeout=60) == 0 and err == b""


def test_help_does_not_load_the_tui_or_the_orm(tmp_path: Path) -> None:
    code = (
        "import sys\nfrom crmcli.cli import run\nrun(['--help'])\nrun(['contact', '--help'])\n"
        "sys.stderr.write('LOADED:' + ','.join(m for m in ('textual', 'sqlmodel', 'sqlalchemy')"
        " if m in sys.modules) + '\\n')"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert "LOADED:\n" in out.stderr, out.stderr


def test_python_dash_m(tmp_path: Path) -> None:
    out = subprocess.run(
        [sys.executable, "-m", "crmcli", "--version"], capture_output=True, text=True
    )
    assert out.returncode == 0 and out.stdout.startswith("crm ")


def test_a_configured_region_costs_the_hot_commands_no_phone_library(tmp_path: Path) -> None:
    """Reading `default_region` from the config file must not import libphonenumber
    (~30 ms); only setting it checks it against the library's list of regions."""
    config = tmp_path / "config.toml"
    config.write_text('default_region = "FR"\n', encoding="utf-8")
    env = {**os.environ, "CRM_DB": str(tmp_path / "crm.db"), "CRM_CONFIG": str(config)}
    assert run("contact", "add", "Ann Lee", "--email", "ann@x.org", env=env).returncode == 0
    code = (
        "import sys\nfrom crmcli.cli import run\nrun(['find', 'ann'])\n"
        "sys.stderr.write('LOADED:' + ','.join(m for m in ('phonenumbers', 'rphonenumbers')"
        " if m in sys.modules) + '\\n')"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, env=env)
    assert "LOADED:\n" in out.stderr, out.stderr
    refused = run("config", "set", "default_region", "ZZ", env=env)
    assert refused.returncode == 2 and "unknown region" in refused.stderr
    assert config.read_text(encoding="utf-8") == 'default_region = "FR"\n'
