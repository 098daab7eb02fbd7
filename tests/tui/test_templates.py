"""The template picker with Pilot: `m` on a deal, the palette on a contact; the draft is
written for the record under the cursor, previewed first, and refused when it cannot be."""

from __future__ import annotations

from email import policy
from email.parser import BytesParser
from pathlib import Path
from typing import Any

import pytest

from crmcli.tui.modals.template_pick import TemplatePick
from crmcli.tui.screens.contacts import ContactsScreen
from crmcli.tui.screens.deal import DealScreen

from .conftest import notes, query, type_text, wait_for
from .test_deal_screen import open_a_deal


@pytest.fixture
def templates_ready(seeded: Path, tmp_path: Path) -> Path:
    """Sender settings and two templates in the seeded book; returns the drafts folder."""
    from crmcli.core.config import load, set_value
    from crmcli.core.db.opening import open_store
    from crmcli.core.messages import templates

    set_value("me_name", "Zoë Martin")
    set_value("me_email", "zoe@exemple.fr")
    store = open_store(str(seeded), load(), write=True)
    templates.add(
        store, "merci", "Merci {first_name} — à bientôt", "Bonjour {first_name},\n\nMerci."
    )
    templates.add(store, "devis", "Devis : {deal.title}", "Le devis pour {deal.title}.")
    store.close()
    return tmp_path / "xdg-data" / "crmcli" / "drafts"


def a_reachable_contact(db: Path) -> tuple[int, str, str]:
    """A contact with a primary address who may be contacted: (id, name, address)."""
    [row] = query(
        db,
        "SELECT c.id, c.display_name, e.email FROM contact c JOIN contact_email e "
        "ON e.contact_id = c.id AND e.is_primary WHERE NOT c.do_not_contact "
        "AND c.archived_at IS NULL ORDER BY c.id LIMIT 1",
    )
    return int(row[0]), str(row[1]), str(row[2])


def drafted(folder: Path) -> Any:
    [path] = list(folder.glob("*.eml"))
    return BytesParser(policy=policy.default).parsebytes(path.read_bytes())


async def test_m_on_a_deal_drafts_to_its_contact_about_it(
    make_app: Any, seeded: Path, templates_ready: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("EDITOR", raising=False)
    monkeypatch.delenv("VISUAL", raising=False)
    app = make_app()
    async with app.run_test(size=(120, 40)) as pilot:
        card = await open_a_deal(pilot, app)
        [(name, dnc)] = query(
            seeded,
            "SELECT display_name, do_not_contact FROM contact WHERE id = ?",
            (card["contact_id"],),
        )
        address = query(
            seeded,
            "SELECT email FROM contact_email WHERE contact_id = ? ORDER BY is_primary DESC, "
            "position, id LIMIT 1",
            (card["contact_id"],),
        )
        await pilot.press("m")
        picker = await wait_for(pilot, lambda: isinstance(app.screen, TemplatePick) and app.screen)
        assert picker.contact_id == card["contact_id"] and picker.deal_id == card["id"]
        await pilot.press("down")  # "merci" is first by name after "devis"
        await pilot.press("up")  # back on "devis"
        await pilot.pause()
        preview = str(picker.query_one("#pick-preview").content)
        assert not dnc and address, "the seeded board's first deal has a reachable contact"
        assert f"Devis : {card['title']}" in preview and address[0][0] in preview
        await pilot.press("enter")
        await wait_for(pilot, lambda: isinstance(app.screen, DealScreen))
        message = drafted(templates_ready)
        assert message["To"].addresses[0].display_name == name
        assert message["To"].addresses[0].addr_spec == address[0][0]
        assert message["Subject"] == f"Devis : {card['title']}"
        assert any("Draft saved in" in n and "neomutt -H" in n for n in notes(app))


async def test_the_palette_on_contacts_drafts_to_the_highlighted_contact(
    make_app: Any, seeded: Path, templates_ready: Path
) -> None:
    contact_id, name, address = a_reachable_contact(seeded)
    app = make_app()
    async with app.run_test(size=(120, 40)) as pilot:
        await app.show_contact(contact_id)
        await wait_for(pilot, lambda: isinstance(app.screen, ContactsScreen))
        await wait_for(pilot, lambda: app.screen.contact_in_view() is not None)
        assert app.screen.contact_in_view()[0] == contact_id
        await pilot.press("ctrl+p")
        await pilot.pause()
        await type_text(pilot, "mail from a template")
        await pilot.pause(0.3)
        await pilot.press("enter")
        picker = await wait_for(pilot, lambda: isinstance(app.screen, TemplatePick) and app.screen)
        assert picker.contact_id == contact_id and picker.deal_id is None
        await pilot.pause()
        # "devis" is highlighted first, and needs a deal: the preview says why, no file.
        assert "cannot draft" in str(picker.query_one("#pick-preview").content)
        await pilot.press("enter")
        await pilot.pause()
        assert not templates_ready.exists() or not list(templates_ready.glob("*.eml"))
        assert isinstance(app.screen, TemplatePick)
        await pilot.press("down")
        await pilot.pause()
        assert "Merci" in str(picker.query_one("#pick-preview").content)
        await pilot.press("enter")
        await wait_for(pilot, lambda: isinstance(app.screen, ContactsScreen))
        message = drafted(templates_ready)
        assert message["To"].addresses[0].addr_spec == address
        assert message["To"].addresses[0].display_name == name
        assert message.get_content().startswith("Bonjour ")


@pytest.mark.skipif(
    not hasattr(ContactsScreen, "action_mail"),
    reason="needs the m binding in contacts.py (requests_H4.md)",
)
async def test_contacts_m_key_opens_the_picker(
    make_app: Any, seeded: Path, templates_ready: Path
) -> None:
    contact_id, _, _ = a_reachable_contact(seeded)
    app = make_app()
    async with app.run_test(size=(120, 40)) as pilot:
        await app.show_contact(contact_id)
        await wait_for(pilot, lambda: app.screen.contact_in_view() is not None)
        await pilot.press("m")
        picker = await wait_for(pilot, lambda: isinstance(app.screen, TemplatePick) and app.screen)
        assert picker.contact_id == contact_id
        await pilot.press("escape")
        await wait_for(pilot, lambda: isinstance(app.screen, ContactsScreen))


async def test_no_templates_says_how_to_add_one(make_app: Any, seeded: Path) -> None:
    app = make_app()
    async with app.run_test(size=(120, 40)) as pilot:
        await open_a_deal(pilot, app)
        await pilot.press("m")
        picker = await wait_for(pilot, lambda: isinstance(app.screen, TemplatePick) and app.screen)
        await pilot.pause()
        assert "crm template add" in str(picker.query_one("#pick-preview").content)
        await pilot.press("enter")  # nothing to draft: nothing happens
        await pilot.press("escape")
        await wait_for(pilot, lambda: isinstance(app.screen, DealScreen))


async def test_m_on_the_board_drafts_about_the_selected_card(
    make_app: Any, seeded: Path, templates_ready: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from crmcli.tui.screens.pipeline import PipelineScreen
    from crmcli.tui.widgets.board import Board

    monkeypatch.delenv("EDITOR", raising=False)
    monkeypatch.delenv("VISUAL", raising=False)
    app = make_app()
    async with app.run_test(size=(120, 40)) as pilot:
        await wait_for(pilot, lambda: isinstance(app.screen, PipelineScreen))
        board = app.screen.query_one(Board)
        await pilot.press("right")  # not the first card: the key must follow the cursor
        await pilot.press("down")
        await pilot.pause()
        card = dict(board.current)
        assert card["contact_id"] is not None
        await pilot.press("m")
        picker = await wait_for(pilot, lambda: isinstance(app.screen, TemplatePick) and app.screen)
        assert picker.contact_id == card["contact_id"] and picker.deal_id == card["id"]
