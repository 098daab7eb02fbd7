"""The deal screen with Pilot: log, follow up, move, win and lose from it, each on THIS deal
and its contact, then checked in the database file."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from crmcli.tui.screens.deal import DealScreen
from crmcli.tui.widgets.board import Board

from .conftest import notes, query, type_text, wait_for


def deal_row(db: Path, deal_id: int) -> tuple[str, str, str | None]:
    [row] = query(
        db,
        "SELECT s.name, d.status, d.lost_reason FROM deal d JOIN stage s ON s.id = d.stage_id "
        "WHERE d.id = ?",
        (deal_id,),
    )
    return row


async def open_a_deal(pilot: Any, app: Any, column: int = 0) -> dict[str, Any]:
    """Open a deal with a contact from the board (`column` stages to the right)."""
    board = app.screen.query_one(Board)
    for _ in range(column):
        await pilot.press("right")
    card = dict(board.current)
    assert card["contact_id"] is not None
    await pilot.press("enter")
    await wait_for(pilot, lambda: isinstance(app.screen, DealScreen) and app.screen.deal)
    return card


async def test_log_a_call_from_the_deal_screen(make_app: Any, seeded: Path) -> None:
    app = make_app()
    async with app.run_test(size=(120, 40)) as pilot:
        card = await open_a_deal(pilot, app)
        await pilot.press("l")
        await pilot.pause()
        form = app.screen
        assert form.query_one("#contact").chosen == card["contact_id"]
        assert app.focused.id == "summary"
        await type_text(pilot, "Walked through the quote")
        form.query_one("#duration").value = "20m"
        await pilot.press("ctrl+s")
        await wait_for(pilot, lambda: isinstance(app.screen, DealScreen))
        rows = query(
            seeded,
            "SELECT contact_id, deal_id, kind, duration_seconds FROM interaction "
            "WHERE summary = 'Walked through the quote'",
        )
        assert rows == [(card["contact_id"], card["id"], "call", 1200)]
        timeline = str(app.screen.query_one("#deal-timeline").content)
        assert "Walked through the quote" in timeline


async def test_follow_up_from_the_deal_screen(make_app: Any, seeded: Path) -> None:
    app = make_app()
    async with app.run_test(size=(120, 40)) as pilot:
        card = await open_a_deal(pilot, app)
        await pilot.press("f")
        await pilot.pause()
        assert app.focused.id == "when"
        await type_text(pilot, "fri 10am")
        await pilot.press("tab")
        await type_text(pilot, "Quote v2, sent from the deal screen")
        await pilot.press("enter")
        await wait_for(pilot, lambda: isinstance(app.screen, DealScreen))
        rows = query(
            seeded,
            "SELECT contact_id, deal_id, due_date, due_time, status FROM followup "
            "WHERE note = 'Quote v2, sent from the deal screen'",
        )
        assert rows == [(card["contact_id"], card["id"], "2026-11-27", "10:00", "open")]


async def test_move_the_deal_a_stage_on_and_back(make_app: Any, seeded: Path) -> None:
    app = make_app()
    async with app.run_test(size=(120, 40)) as pilot:
        card = await open_a_deal(pilot, app)
        assert deal_row(seeded, card["id"])[0] == "Lead"
        await pilot.press("right_square_bracket")
        await wait_for(pilot, lambda: deal_row(seeded, card["id"])[0] == "Qualified")
        await wait_for(
            pilot, lambda: "Qualified" in str(app.screen.query_one("#deal-details").content)
        )
        await pilot.press("shift+right")
        await wait_for(pilot, lambda: deal_row(seeded, card["id"])[0] == "Demo")
        await pilot.press("left_square_bracket")
        await wait_for(pilot, lambda: deal_row(seeded, card["id"])[0] == "Qualified")
        changes = query(
            seeded, "SELECT count(*) FROM deal_stage_change WHERE deal_id = ?", (card["id"],)
        )
        assert changes[0][0] >= 4  # created in Lead, then three moves
        await pilot.press("left_square_bracket", "left_square_bracket")  # Lead, then no further
        await pilot.pause()
        assert deal_row(seeded, card["id"])[0] == "Lead"
        assert any("first open stage" in n for n in notes(app))


async def test_win_from_the_deal_screen(make_app: Any, seeded: Path) -> None:
    app = make_app()
    async with app.run_test(size=(120, 40)) as pilot:
        card = await open_a_deal(pilot, app, column=1)
        await pilot.press("w")
        await wait_for(pilot, lambda: deal_row(seeded, card["id"])[1] == "won")
        assert any(f"Won: {card['title']}" in n for n in notes(app))
        # Closed: lose and move say so and change nothing.
        await pilot.press("x")
        await pilot.press("right_square_bracket")
        await pilot.pause()
        assert isinstance(app.screen, DealScreen)
        assert deal_row(seeded, card["id"])[1] == "won"
        assert any("is won" in n for n in notes(app))


async def test_lose_from_the_deal_screen(make_app: Any, seeded: Path) -> None:
    app = make_app()
    async with app.run_test(size=(120, 40)) as pilot:
        card = await open_a_deal(pilot, app, column=2)
        await pilot.press("x")
        await pilot.pause()
        await pilot.press("enter")  # no reason yet: refused in plain words, no CLI flag
        await pilot.pause()
        error = str(app.screen.query_one("#error-reason").content)
        assert "why it was lost" in error and "--" not in error
        assert deal_row(seeded, card["id"])[1] == "open"
        await type_text(pilot, "budget frozen")
        await pilot.press("enter")
        await wait_for(pilot, lambda: deal_row(seeded, card["id"])[1] == "lost")
        assert deal_row(seeded, card["id"]) == ("Lost", "lost", "budget frozen")
        assert isinstance(app.screen, DealScreen)
        assert "budget frozen" in str(app.screen.query_one("#deal-details").content)
        assert any("Lost: " in n and "(budget frozen)" in n for n in notes(app))


async def test_palette_actions_on_the_deal_screen_act_on_this_deal(
    make_app: Any, seeded: Path
) -> None:
    from crmcli.tui.modals.followup_form import FollowupForm

    app = make_app()
    async with app.run_test(size=(120, 40)) as pilot:
        card = await open_a_deal(pilot, app, column=1)
        await pilot.press("ctrl+p")
        await pilot.pause()
        await type_text(pilot, "mark deal won")
        await pilot.pause(0.3)
        await pilot.press("enter")
        await wait_for(pilot, lambda: deal_row(seeded, card["id"])[1] == "won")
        assert isinstance(app.screen, DealScreen)  # it stayed on the deal
        await pilot.press("ctrl+p")
        await pilot.pause()
        await type_text(pilot, "add a follow-up")
        await pilot.pause(0.3)
        await pilot.press("enter")
        await wait_for(pilot, lambda: isinstance(app.screen, FollowupForm))
        assert app.screen.query_one("#contact").chosen == card["contact_id"]
        assert app.screen.deal_id == card["id"]
