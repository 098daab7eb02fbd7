"""Marking contacts on the contacts screen and tagging, untagging or archiving them at once.

Each bulk action is checked in the database file itself: exactly the marked contacts
changed, in one change-log batch, and one `u` restores them all.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from crmcli.core.query import views

from .conftest import notes, query, type_text, wait_for


def shown(app: Any) -> list[int]:
    return [int(r["id"]) for r in app.screen.rows]


def tagged(db: Path, tag: str) -> set[int]:
    return {
        int(r[0]) for r in query(db, "SELECT contact_id FROM contact_tag WHERE tag = ?", (tag,))
    }


def archived(db: Path) -> set[int]:
    return {int(r[0]) for r in query(db, "SELECT id FROM contact WHERE archived_at IS NOT NULL")}


def batches(db: Path) -> list[tuple[str, int]]:
    """The standing change-log batches: (command, changes), oldest first."""
    return [
        (str(r[0]), int(r[1]))
        for r in query(
            db,
            "SELECT min(command), count(*) FROM change_log WHERE undone_at IS NULL "
            "GROUP BY batch ORDER BY min(id)",
        )
    ]


async def contacts(pilot: Any) -> Any:
    app = pilot.app
    await pilot.press("c")
    await wait_for(pilot, lambda: app.current_mode == "contacts" and app.screen.rows)
    await pilot.pause(0.1)
    return app.screen


async def tag_form(pilot: Any, key: str, tag: str) -> None:
    """Press the tag (+) or untag (-) key, type the tag in the form, and save."""
    app = pilot.app
    await pilot.press(key)
    await wait_for(pilot, lambda: app.screen.query("#tag"))
    await type_text(pilot, tag)
    await pilot.press("enter")
    await wait_for(pilot, lambda: not app.screen.query("#tag"))


@pytest.mark.parametrize("size", [(120, 40), (80, 24)], ids=["120x40", "80x24"])
async def test_space_marks_and_tag_tags_exactly_the_marked(
    make_app: Any, seeded: Path, size: tuple[int, int]
) -> None:
    app = make_app(poll_seconds=60)
    before = batches(seeded)
    async with app.run_test(size=size) as pilot:
        screen = await contacts(pilot)
        rows = shown(app)
        await pilot.press("space")  # marks the first, goes down
        assert screen.marked == {rows[0]}
        assert screen.contact_in_view()[0] == rows[1]
        await pilot.press("down", "space")  # the third
        await pilot.press("space", "up", "space")  # the fourth marked, then unmarked again
        assert screen.marked == {rows[0], rows[2]}
        assert "2 marked" in str(screen.query_one("#contacts-status").content)
        await tag_form(pilot, "plus", "Q4 push")
        assert tagged(seeded, "Q4 push") == {rows[0], rows[2]}
        assert screen.marked == set()  # done: the marks go
        assert batches(seeded) == [*before, ("contact tag Q4 push", 4)]  # 2 tags, 2 versions
        assert "Tagged 2 contacts Q4 push" in notes(app)
        await pilot.press("u")
        await wait_for(pilot, lambda: not tagged(seeded, "Q4 push"))
        assert batches(seeded) == before


async def test_with_nothing_marked_a_key_acts_on_the_row_under_the_cursor(
    make_app: Any, seeded: Path
) -> None:
    app = make_app(poll_seconds=60)
    async with app.run_test(size=(120, 40)) as pilot:
        screen = await contacts(pilot)
        await pilot.press("down", "down", "down")
        await pilot.pause(0.1)
        under = shown(app)[3]
        assert screen.contact_in_view()[0] == under
        await tag_form(pilot, "plus", "solo")
        assert tagged(seeded, "solo") == {under}
        await pilot.press("x")
        await wait_for(pilot, lambda: archived(seeded))
        assert archived(seeded) == {under}
        await wait_for(pilot, lambda: under not in shown(app))
        await pilot.press("u")
        await wait_for(pilot, lambda: not archived(seeded))
        assert tagged(seeded, "solo") == {under}  # one u, one action back


async def test_mark_all_over_a_view_then_untag_and_archive(
    make_app: Any, seeded: Path, other_shell: Any
) -> None:
    views.save(other_shell, "vip", "tag:vip")
    app = make_app(poll_seconds=60)
    async with app.run_test(size=(120, 40)) as pilot:
        screen = await contacts(pilot)
        await pilot.press("1")
        await wait_for(pilot, lambda: screen.view == "vip")
        vips = set(shown(app))
        assert vips == tagged(seeded, "vip") and len(vips) == 7
        await pilot.press("asterisk")
        assert screen.marked == vips
        await pilot.press("asterisk")  # all marked already: none
        assert screen.marked == set()
        await pilot.press("asterisk")
        await pilot.press("x")
        await wait_for(pilot, lambda: archived(seeded))
        assert archived(seeded) == vips
        assert "Archived 7 contacts (u to undo)" in notes(app)
        await wait_for(pilot, lambda: not screen.rows)  # the view lists live contacts
        await pilot.press("u")
        await wait_for(pilot, lambda: set(shown(app)) == vips)
        assert archived(seeded) == set()
        await pilot.press("asterisk")
        await tag_form(pilot, "minus", "VIP")  # case ignored, as the filter ignores it
        assert tagged(seeded, "vip") == set()
        await wait_for(pilot, lambda: not screen.rows)
        await pilot.press("u")
        await wait_for(pilot, lambda: tagged(seeded, "vip") == vips)


async def test_escape_unmarks_and_a_changed_list_drops_marks_it_no_longer_shows(
    make_app: Any, seeded: Path
) -> None:
    app = make_app(poll_seconds=60)
    async with app.run_test(size=(120, 40)) as pilot:
        screen = await contacts(pilot)
        await pilot.press("space", "space")
        assert len(screen.marked) == 2
        await pilot.press("escape")
        assert screen.marked == set()
        await pilot.press("space")
        marked = set(screen.marked)
        await pilot.press("w")
        await type_text(pilot, "status:customer")
        await pilot.press("enter")
        await wait_for(pilot, lambda: screen.filter_text == "status:customer")
        assert screen.marked == marked & set(shown(app))


async def test_an_empty_tag_is_refused_in_the_form(make_app: Any, seeded: Path) -> None:
    app = make_app(poll_seconds=60)
    before = batches(seeded)
    async with app.run_test(size=(120, 40)) as pilot:
        await contacts(pilot)
        await pilot.press("space", "plus")
        await wait_for(pilot, lambda: app.screen.query("#tag"))
        await type_text(pilot, " !! ")
        await pilot.press("enter")
        error = app.screen.query_one("#error-tag")
        await wait_for(pilot, lambda: "punctuation-only tag" in str(error.content))
        await pilot.press("escape")
    assert batches(seeded) == before
