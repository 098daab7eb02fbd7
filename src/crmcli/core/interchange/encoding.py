"""Which text encoding an import file is in, and how sure we are: one decision for every format.

In order: `--encoding` (always wins); a byte-order mark; valid UTF-8 (one fast pass, no
detector); UTF-16/32 without a mark, by where the NUL bytes fall; else a guess by
charset-normalizer over the lines that hold non-ASCII bytes, re-ranked by how plausible
the names it decodes are. A guess below `LOW_CONFIDENCE` is reported as a warning that
names the `--encoding` to try, never silently. charset-normalizer is imported only when a
file needs guessing: the UTF-8 path (nearly every file) never loads it.
"""

from __future__ import annotations

import codecs
import re
import unicodedata
from collections.abc import Iterable
from dataclasses import dataclass
from typing import BinaryIO

from crmcli.core.errors import Invalid

LOW_CONFIDENCE = 0.75
"""Below this a guess is announced as one: the runner-up decoding was nearly as plausible
(its names fitted a language about as well), or the detector found the text messy."""

_CHUNK = 1 << 20  # validation passes read this much at a time: memory stays flat
_SAMPLE = 256 * 1024  # at most this much of the non-ASCII lines goes to the detector
_LENIENT = "crmcli.latin1-fallback"
_BOMS_UTF32 = (codecs.BOM_UTF32_LE, codecs.BOM_UTF32_BE)  # test first: FF FE 00 00 is UTF-16 too
_BOMS_UTF16 = (codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)
# What Windows, old Macs and Unix tools write contacts in, most common first: the order
# breaks ties between decodings the detector finds equally clean.
_CANDIDATES = (
    "cp1252", "cp1250", "cp1251", "cp932", "gb18030", "cp949", "cp950", "cp1253", "cp1254",
    "cp1257", "cp1255", "cp1256", "cp874", "euc_jp", "iso8859_2", "koi8_r", "mac_roman",
)  # fmt: skip
# The detector's names for what Windows really writes (a superset: decodes more).
_SUPERSETS = {
    "shift_jis": "cp932", "shift_jis_2004": "cp932", "shift_jisx0213": "cp932",
    "euc_kr": "cp949", "gb2312": "gb18030", "gbk": "gb18030", "big5": "cp950",
    "big5hkscs": "cp950", "latin_1": "cp1252", "iso8859_1": "cp1252", "iso8859_15": "cp1252",
    "ascii": "cp1252",
}  # fmt: skip
_NAMES = {
    "cp1252": "Windows Western", "cp1250": "Windows Central European", "cp1251": "Cyrillic",
    "cp932": "Shift_JIS, Japanese", "gb18030": "GBK, Simplified Chinese",
    "cp949": "EUC-KR, Korean", "cp950": "Big5, Traditional Chinese",
}  # fmt: skip
# Letters beyond ASCII each Latin-script language writes names with: a decoding whose words
# fit one alphabet is more likely right than one mixing, say, ø with í (Czech read as cp1252).
_ALPHABETS = {
    "french": "àâæçéèêëîïôœùûüÿ", "german": "äöüß", "spanish": "áéíñóúü",
    "portuguese": "àáâãçéêíóôõú", "italian": "àèéìíòóù", "dutch": "éèëïöü",
    "danish": "æøåé", "swedish": "åäöé", "icelandic": "áéíóúýþðæö", "catalan": "àçèéíïòóúü",
    "czech": "áčďéěíňóřšťúůýž", "slovak": "áäčďéíĺľňóôŕšťúýž", "polish": "ąćęłńóśźż",
    "hungarian": "áéíóöőúüű", "croatian": "čćđšž", "romanian": "ăâîșşțţ", "turkish": "çğıöşü",
    "baltic": "āčēģīķļņšūžąęėįųõäöü",
}  # fmt: skip
_NOT_WORD = r"\s,;:\"'()\[\]<>/|@.!?0-9\x80-\x9f-"  # C1 controls: a stray byte, not a letter
_WORD = re.compile(rf"[^{_NOT_WORD}]*[^\x00-\x9f][^{_NOT_WORD}]*")
_GLUED = re.compile(r"(?<=\d)[\u00c0-\u024f](?![^\W\d_])|(?<![^\W\d_])[\u00c0-\u024f](?=\d)")


def _latin1_fallback(exc: UnicodeError) -> tuple[str, int]:
    """Bytes a code page leaves undefined read as Latin-1, as Windows itself does.

    cp1252 has no character for 0x81, 0x8D, 0x8F, 0x90 and 0x9D; Python refuses them,
    but Windows maps them to the same C1 code points, and a file must never fail to open
    over one stray byte.
    """
    if not isinstance(exc, UnicodeDecodeError):
        raise exc
    return "".join(map(chr, exc.object[exc.start : exc.end])), exc.end


codecs.register_error(_LENIENT, _latin1_fallback)

_STRAY = "crmcli.utf8-stray-bytes"


def _stray_bytes(exc: UnicodeError) -> tuple[str, int]:
    """A byte that is not UTF-8 inside a UTF-8 file read as Windows-1252 (Latin-1 beyond).

    A file that is UTF-8 but for a line pasted from elsewhere (`Caf\xe9` in a sea of
    `Zoë`) is read as UTF-8, its stray bytes as the code page they most likely came
    from: reading the whole file as cp1252 instead would garble every other line.
    """
    if not isinstance(exc, UnicodeDecodeError):
        raise exc
    return exc.object[exc.start : exc.end].decode("cp1252", _LENIENT), exc.end


codecs.register_error(_STRAY, _stray_bytes)


def errors_for(encoding: str) -> str:
    """UTF-16/32 files are validated up front (strict); code pages read every byte (lenient);
    UTF-8 is validated too, so stray bytes are met only in a file found mostly UTF-8."""
    if encoding in ("utf-8", "utf-8-sig"):
        return _STRAY
    return "strict" if encoding.startswith("utf") else _LENIENT


@dataclass(frozen=True)
class Detection:
    """The encoding chosen for a file: Python's codec name, how it was found, how sure."""

    encoding: str
    how: str  # "forced" (--encoding), "bom", "utf-8", "detected"
    confidence: float = 1.0
    runner_up: str | None = None  # the next most plausible encoding, for the warning
    detail: str = ""  # e.g. "no byte-order mark; by its NUL bytes"
    stray: str = ""  # UTF-8 but for these lines ("3 lines, the first line 1204"), read as cp1252

    @property
    def low(self) -> bool:
        return self.confidence < LOW_CONFIDENCE

    def note(self) -> str:
        """One phrase for --show-mapping and the report: `cp932 (Shift_JIS, Japanese; ...)`."""
        parts = [_NAMES[self.encoding]] if self.encoding in _NAMES else []
        if self.how == "forced":
            parts.append("forced by --encoding")
        elif self.how == "bom":
            parts.append("byte-order mark")
        elif self.how == "detected":
            parts.append(self.detail or "detected")
            parts.append(f"confidence {self.confidence:.2f}")
        return self.encoding + (f" ({'; '.join(parts)})" if parts else "")

    def warning(self, label: str) -> str | None:
        """The line to print when the guess is unsure, else None."""
        if self.stray:
            return (
                f"{label} is UTF-8 but for {self.stray}, whose bytes are not: read as cp1252; "
                "check those names"
            )
        if not self.low:
            return None
        other = self.runner_up or ("cp1250" if self.encoding == "cp1252" else "cp1252")
        return (
            f"guessed {self.encoding} for {label} (low confidence); if names look wrong, "
            f"run again with --encoding {other} (or the encoding the file was saved in)"
        )


def lookup(forced: str) -> str:
    """Python's name of a text encoding the user typed; Invalid for an unknown one."""
    try:
        encoding = codecs.lookup(forced).name
        "a".encode(encoding, "ignore")  # "hex", "rot13": codecs, not text encodings
    except (LookupError, TypeError) as exc:
        raise Invalid(
            f"unknown encoding {forced!r} (try utf-8, utf-8-sig, utf-16, cp1252 or latin-1)"
        ) from exc
    return encoding


def _bomless_utf32(head: bytes) -> str | None:
    """UTF-32 without a BOM: every character is 4 bytes, of which the highest is NUL.

    No character is above U+10FFFF, so the high byte of each unit is always 0x00 and
    the next one at most 0x10, while the low byte of a letter is hardly ever NUL (a
    tenth of them may be: U+0100, U+0400...). UTF-16 fails the second test at once.
    """
    size = len(head) - len(head) % 4
    if size < 8:
        return None
    units = size // 4
    for low, plane, high, name in ((0, 2, 3, "utf-32-le"), (3, 1, 0, "utf-32-be")):
        lanes = head[low:size:4], head[plane:size:4], head[high:size:4]
        if lanes[2].count(0) == units and max(lanes[1]) <= 0x10 and lanes[0].count(0) * 10 < units:
            return name
    return None


def _bomless_utf16(head: bytes) -> str | None:
    """UTF-16 without a BOM: mostly-ASCII text leaves most high bytes NUL, on one side only.

    The low byte of a character is never NUL in text (no U+xx00 letter is common), so NULs
    on both sides mean a binary file; 70% NUL high bytes allows names in other scripts.
    """
    size = len(head) - len(head) % 2
    if size < 4:
        return None
    even, odd = head[0:size:2], head[1:size:2]
    if odd.count(0) * 10 >= len(odd) * 7 and 0 not in even:
        return "utf-16-le"
    if even.count(0) * 10 >= len(even) * 7 and 0 not in odd:
        return "utf-16-be"
    return None


def wide_encoding(head: bytes) -> str | None:
    """The UTF-32 or UTF-16 encoding the start of a file is in (by its BOM, else by
    where its NUL bytes fall), or None for a file of single bytes (or binary)."""
    if head.startswith(_BOMS_UTF32):
        return "utf-32"
    if head.startswith(_BOMS_UTF16):
        return "utf-16"
    if b"\x00" in head:
        return _bomless_utf32(head) or _bomless_utf16(head)
    return None


def is_utf8(stream: BinaryIO) -> bool:
    """One pass over the whole file in 1 MiB chunks, decoding only chunks that are not ASCII."""
    decoder = codecs.getincrementaldecoder("utf-8")()
    try:
        while chunk := stream.read(_CHUNK):
            if chunk.isascii() and not decoder.getstate()[0]:
                continue
            decoder.decode(chunk)
        decoder.decode(b"", final=True)
    except UnicodeDecodeError:
        return False
    return True


def validate(stream: BinaryIO, encoding: str, label: str) -> None:
    """Decode the whole file once so a bad byte is reported before anything is imported."""
    strict = encoding.startswith("utf")  # forced or found by a BOM: every byte must be
    decoder = codecs.getincrementaldecoder(encoding)("strict" if strict else _LENIENT)
    offset = 0
    try:
        while chunk := stream.read(_CHUNK):
            decoder.decode(chunk)
            offset += len(chunk)
        decoder.decode(b"", final=True)
    except UnicodeError as exc:
        at = offset + getattr(exc, "start", 0)
        raise Invalid(
            f"{label} is not valid {encoding} (bad bytes near byte {at}); "
            "try another encoding such as cp1252"
        ) from exc


def detect(stream: BinaryIO, head: bytes, forced: str | None, label: str, what: str) -> Detection:
    """The encoding of a seekable file whose first bytes are `head`; the stream is left anywhere.

    UTF encodings (forced, by BOM or by NUL pattern) are validated over the whole file
    and a bad byte is Invalid; NUL bytes in a file that is not UTF-16/32 mean "binary"
    (`what` names the format expected, for that message).
    """
    if forced is not None:
        encoding = lookup(forced)
        if encoding == "utf-8" and head.startswith(codecs.BOM_UTF8):
            encoding = "utf-8-sig"
        if b"\x00" in head and not encoding.startswith(("utf-16", "utf-32")):
            raise Invalid(f"{label} looks like a binary file, not {what}")
        stream.seek(0)
        validate(stream, encoding, label)
        return Detection(encoding, "forced")
    if head.startswith(codecs.BOM_UTF8):
        stream.seek(0)
        if is_utf8(stream):
            return Detection("utf-8-sig", "bom")
        stream.seek(0)
        mostly = _mostly_utf8(stream)  # Excel's UTF-8 CSV with a line pasted from cp1252
        if mostly is not None:
            return Detection("utf-8-sig", "bom", stray=mostly.stray)
        found = Detection("utf-8-sig", "bom")
    elif head.startswith(_BOMS_UTF32 + _BOMS_UTF16):
        found = Detection(wide_encoding(head) or "utf-16", "bom")
    elif b"\x00" in head:
        wide = wide_encoding(head)
        if wide is None:
            raise Invalid(f"{label} looks like a binary file, not {what}")
        found = Detection(wide, "detected", 0.99, detail="no byte-order mark; by its NUL bytes")
    else:
        stream.seek(0)
        if is_utf8(stream):
            return Detection("utf-8", "utf-8")
        stream.seek(0)
        mostly = _mostly_utf8(stream)
        if mostly is not None:
            return mostly
        stream.seek(0)
        return guess(_non_ascii_lines(stream))
    stream.seek(0)
    validate(stream, found.encoding, label)
    return found


def _mostly_utf8(stream: BinaryIO) -> Detection | None:
    """UTF-8 with a few stray lines, when at least 3 times as many non-ASCII lines are UTF-8
    as are not, and 3 at least, else None. A code page's accented names are hardly ever
    valid UTF-8 (é in cp1252 is one byte, never a lead byte followed by a continuation)."""
    good = bad = first = 0
    for number, line in enumerate(stream, 1):
        if line.isascii():
            continue
        try:
            line.decode("utf-8")
            good += 1
        except UnicodeDecodeError:
            bad += 1
            first = first or number
            if bad >= 50 and good < 3 * bad:  # a code page's file: no need to read on
                return None
    if bad == 0 or good < max(3, 3 * bad):
        return None
    where = f"line {first}" if bad == 1 else f"{bad} lines (the first: line {first})"
    return Detection("utf-8", "detected", round(good / (good + bad), 2), stray=where)


def _non_ascii_lines(stream: BinaryIO) -> bytes:
    """The lines holding bytes above 0x7F, up to `_SAMPLE` bytes, cut at a line end.

    Only those lines tell code pages apart, and a line feed is never the second byte of
    a Shift_JIS, GBK, Big5 or EUC character, so cutting there never splits one.
    """
    kept: list[bytes] = []
    size = 0
    for line in stream:
        if not line.isascii():
            kept.append(line)
            size += len(line)
            if size >= _SAMPLE:
                break
    return b"".join(kept)


def decode(data: bytes, forced: str | None, label: str, what: str) -> tuple[str, Detection]:
    """A whole file's text (BOM dropped) and how it was decoded: for vCard and LDIF."""
    import io

    found = detect(io.BytesIO(data), data[:65536], forced, label, what)
    return data.decode(found.encoding, errors_for(found.encoding)).lstrip("\ufeff"), found


def guess(sample: bytes) -> Detection:
    """The code page of bytes that are not UTF-8: charset-normalizer, then re-ranked.

    The detector ranks decodings by how messy they read; names are short, so several
    often read equally clean (a Czech `Dvořák` in cp1252 is `Dvoøák`, letters all). Those
    are then ranked by how well their words fit one language's letters, and by
    `_CANDIDATES` order last. Confidence is how clearly the winner beat the runner-up.
    """
    from charset_normalizer import from_bytes  # lazy: only files that are not UTF-8
    from charset_normalizer.md import mess_ratio

    if not sample:
        return Detection("cp1252", "detected", 0.5, "cp1250")
    steps = 5
    matches = from_bytes(
        sample,
        steps=steps,
        chunk_size=max(64, -(-len(sample) // steps)),
        cp_isolation=list(_CANDIDATES),
        language_threshold=0.0,
    )
    decodings: dict[str, tuple[float, str]] = {}  # encoding -> (chaos, text); one per text
    for match in matches:
        name = _preferred(match.could_be_from_charset or [match.encoding])
        text = str(match)
        if name not in decodings and text not in (t for _, t in decodings.values()):
            decodings[name] = (match.chaos, text)
    best_chaos = min((chaos for chaos, _ in decodings.values()), default=1.0)
    contenders = {n: v for n, v in decodings.items() if v[0] <= best_chaos + 0.05}
    if "cp1252" not in decodings:  # the detector reads strictly; Windows reads every byte
        text = sample.decode("cp1252", _LENIENT)
        if text not in (t for _, t in contenders.values()):
            contenders["cp1252"] = (mess_ratio(text, 1.0), text)
    ranked = sorted(
        (-_plausibility(text) + _prior(name), chaos, _rank(name), name, text)
        for name, (chaos, text) in contenders.items()
    )
    top, name, text = ranked[0][0], ranked[0][3], ranked[0][4]
    chaos = ranked[0][1]
    if len(ranked) == 1:
        return Detection(name, "detected", round(max(0.0, 1.0 - chaos), 2))
    second, other, other_text = ranked[1][0], ranked[1][3], ranked[1][4]
    mine, theirs = set(_words(text)), set(_words(other_text))
    differing = max(len(mine - theirs), len(theirs - mine), 1)
    margin = (second - top) / differing  # both negated: how many points per differing word
    confidence = max(0.0, 1.0 - chaos) * min(1.0, 0.5 + margin)
    return Detection(name, "detected", round(confidence, 2), other)


def _preferred(names: Iterable[str]) -> str:
    """The name Windows knows among encodings that give the same text, by `_CANDIDATES`."""
    mapped = [_SUPERSETS.get(n, n) for n in names]
    return min(mapped, key=_rank)


def _prior(name: str) -> float:
    """A rarer code page must beat a common one by this many words: up to one word."""
    return min(_rank(name), 8) / 8


def _rank(name: str) -> int:
    return _CANDIDATES.index(name) if name in _CANDIDATES else len(_CANDIDATES)


def _words(text: str) -> list[str]:
    """Runs of text holding a non-ASCII character and at least one letter."""
    return [w for w in _WORD.findall(text) if any(c.isalpha() for c in w)]


def _plausibility(text: str) -> float:
    """How name-like the non-ASCII words of a decoding are: higher is better."""
    words = _words(text)
    return _score(words) + _one_language(words) - 2 * _glued_letters(text)


def _glued_letters(text: str) -> int:
    """Lone accented letters stuck to a number: `Ą1,200,000`, `Ľ900`, `12Ł`.

    No language writes one accented letter against a figure; a currency or unit sign
    (¥ £ ² ³) read in the wrong code page does. Each one counts against the decoding
    (twice: it also scored as a word). Ordinals (1º, 2ª) are not letters of this range.
    """
    return len(_GLUED.findall(text))


def _score(words: Iterable[str]) -> float:
    return sum(_word_score(w) for w in words)


def _one_language(words: list[str]) -> float:
    """Half a point per word of the one Latin alphabet most words fit (a file's own language)."""
    fits = [_latin_letters(w) for w in words]
    latin = [f for f in fits if f]
    if not latin:
        return 0.0
    best = max(sum(1 for f in latin if f <= set(a)) for a in _ALPHABETS.values())
    return best / 2


def _latin_letters(word: str) -> set[str]:
    return {c for c in word.lower() if "\u00c0" <= c <= "\u024f"}


def _word_score(word: str) -> float:
    """1 for a word in one script (Latin letters fitting one language), 0 if unsure, -1 if
    it holds what no name does: a symbol or control inside it, or scripts that never mix."""
    scripts = set()
    for char in word:
        if char.isascii():
            if char.isalpha():
                scripts.add("ascii")
            continue
        category = unicodedata.category(char)
        if category[0] in "SNC" or category == "Po":  # ³ ¹ £ ¿ ¯: a wrong code page
            return -1.0
        if category[0] == "P":  # O’Brien, Saint‑Denis
            continue
        scripts.add(_script(char))
    if "latin" in scripts:
        scripts.discard("ascii")
    east_asian = scripts & {"han", "kana", "hangul"}
    if ("hangul" in scripts and len(east_asian) > 1) or len(scripts - east_asian) > 1:
        return -1.0  # Cyrillic, Greek... letters inside a Latin word: a wrong code page
    scripts.discard("ascii")
    if scripts == {"latin"}:
        letters = _latin_letters(word)
        if "ą" in letters and not _polish_or_lithuanian(word, letters):
            return -1.0  # cp1250's Ą is cp1252's ¥ (0xA5) and its ą is ¹ (0xB9)
        return 1.0 if any(letters <= set(a) for a in _ALPHABETS.values()) else 0.0
    if scripts == {"hangul"}:  # cp949 beyond EUC-KR's 2,350 syllables: rarely a real name
        return 1.0 if _in_euc_kr(word) else -0.5
    if "kana" in scripts and any("\uff61" <= c <= "\uff9f" for c in word):
        return 0.0  # half-width katakana: old systems wrote them, wrong decodings more often
    return 1.0


def _polish_or_lithuanian(word: str, letters: set[str]) -> bool:
    """Whether a word holding ą reads as Polish or Lithuanian, the only languages writing it.

    Ą/ą never stands alone (`Ą1,200,000` is a yen sign read in the wrong code page) and
    no Polish word starts with it (`są`, `Wąsowska` do not); beside it stand letters of
    the same alphabet only.
    """
    alpha = [c for c in word.lower() if c.isalpha()]
    if len(alpha) < 2:
        return False
    if alpha[0] == "ą":  # Lithuanian only: ąžuolas
        return letters <= set(_ALPHABETS["baltic"])
    return letters <= set(_ALPHABETS["polish"]) or letters <= set(_ALPHABETS["baltic"])


def _in_euc_kr(word: str) -> bool:
    """Every syllable is one of EUC-KR's own (2 bytes; Python spells the rest in 8)."""
    hangul = [c for c in word if not c.isascii()]
    try:
        return len(word.encode("euc_kr")) == len(word) + len(hangul)
    except UnicodeEncodeError:
        return False


def _script(char: str) -> str:
    code = ord(char)
    if code <= 0x24F or 0x1E00 <= code <= 0x1EFF:
        return "latin"
    if 0xAC00 <= code <= 0xD7AF or 0x1100 <= code <= 0x11FF or 0x3130 <= code <= 0x318F:
        return "hangul"
    if 0x3040 <= code <= 0x30FF or 0xFF61 <= code <= 0xFF9F:
        return "kana"
    if 0x3400 <= code <= 0x9FFF or 0xF900 <= code <= 0xFAFF or 0x20000 <= code:
        return "han"
    return unicodedata.name(char, "other").split()[0].lower()
