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
