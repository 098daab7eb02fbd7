"""vCard content lines: a card's physical lines unfolded, and each line split into its parts.

Unfolding follows the card's own encoding (a quoted-printable soft break, a 2.1
base64 value running on over unindented lines), so it is read before the value is.
"""

from __future__ import annotations

import binascii
import codecs
import re
from collections.abc import Iterator
from dataclasses import dataclass

BOUNDARY = re.compile(r"[ \t]*(BEGIN|END)[ \t]*:[ \t]*VCARD[ \t]*", re.IGNORECASE)
# Unindented lines of a 2.1 base64 value: base64 characters only, up to a blank line.
_BASE64_LINE = re.compile(r"[A-Za-z0-9+/=][A-Za-z0-9+/= \t]*")
_PROPERTY_NAME = re.compile(r"(?:([A-Za-z0-9_-]+)\.)?([A-Za-z0-9_-]+)")
# 2.1 parameters written without `ENCODING=`; any other bare word is a TYPE.
_BARE_ENCODINGS = frozenset({"QUOTED-PRINTABLE", "BASE64", "8BIT", "7BIT"})
_NOT_A_PREFERENCE = 101  # PREF runs 1 (most) to 100 (least); absent sorts after all
_LINE_BREAK = re.compile(r"\r\n|\r|\n")
_QP_MARK = re.compile(r"QUOTED-PRINTABLE", re.IGNORECASE)
_QP_BYTES = re.compile(r"(?:=[0-9A-Fa-f]{2})+")


def logical_lines(lines: list[str]) -> Iterator[tuple[int, str]]:
    """(1-based physical line number, content line) with folding and soft breaks undone.

    A line starting with a space or tab continues the previous one (that one
    character dropped). In a quoted-printable value a trailing `=` is a soft
    break and the next line follows as it is, even when it starts with a space.
    A 2.1 base64 value may go on over unindented lines up to a blank line; those
    are joined to the value, since PHOTO is read (whitespace in base64 is dropped).
    """
    index, total = 0, len(lines)
    while index < total:
        start = index
        parts = [lines[index]]
        index += 1
        encoding = _encoding(parts[0])
        head_seen = ":" in parts[0]
        while index < total:
            following = lines[index]
            if encoding == "qp" and parts[-1].endswith("=") and not BOUNDARY.fullmatch(following):
                parts[-1] = parts[-1][:-1]
                parts.append(following)
            elif following[:1] in (" ", "\t"):
                parts.append(following[1:])
                if not head_seen:
                    joined = "".join(parts)
                    head_seen = ":" in joined
                    encoding = _encoding(joined)
            else:
                break
            index += 1
        if encoding == "b":
            while index < total and _BASE64_LINE.fullmatch(lines[index]):
                parts.append(lines[index])
                index += 1
        yield start + 1, "".join(parts)


def _encoding(line: str) -> str | None:
    """ "qp" or "b" when the line's parameters name that encoding (read before unfolding)."""
    colon = line.find(":")
    if colon < 0:
        return None
    for param in line[:colon].upper().split(";")[1:]:
        key, equals, value = param.partition("=")
        word = value.strip().strip('"') if equals and key.strip() == "ENCODING" else key.strip()
        if word == "QUOTED-PRINTABLE":
            return "qp"
        if word in ("BASE64", "B") and (equals or word == "BASE64"):
            return "b"
    return None


@dataclass
class Property:
    """One content line: `group.NAME;PARAM=value:value`, value still encoded and escaped."""

    line: int
    group: str | None
    name: str
    params: dict[str, list[str]]
    value: str

    def types(self) -> set[str]:
        """TYPE values lower-cased, whether written `TYPE=a,b`, `TYPE=a;TYPE=b` or bare (2.1)."""
        return {
            word.strip().lower()
            for value in self.params.get("TYPE", [])
            for word in value.split(",")
            if word.strip()
        }

    def param(self, key: str) -> str | None:
        values = self.params.get(key)
        return ",".join(values) if values else None

    def preference(self) -> int:
        """1 for the most preferred; PREF=n (4.0), TYPE=pref (3.0) or bare PREF (2.1)."""
        rank = self.param("PREF")
        if rank is not None:
            digits = rank.strip()
            return int(digits) if digits.isdigit() and len(digits) <= 3 else 1
        return 1 if "pref" in self.types() else _NOT_A_PREFERENCE


def parse_line(number: int, text: str) -> Property | None:
    """The line's parts, or None when it is not a property line (no colon, no valid name)."""
    cut = len(text)
    for stop in (";", ":"):
        found = text.find(stop)
        if 0 <= found < cut:
            cut = found
    if cut == len(text):
        return None
    match = _PROPERTY_NAME.fullmatch(text[:cut].strip())
    if match is None:
        return None
    raw_params: list[str] = []
    value_at = cut + 1
    if text[cut] == ";":
        value_at = -1
        quoted = False
        begin = cut + 1
        for index in range(cut + 1, len(text)):
            char = text[index]
            if char == '"':
                quoted = not quoted
            elif not quoted and char in ";:":
                raw_params.append(text[begin:index])
                begin = index + 1
                if char == ":":
                    value_at = index + 1
                    break
        if value_at < 0:  # an unbalanced quote hid the colon: read without quoting
            colon = text.find(":", cut)
            if colon < 0:
                return None
            raw_params = text[cut + 1 : colon].split(";")
            value_at = colon + 1
    group = match.group(1).lower() if match.group(1) else None
    return Property(number, group, match.group(2).upper(), _params(raw_params), text[value_at:])


def _params(raw_params: list[str]) -> dict[str, list[str]]:
    params: dict[str, list[str]] = {}
    for raw in raw_params:
        text = raw.strip()
        if not text:
            continue
        key, equals, value = text.partition("=")
        if equals:
            name = key.strip().upper()
            values = [_unquote(part) for part in _split_outside_quotes(value)]
        else:
            name = "ENCODING" if text.upper() in _BARE_ENCODINGS else "TYPE"
            values = [text]
        params.setdefault(name, []).extend(values)
    return params


def _split_outside_quotes(text: str) -> list[str]:
    parts: list[str] = []
    quoted = False
    begin = 0
    for index, char in enumerate(text):
        if char == '"':
            quoted = not quoted
        elif char == "," and not quoted:
            parts.append(text[begin:index])
            begin = index + 1
    parts.append(text[begin:])
    return parts


def _unquote(text: str) -> str:
    value = text.strip()
    if len(value) >= 2 and value[0] == value[-1] == '"':
        return value[1:-1]
    return value.replace('"', "")


def qp_charset(
    text: str, file_charset: str | None, label: str
) -> tuple[str, str | None, list[str]]:
    """The text with a CHARSET on every quoted-printable value that named none, the charset
    chosen for them (None: none needed), and warnings; decided once for the whole file.

    Outlook and old phones write vCard 2.1 values as quoted-printable bytes of the
    machine's code page without saying which. When the file itself was in a code page
    (`file_charset`), the values are in it too; else their bytes, all of them at once,
    go to the same detector as a whole file (valid UTF-8 first: then nothing changes,
    UTF-8 being the reader's own default). The parameter is written into the lines so the
    reader, which decodes each value by its own CHARSET, needs no second way in.
    A CHARSET the codecs do not know is named in a warning, once per name.
    """
    if not _QP_MARK.search(text):
        return text, None, []
    lines = _LINE_BREAK.split(text)
    found: list[bytes] = []
    starts: list[int] = []
    unknown: dict[str, int] = {}
    for number, line in logical_lines(lines):
        if _encoding(line) != "qp":
            continue
        prop = parse_line(number, line)
        if prop is None:
            continue
        charset = prop.param("CHARSET")
        if charset is None:
            if _QP_BYTES.search(prop.value):  # the whole value: its letters give context
                found.append(binascii.a2b_qp(prop.value.encode("latin-1", "replace")))
            starts.append(number - 1)
            continue
        try:
            codecs.lookup(charset.strip())
        except LookupError:
            unknown.setdefault(charset, number)
    warnings = [
        f"{label}: CHARSET={name} (line {number}) is not a known character set; "
        "its values were read as UTF-8, else Windows-1252"
        for name, number in unknown.items()
    ]
    chosen = _qp_decision(b"\n".join(found), file_charset, label, warnings)
    if chosen is None:
        return text, None, warnings
    for index in starts:
        line = lines[index]
        cut = _first_of(line, ";:")
        if cut >= 0:  # NAME;params:value -> NAME;CHARSET=x;params:value
            lines[index] = f"{line[:cut]};CHARSET={chosen}{line[cut:]}"
    return "\n".join(lines), chosen, warnings


def _first_of(line: str, stops: str) -> int:
    found = [at for at in (line.find(stop) for stop in stops) if at >= 0]
    return min(found) if found else -1


def _qp_decision(
    data: bytes, file_charset: str | None, label: str, warnings: list[str]
) -> str | None:
    if data.isascii():
        return None
    if file_charset is not None:
        return file_charset
    try:
        data.decode("utf-8")
    except UnicodeDecodeError:
        pass
    else:
        return None
    from crmcli.core.interchange.encoding import guess  # lazy: charset-normalizer behind it

    detection = guess(data)
    warning = detection.warning(f"the quoted-printable values of {label}")
    if warning:
        warnings.append(warning)
    return detection.encoding
