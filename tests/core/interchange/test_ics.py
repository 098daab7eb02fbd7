"""The follow-up calendar, read back with a real iCalendar parser as a phone would."""

from __future__ import annotations

import io
import re
from collections.abc import Iterator
from datetime import UTC, date, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import icalendar
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from icalendar.parser import unescape_backslash

from crmcli.core.clock import parse_stamp
from crmcli.core.interchange.ics import write_calendar

NOW = datetime(2026, 11, 20, 8, 30, 15, 123456, tzinfo=UTC)

NASTY = [
    "Call back, then send; the quote\\draft",
    "line one\nline two\r\nline three\rline four",
    "Dev lead 👩‍💻 wants a demo 👨‍👩‍👧‍👦 🏳️‍🌈 🇫🇷",
    "王小明さんに電話する。見積書を送付してください",
    "اتصل بالعميل بخصوص التجديد، ثم أرسل العرض",
    "mixed: עברית and English, 123; \\n is not a newline",
    'tab\there, colon: here, quote " here',
    "Hélène Dupré — réunion à 9h; café, croissants",
    "é" * 37 + "👩‍💻" * 20 + "中" * 30 + "x\\,;" * 20,
    "".join(chr(0x4E00 + i) for i in range(500)),
]


def followup(**overrides: Any) -> dict[str, Any]:
    """A timed follow-up with every optional field set; tests override what they probe."""
    row: dict[str, Any] = {
        "id": 7,
        "contact_name": "Nadia Benali",
        "contact_email": "nadia@example.com",
        "contact_phone": "+33 6 12 34 56 78",
        "deal_title": "Renewal 2027",
        "note": "Send the revised quote",
        "kind": "followup",
        "due_date": "2026-11-27",
        "due_time": "10:00",
        "due_at": "2026-11-27T09:00:00.000000Z",
        "version": 3,
        "updated_at": "2026-11-19T16:45:12.654321Z",
    }
    row.update(overrides)
    return row


def bare(**overrides: Any) -> dict[str, Any]:
    """A follow-up with no deal, email or phone, so DESCRIPTION is the note alone."""
    return followup(contact_email=None, contact_phone=None, deal_title=None, **overrides)


def export(rows: Any, **kwargs: Any) -> tuple[int, str]:
    out = io.StringIO(newline="")
    kwargs.setdefault("now", NOW)
    count = write_calendar(rows, out, **kwargs)
    return count, out.getvalue()


def parse(text: str) -> icalendar.Calendar:
    return icalendar.Calendar.from_ical(text)


def events(text: str) -> list[icalendar.Event]:
    return list(parse(text).walk("VEVENT"))


def one_event(row: dict[str, Any], **kwargs: Any) -> icalendar.Event:
    _, text = export([row], **kwargs)
    (event,) = events(text)
    return event


def expected_text(text: str) -> str:
    """What a TEXT value can carry: every line break as LF, controls other than tab gone."""
    text = text.replace("\r\n", "\n").replace("\r", "\n")
    return re.sub(r"[\x00-\x08\x0b-\x1f\x7f]", "", text)


def assert_physical_lines_ok(text: str) -> None:
    raw = text.encode("utf-8")
    assert raw.endswith(b"\r\n")
    lines = raw.split(b"\r\n")
    assert lines.pop() == b""
    for line in lines:
        assert b"\r" not in line and b"\n" not in line, line
        assert len(line) <= 75, (len(line), line)
        line.decode("utf-8", errors="strict")  # no character split across a fold


def test_header_and_event_count() -> None:
    rows = [followup(id=n) for n in range(1, 6)]
    count, text = export(rows, calendar_name="Nadia's follow-ups, Q4; mine")
    assert count == 5
    assert text.startswith("BEGIN:VCALENDAR\r\nVERSION:2.0\r\n")
    assert text.endswith("END:VCALENDAR\r\n")
    calendar = parse(text)
    assert str(calendar["PRODID"]) == "-//crmcli//crm follow-ups//EN"
    assert str(calendar["CALSCALE"]) == "GREGORIAN"
    assert str(calendar["METHOD"]) == "PUBLISH"
    # icalendar leaves X- properties raw; their default type is TEXT (RFC 5545 §3.8.8.2).
    calname = calendar["X-WR-CALNAME"].to_ical().decode()
    assert calname == "Nadia's follow-ups\\, Q4\\; mine"
    assert unescape_backslash(calname) == "Nadia's follow-ups, Q4; mine"
    assert len(events(text)) == 5
    assert not list(calendar.walk("VTODO"))


def test_empty_calendar_is_valid() -> None:
    count, text = export([])
    assert count == 0
    calendar = parse(text)
    assert str(calendar["VERSION"]) == "2.0"
    assert events(text) == []
    assert_physical_lines_ok(text)


def test_uid_stable_across_exports_and_sequence_follows_version() -> None:
    rows = [followup(id=1), followup(id=2, due_time=None)]
    _, first = export(rows)
    _, second = export(rows, now=NOW + timedelta(days=3))
    uids_first = [str(e["UID"]) for e in events(first)]
    uids_second = [str(e["UID"]) for e in events(second)]
    assert uids_first == uids_second == ["followup-1@crmcli", "followup-2@crmcli"]
    assert first != second  # only DTSTAMP moved
    changed = one_event(followup(id=1, version=4, note="Moved"))
    assert str(changed["UID"]) == "followup-1@crmcli"
    assert changed["SEQUENCE"] == 4
    assert str(one_event(followup(id=1), uid_domain="crm.example.org")["UID"]) == (
        "followup-1@crm.example.org"
    )


def test_stamps() -> None:
    event = one_event(followup())
    assert event["DTSTAMP"].dt == NOW.replace(microsecond=0)
    assert event["LAST-MODIFIED"].dt == datetime(2026, 11, 19, 16, 45, 12, tzinfo=UTC)
    # `now` in another zone is still written in UTC.
    paris = NOW.astimezone(ZoneInfo("Europe/Paris"))
    _, text = export([followup()], now=paris)
    assert "DTSTAMP:20261120T083015Z\r\n" in text


@pytest.mark.parametrize(
    ("due_date", "next_day"),
    [
        ("2026-11-27", date(2026, 11, 28)),
        ("2026-12-31", date(2027, 1, 1)),
        ("2028-02-28", date(2028, 2, 29)),
        ("2027-02-28", date(2027, 3, 1)),
    ],
)
def test_all_day_event(due_date: str, next_day: date) -> None:
    event = one_event(followup(due_date=due_date, due_time=None))
    start, end = event["DTSTART"].dt, event["DTEND"].dt
    assert type(start) is date and type(end) is date
    assert start == date.fromisoformat(due_date)
    assert end == next_day
    assert str(event["TRANSP"]) == "TRANSPARENT"


def test_timed_event_is_utc_at_due_at() -> None:
    row = followup(due_at="2026-03-29T00:30:00.000000Z", due_time="02:30")
    event = one_event(row)
    start, end = event["DTSTART"].dt, event["DTEND"].dt
    assert isinstance(start, datetime)
    assert start.utcoffset() == timedelta(0)
    assert start == parse_stamp(row["due_at"])
    assert end - start == timedelta(minutes=15)
    assert str(event["TRANSP"]) == "OPAQUE"
    _, text = export([row])
    assert "DTSTART:20260329T003000Z\r\n" in text


def test_summary_and_description() -> None:
    event = one_event(followup(note="Send the revised quote\nThen call Bob"))
    assert str(event["SUMMARY"]) == "Follow up: Nadia Benali — Send the revised quote"
    assert str(event["DESCRIPTION"]) == (
        "Send the revised quote\nThen call Bob\n\n"
        "Deal: Renewal 2027\nEmail: nadia@example.com\nPhone: +33 6 12 34 56 78"
    )
    assert str(event["CATEGORIES"].cats[0]) == "crm"
    assert str(event["STATUS"]) == "CONFIRMED"
    assert "ATTENDEE" not in event
    assert "ORGANIZER" not in event


def test_renewal_and_missing_note() -> None:
    event = one_event(followup(kind="renewal", note=None, deal_title=None, contact_phone=None))
    assert str(event["SUMMARY"]) == "Renewal: Nadia Benali"
    assert str(event["DESCRIPTION"]) == "Email: nadia@example.com"
    blank = one_event(bare(note="  \n "))
    assert str(blank["SUMMARY"]) == "Follow up: Nadia Benali"
    assert "DESCRIPTION" not in blank


def test_unknown_kind_is_rejected() -> None:
    with pytest.raises(ValueError, match="kind"):
        export([followup(kind="meeting")])


@pytest.mark.parametrize("note", NASTY)
def test_nasty_text_round_trips(note: str) -> None:
    name = note[:40]
    event = one_event(bare(note=note, contact_name=name))
    expected = expected_text(note)
    first_line = expected.strip().split("\n")[0].strip()
    assert str(event["SUMMARY"]) == f"Follow up: {expected_text(name)} — {first_line}"
    assert str(event["DESCRIPTION"]) == expected
    _, text = export([bare(note=note, contact_name=name)])
    assert_physical_lines_ok(text)


def test_escaping_is_rfc_5545() -> None:
    _, text = export([bare(note="a,b;c\\d:e\r\nf")])
    unfolded = text.replace("\r\n ", "")
    assert "\r\nDESCRIPTION:a\\,b\\;c\\\\d:e\\nf\r\n" in unfolded


@pytest.mark.parametrize("pad", range(8))
def test_folding_never_splits_characters_or_escapes(pad: int) -> None:
    # Shifting the text by one octet at a time puts every kind of unit on a fold.
    note = "x" * pad + ("é中👩‍💻\\;," * 40)
    _, text = export([bare(note=note)])
    assert_physical_lines_ok(text)
    for line in text.split("\r\n"):
        trailing = len(line) - len(line.rstrip("\\"))
        assert trailing % 2 == 0, line  # an escape pair is never cut in two
    assert str(events(text)[0]["DESCRIPTION"]) == note


@pytest.mark.parametrize(("minutes", "trigger"), [(15, timedelta(minutes=-15)), (0, timedelta(0))])
def test_alarm(minutes: int, trigger: timedelta) -> None:
    event = one_event(followup(), alarm_minutes=minutes)
    (alarm,) = event.walk("VALARM")
    assert str(alarm["ACTION"]) == "DISPLAY"
    assert alarm["TRIGGER"].dt == trigger
    assert str(alarm["DESCRIPTION"]) == str(event["SUMMARY"])
    _, text = export([followup()], alarm_minutes=minutes)
    assert ("TRIGGER:PT0S\r\n" if minutes == 0 else "TRIGGER:-PT15M\r\n") in text


@pytest.mark.parametrize(
    ("at", "trigger", "line"),
    [
        (time(9, 0), timedelta(hours=9), "TRIGGER:PT9H"),
        (time(7, 30), timedelta(hours=7, minutes=30), "TRIGGER:PT7H30M"),
        (time(0, 0), timedelta(0), "TRIGGER:PT0S"),
    ],
)
def test_all_day_alarm_rings_at_the_reminder_time(at: time, trigger: timedelta, line: str) -> None:
    """Not at midnight: when `crm remind` announces it (reminder_all_day_time)."""
    row = followup(due_time=None)
    (alarm,) = one_event(row, alarm_minutes=15, all_day_alarm=at).walk("VALARM")
    assert alarm["TRIGGER"].dt == trigger
    assert f"{line}\r\n" in export([row], alarm_minutes=15, all_day_alarm=at)[1]
    default = one_event(row, alarm_minutes=15).walk("VALARM")[0]
    assert default["TRIGGER"].dt == timedelta(hours=9)


def test_no_alarm_when_alarm_minutes_is_none() -> None:
    _, text = export([followup(), followup(id=8, due_time=None)], alarm_minutes=None)
    assert len(events(text)) == 2
    assert not list(parse(text).walk("VALARM"))
    assert "VALARM" not in text


def test_bad_arguments_write_nothing() -> None:
    out = io.StringIO()
    with pytest.raises(ValueError):
        write_calendar([followup()], out, now=datetime(2026, 11, 20))
    with pytest.raises(ValueError):
        write_calendar([followup()], out, now=NOW, alarm_minutes=-5)
    assert out.getvalue() == ""


def test_streams_from_a_generator() -> None:
    out = io.StringIO(newline="")
    seen: list[str] = []

    def rows() -> Iterator[dict[str, Any]]:
        for n in range(1, 4):
            # Each earlier event is already in the stream when the next is read.
            seen.append(out.getvalue())
            yield followup(id=n)

    assert write_calendar(rows(), out, now=NOW) == 3
    assert "followup-1@" not in seen[0]
    assert "followup-1@" in seen[1] and "END:VEVENT" in seen[1]
    assert "followup-2@" in seen[2]
    assert len(events(out.getvalue())) == 3


@settings(max_examples=300, deadline=None)
@given(note=st.text(), name=st.text(min_size=1, max_size=60))
def test_any_text_round_trips(note: str, name: str) -> None:
    _, text = export([bare(note=note, contact_name=name)], alarm_minutes=None)
    assert_physical_lines_ok(text)
    (event,) = events(text)
    cleaned = expected_text(note)
    if cleaned.strip():
        first_line = cleaned.strip().split("\n")[0].strip()
        assert str(event["SUMMARY"]) == f"Follow up: {expected_text(name)} — {first_line}"
        assert str(event["DESCRIPTION"]) == cleaned
    else:
        assert str(event["SUMMARY"]) == f"Follow up: {expected_text(name)}"
        assert "DESCRIPTION" not in event
