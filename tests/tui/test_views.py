"""The contacts screen's filter box and saved views, with Pilot; the lists checked against the core.

The views are saved from "another shell" (the core, on its own connection), as
`crm view save` would; what the screen lists is compared with what
`crm contact list --where` lists on the same database.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from crmcli.core.people import directory
from crmcli.core.query import views

from .conftest import type_text, wait_for


def listed(store: Any, query: str, limit: int = 500) -> list[int]:
    """The ids `crm contact list --where QUERY` lists, in its order."""
    where = views.where(store, "contacts", query=query)
    return [int(r["id"]) for r in directory.list_contacts(store, where=where, limit=limit)]


def shown(app: Any) -> list[int]:
    return [int(r["id"]) for r in app.screen.rows]


def text_of(app: Any, selector: str) -> str:
    """A line's text as read on screen (its markup applied)."""
    from textual.content import Content

    return Content.from_markup(str(app.screen.query_one(selector).content)).plain


async def contacts(pilot: Any) -> Any:
    app = pilot.app
    await pilot.press("c")
    await wait_for(pilot, lambda: app.current_mode == "contacts" and app.screen.rows)
    return app.screen


async def test_views_are_listed_and_switched_with_one_key(make_app: Any, other_shell: Any) -> None:
    views.save(other_shell, "VIPs", "tag:vip")
    views.save(other_shell, "customers", "status:customer -tag:vip")
    views.save(other_shell, "big deals", "amount:>10k", "deals")  # another list: not offered
    app = make_app(poll_seconds=60)
    async with app.run_test(size=(120, 40)) as pilot:
        screen = await contacts(pilot)
        unfiltered = shown(app)
        strip = text_of(app, "#contacts-views")
        assert strip == "views: 1 customers · 2 VIPs · 0 all"
        await pilot.press("2")
        await wait_for(pilot, lambda: screen.view == "VIPs")
        assert shown(app) == listed(other_shell, "tag:vip") and len(shown(app)) == 7
        assert text_of(app, "#contacts-status") == "7 match view VIPs"
        assert screen.query_one("#filter").value == "tag:vip"  # the query, to refine
        await pilot.press("1")
        await wait_for(pilot, lambda: screen.view == "customers")
        assert shown(app) == listed(other_shell, "status:customer -tag:vip")
        await pilot.press("0")
        await wait_for(pilot, lambda: screen.view is None and screen.filter_text == "")
        assert shown(app) == unfiltered
        await pilot.press("5")  # no fifth view: a digit typed on the list starts a search
        await wait_for(pilot, lambda: screen.query_text == "5")


async def test_a_view_saved_or_removed_elsewhere_shows_after_a_reload(
    make_app: Any, other_shell: Any
) -> None:
    app = make_app(poll_seconds=0.05)
    async with app.run_test(size=(120, 40)) as pilot:
        screen = await contacts(pilot)
        assert not screen.query_one("#contacts-views").display  # no views: no strip
        views.save(other_shell, "vip", "tag:vip")
        await wait_for(pilot, lambda: screen.views)
        assert text_of(app, "#contacts-views") == "views: 1 vip · 0 all"
        await pilot.press("1")
        await wait_for(pilot, lambda: screen.view == "vip")
        views.remove(other_shell, "vip")
        await wait_for(pilot, lambda: not screen.views)
        # What it filtered stays on screen, now as a plain filter.
        assert screen.view is None and screen.filter_text == "tag:vip"
        assert shown(app) == listed(other_shell, "tag:vip")


async def test_the_filter_box_takes_the_filter_language(make_app: Any, other_shell: Any) -> None:
    app = make_app(poll_seconds=60)
    async with app.run_test(size=(120, 40)) as pilot:
        screen = await contacts(pilot)
        await pilot.press("w")
        assert screen.query_one("#filter").has_focus
        await type_text(pilot, "status:lead -tag:vip")
        await pilot.press("enter")
        await wait_for(pilot, lambda: screen.filter_text == "status:lead -tag:vip")
        assert shown(app) == listed(other_shell, "status:lead -tag:vip")
        assert screen.listing.has_focus
        # The search box narrows the filtered list by the words typed.
        first = app.screen.rows[0]["name"].split()[-1]
        await pilot.press("slash")
        await type_text(pilot, first)
        narrowed = listed(other_shell, f'status:lead -tag:vip "{first}"')
        await wait_for(pilot, lambda: shown(app) == narrowed)
        assert f"and {first!r}" in text_of(app, "#contacts-status")


async def test_a_filter_that_cannot_be_read_is_shown_with_its_column(
    make_app: Any, other_shell: Any
) -> None:
    app = make_app(poll_seconds=60)
    async with app.run_test(size=(120, 40)) as pilot:
        screen = await contacts(pilot)
        before = shown(app)
        await pilot.press("w")
        await type_text(pilot, "tag:vip (status:lead")
        await pilot.press("enter")
        error = screen.query_one("#filter-error")
        await wait_for(pilot, lambda: error.display)
        assert str(error.content) == (
            "cannot read the filter at column 21: expected ')' to close the '(' at column 9"
        )
        caret = screen.query_one("#filter-caret")
        assert str(caret.content).splitlines() == [
            " tag:vip (status:lead",
            "                     ^",
        ]
        assert shown(app) == before and screen.filter_text == ""  # nothing else changed
        assert screen.query_one("#filter").has_focus  # to be fixed where it was typed
        await pilot.press("ctrl+u")  # the box emptied (to its start)
        await type_text(pilot, "deal.amount:>lots")
        await pilot.press("enter")
        await wait_for(pilot, lambda: "deal.amount: takes an amount" in str(error.content))
        await pilot.press("ctrl+u")
        await type_text(pilot, "tag:vip")
        await pilot.press("enter")
        await wait_for(pilot, lambda: screen.filter_text == "tag:vip")
        assert not error.display and not caret.display
        assert shown(app) == listed(other_shell, "tag:vip")


async def test_views_are_in_the_command_palette(make_app: Any, other_shell: Any) -> None:
    views.save(other_shell, "the newsletter crowd", "tag:newsletter")
    app = make_app(poll_seconds=60)
    async with app.run_test(size=(120, 40)) as pilot:
        screen = await contacts(pilot)
        await pilot.press("ctrl+p")
        await type_text(pilot, "newsletter crowd")
        await pilot.pause(0.3)
        await pilot.press("enter")
        await wait_for(pilot, lambda: screen.view == "the newsletter crowd")
        assert shown(app) == listed(other_shell, "tag:newsletter") and len(shown(app)) == 4


async def test_at_80x24_a_view_lists_and_acts_on_the_row_under_the_cursor(
    make_app: Any, other_shell: Any, seeded: Path
) -> None:
    views.save(other_shell, "vip", "tag:vip")
    app = make_app(poll_seconds=60)
    async with app.run_test(size=(80, 24)) as pilot:
        screen = await contacts(pilot)
        await pilot.press("1")
        await wait_for(pilot, lambda: screen.view == "vip")
        await pilot.press("down", "down")
        await pilot.pause(0.1)
        third = shown(app)[2]
        assert screen.contact_in_view()[0] == third
        await wait_for(pilot, lambda: screen.contact_id == third)  # the pane follows
