"""Log an interaction with a contact (l on contacts): the fields of `crm log`."""

from __future__ import annotations

from typing import TYPE_CHECKING

from textual.app import ComposeResult
from textual.widgets import Input, Select

from crmcli.core.activity import interactions
from crmcli.core.activity.interactions import Direction, Kind
from crmcli.core.clock import local_time
from crmcli.core.values.durations import format_duration, parse_duration
from crmcli.tui.format import due
from crmcli.tui.modals.form import FieldError, FormModal
from crmcli.tui.widgets.when_input import WhenInput

if TYPE_CHECKING:
    from crmcli.core.activity.rows import FollowUp, Interaction


class LogForm(FormModal):
    """What happened, when, how long, how it went; and optionally the next follow-up."""

    def __init__(self, contact_id: int, name: str) -> None:
        super().__init__(f"Log an interaction with {name}", "Log")
        self.contact_id = contact_id

    def fields(self) -> ComposeResult:
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

    def save(self) -> str:
        session = self.session
        at_text = self.text("at").strip()
        duration = self.text("duration").strip()
        next_text = self.text("next").strip()
        next_note = self.text("next_note").strip()
        # Everything is parsed and checked before the database is touched, as in `crm log`.
        if next_note and not next_text:
            raise FieldError("next", "a follow-up note needs a date here")
        happened = self.check("at", lambda: session.happened_at(at_text)) if at_text else None
        seconds = self.check("duration", lambda: parse_duration(duration)) if duration else None
        outcome = self.choice("outcome")
        checked = interactions.check_outcome(outcome) if outcome else None
        follow = (
            self.check("next", lambda: session.parse_when(next_text, "future"))
            if next_text
            else None
        )
        summary, body = self.check("summary", lambda: interactions.split_text(self.text("summary")))
        direction = self.choice("direction")
        logged = interactions.log(
            session.store,
            self.contact_id,
            Kind(self.choice("kind")),
            summary,
            at=happened,
            body=body,
            duration_seconds=seconds,
            outcome=checked,
            direction=Direction(direction) if direction else None,
            next_when=follow,
            next_note=next_note or None,
        )
        return _said(logged.interaction, logged.followup)


def _said(row: Interaction, followup: FollowUp | None) -> str:
    extra = ", ".join(
        x for x in (format_duration(row["duration_seconds"]), row["outcome"] or "") if x
    )
    text = f"Logged {row['kind']} at {local_time(row['occurred_at'])}"
    if extra:
        text += f" ({extra})"
    if followup:
        text += f"; follow-up due {due(followup)}"
    return text
