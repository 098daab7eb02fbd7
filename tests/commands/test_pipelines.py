"""Several pipelines (issue #24, part 5): add, list, rename, rm; stages and deals within
them; the board, the forecast per pipeline or all; undo; on SQLite and PostgreSQL."""

from __future__ import annotations

import json
from typing import Any

import pytest

from tests.conftest import invoke

T0 = "2026-11-02T09:00:00Z"


@pytest.fixture(autouse=True)
def setup(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("CRM_NOW", T0)
    monkeypatch.setenv("LANG", "en_US.UTF-8")


def ok(*args: str) -> str:
    out = invoke(*args)
    assert out.exit_code == 0, out.stderr
    return out.stdout


def refused(code: int, *args: str) -> str:
    out = invoke(*args)
    assert out.exit_code == code, (out.stdout, out.stderr)
    assert len(out.stderr.strip().splitlines()) == 1, out.stderr
    return out.stderr


def stages(*extra: str) -> list[dict[str, Any]]:
    return list(json.loads(ok("stage", "list", "--json", *extra)))


def two_pipelines() -> None:
    ok("config", "set", "currency", "EUR")
    ok("contact", "add", "Ann Lee", "-e", "ann@example.com")
    ok("pipeline", "add", "Renewals", "--stages", "Notice, Quote,Signature")


def test_a_new_pipeline_has_its_own_open_stages_and_its_own_won_and_lost(backend: str) -> None:
    two_pipelines()
    rows = stages("--pipeline", "Renewals")
    assert [(s["name"], s["probability"], s["kind"]) for s in rows] == [
        ("Notice", 25, "open"),
        ("Quote", 50, "open"),
        ("Signature", 75, "open"),
        ("Won", 100, "won"),
        ("Lost", 0, "lost"),
    ]
    assert [s["position"] for s in rows] == [1, 2, 3, 4, 5]
    # The default ladder when --stages is not given.
    ok("pipeline", "add", "Partners")
    names = [s["name"] for s in stages("--pipeline", "partners")]
    assert names == ["Lead", "Qualified", "Demo", "Proposal", "Negotiation", "Won", "Lost"]
    listed = json.loads(ok("pipeline", "list", "--json"))
    assert [(p["name"], p["stages"]) for p in listed] == [
        ("Sales", 7),
        ("Renewals", 5),
        ("Partners", 7),
    ]
    table = ok("stage", "list")  # grouped, each stage saying its pipeline
    assert "PIPELINE" in table and "Renewals" in table
    assert refused(2, "pipeline", "add", "renewals").endswith("already exists\n")
    assert "'all'" in refused(2, "pipeline", "add", "All")


def test_stage_names_resolve_within_the_deal_pipeline(backend: str) -> None:
    two_pipelines()
    made = json.loads(
        ok(
            "deal",
            "add",
            "Ann renewal",
            "-c",
            "Ann",
            "--pipeline",
            "Renewals",
            "-a",
            "5k",
            "--json",
        )
    )
    assert made["stage"] == "Notice"
    sales = json.loads(ok("deal", "add", "Ann pilot", "-c", "Ann", "-a", "2k", "--json"))
    assert sales["stage"] == "Lead"  # the first pipeline by default
    # "Won" exists in both: the deal's own pipeline's is meant.
    ok("deal", "move", "Ann renewal", "quote")
    won = json.loads(ok("deal", "won", "Ann renewal", "--json"))
    assert won["status"] == "won"
    show = json.loads(ok("deal", "show", "Ann renewal", "--json"))
    assert show["pipeline"] == "Renewals"
    assert [h["to_stage"] for h in show["history"]] == ["Notice", "Quote", "Won"]
    # A stage of another pipeline is refused, and says where it is.
    message = refused(2, "deal", "move", "Ann pilot", "Signature")
    assert "unknown stage 'Signature' in pipeline Sales" in message
    assert "it is in Renewals" in message
    # ... unless the move names that pipeline.
    moved = json.loads(
        ok("deal", "move", "Ann pilot", "Signature", "--pipeline", "Renewals", "--json")
    )
    assert moved["stage"] == "Signature"
    assert json.loads(ok("deal", "show", "Ann pilot", "--json"))["pipeline"] == "Renewals"
    lost = json.loads(ok("deal", "lost", "Ann pilot", "--reason", "price", "--json"))
    assert lost["stage"] == "Lost" and lost["status"] == "lost"
    assert invoke("deal", "list", "--pipeline", "Sales", "--status", "all").exit_code == 1
    renewals = json.loads(ok("deal", "list", "--pipeline", "Renewals", "--status", "all", "--json"))
    assert sorted(d["title"] for d in renewals) == ["Ann pilot", "Ann renewal"]


def test_a_stage_name_in_several_pipelines_is_ambiguous_until_the_pipeline_is_given(
    backend: str,
) -> None:
    two_pipelines()
    for args in (
        ("stage", "edit", "Won", "--probability", "90"),
        ("stage", "rm", "Lost"),
        ("stage", "move", "won", "1"),
    ):
        message = refused(1, *args)
        assert "several pipelines" in message and "Sales" in message and "Renewals" in message
    ok("stage", "edit", "Quote", "--probability", "55")  # only Renewals has it
    ok("stage", "edit", "Won", "--pipeline", "Renewals", "--name", "Renewed")
    names = {(s["pipeline"], s["name"]) for s in stages()}
    assert ("Renewals", "Renewed") in names and ("Sales", "Won") in names
    ok("stage", "add", "Review", "--pipeline", "Renewals", "-p", "60")
    assert [s["name"] for s in stages("--pipeline", "Renewals")][:4] == [
        "Notice",
        "Quote",
        "Signature",
        "Review",
    ]
    ok(
        "stage", "add", "Lead", "--pipeline", "Renewals", "--before", "Notice"
    )  # same name as Sales'
    assert "several pipelines" in refused(1, "stage", "rm", "Lead")
    ok("stage", "rm", "Lead", "--pipeline", "Renewals")
    assert "Lead" in [s["name"] for s in stages("--pipeline", "Sales")]


def test_rename_rm_and_undo(backend: str) -> None:
    two_pipelines()
    assert ok("pipeline", "rename", "Renewals", "Upsell") == "renamed pipeline Renewals to Upsell\n"
    ok("deal", "add", "Ann upsell", "-c", "Ann", "--pipeline", "Upsell")
    assert "still holds 1 deal" in refused(1, "pipeline", "rm", "Upsell")
    ok("undo")  # the deal's add: the pipeline is empty again
    assert [p["name"] for p in json.loads(ok("pipeline", "list", "--json"))] == ["Sales", "Upsell"]
    ok("pipeline", "rm", "Upsell")
    assert [p["name"] for p in json.loads(ok("pipeline", "list", "--json"))] == ["Sales"]
    assert "only pipeline" in refused(1, "pipeline", "rm", "Sales")
    ok("undo")  # the removal, stages and all, is one batch
    assert [s["name"] for s in stages("--pipeline", "Upsell")] == [
        "Notice",
        "Quote",
        "Signature",
        "Won",
        "Lost",
    ]
    ok("undo")  # the rename
    ok("undo")  # the add
    assert [p["name"] for p in json.loads(ok("pipeline", "list", "--json"))] == ["Sales"]
    assert len(stages()) == 7


def test_board_and_forecast_per_pipeline_or_all(backend: str) -> None:
    two_pipelines()
    ok("deal", "add", "Sales deal", "-c", "Ann", "-a", "1000", "--close", "2026-11-20")
    ok("deal", "add", "Renewal", "-c", "Ann", "-a", "3000", "--pipeline", "Renewals")
    ok("deal", "edit", "Renewal", "--close", "2026-11-25")
    ok(
        "deal",
        "add",
        "Dollar renewal",
        "-c",
        "Ann",
        "-a",
        "700",
        "--currency",
        "USD",
        "--pipeline",
        "Renewals",
    )
    first = json.loads(ok("pipeline", "--json"))
    assert first["pipeline"] == "Sales"
    assert [s["stage"] for s in first["stages"]] == [
        "Lead",
        "Qualified",
        "Demo",
        "Proposal",
        "Negotiation",
    ]
    assert first["stages"][0]["totals"] == {"EUR": 100000}
    renewals = json.loads(ok("pipeline", "--pipeline", "renewals", "--json", "--limit", "1"))
    assert renewals["stages"][0]["totals"] == {"EUR": 300000, "USD": 70000}
    assert len(renewals["stages"][0]["deals"]) == 2  # --json shows every card
    every = json.loads(ok("pipeline", "--pipeline", "all", "--json"))
    assert every["pipeline"] is None
    assert [s["pipeline"] for s in every["stages"]] == ["Sales"] * 5 + ["Renewals"] * 3
    text = ok("pipeline", "--pipeline", "all", "--limit", "1")
    assert "Pipeline: Sales" in text and "Pipeline: Renewals" in text
    assert "Pipeline: Renewals" not in ok("pipeline", "--limit", "5")

    def month(*args: str) -> dict[str, Any]:
        months = json.loads(ok("forecast", "--json", *args))["months"]
        return next(m for m in months if m["month"] == "2026-11")

    assert month()["best_case"] == {"EUR": 100000}
    assert month("--pipeline", "Renewals")["best_case"] == {"EUR": 300000}
    assert month("--pipeline", "all")["best_case"] == {"EUR": 400000}  # never across currencies
    assert "unknown pipeline 'Nope'" in refused(2, "forecast", "--pipeline", "Nope")
