"""Phone numbers as a rep types them, matched against the stored ones.

Shared by `crm find` and REF resolution (`refs`), so that a number finds the same
contacts wherever it is typed. A whole number is read with the default region and
compared in E.164; a fragment of three or more digits is looked for in every stored
number, as written internationally or nationally. Nothing here is stored: an index
built by any version answers, and this module stays cheap to import (every REF
command loads it).
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator
from functools import lru_cache

from crmcli.core.db.store import Store
from crmcli.core.values import phones as phone_mod

# Digits with the usual separators, an optional + and extension: "+33 (0)6 12", "(212)
# 555-0100 x12". Only ASCII digits: a query in other scripts' digits is a word.
_EXT = r"(?:[Ee][Xx][Tt]\.?|[Xx])\s*[0-9]+"
NUMBER = re.compile(rf"\+?[\s(]*[0-9][0-9\s().\-/]*(?:{_EXT})?")
_EXTENSION = re.compile(rf"{_EXT}$")
DIGIT_TERMS = ("0", "9\U0010ffff")  # the stretch of the index whose terms begin with a digit
FRAGMENT = 3  # digits a number fragment needs: an area code
# `fragment_pages`: contact ids its first page covers (four times as many each page
# after it), and how many its bounded pages cover before one scan of the rest.
FIRST_SPAN = 1024
BOUNDED = 21_504
WHOLE = 6  # digits from which a query may be a whole number, worth parsing
# The two-digit country calling codes; 1 and 7 are the one-digit ones, all others have
# three (ITU E.164, stable for decades; a test holds it against libphonenumber's list).
# Country codes are prefix-free, so this tells where the national number begins.
_CC2 = frozenset(
    "20 27 30 31 32 33 34 36 39 40 41 43 44 45 46 47 48 49 51 52 53 54 55 56 57 58 "
    "60 61 62 63 64 65 66 81 82 84 86 90 91 92 93 94 95 98".split()
)


def looks_like_number(text: str) -> bool:
    """Digits with the usual separators, three or more of them: "212", "+49 89 12"."""
    return bool(NUMBER.fullmatch(text)) and len(number_digits(text)) >= FRAGMENT


def number_digits(text: str) -> str:
    """The digits of a number as typed, its extension left out."""
    return phone_mod.digits(_EXTENSION.sub("", text))


def national_number(e164_digits: str) -> str:
    """The digits of an E.164 number after its country code ("33612345678" -> "612345678")."""
    cc = 1 if e164_digits[:1] in ("1", "7") else 2 if e164_digits[:2] in _CC2 else 3
    return e164_digits[cc:]


def with_number(store: Store, text: str) -> dict[int, str]:
    """Contacts who have this whole number, with the number matched (E.164 digits, or
    the digits as stored when no E.164 form was found).

    As the default region reads it: "0698765432" is the stored +33 6 98 76 54 32 in
    France, "(212) 555-0100" +1 212 555 0100 in the US. Most numbers are found without
    the phone library (30 ms to load, more than the lookup): typed as stored, or
    nationally, which is a stored number's digits after its country code, a trunk 0
    before them. Only where that finds nothing, or numbers in several countries, does
    the library read the number (with the default region) or pick the home country's.
    """
    wanted = number_digits(text)
    if not wanted:
        return {}
    abroad = f"+{wanted[2:]}" if wanted.startswith("00") else f"+{wanted}"
    rows = _rows_for(store, abroad, wanted)
    if rows or len(wanted) < WHOLE:
        return rows
    region = str(store.config.get("default_region"))
    if abroad == f"+{wanted}" and not text.lstrip().startswith("+"):
        rows = _national_rows(store, wanted)
        home = home_prefixes(region) if len(set(rows.values())) > 1 else None
        if home is not None:  # the same national number in several countries
            rows = {c: n for c, n in rows.items() if n.startswith(home[0])} or rows
        if rows:
            return rows
    e164 = phone_mod.parse_phone(text, region).e164
    return _rows_for(store, e164, wanted) if e164 and e164 != abroad else {}


def _rows_for(store: Store, e164: str, written: str) -> dict[int, str]:
    """Contacts with this E.164 number, or with a number kept as written (these digits)."""
    rows = store.tuples(
        "SELECT substr(e164, 2), contact_id FROM contact_phone WHERE e164 = ? UNION "
        "SELECT term, contact_id FROM search_term WHERE field = 'phone' AND term = ?",
        (e164, written),
    )
    return {int(cid): str(number) for number, cid in rows}


def _national_rows(store: Store, wanted: str) -> dict[int, str]:
    """Contacts with a number whose digits after the country code are `wanted`, or
    `wanted` without a leading trunk 0 ("089 1234567" is +49 89 1234567).

    Asked as the few hundred E.164 numbers that could be meant, one per country code,
    through the index on contact_phone.e164: no scan, whatever the database's size."""
    national = {wanted, wanted[1:] if wanted.startswith("0") else wanted}
    candidates = [f"+{code}{digits}" for digits in sorted(national) for code in _codes()]
    rows = store.tuples_in(
        "SELECT substr(e164, 2), contact_id FROM contact_phone WHERE e164 IN ({ids})", candidates
    )
    return {int(cid): str(number) for number, cid in rows}


@lru_cache(maxsize=1)
def _codes() -> tuple[str, ...]:
    """Every string a country code can be by `national_number`'s reading: 1, 7, the
    two-digit codes, and the three digits after any other two (306 in all)."""
    threes = (
        f"{a}{b}{c}"
        for a in "2345689"
        for b in "0123456789"
        if f"{a}{b}" not in _CC2
        for c in "0123456789"
    )
    return ("1", "7", *sorted(_CC2), *threes)


@lru_cache(maxsize=4)
def home_prefixes(region: str) -> tuple[str, str] | None:
    """The region's country code and the trunk prefix its numbers are written with
    nationally ("33", "0" for France; "1", "1" for the US); None where there is none.

    Asked of the phone library `parse_phone` uses (phonenumbers, or the optional
    rphonenumbers accelerator), loaded only for a fragment that begins with a trunk
    digit, or a national number stored in several countries.
    """
    library = phone_mod.library()
    code = library.country_code_for_region(region.upper())
    trunk = library.ndd_prefix_for_region(region.upper(), True)
    return (str(code), str(trunk)) if code and trunk else None


def _fragment_test(
    fragment: str, home: tuple[str, str] | None
) -> tuple[str, Callable[[str], bool]]:
    """A text every matching E.164 number holds (for SQL to narrow with), and the test
    of one number's digits: `fragment` inside it as written internationally, after 00,
    or as a number of the `home` region (country code, trunk) is written nationally:
    "0612" in 33612..., for France."""
    abroad = fragment[2:] if fragment.startswith("00") else None
    if home is not None and fragment.startswith(home[1]):
        code, national = home[0], fragment[len(home[1]) :]
    else:
        code, national = "", None

    def test(number: str) -> bool:
        return (
            fragment in number
            or (abroad is not None and number.startswith(abroad))
            or (national is not None and number.startswith(code + national))
        )

    needle = min((t for t in (fragment, abroad, national) if t), key=len, default=fragment)
    return needle, test


def with_fragment(
    store: Store, fragment: str, within: set[int] | None = None, *, leading: bool = False
) -> dict[int, str]:
    """Contacts with a number holding these digits (at least `FRAGMENT` of them), with
    the number matched: "212" in +1 212 555 0100, "0612" in +33 6 12 34 56 78 (region
    FR); with `leading`, numbers that begin with them ("+1 212")."""
    needle, test = _fragment_needle(store, fragment, leading)
    rows = [
        (number, cid)
        for number, cid in store.tuples(
            "SELECT substr(e164, 2), contact_id FROM contact_phone WHERE e164 LIKE ?",
            (f"%{needle}%",),
        )
        if test(str(number))
    ]
    rows += written_with(store, fragment)
    return {int(cid): str(number) for number, cid in rows if within is None or int(cid) in within}


def written_with(store: Store, fragment: str) -> list[tuple[str, int]]:
    """(digits, contact id) of the numbers kept as written (no E.164 form) that hold
    `fragment`: the index's digit range only."""
    rows = store.tuples(
        "SELECT term, contact_id FROM search_term "
        "WHERE term >= ? AND term < ? AND field = 'phone' AND term LIKE ?",
        (*DIGIT_TERMS, f"%{fragment}%"),
    )
    return [(str(term), int(cid)) for term, cid in rows]


def fragment_pages(
    store: Store, fragment: str, *, leading: bool = False
) -> Iterator[list[tuple[int, str]]]:
    """`with_fragment`'s stored E.164 matches as (contact id, digits), a page at a time,
    each page a range of contact ids above the last: for a caller that can stop early.

    "212" is in one number of 25 in a large book, and `find` ranks the contacts whose
    number begins with it by id: its first twenty are in the first thousand contacts,
    where reading every match was a scan of every number and a sort of tens of
    thousands. The first pages (contacts not archived) cover FIRST_SPAN ids, then four
    times as many each, up to BOUNDED ids; the rest of the book, if asked for, is one
    last page read by a plain scan (archived contacts included: the ranking drops them),
    so a fragment found in few numbers costs about what reading every match did.
    """
    needle, test = _fragment_needle(store, fragment, leading)
    like = f"%{needle}%"
    done, span = 0, FIRST_SPAN
    while done < BOUNDED:
        rows = store.tuples(
            "SELECT p.contact_id, substr(p.e164, 2) FROM contact_phone p "
            "JOIN contact c ON c.id = p.contact_id WHERE p.contact_id > ? "
            "AND p.contact_id <= ? AND p.e164 LIKE ? AND c.archived_at IS NULL",
            (done, done + span, like),
        )
        yield [(int(cid), str(number)) for cid, number in rows if test(str(number))]
        done, span = done + span, span * 4
    rows = store.tuples(  # (+: a scan of the table, not a walk of the id index)
        "SELECT contact_id, substr(e164, 2) FROM contact_phone WHERE +contact_id > ? "
        "AND e164 LIKE ?",
        (done, like),
    )
    yield [(int(cid), str(number)) for cid, number in rows if test(str(number))]


def _fragment_needle(
    store: Store, fragment: str, leading: bool
) -> tuple[str, Callable[[str], bool]]:
    """The LIKE needle and the per-number test for a fragment (see `with_fragment`)."""
    if leading:
        return fragment, lambda number: number.startswith(fragment)
    region = str(store.config.get("default_region"))
    # A trunk prefix is 0 nearly everywhere, 8 in a few countries; the US's 1 is
    # its country code too, so "1 212" is in +1 212... as written: no need to ask.
    trunked = fragment[:1] in ("0", "8") and not fragment.startswith("00")
    return _fragment_test(fragment, home_prefixes(region) if trunked else None)


def phone_matches(store: Store, query: str, limit: int) -> dict[int, tuple[float, str, str]]:
    """`find`'s phone search: contacts with this number (score 1), else with a number
    holding these digits, as {contact id: (score, "phone", number matched)}.

    Where the digits begin the number past its country code (an area code, a mobile
    prefix), it ranks above a number that merely holds them somewhere; a contact takes
    its best number. The matches are read in contact id order, the ranking's own order
    within a score, and no further than the first `limit` contacts of the top score.
    """
    exact = with_number(store, query)
    if exact:
        return {cid: (1.0, "phone", number) for cid, number in exact.items()}
    digits = number_digits(query)
    leading = query.startswith("+")  # "+1 212": every number found begins with it
    start = digits[1:] if digits.startswith("0") else digits
    best: dict[int, tuple[float, str, str]] = {}

    def take(cid: int, number: str) -> bool:
        begins = number.startswith(digits) if leading else national_number(number).startswith(start)
        score = 0.85 if begins else 0.8
        if cid not in best or best[cid][0] < score:
            best[cid] = (score, "phone", number)
            return score == 0.85
        return False

    for number, cid in written_with(store, digits):  # (may be archived: not counted)
        take(cid, number)
    top = 0
    for page in fragment_pages(store, digits, leading=leading):
        top += sum(take(cid, number) for cid, number in page)
        if top >= limit:  # any number not read is of a later contact: ranked below these
            break
    return best
