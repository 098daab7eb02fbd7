"""`crm rule test NAME --on REF`: what a rule would do now on one subject, writing nothing.

The rule's actions run through the very code that fires them, inside a write that
`Store.dry_run` rolls back, so what the test shows is what firing does: each action
applied (and what it made) or skipped (and why), then what other rules its actions
would set off. A change trigger is taken as having just happened on the subject (the
deal entering the rule's stage, a call logged with the contact); the condition is
checked on the subject as it is now. A time trigger is checked for real: is the
follow-up overdue (the contact's cadence missed) as the rule says, and has the rule
fired on it already?
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

from crmcli.core import clock
from crmcli.core.db.store import DryRun, Store
from crmcli.core.errors import Invalid, NotFound
from crmcli.core.rules import engine
from crmcli.core.rules.events import Happening
from crmcli.core.rules.model import DEAL_EVENTS, Event, Rule

SUBJECT_KINDS = ("deal", "contact", "followup")


@dataclass
class TrialReport:
    """What testing one rule on one subject found."""

    rule: str
    subject: str  # "deal #5 'Acme pilot'", "follow-up #12", "contact #3 Ann Lee"
    happening: str  # the trigger as taken to have happened, in words
    fires: bool  # would the rule fire on it now?
    why_not: str | None = None  # when it would not: the trigger or condition, in words
    outcomes: list[engine.Outcome] = field(default_factory=list)  # the rule's own actions
    follow_on: list[engine.Outcome] = field(default_factory=list)  # other rules set off

    @property
    def skipped(self) -> list[engine.Outcome]:
        return [o for o in self.outcomes if o.skipped is not None]


def test(
    store: Store, rule_name: str, ref_kind: str, ref_id: int, *, now: datetime | None = None
) -> TrialReport:
    """Test the rule named `rule_name` on deal, contact or follow-up `ref_id`."""
    from crmcli.core.rules.catalog import get

    return test_rule(store, get(store, rule_name), ref_kind, ref_id, now=now)


def test_rule(
    store: Store, rule: Rule, ref_kind: str, ref_id: int, *, now: datetime | None = None
) -> TrialReport:
    """`test`, for a rule given as parsed (one not saved yet, too)."""
    happening, label = _happening(store, rule, ref_kind, ref_id, now or clock.now())
    report = TrialReport(rule.name, label, happening.reason, fires=True)
    if rule.trigger.timed:
        report.why_not = _not_due(store, rule, happening, now or clock.now())
    if report.why_not is None and not engine.holds(store, rule, happening):
        report.why_not = _condition_false(store, rule, label)
    if report.why_not is not None:
        report.fires = False
        return report
    was = store.dry_run
    store.dry_run = True
    try:
        with store.write(f"rule test {rule.name}", rules=False) as tx:
            tx.record = True  # the follow-on rules read what the actions change
            report.outcomes = engine.run(tx, rule, happening)
            others = [r for r in engine.load(store) if r.name != rule.name]
            report.follow_on = engine.cascade(tx, others, start=0) if others else []
    except DryRun:
        pass
    finally:
        store.dry_run = was
    return report


def _condition_false(store: Store, rule: Rule, label: str) -> str:
    from crmcli.core.query.compile import compile_where

    try:
        compile_where(store, rule.trigger.subject, rule.condition or "", label="if")
    except Invalid as exc:
        return f"its condition no longer reads: {exc.message}"
    return f"its condition ({rule.condition}) is false for {label}"


def _happening(
    store: Store, rule: Rule, ref_kind: str, ref_id: int, now: datetime
) -> tuple[Happening, str]:
    """The rule's trigger as if it had just happened to the subject, and the subject in words."""
    event = rule.trigger.event
    if ref_kind not in SUBJECT_KINDS:
        raise Invalid(f"test a rule on a deal, a contact or a follow-up, not {ref_kind!r}")
    if event in DEAL_EVENTS:
        if ref_kind != "deal":
            raise Invalid(
                f"rule {rule.name!r} is about deals ({rule.trigger.text}): test it on one"
            )
        return _deal(store, rule, ref_id)
    if event == Event.FOLLOWUP_OVERDUE:
        if ref_kind != "followup":
            raise Invalid(
                f"rule {rule.name!r} is about overdue follow-ups: test it on one "
                "(its id, as `crm followup list` shows it)"
            )
        return _followup(store, rule, ref_id, now)
    if ref_kind != "contact":
        raise Invalid(f"rule {rule.name!r} is about contacts ({rule.trigger.text}): test it on one")
    return _contact(store, rule, ref_id, now)


def _deal(store: Store, rule: Rule, deal_id: int) -> tuple[Happening, str]:
    from crmcli.core.rules.grammar import split_stage

    deal = store.row(
        "SELECT d.id, d.title, d.contact_id, s.name AS stage, p.name AS pipeline FROM deal d "
        "JOIN stage s ON s.id = d.stage_id JOIN pipeline p ON p.id = s.pipeline_id "
        "WHERE d.id = ?",
        (deal_id,),
    )
    if deal is None:
        raise NotFound(f"no deal #{deal_id}")
    label = f"deal #{deal_id} {deal['title']!r}"
    trigger = rule.trigger
    stage, pipeline = str(deal["stage"]), str(deal["pipeline"])
    if trigger.stage:
        wanted_pipeline, stage = split_stage(trigger.stage)
        pipeline = wanted_pipeline or pipeline
    words = {
        Event.DEAL_ENTERS: f"entered {stage}",
        Event.DEAL_LEAVES: f"left {stage}",
        Event.DEAL_WON: "won",
        Event.DEAL_LOST: "lost",
    }[trigger.event]
    contact_id = None if deal["contact_id"] is None else int(deal["contact_id"])
    happening = Happening(
        trigger.event,
        "deal",
        deal_id,
        contact_id,
        f"{label} {words} (as a test)",
        stage=stage,
        pipeline=pipeline,
    )
    return happening, label


def _contact(store: Store, rule: Rule, contact_id: int, now: datetime) -> tuple[Happening, str]:
    name = store.value("SELECT display_name FROM contact WHERE id = ?", (contact_id,))
    if name is None:
        raise NotFound(f"no contact #{contact_id}")
    label = f"contact #{contact_id} {name}"
    trigger = rule.trigger
    if trigger.event == Event.CADENCE_MISSED:
        for subject, happening in _timed_subjects(store, rule, now):
            if subject == f"contact:{contact_id}":
                return happening, label
        return Happening(trigger.event, "contact", contact_id, contact_id, label), label
    if trigger.event == Event.LOGGED:
        kind = trigger.kind or "interaction"
        outcome = f" ({trigger.outcome})" if trigger.outcome else ""
        reason = f"{kind} logged with #{contact_id} {name}{outcome} (as a test)"
        happening = Happening(
            trigger.event,
            "contact",
            contact_id,
            contact_id,
            reason,
            kind=trigger.kind,
            outcome=trigger.outcome,
        )
        return happening, label
    if trigger.event == Event.TAG_ADDED:
        from crmcli.core.values.text import fold

        reason = f"tag {trigger.tag!r} added to #{contact_id} {name} (as a test)"
        happening = Happening(
            trigger.event,
            "contact",
            contact_id,
            contact_id,
            reason,
            tag_key=fold(trigger.tag or ""),
        )
        return happening, label
    reason = f"contact {label.removeprefix('contact ')} created (as a test)"
    return Happening(trigger.event, "contact", contact_id, contact_id, reason), label


def _followup(store: Store, rule: Rule, followup_id: int, now: datetime) -> tuple[Happening, str]:
    row = store.row(
        "SELECT id, contact_id, deal_id, due_at FROM followup WHERE id = ?", (followup_id,)
    )
    if row is None:
        raise NotFound(f"no follow-up #{followup_id}")
    label = f"follow-up #{followup_id}"
    for subject, happening in _timed_subjects(store, rule, now):
        if subject == f"followup:{followup_id}":
            return happening, label
    contact_id = int(row["contact_id"])
    happening = Happening(
        rule.trigger.event,
        "contact",
        contact_id,
        contact_id,
        label,
        deal_id=row["deal_id"],
        followup_id=followup_id,
        occasion=str(row["due_at"]),
    )
    return happening, label


def _timed_subjects(store: Store, rule: Rule, now: datetime) -> list[tuple[str, Happening]]:
    from crmcli.core.rules import timed

    return timed.subjects(store, rule, now)


def _not_due(store: Store, rule: Rule, happening: Happening, now: datetime) -> str | None:
    """Why a time rule would not fire on this subject now (not due, or fired already)."""
    subject = (
        f"followup:{happening.followup_id}"
        if rule.trigger.event == Event.FOLLOWUP_OVERDUE
        else f"contact:{happening.subject_id}"
    )
    due = {s for s, _ in _timed_subjects(store, rule, now)}
    if subject not in due:
        what = (
            "is not open and overdue"
            if rule.trigger.event == Event.FOLLOWUP_OVERDUE
            else "has no missed keep-in-touch date"
        )
        late = f" by {rule.trigger.days} days" if rule.trigger.days else ""
        return f"{happening.reason} {what}{late} now"
    at = store.value(
        "SELECT at FROM rule_fired WHERE rule_id = ? AND subject = ? AND occasion = ?",
        (rule.id, subject, happening.occasion),
    )
    if at is not None:
        return f"it already fired on this on {clock.local_time(str(at))} (a time rule fires once)"
    return None
