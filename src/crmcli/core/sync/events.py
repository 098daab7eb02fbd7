"""Follow-ups written as calendar events: one VCALENDAR per follow-up, ready for a vdir or CalDAV.

crm's own writer, a few dozen lines over `contentlines`: one VEVENT per file, its
lines folded at 75 octets and ended by CRLF, its bytes a pure function of the
follow-up (DTSTAMP is the follow-up's last change, not the time of the run), so the
same follow-up always gives the same file, its hash says whether anything changed,
and a second run writes nothing. No library is needed to write, so a push imports
none; reading what others write is `calendar_files`' job.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from typing import Any

from crmcli.core.clock import parse_stamp
from crmcli.core.interchange.contentlines import CRLF, MAX_OCTETS, folded

PRODID = "-//crmcli//crm sync calendar//EN"
# A timed follow-up is a reminder to act, not a meeting: a short block shows it.
TIMED_LENGTH = timedelta(minutes=15)
ALARM_MINUTES = 15  # a timed event's alarm, before it, unless reminder_lead_minutes is set
ALL_DAY_ALARM = time(9, 0)  # an all-day event's alarm, on its day (reminder_all_day_time)
SUMMARY_NOTE = 120  # characters of the note's first line in the title
PARAGRAPH = "\n\n"

_SUMMARY_PREFIX = {"followup": "Follow up", "renewal": "Renewal"}
_NEWLINES = re.compile(r"\r\n|\r")
CONTROLS = re.compile(r"[\x00-\x08\x0b-\x1f\x7f]")
_ESCAPES = re.compile(r"[\\;,\n]")
_OWN_UID = re.compile(r"(?:crm-)?followup-(\d{1,18})@(.+)")


def followup_uid(followup_id: int, domain: str) -> str:
    """A follow-up's event UID: stable, in the vCard export's style and database domain."""
    return f"crm-followup-{int(followup_id)}@{domain}"


def followup_id_from_uid(uid: str, domain: str) -> int | None:
    """The follow-up an event of this database is for, or None for anyone else's event.

    Also the UID `crm export followups --format ics` writes (`followup-N@domain`): an
    exported file imported into the same calendar is adopted, not doubled.
    """
    match = _OWN_UID.fullmatch(uid.strip())
    if match is None or match.group(2) != domain:
        return None
    return int(match.group(1))


@dataclass(frozen=True)
class Alarms:
    """When a pushed event's alarm rings: minutes before a timed one (None: no alarms at
    all), and the time of day on an all-day one's day."""

    timed_minutes: int | None = ALARM_MINUTES
    all_day_at: time = ALL_DAY_ALARM


# Bumped whenever `render` writes differently, so that every event is written again.
RENDERING = 1
# The columns an event's bytes depend on (with the alarms, the domain and the UID).
_INPUTS = (
    "id",
    "contact_name",
    "contact_email",
    "contact_phone",
    "deal_title",
    "kind",
    "due_date",
    "due_time",
    "due_at",
    "note",
    "version",
    "created_at",
    "updated_at",
)


class Rendered:
    """A follow-up's event: its UID, when it starts, a digest of all its bytes depend on,
    and the bytes themselves, made only when asked for.

    A run with nothing to push compares a thousand digests; hashing the inputs is
    several times cheaper than writing and folding every event to hash its bytes,
    and equal inputs give equal bytes (`render` reads nothing else).
    """

    def __init__(self, row: Mapping[str, Any], domain: str, alarms: Alarms, uid: str | None):
        self.row = row
        self.alarms = alarms
        self.uid = uid or followup_uid(int(row["id"]), domain)
        self.start = followup_start(row)
        inputs = (RENDERING, self.uid, alarms.timed_minutes, alarms.all_day_at.isoformat())
        inputs += tuple(row.get(name) for name in _INPUTS)
        self.digest = hashlib.sha256(repr(inputs).encode()).hexdigest()[:32]
        self._body: bytes | None = None

    @property
    def body(self) -> bytes:
        if self._body is None:
            self._body = _body(self.row, self.uid, self.alarms)
        return self._body


def followup_start(row: Mapping[str, Any]) -> str:
    """When a follow-up is due, in the form `event_start` gives an event's start: the
    day for an all-day one, the UTC minute for a timed one."""
    if row["due_time"] is None:
        return str(row["due_date"])
    return minute_key(parse_stamp(row["due_at"]))


def render(
    row: Mapping[str, Any], domain: str, alarms: Alarms = Alarms(), *, uid: str | None = None
) -> Rendered:
    """A follow-up (a row of `exporting.FOLLOWUP_EXPORT_SQL`) as one calendar file.

    `uid` keeps the UID of an event crm adopted under another one (an export imported
    by hand): a server may refuse an item whose UID changes under its href.
    """
    return Rendered(row, domain, alarms, uid)


def _body(row: Mapping[str, Any], uid: str, alarms: Alarms) -> bytes:
    """The file's bytes.

    Timed: DTSTART/DTEND in UTC, which every calendar reads and shows in its own
    zone, with no VTIMEZONE to carry (a TZID without one is not valid iCalendar,
    and a full one is hundreds of lines). All-day: VALUE=DATE, DTEND the next day,
    shown free (TRANSP), its alarm at `alarms.all_day_at` on the day (a positive
    TRIGGER from the day's start, as Apple writes "on the day at 09:00"), never at
    midnight. The description carries what a rep needs to act from the phone: the
    note, the deal, the contact's phone and email, and the command that closes it.
    """
    kind = str(row["kind"])
    prefix = _SUMMARY_PREFIX.get(kind, "Follow up")
    note = _clean(row.get("note") or "").strip()
    summary = f"{prefix}: {row['contact_name']}"
    if note:
        first = note.split("\n", 1)[0].strip()
        if len(first) > SUMMARY_NOTE:
            first = first[:SUMMARY_NOTE].rstrip() + "…"
        summary += f" — {first}"
    details = [
        f"{label}: {row[key]}"
        for label, key in (
            ("Deal", "deal_title"),
            ("Phone", "contact_phone"),
            ("Email", "contact_email"),
        )
        if row.get(key)
    ]
    parts = [note] if note else []
    if details:
        parts.append("\n".join(details))
    parts.append(f"Done? crm followup done {int(row['id'])}")
    stamp = _utc(parse_stamp(row["updated_at"]))
    lines = [
        "BEGIN:VCALENDAR",
        "VERSION:2.0",
        f"PRODID:{PRODID}",
        "CALSCALE:GREGORIAN",
        "BEGIN:VEVENT",
        f"UID:{uid}",
        f"DTSTAMP:{stamp}",
        f"CREATED:{_utc(parse_stamp(row['created_at']))}",
        f"LAST-MODIFIED:{stamp}",
        f"SEQUENCE:{int(row['version'])}",
    ]
    if row["due_time"] is None:
        day = date.fromisoformat(str(row["due_date"]))
        after = day + timedelta(days=1) if day < date.max else day  # 9999-12-31 happens
        lines += [
            f"DTSTART;VALUE=DATE:{ical_date(day)}",
            f"DTEND;VALUE=DATE:{ical_date(after)}",
            "TRANSP:TRANSPARENT",
        ]
    else:
        start = parse_stamp(row["due_at"]).replace(second=0, microsecond=0)
        end = start + TIMED_LENGTH if start.date() < date.max else start
        lines += [
            f"DTSTART:{_utc(start)}",
            f"DTEND:{_utc(end)}",
            "TRANSP:OPAQUE",
        ]
    lines += [
        f"SUMMARY:{_escape(summary)}",
        f"DESCRIPTION:{_escape(PARAGRAPH.join(parts))}",
        "CATEGORIES:crm",
        "STATUS:CONFIRMED",
        f"X-CRM-FOLLOWUP:{int(row['id'])}",
    ]
    if alarms.timed_minutes is not None:
        if row["due_time"] is None:
            trigger = _after_midnight(alarms.all_day_at)
        else:
            trigger = f"-PT{alarms.timed_minutes}M" if alarms.timed_minutes else "PT0S"
        lines += [
            "BEGIN:VALARM",
            "ACTION:DISPLAY",
            f"DESCRIPTION:{_escape(summary)}",
            f"TRIGGER:{trigger}",
            "END:VALARM",
        ]
    lines += ["END:VEVENT", "END:VCALENDAR"]
    # Most lines are short ASCII: only the others go through the folding.
    return "".join(
        line + CRLF if len(line) <= MAX_OCTETS and line.isascii() else folded(line)
        for line in lines
    ).encode("utf-8")


def _after_midnight(at: time) -> str:
    """A DURATION from the start of a day to `at`: PT9H, PT9H30M, PT0S for midnight."""
    if at.hour == 0 and at.minute == 0:
        return "PT0S"
    return f"PT{f'{at.hour}H' if at.hour else ''}{f'{at.minute}M' if at.minute else ''}"


def _clean(text: str) -> str:
    """TEXT as iCalendar can hold it: LF line breaks, no control characters."""
    return CONTROLS.sub("", _NEWLINES.sub("\n", text))


def _escape(text: str) -> str:
    """A TEXT value escaped per RFC 5545 §3.3.11: `,` `;` `\\` and newlines are data."""
    return _ESCAPES.sub(lambda m: "\\n" if m.group() == "\n" else "\\" + m.group(), _clean(text))


def _utc(moment: datetime) -> str:
    value = moment.astimezone(UTC)
    return f"{ical_date(value.date())}T{value.hour:02d}{value.minute:02d}{value.second:02d}Z"


def ical_date(day: date) -> str:
    """DATE form, padded by hand (strftime does not pad years below 1000 everywhere)."""
    return f"{day.year:04d}{day.month:02d}{day.day:02d}"


def minute_key(moment: datetime) -> str:
    """An instant as `followup_start` gives it: the UTC minute."""
    value = moment.astimezone(UTC)
    return f"{value.date().isoformat()}T{value.hour:02d}:{value.minute:02d}Z"
