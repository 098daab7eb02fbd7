"""Several pipelines in the core: the migration on every schema fixture and on
PostgreSQL, stage names per pipeline, and a report per pipeline (issue #24, part 5)."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from crmcli.core import clock
from crmcli.core.config import Config
from crmcli.core.db import migrations
from crmcli.core.db.opening import open_store
from crmcli.core.errors import Ambiguous, Invalid, Refused
from crmcli.core.pipeline import deals, pipelines, stages

FIXTURES = Path(__file__).resolve().parents[2] / "fixtures"
OLD = sorted(
    int(p.stem.split("_v")[1]) for p in FIXTURES.glob("schema_v*.db") if int(p.stem[8:]) < 7
)


@pytest.mark.parametrize("version", OLD)
def test_the_upgrade_puts_every_stage_and_deal_in_the_first_pipeline(
    version: int, tmp_path: Path
) -> None:
    db = tmp_path / f"v{version}.db"
    shutil.copy(FIXTURES / f"schema_v{version}.db", db)
    raw = __import__("sqlite3").connect(db)
    before_stages = raw.execute("SELECT id, name, position FROM stage ORDER BY id").fetchall()
    before_moves = raw.execute(
        "SELECT id, from_stage_id, to_stage_id FROM deal_stage_change ORDER BY id"
    ).fetchall()
    before_deals = raw.execute("SELECT id, stage_id FROM deal ORDER BY id").fetchall()
    seq = raw.execute("SELECT seq FROM sqlite_sequence WHERE name = 'stage'").fetchone()
    raw.close()
    store = open_store(str(db), Config({}, tmp_path / "c.toml"), write=True)
    assert store.dialect.schema_version(store.conn) == migrations.CURRENT
    assert [p["name"] for p in pipelines.list_pipelines(store)] == ["Sales"]
    (sales,) = store.rows("SELECT * FROM pipeline")
    first_stage = store.row("SELECT owner, created_at FROM stage ORDER BY id LIMIT 1")
    assert first_stage is not None
    assert (sales["owner"], sales["created_at"]) == (
        first_stage["owner"],
        first_stage["created_at"],
    )
    assert store.tuples("SELECT id, name, position FROM stage ORDER BY id") == before_stages
    assert {r[0] for r in store.tuples("SELECT pipeline_id FROM stage")} == {sales["id"]}
    # Rebuilding the stage table kept the stage history and the deals' stages.
    assert (
        store.tuples("SELECT id, from_stage_id, to_stage_id FROM deal_stage_change ORDER BY id")
        == before_moves
    )
    assert before_moves and any(m[2] is not None for m in before_moves)
    assert store.tuples("SELECT id, stage_id FROM deal ORDER BY id") == before_deals
    assert store.tuples("SELECT seq FROM sqlite_sequence WHERE name = 'stage'") == [seq]
    assert store.tuples("PRAGMA foreign_key_check") == []
    assert store.value("PRAGMA integrity_check") == "ok"
    assert store.value("SELECT count(*) FROM saved_view") == 0
    # The upgraded file takes a second pipeline with its own Won.
    pipelines.add(store, "Renewals")
    with pytest.raises(Ambiguous):
        stages.resolve(store, "Won")
    store.close()


def test_the_upgrade_on_postgresql(pg_url: str, tmp_path: Path) -> None:
    """A v6 server database (made by the frozen migrations) upgrades in place."""
    import psycopg

    url = pg_url.replace("postgresql+psycopg://", "postgresql://")
    with psycopg.connect(url, autocommit=True) as conn:
        for version in range(1, 7):
            for statement in migrations.statements(version, "postgresql"):
                conn.execute(statement)
        stamp = "2026-01-01T00:00:00.000000Z"
        for i, (name, kind) in enumerate([("Lead", "open"), ("Won", "won"), ("Lost", "lost")], 1):
            conn.execute(
                "INSERT INTO stage (owner, created_at, updated_at, name, position, probability, "
                "kind) VALUES ('ann', %s, %s, %s, %s, 50, %s)",
                (stamp, stamp, name, i, kind),
            )
        conn.execute(
            "INSERT INTO contact (owner, created_at, updated_at, display_name, name_key) "
            "VALUES ('ann', %s, %s, 'Ann', 'ann')",
            (stamp, stamp),
        )
        conn.execute(
            "INSERT INTO deal (owner, created_at, updated_at, title, contact_id, stage_id, "
            "stage_entered_at) VALUES ('ann', %s, %s, 'Pilot', 1, 1, %s)",
            (stamp, stamp, stamp),
        )
        conn.execute(
            "INSERT INTO deal_stage_change (deal_id, to_stage_id, at, owner) "
            "VALUES (1, 1, %s, 'ann')",
            (stamp,),
        )
    from crmcli.core.db.postgres import PostgresDialect

    with psycopg.connect(url) as conn:
        PostgresDialect().set_schema_version(conn, 6)
        conn.commit()
    store = open_store(pg_url, Config({"user": "ann"}, tmp_path / "c.toml"), write=True)
    assert store.dialect.schema_version(store.conn) == migrations.CURRENT
    assert [(p["name"], p["stages"], p["deals"]) for p in pipelines.list_pipelines(store)] == [
        ("Sales", 3, 1)
    ]
    assert store.value("SELECT to_stage_id FROM deal_stage_change") == 1
    pipelines.add(store, "Renewals", stages="Notice")
    assert [s["name"] for s in stages.list_stages(store)] == [
        "Lead",
        "Won",
        "Lost",
        "Notice",
        "Won",
        "Lost",
    ]
    moved, _ = deals.won(store, 1)
    assert (moved["stage"], moved["status"]) == ("Won", "won")
    assert stages.resolve(store, "Won", 1)["id"] == moved["stage_id"]
    with pytest.raises(Refused):
        pipelines.remove(store, "Sales")
    store.close()


def test_stage_names_are_unique_per_pipeline_only(tmp_path: Path) -> None:
    store = open_store(str(tmp_path / "crm.db"), Config({}, tmp_path / "c.toml"), write=True)
    made = pipelines.add(store, "Renewals", stages="Lead, Quote")
    assert stages.resolve(store, "quote")["pipeline_id"] == made["id"]  # only there: no --pipeline
    with pytest.raises(Ambiguous) as caught:
        stages.resolve(store, "Lead")
    assert len(caught.value.candidates) == 2
    assert stages.resolve(store, "Lead", pipeline="Renewals")["pipeline_id"] == made["id"]
    assert pipelines.scope(store, "ALL") is None
    assert pipelines.scope(store, None) == pipelines.first(store)["id"]
    with pytest.raises(Exception, match="already exists in this pipeline"):
        stages.add(store, "quote", probability=50, target_days=None, pipeline="Renewals")
    stages.add(store, "Quote", probability=50, target_days=None)  # the first pipeline's own
    store.close()


def test_report_per_pipeline(tmp_path: Path) -> None:
    from crmcli.core.overview.reports import build, parse_period

    store = open_store(str(tmp_path / "crm.db"), Config({}, tmp_path / "c.toml"), write=True)
    pipelines.add(store, "Renewals", stages="Notice")
    from crmcli.core.people.contacts import ContactFields, add

    contact = int(add(store, ContactFields(name="Ann Lee")).contact["id"])
    deals.add(store, deals.DealFields(title="A", contact_id=contact, amount="100", currency="EUR"))
    deals.add(
        store,
        deals.DealFields(
            title="B", contact_id=contact, amount="300", currency="EUR", pipeline="Renewals"
        ),
    )
    now = clock.now()
    period = parse_period("90d", now.astimezone(clock.local_zone()).date())  # as `crm report`
    sales = build(store, period, now, pipeline_id=int(pipelines.first(store)["id"]))
    renewals = build(
        store, period, now, pipeline_id=int(pipelines.resolve(store, "Renewals")["id"])
    )
    every = build(store, period, now)
    assert [r["stage"] for r in renewals["pipeline"]] == ["Notice"]
    assert renewals["pipeline"][0]["amount"] == {"EUR": 30000}
    assert sales["pipeline"][0]["amount"] == {"EUR": 10000}
    assert sum(r["deals"] for r in every["pipeline"]) == 2
    assert [f["stage"] for f in renewals["conversion"]["funnel"]] == ["Notice"]
    assert renewals["conversion"]["summary"]["created"] == 1
    assert every["conversion"]["summary"]["created"] == 2
    store.close()


def test_the_stage_history_of_deals_outlives_a_removed_pipeline_or_stage(tmp_path: Path) -> None:
    """Redteam #24/4: removing a pipeline (or a stage) blanked the deals' stage history
    through the foreign key's SET NULL, which `crm undo` did not bring back."""
    from crmcli.core.people.contacts import ContactFields, add
    from crmcli.core.undo import undo

    config = Config({"user": "me"}, tmp_path / "c.toml")
    store = open_store(str(tmp_path / "crm.db"), config, write=True)
    pipelines.add(store, "Renewals", stages="Quote, Review, Sign")
    contact = int(add(store, ContactFields(name="Ann Lee")).contact["id"])
    deal = deals.add(store, deals.DealFields(title="A", contact_id=contact, stage="Demo"))
    deals.move(store, int(deal["id"]), "Quote", pipeline="Renewals")
    deals.move(store, int(deal["id"]), "Review")

    def history() -> list[tuple[object, ...]]:
        return store.tuples("SELECT from_stage_id, to_stage_id FROM deal_stage_change ORDER BY id")

    before = history()
    with pytest.raises(Refused, match="stage history of 1 deal"):
        pipelines.remove(store, "Sales")  # it holds no deal, but the deal came from there
    assert history() == before
    review = stages.resolve(store, "Review", pipeline="Renewals")["id"]
    stages.remove(store, "Review", to="Sign", pipeline="Renewals")
    assert all(review not in row for row in history())
    undo(store, "me")
    assert history() == before
    store.close()


@pytest.mark.parametrize("name", ["7", "#2", " 12 "])
def test_a_pipeline_cannot_be_named_like_an_id(tmp_path: Path, name: str) -> None:
    store = open_store(str(tmp_path / "crm.db"), Config({}, tmp_path / "c.toml"), write=True)
    pipelines.add(store, "Renewals")
    with pytest.raises(Invalid, match="cannot be a number"):
        pipelines.add(store, name)
    with pytest.raises(Invalid, match="cannot be a number"):
        pipelines.rename(store, "Renewals", name)
    assert pipelines.names(store) == "Sales, Renewals"
    pipelines.add(store, "Q4 2026")  # a number among words is a name
    store.close()
