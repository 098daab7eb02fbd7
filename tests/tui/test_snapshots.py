"""What the three main screens look like, at 80x24 and 120x40, on seeded data and a fixed clock.

Update with `pytest tests/tui/test_snapshots.py --snapshot-update`, then look at the SVGs
in `__snapshots__/` before keeping them.
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
