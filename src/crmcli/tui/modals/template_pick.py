"""`m` on a contact or a deal: pick a template, see it rendered, and get it as a mail draft.

Enter writes the draft (`crm mail draft`'s very message) to a file in the drafts
folder and opens it in $EDITOR, the interface suspended meanwhile; where the terminal
cannot be handed over, the file's path and how to open it are shown instead. Sending
stays with the rep's mail client or `crm mail draft --send`, which logs it.
"""

from __future__ import annotations

import os
import shlex
from pathlib import Path
from typing import TYPE_CHECKING, Any, ClassVar

from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Vertical
from textual.content import Content
from textual.screen import ModalScreen, Screen
from textual.widgets import OptionList, Static
from textual.widgets.option_list import Option

from crmcli.core.errors import CrmError
from crmcli.core.messages import drafts, templates
from crmcli.tui.context import in_view, session_of

if TYPE_CHECKING:
    from crmcli.core.messages.drafts import Draft
    from crmcli.tui.session import Session

PREVIEW_LINES = 8


class TemplatePick(ModalScreen[str | None]):
    """The templates on the left of a preview; enter drafts the highlighted one."""

    CSS_PATH = "template_pick.tcss"
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape", "dismiss_none", "Cancel"),
        Binding("enter", "draft", "Draft in $EDITOR"),
    ]

    def __init__(
        self, contact_id: int, contact: str, deal_id: int | None = None, deal: str = ""
    ) -> None:
        super().__init__()
        self.contact_id = contact_id
        self.contact = contact
        self.deal_id = deal_id
        self.deal = deal
        self.names: list[str] = []

    @property
    def session(self) -> Session:
        return session_of(self)

    def compose(self) -> ComposeResult:
        about = f" about {self.deal}" if self.deal else ""
        with Vertical(id="pick-box"):
            yield Static(f"Mail {self.contact}{about}: pick a template", id="pick-title")
            yield OptionList(id="pick-list")
            yield Static("", id="pick-preview")
            yield Static("enter: draft in $EDITOR   esc: cancel", id="pick-hint")

    def on_mount(self) -> None:
        with self.session.lock:
            found = templates.list_templates(self.session.store)
        self.names = [t["name"] for t in found]
        listing = self.query_one("#pick-list", OptionList)
        listing.add_options(
            [
                Option(Content.assemble((t["name"], "bold"), f"  {t['subject']}"), id=t["name"])
                for t in found
            ]
        )
        if not found:
            self._preview(Content("No templates yet: add one with crm template add NAME"))
            return
        listing.highlighted = 0
        listing.focus()

    def _chosen(self) -> str | None:
        option = self.query_one("#pick-list", OptionList).highlighted_option
        return None if option is None or option.id is None else str(option.id)

    def _draft(self, name: str) -> Draft:
        with self.session.lock:
            return drafts.draft(
                self.session.store, self.session.config, self.contact_id, name, self.deal_id
            )

    def _preview(self, content: Content) -> None:
        self.query_one("#pick-preview", Static).update(content)

    def on_option_list_option_highlighted(self, event: OptionList.OptionHighlighted) -> None:
        name = event.option.id
        if name is None:
            return
        try:
            made = self._draft(str(name))
        except CrmError as exc:
            self._preview(Content.assemble(("cannot draft: ", "bold $text-error"), exc.message))
            return
        lines = made.body.splitlines()
        shown = "\n".join(lines[:PREVIEW_LINES]) + ("\n…" if len(lines) > PREVIEW_LINES else "")
        self._preview(
            Content.assemble(
                ("To ", "$text-muted"),
                f"{made.to}\n",
                ("Subject ", "$text-muted"),
                (f"{made.subject}\n\n", "bold"),
                shown,
            )
        )

    def on_option_list_option_selected(self, event: OptionList.OptionSelected) -> None:
        event.stop()
        self.action_draft()

    def action_draft(self) -> None:
        """Write the highlighted template's draft to a file and open it in the editor."""
        name = self._chosen()
        if name is None:
            return
        try:
            path = drafts.save_draft(self._draft(name))
        except CrmError as exc:
            self.notify(exc.message, severity="warning", timeout=6)
            return
        self.dismiss(self._edit(path))

    def _edit(self, path: Path) -> str:
        """Open the draft in $VISUAL/$EDITOR with the interface suspended; what to tell."""
        from textual.app import SuspendNotSupported

        opening = f"open it with: neomutt -H {shlex.quote(str(path))}"
        command = os.environ.get("VISUAL") or os.environ.get("EDITOR")
        if not command:
            return f"Draft saved in {path} (set $EDITOR to edit it here; {opening})"
        import subprocess

        try:
            with self.app.suspend():
                subprocess.run([*shlex.split(command), str(path)], check=False)
        except SuspendNotSupported:
            return f"Draft saved in {path} ({opening})"
        except (OSError, ValueError) as exc:
            return f"Draft saved in {path}; the editor did not run ({exc}); {opening}"
        return f"Draft saved in {path}; to send it, {opening}"

    def action_dismiss_none(self) -> None:
        self.dismiss(None)


def mail_from(screen: Screen[Any], deal_id: int | None = None, deal: str = "") -> None:
    """Open the picker for the contact the screen shows (the one under the cursor)."""
    known = in_view(screen)
    if known is None:
        screen.notify("No contact to write to", severity="warning")
        return

    def said(text: str | None) -> None:
        if text:
            screen.notify(text, timeout=10)

    screen.app.push_screen(TemplatePick(known[0], known[1], deal_id, deal), said)
