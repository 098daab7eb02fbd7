"""Lengths of time a rep types: call durations (`15m`, `1h30`) and cadences (`30d`, `2w`)."""

from __future__ import annotations

import re

from crmcli.core.errors import Invalid

_PART = re.compile(r"(\d+)\s*(h|hr|hrs|hours?|m|min|mins|minutes?|s|sec|secs|seconds?)")


def parse_duration(text: str) -> int:
    """Seconds in `15m`, `1h`, `1h30`, `1h30m`, `90s`, `1:30` (h:mm) or `45` (minutes)."""
    value = text.strip().lower()
    if value.startswith("-"):
        raise Invalid(f"duration must not be negative: {text!r}")
    if re.fullmatch(r"\d+", value):
        return int(value) * 60
    match = re.fullmatch(r"(\d+):([0-5]\d)", value)
    if match:
        return int(match.group(1)) * 3600 + int(match.group(2)) * 60
    match = re.fullmatch(r"(\d+)\s*h\s*(\d+)", value)  # 1h30
    if match:
        return int(match.group(1)) * 3600 + int(match.group(2)) * 60
    parts = _PART.findall(value)
    if not parts or _PART.sub("", value).strip():
        raise Invalid(f"cannot read {text!r} as a duration (try 15m, 1h, 1h30, 90s or 1:30)")
    seconds = 0
    for number, unit in parts:
        seconds += int(number) * {"h": 3600, "m": 60, "s": 1}[unit[0]]
    return seconds


def format_duration(seconds: int | None) -> str:
    if not seconds:
        return ""
    hours, rest = divmod(seconds, 3600)
    minutes, secs = divmod(rest, 60)
    if hours:
        return f"{hours}h{minutes:02d}" if minutes else f"{hours}h"
    if minutes:
        return f"{minutes}m" if not secs else f"{minutes}m{secs:02d}s"
    return f"{secs}s"


def parse_cadence(text: str) -> int | None:
    """Days in a keep-in-touch cadence: `30d`, `2w`, `3mo` (or `3m`, months of 30 days), `1y`.

    `off`, `none` or `0` clear it.
    """
    value = text.strip().lower().replace(" ", "")
    if value in ("off", "none", "never", "0", ""):
        return None
    match = re.fullmatch(r"(\d+)(d|days?|w|weeks?|m|mo|months?|y|years?)?", value)
    if not match or int(match.group(1)) == 0:
        raise Invalid(f"cannot read {text!r} as a cadence (try 30d, 2w, 3mo, 1y, or off)")
    number = int(match.group(1))
    unit = (match.group(2) or "d")[0]
    days = number * {"d": 1, "w": 7, "m": 30, "y": 365}[unit]
    if days > 3650:
        raise Invalid(f"cadence {text!r} is longer than ten years")
    return days
