"""Stages, deals, rotting, renewals, the board and the forecast, on a fixed clock."""

from __future__ import annotations

import json
import sqlite3
from pathlib import Path

import pytest

from tests.conftest import dump, invoke

T0 = "2026-11-02T09:00:00Z"  # Monday 2 November 2026, 10:00 in Paris


@pytest.fixture(autouse=True)
def setup(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("CRM_NOW", T0)
    monkeypatch.setenv("LANG", "en_US.UTF-8")
    assert invoke("config", "set", "default_region", "FR").exit_code == 0
    assert invoke("config", "set", "currency", "EUR").exit_code == 0


def people() -> None:
    assert invoke("contact", "add", "Hélène Dupré", "-e", "h@acme.fr", "-c", "Acme").exit_code == 0
    assert invoke("contact", "add", "Marc Dupree", "-e", "marc@globex.com").exit_code == 0


def deal(*args: str) -> dict[str, object]:
    out = invoke("deal", "add", *args, "--json")
    assert out.exit_code == 0, out.stderr
    return json.loads(out.stdout)


def q(db: Path, sql: str) -> list[tuple[object, ...]]:
    conn = sqlite3.connect(db)
    try:
        return conn.execute(sql).fetchall()
    finally:
        conn.close()


def test_default_stages(db: Path) -> None:
    people()
    stages = json.loads(invoke("stage", "list", "--json").stdout)
    assert [(s["name"], s["probability"], s["target_days"], s["kind"]) for s in stages] == [
        ("Lead", 10, 14, "open"),
        ("Qualified", 25, 14, "open"),
        ("Demo", 40, 10, "open"),
        ("Proposal", 60, 10, "open"),
        ("Negotiation", 80, 7, "open"),
        ("Won", 100, None, "won"),
        ("Lost", 0, None, "lost"),
    ]


def test_stage_add_edit_move_rm(db: Path) -> None:
    people()
    out = invoke("stage", "add", "Trial", "--probability", "50", "--days", "21", "--after", "demo")
    assert out.exit_code == 0, out.stderr
    names = [s["name"] for s in json.loads(invoke("stage", "list", "--json").stdout)]
    assert names[:5] == ["Lead", "Qualified", "Demo", "Trial", "Proposal"]
    assert invoke("stage", "edit", "trial", "--probability", "55", "--name", "Pilot").exit_code == 0
    assert invoke("stage", "move", "pilot", "--before", "demo").exit_code == 0
    stages = json.loads(invoke("stage", "list", "--json").stdout)
    assert [s["name"] for s in stages][:4] == ["Lead", "Qualified", "Pilot", "Demo"]
    assert invoke("stage", "move", "pilot", "1").exit_code == 0
    names = [s["name"] for s in json.loads(invoke("stage", "list", "--json").stdout)]
    assert names[:3] == ["Pilot", "Lead", "Qualified"]
    assert invoke("stage", "move", "pilot", "3").exit_code == 0
    assert [s["position"] for s in stages] == list(range(1, 9))
    deal("Acme pilot", "--contact", "helene", "--stage", "pilot")
    before = dump(db)
    out = invoke("stage", "rm", "pilot")
    assert out.exit_code == 1 and "--to" in out.stderr and "holds 1 deal" in out.stderr
    assert dump(db) == before
    out = invoke("stage", "rm", "pilot", "--to", "demo")
    assert out.exit_code == 0 and "1 deal moved to demo" in out.stdout
    history = json.loads(invoke("deal", "show", "acme pilot", "--json").stdout)["history"]
    assert [(h["from_stage"], h["to_stage"]) for h in history] == [(None, None), (None, "Demo")]
    assert invoke("stage", "rm", "won").exit_code == 1  # the only won stage


def test_deal_add_parses_money_and_infers_company(db: Path) -> None:
    people()
    d = deal(
        "Acme licence",
        "--contact",
        "helene",
        "--amount",
        "12k",
        "--close",
        "2026-12-15",
        "--next",
        "Send proposal",
    )
    assert (d["amount_minor"], d["currency"], d["company"], d["stage"]) == (
        1_200_000,
        "EUR",
        "Acme",
        "Lead",
    )
    assert d["win_probability"] == 10 and d["expected_close"] == "2026-12-15"
    d = deal(
        "Globex",
        "--contact",
        "marc",
        "--amount",
        "12 000,50",
        "--currency",
        "usd",
        "--stage",
        "proposal",
        "--probability",
        "70",
    )
    assert (d["amount_minor"], d["currency"], d["win_probability"]) == (1_200_050, "USD", 70)
    assert deal("Yen deal", "--contact", "marc", "--amount", "5000 JPY")["amount_minor"] == 5000
    assert q(db, "SELECT count(*) FROM deal_stage_change") == [(3,)]


@pytest.mark.parametrize(
    ("args", "needle"),
    [
        (("deal", "add", "X", "--contact", "marc", "--amount", "-5"), "negative"),
        (("deal", "add", "X", "--contact", "marc", "--amount", "lots"), "amount"),
        (("deal", "add", "X", "--contact", "marc", "--currency", "EURO"), "currency"),
        (("deal", "add", "X", "--contact", "marc", "--probability", "120"), "between 0 and 100"),
        (("deal", "add", "X", "--contact", "marc", "--stage", "Nope"), "Lead, Qualified"),
        (("deal", "add", "X", "--contact", "marc", "--stage", "won"), "open stage"),
        (("deal", "add", "X"), "--contact or --company"),
        (("deal", "add", "", "--contact", "marc"), "title"),
        (("deal", "add", "X", "--contact", "marc", "--close", "someday"), "try"),
        (("deal", "move", "acme", "nowhere"), "Lead, Qualified"),
        (("deal", "move", "acme", "lost"), "--reason"),
        (("deal", "move", "acme", "lead"), "already in Lead"),
        (("deal", "lost", "acme", "--reason", " "), "--reason"),
        (("deal", "reopen", "acme"), "already open"),
        (("deal", "show", "zzz"), "no deal"),
        (("stage", "add", "Lead"), "already exists"),
        (("stage", "add", "X", "--probability", "101"), "between 0 and 100"),
        (("stage", "edit", "lead"), "nothing to change"),
        (("stage", "move", "lead"), "--before"),
        (("stage", "move", "lead", "99"), "position must be between"),
    ],
)
def test_bad_input_changes_nothing(db: Path, args: tuple[str, ...], needle: str) -> None:
    people()
    deal("Acme licence", "--contact", "helene", "--amount", "12000")
    before = dump(db)
    out = invoke(*args)
    assert out.exit_code != 0, out.stdout
    assert needle in out.stderr, out.stderr
    assert len(out.stderr.strip().splitlines()) == 1
    assert dump(db) == before


def test_move_win_lose_reopen_with_history(db: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    people()
    deal("Acme licence", "--contact", "helene", "--amount", "12000")
    monkeypatch.setenv("CRM_NOW", "2026-11-05T09:00:00Z")
    assert invoke("deal", "move", "acme", "demo").exit_code == 0
    monkeypatch.setenv("CRM_NOW", "2026-11-09T09:00:00Z")
    out = invoke("deal", "won", "acme", "--json")
    assert json.loads(out.stdout)["status"] == "won"
    out = invoke("deal", "move", "acme", "proposal")
    assert out.exit_code == 1 and "reopen it first" in out.stderr
    reopened = json.loads(invoke("deal", "reopen", "acme", "--json").stdout)
    assert (reopened["status"], reopened["stage"]) == ("open", "Demo")
    lost = json.loads(invoke("deal", "lost", "acme", "--reason", "Budget cut", "--json").stdout)
    assert (lost["status"], lost["lost_reason"], lost["stage"]) == ("lost", "Budget cut", "Lost")
    history = json.loads(invoke("deal", "show", "acme", "--json").stdout)["history"]
    assert [(h["from_stage"], h["to_stage"]) for h in history] == [
        (None, "Lead"),
        ("Lead", "Demo"),
        ("Demo", "Won"),
        ("Won", "Demo"),
        ("Demo", "Lost"),
    ]
    assert [h["at"][:10] for h in history] == [
        "2026-11-02",
        "2026-11-05",
        "2026-11-09",
        "2026-11-09",
        "2026-11-09",
    ]
    # The contact's timeline shows the stage changes too.
    timeline = json.loads(invoke("contact", "show", "helene", "--json").stdout)["timeline"]
    assert "Acme licence: Demo -> Lost (Budget cut)" in [e["text"] for e in timeline]


def test_rotting_with_a_fixed_clock(db: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    people()
    deal("Fresh", "--contact", "marc", "--next", "Call")
    deal("Old lead", "--contact", "helene", "--next", "Call")
    deal("No next step", "--contact", "helene", "--stage", "negotiation")
    monkeypatch.setenv("CRM_NOW", "2026-11-16T10:00:00Z")  # 14 days and one hour later
    invoke("deal", "move", "fresh", "qualified")  # the clock in a stage restarts on a move
    stale = json.loads(invoke("deal", "list", "--stale", "--json").stdout)
    assert [d["title"] for d in stale] == ["Old lead", "No next step"]
    flags = {d["title"]: d["flags"] for d in json.loads(invoke("deal", "list", "--json").stdout)}
    assert flags == {"Fresh": "", "Old lead": "STALE", "No next step": "STALE, NO NEXT STEP"}
    view = json.loads(invoke("today", "--json").stdout)
    assert {d["title"] for d in view["deals"]} == {"Old lead", "No next step"}
    monkeypatch.setenv("CRM_NOW", "2026-11-16T08:00:00Z")  # 13 days 23 hours: not yet
    assert [d["title"] for d in json.loads(invoke("deal", "list", "--stale", "--json").stdout)] == [
        "No next step"
    ]


def test_renewal_follow_up(db: Path) -> None:
    people()
    deal("Acme licence", "--contact", "helene", "--amount", "12000")
    out = invoke("deal", "won", "acme", "--contract-end", "2027-06-30")
    assert out.exit_code == 0
    assert "renewal follow-up #1 due 2027-05-01 (60 days before" in out.stderr
    assert q(db, "SELECT kind, due_date, due_time, deal_id, contact_id FROM followup") == [
        ("renewal", "2027-05-01", None, 1, 1)
    ]
    invoke("config", "set", "renewal_lead_days", "30")
    out = invoke("deal", "edit", "acme", "--contract-end", "2027-09-30")
    assert "moved renewal follow-up #1 due 2027-08-31" in out.stderr
    assert q(db, "SELECT count(*), max(due_date) FROM followup") == [(1, "2027-08-31")]
    ics = invoke("export", "followups", "--format", "ics").stdout
    assert "SUMMARY:Renewal: Hélène Dupré" in ics


def test_pipeline_json_sums_per_currency(db: Path) -> None:
    people()
    deal("A", "--contact", "helene", "--amount", "10000", "--stage", "proposal")
    deal("B", "--contact", "marc", "--amount", "5000", "--stage", "proposal", "--probability", "90")
    deal("C", "--contact", "marc", "--amount", "3000", "--currency", "USD", "--stage", "proposal")
    deal("D", "--contact", "marc", "--stage", "lead")
    board = json.loads(invoke("pipeline", "--json").stdout)["stages"]
    proposal = next(s for s in board if s["stage"] == "Proposal")
    assert proposal["count"] == 3
    assert proposal["totals"] == {"EUR": 1_500_000, "USD": 300_000}
    # 10,000 x 60% + 5,000 x 90% = 10,500 EUR; 3,000 x 60% = 1,800 USD
    assert proposal["weighted"] == {"EUR": 1_050_000, "USD": 180_000}
    assert [s["stage"] for s in board] == ["Lead", "Qualified", "Demo", "Proposal", "Negotiation"]
    lead = board[0]
    assert lead["count"] == 1 and lead["totals"] == {} and lead["deals"][0]["no_next_step"]


def test_pipeline_board_fits_the_terminal(db: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    people()
    for i, stage in enumerate(["lead", "qualified", "demo", "proposal", "negotiation"] * 2):
        deal(
            f"Deal number {i} with a rather long title",
            "--contact",
            "marc",
            "--amount",
            f"{(i + 1) * 1000}",
            "--stage",
            stage,
            "--next",
            "Call",
        )
    for width in (80, 120, 200):
        monkeypatch.setenv("COLUMNS", str(width))
        text = invoke("pipeline").stdout
        assert all(len(line) <= width for line in text.splitlines()), width
        for name in ("Lead (2)", "Qualified (2)", "Demo (2)", "Proposal (2)", "Negotiation (2)"):
            assert name in text
    monkeypatch.setenv("COLUMNS", "80")
    narrow = invoke("pipeline").stdout
    # 80 columns hold three stages side by side; the other two wrap below.
    header_lines = [ln for ln in narrow.splitlines() if "(2)" in ln]
    assert len(header_lines) == 2
    # Lead holds deals 0 and 5 (1,000 + 6,000 EUR) at 10%.
    assert "total 7,000 EUR" in narrow and "w10% 700 EUR" in narrow
    assert "\x1b[" not in narrow and "│" not in narrow


def test_pipeline_limits_cards_per_stage(db: Path) -> None:
    people()
    for i in range(5):
        deal(f"D{i}", "--contact", "marc", "--next", "x")
    text = invoke("pipeline", "--limit", "2").stdout
    assert "+ 3 more" in text and "#1 D0" in text and "#3 D2" not in text
    assert "+ 3 more" not in invoke("pipeline", "--all").stdout


def test_forecast_worked_out_by_hand(db: Path) -> None:
    people()
    # Now is 2 Nov 2026. Commit threshold 80%.
    deal(
        "Nov A",
        "--contact",
        "marc",
        "--amount",
        "10000",
        "--stage",
        "proposal",
        "--close",
        "2026-11-20",
    )  # 60%: weighted 6,000; not commit
    deal(
        "Nov B",
        "--contact",
        "marc",
        "--amount",
        "20000",
        "--stage",
        "negotiation",
        "--close",
        "2026-11-30",
    )  # 80%: weighted 16,000; commit 20,000
    deal(
        "Dec USD",
        "--contact",
        "marc",
        "--amount",
        "5000",
        "--currency",
        "USD",
        "--stage",
        "demo",
        "--close",
        "2026-12-10",
        "--probability",
        "85",
    )  # 4,250; commit
    deal(
        "Late", "--contact", "marc", "--amount", "1000", "--stage", "lead", "--close", "2026-10-15"
    )  # before this month: "earlier"
    deal("Far", "--contact", "marc", "--amount", "7000", "--close", "2027-06-01")  # beyond
    deal("Undated", "--contact", "marc", "--amount", "3000", "--stage", "qualified")
    won = deal("Closed", "--contact", "marc", "--amount", "99000", "--close", "2026-11-05")
    invoke("deal", "won", str(won["id"]))  # closed deals are not forecast
    doc = json.loads(invoke("forecast", "--months", "3", "--json").stdout)
    months = {m["month"]: m for m in doc["months"]}
    assert doc["commit_probability"] == 80
    assert months["2026-11"]["weighted"] == {"EUR": 2_200_000}
    assert months["2026-11"]["best_case"] == {"EUR": 3_000_000}
    assert months["2026-11"]["commit"] == {"EUR": 2_000_000}
    assert months["2026-12"]["weighted"] == {"USD": 425_000}
    assert months["2026-12"]["commit"] == {"USD": 500_000}
    assert months["2027-01"]["deals"] == 0
    assert months["earlier"]["weighted"] == {"EUR": 10_000} and months["earlier"]["deals"] == 1
    assert months["undated"]["best_case"] == {"EUR": 300_000}
    assert "2027-06" not in months
    text = invoke("forecast").stdout
    november = next(line for line in text.splitlines() if line.startswith("2026-11"))
    assert november.split()[1:4] == ["2", "22,000", "EUR"]
    invoke("config", "set", "commit_probability", "60")
    doc = json.loads(invoke("forecast", "--json").stdout)
    assert doc["months"][1]["commit"] == {"EUR": 3_000_000}


def test_deal_list_filters_and_formats(db: Path) -> None:
    people()
    deal("A", "--contact", "marc", "--close", "2026-11-10", "--stage", "demo")
    deal("B", "--contact", "marc", "--close", "2026-12-10")
    lost = deal("C", "--contact", "marc")
    invoke("deal", "lost", str(lost["id"]), "--reason", "No budget")
    assert [d["title"] for d in json.loads(invoke("deal", "list", "--json").stdout)] == ["B", "A"]
    assert [
        d["title"]
        for d in json.loads(
            invoke("deal", "list", "--closing-before", "2026-12-01", "--json").stdout
        )
    ] == ["A"]
    assert [
        d["title"] for d in json.loads(invoke("deal", "list", "--status", "lost", "--json").stdout)
    ] == ["C"]
    assert [
        d["title"] for d in json.loads(invoke("deal", "list", "--stage", "demo", "--json").stdout)
    ] == ["A"]
    csv_out = invoke("deal", "list", "--format", "csv").stdout
    assert csv_out.splitlines()[0].startswith("id,title,contact,stage,amount")
    out = invoke("deal", "list", "--status", "won")
    assert out.exit_code == 1 and "no deals match" in out.stderr
