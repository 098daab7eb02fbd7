"""Forms with Pilot: contact fields that complete, pick lists, every error at once and once,
a new contact from the contacts screen, keys that act on the list, the palette on what is
shown. Each test then reads the database file for the record that changed."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from textual.widgets import Static

from crmcli.tui.widgets.board import Board

from .conftest import notes, query, type_text, wait_for

YSOLDES = ("Ysolde Marchetti", "Ysolde Brannigan")  # two people one REF names


@pytest.fixture
def ysoldes(seeded: Path) -> dict[str, int]:
    """Two contacts whose first name is the same: `ysolde` names both."""
    from crmcli.core.config import load
    from crmcli.core.db.opening import open_store
    from crmcli.core.people import contacts

    store = open_store(str(seeded), load(), write=True)
    try:
        ids = {
            name: int(contacts.add(store, contacts.ContactFields(name=name)).contact["id"])
            for name in YSOLDES
        }
    finally:
        store.close()
    return ids


def shown_errors(screen: Any) -> dict[str, str]:
    """The error lines on show, by field."""
    return {
        (e.id or "").removeprefix("error-"): str(e.content)
        for e in screen.query(".form-error").results(Static)
        if e.display and e.has_class("-shown")
    }


def visible_text(screen: Any) -> str:
    """Every hint and error line a rep can see in the form."""
    return "\n".join(
        str(s.content)
        for s in screen.query(".form-hint, .form-error").results(Static)
        if s.display and (s.has_class("form-hint") or s.has_class("-shown"))
    )


async def open_new_deal(pilot: Any, app: Any, title: str) -> None:
    await pilot.press("n")
    await wait_for(pilot, lambda: app.screen.query("#contact"))
    await type_text(pilot, title)
    await pilot.press("tab")
    assert app.focused.id == "contact"


async def test_new_deal_contact_completes_as_you_type(
    make_app: Any, seeded: Path, ysoldes: dict[str, int]
) -> None:
    app = make_app()
    async with app.run_test(size=(120, 40)) as pilot:
        await open_new_deal(pilot, app, "Completion deal")
        await type_text(pilot, "ysolde")
        field = app.screen.query_one("#contact")
        await wait_for(pilot, lambda: field.is_open and len(field.choices) == 2)
        assert {c.key for c in field.choices} == set(ysoldes.values())
        await pilot.press("down", "down", "enter")  # the second one, taken: no save yet
        picked = field.choices[1]
        assert field.value == picked.text and field.chosen == picked.key
        assert query(seeded, "SELECT count(*) FROM deal WHERE title = 'Completion deal'") == [(0,)]
        await pilot.press("ctrl+s")
        await wait_for(pilot, lambda: isinstance(app.screen.query_one(Board), Board))
        rows = query(seeded, "SELECT contact_id FROM deal WHERE title = 'Completion deal'")
        assert rows == [(picked.key,)]


async def test_a_ref_that_matches_several_offers_a_pick_list(
    make_app: Any, seeded: Path, ysoldes: dict[str, int]
) -> None:
    before = query(seeded, "SELECT count(*) FROM deal")
    app = make_app()
    async with app.run_test(size=(120, 40)) as pilot:
        await open_new_deal(pilot, app, "Pick list deal")
        app.screen.query_one("#contact").value = "Ysolde"  # set whole: no list while typing
        await pilot.press("ctrl+s")
        await pilot.pause()
        screen = app.screen
        errors = shown_errors(screen)
        assert list(errors) == ["contact"]
        assert "pick one" in errors["contact"] and "\n" not in errors["contact"]
        assert "#" not in errors["contact"]  # no wall of candidates in the message
        field = screen.query_one("#contact")
        assert field.has_focus and field.is_open
        assert {c.key for c in field.choices} == set(ysoldes.values())
        assert query(seeded, "SELECT count(*) FROM deal") == before
        await pilot.press("down", "enter")
        await pilot.pause()
        assert shown_errors(screen) == {}  # fixed: the error is gone
        chosen = field.chosen
        await pilot.press("ctrl+s")
        await pilot.pause()
        rows = query(seeded, "SELECT contact_id FROM deal WHERE title = 'Pick list deal'")
        assert rows == [(chosen,)]


async def test_every_error_at_once_each_once_and_gone_when_fixed(
    make_app: Any, seeded: Path
) -> None:
    before = query(seeded, "SELECT count(*) FROM deal")
    app = make_app()
    async with app.run_test(size=(120, 40)) as pilot:
        await pilot.press("n")
        await pilot.pause()
        screen = app.screen
        screen.query_one("#contact").value = "zzqq-nobody-at-all"
        screen.query_one("#currency").value = "EURO"
        screen.query_one("#close").value = "xyzzy"
        screen.query_one("#probability").value = "lots"
        await pilot.pause()
        await pilot.press("ctrl+s")
        await pilot.pause()
        errors = shown_errors(screen)
        assert set(errors) == {"title", "contact", "currency", "close", "probability"}
        text = visible_text(screen)
        for message in errors.values():
            assert text.count(message) == 1, message  # not under the field twice
        assert app.focused.id == "title"  # the first field in error
        assert query(seeded, "SELECT count(*) FROM deal") == before
        screen.query_one("#probability").value = "40"
        await pilot.pause()
        assert set(shown_errors(screen)) == {"title", "contact", "currency", "close"}
        screen.query_one("#close").value = "fri"
        await pilot.pause()
        assert "close" not in shown_errors(screen)
        assert "→ Fri 27 Nov 2026" in str(screen.query_one("#hint-close").content)
        assert screen.query_one("#hint-close").display


async def test_lost_dialog_error_names_no_cli_flag(make_app: Any, seeded: Path) -> None:
    app = make_app()
    async with app.run_test(size=(120, 40)) as pilot:
        card = app.screen.query_one(Board).current
        await pilot.press("x")
        await pilot.pause()
        await pilot.press("enter")
        await pilot.pause()
        errors = shown_errors(app.screen)
        assert list(errors) == ["reason"]
        assert "why it was lost" in errors["reason"] and "--" not in errors["reason"]
        [(status,)] = query(seeded, "SELECT status FROM deal WHERE id = ?", (card["id"],))
        assert status == "open"


async def test_new_contact_from_the_contacts_screen(make_app: Any, seeded: Path) -> None:
    [(company,)] = query(
        seeded, "SELECT name FROM company WHERE archived_at IS NULL ORDER BY id LIMIT 1"
    )
    app = make_app()
    async with app.run_test(size=(120, 40)) as pilot:
        await pilot.press("c")
        await pilot.pause()
        await pilot.press("n")
        await wait_for(pilot, lambda: app.screen.query("#emails"))
        assert app.focused.id == "name"
        await type_text(pilot, "Odile Quenneville")
        await pilot.press("tab", "tab")  # title, company
        await type_text(pilot, company[:4])
        field = app.screen.query_one("#company")
        await wait_for(pilot, lambda: field.is_open)
        await pilot.press("down", "tab")  # take the first company, on to emails
        assert field.value == field.choices[0].text
        await type_text(pilot, "odile@quenneville.example")
        app.screen.query_one("#tags").value = "vip, golf"
        await pilot.press("ctrl+s")
        await pilot.pause()
        rows = query(
            seeded,
            "SELECT c.id, co.name, e.email FROM contact c JOIN company co ON co.id = c.company_id "
            "JOIN contact_email e ON e.contact_id = c.id WHERE c.display_name = ?",
            ("Odile Quenneville",),
        )
        assert [r[1:] for r in rows] == [(field.choices[0].text, "odile@quenneville.example")]
        new_id = rows[0][0]
        tags = query(
            seeded, "SELECT tag FROM contact_tag WHERE contact_id = ? ORDER BY tag", (new_id,)
        )
        assert tags == [("golf",), ("vip",)]
        await wait_for(pilot, lambda: app.screen.contact_id == new_id)  # shown at once
        assert any("Added Odile Quenneville" in n for n in notes(app))


async def test_contact_form_refuses_every_bad_field_at_once(make_app: Any, seeded: Path) -> None:
    before = query(seeded, "SELECT count(*) FROM contact")
    app = make_app()
    async with app.run_test(size=(120, 40)) as pilot:
        await pilot.press("c")
        await pilot.pause()
        await pilot.press("n")
        await pilot.pause()
        screen = app.screen
        screen.query_one("#emails").value = "not-an-email"
        screen.query_one("#cadence").value = "every so often"
        screen.query_one("#tags").value = "ok, !!!"
        await pilot.press("ctrl+s")
        await pilot.pause()
        assert set(shown_errors(screen)) == {"name", "emails", "cadence", "tags"}
        assert query(seeded, "SELECT count(*) FROM contact") == before
        screen.query_one("#name").value = "Fixed Name"
        await pilot.pause()
        assert set(shown_errors(screen)) == {"emails", "cadence", "tags"}


async def test_keys_act_on_the_list_and_typing_goes_to_search(make_app: Any, seeded: Path) -> None:
    from crmcli.tui.modals.log_form import LogForm

    app = make_app()
    async with app.run_test(size=(120, 40)) as pilot:
        await pilot.press("c")
        await pilot.pause()
        screen = app.screen
        box = screen.query_one("#search")
        await pilot.press("l")  # the list has the focus: l logs, it types nothing
        await wait_for(pilot, lambda: isinstance(app.screen, LogForm))
        assert box.value == ""
        assert app.screen.query_one("#contact").chosen == screen.contact_id
        await pilot.press("escape")
        await pilot.pause()
        await pilot.press("slash")  # the search box: now every key types
        await type_text(pilot, "lo")
        assert box.value == "lo" and box.has_focus
        await pilot.press("escape")  # back to the list, where l logs again
        assert screen.listing.has_focus
        await pilot.press("l")
        await wait_for(pilot, lambda: isinstance(app.screen, LogForm))
        await pilot.press("escape")
        await pilot.pause()
        await pilot.press("Z")  # a letter that is no key starts a search with it
        assert box.has_focus and box.value == "loZ"


async def test_palette_log_on_the_pipeline_logs_with_the_card_contact(
    make_app: Any, seeded: Path
) -> None:
    from crmcli.tui.modals.log_form import LogForm

    app = make_app()
    async with app.run_test(size=(120, 40)) as pilot:
        card = app.screen.query_one(Board).current
        assert card["contact_id"] is not None
        await pilot.press("ctrl+p")
        await pilot.pause()
        await type_text(pilot, "log an interaction")
        await pilot.pause(0.3)
        await pilot.press("enter")
        await wait_for(pilot, lambda: isinstance(app.screen, LogForm))
        assert not any("No contact" in n for n in notes(app))
        form = app.screen
        assert form.query_one("#contact").chosen == card["contact_id"]
        assert app.focused.id == "summary"
        await type_text(pilot, "Palette call")
        await pilot.press("ctrl+s")
        await pilot.pause()
        rows = query(
            seeded, "SELECT contact_id FROM interaction WHERE summary = ?", ("Palette call",)
        )
        assert rows == [(card["contact_id"],)]
        assert app.current_mode == "pipeline"  # it stayed where the rep was


async def test_log_form_contact_can_be_changed_by_picking(
    make_app: Any, seeded: Path, ysoldes: dict[str, int]
) -> None:
    app = make_app()
    async with app.run_test(size=(120, 40)) as pilot:
        await pilot.press("c")
        await pilot.pause()
        await pilot.press("l")
        await pilot.pause()
        field = app.screen.query_one("#contact")
        field.focus()
        await pilot.pause()
        field.value = ""
        await type_text(pilot, "brannig")
        await wait_for(pilot, lambda: field.is_open)
        await pilot.press("down", "tab")  # take it, on to the next field
        assert field.chosen == ysoldes["Ysolde Brannigan"]
        app.screen.query_one("#summary").value = "Picked call"
        await pilot.press("ctrl+s")
        await pilot.pause()
        rows = query(
            seeded, "SELECT contact_id FROM interaction WHERE summary = ?", ("Picked call",)
        )
        assert rows == [(ysoldes["Ysolde Brannigan"],)]


def test_keys_list_shows_the_new_keys() -> None:
    from crmcli.tui.app import CrmApp
    from crmcli.tui.keymap import sections

    listed = {
        name: dict((what, keys) for keys, what in rows) for name, rows in sections(CrmApp.BINDINGS)
    }
    assert listed["Contacts"]["New"] == "n" and listed["Contacts"]["Edit"] == "e"
    deal = listed["Deal"]
    for what in ("Log", "Follow-up", "◀ Stage", "Stage ▶", "Won", "Lost", "Edit"):
        assert what in deal, what
    assert "]" in deal["Stage ▶"] and "[" in deal["◀ Stage"]


def test_the_core_choices_the_fields_list(seeded: Path, ysoldes: dict[str, int]) -> None:
    """What the completing fields read (core/search/complete.py), on the real file."""
    from crmcli.core.config import load
    from crmcli.core.db.opening import open_store
    from crmcli.core.people import companies
    from crmcli.core.search.complete import company_choices, contact_choices

    store = open_store(str(seeded), load(), write=True)
    try:
        companies.add(store, "Zorblax Industries SAS")
        companies.add(store, "Groupe Zorblax")
        companies.add(store, "Zor%ak")
        assert {c["id"] for c in contact_choices(store, "ysolde")} == set(ysoldes.values())
        assert contact_choices(store, "   ") == [] and contact_choices(store, "!!!") == []
        names = [c["name"] for c in company_choices(store, "zorbl")]
        assert names == ["Zorblax Industries SAS", "Groupe Zorblax"]  # name start first
        assert [c["name"] for c in company_choices(store, "industr")] == ["Zorblax Industries SAS"]
        # Punctuation is no wildcard: "zor%" and "zor_" read as "zor".
        assert company_choices(store, "zor%") == company_choices(store, "zor_")
        assert len(company_choices(store, "zor_")) == 3
    finally:
        store.close()
