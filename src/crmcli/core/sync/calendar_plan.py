"""The three-way decision for each of crm's events: crm now, the calendar now, and `base`.

For every follow-up the rep has open, and every event crm pushed before, compare
what crm would write now (its rendering's hash), what the calendar holds (read this
run when its etag moved) and what both last agreed on (`sync_item.base`: the start,
the hash, whether the calendar dropped it). The outcome is a `Step`:

- the follow-up is new: create its event, unless the calendar already holds one with
  its UID (a run killed after writing, an export imported by hand): adopt that;
- changed in crm only: rewrite the event; closed, deleted or reassigned: remove it;
- moved in the calendar only: move the follow-up (as a snooze would);
- moved on both sides to different times: the later change wins (the follow-up's
  updated_at against the event's LAST-MODIFIED, else DTSTAMP; crm on a tie), and a
  line says which;
- deleted or cancelled in the calendar: a line, once; the follow-up stays open and its
  event goes back only when the follow-up changes later in crm.
"""

from __future__ import annotations

from typing import Any

from crmcli.core import clock
from crmcli.core.sync import events
from crmcli.core.sync.calendar_steps import (
    Known,
    Ours,
    Planned,
    Step,
    agreed,
    at,
    describe,
    moved_to,
    shown,
    shown_row,
    who,
)
from crmcli.core.values.when import When


class FollowupPlan:
    """Plans crm's events for one run, from what the engine read of the calendar."""

    def __init__(
        self,
        *,
        domain: str,
        alarms: events.Alarms,
        push: bool,
        pull: bool,
        listing: dict[str, str],
        ours: dict[str, Ours],
        broken: set[str],
        known: dict[str, Known],
    ) -> None:
        self.domain = domain
        self.alarms = alarms
        self.push = push
        self.pull = pull
        self.listing = listing  # href -> etag, as listed this run
        self.ours = ours  # crm's events read this run, by href
        self.broken = broken  # hrefs that could not be read
        self.known = known  # sync_item rows by item

    def steps(self, open_rows: dict[int, dict[str, Any]], mapped: dict[int, Known]) -> list[Step]:
        """A step for each follow-up whose event must be created, rewritten, removed or
        adopted, or whose event moved or vanished in the calendar."""
        strays: dict[int, Ours] = {}  # crm's events the state does not know (yet)
        mapped_hrefs = {k.item for k in mapped.values()}
        for ours in self.ours.values():
            known = self.known.get(ours.href)
            if ours.href not in mapped_hrefs and (known is None or known.table_name != "followup"):
                strays.setdefault(ours.followup_id, ours)
        steps: list[Step] = []
        for followup_id in sorted(set(open_rows) | set(mapped) | set(strays)):
            row = open_rows.get(followup_id)
            known = mapped.get(followup_id)
            stray = strays.get(followup_id)
            if known is not None and known.item not in self.listing and stray is not None:
                # The event moved to another href (a client re-filed it): follow it there.
                step = self._followup(row, moved_to(known, stray), self.ours[stray.href])
            elif known is not None:
                step = self._followup(row, known, self.ours.get(known.item))
            else:
                step = self._adopt_or_create(followup_id, row, stray)
            if step is not None:
                steps.append(step)
        return steps

    def _adopt_or_create(
        self, followup_id: int, row: dict[str, Any] | None, stray: Ours | None
    ) -> Step | None:
        if row is None:
            if stray is None or not self.push:
                return None
            # crm's event for a follow-up that is closed (created by a run killed before it
            # could record it, then closed; or an old export imported by hand): removed.
            return self._step_delete(followup_id, None, stray.href, stray.etag, "done")
        rendered = self._render(row, None if stray is None else stray.uid)
        base = agreed(rendered)
        if stray is not None:
            step = Step(followup_id, table_name="followup", item=stray.href, base=base)
            step.fingerprint = stray.etag
            if stray.body != rendered.body and self.push:
                step.remote = ("update", stray.href, stray.etag, rendered.body)
                step.planned.append(Planned("update", followup_id, describe("adopt", row)))
                step.counts = {"updated": 1}
            elif stray.body != rendered.body:  # not written now: the next push writes it
                step.base = {**base, "digest": ""}
            return step  # adopted: found by its UID, not created twice
        if not self.push:
            return None
        step = Step(followup_id, table_name="followup", base=base)
        step.remote = ("create", rendered.uid, rendered.body)
        step.planned.append(Planned("create", followup_id, describe("create", row)))
        step.counts["new"] = 1
        return step

    def _followup(self, row: dict[str, Any] | None, known: Known, ours: Ours | None) -> Step | None:
        """A follow-up crm has pushed before: compare the three sides (crm now, the
        calendar now, `known.base` as they last agreed)."""
        followup_id = int(known.row_id or 0)
        base = known.base
        present = known.item in self.listing
        if known.item in self.broken:
            return None  # unreadable this run: nothing decided on it
        rendered = None if row is None else self._render(row, base.get("uid"))
        changed_here = rendered is not None and rendered.digest != base.get("digest")
        if present and ours is None and self.listing[known.item] != known.fingerprint:
            # Rewritten with someone else's event in it: crm's is gone from the calendar.
            if row is None or rendered is None:
                return Step(followup_id, known=known, forget=True)
            if base.get("gone"):
                return None
            return self._gone(row, known, self.listing[known.item], "replaced")
        if ours is not None and row is not None and not self.pull:
            return None  # changed in the calendar: left for a run that reads it
        if not present:
            if row is None or rendered is None:
                return Step(followup_id, known=known, forget=True)
            if base.get("gone") and not changed_here:
                return None  # told once; back only when the follow-up changes
            return self._put_back(row, rendered, known, base.get("gone") is True)
        etag = self.listing[known.item]
        if ours is None:  # the calendar's copy is as crm left it
            if row is None or rendered is None:
                return self._step_delete(followup_id, known, known.item, etag, "done")
            if not changed_here or not self.push:
                return None
            return self._step_update(row, rendered, known, etag, "update")
        # The calendar changed it since the last run.
        if row is None or rendered is None:
            return self._step_delete(followup_id, known, known.item, ours.etag, "done")
        if ours.cancelled:
            if base.get("gone") and not changed_here:
                return Step(
                    followup_id, known=known, item=known.item, fingerprint=ours.etag, base=base
                )
            if changed_here:
                return self._step_update(row, rendered, known, ours.etag, "revive")
            return self._gone(row, known, ours.etag, "cancelled")
        moved_there = ours.start is not None and ours.start != base.get("start")
        moved_here = rendered.start != base.get("start")
        if not moved_there or ours.start == rendered.start:
            if changed_here and ours.body != rendered.body and self.push:
                return self._step_update(row, rendered, known, ours.etag, "update")
            settled = agreed(rendered) if ours.start == rendered.start else base
            return Step(
                followup_id, known=known, item=known.item, fingerprint=ours.etag, base=settled
            )
        if not moved_here:
            return self._step_move(row, known, ours, repush=changed_here, conflict=None)
        # Moved on both sides, to different times: the later change wins.
        theirs = ours.last_modified
        here = clock.parse_stamp(row["updated_at"])
        if theirs is not None and theirs > here:
            line = (
                f"follow-up #{followup_id} ({who(row)}) moved on both sides: the calendar's "
                f"change ({shown(ours.local)}, {at(theirs)}) is newer than crm's "
                f"({shown_row(row)}, {at(here)}) and wins"
            )
            return self._step_move(row, known, ours, repush=True, conflict=line)
        step = self._step_update(row, rendered, known, ours.etag, "conflict")
        when = "" if theirs is None else f", {at(theirs)}"
        step.lines.append(
            f"follow-up #{followup_id} ({who(row)}) moved on both sides: crm's change "
            f"({shown_row(row)}, {at(here)}) is newer than the calendar's "
            f"({shown(ours.local)}{when}) and wins"
        )
        step.counts = {"conflicts": 1}
        return step

    def _step_update(
        self, row: dict[str, Any], rendered: events.Rendered, known: Known, etag: str, why: str
    ) -> Step:
        followup_id = int(row["id"])
        step = Step(followup_id, known=known, item=known.item, base=agreed(rendered))
        step.table_name = "followup"
        if not self.push:
            return Step(
                followup_id, known=known, item=known.item, fingerprint=etag, base=known.base
            )
        step.remote = ("update", known.item, etag, rendered.body)
        step.planned.append(Planned("update", followup_id, describe("update", row)))
        step.counts = {"updated": 1}
        if why == "revive":
            step.lines.append(
                f"follow-up #{followup_id} ({who(row)}), cancelled in the calendar, changed "
                "in crm since: its event is put back"
            )
        return step

    def _step_delete(
        self, followup_id: int, known: Known | None, href: str, etag: str, why: str
    ) -> Step | None:
        if not self.push:
            return None
        step = Step(followup_id, known=known, forget=known is not None)
        step.remote = ("delete", href, etag)
        step.planned.append(
            Planned("delete", followup_id, f"delete  #{followup_id}  (follow-up {why})")
        )
        step.counts = {"deleted": 1}
        return step

    def _step_move(
        self,
        row: dict[str, Any],
        known: Known,
        ours: Ours,
        *,
        repush: bool,
        conflict: str | None,
    ) -> Step:
        followup_id = int(row["id"])
        step = Step(followup_id, known=known, item=known.item, fingerprint=ours.etag)
        step.table_name = "followup"
        step.base = dict(known.base)
        if ours.local is None:
            return step
        day, at = ours.local
        step.move = When(day, at)
        step.version = int(row["version"])
        step.snoozed = ours.start is not None and ours.start > events.followup_start(row)
        step.repush = repush
        step.planned.append(
            Planned(
                "move",
                followup_id,
                f"move    #{followup_id}  {shown_row(row)} -> {shown(ours.local)}  {who(row)}",
            )
        )
        if conflict is not None:
            step.lines.append(conflict)
            step.counts = {"conflicts": 1}
        else:
            step.counts = {"moved": 1}
        return step

    def _gone(self, row: dict[str, Any], known: Known, etag: str | None, how: str) -> Step:
        followup_id = int(row["id"])
        base = {**known.base, "gone": True}
        step = Step(followup_id, known=known, item=known.item, base=base)
        step.fingerprint = known.fingerprint if etag is None else etag
        step.lines.append(
            f"follow-up #{followup_id} ({who(row)}) was {how} in the calendar; it stays open "
            f"in crm (`crm followup done {followup_id}` closes it; it goes back to the calendar "
            "if it changes)"
        )
        step.planned.append(Planned("gone", followup_id, f"gone    #{followup_id}  {who(row)}"))
        step.counts = {"gone": 1}
        return step

    def _put_back(
        self, row: dict[str, Any], rendered: events.Rendered, known: Known, was_gone: bool
    ) -> Step | None:
        """An event deleted in the calendar: told once (the follow-up kept), or created
        again when the follow-up changed in crm since."""
        if rendered.digest == known.base.get("digest"):
            return self._gone(row, known, None, "deleted")
        if not self.push:
            return None
        followup_id = int(row["id"])
        step = Step(followup_id, known=known, table_name="followup", base=agreed(rendered))
        step.remote = ("create", rendered.uid, rendered.body)
        step.planned.append(Planned("create", followup_id, describe("create", row)))
        step.counts = {"new": 1}
        if not was_gone:
            step.lines.append(
                f"follow-up #{followup_id} ({who(row)}) was deleted in the calendar but "
                "changed in crm since: its event is put back"
            )
        return step

    def _render(self, row: dict[str, Any], uid: Any) -> events.Rendered:
        return events.render(
            row, self.domain, self.alarms, uid=uid if isinstance(uid, str) else None
        )
