"""Phone numbers: phonenumbers is the reference; rphonenumbers (the optional `fast`
extra) answers first where it is installed, phonenumbers where it is missing or fails.

The two carry their own copies of the numbering plans: these tests hold them to the
same answers on numbers as people write them and on random numbers in many regions.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from crmcli.core.values import phones

REGIONS = ["FR", "US", "GB", "DE", "IT", "BR", "IN", "JP", "AR", "CH", "BE", "MX", "AU"]


WRITTEN = [  # numbers as people type them into address books, with their regions
    ("06 12 34 56 78", "FR"),
    ("+33 (0)6 12 34 56 78", "FR"),
    ("0033 1 42 68 53 00", "FR"),
    ("01.42.68.53.00", "FR"),
    ("(415) 555-0100 ext. 12", "US"),
    ("+1 212 736 5000", "US"),
    ("212.736.5000 x 33", "US"),
    ("020 7946 0018", "GB"),
    ("+44 (0)20 7946 0958", "GB"),
    ("07700 900123", "GB"),
    ("030 1234567", "DE"),
    ("+49 171 1234567", "DE"),
    ("+39 06 6982 1234", "IT"),
    ("347 123 4567", "IT"),
    ("011 15 2345-6789", "AR"),
    ("+55 11 91234-5678", "BR"),
    ("044 668 18 00", "CH"),
    ("+32 2 555 12 12", "BE"),
    ("+81 3-1234-5678", "JP"),
    ("+91 98765 43210", "IN"),
    ("+34 612 34 56 78", "ES"),
    ("+31 20 123 4567", "NL"),
    ("+61 2 9374 4000", "AU"),
    ("+52 55 1234 5678", "MX"),
    ("+86 10 6552 9988", "CN"),
    ("06 39 00 00 19", "FR"),  # not a French number: the reference decides
    ("+33 1234", "FR"),  # too short anywhere
    ("12", "US"),
    ("call me", "FR"),
    ("", "FR"),
    ("０６ １２ ３４ ５６ ７８", "FR"),  # full-width digits
    ("1-800-FLOWERS", "US"),
]


@contextmanager
def reference_only() -> Iterator[None]:
    """parse_phone as it runs where rphonenumbers is not installed."""
    phones.parse_phone.cache_clear()
    original = phones._fast_library
    phones._fast_library = lambda: None  # type: ignore[assignment]
    try:
        yield
    finally:
        phones._fast_library = original  # type: ignore[assignment]
        phones.parse_phone.cache_clear()


def test_the_fast_library_is_installed() -> None:
    # A dependency of the package: an install without it is a broken install.
    assert phones._fast_library() is not None


def test_the_fast_path_agrees_with_the_reference_on_numbers_as_people_write_them() -> None:
    phones.parse_phone.cache_clear()
    fast = [phones.parse_phone(text, region) for text, region in WRITTEN]
    with reference_only():
        slow = [phones.parse_phone(text, region) for text, region in WRITTEN]
    assert fast == slow
    assert fast[0] == phones.Phone("06 12 34 56 78", "+33612345678", None, "+33 6 12 34 56 78")
    assert fast[4].extension == "12" and fast[4].e164 == "+14155550100"
    assert not fast[25].valid  # kept as text, flagged


def test_the_fast_path_agrees_on_random_numbers_in_many_regions() -> None:
    """The two carry their own copies of the numbering plans, which can differ on a
    range that one has retired or regrouped: rare, never systematic."""
    import random

    rng = random.Random(7)
    cases = []
    for _ in range(4000):
        digits = "".join(rng.choice("0123456789") for _ in range(rng.randint(6, 13)))
        shape = rng.random()
        text = (
            "+" + digits
            if shape < 0.3
            else "0" + digits
            if shape < 0.6
            else " ".join(digits[i : i + 2] for i in range(0, len(digits), 2))
        )
        cases.append((text, rng.choice(REGIONS)))
    phones.parse_phone.cache_clear()
    fast = [phones.parse_phone(text, region) for text, region in cases]
    with reference_only():
        slow = [phones.parse_phone(text, region) for text, region in cases]
    assert sum(p.valid for p in slow) > 300  # the sample holds real numbers
    verdicts = [(a.e164, a.extension) for a in fast]
    differ = [
        c for c, v, b in zip(cases, verdicts, slow, strict=True) if v != (b.e164, b.extension)
    ]
    assert len(differ) <= len(cases) // 1000, differ[:5]
    for a, b in zip(fast, slow, strict=True):  # shown alike: the same digits, maybe grouped
        if a.e164 == b.e164 and a.formatted != b.formatted:
            assert phones.digits(a.formatted or "") == phones.digits(b.formatted or "")


def test_a_failure_of_the_fast_library_falls_back_to_the_reference() -> None:
    class Broken:
        NumberParseException = ValueError

        def parse(self, *args: Any) -> Any:
            raise RuntimeError("boom")

    phones.parse_phone.cache_clear()
    original = phones._fast_library
    phones._fast_library = lambda: Broken()  # type: ignore[assignment]
    try:
        phone = phones.parse_phone("06 12 34 56 78", "FR")
    finally:
        phones._fast_library = original  # type: ignore[assignment]
        phones.parse_phone.cache_clear()
    assert phone.e164 == "+33612345678"


def test_plain_numbers_read_as_their_bare_digits_give_the_same_answer() -> None:
    """`parse_phone` hands the reference library `06 12 34-56.78` as `0612345678` (a
    fifth faster); on every shape it does that for, the library's answer is the same."""
    import random

    import phonenumbers

    rng = random.Random(5)
    regions = sorted(phonenumbers.SUPPORTED_REGIONS)
    compacted = 0
    for _ in range(20000):
        text = "".join(rng.choice("0123456789" * 6 + " .-") for _ in range(rng.randint(1, 16)))
        text = rng.choice(["", "+", "00"]) + text
        if not phones._PLAIN.fullmatch(text):
            continue
        compacted += 1
        region = rng.choice(regions)
        bare = text.translate(phones._SEPARATORS)
        try:
            as_written = phonenumbers.parse(text, region)
        except phonenumbers.NumberParseException as exc:
            try:
                phonenumbers.parse(bare, region)
            except phonenumbers.NumberParseException as other:
                assert other.error_type == exc.error_type, (text, region)
            else:
                raise AssertionError(f"{text!r} in {region}: only its bare digits parse")
            continue
        assert phonenumbers.parse(bare, region) == as_written, (text, region)
    assert compacted > 5000
    assert not phones._PLAIN.fullmatch("9 2")  # two digits: no number, `92` would be one
