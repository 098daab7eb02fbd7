"""What an import into an empty database has met so far, as a filter with no false negatives.

An import into a database without contacts can only match people of its own file.
The writer passes every person of the file, in order, through a Bloom filter of
the values the matcher looks people up by (emails, E.164 numbers, profile URLs,
external ids): a person none of whose values the filter holds shares none with
anyone before it in the file, so it matches nobody and skips the matcher's lookups
(a fifth of the writing process's time in a first import of 100,000 people, each of
them new). A value the filter only seems to hold (a false positive: about one in a
hundred at 600,000 values) sends its person to the matcher as before, so every
answer is the matcher's own.
"""

from __future__ import annotations

from crmcli.core.people.matching import Candidate, external_term

_BITS = 1 << 26  # 8 MiB: about 1% false positives at 600,000 values, 4% at 3 million


class WrittenKeys:
    """A Bloom filter of the identifying values of every person met: one bit a value,
    at its hash (cached on the string by Python, so computed once). One bit rather
    than two: half the work a value, for a few more false positives, each of which
    only costs the lookup every row used to make."""

    def __init__(self, bits: int = _BITS) -> None:
        if bits & (bits - 1) or bits < 8:
            raise ValueError("the filter's size is a power of two, at least 8 bits")
        self._mask = bits - 1
        self._bits = bytearray(bits >> 3)

    def met(self, person: Candidate) -> bool:
        """Add `person`'s values; whether any of them may have been added before (False:
        surely none was, so no one met before shares a value with this person)."""
        bits, mask = self._bits, self._mask
        seen = False
        for values in (person.emails, person.phones, person.urls):
            for value in values:
                h = hash(value) & mask
                i, bit = h >> 3, 1 << (h & 7)
                byte = bits[i]
                if byte & bit:
                    seen = True
                else:
                    bits[i] = byte | bit
        for system, ext_id in person.external:  # rare: an id in another system
            h = hash(external_term(system, ext_id)) & mask
            i, bit = h >> 3, 1 << (h & 7)
            byte = bits[i]
            if byte & bit:
                seen = True
            else:
                bits[i] = byte | bit
        return seen
