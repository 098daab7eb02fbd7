"""The clock: stored stamps and the one text form of a local time every front end shows."""

from __future__ import annotations

import pytest

from crmcli.core import clock


@pytest.mark.parametrize(
    ("stamp", "shown"),
    [
        ("2026-11-24T09:30:00.000000Z", "2026-11-24 10:30"),  # Paris in winter: UTC+1
        ("2026-07-01T22:15:59.999999Z", "2026-07-02 00:15"),  # summer time, past midnight
        (None, ""),
        ("", ""),
    ],
)
def test_local_time_is_the_stamp_in_the_local_zone_to_the_minute(
    stamp: str | None, shown: str
) -> None:
    assert clock.local_time(stamp) == shown


def test_a_stamp_round_trips() -> None:
    moment = clock.parse_stamp("2026-03-02T09:00:00.123456Z")
    assert clock.stamp(moment) == "2026-03-02T09:00:00.123456Z"


@pytest.mark.parametrize(
    "tz",
    [
        "Europe/Paris",
        ":America/New_York",
        "/usr/share/zoneinfo/Asia/Tokyo",
        "CET-1CEST,M3.5.0,M10.5.0/3",  # a POSIX rule: zoneinfo cannot read it
        "EST5EDT",
        "UTC",
        "",  # the machine's own zone (/etc/localtime)
        "Nowhere/Land",  # unknown: UTC, as dateutil gave
    ],
)
def test_the_local_zone_has_the_offsets_dateutil_gives(
    tz: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    """`local_zone` reads TZ with zoneinfo (cheaper to import); every offset through a
    year, both DST changes included, is the one dateutil's `gettz` gave before."""
    from datetime import UTC, datetime, timedelta

    from dateutil import tz as dateutil_tz

    monkeypatch.setenv("TZ", tz)
    zone = clock.local_zone()
    reference = dateutil_tz.gettz() or UTC
    start = datetime(2026, 1, 1, tzinfo=UTC)
    for hours in range(0, 366 * 24, 7):  # every 7 hours: both changes fall between samples
        moment = start + timedelta(hours=hours)
        assert moment.astimezone(zone).utcoffset() == moment.astimezone(reference).utcoffset()
    if tz in ("Europe/Paris", ":America/New_York"):
        from zoneinfo import ZoneInfo

        assert isinstance(zone, ZoneInfo)
