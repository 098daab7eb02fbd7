"""The Agenda screen (a): the coming days grouped by day, done and snooze, open, log; its look.

Snapshots at 80x24 and 120x40: update with
`pytest tests/tui/test_agenda.py --snapshot-update`, then look at the SVGs.
"""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from textual.widgets import OptionList

from .conftest import query, wait_for
from .test_cursor import last_interaction, log_call, status

SIZES = pytest.mark.parametrize("size", [(80, 24), (120, 40)], ids=["80x24", "120x40"])


def core_groups(db: Path, days: int = 15) -> list[tuple[str, list[int]]]:
    """The agenda as the core reads it: (day, follow-up ids), as `crm agenda` prints it."""
    from crmcli.core import clock
    from crmcli.core.config import load
    from crmcli.core.db.opening import open_store
    from crmcli.core.overview.agenda import days_ahead

    store = open_store(str(db), load(), write=False)
    try:
        groups = days_ahead(store, clock.local_now(), days)
    finally:
        store.close()
    return [(day, [int(r["id"]) for r in section.rows]) for day, section in groups]


def lines(app: Any) -> list[tuple[str | None, str]]:
    """The agenda list as shown: (row id or None for a heading, its text)."""
    listing = app.screen.query_one(OptionList)
    return [(o.id, str(o.prompt)) for o in listing.options]


def cursor(app: Any) -> str | None:
    option = app.screen.query_one(OptionList).highlighted_option
    return None if option is None else option.id


async def open_agenda(pilot: Any) -> Any:
    app = pilot.app
    await pilot.press("a")
    await wait_for(pilot, lambda: app.current_mode == "agenda" and cursor(app))
    return app


async def test_the_coming_days_grouped_by_day_with_headings(make_app: Any, seeded: Path) -> None:
    groups = core_groups(seeded)
    app = make_app()
    async with app.run_test(size=(120, 40)) as pilot:
        await open_agenda(pilot)
        shown = lines(app)
        headings = [text for key, text in shown if key is None]
        # The clock is Tuesday 24 Nov 2026; days with nothing due after tomorrow are left out.
        assert headings == [
            "Overdue · 8",
            "Today · Tue 24 Nov · 6",
            "Tomorrow · Wed 25 Nov · 2",
            "Thursday 26 Nov · 1",
            "Friday 27 Nov · 1",
            "Sunday 29 Nov · 1",
            "Tuesday 8 Dec · 4",
            "Later · 1  after Tue 8 Dec · +: 7 more days",
        ]
        # Every follow-up of the coming 14 days, in the core's order (Friday's call too).
        assert [key for key, _ in shown if key] == [f"f{i}" for _, ids in groups for i in ids]
        assert cursor(app) == f"f{groups[0][1][0]}"


async def test_space_marks_the_highlighted_done_and_the_cursor_moves_on(
    make_app: Any, seeded: Path
) -> None:
    ids = [i for _, group in core_groups(seeded) for i in group]
    app = make_app()
    async with app.run_test(size=(120, 40)) as pilot:
        await open_agenda(pilot)
        await pilot.press("down")
        assert cursor(app) == f"f{ids[1]}"
        await pilot.press("space")
        await wait_for(pilot, lambda: status(seeded, ids[1]) == "done")
        await wait_for(pilot, lambda: f"f{ids[1]}" not in app.screen.items)
        assert cursor(app) == f"f{ids[2]}"
        assert status(seeded, ids[0]) == "open" and status(seeded, ids[2]) == "open"


async def test_snooze_moves_the_row_to_its_day_and_the_cursor_goes_with_it(
    make_app: Any, seeded: Path
) -> None:
    first = core_groups(seeded)[0][1][0]
    app = make_app()
    async with app.run_test(size=(120, 40)) as pilot:
        await open_agenda(pilot)
        await pilot.press("s")
        await wait_for(pilot, lambda: app.screen.query("#until"))
        app.screen.query_one("#until").value = "fri"
        await pilot.press("enter")
        await wait_for(pilot, lambda: app.current_mode == "agenda" and not app.screen.is_modal)
        [(due,)] = query(seeded, "SELECT due_date FROM followup WHERE id = ?", (first,))
        assert due == "2026-11-27"
        shown = lines(app)
        friday = next(i for i, (_, text) in enumerate(shown) if text.startswith("Friday 27 Nov"))
        assert f"f{first}" in [key for key, _ in shown[friday + 1 : friday + 3]]
        assert cursor(app) == f"f{first}"  # the same record, on its new day
        await pilot.press("space")
        await wait_for(pilot, lambda: status(seeded, first) == "done")


async def test_enter_opens_the_contact_and_l_logs_with_it(make_app: Any, seeded: Path) -> None:
    last = core_groups(seeded)[-1][1][-1]
    [(contact_id,)] = query(seeded, "SELECT contact_id FROM followup WHERE id = ?", (last,))
    app = make_app()
    async with app.run_test(size=(120, 40)) as pilot:
        await open_agenda(pilot)
        await pilot.press("end")
        assert cursor(app) == f"f{last}"
        await pilot.press("l")
        await log_call(pilot, app, "Booked the demo")
        assert last_interaction(seeded) == (contact_id, "Booked the demo")
        assert cursor(app) == f"f{last}"
        await pilot.press("enter")
        await wait_for(pilot, lambda: app.current_mode == "contacts")
        await wait_for(pilot, lambda: app.screen.contact_id == contact_id)


async def test_plus_shows_a_week_more_and_minus_a_week_fewer(
    make_app: Any, seeded: Path, other_shell: Any
) -> None:
    from crmcli.core import clock
    from crmcli.core.activity import followups
    from crmcli.core.values.when import When
    from crmcli.tui.messages import AgendaRefreshed

    day = clock.local_now().date() + timedelta(days=18)
    far = followups.add(other_shell, 1, When(day, None), "Quarterly check-in")
    seen: list[int] = []
    hook = lambda m: seen.append(m.ahead) if isinstance(m, AgendaRefreshed) else None  # noqa: E731
    app = make_app()
    async with app.run_test(size=(120, 40), message_hook=hook) as pilot:
        await open_agenda(pilot)
        assert f"f{far['id']}" not in app.screen.items
        assert "Later · 2  after Tue 8 Dec · +: 7 more days" in [t for _, t in lines(app)]
        await pilot.press("plus")
        await wait_for(pilot, lambda: seen and seen[-1] == 21)
        assert f"f{far['id']}" in app.screen.items
        assert any(t.startswith("Saturday 12 Dec · ") for _, t in lines(app))
        assert any(t.startswith("Later · ") and "after Tue 15 Dec" in t for _, t in lines(app))
        await pilot.press("minus")
        await wait_for(pilot, lambda: seen[-1] == 14)
        assert f"f{far['id']}" not in app.screen.items


async def test_today_says_how_many_are_coming_and_points_to_the_agenda(
    make_app: Any, seeded: Path
) -> None:
    coming = sum(len(ids) for day, ids in core_groups(seeded)[2:])  # after overdue and today
    assert coming == 9
    app = make_app()
    async with app.run_test(size=(120, 40)) as pilot:
        await pilot.press("t")
        await wait_for(pilot, lambda: app.current_mode == "today" and app.screen.items)
        texts = [str(o.prompt) for o in app.screen.query_one(OptionList).options]
        assert "Coming up · 9  in the next 14 days · a: Agenda" in texts
        assert "9 coming" in str(app.screen.query_one("#today-summary").content)
        await pilot.press("a")
        await wait_for(pilot, lambda: app.current_mode == "agenda")


@SIZES
def test_agenda_looks(snap_compare: Any, make_app: Any, size: tuple[int, int]) -> None:
    async def agenda(pilot: Any) -> None:
        await open_agenda(pilot)
        await pilot.press("down", "down")
        await pilot.pause(0.1)

    assert snap_compare(make_app(poll_seconds=60), terminal_size=size, run_before=agenda)
