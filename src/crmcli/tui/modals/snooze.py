"""Snooze a follow-up (s on today): the date field previews the date it understood."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from textual.app import ComposeResult

from crmcli.core.activity import followups
from crmcli.tui.format import due
from crmcli.tui.modals.form import FormModal
from crmcli.tui.widgets.when_input import WhenInput

if TYPE_CHECKING:
    from crmcli.core.activity.rows import FollowUp
    from crmcli.core.values.when import When


class SnoozeForm(FormModal):
    """Move an open follow-up to a new date, as `crm followup snooze` does."""

    def __init__(self, followup: FollowUp) -> None:
        note = followup["note"] or "follow-up"
        super().__init__(f"Snooze: {followup['contact']} — {note}", "Snooze")
        self.followup = followup

    def fields(self) -> ComposeResult:
        yield self.row(
            "Until",
            WhenInput("future", placeholder="tomorrow, fri 10am, +3d, next mon", id="until"),
            hint=f"now due {due(self.followup)}",
        )

    def parse(self) -> When | None:
        text = self.text("until").strip()
        if not text:
            self.refuse("until", "say until when: tomorrow, fri 10am, +3d…")
            return None
        return self.check("until", lambda: self.session.parse_when(text, "future"))

    def commit(self, values: Any) -> str:
        row = followups.snooze(self.session.store, int(self.followup["id"]), values)
        return f"Snoozed to {due(row)}: {row['contact']}"
