"""The contact pane's Relations section with Pilot: both directions, hidden when empty."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from .conftest import query, wait_for
from .test_contacts_today import open_contact


def relate(db: Path, a: int, kind: str, b: int) -> None:
    from crmcli.core.config import load
    from crmcli.core.db.opening import open_store
    from crmcli.core.people import relations

    store = open_store(str(db), load(), write=True)
    try:
        relations.relate(store, a, kind, b)
    finally:
        store.close()


async def test_relations_show_both_ways_with_refs(make_app: Any, seeded: Path) -> None:
    (a, a_name), (b, b_name), (c, c_name) = query(
        seeded,
        "SELECT id, display_name FROM contact WHERE archived_at IS NULL ORDER BY id LIMIT 3",
    )
    relate(seeded, a, "reports to", b)
    relate(seeded, c, "referred by", b)
    app = make_app()
    async with app.run_test(size=(120, 40)) as pilot:
        await open_contact(pilot, app, b_name)
        assert app.screen.contact_id == b
        box = app.screen.query_one("#contact-relations")
        assert box.display
        lines = str(box.content).splitlines()
        assert lines[1] == "[b $text-accent]Relations[/]"
        assert f"{a_name}  [dim]direct report[/dim]  [dim]#{a}[/dim]" in lines
        assert f"{c_name}  [dim]referral[/dim]  [dim]#{c}[/dim]" in lines
        app.screen.select_contact(a)  # as another screen opens one
        shown = f"{b_name}  [dim]manager[/dim]  [dim]#{b}[/dim]"
        await wait_for(pilot, lambda: shown in str(box.content))
        assert f"{a_name}[/]  [dim]#{a}[/dim]" in str(
            app.screen.query_one("#contact-details").content
        )


async def test_no_relations_no_section(make_app: Any, seeded: Path) -> None:
    [(cid, name)] = query(seeded, "SELECT id, display_name FROM contact ORDER BY id LIMIT 1")
    app = make_app()
    async with app.run_test(size=(120, 40)) as pilot:
        await open_contact(pilot, app, name)
        assert app.screen.contact_id == cid
        assert not app.screen.query_one("#contact-relations").display
