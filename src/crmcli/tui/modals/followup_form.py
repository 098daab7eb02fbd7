"""Add a follow-up (f on contacts and on a deal), as `crm followup add` does.

The contact field starts on the contact on screen and completes as you type.
"""

from __future__ import annotations

from typing import Any

from textual.app import ComposeResult
from textual.widgets import Input

from crmcli.tui.format import due
from crmcli.tui.modals.form import FormModal
from crmcli.tui.widgets.when_input import WhenInput


class FollowupForm(FormModal):
    """Who, when (a WHEN phrase, previewed) and an optional note; tied to a deal if given."""

    def __init__(
        self, contact_id: int | None, name: str = "", *, deal_id: int | None = None, deal: str = ""
    ) -> None:
        super().__init__(f"Follow-up · {deal}" if deal else "Follow-up", "Add follow-up")
        self.contact_id = contact_id
        self.contact_name = name
        self.deal_id = deal_id

    def fields(self) -> ComposeResult:
        yield self.with_row(self.contact_id, self.contact_name)
        yield self.row(
            "When",
            WhenInput("future", placeholder="tomorrow, fri 10am, +3d, eow", id="when"),
            hint=" ",
        )
        yield self.row("Note", Input(placeholder="what to do", id="note", compact=True))

    def parse(self) -> dict[str, Any]:
        text = self.text("when").strip()
        contact_id = self.pick_contact("contact", required=True)
        if not text:
            self.refuse("when", "say when: tomorrow, fri 10am, +3d…")
        return {
            "contact_id": contact_id,
            "when": self.check("when", lambda: self.session.parse_when(text, "future"))
            if text
            else None,
        }

    def commit(self, values: Any) -> str:
        from crmcli.core.activity import followups

        row = followups.add(
            self.session.store,
            values["contact_id"],
            values["when"],
            self.text("note"),
            deal_id=self.deal_id,
        )
        return f"Follow-up #{row['id']} with {row['contact']} due {due(row)}"
