"""The write tools' arguments: read, bounded and echoed back as the shell would say them.

Shared by every write tool (`writing`), so a REF, an id, an amount, a duration or a
date phrase is read one way and its refusal said one way.
"""

from __future__ import annotations

import math
from datetime import datetime
from decimal import Decimal
from typing import TYPE_CHECKING, Any

from mcp.server.mcpserver.exceptions import ToolError

from crmcli.assistant.session import Session, text_arg

if TYPE_CHECKING:
    from crmcli.core.activity.rows import FollowUp
    from crmcli.core.db.store import Store
    from crmcli.core.people.contacts import Outcome
    from crmcli.core.pipeline.rows import DealDetail
    from crmcli.core.values.when import When

LARGEST_ID = 2**63 - 1  # the largest id either database can hold

CONTACT_REF = (
    "The contact: an id (`12` or `#12`), an email, a phone number, an exact name, or a "
    "name prefix only one contact has. Never a guess: a typo or a name several contacts "
    "share is an error listing the candidates (nothing is written); ask the user or use "
    "the id from find_contacts."
)
DEAL_REF = (
    "The deal: an id (`7` or `#7`), its exact title, or a title prefix only one deal has "
    "(accents and case ignored). Several matches is an error listing them."
)
DRY_RUN = (
    "true: change nothing, and return `would_change`: each row this call would insert, "
    "update or delete, with its before and after images. Use it to show the user what "
    "will happen before doing it."
)
PAST_WHEN = (
    "When it happened, in the words the shell takes, read in the rep's time zone: now "
    "(the default), yesterday, fri 3pm (the last Friday), -2h, 2 days ago, 2026-12-01 "
    "14:00. Never in the future. The result echoes it resolved as `when` (ISO 8601 with "
    "offset) and `when_local`."
)
FUTURE_WHEN = (
    "When it is due, in the words the shell takes, read in the rep's time zone: tomorrow, "
    "fri (the coming Friday), fri 10am, +3d, in 2 weeks, next mon, eow, jan 15, 2026-12-01 "
    "14:00. A day without a time is an all-day follow-up. The result echoes it resolved "
    "(`due`: an ISO date for all day, else an ISO date-time with offset)."
)


def ref_arg(name: str, value: str) -> str:
    ref = text_arg(name, value, required=True)
    assert ref is not None
    return ref


def listed_arg(name: str, value: str | None) -> list[str] | None:
    text = text_arg(name, value)
    return None if text is None else [text]


def texts_arg(name: str, values: list[str] | None) -> list[str] | None:
    if values is None:
        return None
    return [t for t in (text_arg(name, v) for v in values) if t is not None]


def clearable_arg(name: str, value: str | None) -> str | None:
    """A field "" clears: None stays "not given", "" is kept, anything else is bounded."""
    if value is None or not value.strip():
        return value
    return text_arg(name, value)


def id_arg(name: str, value: int) -> int:
    if value < 1 or value > LARGEST_ID:
        raise ToolError(f"{name} {value} is not an id (ids are whole numbers from 1)")
    return value


def seconds_arg(duration: int | str | None) -> int | None:
    from crmcli.core.values.durations import parse_duration

    if duration is None:
        return None
    if isinstance(duration, int):
        if duration < 0:
            raise ToolError(f"duration must not be negative: {duration}")
        if duration > LARGEST_ID // 60:
            raise ToolError(f"duration {duration} minutes is too long")
        return duration * 60
    text = text_arg("duration", duration, required=True)
    assert text is not None
    return parse_duration(text)


def amount_arg(amount: str | float | None) -> str | None:
    if amount is None or isinstance(amount, str):
        return text_arg("amount", amount)
    if not math.isfinite(amount):
        raise ToolError(f"amount {amount} is not a number")
    # A JSON number is a number: 1.234 is one and a bit, never "1 234" as the shell reads
    # the typed text `1.234` (a grouped thousand). More than two decimals is no price.
    exact = Decimal(repr(float(amount)))
    if exact != exact.to_integral_value() and -int(exact.as_tuple().exponent) > 2:
        raise ToolError(f"amount {amount} has more decimals than a price has (at most 2)")
    return format(exact.normalize() if exact == exact.to_integral_value() else exact, "f")


def optional_deal(store: Store, ref: str | None) -> int | None:
    return None if ref is None else deal_arg(store, ref)


def deal_arg(store: Store, ref: str) -> int:
    from crmcli.core.pipeline.deals import resolve_deal

    return resolve_deal(store, ref_arg("deal", ref))


def owner_of(session: Session) -> str:
    return str(session.config.get("user"))


# -- results -----------------------------------------------------------------------------------


def contact_result(outcome: Outcome) -> dict[str, Any]:
    from crmcli.core.people.directory import public_view

    close = outcome.close_company
    return {
        "contact": dict(public_view(outcome.contact)),
        "created_company": outcome.created_company,
        "close_company": None if close is None else {"id": close.id, "name": close.name},
        "warnings": outcome.warnings,
    }


def deal_result(deal: DealDetail) -> dict[str, Any]:
    from crmcli.core.values.money import format_amount

    view: dict[str, Any] = dict(deal)
    minor = deal["amount_minor"]
    view["amount"] = None if minor is None else format_amount(int(minor), deal["currency"] or "")
    return view


def iso_stamp(moment: datetime) -> str:
    return moment.replace(microsecond=0).isoformat()


def local_stamp(moment: datetime) -> str:
    """As the shell echoes a time (`Wed 04 Mar 2026 10:00`): crm never sets a locale, so
    the names are English, whatever the rep's LANG."""
    return moment.strftime("%a %d %b %Y %H:%M")


def due_echo(key: str, when: When, text: str | None) -> dict[str, Any]:
    """`due` (an ISO day when all-day, else an ISO instant with offset), the words, and
    the day spelled out, so a model can repeat it without working out a weekday."""
    from crmcli.core import clock

    if when.time is None:
        return {
            key: when.date.isoformat(),
            f"{key}_text": text,
            f"{key}_local": f"{when.date:%a %d %b %Y} (all day)",
        }
    due = when.instant(clock.local_zone())
    return {key: iso_stamp(due), f"{key}_text": text, f"{key}_local": local_stamp(due)}


def past_warning(row: FollowUp | None, typed: str | None) -> list[str]:
    """A follow-up due before now is kept, with a word, as the shell says it."""
    from crmcli.core import clock
    from crmcli.core.activity import followups

    if row is None or typed is None or not followups.in_the_past(row, clock.local_now()):
        return []
    return [f"{typed.strip()} is in the past: follow-up #{row['id']} is overdue already"]
