"""The pipeline board with Pilot: every change is checked in the database afterwards."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from rich.cells import cell_len
from textual.widgets import Footer

from crmcli.tui.messages import BoardRefreshed
from crmcli.tui.widgets.board import Board, CardList, StageView

from .conftest import notes, query, type_text, wait_for


def stage_of(db: Path, deal_id: int) -> tuple[str, str, str | None]:
    [(stage, status, reason)] = query(
        db,
        "SELECT s.name, d.status, d.lost_reason FROM deal d JOIN stage s ON s.id = d.stage_id "
        "WHERE d.id = ?",
        (deal_id,),
    )
    return stage, status, reason


def history_count(db: Path, deal_id: int) -> int:
    return int(
        query(db, "SELECT count(*) FROM deal_stage_change WHERE deal_id = ?", (deal_id,))[0][0]
    )


def board(app: Any) -> Board:
    return app.screen.query_one(Board)


async def test_board_shows_every_open_stage_with_counts(make_app: Any, seeded: Path) -> None:
    app = make_app()
    async with app.run_test(size=(120, 40)) as pilot:
        await pilot.pause()
        columns = board(app).columns
        names = [c.stage["name"] for c in columns]
        assert names == ["Lead", "Qualified", "Demo", "Proposal", "Negotiation"]
        open_deals = query(seeded, "SELECT count(*) FROM deal WHERE status = 'open'")[0][0]
        assert sum(c.count for c in columns) == open_deals
        assert sum(len(c.cards) for c in columns) == open_deals


async def test_arrows_then_shift_right_moves_the_deal(make_app: Any, seeded: Path) -> None:
    app = make_app()
    async with app.run_test(size=(120, 40)) as pilot:
        await pilot.press("right", "down")
        card = board(app).current
        assert card is not None and board(app).col == 1
        before = history_count(seeded, card["id"])
        assert stage_of(seeded, card["id"])[0] == "Qualified"
        await pilot.press("shift+right")
        await pilot.pause()
        assert stage_of(seeded, card["id"]) == ("Demo", "open", None)
        assert history_count(seeded, card["id"]) == before + 1
        # The cursor follows the deal into its new column.
        assert board(app).current["id"] == card["id"] and board(app).col == 2
        # And vim keys move back with the bracket.
        await pilot.press("[")
        await pilot.pause()
        assert stage_of(seeded, card["id"])[0] == "Qualified"
        assert history_count(seeded, card["id"]) == before + 2


async def test_bracket_moves_to_the_next_stage(make_app: Any, seeded: Path) -> None:
    app = make_app()
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.press("l", "l")  # to Demo, with vim keys
        card = board(app).current
        assert card is not None
        await pilot.press("]")
        await pilot.pause()
        assert stage_of(seeded, card["id"])[0] == "Proposal"
        header = board(app).columns[3]
        assert header.count == len(header.cards)


async def test_move_posts_board_refreshed(make_app: Any) -> None:
    seen: list[BoardRefreshed] = []
    app = make_app()
    async with app.run_test(
        size=(120, 40),
        message_hook=lambda m: seen.append(m) if isinstance(m, BoardRefreshed) else None,
    ) as pilot:
        card = board(app).current
        await pilot.press("]")
        await wait_for(pilot, lambda: any(m.deal_id == card["id"] for m in seen))


async def test_won(make_app: Any, seeded: Path) -> None:
    app = make_app()
    async with app.run_test(size=(120, 40)) as pilot:
        card = board(app).current
        count = board(app).columns[0].count
        await pilot.press("w")
        await pilot.pause()
        assert stage_of(seeded, card["id"])[:2] == ("Won", "won")
        assert board(app).columns[0].count == count - 1
        assert all(c["id"] != card["id"] for c in board(app).columns[0].cards)
        assert any("Won" in n for n in notes(app))


@pytest.mark.slow
async def test_lost_asks_the_reason(make_app: Any, seeded: Path) -> None:
    app = make_app()
    async with app.run_test(size=(120, 40)) as pilot:
        await pilot.press("right")
        card = board(app).current
        await pilot.press("x")
        await pilot.pause()
        await pilot.press("enter")  # no reason: refused inline, nothing saved
        await pilot.pause()
        error = app.screen.query_one("#error-reason")
        assert "why it was lost" in str(error.content)
        assert stage_of(seeded, card["id"])[1] == "open"
        await type_text(pilot, "went with a competitor")
        await pilot.press("enter")
        await pilot.pause()
        assert stage_of(seeded, card["id"]) == ("Lost", "lost", "went with a competitor")
        assert isinstance(app.screen.query_one(Board), Board)


async def test_lost_dialog_cancel_saves_nothing(make_app: Any, seeded: Path) -> None:
    app = make_app()
    async with app.run_test(size=(120, 40)) as pilot:
        card = board(app).current
        await pilot.press("x")
        await type_text(pilot, "price")
        await pilot.press("escape")
        await pilot.pause()
        assert stage_of(seeded, card["id"])[1] == "open"


@pytest.mark.slow
async def test_new_deal(make_app: Any, seeded: Path) -> None:
    [(contact,)] = query(seeded, "SELECT display_name FROM contact ORDER BY id LIMIT 1")
    app = make_app()
    async with app.run_test(size=(120, 40)) as pilot:
        await pilot.press("n")
        await pilot.pause()
        await type_text(pilot, "Big rollout")
        await pilot.press("tab")
        await type_text(pilot, contact)
        await pilot.press("tab", "tab")
        await type_text(pilot, "12k")
        await pilot.press("enter")
        await pilot.pause()
        rows = query(
            seeded,
            "SELECT d.amount_minor, d.currency, s.name, c.display_name FROM deal d "
            "JOIN stage s ON s.id = d.stage_id JOIN contact c ON c.id = d.contact_id "
            "WHERE d.title = 'Big rollout'",
        )
        from crmcli.core.config import load

        assert rows == [(1_200_000, load().get("currency"), "Lead", contact)]
        assert any(c["title"] == "Big rollout" for c in board(app).columns[0].cards)


@pytest.mark.slow
async def test_new_deal_errors_are_inline_and_nothing_is_saved(make_app: Any, seeded: Path) -> None:
    before = query(seeded, "SELECT count(*) FROM deal")[0][0]
    app = make_app()
    async with app.run_test(size=(120, 40)) as pilot:
        await pilot.press("n")
        await type_text(pilot, "No contact")
        await pilot.press("enter")
        await pilot.pause()
        assert "contact" in str(app.screen.query_one("#error-contact").content)
        assert app.focused.id == "contact"  # the field in error has the focus
        await type_text(pilot, "nobody-at-all-xyz")
        await pilot.press("enter")
        await pilot.pause()
        assert str(app.screen.query_one("#error-contact").content)
        assert query(seeded, "SELECT count(*) FROM deal")[0][0] == before
        await pilot.press("escape")
        await pilot.pause()
        assert isinstance(app.screen.query_one(Board), Board)


@pytest.mark.slow
async def test_filter_as_you_type(make_app: Any) -> None:
    app = make_app()
    async with app.run_test(size=(120, 40)) as pilot:
        title = board(app).columns[1].cards[0]["title"]
        await pilot.press("slash")
        await type_text(pilot, title.lower())
        await pilot.pause()
        shown = [card["title"] for cards in board(app).shown for card in cards]
        assert shown and all(t == title for t in shown)
        await pilot.press("escape")
        await pilot.pause()
        assert sum(len(s) for s in board(app).shown) == sum(c.count for c in board(app).columns)


async def test_click_selects_a_card(make_app: Any) -> None:
    app = make_app()
    async with app.run_test(size=(120, 40)) as pilot:
        second = board(app).columns[2].cards[1]
        await pilot.click("#cards-2", offset=(4, 6))  # the second card's lines are 5 to 8
        await pilot.pause()
        assert board(app).current["id"] == second["id"]
        assert app.focused is board(app)


async def test_enter_opens_the_deal(make_app: Any) -> None:
    app = make_app()
    async with app.run_test(size=(120, 40)) as pilot:
        card = board(app).current
        await pilot.press("enter")
        await pilot.pause()
        from crmcli.tui.screens.deal import DealScreen

        assert isinstance(app.screen, DealScreen) and app.screen.deal_id == card["id"]
        assert card["title"] in str(app.screen.query_one("#deal-title").content)
        await pilot.press("escape")
        await pilot.pause()
        assert board(app).current["id"] == card["id"]


async def test_edit_deal_from_its_screen(make_app: Any, seeded: Path) -> None:
    app = make_app()
    async with app.run_test(size=(120, 40)) as pilot:
        card = board(app).current
        await pilot.press("enter", "e")
        await pilot.pause()
        box = app.screen.query_one("#next")
        box.value = "Send the contract"
        await pilot.press("ctrl+s")
        await pilot.pause()
        [(step,)] = query(seeded, "SELECT next_step FROM deal WHERE id = ?", (card["id"],))
        assert step == "Send the contract"
        await pilot.press("escape")
        await pilot.pause()
        assert board(app).current["next_step"] == "Send the contract"


async def test_change_from_another_shell_shows_within_two_seconds(
    make_app: Any, other_shell: Any
) -> None:
    from crmcli.core.pipeline import deals

    app = make_app()
    async with app.run_test(size=(120, 40)) as pilot:
        card = board(app).columns[0].cards[-1]
        deals.move(other_shell, card["id"], "Negotiation")

        def arrived() -> bool:
            return any(c["id"] == card["id"] for c in board(app).columns[4].cards)

        await wait_for(pilot, arrived, timeout=2.0)
        assert all(c["id"] != card["id"] for c in board(app).columns[0].cards)


async def test_reload_keeps_the_selection(make_app: Any, other_shell: Any) -> None:
    from crmcli.core.pipeline import deals
    from crmcli.core.pipeline.deals import DealFields

    app = make_app()
    async with app.run_test(size=(120, 40)) as pilot:
        await pilot.press("right", "down", "down")
        card = board(app).current
        deals.edit(other_shell, card["id"], DealFields(next_step="Changed elsewhere"))
        await wait_for(pilot, lambda: board(app).current["next_step"] == "Changed elsewhere")
        assert board(app).current["id"] == card["id"]


async def test_deal_deleted_elsewhere_then_moved_is_a_notification(
    make_app: Any, seeded: Path
) -> None:
    import sqlite3

    app = make_app(poll_seconds=60)  # the board has not seen the deletion yet
    async with app.run_test(size=(120, 40)) as pilot:
        card = board(app).current
        conn = sqlite3.connect(seeded)
        conn.execute("PRAGMA foreign_keys = ON")
        conn.execute("DELETE FROM deal_stage_change WHERE deal_id = ?", (card["id"],))
        conn.execute("DELETE FROM deal WHERE id = ?", (card["id"],))
        conn.commit()
        conn.close()
        await pilot.press("]")
        await pilot.pause()
        assert any(f"#{card['id']}" in n for n in notes(app))
        assert all(c["id"] != card["id"] for cards in board(app).shown for c in cards)
        assert app.is_running


async def test_changed_elsewhere_is_not_overwritten(
    make_app: Any, seeded: Path, other_shell: Any
) -> None:
    from crmcli.core.pipeline import deals

    app = make_app(poll_seconds=60)
    async with app.run_test(size=(120, 40)) as pilot:
        card = board(app).current
        deals.move(other_shell, card["id"], "Proposal")
        await pilot.press("]")
        await pilot.pause()
        assert stage_of(seeded, card["id"])[0] == "Proposal"  # not Qualified
        assert any("changed elsewhere" in n for n in notes(app))
        assert any(c["id"] == card["id"] for c in board(app).columns[3].cards)


async def test_locked_database_is_a_notification(make_app: Any, seeded: Path) -> None:
    import sqlite3

    from crmcli.core.config import set_value

    set_value("busy_timeout", "1")
    app = make_app(poll_seconds=60)
    async with app.run_test(size=(120, 40)) as pilot:
        card = board(app).current
        locker = sqlite3.connect(seeded, isolation_level=None)
        locker.execute("BEGIN IMMEDIATE")
        try:
            await pilot.press("]")
            await pilot.pause()
        finally:
            locker.execute("ROLLBACK")
            locker.close()
        assert any("busy" in n for n in notes(app))
        assert stage_of(seeded, card["id"])[0] == "Lead"
        assert app.is_running


@pytest.mark.slow
async def test_keys_and_palette(make_app: Any) -> None:
    from crmcli.tui.modals.keys import KeysModal

    app = make_app()
    async with app.run_test(size=(120, 40)) as pilot:
        await pilot.press("question_mark")
        await pilot.pause()
        assert isinstance(app.screen, KeysModal)
        listed = str(app.screen.query_one("#keys-list").content)
        for key in ("shift+right", "Won", "Lost", "Snooze", "Log", "Follow-up", "Filter"):
            assert key in listed
        await pilot.press("escape")
        await pilot.press("ctrl+p")
        await pilot.pause()
        await type_text(pilot, "go to today")
        await pilot.pause(0.3)
        await pilot.press("enter")
        await pilot.pause(0.3)
        assert app.current_mode == "today"


async def test_q_quits_but_not_in_a_text_field(make_app: Any) -> None:
    app = make_app()
    async with app.run_test(size=(120, 40)) as pilot:
        await pilot.press("slash", "q")
        await pilot.pause()
        assert app.is_running and app.screen.query_one("#filter").value == "q"
        await pilot.press("escape", "q")
        await pilot.pause()
        assert not app.is_running


async def test_board_cards_are_not_widgets(make_app: Any) -> None:
    app = make_app()
    async with app.run_test(size=(120, 40)) as pilot:
        await pilot.pause()
        assert len(app.screen.query(CardList)) == 5
        assert len(list(app.screen.walk_children())) < 80


async def test_u_undoes_a_stray_move(make_app: Any, seeded: Path) -> None:
    app = make_app()
    async with app.run_test(size=(120, 40)) as pilot:
        await pilot.press("right", "down")
        card = board(app).current
        assert card is not None
        before = history_count(seeded, card["id"])
        await pilot.press("]")
        await pilot.pause()
        assert stage_of(seeded, card["id"])[0] == "Demo"
        await pilot.press("u")
        await pilot.pause()
        await pilot.pause(0.2)
        assert stage_of(seeded, card["id"])[0] == "Qualified"
        assert history_count(seeded, card["id"]) == before
        # The board shows the deal back in its column.
        qualified = next(c for c in board(app).columns if c.stage["name"] == "Qualified")
        assert card["id"] in [d["id"] for d in qualified.cards]


# -- at 80x24: the stages off-screen, the footer, display widths ----------------------------


def screen_lines(app: Any) -> list[str]:
    """The screen as the terminal shows it, one string per row."""
    return [strip.text for strip in app.screen._compositor.render_strips()]


def on_screen(app: Any, column: int) -> bool:
    """Whether the whole of a column of the board is inside the board's visible area."""
    view = board(app).query(StageView)[column]
    shown = app.screen._compositor.visible_widgets
    if view not in shown:
        return False
    region = shown[view][0]
    return bool(board(app).region.contains_region(region))


async def test_80x24_names_off_screen_stages_and_follows_the_cursor(make_app: Any) -> None:
    from crmcli.tui.widgets.nav import StageStrip

    app = make_app()
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.pause()
        strip = app.screen.query_one(StageStrip)
        assert strip.display
        line = screen_lines(app)[1]  # under the bar of screens
        assert line.rstrip().endswith("Proposal, Negotiation ▶") and "◀" not in line
        for column in range(1, 5):
            await pilot.press("right")
            await pilot.pause()
            assert board(app).col == column and on_screen(app, column)
        line = screen_lines(app)[1]
        assert line.lstrip().startswith("◀ Lead, Qualified") and "▶" not in line
        assert not on_screen(app, 0) and on_screen(app, 2)
        await pilot.press("h", "h", "h")  # back inside the window: it stays put
        await pilot.pause()
        assert board(app).col == 1 and on_screen(app, 1) and on_screen(app, 3)
        await pilot.press("left")
        await pilot.pause()
        assert on_screen(app, 0) and not on_screen(app, 3)


async def test_an_empty_stage_off_screen_is_scrolled_to(make_app: Any) -> None:
    app = make_app()
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.press("slash")
        await type_text(pilot, "nothing matches this")
        await pilot.press("enter")
        await pilot.pause()
        assert not any(board(app).shown)
        # While filtering, the strip says how many cards match in the stages off-screen.
        assert screen_lines(app)[1].rstrip().endswith("Proposal (0), Negotiation (0) ▶")
        await pilot.press("right", "right", "right", "right")
        await pilot.pause()
        assert board(app).col == 4 and on_screen(app, 4)


async def test_clicking_a_stage_in_the_strip_goes_there(make_app: Any) -> None:
    from crmcli.tui.widgets.nav import StageStrip

    app = make_app()
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.pause()
        x = screen_lines(app)[1].index("Negotiation")
        await pilot.click(StageStrip, offset=(x + 1, 0))
        await pilot.pause()
        assert board(app).col == 4 and on_screen(app, 4)
        await pilot.press("enter")
        await wait_for(pilot, lambda: type(app.screen).__name__ == "DealScreen")


async def test_resizing_keeps_the_cursor_column_on_screen(make_app: Any) -> None:
    from crmcli.tui.widgets.nav import StageStrip

    app = make_app()
    async with app.run_test(size=(120, 40)) as pilot:
        await pilot.pause()
        assert not app.screen.query_one(StageStrip).display  # every stage fits: nothing to say
        assert all(on_screen(app, column) for column in range(5))
        await pilot.press("end", "right", "right", "right", "right")
        await pilot.resize_terminal(80, 24)
        await pilot.pause(0.1)
        assert app.screen.query_one(StageStrip).display and on_screen(app, 4)
        assert screen_lines(app)[1].lstrip().startswith("◀ Lead, Qualified")
        await pilot.press("[")  # the deal moves back to Proposal: still on screen, no scroll
        await wait_for(pilot, lambda: board(app).col == 3)
        assert on_screen(app, 3) and on_screen(app, 4)
        await pilot.resize_terminal(120, 40)
        await pilot.pause(0.1)
        assert not app.screen.query_one(StageStrip).display
        assert all(on_screen(app, column) for column in range(5))


def test_the_strip_names_what_fits_and_counts_the_rest() -> None:
    from crmcli.tui.widgets.nav import strip_content

    names = ["Lead", "Qualified", "Demo", "Proposal", "Negotiation"]
    assert strip_content(names, 1, 3, 60).plain == (
        "◀ Lead             stages 2–4 of 5             Negotiation ▶"
    )
    assert strip_content(names, 2, 1, 22).plain == "◀ 2 more      2 more ▶"
    assert strip_content(names, 0, 4, 30).plain == " " * 17 + "Negotiation ▶"  # no room to say more
    wide = strip_content(["営業リード", "商談", "提案"], 0, 1, 40).plain  # widths in cells
    assert wide == "        stage 1 of 3        商談, 提案 ▶" and cell_len(wide) == 40


@pytest.mark.parametrize("mode", ["pipeline", "deal", "contacts", "today", "agenda"])
async def test_the_footer_fits_80_columns(make_app: Any, mode: str) -> None:
    app = make_app()
    async with app.run_test(size=(80, 24)) as pilot:
        if mode == "deal":
            await pilot.press("enter")
            await wait_for(pilot, lambda: type(app.screen).__name__ == "DealScreen")
        else:
            await app.switch_mode(mode)
        await pilot.pause(0.2)
        if mode == "contacts":
            await pilot.press("down")  # from the search box (where letters are text) to the list
        await wait_for(pilot, lambda: screen_lines(app)[-1].rstrip().endswith("q Quit"))
        footer = app.screen.query_one(Footer)
        assert footer.virtual_size.width <= 80, footer.virtual_size
        bar = screen_lines(app)[0]  # every screen, and the hint, on the bar at the top
        assert "a Agenda" in bar and bar.rstrip().endswith("? keys · ctrl+p commands")


async def test_wide_characters_keep_the_columns_aligned(make_app: Any, other_shell: Any) -> None:
    """山田太郎 takes eight cells, not four: a card is cut by display width, borders stay put."""
    from crmcli.core.people import contacts
    from crmcli.core.pipeline import deals

    person = contacts.add(
        other_shell, contacts.ContactFields(name="山田太郎", company="株式会社サンプル商事")
    )
    fields = deals.DealFields(
        title="大阪支社の導入プロジェクト",
        contact_id=int(person.contact["id"]),
        next_step="Café é́ 👍🏽 見積書を送る then call",
    )
    deal = deals.add(other_shell, fields)
    app = make_app()
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.pause()
        assert board(app).select(int(deal["id"]))
        board(app).refresh_view()
        await pilot.pause()
        lines = screen_lines(app)
        ends = {cell_len(line[: line.index("▕")]) for line in lines[2:-1] if "▕" in line}
        assert len(ends) == 1  # the first column's border is in one place on every row
        width = ends.pop()
        card = [line[: line.index("▕")] for line in lines if "大阪" in line or "山田" in line]
        assert [cell_len(line) for line in card] == [width, width]
        title, who = (line.strip() for line in card)
        assert title.startswith("▌ 大阪支社") and title.endswith("…") and " …" not in title
        assert who.startswith("▌ 山田太郎 · 株式会社") and not who.endswith(" …")


def test_text_is_fitted_and_labelled_by_display_width() -> None:
    from crmcli.tui.format import fit, labelled, pad

    assert fit("山田太郎 · 株式会社", 12) == "山田太郎 ·…"  # not "山田太郎 · …"
    assert fit("株式会社サンプル商事", 12) == "株式会社サ…"  # 11 cells: サ would straddle
    assert fit("Re\u0301union e\u0301te\u0301", 13) == "Re\u0301union e\u0301te\u0301"  # 12 cells
    assert [cell_len(pad(t, 9)) for t in ("山田太郎山田", "👍🏽 ok", "e\u0301", "Zoé")] == [9] * 4
    rows = [
        ("Company", "株式会社サンプル商事"),
        ("Email", "taro@example.jp\nt.yamada@mail.example"),
    ]
    lines = labelled(rows, 30).plain.split("\n")
    assert lines == [
        "Company  株式会社サンプル商事",
        "Email    taro@example.jp",
        "         t.yamada@mail.example",
    ]
    wrapped = labelled([("Title", "Head of International Procurement")], 30).plain
    assert wrapped.split("\n") == ["Title  Head of International", "       Procurement"]


async def test_first_paint_reads_a_screenful_then_every_card(
    make_app: Any, seeded: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The board paints first with each stage's first cards (FIRST_CARDS, here 2), its
    headers already saying the whole count; every card follows at once, in the same
    order, the cursor where it was."""
    from crmcli.tui.screens import pipeline
    from crmcli.tui.widgets.board import StageHeader

    monkeypatch.setattr(pipeline, "FIRST_CARDS", 2)
    seen: list[tuple[bool, list[int], str]] = []
    original = Board.on_mount

    def spy(self: Board) -> None:
        original(self)
        header = self.query(StageHeader).first()
        seen.append((self.partial, [len(c.cards) for c in self.columns], header._text))

    monkeypatch.setattr(Board, "on_mount", spy)
    completed_after_paint: list[bool] = []
    complete = pipeline.PipelineScreen._complete

    async def after(self: pipeline.PipelineScreen) -> None:
        completed_after_paint.append(self.app.painted)  # type: ignore[attr-defined]
        await complete(self)

    monkeypatch.setattr(pipeline.PipelineScreen, "_complete", after)
    app = make_app()
    async with app.run_test(size=(120, 40)) as pilot:
        await wait_for(pilot, lambda: not board(app).partial)
        # The rest is read once the first frame is out: before it, it held that frame back.
        assert completed_after_paint == [True]
        partial, first_counts, first_header = seen[0]
        assert partial and max(first_counts) == 2
        assert " of " not in first_header  # "Lead · 9 deals", never "2 of 9 deals"
        columns = board(app).columns
        open_deals = query(seeded, "SELECT count(*) FROM deal WHERE status = 'open'")[0][0]
        assert sum(len(c.cards) for c in columns) == open_deals
        lead = query(
            seeded,
            "SELECT d.id FROM deal d JOIN stage s ON s.id = d.stage_id WHERE s.name = 'Lead' "
            "AND d.status = 'open' ORDER BY d.stage_entered_at, d.id",
        )
        assert [c["id"] for c in columns[0].cards] == [r[0] for r in lead]
        assert board(app).current["id"] == lead[0][0]
        await pilot.press("]")  # and the board acts on the full data
        await wait_for(pilot, lambda: stage_of(seeded, lead[0][0])[0] == "Qualified")
