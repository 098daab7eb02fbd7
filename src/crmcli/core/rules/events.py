"""What happened in a write, as the rules' triggers name it, read from the transaction's changes.

A deal inserted enters its stage; a deal whose stage changed leaves the old one and
enters the new; one whose status became won or lost was won or lost; an interaction
inserted was logged; a contact inserted was created; a tag row inserted was added
(unless the same write deleted that tag from that contact: an edit that rewrites the
tag list adds nothing). Each happening carries its reason in words, which is what
`crm rule why` says.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from crmcli.core.rules.model import Event

if TYPE_CHECKING:
    from crmcli.core.db.store import Change, Store


@dataclass(frozen=True)
class Happening:
    """One event on one subject: a deal (deal events) or a contact (the others)."""

    event: Event
    subject: str  # "deal" or "contact"
    subject_id: int
    contact_id: int | None  # the deal's contact, or the contact itself
    reason: str  # "deal #5 'Acme pilot' entered Proposal"
    stage: str | None = None  # enters/leaves: the stage's name
    pipeline: str | None = None  # and its pipeline's
    kind: str | None = None  # logged: the interaction's kind and outcome
    outcome: str | None = None
    tag_key: str | None = None  # tag added: folded, as `contact_tag.tag_key`
    deal_id: int | None = None  # logged: the deal the interaction was about, if any
    followup_id: int | None = None  # followup overdue: the follow-up
    occasion: str | None = None  # time triggers: what made it due (see `timed`)


class _Names:
    """Stage and contact names for the reasons, each read once per write."""

    def __init__(self, store: Store) -> None:
        self.store = store
        self.stages: dict[int, tuple[str, str]] = {}
        self.contacts: dict[int, str] = {}

    def stage(self, stage_id: int) -> tuple[str, str]:
        if stage_id not in self.stages:
            row = self.store.row(
                "SELECT s.name, p.name AS pipeline FROM stage s "
                "JOIN pipeline p ON p.id = s.pipeline_id WHERE s.id = ?",
                (stage_id,),
            )
            self.stages[stage_id] = (
                (str(row["name"]), str(row["pipeline"])) if row else (f"stage {stage_id}", "")
            )
        return self.stages[stage_id]

    def contact(self, contact_id: int) -> str:
        if contact_id not in self.contacts:
            name = self.store.value("SELECT display_name FROM contact WHERE id = ?", (contact_id,))
            self.contacts[contact_id] = f"#{contact_id} {name}" if name else f"#{contact_id}"
        return self.contacts[contact_id]


def _deal(after: dict[str, Any]) -> str:
    return f"deal #{after['id']} {after['title']!r}"


def derive(store: Store, changes: Sequence[Change]) -> list[Happening]:
    """The happenings in `changes` (one write's, or the part its rules added), in order."""
    names = _Names(store)
    dropped_tags = {
        (int(before["contact_id"]), before["tag_key"])
        for table, _id, op, before, _after in changes
        if table == "contact_tag" and op == "delete" and before is not None
    }
    out: list[Happening] = []
    for table, row_id, op, before, after in changes:
        if after is None or op not in ("insert", "update"):
            continue
        if table == "deal":
            out += _deal_events(names, op, before, {**after, "id": row_id})
        elif op != "insert":
            continue
        elif table == "interaction":
            contact_id = int(after["contact_id"])
            outcome = f" ({after['outcome']})" if after.get("outcome") else ""
            out.append(
                Happening(
                    Event.LOGGED,
                    "contact",
                    contact_id,
                    contact_id,
                    f"{after['kind']} logged with {names.contact(contact_id)}{outcome}",
                    kind=after["kind"],
                    outcome=after.get("outcome"),
                    deal_id=after.get("deal_id"),
                )
            )
        elif table == "contact":
            label = f"#{row_id} {after.get('display_name')}"
            names.contacts[row_id] = label
            out.append(
                Happening(
                    Event.CONTACT_CREATED, "contact", row_id, row_id, f"contact {label} created"
                )
            )
        elif table == "contact_tag":
            contact_id = int(after["contact_id"])
            if (contact_id, after["tag_key"]) in dropped_tags:
                continue
            out.append(
                Happening(
                    Event.TAG_ADDED,
                    "contact",
                    contact_id,
                    contact_id,
                    f"tag {after['tag']!r} added to {names.contact(contact_id)}",
                    tag_key=after["tag_key"],
                )
            )
    return out


def _deal_events(
    names: _Names, op: str, before: dict[str, Any] | None, after: dict[str, Any]
) -> list[Happening]:
    deal_id = int(after["id"])
    contact_id = after.get("contact_id")

    def happening(event: Event, words: str, stage_id: int | None = None) -> Happening:
        stage, pipeline = names.stage(stage_id) if stage_id is not None else (None, None)
        return Happening(
            event,
            "deal",
            deal_id,
            None if contact_id is None else int(contact_id),
            f"{_deal(after)} {words}",
            stage=stage,
            pipeline=pipeline,
        )

    out: list[Happening] = []
    old_stage = None if before is None else before.get("stage_id")
    new_stage = after.get("stage_id")
    if new_stage is not None and old_stage != new_stage:
        if old_stage is not None:
            out.append(happening(Event.DEAL_LEAVES, f"left {names.stage(old_stage)[0]}", old_stage))
        out.append(happening(Event.DEAL_ENTERS, f"entered {names.stage(new_stage)[0]}", new_stage))
    old_status = None if before is None else before.get("status")
    status = after.get("status")
    if status != old_status and status in ("won", "lost"):
        out.append(happening(Event.DEAL_WON if status == "won" else Event.DEAL_LOST, status))
    return out
