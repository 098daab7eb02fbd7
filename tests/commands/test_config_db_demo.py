"""`crm config`, `crm db` and `crm demo`."""

from __future__ import annotations

import json
import sqlite3
import tomllib
from pathlib import Path

import pytest

from tests.conftest import dump, invoke


def test_config_set_get_list_unset(tmp_path: Path) -> None:
    assert invoke("config", "path").stdout.strip() == str(tmp_path / "config.toml")
    assert invoke("config", "get", "default_region").stdout.strip() == "FR"  # from LANG
    out = invoke("config", "set", "default_region", "de")
    assert out.exit_code == 0 and out.stdout.strip() == "default_region = DE"
    assert tomllib.loads((tmp_path / "config.toml").read_text())["default_region"] == "DE"
    rows = json.loads(invoke("config", "list", "--json").stdout)
    region = next(r for r in rows if r["key"] == "default_region")
    assert region["value"] == "DE" and region["source"] == "file" and region["doc"]
    assert {r["key"] for r in rows} >= {
        "user",
        "currency",
        "date_order",
        "week_start",
        "renewal_lead_days",
        "busy_timeout",
        "backups_keep",
    }
    assert json.loads(invoke("config", "get", "busy_timeout", "--json").stdout) == 30
    assert json.loads(invoke("config", "path", "--json").stdout).endswith("config.toml")
    assert invoke("config", "unset", "default_region").exit_code == 0
    assert invoke("config", "get", "default_region").stdout.strip() == "FR"


@pytest.mark.parametrize(
    ("key", "value"),
    [
        ("default_region", "France"),
        ("default_region", "ZZ"),
        ("currency", "EURO"),
        ("busy_timeout", "0"),
        ("busy_timeout", "soon"),
        ("date_order", "ymd?"),
        ("week_start", "tue"),
        ("nosuch", "1"),
        ("user", "two words"),
    ],
)
def test_config_refuses_bad_values_and_keeps_the_file(tmp_path: Path, key: str, value: str) -> None:
    invoke("config", "set", "currency", "EUR")
    before = (tmp_path / "config.toml").read_text()
    out = invoke("config", "set", key, value)
    assert out.exit_code == 2 and len(out.stderr.strip().splitlines()) == 1
    assert (tmp_path / "config.toml").read_text() == before


def test_config_region_drives_phone_parsing(db: Path) -> None:
    invoke("config", "set", "default_region", "GB")
    invoke("contact", "add", "Ann Lee", "--phone", "020 7946 0958")
    data = json.loads(invoke("contact", "show", "ann", "--json").stdout)
    assert data["phones"][0]["e164"] == "+442079460958"


def test_broken_config_file_is_a_clear_error(tmp_path: Path) -> None:
    (tmp_path / "config.toml").write_text("busy_timeout = [", encoding="utf-8")
    out = invoke("contact", "add", "Ann Lee")
    assert out.exit_code == 2 and "config file" in out.stderr


@pytest.mark.slow  # waits out a busy timeout of a second
def test_busy_timeout_comes_from_config(tmp_path: Path, db: Path) -> None:
    invoke("config", "set", "busy_timeout", "1")
    invoke("contact", "add", "Ann Lee")
    holder = sqlite3.connect(db, isolation_level=None)
    holder.execute("BEGIN IMMEDIATE")
    before = dump(db)
    out = invoke("contact", "add", "Bob Ray")
    holder.execute("ROLLBACK")
    holder.close()
    assert out.exit_code == 3
    assert out.stderr.startswith("crm: database busy") and "locked" not in out.stderr.split(":")[1]
    assert dump(db) == before


def test_db_path_and_info(db: Path) -> None:
    assert invoke("db", "path").stdout.strip() == str(db)
    assert json.loads(invoke("db", "path", "--json").stdout) == str(db)
    other = db.with_name("other.db")
    assert invoke("--db", str(other), "db", "path").stdout.strip() == str(other)
    assert invoke(f"--db={other}", "db", "path").stdout.strip() == str(other)
    invoke("contact", "add", "Ann Lee", "--company", "Acme")
    info = json.loads(invoke("db", "info", "--json").stdout)
    assert info["contacts"] == 1 and info["companies"] == 1 and info["stages"] == 7
    assert invoke("db", "upgrade").stdout.strip().endswith("up to date")


def test_store_errors_exit_3(tmp_path: Path) -> None:
    junk = tmp_path / "junk.db"
    junk.write_text("not a database")
    out = invoke("--db", str(junk), "find", "x")
    assert out.exit_code == 3 and "not a crm database" in out.stderr
    assert junk.read_text() == "not a database"
    out = invoke("--db", str(tmp_path / "missing" / "x.db"), "contact", "add", "Ann")
    assert out.exit_code == 3 and "does not exist" in out.stderr
    out = invoke("--db", str(junk / "x.db"), "contact", "add", "Ann")
    assert out.exit_code == 3 and "Traceback" not in out.stderr
    from tests.core.db.test_store import read_only_folder

    out = invoke("--db", str(read_only_folder(tmp_path) / "crm.db"), "contact", "add", "Ann")
    assert out.exit_code == 3 and "Permission denied" in out.stderr


def test_demo_fills_a_separate_database_and_tours_it(tmp_path: Path, db: Path) -> None:
    target = tmp_path / "demo.db"
    out = invoke("demo", "--to", str(target), "--contacts", "120")
    assert out.exit_code == 0, out.stderr
    assert not db.exists()  # the real database is never touched
    assert "120 contacts" in out.stderr
    assert f"export CRM_DB={target}" in out.stdout
    assert f"crm --db {target} tui" in out.stdout
    assert "$ crm --db" in out.stdout and "find" in out.stdout
    conn = sqlite3.connect(target)
    counts = {
        t: conn.execute(f"SELECT count(*) FROM {t}").fetchone()[0]
        for t in (
            "contact",
            "company",
            "interaction",
            "followup",
            "deal",
            "deal_stage_change",
            "search_term",
        )
    }
    stages = {
        r[0] for r in conn.execute("SELECT s.name FROM deal d JOIN stage s ON s.id = d.stage_id")
    }
    conn.close()
    # 1,200 generated interactions, and the call the tour logs
    assert counts["contact"] == 120 and counts["interaction"] == 1201
    assert "logged call" in out.stdout and "follow-up #" in out.stdout
    assert "$ crm --db" in out.stdout and " today --limit 3" in out.stdout
    assert counts["deal"] >= 20 and counts["deal_stage_change"] >= counts["deal"]
    assert len(stages) >= 4
    # Running it again replaces the demo database; it never replaces a real one.
    assert invoke("demo", "--to", str(target), "--contacts", "10", "--no-tour").exit_code == 0
    invoke("contact", "add", "Real Person")
    before = dump(db)
    out = invoke("demo", "--to", str(db), "--no-tour")
    assert out.exit_code == 1 and "not a demo database" in out.stderr
    assert dump(db) == before


def test_demo_default_location_is_beside_the_real_database(tmp_path: Path) -> None:
    out = invoke("demo", "--contacts", "20", "--no-tour")
    assert out.exit_code == 0
    assert (tmp_path / "xdg-data" / "crmcli" / "demo.db").exists()


def test_demo_follow_up_times_are_zero_padded(tmp_path: Path) -> None:
    """Times sort as text (09:00 before 16:30), as every follow-up crm writes does."""
    target = tmp_path / "demo.db"
    invoke("demo", "--to", str(target), "--contacts", "200", "--no-tour")
    conn = sqlite3.connect(target)
    times = [r[0] for r in conn.execute("SELECT due_time FROM followup WHERE due_time IS NOT NULL")]
    conn.close()
    assert times and all(len(t) == 5 and t[2] == ":" for t in times)


def test_demo_run_again_keeps_the_previous_demo_database_as_bak(tmp_path: Path) -> None:
    """`crm demo` never asks, so replacing a demo database keeps it, and says where."""
    target = tmp_path / "demo.db"
    assert invoke("demo", "--to", str(target), "--contacts", "10", "--no-tour").exit_code == 0
    first = invoke("--db", str(target), "contact", "add", "Tried Out")  # a rep's own try
    assert first.exit_code == 0
    before = dump(target)
    out = invoke("demo", "--to", str(target), "--contacts", "12", "--no-tour")
    kept = tmp_path / "demo.db.bak"
    assert out.exit_code == 0, out.stderr
    assert f"kept the previous demo database as {kept}" in out.stderr
    assert dump(kept) == before  # whole, with what was written to it
    assert "Tried Out" not in dump(target) and "12 contacts" in out.stderr
    assert oct(kept.stat().st_mode & 0o777) == "0o600"
    again = invoke("demo", "--to", str(target), "--contacts", "10", "--no-tour")
    assert again.exit_code == 0 and "kept the previous" in again.stderr
    assert "Tried Out" not in dump(kept)  # the .bak is the one just replaced
    fresh = invoke("demo", "--to", str(tmp_path / "new.db"), "--contacts", "10", "--no-tour")
    assert "kept the previous" not in fresh.stderr


def test_demo_never_replaces_a_bak_that_is_not_a_demo_database(tmp_path: Path) -> None:
    target = tmp_path / "demo.db"
    invoke("demo", "--to", str(target), "--contacts", "10", "--no-tour")
    precious = tmp_path / "demo.db.bak"
    precious.write_text("my notes")
    out = invoke("demo", "--to", str(target), "--contacts", "10", "--no-tour")
    assert out.exit_code == 1 and "demo.db.bak exists and is not a demo database" in out.stderr
    assert precious.read_text() == "my notes" and target.exists()


@pytest.mark.parametrize(
    ("lang", "region", "currency"),
    [
        ("fr_FR.UTF-8", "FR", "EUR"),
        ("de_AT.UTF-8", "AT", "EUR"),
        ("en_GB.UTF-8", "GB", "GBP"),
        ("en_US.UTF-8", "US", "USD"),
        ("C.UTF-8", "US", "USD"),
    ],
)
def test_currency_follows_the_region_unless_set(
    monkeypatch: pytest.MonkeyPatch, lang: str, region: str, currency: str
) -> None:
    monkeypatch.delenv("LC_ALL", raising=False)
    monkeypatch.delenv("LC_TELEPHONE", raising=False)
    monkeypatch.setenv("LANG", lang)
    assert invoke("config", "get", "default_region").stdout.strip() == region
    assert invoke("config", "get", "currency").stdout.strip() == currency
    invoke("contact", "add", "Ann Lee")
    out = invoke("deal", "add", "Pilot", "--contact", "ann", "--amount", "1200")
    assert out.exit_code == 0 and currency in out.stdout


def test_currency_follows_a_region_set_in_the_config(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("LANG", "en_US.UTF-8")
    invoke("config", "set", "default_region", "DE")
    assert invoke("config", "get", "currency").stdout.strip() == "EUR"
    invoke("config", "set", "currency", "CHF")  # set explicitly, it wins
    assert invoke("config", "get", "currency").stdout.strip() == "CHF"
