"""Which of Textual's themes suits the terminal: light on a light background, else dark.

The terminal is asked for its background colour (OSC 11) followed by a device
attributes query (DA1) that every terminal answers, so a terminal that ignores
OSC 11 costs no wait and leaves no late reply to be read as keystrokes.
`COLORFGBG`, set by some terminals, is used when the query is not possible.
"""

from __future__ import annotations

import os
import re
import sys
import time

DARK = "textual-dark"
LIGHT = "textual-light"

_RGB = re.compile(rb"\x1b\]11;rgb:([0-9a-fA-F]+)/([0-9a-fA-F]+)/([0-9a-fA-F]+)")


def _luminance(red: bytes, green: bytes, blue: bytes) -> float:
    def channel(hex_digits: bytes) -> float:
        return int(hex_digits, 16) / float(16 ** len(hex_digits) - 1)

    return 0.2126 * channel(red) + 0.7152 * channel(green) + 0.0722 * channel(blue)


def _from_colorfgbg() -> bool | None:
    value = os.environ.get("COLORFGBG", "")
    background = value.split(";")[-1] if value else ""
    if not background.isdigit():
        return None
    return int(background) not in (7, 9, 10, 11, 12, 13, 14, 15)


def _ask_terminal(timeout: float = 0.25) -> bool | None:
    """True for a dark background, False for a light one, None if it did not say."""
    if not (sys.stdin.isatty() and sys.stdout.isatty()) or os.name != "posix":
        return None
    import select
    import termios
    import tty

    try:
        fd = os.open("/dev/tty", os.O_RDWR | os.O_NOCTTY)
    except OSError:
        return None
    try:
        saved = termios.tcgetattr(fd)
    except termios.error:
        os.close(fd)
        return None
    reply = b""
    try:
        tty.setcbreak(fd, termios.TCSANOW)
        os.write(fd, b"\x1b]11;?\x1b\\\x1b[c")
        deadline = time.monotonic() + timeout
        # Read until the DA1 answer (ESC [ ? ... c), which comes after any OSC 11 answer.
        while not re.search(rb"\x1b\[\?[0-9;]*c", reply):
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                break
            ready, _, _ = select.select([fd], [], [], remaining)
            if not ready:
                break
            reply += os.read(fd, 256)
    except OSError:
        return None
    finally:
        termios.tcsetattr(fd, termios.TCSAFLUSH, saved)
        os.close(fd)
    match = _RGB.search(reply)
    if match is None:
        return None
    return _luminance(*match.groups()) < 0.5


def pick(requested: str | None) -> str:
    """The theme to start with: the one asked for, else light or dark as the terminal is."""
    if requested and requested != "auto":
        return requested
    dark = _ask_terminal()
    if dark is None:
        dark = _from_colorfgbg()
    return LIGHT if dark is False else DARK
