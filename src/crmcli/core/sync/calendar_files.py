"""Calendar files read as crm needs them: the events of a file by UID, their occurrences.

What phones and servers really write is far from the RFC's examples. Outlook and
Exchange name their zones "W. Europe Standard Time" (quoted or not, with or without
a VTIMEZONE); Thunderbird ships a long VTIMEZONE of its own; Google folds every
ATTENDEE mid-address; iCloud gives attendees as principal paths with an EMAIL
parameter; invitations carry RECURRENCE-ID overrides without their master; khal
writes floating times and LF line ends. The `icalendar` library (well kept; khal's
and the `caldav` library's parser) reads all of these, maps Windows zone names to
IANA ones and builds a zone from a VTIMEZONE it does not know; the project's
`contentlines`/`ics` modules only write, and a home-grown reader would learn each
vendor's habits one bug report at a time. It is imported only when a file must be
read (about 100 ms), never when crm only pushes.

Recurrences are expanded with dateutil's rrule over a bounded window only: never
past the first occurrence that has not ended yet, and never more than MAX_SCAN
steps (a hostile FREQ=SECONDLY since 1970 costs a fraction of a second, no hang).
"""

from __future__ import annotations

import hashlib
import heapq
import warnings
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta, tzinfo
from typing import Any

from crmcli.core.errors import CrmError, Invalid
from crmcli.core.sync.events import CONTROLS, ical_date, minute_key
from crmcli.core.values.emails import normalise

MAX_BODY = 10 * 1024 * 1024  # an event file bigger than this is not read (attachments)
MAX_SCAN = 20_000  # recurrence steps looked at per event, at most (about 0.4 s)


@dataclass(frozen=True)
class Person:
    """An organiser or attendee: the address (normalised), the name shown, the answer."""

    email: str
    name: str | None
    partstat: str | None  # ACCEPTED, DECLINED, TENTATIVE, NEEDS-ACTION... upper-case


@dataclass(frozen=True)
class Occurrence:
    """One occurrence of an event: a single event, or one instance of a recurring one.

    `recurrence_id` is "" for a single event, else the instance's original start
    (RECURRENCE-ID form: `20260302T130000Z`, or `20260302` for an all-day series),
    the same whether the instance comes from the rule or from an override.
    """

    uid: str
    recurrence_id: str
    start: datetime  # aware
    end: datetime  # aware
    all_day: bool
    summary: str
    description: str
    location: str
    organizer: Person | None
    attendees: tuple[Person, ...]
    cancelled: bool

    @property
    def people(self) -> tuple[Person, ...]:
        """The organiser and the attendees, each address once (the organiser's answer wins)."""
        seen: dict[str, Person] = {}
        for person in (self.organizer, *self.attendees):
            if person is not None and person.email not in seen:
                seen[person.email] = person
        return tuple(seen.values())


@dataclass
class Series:
    """Every VEVENT of one UID in one file: the master (None for an invitation to one
    instance only) and the overrides (RECURRENCE-ID)."""

    uid: str
    master: Any | None = None
    overrides: list[Any] = field(default_factory=list)

    @property
    def first(self) -> Any:
        return self.master if self.master is not None else self.overrides[0]

    def start_key(self, zone: tzinfo) -> str | None:
        """The master's start in `followup_start` form (floating times read in `zone`)."""
        start = _value(self.first, "DTSTART")
        if start is None:
            return None
        if isinstance(start, datetime):
            return minute_key(_aware(start, zone))
        return str(start.isoformat())

    def start(self, zone: tzinfo) -> tuple[date, time | None] | None:
        """The master's start as a local day and time in `zone` (no time: all-day)."""
        start = _value(self.first, "DTSTART")
        if start is None:
            return None
        if isinstance(start, datetime):
            local = _aware(start, zone).astimezone(zone)
            return local.date(), time(local.hour, local.minute)
        return start, None

    @property
    def last_modified(self) -> datetime | None:
        """When the calendar last changed it: LAST-MODIFIED, else DTSTAMP (UTC)."""
        for name in ("LAST-MODIFIED", "DTSTAMP"):
            value = _value(self.first, name)
            if isinstance(value, datetime):
                return _aware(value, UTC)
        return None

    @property
    def cancelled(self) -> bool:
        return _cancelled(self.first)

    def occurrences(
        self, since: datetime, now: datetime, zone: tzinfo
    ) -> tuple[list[Occurrence], datetime | None]:
        """The occurrences that ended in (since, now], and when the next one ends (None:
        no occurrence is left to end). Floating times are read in `zone`."""
        ended: list[Occurrence] = []
        upcoming: datetime | None = None
        overrides: dict[str, Any] = {}
        for component in self.overrides:
            key = _recurrence_key(_value(component, "RECURRENCE-ID"), zone)
            if key is not None:
                overrides.setdefault(key, component)
        if self.master is not None:
            length = _length(self.master, zone)
            single = not _recurring(self.master)
            for key, start, all_day in _instances(self.master, zone):
                if key in overrides:
                    continue
                end = start + length
                if end <= since:
                    continue
                if end > now:
                    upcoming = end
                    break
                occurrence_id = "" if single else key
                ended.append(_occurrence(self.uid, self.master, occurrence_id, start, end, all_day))
        for key, component in overrides.items():
            begun = _moment(_value(component, "DTSTART"), zone)
            if begun is None:
                continue
            start, all_day = begun
            end = start + _length(component, zone)
            if end > now:
                upcoming = end if upcoming is None else min(upcoming, end)
            elif end > since:
                ended.append(_occurrence(self.uid, component, key, start, end, all_day))
        ended.sort(key=lambda o: (o.start, o.recurrence_id))
        return ended, upcoming


def parse(body: bytes) -> list[Series]:
    """The events of one calendar file, by UID; Invalid (one line) if it is not iCalendar.

    A file may hold several VCALENDARs and several VEVENTs (a recurring event with
    its overrides, or an export of many events); to-dos and journals are ignored.
    """
    if len(body) > MAX_BODY:
        raise Invalid(f"an event file of {len(body) // (1024 * 1024)} MB is too big to read")
    text = _decode(body)
    try:
        from icalendar import Calendar  # only a run that reads a calendar file pays its import
    except ImportError:
        raise CrmError(
            "reading calendar files needs the icalendar package: pip install icalendar"
        ) from None

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # icalendar warns on stderr about guessed zones
        try:
            calendars = Calendar.from_ical(text, multiple=True)
        except (ValueError, TypeError, KeyError, IndexError) as exc:
            reason = str(exc).splitlines()[0][:120] if str(exc) else type(exc).__name__
            raise Invalid(f"not an iCalendar file ({reason})") from None
    calendars = [c for c in calendars if getattr(c, "name", "") == "VCALENDAR"]
    if not calendars:
        raise Invalid("not an iCalendar file (no complete VCALENDAR in it)")
    found: dict[str, Series] = {}
    for calendar in calendars:
        for component in calendar.walk("VEVENT"):
            uid = str(component.get("UID", "")).strip()
            if not uid:  # no UID (khal's without_uid.ics): named by its own bytes
                uid = "no-uid-" + hashlib.sha256(component.to_ical()).hexdigest()[:24]
            series = found.setdefault(uid, Series(uid))
            if "RECURRENCE-ID" in component:
                series.overrides.append(component)
            elif series.master is None:
                series.master = component
    return list(found.values())


def _decode(body: bytes) -> str:
    """A calendar file's text: UTF-8 (BOM or not), UTF-16 with a BOM, else Windows-1252
    (what old Outlook exports are in), never an error."""
    if body.startswith((b"\xff\xfe", b"\xfe\xff")):
        return body.decode("utf-16", errors="replace")
    if body.startswith(b"\xef\xbb\xbf"):
        body = body[3:]
    try:
        return body.decode("utf-8")
    except UnicodeDecodeError:
        return body.decode("cp1252", errors="replace")


def _value(component: Any, name: str) -> Any:
    """A date-like property's value (the first, if repeated), None if absent or broken."""
    prop = component.get(name)
    if isinstance(prop, list):
        prop = prop[0] if prop else None
    if prop is None:
        return None
    try:
        return prop.dt
    except (ValueError, TypeError, AttributeError):
        return None


def _aware(value: datetime, zone: tzinfo) -> datetime:
    """A floating time (or one in a zone nobody defined) read in `zone`."""
    return value if value.tzinfo is not None else value.replace(tzinfo=zone)


def _moment(value: Any, zone: tzinfo) -> tuple[datetime, bool] | None:
    """A DTSTART as an aware instant and whether it is all-day (a day starts at midnight)."""
    if isinstance(value, datetime):
        return _aware(value, zone), False
    if isinstance(value, date):
        return datetime.combine(value, time(), tzinfo=zone), True
    return None


def _recurrence_key(value: Any, zone: tzinfo) -> str | None:
    """An instance's identity: its original start, UTC to the second, or its day."""
    if isinstance(value, datetime):
        moment = _aware(value, zone).astimezone(UTC)
        return f"{ical_date(moment.date())}T{moment:%H%M%S}Z"
    if isinstance(value, date):
        return ical_date(value)
    return None


def _length(component: Any, zone: tzinfo) -> timedelta:
    """How long each occurrence lasts: DTEND - DTSTART, DURATION, else a day (all-day) or 0."""
    begun = _moment(_value(component, "DTSTART"), zone)
    if begun is None:
        return timedelta(0)
    start, all_day = begun
    ended = _moment(_value(component, "DTEND"), zone)
    if ended is not None and ended[0] >= start:
        return ended[0] - start
    duration = component.get("DURATION")
    if duration is not None:
        try:
            value = duration.dt
        except (ValueError, TypeError, AttributeError):
            value = None
        if isinstance(value, timedelta) and value >= timedelta(0):
            return value
    return timedelta(days=1) if all_day else timedelta(0)


def _recurring(component: Any) -> bool:
    return "RRULE" in component or "RDATE" in component


def _cancelled(component: Any) -> bool:
    return str(component.get("STATUS", "")).strip().upper() == "CANCELLED"


def _as_list(prop: Any) -> list[Any]:
    if prop is None:
        return []
    return list(prop) if isinstance(prop, list) else [prop]


def _dates_of(component: Any, name: str) -> Iterator[Any]:
    """Every value of an RDATE/EXDATE property (several lines, comma lists, periods);
    a broken one is skipped, not the whole event."""
    for prop in _as_list(component.get(name)):
        try:
            values = prop.dts
        except (ValueError, TypeError, AttributeError):
            continue
        for value in values:
            try:
                dt = value.dt
            except (ValueError, TypeError, AttributeError):
                continue
            yield dt[0] if isinstance(dt, tuple) else dt


def _instances(master: Any, zone: tzinfo) -> Iterator[tuple[str, datetime, bool]]:
    """The master's instances in order, as (recurrence key, aware start, all-day).

    Worked in the wall time of the event's own zone (so a 09:00 weekly meeting stays
    at 09:00 across a DST change), then placed in that zone. DTSTART is always the
    first instance; RDATEs are added and EXDATEs taken out. At most MAX_SCAN steps.
    """
    start = _value(master, "DTSTART")
    if not isinstance(start, date):
        return
    all_day = not isinstance(start, datetime)
    if isinstance(start, datetime):
        own: tzinfo = start.tzinfo if start.tzinfo is not None else zone
        first = start.replace(tzinfo=None)
    else:
        own = zone
        first = datetime.combine(start, time())

    def wall(value: Any) -> datetime | None:
        if isinstance(value, datetime):
            if value.tzinfo is not None:
                value = value.astimezone(own).replace(tzinfo=None)
            return datetime.combine(value.date(), time()) if all_day else value
        if isinstance(value, date):
            return datetime.combine(value, time())
        return None

    excluded: set[datetime] = set()
    excluded_days: set[date] = set()
    for value in _dates_of(master, "EXDATE"):
        if not all_day and not isinstance(value, datetime) and isinstance(value, date):
            excluded_days.add(value)  # a DATE EXDATE on a timed series: that whole day
            continue
        moment = wall(value)
        if moment is not None:
            excluded.add(moment)
    extra = sorted({m for m in (wall(v) for v in _dates_of(master, "RDATE")) if m is not None})
    streams: list[Iterator[datetime]] = [iter([first, *(m for m in extra if m > first)])]
    streams += [_rule(text, first, own, all_day) for text in _as_list(master.get("RRULE"))]
    last: datetime | None = None
    for steps, moment in enumerate(heapq.merge(*streams)):
        if steps >= MAX_SCAN:
            return
        if moment == last:
            continue
        last = moment
        if moment in excluded or moment.date() in excluded_days:
            continue
        if all_day:
            yield ical_date(moment.date()), moment.replace(tzinfo=zone), True
        else:
            aware = moment.replace(tzinfo=own)
            yield _recurrence_key(aware, zone) or "", aware, False


def _rule(rule: Any, first: datetime, own: tzinfo, all_day: bool) -> Iterator[datetime]:
    """One RRULE's instances (naive wall times), its UNTIL brought to the same footing:
    a UTC UNTIL is read in the event's zone (for an all-day series, its UTC day, as
    Google writes `UNTIL=20080323T235959Z` for a series ending on the 23rd), a DATE
    UNTIL on a timed series means the end of that day."""
    from dateutil.rrule import rrulestr

    try:
        parts = {key.upper(): value for key, value in dict(rule).items()}
    except (TypeError, ValueError):
        return iter(())
    until = parts.pop("UNTIL", None)
    until = until[0] if isinstance(until, list) and until else until
    try:
        text = type(rule)(parts).to_ical().decode()
        recurrence: Any = rrulestr(text, dtstart=first)
        if until is not None and "COUNT" not in parts:
            if isinstance(until, datetime):
                if all_day:
                    limit = datetime.combine(until.astimezone(UTC).date(), time())
                elif until.tzinfo is not None:
                    limit = until.astimezone(own).replace(tzinfo=None)
                else:
                    limit = until
            elif isinstance(until, date):
                limit = datetime.combine(until, time() if all_day else time.max)
            else:
                limit = None
            if limit is not None:
                recurrence = recurrence.replace(until=limit)
    except (ValueError, TypeError, KeyError, OverflowError):
        return iter(())
    return iter(recurrence)


def _person(prop: Any) -> Person | None:
    """An ORGANIZER/ATTENDEE: `mailto:` in any case, or the EMAIL parameter when the
    value is a principal URL (iCloud, Proton); None when it names no address."""
    value = str(prop).strip()
    params = getattr(prop, "params", {})
    address = value[7:] if value[:7].lower() == "mailto:" else str(params.get("EMAIL", ""))
    address = address.strip().strip("<>").strip()
    if "@" not in address or len(address) > 320:
        return None
    name = str(params.get("CN", "")).strip() or None
    partstat = str(params.get("PARTSTAT", "")).strip().upper() or None
    return Person(normalise(address), name, partstat)


def _text(component: Any, name: str, limit: int) -> str:
    """A TEXT property as one line of plain text, control characters gone, cut at `limit`."""
    value = component.get(name)
    if isinstance(value, list):
        value = value[0] if value else None
    text = " ".join(CONTROLS.sub(" ", str(value or "")).split())
    return text if len(text) <= limit else text[:limit].rstrip() + "…"


def _occurrence(
    uid: str, component: Any, key: str, start: datetime, end: datetime, all_day: bool
) -> Occurrence:
    organizer = None
    for prop in _as_list(component.get("ORGANIZER"))[:1]:
        organizer = _person(prop)
    attendees = tuple(
        person for person in (_person(p) for p in _as_list(component.get("ATTENDEE"))) if person
    )
    return Occurrence(
        uid=uid,
        recurrence_id=key,
        start=start,
        end=end,
        all_day=all_day,
        summary=_text(component, "SUMMARY", 200),
        description=_text(component, "DESCRIPTION", 10_000),
        location=_text(component, "LOCATION", 200),
        organizer=organizer,
        attendees=attendees,
        cancelled=_cancelled(component),
    )
