"""Log an interaction (l on contacts and on a deal): the fields of `crm log`.

The contact field starts on the contact on screen and completes as you type, so
the same form logs with anyone, from anywhere (the palette too).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from textual.app import ComposeResult
from textual.widgets import Input, Select

from crmcli.core.activity import interactions
from crmcli.core.activity.interactions import Direction, Kind
from crmcli.core.clock import local_time
from crmcli.core.values.durations import format_duration, parse_duration
from crmcli.tui.format import due
from crmcli.tui.modals.form import FormModal
from crmcli.tui.widgets.when_input import WhenInput

if TYPE_CHECKING:
    from crmcli.core.activity.rows import FollowUp, Interaction


class LogForm(FormModal):
    """What happened, when, how long, how it went; and optionally the next follow-up."""

    def __init__(
        self, contact_id: int | None, name: str = "", *, deal_id: int | None = None, deal: str = ""
    ) -> None:
        super().__init__(f"Log an interaction · {deal}" if deal else "Log an interaction", "Log")
        self.contact_id = contact_id
        self.contact_name = name
        self.deal_id = deal_id

    def fields(self) -> ComposeResult:
        yield self.with_row(self.contact_id, self.contact_name)
        kinds = [(k.value, k.value) for k in Kind]
        yield self.row(
            "Kind", Select(kinds, value="call", allow_blank=False, id="kind", compact=True)
        )
        yield self.row("Summary", Input(placeholder="what happened", id="summary", compact=True))
        yield self.row("When", WhenInput("past", placeholder="now", id="at"), hint=" ")
        yield self.row("Duration", Input(placeholder="15m, 1h30, 90s", id="duration", compact=True))
        yield self.row(
            "Outcome",
            Select(
                [(o, o) for o in interactions.OUTCOMES],
                prompt="(none)",
                id="outcome",
                compact=True,
            ),
        )
        yield self.row(
            "Direction",
            Select(
                [("they reached me (in)", "in"), ("I reached them (out)", "out")],
                prompt="(not said)",
                id="direction",
                compact=True,
            ),
        )
        yield self.row(
            "Next",
            WhenInput("future", placeholder="optional follow-up: tomorrow, fri 10am", id="next"),
            hint=" ",
        )
        yield self.row(
            "Next note", Input(placeholder="the follow-up's note", id="next_note", compact=True)
        )

    def parse(self) -> dict[str, Any]:
        """Everything read and checked before the database is touched, as in `crm log`."""
        session = self.session
        at_text = self.text("at").strip()
        duration = self.text("duration").strip()
        next_text = self.text("next").strip()
        next_note = self.text("next_note").strip()
        contact_id = self.pick_contact("contact", required=True)
        if next_note and not next_text:
            self.refuse("next", "a follow-up note needs a date here")
        outcome = self.choice("outcome")
        direction = self.choice("direction")
        summary, body = self.check(
            "summary", lambda: interactions.split_text(self.text("summary")), ("", None)
        )
        return {
            "contact_id": contact_id,
            "at": self.check("at", lambda: session.happened_at(at_text)) if at_text else None,
            "seconds": self.check("duration", lambda: parse_duration(duration))
            if duration
            else None,
            "outcome": self.check("outcome", lambda: interactions.check_outcome(outcome))
            if outcome
            else None,
            "next": self.check("next", lambda: session.parse_when(next_text, "future"))
            if next_text
            else None,
            "next_note": next_note or None,
            "summary": summary,
            "body": body,
            "direction": Direction(direction) if direction else None,
        }

    def commit(self, values: Any) -> str:
        logged = interactions.log(
            self.session.store,
            values["contact_id"],
            Kind(self.choice("kind")),
            values["summary"],
            at=values["at"],
            body=values["body"],
            duration_seconds=values["seconds"],
            outcome=values["outcome"],
            direction=values["direction"],
            next_when=values["next"],
            next_note=values["next_note"],
            deal_id=self.deal_id,
        )
        return _said(logged.interaction, logged.followup, self.text("contact"))


def _said(row: Interaction, followup: FollowUp | None, name: str) -> str:
    extra = ", ".join(
        x for x in (format_duration(row["duration_seconds"]), row["outcome"] or "") if x
    )
    text = f"Logged {row['kind']} with {name} at {local_time(row['occurred_at'])}"
    if extra:
        text += f" ({extra})"
    if followup:
        text += f"; follow-up due {due(followup)}"
    return text
