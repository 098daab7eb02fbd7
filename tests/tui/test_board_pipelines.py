"""The board shows one pipeline at a time; P switches to the next (issue #24, part 5)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from textual.widgets import Label

from crmcli.tui.widgets.board import Board

from .conftest import query


async def test_p_switches_the_board_to_the_next_pipeline(make_app: Any, seeded: Path) -> None:
    from crmcli.core.config import load
    from crmcli.core.db.opening import open_store
    from crmcli.core.pipeline import deals, pipelines

    store = open_store(str(seeded), load(), write=True)
    pipelines.add(store, "Renewals", stages="Notice,Quote")
    contact = int(query(seeded, "SELECT min(id) FROM contact")[0][0])
    made = deals.add(
        store, deals.DealFields(title="Renewal", contact_id=contact, pipeline="Renewals")
    )
    store.close()
    app = make_app()
    async with app.run_test(size=(120, 40)) as pilot:
        await pilot.pause()
        board = app.screen.query_one(Board)
        assert [c.stage["name"] for c in board.columns][:2] == ["Lead", "Qualified"]
        shown = app.screen.query_one("#pipeline-name", Label)
        assert shown.display and "Sales" in str(shown.render())
        from crmcli.tui.app import CrmApp
        from crmcli.tui.keymap import sections

        keys = dict(sections(CrmApp.BINDINGS))["Pipeline"]
        assert any("Next pipeline" in str(row) for row in keys)  # listed under ?
        await pilot.press("P")
        await pilot.pause()
        board = app.screen.query_one(Board)
        assert [c.stage["name"] for c in board.columns] == ["Notice", "Quote"]
        assert [card["id"] for card in board.columns[0].cards] == [made["id"]]
        assert "Renewals" in str(app.screen.query_one("#pipeline-name", Label).render())
        # Won on this board closes the deal in its own pipeline's Won stage.
        board.focus()
        await pilot.press("w")
        await pilot.pause()
        [(stage, pipeline, status)] = query(
            seeded,
            "SELECT s.name, p.name, d.status FROM deal d JOIN stage s ON s.id = d.stage_id "
            "JOIN pipeline p ON p.id = s.pipeline_id WHERE d.id = ?",
            (made["id"],),
        )
        assert (stage, pipeline, status) == ("Won", "Renewals", "won")
        await pilot.press("P")  # after the last, the first again
        await pilot.pause()
        assert app.screen.query_one(Board).columns[0].stage["name"] == "Lead"
