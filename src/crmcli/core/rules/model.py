"""What a rule is once parsed: a trigger, an optional condition, and its actions.

The text a rep writes (`crm rule add --when … --then …`, or the TOML document of
`crm rule edit`) is parsed into these by `crmcli.core.rules.grammar`; the engine
(`crmcli.core.rules.engine`, `crmcli.core.rules.timed`) only ever sees these. Each keeps
the text it was parsed from (`text`), which is what is stored and shown.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum


class Event(StrEnum):
    """What a trigger waits for. The first seven fire inside the write that caused them;
    the last two are evaluated by `crm rule run` (time triggers)."""

    DEAL_ENTERS = "deal enters"  # stage
    DEAL_LEAVES = "deal leaves"  # stage
    DEAL_WON = "deal won"
    DEAL_LOST = "deal lost"
    LOGGED = "interaction logged"  # kind, outcome
    CONTACT_CREATED = "contact created"
    TAG_ADDED = "tag added"  # tag
    FOLLOWUP_OVERDUE = "followup overdue"  # days
    CADENCE_MISSED = "cadence missed"  # days


TIMED = frozenset({Event.FOLLOWUP_OVERDUE, Event.CADENCE_MISSED})
DEAL_EVENTS = frozenset({Event.DEAL_ENTERS, Event.DEAL_LEAVES, Event.DEAL_WON, Event.DEAL_LOST})


class Verb(StrEnum):
    """What an action does."""

    FOLLOWUP = "followup"  # when, text: add a follow-up (note with merge fields)
    SET = "set"  # field, value: set a field of the subject (deal or contact)
    TAG = "tag"  # tag: add a tag to the contact
    UNTAG = "untag"  # tag: remove a tag from the contact
    CADENCE = "cadence"  # days: set the contact's keep-in-touch cadence
    MOVE = "move"  # stage: move the deal
    NEXT = "next"  # text: set the deal's next step


@dataclass(frozen=True)
class Trigger:
    event: Event
    text: str  # as written, e.g. "deal enters Proposal"
    stage: str | None = None  # DEAL_ENTERS/LEAVES: a stage name, or "Pipeline/Stage"
    kind: str | None = None  # LOGGED: an interaction kind, None for any
    outcome: str | None = None  # LOGGED: an outcome, None for any
    tag: str | None = None  # TAG_ADDED
    days: int | None = None  # FOLLOWUP_OVERDUE / CADENCE_MISSED: days late (0: as soon as due)

    @property
    def timed(self) -> bool:
        return self.event in TIMED

    @property
    def subject(self) -> str:
        """The list the condition is written against: 'deals' or 'contacts'."""
        return "deals" if self.event in DEAL_EVENTS else "contacts"


@dataclass(frozen=True)
class Action:
    verb: Verb
    text: str  # as written, e.g. "followup +3d: chase the proposal"
    when: str | None = None  # FOLLOWUP: a WHEN phrase ("+3d", "tomorrow 9am")
    note: str | None = None  # FOLLOWUP note / NEXT step text, merge fields allowed
    field: str | None = None  # SET
    value: str | None = None  # SET
    tag: str | None = None  # TAG / UNTAG
    days: int | None = None  # CADENCE
    stage: str | None = None  # MOVE


@dataclass(frozen=True)
class Rule:
    name: str
    trigger: Trigger
    actions: tuple[Action, ...]
    condition: str | None = None  # the filter language, on `trigger.subject`'s list
    enabled: bool = True
    description: str | None = None
    id: int | None = None  # None until saved
    position: int = 0  # order in the document; rules fire in this order
