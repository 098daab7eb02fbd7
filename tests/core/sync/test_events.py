"""Follow-ups written as events, and events read as the vendors really write them.

Each sample below keeps the shape its program really produces: property order,
parameter spellings and quoting, where the lines are folded, CRLF or LF, the
zones' names. The people, addresses and texts are ours; where each shape comes
from is said above it.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest

from crmcli.core.errors import Invalid
from crmcli.core.sync import calendar_files, events

PARIS = ZoneInfo("Europe/Paris")
DOMAIN = "0123456789ab.crmcli"


def row(**values: object) -> dict[str, object]:
    base: dict[str, object] = {
        "id": 7,
        "contact_name": "Anne Müller",
        "contact_email": "anne@example.com",
        "contact_phone": "+33 6 12 34 56 78",
        "deal_title": "Zürich pilot",
        "kind": "followup",
        "due_date": "2026-03-04",
        "due_time": "14:30",
        "due_at": "2026-03-04T13:30:00.000000Z",
        "tz": "Europe/Paris",
        "note": "Send the quote; prices, delivery\nand the contract",
        "status": "open",
        "version": 3,
        "created_at": "2026-03-01T08:00:00.000000Z",
        "updated_at": "2026-03-02T09:15:00.000000Z",
    }
    base.update(values)
    return base


def lines(body: bytes) -> list[str]:
    """Unfolded content lines (RFC 5545 §3.1)."""
    text = body.decode("utf-8")
    assert "\n" not in text.replace("\r\n", "")  # CRLF only
    return text.replace("\r\n ", "").split("\r\n")[:-1]


# -- writing ---------------------------------------------------------------------------


def test_a_timed_followup_is_a_short_utc_event_with_an_alarm_before_it() -> None:
    rendered = events.render(row(), DOMAIN)
    body = rendered.body
    assert all(len(line) <= 75 for line in body.split(b"\r\n"))  # octets, not characters
    got = lines(body)
    assert got[:4] == [
        "BEGIN:VCALENDAR",
        "VERSION:2.0",
        f"PRODID:{events.PRODID}",
        "CALSCALE:GREGORIAN",
    ]
    assert f"UID:crm-followup-7@{DOMAIN}" in got
    assert "DTSTART:20260304T133000Z" in got and "DTEND:20260304T134500Z" in got
    assert "DTSTAMP:20260302T091500Z" in got and "LAST-MODIFIED:20260302T091500Z" in got
    assert "SEQUENCE:3" in got and "X-CRM-FOLLOWUP:7" in got
    assert "SUMMARY:Follow up: Anne Müller — Send the quote\\; prices\\, delivery" in got
    description = next(line for line in got if line.startswith("DESCRIPTION:Send"))
    assert "Deal: Zürich pilot\\nPhone: +33 6 12 34 56 78\\nEmail: anne@example.com" in description
    assert "crm followup done 7" in description
    alarm = got[got.index("BEGIN:VALARM") :]
    assert "ACTION:DISPLAY" in alarm and "TRIGGER:-PT15M" in alarm
    assert rendered.start == "2026-03-04T13:30Z"
    assert rendered.start == events.followup_start(row())
    # The same follow-up, the same bytes (no time of the run in them): a second run
    # has nothing to write.
    assert events.render(row(), DOMAIN).body == body


def test_an_all_day_followup_is_a_free_day_with_its_alarm_at_nine() -> None:
    rendered = events.render(row(due_time=None, due_at="2026-03-03T23:00:00.000000Z"), DOMAIN)
    got = lines(rendered.body)
    assert "DTSTART;VALUE=DATE:20260304" in got and "DTEND;VALUE=DATE:20260305" in got
    assert "TRANSP:TRANSPARENT" in got and "TRIGGER:PT9H" in got
    assert rendered.start == "2026-03-04"
    later = events.render(
        row(due_time=None), DOMAIN, events.Alarms(timed_minutes=0, all_day_at=time(8, 30))
    )
    assert "TRIGGER:PT8H30M" in lines(later.body)
    silent = events.render(row(), DOMAIN, events.Alarms(timed_minutes=None))
    assert "BEGIN:VALARM" not in lines(silent.body)


def test_hostile_notes_stay_text_and_the_hash_follows_every_change() -> None:
    nasty = "BEGIN:VEVENT\r\nEND:VCALENDAR\x00\x1b[31m; a,b \\ 日本語🙂" * 20
    rendered = events.render(row(note=nasty, contact_name="Zoë; DROP"), DOMAIN)
    got = lines(rendered.body)
    assert got.count("BEGIN:VEVENT") == 1 and got.count("END:VCALENDAR") == 1
    assert b"\x00" not in rendered.body and b"\x1b" not in rendered.body
    assert all(len(line) <= 75 for line in rendered.body.split(b"\r\n"))
    parsed = calendar_files.parse(rendered.body)
    assert [s.uid for s in parsed] == [f"crm-followup-7@{DOMAIN}"]
    digests = {
        events.render(row(**change), DOMAIN).digest
        for change in ({}, {"note": "x"}, {"contact_phone": None}, {"deal_title": "Other"})
    }
    assert len(digests) == 4


def test_own_uids_are_recognised_for_this_database_only() -> None:
    assert events.followup_id_from_uid(f"crm-followup-12@{DOMAIN}", DOMAIN) == 12
    # What `crm export followups --format ics` writes: adopted too.
    assert events.followup_id_from_uid(f"followup-12@{DOMAIN}", DOMAIN) == 12
    assert events.followup_id_from_uid("crm-followup-12@other.crmcli", DOMAIN) is None
    assert events.followup_id_from_uid("crm-followup-x@" + DOMAIN, DOMAIN) is None
    assert events.followup_id_from_uid("040000008200E00074C5B7101A82E008", DOMAIN) is None


# -- reading what the vendors write ----------------------------------------------------

# Google Calendar, an invitation as its CalDAV and .ics export write it: VTIMEZONE with
# X-LIC-LOCATION, UTC times, ORGANIZER and every ATTENDEE folded mid-address at 75
# octets, X-NUM-GUESTS, X-GOOGLE-CONFERENCE. Shape from the Google invitation in
# ProtonMail/WebClients (packages/shared/test/calendar/integration/invite.spec.ts) and
# icalendar's tests/calendars/alarm_google_future.ics (a real Google export).
GOOGLE = (
    "BEGIN:VCALENDAR\r\n"
    "PRODID:-//Google Inc//Google Calendar 70.9054//EN\r\n"
    "VERSION:2.0\r\n"
    "CALSCALE:GREGORIAN\r\n"
    "METHOD:REQUEST\r\n"
    "X-WR-TIMEZONE:Europe/Paris\r\n"
    "BEGIN:VTIMEZONE\r\n"
    "TZID:Europe/Paris\r\n"
    "X-LIC-LOCATION:Europe/Paris\r\n"
    "BEGIN:DAYLIGHT\r\n"
    "TZOFFSETFROM:+0100\r\n"
    "TZOFFSETTO:+0200\r\n"
    "TZNAME:CEST\r\n"
    "DTSTART:19700329T020000\r\n"
    "RRULE:FREQ=YEARLY;BYMONTH=3;BYDAY=-1SU\r\n"
    "END:DAYLIGHT\r\n"
    "BEGIN:STANDARD\r\n"
    "TZOFFSETFROM:+0200\r\n"
    "TZOFFSETTO:+0100\r\n"
    "TZNAME:CET\r\n"
    "DTSTART:19701025T030000\r\n"
    "RRULE:FREQ=YEARLY;BYMONTH=10;BYDAY=-1SU\r\n"
    "END:STANDARD\r\n"
    "END:VTIMEZONE\r\n"
    "BEGIN:VEVENT\r\n"
    "DTSTART:20260224T093000Z\r\n"
    "DTEND:20260224T103000Z\r\n"
    "DTSTAMP:20260220T132207Z\r\n"
    "ORGANIZER;CN=Rep Example:mailto:rep.example.sales@gmail.c\r\n"
    " om\r\n"
    "UID:5qk0j8c1vbd3b9ph4r2kqlrn8a@google.com\r\n"
    "ATTENDEE;CUTYPE=INDIVIDUAL;ROLE=REQ-PARTICIPANT;PARTSTAT=ACCEPTED;RSVP=TRUE\r\n"
    " ;CN=Anne Müller;X-NUM-GUESTS=0:mailto:Anne@Example.com\r\n"
    "ATTENDEE;CUTYPE=INDIVIDUAL;ROLE=REQ-PARTICIPANT;PARTSTAT=DECLINED;RSVP=\r\n"
    " TRUE;CN=bob@example.net;X-NUM-GUESTS=0:mailto:bob@example.net\r\n"
    "ATTENDEE;CUTYPE=INDIVIDUAL;ROLE=REQ-PARTICIPANT;PARTSTAT=ACCEPTED;RSVP=TRUE\r\n"
    " ;CN=rep.example.sales@gmail.com;X-NUM-GUESTS=0:mailto:rep.example.sales@g\r\n"
    " mail.com\r\n"
    "X-GOOGLE-CONFERENCE:https://meet.google.com/abc-defg-hij\r\n"
    "CREATED:20260220T132206Z\r\n"
    "DESCRIPTION:-::~:~::~:~:~:~:~:~:~:~:~:~:~:~:~:~:~:~:~:~:~:~:~:~:~:~:~:~:~:~\r\n"
    " :~:~::-\\nDo not edit this section of the description.\\n\\nThis event has a\r\n"
    "  video call.\\nJoin: https://meet.google.com/abc-defg-hij\\n-::~:~::~:~::-\r\n"
    "LAST-MODIFIED:20260220T132206Z\r\n"
    "LOCATION:\r\n"
    "SEQUENCE:0\r\n"
    "STATUS:CONFIRMED\r\n"
    "SUMMARY:Devis Zürich — revue\r\n"
    "TRANSP:OPAQUE\r\n"
    "END:VEVENT\r\n"
    "END:VCALENDAR\r\n"
).encode()


def test_google_invitation() -> None:
    (series,) = calendar_files.parse(GOOGLE)
    assert series.uid == "5qk0j8c1vbd3b9ph4r2kqlrn8a@google.com"
    now = datetime(2026, 3, 2, tzinfo=UTC)
    (occurrence,), upcoming = series.occurrences(now - timedelta(days=90), now, PARIS)
    assert upcoming is None
    assert occurrence.recurrence_id == ""
    assert occurrence.start == datetime(2026, 2, 24, 9, 30, tzinfo=UTC)
    assert occurrence.end - occurrence.start == timedelta(hours=1)
    assert occurrence.summary == "Devis Zürich — revue"
    assert occurrence.organizer is not None
    assert occurrence.organizer.email == "rep.example.sales@gmail.com"  # unfolded
    people = {p.email: p.partstat for p in occurrence.people}
    assert people == {
        "rep.example.sales@gmail.com": None,  # the organiser, first
        "anne@example.com": "ACCEPTED",  # mailto: address case folded
        "bob@example.net": "DECLINED",
    }
    assert "video call" in occurrence.description
    assert series.last_modified == datetime(2026, 2, 20, 13, 22, 6, tzinfo=UTC)


# Outlook 16 / Exchange: Windows zone names in a VTIMEZONE of their own, TZID quoted
# in DTSTART and not in the VTIMEZONE, SUMMARY;LANGUAGE=, CN with a comma quoted,
# SENT-BY for a delegate, the X-MICROSOFT vocabulary, a 040000008200E000... UID. Shape
# from icalendar's tests/calendars/timezone_same_start.ics (PRODID Microsoft Exchange
# Server 2010) and the Outlook 16 exports quoted in khal's tests/ics/tz_windows_format.ics.
OUTLOOK = (
    "BEGIN:VCALENDAR\r\n"
    "PRODID:-//Microsoft Corporation//Outlook 16.0 MIMEDIR//EN\r\n"
    "VERSION:2.0\r\n"
    "METHOD:PUBLISH\r\n"
    "X-MS-OLK-FORCEINSPECTOROPEN:TRUE\r\n"
    "BEGIN:VTIMEZONE\r\n"
    "TZID:W. Europe Standard Time\r\n"
    "BEGIN:STANDARD\r\n"
    "DTSTART:16011028T030000\r\n"
    "RRULE:FREQ=YEARLY;BYDAY=-1SU;BYMONTH=10\r\n"
    "TZOFFSETFROM:+0200\r\n"
    "TZOFFSETTO:+0100\r\n"
    "END:STANDARD\r\n"
    "BEGIN:DAYLIGHT\r\n"
    "DTSTART:16010325T020000\r\n"
    "RRULE:FREQ=YEARLY;BYDAY=-1SU;BYMONTH=3\r\n"
    "TZOFFSETFROM:+0100\r\n"
    "TZOFFSETTO:+0200\r\n"
    "END:DAYLIGHT\r\n"
    "END:VTIMEZONE\r\n"
    "BEGIN:VEVENT\r\n"
    'ATTENDEE;CN="Müller, Anne";RSVP=TRUE:mailto:anne@example.com\r\n'
    'ATTENDEE;CN="Ørsted, Bob";PARTSTAT=TENTATIVE:mailto:BOB@EXAMPLE.NET\r\n'
    "CLASS:PUBLIC\r\n"
    "CREATED:20260210T140000Z\r\n"
    "DESCRIPTION:Quarterly numbers.\\nBring the deck.\\n\r\n"
    'DTEND;TZID="W. Europe Standard Time":20260302T113000\r\n'
    "DTSTAMP:20260210T140001Z\r\n"
    'DTSTART;TZID="W. Europe Standard Time":20260302T103000\r\n'
    "LAST-MODIFIED:20260210T140001Z\r\n"
    "LOCATION:Salle Lovelace\r\n"
    'ORGANIZER;CN="Boss, The";SENT-BY="mailto:assistant@example.org":mailto:Bo\r\n'
    " ss@Example.org\r\n"
    "PRIORITY:5\r\n"
    "SEQUENCE:0\r\n"
    "SUMMARY;LANGUAGE=fr-fr:Revue trimestrielle\r\n"
    "TRANSP:OPAQUE\r\n"
    "UID:040000008200E00074C5B7101A82E00800000000B0C4D5E6F7A8B9CA01000000000000\r\n"
    " 0010000000A1B2C3D4E5F6\r\n"
    "X-MICROSOFT-CDO-BUSYSTATUS:BUSY\r\n"
    "X-MICROSOFT-CDO-IMPORTANCE:1\r\n"
    "X-MICROSOFT-DISALLOW-COUNTER:FALSE\r\n"
    "BEGIN:VALARM\r\n"
    "TRIGGER:-PT15M\r\n"
    "ACTION:DISPLAY\r\n"
    "DESCRIPTION:Reminder\r\n"
    "END:VALARM\r\n"
    "END:VEVENT\r\n"
    "END:VCALENDAR\r\n"
).encode()

# The same meeting as older Outlooks export it: Windows-1252 bytes, no VTIMEZONE at all,
# the Windows zone name alone (icalendar maps it to Europe/Berlin).
OUTLOOK_NO_VTIMEZONE = (
    "BEGIN:VCALENDAR\r\nPRODID:-//Microsoft Corporation//Outlook 14.0 MIMEDIR//EN\r\n"
    "VERSION:2.0\r\nBEGIN:VEVENT\r\n"
    "DTSTART;TZID=W. Europe Standard Time:20260302T103000\r\n"
    "DTEND;TZID=W. Europe Standard Time:20260302T113000\r\n"
    "SUMMARY:Réunion budget\r\nUID:outlook-14-cp1252@example.org\r\n"
    "ATTENDEE;CN=Anne:MAILTO:anne@example.com\r\nEND:VEVENT\r\nEND:VCALENDAR\r\n"
).encode("cp1252")


def test_outlook_windows_zones_with_and_without_vtimezone() -> None:
    now = datetime(2026, 3, 3, tzinfo=UTC)
    for sample in (OUTLOOK, OUTLOOK_NO_VTIMEZONE):
        (series,) = calendar_files.parse(sample)
        (occurrence,), _ = series.occurrences(now - timedelta(days=30), now, ZoneInfo("UTC"))
        # 10:30 in Berlin/Paris in winter is 09:30 UTC, whatever zone the reader is in.
        assert occurrence.start.astimezone(UTC) == datetime(2026, 3, 2, 9, 30, tzinfo=UTC)
        assert occurrence.end - occurrence.start == timedelta(hours=1)
        assert "anne@example.com" in {p.email for p in occurrence.people}
    (series,) = calendar_files.parse(OUTLOOK)
    assert series.uid.startswith("040000008200E000") and series.uid.endswith("A1B2C3D4E5F6")
    (occurrence,), _ = series.occurrences(now - timedelta(days=30), now, PARIS)
    assert occurrence.organizer is not None
    assert occurrence.organizer.email == "boss@example.org"  # not the SENT-BY delegate
    assert occurrence.organizer.name == "Boss, The"
    assert occurrence.summary == "Revue trimestrielle"
    assert occurrence.location == "Salle Lovelace"
    (old,) = calendar_files.parse(OUTLOOK_NO_VTIMEZONE)
    ended, _ = old.occurrences(now - timedelta(days=30), now, PARIS)
    assert ended[0].summary == "Réunion budget"  # Windows-1252 read as such


# Apple (iPhone / macOS Calendar through iCloud): X-APPLE properties, EMAIL= on attendees
# whose value is a principal path, quoted CN, an all-day event with VALUE=DATE. Shapes
# from the iPhone OS 17.6.1 calendar-data in a CalDAV client's test (an iCloud reply)
# and the "Mac OS X 10.13.6" invitation in ProtonMail/WebClients' invite tests.
APPLE = (
    "BEGIN:VCALENDAR\r\n"
    "CALSCALE:GREGORIAN\r\n"
    "PRODID:-//Apple Inc.//iPhone OS 17.6.1//EN\r\n"
    "VERSION:2.0\r\n"
    "BEGIN:VEVENT\r\n"
    'ATTENDEE;CN="Anne Müller";CUTYPE=INDIVIDUAL;EMAIL="anne@example.co\r\n'
    ' m";PARTSTAT=ACCEPTED;ROLE=REQ-PARTICIPANT:/1234567890/principal/\r\n'
    'ATTENDEE;CUTYPE=INDIVIDUAL;EMAIL="me@example.org";PARTSTAT=ACCEPTED;ROL\r\n'
    " E=CHAIR:mailto:me@example.org\r\n"
    "CREATED:20260215T105310Z\r\n"
    "DTEND;VALUE=DATE:20260219\r\n"
    "DTSTAMP:20260215T105310Z\r\n"
    "DTSTART;VALUE=DATE:20260218\r\n"
    "LAST-MODIFIED:20260215T105310Z\r\n"
    'ORGANIZER;CN="Me";EMAIL="me@example.org":mailto:me@example.org\r\n'
    "SEQUENCE:0\r\n"
    "SUMMARY:Salon Vivatech \r\n"
    "UID:0CE89719-1234-4A3B-A1F9-27F2948FE077\r\n"
    "URL;VALUE=URI:\r\n"
    "X-APPLE-CREATOR-IDENTITY:com.apple.mobilecal\r\n"
    "X-APPLE-CREATOR-TEAM-IDENTITY:0000000000\r\n"
    "X-APPLE-TRAVEL-ADVISORY-BEHAVIOR:AUTOMATIC\r\n"
    "END:VEVENT\r\n"
    "END:VCALENDAR\r\n"
).encode()


def test_apple_all_day_with_principal_attendees() -> None:
    (series,) = calendar_files.parse(APPLE)
    now = datetime(2026, 3, 2, tzinfo=UTC)
    (occurrence,), upcoming = series.occurrences(now - timedelta(days=90), now, PARIS)
    assert occurrence.all_day and upcoming is None
    assert occurrence.start == datetime(2026, 2, 18, tzinfo=PARIS)
    assert occurrence.end == datetime(2026, 2, 19, tzinfo=PARIS)
    assert {p.email for p in occurrence.people} == {"me@example.org", "anne@example.com"}
    assert occurrence.summary == "Salon Vivatech"
    assert series.start(PARIS) == (date(2026, 2, 18), None)
    # Not over until the day is: at 23:00 that evening it is still upcoming.
    evening = datetime(2026, 2, 18, 22, 0, tzinfo=UTC)
    ended, upcoming = series.occurrences(evening - timedelta(days=90), evening, PARIS)
    assert ended == [] and upcoming == datetime(2026, 2, 19, tzinfo=PARIS)


# Nextcloud (Calendar app on sabre/dav): a recurring master and its RECURRENCE-ID
# override in one file, zones by IANA name with a VTIMEZONE after the events, ORGANIZER
# and ATTENDEE with LANGUAGE=. Shape from the Nextcloud 2.0.4 event in KDE's
# kcalendarcore autotests/testicalformat.cpp and nextcloud/server's
# apps/dav/tests/unit/CalDAV/CalDavBackendTest.php (Calendar app 4.5.0).
NEXTCLOUD = (
    "BEGIN:VCALENDAR\r\n"
    "PRODID:-//IDN nextcloud.com//Calendar app 4.7.6//EN\r\n"
    "CALSCALE:GREGORIAN\r\n"
    "VERSION:2.0\r\n"
    "BEGIN:VEVENT\r\n"
    "CREATED:20260101T080000Z\r\n"
    "DTSTAMP:20260101T080000Z\r\n"
    "LAST-MODIFIED:20260101T080000Z\r\n"
    "SEQUENCE:3\r\n"
    "UID:c0ffee11-2233-4455-6677-889900aabbcc\r\n"
    "DTSTART;TZID=Europe/Paris:20260105T090000\r\n"
    "DTEND;TZID=Europe/Paris:20260105T093000\r\n"
    "STATUS:CONFIRMED\r\n"
    "SUMMARY:Point hebdo Acme\r\n"
    "RRULE:FREQ=WEEKLY;BYDAY=MO;UNTIL=20260323T225959Z\r\n"
    "EXDATE;TZID=Europe/Paris:20260216T090000\r\n"
    "ORGANIZER;CN=Rep:mailto:me@example.org\r\n"
    "ATTENDEE;CN=Anne Müller;CUTYPE=INDIVIDUAL;PARTSTAT=ACCEPTED;ROLE=REQ-PARTIC\r\n"
    " IPANT;RSVP=TRUE;LANGUAGE=fr:mailto:anne@example.com\r\n"
    "END:VEVENT\r\n"
    "BEGIN:VEVENT\r\n"
    "CREATED:20260101T080000Z\r\n"
    "DTSTAMP:20260120T070000Z\r\n"
    "LAST-MODIFIED:20260120T070000Z\r\n"
    "SEQUENCE:4\r\n"
    "UID:c0ffee11-2233-4455-6677-889900aabbcc\r\n"
    "RECURRENCE-ID;TZID=Europe/Paris:20260126T090000\r\n"
    "DTSTART;TZID=Europe/Paris:20260127T140000\r\n"
    "DTEND;TZID=Europe/Paris:20260127T150000\r\n"
    "STATUS:CONFIRMED\r\n"
    "SUMMARY:Point hebdo Acme (décalé)\r\n"
    "ORGANIZER;CN=Rep:mailto:me@example.org\r\n"
    "ATTENDEE;CN=Anne Müller;CUTYPE=INDIVIDUAL;PARTSTAT=ACCEPTED;ROLE=REQ-PARTIC\r\n"
    " IPANT;RSVP=TRUE;LANGUAGE=fr:mailto:anne@example.com\r\n"
    "END:VEVENT\r\n"
    "BEGIN:VEVENT\r\n"
    "CREATED:20260101T080000Z\r\n"
    "DTSTAMP:20260201T070000Z\r\n"
    "UID:c0ffee11-2233-4455-6677-889900aabbcc\r\n"
    "RECURRENCE-ID;TZID=Europe/Paris:20260202T090000\r\n"
    "DTSTART;TZID=Europe/Paris:20260202T090000\r\n"
    "DTEND;TZID=Europe/Paris:20260202T093000\r\n"
    "STATUS:CANCELLED\r\n"
    "SUMMARY:Point hebdo Acme\r\n"
    "END:VEVENT\r\n"
    "BEGIN:VTIMEZONE\r\n"
    "TZID:Europe/Paris\r\n"
    "BEGIN:DAYLIGHT\r\n"
    "TZOFFSETFROM:+0100\r\n"
    "TZOFFSETTO:+0200\r\n"
    "TZNAME:CEST\r\n"
    "DTSTART:19700329T020000\r\n"
    "RRULE:FREQ=YEARLY;BYMONTH=3;BYDAY=-1SU\r\n"
    "END:DAYLIGHT\r\n"
    "BEGIN:STANDARD\r\n"
    "TZOFFSETFROM:+0200\r\n"
    "TZOFFSETTO:+0100\r\n"
    "TZNAME:CET\r\n"
    "DTSTART:19701025T030000\r\n"
    "RRULE:FREQ=YEARLY;BYMONTH=10;BYDAY=-1SU\r\n"
    "END:STANDARD\r\n"
    "END:VTIMEZONE\r\n"
    "END:VCALENDAR\r\n"
).encode()


def test_nextcloud_weekly_with_exdate_override_and_cancelled_instance() -> None:
    (series,) = calendar_files.parse(NEXTCLOUD)
    now = datetime(2026, 3, 10, 12, 0, tzinfo=UTC)
    ended, upcoming = series.occurrences(now - timedelta(days=90), now, PARIS)
    got = [
        (o.recurrence_id, o.start.astimezone(PARIS).strftime("%m-%d %H:%M"), o.cancelled)
        for o in ended
    ]
    assert got == [
        ("20260105T080000Z", "01-05 09:00", False),
        ("20260112T080000Z", "01-12 09:00", False),
        ("20260119T080000Z", "01-19 09:00", False),
        ("20260126T080000Z", "01-27 14:00", False),  # moved by its override
        ("20260202T080000Z", "02-02 09:00", True),  # cancelled by its override
        ("20260209T080000Z", "02-09 09:00", False),
        # 02-16: EXDATE
        ("20260223T080000Z", "02-23 09:00", False),
        ("20260302T080000Z", "03-02 09:00", False),
        ("20260309T080000Z", "03-09 09:00", False),
    ]
    assert ended[3].summary == "Point hebdo Acme (décalé)"
    # UNTIL (UTC) is the 23rd at 23:59 Paris: the 16th is excluded, the 23rd is next.
    assert upcoming == datetime(2026, 3, 16, 9, 30, tzinfo=PARIS)
    later = datetime(2026, 4, 1, tzinfo=UTC)
    ended, upcoming = series.occurrences(now, later, PARIS)
    assert [o.start.astimezone(PARIS).date() for o in ended] == [
        date(2026, 3, 16),
        date(2026, 3, 23),
    ]
    assert upcoming is None  # the series is over: nothing left to wait for


# Thunderbird / Lightning: the zone as a VTIMEZONE of Mozilla's own (X-TZINFO, a long
# history), X-MOZ-GENERATION, alarms with X-MOZ-LASTACK. Shape from icalendar's
# tests/calendars/alarm_thunderbird_future.ics (a real Thunderbird file), shortened.
THUNDERBIRD = (
    b"BEGIN:VCALENDAR\r\n"
    b"PRODID:-//Mozilla.org/NONSGML Mozilla Calendar V1.1//EN\r\n"
    b"VERSION:2.0\r\n"
    b"BEGIN:VTIMEZONE\r\n"
    b"TZID:Europe/London\r\n"
    b"X-TZINFO:Europe/London[2024a]\r\n"
    b"BEGIN:DAYLIGHT\r\n"
    b"TZOFFSETTO:+010000\r\n"
    b"TZOFFSETFROM:+000000\r\n"
    b"TZNAME:Europe/London(DST)\r\n"
    b"DTSTART:19810329T010000\r\n"
    b"RRULE:FREQ=YEARLY;BYMONTH=3;BYDAY=-1SU;UNTIL=19960331T010000\r\n"
    b"END:DAYLIGHT\r\n"
    b"BEGIN:DAYLIGHT\r\n"
    b"TZOFFSETTO:+010000\r\n"
    b"TZOFFSETFROM:+000000\r\n"
    b"TZNAME:(DST)\r\n"
    b"DTSTART:19970330T010000\r\n"
    b"RRULE:FREQ=YEARLY;BYMONTH=3;BYDAY=-1SU\r\n"
    b"END:DAYLIGHT\r\n"
    b"BEGIN:STANDARD\r\n"
    b"TZOFFSETTO:+000000\r\n"
    b"TZOFFSETFROM:+010000\r\n"
    b"TZNAME:(STD)\r\n"
    b"DTSTART:19971026T020000\r\n"
    b"RRULE:FREQ=YEARLY;BYMONTH=10;BYDAY=-1SU\r\n"
    b"END:STANDARD\r\n"
    b"END:VTIMEZONE\r\n"
    b"BEGIN:VEVENT\r\n"
    b"CREATED:20260223T131035Z\r\n"
    b"LAST-MODIFIED:20260223T131141Z\r\n"
    b"DTSTAMP:20260223T131141Z\r\n"
    b"UID:b9a23b47-f109-4e7a-908c-75e925b27def\r\n"
    b"SUMMARY:Call with Anne\r\n"
    b"ORGANIZER;CN=Me:mailto:me@example.org\r\n"
    b"ATTENDEE;RSVP=TRUE;PARTSTAT=NEEDS-ACTION;ROLE=REQ-PARTICIPANT:mailto:anne@\r\n"
    b" example.com\r\n"
    b"DTSTART;TZID=Europe/London:20260224T150000\r\n"
    b"DTEND;TZID=Europe/London:20260224T160000\r\n"
    b"TRANSP:OPAQUE\r\n"
    b"X-MOZ-GENERATION:2\r\n"
    b"X-MOZ-LASTACK:20260224T144500Z\r\n"
    b"BEGIN:VALARM\r\n"
    b"ACTION:DISPLAY\r\n"
    b"TRIGGER:-PT15M\r\n"
    b"DESCRIPTION:Mozilla Standardbeschreibung\r\n"
    b"END:VALARM\r\n"
    b"END:VEVENT\r\n"
    b"END:VCALENDAR\r\n"
)


def test_thunderbird_zone_history() -> None:
    (series,) = calendar_files.parse(THUNDERBIRD)
    now = datetime(2026, 3, 2, tzinfo=UTC)
    (occurrence,), _ = series.occurrences(now - timedelta(days=90), now, PARIS)
    assert occurrence.start.astimezone(UTC) == datetime(2026, 2, 24, 15, 0, tzinfo=UTC)
    assert {p.email for p in occurrence.people} == {"me@example.org", "anne@example.com"}


# khal: LF line ends (it writes what icalendar gives it), floating times, a recurring
# event whose override is in UTC while the master is in a zone. Shapes from khal's
# tests/ics/event_dt_floating.ics and event_rrule_recuid.ics (pimutils/khal).
KHAL = (
    b"BEGIN:VCALENDAR\n"
    b"VERSION:2.0\n"
    b"PRODID:-//PIMUTILS.ORG//NONSGML khal / icalendar //EN\n"
    b"BEGIN:VEVENT\n"
    b"UID:event_rrule_recurrence_id\n"
    b"SUMMARY:Atelier\n"
    b"RRULE:FREQ=WEEKLY;UNTIL=20260302T060000Z\n"
    b"DTSTART;TZID=Europe/Berlin:20260202T070000\n"
    b"DTEND;TZID=Europe/Berlin:20260202T120000\n"
    b"ATTENDEE:mailto:anne@example.com\n"
    b"END:VEVENT\n"
    b"BEGIN:VEVENT\n"
    b"UID:event_rrule_recurrence_id\n"
    b"SUMMARY:Atelier\n"
    b"RECURRENCE-ID:20260209T060000Z\n"
    b"DTSTART;TZID=Europe/Berlin:20260209T090000\n"
    b"DTEND;TZID=Europe/Berlin:20260209T140000\n"
    b"ATTENDEE:mailto:anne@example.com\n"
    b"END:VEVENT\n"
    b"BEGIN:VEVENT\n"
    b"SUMMARY:Floating\n"
    b"DTSTART:20260225T180000\n"
    b"DTEND:20260225T190000\n"
    b"DTSTAMP:20260220T120000Z\n"
    b"UID:floating-khal@example.org\n"
    b"END:VEVENT\n"
    b"END:VCALENDAR\n"
)


def test_khal_floating_and_utc_recurrence_id() -> None:
    found = {s.uid: s for s in calendar_files.parse(KHAL)}
    now = datetime(2026, 3, 3, tzinfo=UTC)
    ended, upcoming = found["event_rrule_recurrence_id"].occurrences(
        now - timedelta(days=90), now, PARIS
    )
    assert [o.recurrence_id for o in ended] == [
        "20260202T060000Z",
        "20260209T060000Z",  # the override, matched by its UTC RECURRENCE-ID
        "20260216T060000Z",
        "20260223T060000Z",
        "20260302T060000Z",
    ]
    assert ended[1].start.astimezone(UTC).hour == 8 and upcoming is None
    (floating,), _ = found["floating-khal@example.org"].occurrences(
        now - timedelta(days=90), now, PARIS
    )
    assert floating.start == datetime(2026, 2, 25, 18, 0, tzinfo=PARIS)  # the reader's zone


def test_broken_and_hostile_files() -> None:
    for junk in (b"", b"garbage", b"\x00\x01\x02", b"BEGIN:VCALENDAR\r\nBEGIN:VEVENT\r\n"):
        with pytest.raises(Invalid):
            calendar_files.parse(junk)
    with pytest.raises(Invalid, match="too big"):
        calendar_files.parse(b"BEGIN:VCALENDAR\r\n" + b"X" * calendar_files.MAX_BODY)
    # A broken EXDATE and a broken DTEND cost their own value, not the event
    # (icalendar's tests/calendars/parsing_error.ics, a Google export).
    broken = (
        b"BEGIN:VCALENDAR\r\nPRODID:-//Google Inc//Google Calendar 70.9054//EN\r\nVERSION:2.0\r\n"
        b"BEGIN:VEVENT\r\nUID:broken@x\r\nDTSTART;VALUE=DATE:20260203\r\nDTEND:2026\r\n"
        b"RRULE:FREQ=DAILY;UNTIL=20260205T235959Z\r\nEXDATE;VALUE=DATE:\r\n"
        b"END:VEVENT\r\nEND:VCALENDAR\r\n"
    )
    (series,) = calendar_files.parse(broken)
    now = datetime(2026, 3, 1, tzinfo=UTC)
    ended, _ = series.occurrences(now - timedelta(days=90), now, PARIS)
    assert [o.recurrence_id for o in ended] == ["20260203", "20260204", "20260205"]
    # A rule that never ends and steps every second since 1970: bounded work, no hang.
    dense = (
        b"BEGIN:VCALENDAR\r\nBEGIN:VEVENT\r\nUID:dense@x\r\nDTSTART:19700101T000000Z\r\n"
        b"RRULE:FREQ=SECONDLY\r\nEND:VEVENT\r\nEND:VCALENDAR\r\n"
    )
    (series,) = calendar_files.parse(dense)
    ended, upcoming = series.occurrences(now - timedelta(days=90), now, PARIS)
    assert ended == [] and upcoming is None
    # No UID (khal's tests/ics/without_uid.ics): a stable name from its own bytes.
    nameless = (
        b"BEGIN:VCALENDAR\r\nBEGIN:VEVENT\r\nDTSTART:20260201T100000Z\r\n"
        b"END:VEVENT\r\nEND:VCALENDAR\r\n"
    )
    assert calendar_files.parse(nameless)[0].uid == calendar_files.parse(nameless)[0].uid
    assert calendar_files.parse(nameless)[0].uid.startswith("no-uid-")
