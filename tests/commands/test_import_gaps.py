"""Gaps left in `crm import deals` (issue #18): a French Excel file's code page, progress on a
terminal, a dry run's report and --json, the tool named for a file with no rows; and the
details `deal list --json` used to leave out.

The French fixture (tests/fixtures/import/encodings/deals_fr_cp1252.csv, written by
make_encodings.py) is what Excel on a French Windows writes for "CSV (séparateur:
point-virgule)": cp1252 without a byte-order mark, semicolons, CRLF, amounts as typed.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import sqlite3
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from crmcli.core.interchange.encoding import guess
from tests.conftest import dump, invoke
from tests.terminal import drain

CRM = str(Path(sys.executable).with_name("crm"))
FIXTURES = Path(__file__).resolve().parents[1] / "fixtures" / "import"
FRENCH = FIXTURES / "encodings" / "deals_fr_cp1252.csv"
STAGES = ("--map-stage", "Proposition=Proposal", "--map-stage", "Négociation=Negotiation")


@pytest.fixture(autouse=True)
def english_numbers(monkeypatch: pytest.MonkeyPatch) -> None:
    """Money in the report is grouped as the user's locale does: these tests read en_US."""
    monkeypatch.setenv("LANG", "en_US.UTF-8")
    monkeypatch.delenv("LC_ALL", raising=False)
    monkeypatch.delenv("LC_NUMERIC", raising=False)


def deals() -> dict[str, dict[str, Any]]:
    out = invoke("deal", "list", "--status", "all", "--json")
    assert out.exit_code == 0, out.stderr
    return {d["title"]: d for d in json.loads(out.stdout)}


# -- 1. a French Excel CSV in cp1252 ----------------------------------------------------


def test_a_french_excel_deals_file_in_cp1252_keeps_its_yen_and_accents(tmp_path: Path) -> None:
    source = tmp_path / FRENCH.name
    shutil.copy(FRENCH, source)
    out = invoke("import", "deals", str(source), *STAGES)
    assert out.exit_code == 0, out.stderr
    assert "encoding cp1252 (Windows Western; detected" in out.stderr
    assert "low confidence" not in out.stderr and "Ą" not in out.stderr
    assert "4 deals created, 0 updated, 0 already there, 0 rejected" in out.stdout
    assert "4 deals: 3 EUR 1,254,750.50 · 1 JPY 1,200,000" in out.stdout
    found = deals()
    tokyo = found["Licences Tokyo"]
    assert (tokyo["amount_minor"], tokyo["currency"]) == (1_200_000, "JPY")  # ¥1,200,000
    site = found["Refonte du site"]
    assert (site["amount_minor"], site["currency"]) == (125_000_000, "EUR")  # 1.250.000,00 €
    assert site["contact"] == "Hélène Lefèvre" and site["company"] == "Boulangerie Côté Jardin"
    lyon = found["Maintenance à Lyon"]  # "1 250,50 €" with Excel's no-break space
    assert (lyon["amount_minor"], lyon["status"]) == (125_050, "won")
    assert lyon["contact"] == "François Bérenger" and lyon["company"] == "Façades & Fils"
    assert found["Formation de l'équipe; 2 jours"]["contact"] == "Jérôme Garçon"


def test_western_accents_beside_a_yen_sign_are_not_read_as_central_european() -> None:
    # One row of it: "¥1,200,000" is "Ą1,200,000" in cp1250 and "Ľ1,200,000" in Latin-2.
    data = (
        "Affaire;Société;Montant;Étape\r\n"
        "Licences Tokyo;Kaisha Example KK;¥1,200,000;Négociation\r\n"
    ).encode("cp1252")
    found = guess(data)
    assert found.encoding == "cp1252" and not found.low


def test_polish_and_czech_names_are_still_cp1250() -> None:
    data = (
        "Name;Kwota\r\nJolanta Wąsowska;1 200,00 zł\r\nŁukasz Ząbek;900 zł\r\n"
        "Anna Gąsior;\r\nJiří Dvořák;1.250 Kč\r\n"
    ).encode("cp1250")
    assert guess(data).encoding == "cp1250"


def test_the_fixture_matches_its_script() -> None:
    import importlib.util

    script = FIXTURES / "encodings" / "make_encodings.py"
    spec = importlib.util.spec_from_file_location("make_encodings", script)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    assert FRENCH.read_bytes() == module.FILES[FRENCH.name]


# -- 3. a dry run says the same, --json says all, an empty file names its tool -------------

# A deals sheet as a rep keeps it: a row without a title, an amount nobody can read, a close
# date that does not exist, and a column crm has no field for.
SHEET = (
    "Title,Organization,Contact person,Value,Currency,Stage,Expected close date,Region\r\n"
    "Pilot,Acme Example,Ann Example,1200,EUR,Lead,2024-06-30,North\r\n"
    ",Acme Example,,900,EUR,Lead,2024-06-30,North\r\n"
    "Rollout,Acme Example,Ann Example,lots,EUR,Demo,2024-07-31,North\r\n"
    "Renewal,Globex Example,Bo Example,250000,JPY,Qualified,2024-02-30,South\r\n"
    "Support,Globex Example,Bo Example,80,GBP,Lead,,South\r\n"
)


def a_sheet(tmp_path: Path) -> Path:
    path = tmp_path / "deals.csv"
    path.write_bytes(SHEET.encode("utf-8"))
    return path


def test_a_dry_run_prints_the_same_report_and_writes_nothing(db: Path, tmp_path: Path) -> None:
    assert invoke("contact", "add", "Ann Example").exit_code == 0
    source = a_sheet(tmp_path)
    before_bytes, before = db.read_bytes(), dump(db)
    dry = invoke("import", "deals", str(source), "--dry-run")
    assert dry.exit_code == 0, dry.stderr
    assert db.read_bytes() == before_bytes and dump(db) == before
    assert not (tmp_path / "deals.rejects.csv").exists()
    assert sorted(p.name for p in tmp_path.iterdir() if p.name.startswith("crm.db")) == ["crm.db"]
    assert dry.stdout == (
        "would import deals.csv (spreadsheet): 3 deals created, 0 updated, 0 already there, "
        "2 rejected; 1 contact and 2 companies created\n"
        "3 deals: 1 EUR 1,200.00 · 1 JPY 250,000 · 1 GBP 80.00\n"
    )
    assert "warning: rejected line 3: no title" in dry.stderr
    assert "warning: rejected line 4: cannot read 'lots' as an amount" in dry.stderr
    assert "line 5: Expected close date: '2024-02-30'" in dry.stderr
    assert "kept as custom fields: Region" in dry.stderr
    real = invoke("import", "deals", str(source))
    assert real.exit_code == 0, real.stderr
    # the same report, word for word, but for the verb and the rejects file
    assert real.stderr == dry.stderr
    rejects = tmp_path / "deals.rejects.csv"
    assert real.stdout == dry.stdout.replace("would import", "imported").replace(
        "created\n", f"created (rejected rows in {rejects})\n", 1
    )
    assert rejects.exists()


def test_a_dry_run_with_no_database_creates_none(db: Path, tmp_path: Path) -> None:
    out = invoke("import", "deals", str(a_sheet(tmp_path)), "--dry-run")
    assert out.exit_code == 0, out.stderr
    assert "would import deals.csv (spreadsheet): 3 deals created" in out.stdout
    assert not db.exists()


def test_json_carries_the_whole_report(db: Path, tmp_path: Path) -> None:
    out = invoke("import", "deals", str(a_sheet(tmp_path)), "--dry-run", "--json")
    assert out.exit_code == 0, out.stderr
    report = json.loads(out.stdout)
    assert report["dry_run"] is True and report["source"] == "spreadsheet"
    assert report["encoding"] == "utf-8" and report["encoding_detection"]["how"] == "utf-8"
    assert (report["created"], report["rejected"]) == (3, 2)
    assert [r["line"] for r in report["rejected_rows"]] == [3, 4]
    assert report["rejected_rows"][0]["reason"] == "no title"
    assert report["currencies"] == {
        "EUR": {"deals": 1, "amount_minor": 120_000},
        "JPY": {"deals": 1, "amount_minor": 250_000},
        "GBP": {"deals": 1, "amount_minor": 8_000},
    }
    assert [line for line, _ in report["issues"]] == [5]
    assert report["custom_columns"] == ["Region"]
    assert report["rejects_file"] is None
    assert not db.exists()
    real = json.loads(invoke("import", "deals", str(a_sheet(tmp_path)), "--json").stdout)
    assert real["rejects_file"] == str(tmp_path / "deals.rejects.csv")
    french = tmp_path / FRENCH.name
    shutil.copy(FRENCH, french)
    guessed = json.loads(invoke("import", "deals", str(french), *STAGES, "--json").stdout)
    assert guessed["encoding"] == "cp1252" and guessed["encoding_detection"]["how"] == "detected"


def test_many_rejects_are_counted_with_the_file_holding_them(tmp_path: Path) -> None:
    path = tmp_path / "many.csv"
    path.write_text(
        "Title,Value,Stage\n" + "".join(f",{i},Lead\n" for i in range(8)) + "Kept,5,Lead\n",
        encoding="utf-8",
    )
    out = invoke("import", "deals", str(path))
    assert out.exit_code == 0, out.stderr
    listed = [line for line in out.stderr.splitlines() if line.startswith("warning: rejected")]
    assert listed == [f"warning: rejected line {n}: no title" for n in range(2, 7)]
    assert f"… and 3 more rejected rows, all in {tmp_path / 'many.rejects.csv'}" in out.stderr


# Headers only, as each tool writes them for an empty view or report.
EMPTY = {
    "salesforce": b'"ID","ACCOUNTID","NAME","STAGENAME","AMOUNT","CLOSEDATE","ISWON",'
    b'"ISCLOSED"\r\n',
    "pipedrive": b'"Deal - ID","Deal - Title","Deal - Value","Deal - Currency of Value",'
    b'"Deal - Stage","Deal - Status"\r\n',
}


@pytest.mark.parametrize("tool", sorted(EMPTY))
def test_a_file_with_no_rows_names_the_tool_that_wrote_it(tmp_path: Path, tool: str) -> None:
    path = tmp_path / "empty.csv"
    path.write_bytes(EMPTY[tool])
    out = invoke("import", "deals", str(path))
    assert out.exit_code == 0, out.stderr
    assert out.stdout.startswith(f"imported empty.csv ({tool}): 0 deals created")
    assert f"empty.csv: CSV from {tool}" in out.stderr
    assert json.loads(invoke("import", "deals", str(path), "--json").stdout)["source"] == tool


# -- deal list --json carries what is stored ---------------------------------------------


def test_deal_list_json_shows_lead_source_and_lost_reason(db: Path) -> None:
    for name in ("pipedrive_deals.csv", "salesforce_opportunities.csv"):
        out = invoke("import", "deals", str(FIXTURES / "deals" / name))
        assert out.exit_code == 0, out.stderr
    conn = sqlite3.connect(db)
    try:
        stored = {
            int(i): (source, reason)
            for i, source, reason in conn.execute("SELECT id, lead_source, lost_reason FROM deal")
        }
    finally:
        conn.close()
    out = invoke("deal", "list", "--status", "all", "--json")
    listed = {d["id"]: (d["lead_source"], d["lost_reason"]) for d in json.loads(out.stdout)}
    assert listed == stored
    assert any(s for s, _ in listed.values()) and any(r for _, r in listed.values())
    shown = json.loads(invoke("deal", "show", str(next(iter(listed))), "--json").stdout)
    first = next(d for d in json.loads(out.stdout) if d["id"] == shown["id"])
    assert {k: first[k] for k in ("closed_at", "owner", "created_at", "updated_at")} == {
        k: shown[k] for k in ("closed_at", "owner", "created_at", "updated_at")
    }


# -- 2. progress on a terminal, nothing on a pipe ----------------------------------------


def a_big_deals_file(tmp_path: Path, rows: int = 20_000) -> Path:
    """A Pipedrive deals export (every field quoted, CRLF) of `rows` deals."""
    stages = ("Qualified", "Contact Made", "Demo Scheduled", "Proposal Made")
    lines = [
        '"Deal - ID","Deal - Title","Deal - Value","Deal - Currency of Value",'
        '"Deal - Organization","Deal - Contact person","Deal - Stage","Deal - Status"'
    ]
    for i in range(rows):
        lines.append(
            f'"{i + 1}","Deal {i}","{1000 + i}","{("EUR", "USD", "GBP")[i % 3]}",'
            f'"Company {i % 500} Example","Person {i % 2000} Example","{stages[i % 4]}","open"'
        )
    path = tmp_path / "big.csv"
    path.write_bytes(("\r\n".join(lines) + "\r\n").encode("utf-8"))
    return path


def env_for(db: Path) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if k not in ("NO_COLOR", "FORCE_COLOR")}
    env.update(CRM_DB=str(db), COLUMNS="120", TERM="xterm-256color")
    return env


@pytest.mark.subprocess
@pytest.mark.slow
def test_a_long_deals_import_on_a_terminal_shows_rows_rate_and_time_left(
    db: Path, tmp_path: Path
) -> None:
    import pty

    source = a_big_deals_file(tmp_path)
    master, slave = pty.openpty()
    proc = subprocess.Popen(
        [CRM, "import", "deals", str(source)],
        stdout=subprocess.PIPE,
        stderr=slave,
        env=env_for(db),
    )
    os.close(slave)
    err = drain(master).decode()
    stdout = proc.stdout.read().decode() if proc.stdout else ""
    assert proc.wait(timeout=300) == 0, err
    assert "imported big.csv (pipedrive): 20000 deals created" in stdout
    plain = re.sub(r"\x1b\[[0-9;?]*[A-Za-z]", "", err)
    # the file read and checked, then the rows written: each with rows, rate and time left
    line = r"\d+% [1-9][\d,]* rows · [1-9][\d,]* rows/s · \d+:\d\d:\d\d left"
    assert re.search(r"importing big\.csv \S+ +" + line, plain), plain[-2000:]
    assert "\x1b[" in err  # drawn, and then taken away for the report
    assert plain.rstrip().splitlines()[-1].startswith("big.csv: CSV from pipedrive")


@pytest.mark.subprocess
@pytest.mark.slow
def test_the_same_deals_import_piped_shows_no_progress(db: Path, tmp_path: Path) -> None:
    source = a_big_deals_file(tmp_path)
    out = subprocess.run(
        [CRM, "import", "deals", str(source)],
        capture_output=True,
        text=True,
        env=env_for(db),
        timeout=300,
    )
    assert out.returncode == 0, out.stderr
    assert "rows/s" not in out.stderr and "\x1b" not in out.stderr and "\r" not in out.stderr
    assert out.stderr.splitlines() == ["big.csv: CSV from pipedrive, encoding utf-8"]
    assert "imported big.csv (pipedrive): 20000 deals created" in out.stdout
