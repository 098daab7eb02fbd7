"""A rule in words, for `crm rule show`: what its trigger waits for and what each action does."""

from __future__ import annotations

from crmcli.core.rules.grammar import split_stage
from crmcli.core.rules.model import Action, Event, Trigger, Verb


def describe_trigger(trigger: Trigger) -> str:
    """The trigger in words, for `crm rule show`."""
    event = trigger.event
    if event in (Event.DEAL_ENTERS, Event.DEAL_LEAVES):
        verb = "enters" if event is Event.DEAL_ENTERS else "leaves"
        pipeline, stage = split_stage(trigger.stage or "")
        where = f" (pipeline {pipeline})" if pipeline else " (in any pipeline)"
        return f"when a deal {verb} the stage {stage}{where}"
    if event is Event.DEAL_WON:
        return "when a deal is won"
    if event is Event.DEAL_LOST:
        return "when a deal is lost"
    if event is Event.LOGGED:
        what = f"a {trigger.kind}" if trigger.kind else "any interaction"
        outcome = f" with outcome {trigger.outcome}" if trigger.outcome else ""
        return f"when {what} is logged{outcome}"
    if event is Event.CONTACT_CREATED:
        return "when a contact is created"
    if event is Event.TAG_ADDED:
        return f"when the tag {trigger.tag} is added to a contact"
    late = (
        f"more than {trigger.days} day{'s' if trigger.days != 1 else ''} late"
        if trigger.days
        else "as soon as it is due"
    )
    if event is Event.FOLLOWUP_OVERDUE:
        return f"when an open follow-up is overdue, {late} (checked by crm rule run)"
    return f"when a contact's keep-in-touch cadence is missed, {late} (checked by crm rule run)"


def describe_action(action: Action) -> str:
    """The action in words, for `crm rule show`."""
    verb = action.verb
    if verb is Verb.FOLLOWUP:
        return f"add a follow-up due {action.when}: {action.note}"
    if verb is Verb.SET:
        return f"set {action.field} to {action.value}"
    if verb is Verb.TAG:
        return f"tag the contact {action.tag}"
    if verb is Verb.UNTAG:
        return f"remove the tag {action.tag} from the contact"
    if verb is Verb.CADENCE:
        if action.days is None:
            return "turn the contact's keep-in-touch cadence off"
        return f"set the contact's keep-in-touch cadence to {action.days} days"
    if verb is Verb.MOVE:
        return f"move the deal to {action.stage}"
    return f"set the deal's next step: {action.note}"
