"""What the main screens look like, at 80x24 and 120x40, on seeded data and a fixed clock.

Update with `pytest tests/tui/test_snapshots.py --snapshot-update`, then look at the SVGs
in `__snapshots__/` before keeping them. Beside them, a test that reads the contact pane's
layout as text, which a snapshot would only show.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from .conftest import query, type_text, wait_for

SIZES = pytest.mark.parametrize("size", [(80, 24), (120, 40)], ids=["80x24", "120x40"])


@SIZES
def test_pipeline(snap_compare: Any, make_app: Any, size: tuple[int, int]) -> None:
    assert snap_compare(make_app(poll_seconds=60), terminal_size=size)


@SIZES
def test_pipeline_at_the_last_stage(
    snap_compare: Any, make_app: Any, size: tuple[int, int]
) -> None:
    """At 80x24 the board has scrolled to the last stage; the strip names the two before."""
    assert snap_compare(
        make_app(poll_seconds=60), terminal_size=size, press=["right", "right", "right", "right"]
    )


def add_wide_contact(store: Any) -> None:
    """A contact named in Japanese, with values too long for the pane at 80 columns."""
    from crmcli.core.activity import interactions
    from crmcli.core.people import contacts

    fields = contacts.ContactFields(
        name="山田太郎",
        company="株式会社サンプル商事",
        title="Head of International Procurement",
        emails=["taro.yamada@example-corporation.co.jp", "t.yamada@personal-mail.example"],
        phones=["+81 3-1234-5678", "+81 90-1234-5678"],
        tags=["vip", "japan"],
        notes="Met at the Osaka trade fair; wants a quote for the full suite before March.",
    )
    person = contacts.add(store, fields).contact
    summary = "Long call about the roll-out across the Kansai offices and pricing for 200 seats"
    interactions.log(store, int(person["id"]), interactions.Kind.call, summary)


async def show_wide_contact(pilot: Any) -> None:
    app = pilot.app
    await pilot.press("c")
    await wait_for(pilot, lambda: app.current_mode == "contacts" and app.screen.rows)
    await type_text(pilot, "山田")
    await wait_for(pilot, lambda: app.screen.query_text == "山田" and app.screen.rows)
    await pilot.pause(0.2)
    await pilot.press("enter")


@SIZES
def test_contacts_wide_names(
    snap_compare: Any, make_app: Any, other_shell: Any, size: tuple[int, int]
) -> None:
    """Every value of the contact starts in its column, beside its label."""
    add_wide_contact(other_shell)
    app = make_app(poll_seconds=60)
    assert snap_compare(app, terminal_size=size, run_before=show_wide_contact)


async def test_80x24_contact_pane_keeps_values_beside_their_labels(
    make_app: Any, other_shell: Any
) -> None:
    """Long values never wrap back under the labels (`Email` alone, the address below it)."""
    add_wide_contact(other_shell)
    app = make_app()
    async with app.run_test(size=(80, 24)) as pilot:
        await show_wide_contact(pilot)
        lines = [strip.text for strip in app.screen._compositor.render_strips()]
        pane = [line.split("▕", 1)[1][1:] for line in lines[1:-1] if "▕" in line]
        known = {"Company", "Title", "Email", "Phone", "Tags", "Status", "Last", "Notes"}
        labels = {
            line.split()[0]: line for line in pane if line.strip() and line.split()[0] in known
        }
        value = {label: line.removeprefix(label).strip() for label, line in labels.items()}
        assert value["Email"].startswith("taro.yamada@")  # not "Email" alone on its line
        assert value["Title"].startswith("Head of")
        assert value["Phone"].startswith("+81 3-1234-5678")
        headings = {"山田太郎", "Deals", "none", "Timeline", "nothing"}
        for line in pane:  # any other line is blank, a heading, a date, or indented
            first = line.split()[0] if line.strip() else ""
            assert first in known | headings or line[:1] in ("", " ", "2"), line


@SIZES
@pytest.mark.slow
def test_contacts(snap_compare: Any, make_app: Any, seeded: Path, size: tuple[int, int]) -> None:
    [(name,)] = query(seeded, "SELECT display_name FROM contact ORDER BY id LIMIT 1")
    last = name.split()[-1]

    async def search(pilot: Any) -> None:
        app = pilot.app
        await pilot.press("c")
        await wait_for(pilot, lambda: app.current_mode == "contacts" and app.screen.rows)
        await type_text(pilot, last)
        await wait_for(pilot, lambda: app.screen.query_text == last and app.screen.rows)
        await pilot.pause(0.2)
        await pilot.press("enter")  # to the list: no blinking cursor in the picture

    assert snap_compare(make_app(poll_seconds=60), terminal_size=size, run_before=search)


@SIZES
def test_today(snap_compare: Any, make_app: Any, size: tuple[int, int]) -> None:
    async def today(pilot: Any) -> None:
        await pilot.press("t")
        await wait_for(pilot, lambda: pilot.app.current_mode == "today")
        await pilot.pause(0.1)

    assert snap_compare(make_app(poll_seconds=60), terminal_size=size, run_before=today)
