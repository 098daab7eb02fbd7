"""vCard values: decoded (bytes, quoted-printable, charsets) and read (labels, order, birthdays).

The cleaning (`CONTROLS`, `NEWLINES`) is the form every value is kept in, on the way in
and on the way out: the writer uses it too.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from itertools import count

from crmcli.core.errors import Invalid
from crmcli.core.values.dates import birthday

NEWLINES = re.compile(r"\r\n|\r")
# Control characters no name, note or label should carry (HTAB and LF are kept).
CONTROLS = re.compile(r"[\x00-\x08\x0b-\x1f\x7f]")
_QP_RUN = re.compile(r"(?:=[0-9A-Fa-f]{2})+")
_APPLE_LABEL = re.compile(r"_\$!<(.*)>!\$_", re.DOTALL)
_BDAY_DATE = re.compile(
    r"(\d{4})-?(\d{2})-?(\d{2})(?:[T ][0-9:.,]*(?:Z|[+-]\d{2}(?::?\d{2})?)?)?", re.IGNORECASE
)
_BDAY_NO_YEAR = re.compile(r"--(\d{2})-?(\d{2})")
# Apple's built-in labels (`_$!<HomeFAX>!$_`) in the words the CRM uses.
_APPLE_LABELS = {"homefax": "fax", "workfax": "fax", "otherfax": "fax"}


def decode_vcard_bytes(data: bytes) -> str:
    """The text of a .vcf file: UTF-8 (BOM stripped), else Windows-1252.

    Windows-1252 is the fallback because Outlook writes vCard 2.1 in the
    machine's ANSI code page and every byte means something in it. A UTF-16
    file is only recognised by its BOM: any other NUL byte means the file is
    not text at all.
    """
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):
        try:
            return data.decode("utf-16")
        except UnicodeError:
            raise Invalid("binary file (not a vCard)") from None
    if b"\x00" in data:
        raise Invalid("binary file (not a vCard)")
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError:
        return _windows_1252(data)


def free_key(taken: Mapping[str, str], key: str) -> str:
    if key not in taken:
        return key
    return next(f"{key} {n}" for n in count(2) if f"{key} {n}" not in taken)


def unique(
    items: list[tuple[int, int, str, str | None]], key: Callable[[str], str] = str.casefold
) -> list[tuple[str, str | None]]:
    """Values in preference order (PREF first, then as written), each once."""
    seen: set[str] = set()
    out: list[tuple[str, str | None]] = []
    for _, _, value, label in sorted(items, key=lambda item: (item[0], item[1])):
        if key(value) not in seen:
            seen.add(key(value))
            out.append((value, label))
    return out


def unique_urls(urls: list[tuple[str, str | None]]) -> list[tuple[str, str | None]]:
    """Each page once, however written (http/https, www, trailing slash); a label sticks."""
    out: list[tuple[str, str | None]] = []
    where: dict[str, int] = {}
    for url, label in urls:
        key = re.sub(r"^[a-z][a-z0-9+.-]*://", "", url.strip().lower()).removeprefix("www.")
        key = key.rstrip("/")
        if key in where:
            index = where[key]
            if out[index][1] is None and label:
                out[index] = (out[index][0], label)
        else:
            where[key] = len(out)
            out.append((url, label))
    return out


def first_of(types: set[str], wanted: tuple[str, ...]) -> str | None:
    return next((word for word in wanted if word in types), None)


def phone_label(types: set[str]) -> str | None:
    if "fax" in types:
        return "fax"
    if types & {"cell", "mobile", "iphone"}:
        return "mobile"
    return first_of(types, ("pager", "main", "work", "home", "other"))


def apple_label(text: str) -> str | None:
    """`_$!<Work>!$_` -> "work" (Apple's built-in labels); a custom label as written."""
    match = _APPLE_LABEL.fullmatch(text)
    if match is None:
        return text or None
    word = match.group(1).strip().lower()
    return _APPLE_LABELS.get(word, word) or None


def split_escaped(text: str, separator: str) -> list[str]:
    """Split on `separator` where it is not backslash-escaped (escapes are kept)."""
    parts: list[str] = []
    begin = index = 0
    while index < len(text):
        char = text[index]
        if char == "\\":
            index += 2
            continue
        if char == separator:
            parts.append(text[begin:index])
            begin = index + 1
        index += 1
    parts.append(text[begin:])
    return parts


def clean(text: str) -> str:
    """LF line breaks, no control characters, trimmed: the form every value is kept in."""
    return CONTROLS.sub("", NEWLINES.sub("\n", text)).strip()


def decode_quoted_printable(value: str, charset: str | None) -> str:
    """`=XX` runs decoded as bytes in `charset`; any other character is kept as it is."""
    value = value.removesuffix("=")  # a soft break with nothing after it
    return _QP_RUN.sub(
        lambda m: decode_charset(bytes.fromhex(m.group().replace("=", "")), charset), value
    )


def decode_charset(data: bytes, charset: str | None) -> str:
    """Bytes in the declared charset; UTF-8, then Windows-1252, when it is wrong or unknown."""
    for name in (charset, "utf-8"):
        if name:
            try:
                return data.decode(name.strip())
            except (LookupError, UnicodeError, ValueError, TypeError):
                continue
    return _windows_1252(data)


# The five bytes Windows-1252 leaves undefined are read as the C1 controls of
# the same number (as browsers do), so decoding never fails.
_CP1252_HIGH = {
    byte: bytes([byte]).decode("cp1252", errors="replace") for byte in range(0x80, 0xA0)
}
_CP1252 = str.maketrans({chr(b): (c if c != "\ufffd" else chr(b)) for b, c in _CP1252_HIGH.items()})


def _windows_1252(data: bytes) -> str:
    return data.decode("latin-1").translate(_CP1252)


def read_birthday(text: str, omit_year: str | None) -> tuple[str | None, str | None]:
    """("YYYY-MM-DD" or "--MM-DD", None), or (None, why) when the text is no real date.

    Any time part is dropped as written, never converted to another zone, so the
    day cannot roll over; a placeholder year (Apple's 1604, 0000) means no year.
    """
    match = _BDAY_DATE.fullmatch(text)
    year: int | None
    if match:
        year, month, day = (int(group) for group in match.groups())
        omitted = omit_year is not None and omit_year.strip() == match.group(1)
        if omitted:
            year = None
    else:
        match = _BDAY_NO_YEAR.fullmatch(text)
        if match is None:
            return None, f"unreadable birthday {text!r}"
        year, month, day = None, int(match.group(1)), int(match.group(2))
    found = birthday(year, month, day)
    if found is None:
        return None, f"impossible birthday {text!r}"
    return found, None
