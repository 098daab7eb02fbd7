"""Read the rule text a rep writes (`--when`, `--then`, the TOML document) into `model` shapes.

One grammar for `crm rule add` and `crm rule edit`. Everything here is checked without
the database: keywords, interaction kinds and outcomes, WHEN phrases (read against a
fixed clock, for their syntax only: `+3d` is resolved when the rule fires), merge
fields, which fields a rule may set on its subject. What needs the database (a stage
that exists, a condition that compiles) is `crmcli.core.rules.checks`. Every error is
one `Invalid` line saying what was expected.
"""

from __future__ import annotations

import datetime
import re
from collections.abc import Sequence
from dataclasses import dataclass

from crmcli.core.activity.interactions import OUTCOMES, Kind
from crmcli.core.errors import Invalid
from crmcli.core.messages import merge
from crmcli.core.people.fields import check_status
from crmcli.core.rules.model import DEAL_EVENTS, Action, Event, Rule, Trigger, Verb
from crmcli.core.values.durations import parse_cadence
from crmcli.core.values.text import collapse, fold
from crmcli.core.values.when import parse_when

NAME_MAX = 80
DESCRIPTION_MAX = 300
CONDITION_MAX = 2000  # the filter language echoes a condition in its errors: keep it a line
ACTIONS_MAX = 20  # each runs under its own savepoint on every write that fires the rule

# What `--when` accepts, as shown in errors and help.
TRIGGER_FORMS = (
    "deal enters STAGE",
    "deal leaves STAGE",
    "deal won",
    "deal lost",
    "interaction logged",
    "KIND logged",
    "KIND logged with outcome OUTCOME",
    "contact created",
    "tag added NAME",
    "followup overdue [by N days]",
    "cadence missed [by N days]",
)
# What `--then` accepts.
ACTION_FORMS = (
    "followup WHEN: NOTE",
    "set FIELD = VALUE",
    "tag NAME",
    "untag NAME",
    "cadence N days",
    "cadence off",
    "move STAGE",
    "next step: TEXT",
)


@dataclass(frozen=True)
class Settable:
    """A field a `set FIELD = VALUE` action may write on its subject.

    `kind` says how the value is kept in `Action.value` and applied:
    - "text": as written; merge fields allowed (rendered when the rule fires);
    - "status": a contact status (`ContactStatus` value);
    - "percent": an integer 0-100, as digits;
    - "flag": "yes" or "no";
    - "date": a WHEN phrase (`+30d`, `eom`), resolved to a date when the rule fires.
    """

    column: str  # the column written
    kind: str
    what: str


# Per subject ('contacts' / 'deals'), by the name a rule uses; the plain, safe fields
# only (no names, no money, no deal status: won and lost are `move` to a won/lost stage).
SETTABLE: dict[str, dict[str, Settable]] = {
    "contacts": {
        "status": Settable("status", "status", "the contact's status"),
        "title": Settable("title", "text", "the contact's job title"),
        "lead_source": Settable("lead_source", "text", "the contact's lead source"),
        "do_not_contact": Settable("do_not_contact", "flag", "do not contact (yes/no)"),
    },
    "deals": {
        "next_step": Settable("next_step", "text", "the deal's next step"),
        "close_date": Settable("expected_close", "date", "the deal's expected close date"),
        "probability": Settable("probability", "percent", "the deal's win probability (%)"),
        "lead_source": Settable("lead_source", "text", "the deal's lead source"),
    },
}
_FIELD_ALIASES = {"expected_close": "close_date", "close": "close_date", "source": "lead_source"}

_YES = ("yes", "true", "on", "1", "y")
_NO = ("no", "false", "off", "0", "n")

# WHEN phrases are read against this fixed moment, only to know they can be read.
_SYNTAX_CLOCK = datetime.datetime(2026, 1, 7, 9, 0, tzinfo=datetime.UTC)

_DAYS = re.compile(r"(?:by\s+)?(\d{1,4})\s*(?:d|days?)", re.IGNORECASE)


# -- small helpers ------------------------------------------------------------------------


def _unquote(text: str) -> str:
    """`"Closed Won"` or `'vip'` as the bare words; anything else trimmed."""
    value = text.strip()
    if len(value) >= 2 and value[0] == value[-1] and value[0] in "\"'":
        value = value[1:-1].strip()
    return value


def _one_line(text: str, what: str) -> str:
    if any(not ch.isprintable() for ch in text):
        raise Invalid(f"{what} must be one line of text, without control characters: {text!r}")
    return text


def _no_controls(text: str, what: str) -> str:
    """Text that may run over lines (a follow-up's note), without other control characters."""
    if any(not ch.isprintable() and ch not in "\n\t" for ch in text):
        raise Invalid(f"{what} must not hold control characters: {text!r}")
    return text


def _forms(forms: Sequence[str]) -> str:
    return "; ".join(forms)


def _stage(text: str, what: str) -> str:
    """A stage reference as kept: `Stage` or `Pipeline/Stage`, spacing collapsed."""
    value = _unquote(text)
    if "/" in value:
        pipeline, _, stage = value.partition("/")
        pipeline, stage = collapse(_unquote(pipeline)), collapse(_unquote(stage))
        if not fold(pipeline) or not fold(stage):
            raise Invalid(f"{what} needs a stage: STAGE or PIPELINE/STAGE, not {text.strip()!r}")
        return f"{pipeline}/{stage}"
    value = collapse(value)
    if not fold(value):
        raise Invalid(f"{what} needs a stage name (e.g. {what} Proposal)")
    return value


def split_stage(ref: str) -> tuple[str | None, str]:
    """A stage reference as (pipeline or None, stage name)."""
    if "/" in ref:
        pipeline, _, stage = ref.partition("/")
        return pipeline, stage
    return None, ref


def stage_matches(ref: str, pipeline: str, stage: str) -> bool:
    """Does a rule's stage reference (`Proposal`, `Sales/Proposal`) name this stage?
    Names compare with accents and case ignored; a bare name matches in every pipeline."""
    want_pipeline, want_stage = split_stage(ref)
    if fold(want_stage) != fold(stage):
        return False
    return want_pipeline is None or fold(want_pipeline) == fold(pipeline)


def same_stage_ref(a: str, b: str) -> bool:
    """Could two stage references name the same stage (without the database)?"""
    pa, sa = split_stage(a)
    pb, sb = split_stage(b)
    if fold(sa) != fold(sb):
        return False
    return pa is None or pb is None or fold(pa) == fold(pb)


def _tag(text: str, what: str) -> str:
    value = collapse(_unquote(text))
    if not value or not fold(value):
        raise Invalid(f"{what} needs a tag name (e.g. {what} vip)")
    return value


def tag_matches(rule_tag: str, tag: str) -> bool:
    """Does a rule's tag name this tag? Accents, case and punctuation ignored, as tags are."""
    return fold(rule_tag) == fold(tag)


def _days(text: str, what: str) -> int:
    match = _DAYS.fullmatch(text.strip())
    if match is None:
        raise Invalid(f"{what}: expected 'by N days' (or 'by Nd'), not {text.strip()!r}")
    return int(match.group(1))


def check_when(text: str, what: str = "followup") -> str:
    """A WHEN phrase as kept, once it reads (either date order); `Invalid` otherwise."""
    phrase = collapse(text)
    if not phrase:
        raise Invalid(f"{what} needs a WHEN (e.g. followup +3d: NOTE)")
    try:
        parse_when(phrase, now=_SYNTAX_CLOCK, direction="future", date_order="dmy")
    except Invalid as first:
        try:
            parse_when(phrase, now=_SYNTAX_CLOCK, direction="future", date_order="mdy")
        except Invalid:
            raise Invalid(f"{what}: {first.message}") from None
    return phrase


def _merge_text(text: str, what: str, *, lines: bool = False) -> str:
    value = text.strip()
    if lines:
        _no_controls(value, what)
    else:
        _one_line(value, what)
    merge.check(value, what=what)
    return value


# -- triggers -----------------------------------------------------------------------------


def parse_trigger(text: str) -> Trigger:
    """A `--when` text as a `Trigger`; `Invalid` listing the forms when it is not one."""
    written = collapse(_one_line(text, "a trigger"))
    low = written.lower()
    words = low.split()
    if not words:
        raise Invalid(f"a rule needs a trigger (--when): one of {_forms(TRIGGER_FORMS)}")
    rest = written.split(" ", 2)[2] if len(words) > 2 else ""
    if words[0] == "deal" and len(words) >= 2:
        if words[1] in ("enters", "leaves"):
            event = Event.DEAL_ENTERS if words[1] == "enters" else Event.DEAL_LEAVES
            return Trigger(event, written, stage=_stage(rest, f"deal {words[1]}"))
        if words[1:] == ["won"]:
            return Trigger(Event.DEAL_WON, written)
        if words[1:] == ["lost"]:
            return Trigger(Event.DEAL_LOST, written)
    if words[:2] == ["contact", "created"] and len(words) == 2:
        return Trigger(Event.CONTACT_CREATED, written)
    if words[0] == "tag" and len(words) >= 3:
        if words[1] == "added":  # tag added NAME
            return Trigger(Event.TAG_ADDED, written, tag=_tag(rest, "tag added"))
        if words[-1] == "added":  # tag NAME added
            name = written.split(" ", 1)[1].rsplit(" ", 1)[0]
            return Trigger(Event.TAG_ADDED, written, tag=_tag(name, "tag added"))
    if len(words) >= 2 and words[1] == "logged":
        return _logged(written, words)
    timed = _timed(written, words)
    if timed is not None:
        return timed
    raise Invalid(f"cannot read {written!r} as a trigger: expected one of {_forms(TRIGGER_FORMS)}")


def _logged(written: str, words: list[str]) -> Trigger:
    """`interaction logged`, `KIND logged`, either `with outcome OUTCOME`."""
    kinds = ", ".join(k.value for k in Kind)
    if words[0] == "interaction":
        kind = None
    else:
        try:
            kind = Kind(words[0]).value
        except ValueError:
            raise Invalid(
                f"unknown interaction kind {written.split()[0]!r} in {written!r} "
                f"(one of {kinds}, or 'interaction logged' for any)"
            ) from None
    if len(words) == 2:
        return Trigger(Event.LOGGED, written, kind=kind)
    if words[2:4] != ["with", "outcome"] or len(words) < 5:
        raise Invalid(
            f"cannot read {written!r}: expected '{words[0]} logged' or "
            f"'{words[0]} logged with outcome OUTCOME'"
        )
    outcome = "-".join(words[4:]).replace("_", "-")
    if outcome not in OUTCOMES:
        raise Invalid(
            f"unknown outcome {' '.join(written.split()[4:])!r} in {written!r} "
            f"(one of {', '.join(OUTCOMES)})"
        )
    return Trigger(Event.LOGGED, written, kind=kind, outcome=outcome)


def _timed(written: str, words: list[str]) -> Trigger | None:
    """`followup overdue [by N days]`, `cadence missed [by N days]`; None if neither."""
    low = " ".join(words)
    for prefix, event in (
        ("followup overdue", Event.FOLLOWUP_OVERDUE),
        ("follow-up overdue", Event.FOLLOWUP_OVERDUE),
        ("follow up overdue", Event.FOLLOWUP_OVERDUE),
        ("cadence missed", Event.CADENCE_MISSED),
    ):
        if low == prefix:
            return Trigger(event, written, days=0)
        if low.startswith(prefix + " "):
            tail = low[len(prefix) + 1 :]
            if not tail.startswith("by "):
                raise Invalid(f"{prefix}: expected 'by N days' (or 'by Nd'), not {tail!r}")
            return Trigger(event, written, days=_days(tail, prefix))
    return None


# -- actions ------------------------------------------------------------------------------


def parse_action(text: str) -> Action:
    """A `--then` text as an `Action`; `Invalid` listing the forms when it is not one."""
    written = text.strip()
    _no_controls(written, "an action")
    low = written.lower()
    head = low.split(None, 1)[0] if low else ""
    if not head:
        raise Invalid(f"a rule needs an action (--then): one of {_forms(ACTION_FORMS)}")
    if re.match(r"follow[\s-]?up\b", low):
        return _followup(written)  # the only action whose text may run over lines (its note)
    _one_line(written, "an action other than a follow-up")
    if head == "set":
        return _set(written)
    if head in ("tag", "untag"):
        verb = Verb.TAG if head == "tag" else Verb.UNTAG
        return Action(verb, written, tag=_tag(written[len(head) :], head))
    if head == "cadence":
        return _cadence(written)
    if head == "move":
        rest = written[4:].strip()
        if rest.lower().startswith("to "):  # `move to Proposal` reads naturally too
            rest = rest[3:]
        return Action(Verb.MOVE, written, stage=_stage(rest, "move"))
    match = re.match(r"next[\s_-]+step\b\s*:?", written, re.IGNORECASE)
    if match:
        step = written[match.end() :].strip()
        if not step:
            raise Invalid("next step needs its text: next step: TEXT")
        return Action(Verb.NEXT, written, note=_merge_text(step, "the next step"))
    raise Invalid(f"cannot read {written!r} as an action: expected one of {_forms(ACTION_FORMS)}")


def _followup(written: str) -> Action:
    """`followup WHEN: NOTE`: the WHEN ends at the first colon whose left side reads as
    one, so `followup tomorrow 9:30: call` keeps its time."""
    match = re.match(r"follow[\s-]?up\s*", written, re.IGNORECASE)
    assert match is not None  # parse_action only sends texts starting so
    body = written[match.end() :]
    colons = [i for i, ch in enumerate(body) if ch == ":"]
    if not colons:
        raise Invalid(
            f"cannot read {written!r}: expected 'followup WHEN: NOTE' "
            "(e.g. followup +3d: call back)"
        )
    first_error: Invalid | None = None
    for i in colons:
        when_text = body[:i]
        try:
            when = check_when(when_text)
        except Invalid as exc:
            first_error = first_error or exc
            continue
        note = body[i + 1 :].strip()
        if not note:
            raise Invalid(f"{written!r}: the follow-up needs a note after the colon")
        return Action(
            Verb.FOLLOWUP,
            written,
            when=when,
            note=_merge_text(note, "the follow-up note", lines=True),
        )
    assert first_error is not None
    raise first_error


def _set(written: str) -> Action:
    body = written[3:].strip()
    field_text, eq, value_text = body.partition("=")
    if not eq:
        raise Invalid(f"cannot read {written!r}: expected 'set FIELD = VALUE'")
    field = re.sub(r"[\s-]+", "_", field_text.strip().lower())
    field = _FIELD_ALIASES.get(field, field)
    known = {name for fields in SETTABLE.values() for name in fields}
    if field not in known:
        raise Invalid(f"cannot set {field_text.strip()!r}: a rule can set {_settable_names()}")
    value = _unquote(value_text)
    if not value:
        raise Invalid(f"{written!r}: set {field} needs a value after '='")
    kinds = {fields[field].kind for fields in SETTABLE.values() if field in fields}
    return Action(Verb.SET, written, field=field, value=_value(field, kinds.pop(), value))


def _settable_names() -> str:
    return "; ".join(f"on {subject}: {', '.join(fields)}" for subject, fields in SETTABLE.items())


def _value(field: str, kind: str, value: str) -> str:
    """The value as `Action.value` keeps it (see `Settable`)."""
    if kind == "status":
        return check_status(value)
    if kind == "percent":
        number = value.rstrip("%").strip()
        if not number.isdigit() or not 0 <= int(number) <= 100:
            raise Invalid(f"set {field}: expected a whole number from 0 to 100, not {value!r}")
        return str(int(number))
    if kind == "flag":
        if value.lower() in _YES:
            return "yes"
        if value.lower() in _NO:
            return "no"
        raise Invalid(f"set {field}: expected yes or no, not {value!r}")
    if kind == "date":
        return check_when(value, f"set {field}")
    return _merge_text(value, f"set {field}")


def _cadence(written: str) -> Action:
    rest = written[len("cadence") :].strip()
    if not rest:
        raise Invalid("cadence needs a length: cadence 30 days, cadence 2w or cadence off")
    try:
        days = parse_cadence(rest)
    except Invalid as exc:
        raise Invalid(f"cadence: {exc.message}") from None
    return Action(Verb.CADENCE, written, days=days)


def settable(subject: str, field: str) -> Settable:
    """The field a `set` action writes on `subject` ('contacts' or 'deals')."""
    return SETTABLE[subject][field]


# -- rules --------------------------------------------------------------------------------


def check_name(name: str) -> str:
    """A rule name as kept: trimmed, 1-80 printable characters on one line."""
    value = name.strip()
    if not value:
        raise Invalid("a rule needs a name")
    if any(not ch.isprintable() for ch in value):
        raise Invalid(f"a rule name must be one line without control characters: {value!r}")
    if len(value) > NAME_MAX:
        raise Invalid(f"a rule name is at most {NAME_MAX} characters ({len(value)} given)")
    if value.startswith("-"):
        raise Invalid(f"a rule name cannot start with '-': {value!r}")
    return value


def name_key(name: str) -> str:
    """What makes two rule names the same: case and spacing ignored."""
    return collapse(name).casefold()


# Merge fields only some triggers can fill: a deal (deal triggers, an interaction logged
# about a deal, a follow-up on a deal) and a follow-up (`followup overdue`).
_DEAL_FILLED = frozenset({*DEAL_EVENTS, Event.LOGGED, Event.FOLLOWUP_OVERDUE})


def _unfillable(trigger: Trigger, action: Action) -> str | None:
    """The first merge field in the action's text that no happening of `trigger` has."""
    text = action.note or (action.value if action.verb is Verb.SET else None) or ""
    for name in merge.fields_in(text):
        if name.startswith("deal.") and trigger.event not in _DEAL_FILLED:
            return name
        if name.startswith("followup.") and trigger.event is not Event.FOLLOWUP_OVERDUE:
            return name
    return None


def check_fits(trigger: Trigger, action: Action) -> None:
    """Refuse an action that cannot apply to the trigger's subject, or whose text names a
    merge field the trigger never fills (the action would be skipped every time)."""
    subject = trigger.subject
    unfillable = _unfillable(trigger, action)
    if unfillable is not None:
        which = "a deal" if unfillable.startswith("deal.") else "a follow-up"
        goes = (
            "deal triggers, a logged interaction or an overdue follow-up"
            if unfillable.startswith("deal.")
            else "'followup overdue'"
        )
        raise Invalid(
            f"{action.text!r} uses {{{unfillable}}}, and {trigger.text!r} has no {which[2:]} "
            f"to fill it ({{{unfillable.split('.')[0]}.…}} fields go with {goes})"
        )
    if action.verb in (Verb.MOVE, Verb.NEXT) and subject != "deals":
        raise Invalid(
            f"{action.text!r} needs a deal, and {trigger.text!r} is about a contact "
            "(move and next step go with deal enters/leaves/won/lost)"
        )
    if action.verb is Verb.SET and action.field not in SETTABLE[subject]:
        raise Invalid(
            f"{action.text!r}: {trigger.text!r} is about {subject}, whose fields a rule "
            f"can set are {', '.join(SETTABLE[subject])}"
        )


def parse_condition(text: str | None) -> str | None:
    """A condition as kept (trimmed; None when empty): one line of printable text, at
    most `CONDITION_MAX` characters. Compiled by `checks`."""
    if text is None:
        return None
    value = text.strip()
    if len(value) > CONDITION_MAX:
        raise Invalid(f"a condition is at most {CONDITION_MAX} characters ({len(value)} given)")
    return _one_line(value, "a condition") or None


def check_description(text: str | None) -> str | None:
    """A description as kept (trimmed; None when empty): one line, printable, at most
    `DESCRIPTION_MAX` characters (it is shown on terminals: no escape sequences)."""
    if text is None:
        return None
    value = text.strip()
    if len(value) > DESCRIPTION_MAX:
        raise Invalid(f"a description is at most {DESCRIPTION_MAX} characters ({len(value)} given)")
    return _one_line(value, "a description") or None


def check_count(then: Sequence[str]) -> None:
    """Refuse a rule without actions, or with more than `ACTIONS_MAX`."""
    if not then:
        raise Invalid(f"a rule needs at least one action (--then): one of {_forms(ACTION_FORMS)}")
    if len(then) > ACTIONS_MAX:
        raise Invalid(f"a rule takes at most {ACTIONS_MAX} actions ({len(then)} given)")


def parse_rule(
    name: str,
    when: str,
    then: Sequence[str],
    if_: str | None = None,
    enabled: bool = True,
    description: str | None = None,
    *,
    id: int | None = None,
    position: int = 0,
) -> Rule:
    """A rule from its texts, checked as far as text alone allows; `Invalid` naming the
    rule and the part at fault otherwise."""
    value = check_name(name)
    try:
        trigger = parse_trigger(when)
        if isinstance(then, str):
            then = [then]
        check_count(then)
        actions = tuple(parse_action(text) for text in then)
        for action in actions:
            check_fits(trigger, action)
        description = check_description(description)
        condition = parse_condition(if_)
    except Invalid as exc:
        raise Invalid(f"rule {value!r}: {exc.message}") from None
    return Rule(
        name=value,
        trigger=trigger,
        actions=actions,
        condition=condition,
        enabled=enabled,
        description=description,
        id=id,
        position=position,
    )
