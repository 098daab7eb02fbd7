"""The TUI runs the time rules on start, as `crm today` does: in a worker, then a notification."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from tests.conftest import invoke

from .conftest import notes, query, wait_for


def overdue(db: Path) -> tuple[int, int]:
    """Open follow-ups due before the fixed clock's day (the demo data has some), and how
    many people they are with (a second one with the same person finds them tagged)."""
    rows = query(
        db,
        "SELECT count(*), count(DISTINCT contact_id) FROM followup "
        "WHERE status = 'open' AND due_date < '2026-11-24'",
    )
    return int(rows[0][0]), int(rows[0][1])


async def test_time_rules_run_on_start_with_a_notification(make_app: Any, seeded: Path) -> None:
    late, people = overdue(seeded)
    assert late > people > 0, "the seeded book needs overdue follow-ups, some with one person"
    added = invoke("rule", "add", "late", "--when", "followup overdue", "--then", "tag late")
    assert added.exit_code == 0, added.stderr
    app = make_app()
    async with app.run_test(size=(120, 40)) as pilot:
        said = await wait_for(pilot, lambda: [n for n in notes(app) if n.startswith("Rules:")])
        skipped = late - people  # already tagged by then
        assert said == [
            f"Rules: {people} actions done, {skipped} actions skipped (u takes them back)"
        ]
        effects = query(seeded, "SELECT count(*), min(rule_name) FROM rule_effect")
        assert effects == [(people, "late")]
        assert query(seeded, "SELECT count(*) FROM rule_fired") == [(late,)]
        await pilot.press("u")  # one key takes the whole run back
        await wait_for(pilot, lambda: any(n.startswith("Undone: rule run") for n in notes(app)))
    assert query(seeded, "SELECT count(*) FROM rule_effect") == [(0,)]
    # Started again: the undone run is not redone (each firing is remembered).
    again = make_app()
    async with again.run_test(size=(120, 40)) as pilot:
        await pilot.pause(0.3)
        await again.workers.wait_for_complete()
        assert not [n for n in notes(again) if n.startswith("Rules:")]
    assert query(seeded, "SELECT count(*) FROM rule_effect") == [(0,)]


async def test_no_time_rule_no_worker(make_app: Any, seeded: Path) -> None:
    assert invoke("rule", "add", "chase", "--when", "deal won", "--then", "tag won").exit_code == 0
    app = make_app()
    async with app.run_test(size=(120, 40)) as pilot:
        await pilot.pause(0.2)
        assert not [w for w in app.workers if w.group == "rules"]
        assert not [n for n in notes(app) if n.startswith("Rules")]
    assert query(seeded, "SELECT count(*) FROM rule_effect") == [(0,)]


async def test_a_move_on_the_board_that_fires_a_rule_says_so(make_app: Any, seeded: Path) -> None:
    from crmcli.tui.screens.pipeline import PipelineScreen
    from crmcli.tui.widgets.board import Board

    [(first,)] = query(
        seeded,
        "SELECT s.name FROM stage s JOIN pipeline p ON p.id = s.pipeline_id "
        "WHERE s.kind = 'open' ORDER BY p.id, s.position LIMIT 1",
    )
    rule = ["--when", f"deal leaves {first}", "--then", "next step: qualify by rule"]
    assert invoke("rule", "add", "moved on", *rule).exit_code == 0
    app = make_app()
    async with app.run_test(size=(120, 40)) as pilot:
        await wait_for(pilot, lambda: isinstance(app.screen, PipelineScreen))
        card = dict(app.screen.query_one(Board).current)
        await pilot.press("]")
        said = await wait_for(pilot, lambda: [n for n in notes(app) if n.startswith("Rules '")])
        assert said == [
            "Rules 'moved on': 1 action done (u takes back the change and the rules' work)"
        ]
    assert query(seeded, "SELECT next_step FROM deal WHERE id = ?", (card["id"],)) == [
        ("qualify by rule",)
    ]
