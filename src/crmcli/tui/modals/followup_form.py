"""Add a follow-up for a contact (f on contacts), as `crm followup add` does."""

from __future__ import annotations

from textual.app import ComposeResult
from textual.widgets import Input

from crmcli.core.activity import followups
from crmcli.tui.format import due
from crmcli.tui.modals.form import FormModal
from crmcli.tui.widgets.when_input import WhenInput


class FollowupForm(FormModal):
    """When (a WHEN phrase, previewed) and an optional note."""

    def __init__(self, contact_id: int, name: str) -> None:
        super().__init__(f"Follow-up with {name}", "Add follow-up")
        self.contact_id = contact_id

    def fields(self) -> ComposeResult:
        yield self.row(
            "When",
            WhenInput("future", placeholder="tomorrow, fri 10am, +3d, eow", id="when"),
            hint=" ",
        )
        yield self.row("Note", Input(placeholder="what to do", id="note", compact=True))

    def save(self) -> str:
        text = self.text("when")
        when = self.check("when", lambda: self.session.parse_when(text, "future"))
        row = followups.add(self.session.store, self.contact_id, when, self.text("note"))
        return f"Follow-up #{row['id']} due {due(row)}"
