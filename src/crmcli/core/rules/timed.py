"""`crm rule run`: time rules (follow-up overdue, cadence missed), each firing once per occasion.

A time rule's subjects are read first, outside any write: open follow-ups due more
than N days ago, contacts whose keep-in-touch date passed more than N days ago, less
those already in `rule_fired` for that rule, subject and occasion (the follow-up's
due time, the contact's touch-due time: snoozing a follow-up or touching a contact
makes a new occasion). With nothing to do, nothing is written, which is what lets
`crm today` and the TUI run it first at no cost. Otherwise one write, one undo batch
named "rule run (rule-made)", runs the actions and records each firing in
`rule_fired` outside the change log: undoing the batch takes the work back, and the
next run does not do it again (the rep undid it on purpose).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import TYPE_CHECKING

from crmcli.core import clock
from crmcli.core.db.store import DryRun
from crmcli.core.rules import engine
from crmcli.core.rules.events import Happening
from crmcli.core.rules.model import Event, Rule

if TYPE_CHECKING:
    from crmcli.core.db.store import Store, Tx

COMMAND = "rule run (rule-made)"


@dataclass
class RunReport:
    """What one run did (or, as a dry run, would do)."""

    batch: str | None = None  # the undo batch written; None when nothing was (or dry run)
    fired: int = 0  # (rule, subject) firings
    outcomes: list[engine.Outcome] = field(default_factory=list)
    dry_run: bool = False

    @property
    def applied(self) -> list[engine.Outcome]:
        return [o for o in self.outcomes if o.applied is not None]

    @property
    def skipped(self) -> list[engine.Outcome]:
        return [o for o in self.outcomes if o.skipped is not None]

    def counts(self) -> dict[str, int]:
        """Applied actions by verb (`followup`, `tag`, `set`…)."""
        out: dict[str, int] = {}
        for outcome in self.applied:
            out[outcome.verb] = out.get(outcome.verb, 0) + 1
        return out


@dataclass(frozen=True)
class _Due:
    rule: Rule
    subject: str  # "followup:12", "contact:7"
    happening: Happening


def run(
    store: Store,
    *,
    now: datetime | None = None,
    dry_run: bool = False,
    rules: Sequence[Rule] | None = None,
) -> RunReport:
    """Fire every time rule on the subjects it has not fired on for this occasion."""
    chosen = (
        engine.load(store, timed=True) if rules is None else [r for r in rules if r.trigger.timed]
    )
    moment = now or clock.now()
    report = RunReport(dry_run=dry_run)
    if not chosen or not _due(store, chosen, moment):
        return report
    was = store.dry_run
    store.dry_run = dry_run
    try:
        with store.write(COMMAND) as tx:
            for due in _due(store, chosen, moment):  # again, under the write lock
                if not engine.holds(store, due.rule, due.happening):
                    continue
                report.outcomes += engine.run(tx, due.rule, due.happening)
                report.fired += 1
                _remember(tx, due)
            report.batch = tx.batch
    except DryRun:
        report.batch = None
    finally:
        store.dry_run = was
    return report


def _remember(tx: Tx, due: _Due) -> None:
    assert due.rule.id is not None, "a stored rule has an id"
    tx.insert(
        "rule_fired",
        {
            "rule_id": due.rule.id,
            "subject": due.subject,
            "occasion": due.happening.occasion,
            "at": tx.stamp,
            "contact_id": due.happening.contact_id,
        },
        log=False,  # survives an undo of the batch: an undone firing is not redone
    )


def _due(store: Store, rules: Sequence[Rule], now: datetime) -> list[_Due]:
    """Each rule's subjects that are due and not fired on for this occasion, in rule order;
    a subject whose condition is false now is left for a later run."""
    out: list[_Due] = []
    for rule in rules:
        for subject, happening in subjects(store, rule, now, unfired=True):
            if engine.holds(store, rule, happening):
                out.append(_Due(rule, subject, happening))
    return out


# What leaves out a subject the rule has fired on for this occasion, in the subjects' query:
# a run with nothing new (`crm today` runs one first) then reads no rows, whatever the
# backlog it has fired on (UNIQUE(rule_id, subject, occasion) serves the lookup).
_UNFIRED = (
    " AND NOT EXISTS (SELECT 1 FROM rule_fired r WHERE r.rule_id = ? "
    "AND r.subject = '{kind}:' || {alias}.id AND r.occasion = {alias}.{occasion})"
)


def subjects(
    store: Store, rule: Rule, now: datetime, *, unfired: bool = False
) -> list[tuple[str, Happening]]:
    """Everything `rule`'s time trigger is due on at `now`, condition aside; with `unfired`,
    only what it has not fired on for this occasion."""
    days = rule.trigger.days or 0
    late = now - timedelta(days=days)
    rule_id = rule.id if unfired else None
    if rule.trigger.event == Event.FOLLOWUP_OVERDUE:
        return _overdue_followups(store, late, days, rule_id)
    if rule.trigger.event == Event.CADENCE_MISSED:
        return _missed_cadences(store, late, days, rule_id)
    return []


def _late(late: datetime, days: int, since: str) -> str:
    """How late, in the rep's days ("9 days late"), not the rule's threshold: a follow-up
    a rule "overdue by 3 days" finds 9 days after its day is 9 days late."""
    from datetime import date

    today = (late + timedelta(days=days)).astimezone(clock.local_zone()).date()
    behind = (today - date.fromisoformat(since[:10])).days
    if behind <= 0:
        return ""
    return f", {behind} day{'' if behind == 1 else 's'} late"


def _overdue_followups(
    store: Store, late: datetime, days: int, rule_id: int | None = None
) -> list[tuple[str, Happening]]:
    """Open follow-ups (of live contacts) past their day, or their time, `days` ago: an
    all-day one is overdue from the next day, as `crm today` says. With `rule_id`, those
    the rule has not fired on for their due time."""
    day = late.astimezone(clock.local_zone()).date().isoformat()
    params: list[object] = [day, clock.stamp(late)]
    unfired = ""
    if rule_id is not None:
        unfired = _UNFIRED.format(kind="followup", alias="f", occasion="due_at")
        params.append(rule_id)
    rows = store.tuples(
        "SELECT f.id, f.contact_id, f.deal_id, f.due_at, f.due_date, f.note, c.display_name "
        "FROM followup f JOIN contact c ON c.id = f.contact_id "
        "WHERE f.status = 'open' AND c.archived_at IS NULL AND ((f.due_time IS NULL AND "
        f"f.due_date < ?) OR (f.due_time IS NOT NULL AND f.due_at < ?)){unfired} "
        "ORDER BY f.due_at, f.id",
        params,
    )
    out: list[tuple[str, Happening]] = []
    for followup_id, contact_id, deal_id, due_at, due_date, note, name in rows:
        about = f" ({note})" if note else ""
        reason = (
            f"follow-up #{followup_id}{about} with #{contact_id} {name}, due {due_date}, "
            f"overdue{_late(late, days, str(due_date))}"
        )
        happening = Happening(
            Event.FOLLOWUP_OVERDUE,
            "contact",
            int(contact_id),
            int(contact_id),
            reason,
            deal_id=None if deal_id is None else int(deal_id),
            followup_id=int(followup_id),
            occasion=str(due_at),
        )
        out.append((f"followup:{followup_id}", happening))
    return out


def _missed_cadences(
    store: Store, late: datetime, days: int, rule_id: int | None = None
) -> list[tuple[str, Happening]]:
    """Live contacts whose keep-in-touch date passed `days` ago or more; with `rule_id`,
    those the rule has not fired on for that date."""
    params: list[object] = [clock.stamp(late)]
    unfired = ""
    if rule_id is not None:
        unfired = _UNFIRED.format(kind="contact", alias="c", occasion="touch_due_at")
        params.append(rule_id)
    rows = store.tuples(
        "SELECT c.id, c.display_name, c.touch_due_at FROM contact c WHERE c.archived_at IS NULL "
        "AND c.cadence_days IS NOT NULL AND c.touch_due_at IS NOT NULL AND c.touch_due_at < ?"
        f"{unfired} ORDER BY c.touch_due_at, c.id",
        params,
    )
    out: list[tuple[str, Happening]] = []
    for contact_id, name, touch_due_at in rows:
        due = clock.local_time(touch_due_at)[:10]
        reason = f"#{contact_id} {name}: keep-in-touch due {due}, missed{_late(late, days, due)}"
        happening = Happening(
            Event.CADENCE_MISSED,
            "contact",
            int(contact_id),
            int(contact_id),
            reason,
            occasion=str(touch_due_at),
        )
        out.append((f"contact:{contact_id}", happening))
    return out
