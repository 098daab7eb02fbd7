"""Follow-ups as an RFC 5545 calendar, streamed, so a phone can import or subscribe to them."""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator, Mapping
from datetime import UTC, date, datetime, time, timedelta
from typing import Any, TextIO

from crmcli.core.clock import parse_stamp
from crmcli.core.interchange.contentlines import folded

PRODID = "-//crmcli//crm follow-ups//EN"
# A timed follow-up is a reminder, not a meeting: a short block is enough to see it.
TIMED_DURATION = timedelta(minutes=15)
# When an all-day follow-up's alarm rings unless told (`reminder_all_day_time`): the
# same time `crm remind` announces it, not midnight.
ALL_DAY_ALARM = time(9, 0)

_DETAILS = (("Deal", "deal_title"), ("Email", "contact_email"), ("Phone", "contact_phone"))
_SUMMARY_PREFIX = {"followup": "Follow up", "renewal": "Renewal"}
_NEWLINES = re.compile(r"\r\n|\r")
# TEXT cannot carry control characters other than HTAB (§3.3.11); LF is escaped as \n.
_CONTROLS = re.compile(r"[\x00-\x08\x0b-\x1f\x7f]")
_ESCAPES = re.compile(r"[\\;,\n]")
# Folding units: an escape pair stays on one line so lax readers that unescape
# before unfolding still see it whole; any other unit is one code point.


def write_calendar(
    followups: Iterable[Mapping[str, Any]],
    out: TextIO,
    *,
    now: datetime,
    alarm_minutes: int | None = 0,
    all_day_alarm: time = ALL_DAY_ALARM,
    calendar_name: str = "crm follow-ups",
    uid_domain: str = "crmcli",
) -> int:
    """Write one VCALENDAR with one VEVENT per follow-up; returns the number of events.

    Each event is written as soon as its follow-up is read, so an export of any
    size runs in constant memory. Line endings are written as CRLF themselves:
    `out` must not translate newlines (open files with `newline=""`) and must
    encode as UTF-8, since folding counts UTF-8 octets.

    The UID depends only on the follow-up id and `uid_domain`, so importing the
    file again, or a subscription refreshing it, updates events instead of
    duplicating them; SEQUENCE carries the follow-up's version so the newer copy
    wins. VEVENT rather than VTODO because most phone calendars ignore VTODO.

    A timed event's alarm rings `alarm_minutes` before it (None: no alarms at all); an
    all-day event's at `all_day_alarm` on its day, since an alarm relative to a DATE
    start would otherwise ring at midnight.
    """
    if now.tzinfo is None:
        raise ValueError("naive datetime given as now")
    if alarm_minutes is not None and alarm_minutes < 0:
        raise ValueError(f"alarm_minutes must be 0 or more, not {alarm_minutes}")
    dtstamp = _utc(now)
    _write(out, "BEGIN:VCALENDAR")
    _write(out, "VERSION:2.0")
    _write(out, f"PRODID:{PRODID}")
    _write(out, "CALSCALE:GREGORIAN")
    _write(out, "METHOD:PUBLISH")
    _write(out, f"X-WR-CALNAME:{_escape_text(calendar_name)}")
    count = 0
    for followup in followups:
        for line in _event_lines(followup, dtstamp, alarm_minutes, all_day_alarm, uid_domain):
            _write(out, line)
        count += 1
    _write(out, "END:VCALENDAR")
    return count


def _event_lines(
    followup: Mapping[str, Any],
    dtstamp: str,
    alarm_minutes: int | None,
    all_day_alarm: time,
    uid_domain: str,
) -> Iterator[str]:
    """The unfolded content lines of one VEVENT (with its VALARM)."""
    kind = followup["kind"]
    if kind not in _SUMMARY_PREFIX:
        raise ValueError(f"unknown follow-up kind {kind!r} for follow-up {followup['id']}")
    summary = _summary(_SUMMARY_PREFIX[kind], followup["contact_name"], _note(followup))
    description = _description(followup)
    yield "BEGIN:VEVENT"
    uid = f"followup-{int(followup['id'])}@{uid_domain}"
    yield f"UID:{_escape_text(uid)}"
    yield f"SEQUENCE:{int(followup['version'])}"
    yield f"DTSTAMP:{dtstamp}"
    yield f"LAST-MODIFIED:{_utc(parse_stamp(followup['updated_at']))}"
    if followup["due_time"] is None:
        day = date.fromisoformat(followup["due_date"])
        yield f"DTSTART;VALUE=DATE:{_date(day)}"
        yield f"DTEND;VALUE=DATE:{_date(day + timedelta(days=1))}"
        # An all-day reminder must not show the whole day as busy.
        yield "TRANSP:TRANSPARENT"
    else:
        start = parse_stamp(followup["due_at"]).replace(microsecond=0)
        yield f"DTSTART:{_utc(start)}"
        yield f"DTEND:{_utc(start + TIMED_DURATION)}"
        yield "TRANSP:OPAQUE"
    yield f"SUMMARY:{_escape_text(summary)}"
    if description:
        yield f"DESCRIPTION:{_escape_text(description)}"
    yield "CATEGORIES:crm"
    yield "STATUS:CONFIRMED"
    if alarm_minutes is not None:
        yield "BEGIN:VALARM"
        yield "ACTION:DISPLAY"
        yield f"DESCRIPTION:{_escape_text(summary)}"
        # Relative to DTSTART; for an all-day event that is the start of its day.
        if followup["due_time"] is None:
            yield f"TRIGGER:{_after_midnight(all_day_alarm)}"
        else:
            yield f"TRIGGER:{f'-PT{alarm_minutes}M' if alarm_minutes else 'PT0S'}"
        yield "END:VALARM"
    yield "END:VEVENT"


def _after_midnight(at: time) -> str:
    """A DURATION from the start of a day to `at`: PT9H, PT9H30M, PT0S for midnight."""
    if at.hour == 0 and at.minute == 0:
        return "PT0S"
    return f"PT{f'{at.hour}H' if at.hour else ''}{f'{at.minute}M' if at.minute else ''}"


def _note(followup: Mapping[str, Any]) -> str | None:
    """The note as a calendar can carry it, or None when it has nothing to show."""
    note = followup.get("note")
    if note is None:
        return None
    cleaned = _clean_text(note)
    return cleaned if cleaned.strip() else None


def _summary(prefix: str, contact_name: str, note: str | None) -> str:
    """Title line: who, and the note's first line, since that is all a month view shows."""
    if note is None:
        return f"{prefix}: {contact_name}"
    first_line = note.strip().split("\n", 1)[0].strip()
    return f"{prefix}: {contact_name} — {first_line}"


def _description(followup: Mapping[str, Any]) -> str:
    """The whole note, then the details a rep needs to act without opening the CRM."""
    details = [f"{label}: {followup[key]}" for label, key in _DETAILS if followup.get(key)]
    note = _note(followup)
    parts = [note] if note is not None else []
    if details:
        parts.append("\n".join(details))
    return "\n\n".join(parts)


def _clean_text(text: str) -> str:
    """Text reduced to what an iCalendar TEXT value can hold: LF newlines, no controls.

    CRLF and lone CR become LF so every kind of line break survives as `\\n`;
    other control characters are dropped because RFC 5545 forbids them and
    calendar programs reject or mangle them.
    """
    return _CONTROLS.sub("", _NEWLINES.sub("\n", text))


def _escape_text(text: str) -> str:
    """A TEXT value escaped per RFC 5545 §3.3.11, so `,` `;` and newlines are data."""
    return _ESCAPES.sub(_escape_one, _clean_text(text))


def _escape_one(match: re.Match[str]) -> str:
    char = match.group()
    return "\\n" if char == "\n" else "\\" + char


def _write(out: TextIO, line: str) -> None:
    """Fold and write one content line at once: the stream is the only buffer."""
    out.write(folded(line))


def _utc(moment: datetime) -> str:
    """DATE-TIME in UTC form (`...Z`), which every calendar reads without a VTIMEZONE."""
    value = moment.astimezone(UTC)
    return f"{_date(value.date())}T{value.hour:02d}{value.minute:02d}{value.second:02d}Z"


def _date(day: date) -> str:
    """DATE form, padded by hand because strftime does not pad years below 1000 everywhere."""
    return f"{day.year:04d}{day.month:02d}{day.day:02d}"
