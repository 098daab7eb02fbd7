"""The highlighted row is what every key acts on, through every change, on every list screen.

After done, snooze, undo, a log, or a change committed in another shell, the
cursor and the record the next key hits stay the same record, or, when it left
the list, its neighbour (the next record, else the one before). Each test ends
with a key that writes and checks the database: the right record changed.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from crmcli.tui.messages import BoardRefreshed, ContactsListed, TodayRefreshed

from .conftest import query, wait_for


def overdue_rows(db: Path) -> list[tuple[int, int]]:
    """(follow-up id, contact id) of the overdue follow-ups, in Today's order (the core's)."""
    from crmcli.core import clock
    from crmcli.core.config import load
    from crmcli.core.db.opening import open_store
    from crmcli.core.overview.agenda import overdue

    store = open_store(str(db), load(), write=False)
    try:
        rows = overdue(store, clock.local_now()).rows
    finally:
        store.close()
    return [(int(r["id"]), int(r["contact_id"])) for r in rows]


def last_interaction(db: Path) -> tuple[int, str]:
    [(contact_id, summary)] = query(
        db, "SELECT contact_id, summary FROM interaction ORDER BY id DESC LIMIT 1"
    )
    return int(contact_id), str(summary)


def status(db: Path, followup_id: int) -> str:
    return str(query(db, "SELECT status FROM followup WHERE id = ?", (followup_id,))[0][0])


async def log_call(pilot: Any, app: Any, summary: str) -> None:
    """In the log dialog just opened: a summary, then save."""
    await wait_for(pilot, lambda: app.screen.query("#summary"))
    app.screen.query_one("#summary").value = summary
    await pilot.press("ctrl+s")
    await wait_for(pilot, lambda: not app.screen.query("#summary"))


def cursor(app: Any) -> str | None:
    """The id of the highlighted row of a Today or Agenda list (`f12`: follow-up #12)."""
    from textual.widgets import OptionList

    option = app.screen.query_one(OptionList).highlighted_option
    return None if option is None else option.id


def highlighted_contact(app: Any) -> int | None:
    option = app.screen.query_one("#contacts-list").highlighted_option
    return None if option is None else int(option.id)


class Seen:
    """Messages the app posted, to wait for a screen to have read the data again."""

    def __init__(self) -> None:
        self.messages: list[Any] = []

    def __call__(self, message: Any) -> None:
        if isinstance(message, TodayRefreshed | ContactsListed | BoardRefreshed):
            self.messages.append(message)

    def count(self, kind: type) -> int:
        return sum(isinstance(m, kind) for m in self.messages)


# -- Today ----------------------------------------------------------------------------------


async def test_enter_after_done_opens_the_highlighted_follow_ups_contact(
    make_app: Any, seeded: Path
) -> None:
    """The issue's hazard: t, open a contact, t, Home, space, Enter, then l."""
    rows = overdue_rows(seeded)
    (first, first_contact), (_, second_contact) = rows[0], rows[1]
    assert first_contact != second_contact
    app = make_app()
    async with app.run_test(size=(120, 40)) as pilot:
        await pilot.press("t")
        await wait_for(pilot, lambda: app.current_mode == "today")
        await pilot.press("enter")
        await wait_for(pilot, lambda: app.current_mode == "contacts")
        await wait_for(pilot, lambda: app.screen.contact_id == first_contact)
        await pilot.press("escape")  # to the list, as a rep would before leaving
        await pilot.press("t")
        await wait_for(pilot, lambda: app.current_mode == "today")
        await pilot.press("home", "space")
        await wait_for(pilot, lambda: status(seeded, first) == "done")
        await wait_for(pilot, lambda: cursor(app) == f"f{rows[1][0]}")
        await pilot.press("enter")
        await wait_for(pilot, lambda: app.current_mode == "contacts")
        await wait_for(pilot, lambda: app.screen.contact_id == second_contact)
        await pilot.pause(0.3)  # a late reload must not put the old contact back
        assert app.screen.contact_id == second_contact
        assert highlighted_contact(app) == second_contact
        await pilot.press("l")
        await log_call(pilot, app, "Called back")
        assert last_interaction(seeded) == (second_contact, "Called back")


async def test_after_done_l_logs_with_the_highlighted_follow_ups_contact(
    make_app: Any, seeded: Path
) -> None:
    rows = overdue_rows(seeded)
    app = make_app()
    async with app.run_test(size=(120, 40)) as pilot:
        await pilot.press("t")
        await wait_for(pilot, lambda: cursor(app) == f"f{rows[0][0]}")
        await pilot.press("space")
        await wait_for(pilot, lambda: cursor(app) == f"f{rows[1][0]}")
        await pilot.press("l")
        await log_call(pilot, app, "Spoke about the renewal")
        assert last_interaction(seeded) == (rows[1][1], "Spoke about the renewal")
        assert status(seeded, rows[1][0]) == "open"
        # The log changed nothing on the list: the cursor has not moved.
        assert cursor(app) == f"f{rows[1][0]}"


async def test_the_neighbour_is_the_next_record_not_the_next_row(
    make_app: Any, seeded: Path, other_shell: Any
) -> None:
    """Two rows gone at once (another shell): the cursor goes to the record that followed."""
    from crmcli.core.activity import followups

    rows = overdue_rows(seeded)
    seen = Seen()
    app = make_app()
    async with app.run_test(size=(120, 40), message_hook=seen) as pilot:
        await pilot.press("t")
        await wait_for(pilot, lambda: cursor(app) == f"f{rows[0][0]}")
        await pilot.press("down", "down", "down")
        assert cursor(app) == f"f{rows[3][0]}"
        before = seen.count(TodayRefreshed)
        followups.done(other_shell, rows[2][0])  # the row above the cursor
        followups.done(other_shell, rows[3][0])  # and the one under it
        await wait_for(pilot, lambda: f"f{rows[3][0]}" not in app.screen.items)
        await wait_for(pilot, lambda: seen.count(TodayRefreshed) > before)
        assert cursor(app) == f"f{rows[4][0]}"
        await pilot.press("space")
        await wait_for(pilot, lambda: status(seeded, rows[4][0]) == "done")
        assert status(seeded, rows[5][0]) == "open"


async def test_the_cursor_stays_on_its_record_when_rows_above_change(
    make_app: Any, seeded: Path, other_shell: Any
) -> None:
    from crmcli.core.activity import followups

    rows = overdue_rows(seeded)
    seen = Seen()
    app = make_app()
    async with app.run_test(size=(120, 40), message_hook=seen) as pilot:
        await pilot.press("t")
        await wait_for(pilot, lambda: cursor(app) == f"f{rows[0][0]}")
        await pilot.press("down", "down")
        before = seen.count(TodayRefreshed)
        followups.done(other_shell, rows[0][0])
        await wait_for(pilot, lambda: seen.count(TodayRefreshed) > before)
        assert cursor(app) == f"f{rows[2][0]}"
        await pilot.press("l")
        await log_call(pilot, app, "Left a message")
        assert last_interaction(seeded) == (rows[2][1], "Left a message")


async def test_snooze_and_undo_keep_the_action_on_the_highlighted_record(
    make_app: Any, seeded: Path
) -> None:
    rows = overdue_rows(seeded)
    app = make_app()
    async with app.run_test(size=(120, 40)) as pilot:
        await pilot.press("t")
        await wait_for(pilot, lambda: cursor(app) == f"f{rows[0][0]}")
        await pilot.press("s")
        await wait_for(pilot, lambda: app.screen.query("#until"))
        app.screen.query_one("#until").value = "next mon"
        await pilot.press("enter")
        await wait_for(pilot, lambda: f"f{rows[0][0]}" not in app.screen.items)
        assert cursor(app) == f"f{rows[1][0]}"  # snoozed away: the next one
        await pilot.press("space")
        await wait_for(pilot, lambda: status(seeded, rows[1][0]) == "done")
        assert cursor(app) == f"f{rows[2][0]}"
        await pilot.press("u")  # the done is taken back: the row returns above the cursor
        await wait_for(pilot, lambda: f"f{rows[1][0]}" in app.screen.items)
        assert status(seeded, rows[1][0]) == "open"
        assert cursor(app) == f"f{rows[2][0]}"
        await pilot.press("space")
        await wait_for(pilot, lambda: status(seeded, rows[2][0]) == "done")
        assert status(seeded, rows[1][0]) == "open"


# -- Contacts -------------------------------------------------------------------------------


def late_in_the_alphabet(db: Path) -> int:
    """The index in Today's overdue list of a contact beyond the first page by name."""
    names = [
        int(r[0])
        for r in query(
            db, "SELECT id FROM contact WHERE archived_at IS NULL ORDER BY display_name LIMIT 30"
        )
    ]
    return next(i for i, (_, cid) in enumerate(overdue_rows(db)) if cid not in names)


async def open_from_today(pilot: Any, app: Any, db: Path) -> int:
    """Enter on an overdue follow-up whose contact is not on the contacts' first page."""
    index = late_in_the_alphabet(db)
    contact_id = overdue_rows(db)[index][1]
    await pilot.press("t")
    await wait_for(pilot, lambda: app.current_mode == "today" and cursor(app))
    await pilot.press(*["down"] * index)
    await pilot.press("enter")
    await wait_for(pilot, lambda: app.current_mode == "contacts")
    await wait_for(pilot, lambda: app.screen.contact_id == contact_id)
    return contact_id


async def test_an_opened_contact_stays_after_a_log(make_app: Any, seeded: Path) -> None:
    """Logging reads the list again: the contact opened from Today must stay the one shown."""
    app = make_app()
    async with app.run_test(size=(120, 40)) as pilot:
        contact_id = await open_from_today(pilot, app, seeded)
        app.screen.listing.focus()
        await pilot.press("l")
        await log_call(pilot, app, "First call")
        assert last_interaction(seeded) == (contact_id, "First call")
        await pilot.pause(0.3)
        assert app.screen.contact_id == contact_id
        assert highlighted_contact(app) == contact_id
        await pilot.press("l")
        await log_call(pilot, app, "Second call")
        assert last_interaction(seeded) == (contact_id, "Second call")


async def test_an_opened_contact_stays_when_another_shell_writes(
    make_app: Any, seeded: Path, other_shell: Any
) -> None:
    from crmcli.core.activity import followups

    seen = Seen()
    app = make_app()
    async with app.run_test(size=(120, 40), message_hook=seen) as pilot:
        contact_id = await open_from_today(pilot, app, seeded)
        app.screen.listing.focus()
        before = seen.count(ContactsListed)
        followups.done(other_shell, overdue_rows(seeded)[0][0])
        await wait_for(pilot, lambda: seen.count(ContactsListed) > before)
        await pilot.pause(0.1)
        assert app.screen.contact_id == contact_id
        assert highlighted_contact(app) == contact_id
        await pilot.press("l")
        await log_call(pilot, app, "After the poll")
        assert last_interaction(seeded) == (contact_id, "After the poll")


async def test_a_contact_archived_elsewhere_gives_way_to_its_neighbour(
    make_app: Any, seeded: Path, other_shell: Any
) -> None:
    from crmcli.core.people import contacts

    seen = Seen()
    app = make_app()
    async with app.run_test(size=(120, 40), message_hook=seen) as pilot:
        await pilot.press("c")
        await wait_for(pilot, lambda: app.current_mode == "contacts" and app.screen.rows)
        app.screen.listing.focus()
        await pilot.press("down", "down")
        ids = [int(r["id"]) for r in app.screen.rows]
        await wait_for(pilot, lambda: app.screen.contact_id == ids[2])
        before = seen.count(ContactsListed)
        contacts.archive(other_shell, ids[2])
        await wait_for(pilot, lambda: seen.count(ContactsListed) > before)
        await wait_for(pilot, lambda: app.screen.contact_id == ids[3])
        assert highlighted_contact(app) == ids[3]
        await pilot.press("l")
        await log_call(pilot, app, "To the next one")
        assert last_interaction(seeded) == (ids[3], "To the next one")


# -- Pipeline board (the widget is H3's; these hold its selection to the same rule) ---------


def board_of(app: Any) -> Any:
    from crmcli.tui.widgets.board import Board

    return app.screen.query_one(Board)


def deal_status(db: Path, deal_id: int) -> str:
    return str(query(db, "SELECT status FROM deal WHERE id = ?", (deal_id,))[0][0])


async def test_board_card_gone_elsewhere_gives_way_to_the_next_card(
    make_app: Any, seeded: Path, other_shell: Any
) -> None:
    from crmcli.core.pipeline import deals

    seen = Seen()
    app = make_app()
    async with app.run_test(size=(120, 40), message_hook=seen) as pilot:
        await pilot.press("right", "down")
        board = board_of(app)
        column = [int(c["id"]) for c in board.shown[board.col]]
        assert len(column) >= 3 and board.current["id"] == column[1]
        before = seen.count(BoardRefreshed)
        deals.lost(other_shell, column[1], "budget")
        await wait_for(pilot, lambda: seen.count(BoardRefreshed) > before)
        assert board.current["id"] == column[2]
        await pilot.press("w")
        await wait_for(pilot, lambda: deal_status(seeded, column[2]) == "won")
        assert deal_status(seeded, column[0]) == "open"


async def test_board_cursor_stays_on_its_card_when_one_above_goes(
    make_app: Any, seeded: Path, other_shell: Any
) -> None:
    from crmcli.core.pipeline import deals

    seen = Seen()
    app = make_app()
    async with app.run_test(size=(120, 40), message_hook=seen) as pilot:
        await pilot.press("right", "down", "down")
        board = board_of(app)
        column = [int(c["id"]) for c in board.shown[board.col]]
        assert board.current["id"] == column[2]
        before = seen.count(BoardRefreshed)
        deals.lost(other_shell, column[0], "went quiet")
        await wait_for(pilot, lambda: seen.count(BoardRefreshed) > before)
        assert board.current["id"] == column[2]
        await pilot.press("w")
        await wait_for(pilot, lambda: deal_status(seeded, column[2]) == "won")
        assert deal_status(seeded, column[1]) == "open"


async def test_board_cursor_follows_a_moved_card_and_its_undo(make_app: Any, seeded: Path) -> None:
    app = make_app()
    async with app.run_test(size=(120, 40)) as pilot:
        await pilot.press("right", "down")
        board = board_of(app)
        deal_id = int(board.current["id"])
        await pilot.press("]")
        await wait_for(pilot, lambda: board.col == 2 and board.current["id"] == deal_id)
        await pilot.press("u")
        await wait_for(pilot, lambda: board.col == 1)
        await pilot.pause(0.1)
        assert board.current["id"] == deal_id
        await pilot.press("w")
        await wait_for(pilot, lambda: deal_status(seeded, deal_id) == "won")
