"""The rule grammar: every trigger and action form, and every way one is refused (one line)."""

from __future__ import annotations

import pytest

from crmcli.core.errors import Invalid
from crmcli.core.rules import grammar
from crmcli.core.rules.grammar import (
    check_name,
    parse_action,
    parse_rule,
    parse_trigger,
    stage_matches,
    tag_matches,
)
from crmcli.core.rules.model import Action, Event, Trigger, Verb
from crmcli.core.rules.wording import describe_action, describe_trigger


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        (
            "deal enters Proposal",
            Trigger(Event.DEAL_ENTERS, "deal enters Proposal", stage="Proposal"),
        ),
        (
            "Deal Enters  closed won",
            Trigger(Event.DEAL_ENTERS, "Deal Enters closed won", stage="closed won"),
        ),
        (
            'deal enters "Closed Won"',
            Trigger(Event.DEAL_ENTERS, 'deal enters "Closed Won"', stage="Closed Won"),
        ),
        (
            "deal leaves Sales/Demo",
            Trigger(Event.DEAL_LEAVES, "deal leaves Sales/Demo", stage="Sales/Demo"),
        ),
        (
            "deal leaves Sales / Demo",
            Trigger(Event.DEAL_LEAVES, "deal leaves Sales / Demo", stage="Sales/Demo"),
        ),
        ("deal won", Trigger(Event.DEAL_WON, "deal won")),
        ("DEAL LOST", Trigger(Event.DEAL_LOST, "DEAL LOST")),
        ("interaction logged", Trigger(Event.LOGGED, "interaction logged")),
        ("call logged", Trigger(Event.LOGGED, "call logged", kind="call")),
        ("Meeting logged", Trigger(Event.LOGGED, "Meeting logged", kind="meeting")),
        (
            "call logged with outcome no answer",
            Trigger(
                Event.LOGGED, "call logged with outcome no answer", kind="call", outcome="no-answer"
            ),
        ),
        (
            "email logged with outcome Replied",
            Trigger(
                Event.LOGGED, "email logged with outcome Replied", kind="email", outcome="replied"
            ),
        ),
        (
            "interaction logged with outcome no_show",
            Trigger(Event.LOGGED, "interaction logged with outcome no_show", outcome="no-show"),
        ),
        ("contact created", Trigger(Event.CONTACT_CREATED, "contact created")),
        ("tag added vip", Trigger(Event.TAG_ADDED, "tag added vip", tag="vip")),
        ("tag added hot lead", Trigger(Event.TAG_ADDED, "tag added hot lead", tag="hot lead")),
        ("tag Hélène added", Trigger(Event.TAG_ADDED, "tag Hélène added", tag="Hélène")),
        ("followup overdue", Trigger(Event.FOLLOWUP_OVERDUE, "followup overdue", days=0)),
        (
            "follow-up overdue by 3 days",
            Trigger(Event.FOLLOWUP_OVERDUE, "follow-up overdue by 3 days", days=3),
        ),
        (
            "followup overdue by 1 day",
            Trigger(Event.FOLLOWUP_OVERDUE, "followup overdue by 1 day", days=1),
        ),
        (
            "followup overdue by 2d",
            Trigger(Event.FOLLOWUP_OVERDUE, "followup overdue by 2d", days=2),
        ),
        ("cadence missed", Trigger(Event.CADENCE_MISSED, "cadence missed", days=0)),
        (
            "cadence missed by 7 days",
            Trigger(Event.CADENCE_MISSED, "cadence missed by 7 days", days=7),
        ),
        ("cadence missed by 14d", Trigger(Event.CADENCE_MISSED, "cadence missed by 14d", days=14)),
    ],
)
def test_every_trigger_form(text: str, expected: Trigger) -> None:
    assert parse_trigger(text) == expected
    assert describe_trigger(expected)


def test_trigger_subjects_and_timing() -> None:
    assert parse_trigger("deal won").subject == "deals"
    assert parse_trigger("call logged").subject == "contacts"
    assert parse_trigger("tag added vip").subject == "contacts"
    assert parse_trigger("cadence missed").timed
    assert not parse_trigger("contact created").timed


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("", "a rule needs a trigger (--when): one of deal enters STAGE"),
        (
            "deal entres Proposal",
            "cannot read 'deal entres Proposal' as a trigger: expected one of",
        ),
        ("whenever", "contact created; tag added NAME; followup overdue [by N days]"),
        ("deal enters", "deal enters needs a stage name"),
        ("deal leaves /Demo", "deal leaves needs a stage: STAGE or PIPELINE/STAGE"),
        ("sms logged", "unknown interaction kind 'sms' in 'sms logged' (one of call, email"),
        ("call logged yesterday", "expected 'call logged' or 'call logged with outcome OUTCOME'"),
        (
            "call logged with outcome",
            "expected 'call logged' or 'call logged with outcome OUTCOME'",
        ),
        ("call logged with outcome meh", "unknown outcome 'meh' in"),
        (
            "followup overdue soon",
            "followup overdue: expected 'by N days' (or 'by Nd'), not 'soon'",
        ),
        ("cadence missed by many days", "cadence missed: expected 'by N days'"),
        ("deal\x1b enters X", "a trigger must be one line of text, without control characters"),
    ],
)
def test_bad_triggers_are_one_clear_line(text: str, message: str) -> None:
    with pytest.raises(Invalid) as caught:
        parse_trigger(text)
    assert message in caught.value.message
    assert "\n" not in caught.value.message


def test_an_unknown_trigger_lists_every_form() -> None:
    with pytest.raises(Invalid) as caught:
        parse_trigger("when pigs fly")
    for form in grammar.TRIGGER_FORMS:
        assert form in caught.value.message


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        (
            "followup +3d: chase the proposal for {deal.title}",
            Action(
                Verb.FOLLOWUP,
                "followup +3d: chase the proposal for {deal.title}",
                when="+3d",
                note="chase the proposal for {deal.title}",
            ),
        ),
        (
            "followup tomorrow 9am: call back",
            Action(
                Verb.FOLLOWUP,
                "followup tomorrow 9am: call back",
                when="tomorrow 9am",
                note="call back",
            ),
        ),
        (
            "followup tomorrow 9:30: call {first_name}",
            Action(
                Verb.FOLLOWUP,
                "followup tomorrow 9:30: call {first_name}",
                when="tomorrow 9:30",
                note="call {first_name}",
            ),
        ),
        (
            "Follow-up in 2 weeks: check in: how was it?",
            Action(
                Verb.FOLLOWUP,
                "Follow-up in 2 weeks: check in: how was it?",
                when="in 2 weeks",
                note="check in: how was it?",
            ),
        ),
        (
            "followup 01/15: month first",  # reads in the mdy order only: still a WHEN
            Action(Verb.FOLLOWUP, "followup 01/15: month first", when="01/15", note="month first"),
        ),
        (
            "followup +1d: first line\nsecond line",
            Action(
                Verb.FOLLOWUP,
                "followup +1d: first line\nsecond line",
                when="+1d",
                note="first line\nsecond line",
            ),
        ),
        (
            "set status = customer",
            Action(Verb.SET, "set status = customer", field="status", value="customer"),
        ),
        (
            "set Status = Customer",
            Action(Verb.SET, "set Status = Customer", field="status", value="customer"),
        ),
        (
            'set title = "Head of Sales"',
            Action(Verb.SET, 'set title = "Head of Sales"', field="title", value="Head of Sales"),
        ),
        (
            "set lead source = fair",
            Action(Verb.SET, "set lead source = fair", field="lead_source", value="fair"),
        ),
        (
            "set do_not_contact = yes",
            Action(Verb.SET, "set do_not_contact = yes", field="do_not_contact", value="yes"),
        ),
        (
            "set do-not-contact = off",
            Action(Verb.SET, "set do-not-contact = off", field="do_not_contact", value="no"),
        ),
        (
            "set next_step = send {deal.title}",
            Action(
                Verb.SET,
                "set next_step = send {deal.title}",
                field="next_step",
                value="send {deal.title}",
            ),
        ),
        (
            "set close_date = +30d",
            Action(Verb.SET, "set close_date = +30d", field="close_date", value="+30d"),
        ),
        (
            "set expected_close = eom",
            Action(Verb.SET, "set expected_close = eom", field="close_date", value="eom"),
        ),
        (
            "set probability = 40%",
            Action(Verb.SET, "set probability = 40%", field="probability", value="40"),
        ),
        ("tag vip", Action(Verb.TAG, "tag vip", tag="vip")),
        ("tag hot lead", Action(Verb.TAG, "tag hot lead", tag="hot lead")),
        ("untag 'cold'", Action(Verb.UNTAG, "untag 'cold'", tag="cold")),
        ("cadence 30 days", Action(Verb.CADENCE, "cadence 30 days", days=30)),
        ("cadence 30d", Action(Verb.CADENCE, "cadence 30d", days=30)),
        ("cadence 2w", Action(Verb.CADENCE, "cadence 2w", days=14)),
        ("cadence off", Action(Verb.CADENCE, "cadence off", days=None)),
        ("move Proposal", Action(Verb.MOVE, "move Proposal", stage="Proposal")),
        ("move to Sales/Won", Action(Verb.MOVE, "move to Sales/Won", stage="Sales/Won")),
        (
            "next step: send the quote",
            Action(Verb.NEXT, "next step: send the quote", note="send the quote"),
        ),
        (
            "Next step call {first_name}",
            Action(Verb.NEXT, "Next step call {first_name}", note="call {first_name}"),
        ),
        ("next_step: {{literal}}", Action(Verb.NEXT, "next_step: {{literal}}", note="{{literal}}")),
    ],
)
def test_every_action_form(text: str, expected: Action) -> None:
    assert parse_action(text) == expected
    assert describe_action(expected)


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("", "a rule needs an action (--then): one of followup WHEN: NOTE"),
        ("launch the rocket", "cannot read 'launch the rocket' as an action: expected one of"),
        ("followup +3d", "expected 'followup WHEN: NOTE'"),
        ("followup someday: x", "followup: cannot read 'someday' as a date: try today, tomorrow"),
        ("followup +3d:   ", "the follow-up needs a note after the colon"),
        ("followup +3d: hi {frist_name}", "the follow-up note: unknown merge field {frist_name}"),
        ("followup +3d: a lone { brace", "a lone '{' at character"),
        ("followup +3d: bell\x07", "must not hold control characters"),
        ("set status", "expected 'set FIELD = VALUE'"),
        ("set name = Bob", "cannot set 'name': a rule can set on contacts: status, title"),
        ("set status =", "set status needs a value after '='"),
        ("set status = boss", "unknown status 'boss' (one of lead, prospect, customer, inactive)"),
        (
            "set probability = 140",
            "set probability: expected a whole number from 0 to 100, not '140'",
        ),
        ("set probability = high", "expected a whole number from 0 to 100"),
        ("set do_not_contact = maybe", "set do_not_contact: expected yes or no, not 'maybe'"),
        ("set close_date = someday", "set close_date: cannot read 'someday' as a date"),
        ("set title = {nope}", "set title: unknown merge field {nope}"),
        ("tag", "tag needs a tag name (e.g. tag vip)"),
        ("untag !!", "untag needs a tag name"),
        ("tag vip\nother", "must be one line of text"),
        ("cadence", "cadence needs a length: cadence 30 days, cadence 2w or cadence off"),
        (
            "cadence often",
            "cadence: cannot read 'often' as a cadence (try 30d, 2w, 3mo, 1y, or off)",
        ),
        ("cadence 20y", "cadence: cadence '20y' is longer than ten years"),
        ("move", "move needs a stage name (e.g. move Proposal)"),
        ("next step:", "next step needs its text: next step: TEXT"),
    ],
)
def test_bad_actions_are_one_clear_line(text: str, message: str) -> None:
    with pytest.raises(Invalid) as caught:
        parse_action(text)
    assert message in caught.value.message
    assert "\n" not in caught.value.message.replace("\\n", "")


def test_a_rule_from_its_texts() -> None:
    rule = parse_rule(
        "  chase proposals ",
        "deal enters Proposal",
        ["followup +3d: chase {deal.title}", "next step: call them"],
        "  amount:>=5000 ",
        enabled=False,
        description="  ",
    )
    assert rule.name == "chase proposals"
    assert rule.trigger.stage == "Proposal"
    assert [a.verb for a in rule.actions] == [Verb.FOLLOWUP, Verb.NEXT]
    assert rule.condition == "amount:>=5000"
    assert rule.enabled is False
    assert rule.description is None
    assert parse_rule("one", "deal won", "tag won").actions[0].tag == "won"  # a lone string
    assert parse_rule("blank if", "deal won", ["tag x"], "   ").condition is None


@pytest.mark.parametrize(
    ("when", "then", "message"),
    [
        ("deal entres X", ["tag x"], "rule 'r': cannot read 'deal entres X' as a trigger"),
        ("deal won", [], "rule 'r': a rule needs at least one action (--then)"),
        ("deal won", ["tag x", "frobnicate"], "rule 'r': cannot read 'frobnicate' as an action"),
        (
            "contact created",
            ["move Won"],
            "rule 'r': 'move Won' needs a deal, and 'contact created' is about a contact",
        ),
        ("tag added vip", ["next step: call"], "'next step: call' needs a deal"),
        (
            "deal won",
            ["set status = customer"],
            "'deal won' is about deals, whose fields a rule can set are next_step",
        ),
        (
            "call logged",
            ["set probability = 10"],
            "is about contacts, whose fields a rule can set are status",
        ),
    ],
)
def test_a_bad_rule_names_itself(when: str, then: list[str], message: str) -> None:
    with pytest.raises(Invalid) as caught:
        parse_rule("r", when, then)
    assert message in caught.value.message


@pytest.mark.parametrize(
    ("name", "message"),
    [
        ("", "a rule needs a name"),
        ("   ", "a rule needs a name"),
        ("a" * 81, "a rule name is at most 80 characters (81 given)"),
        ("two\nlines", "a rule name must be one line without control characters"),
        ("bell\x07", "without control characters"),
        ("-x", "a rule name cannot start with '-'"),
    ],
)
def test_bad_names(name: str, message: str) -> None:
    with pytest.raises(Invalid) as caught:
        check_name(name)
    assert message in caught.value.message


def test_good_names() -> None:
    assert check_name("a" * 80) == "a" * 80
    assert check_name(" Relance « devis » ✓ ") == "Relance « devis » ✓"


def test_stage_and_tag_matching_for_the_engine() -> None:
    assert stage_matches("proposal", "Sales", "Proposal")
    assert stage_matches("Sales/PROPOSAL", "sales", "Proposal")
    assert not stage_matches("Renewals/Proposal", "Sales", "Proposal")
    assert not stage_matches("Prop", "Sales", "Proposal")
    assert tag_matches("Hélène", "helene")
    assert not tag_matches("vip", "vips")
    assert grammar.settable("deals", "close_date").column == "expected_close"
