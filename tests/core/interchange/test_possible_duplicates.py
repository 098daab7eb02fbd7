"""Possible duplicates of a big import: every one reported, in flat memory (issue #25).

A first import of 1,000,000 people of common names met hundreds of thousands of
namesakes at the same company; kept as tuples and named into a dict they took
340 MB of a 150 MB budget. Now they are machine integers while the import runs and
a temporary file once named, with the first few at hand for the report.
"""

from __future__ import annotations

import tracemalloc
from collections.abc import Sequence

from crmcli.core.interchange.importing.options import FIRST_KEPT, PossibleDuplicates


def _names(ids: Sequence[int]) -> dict[int, str]:
    return {i: f"Person {i}" for i in ids}


def test_each_is_kept_once_in_file_order_with_its_names() -> None:
    found = PossibleDuplicates()
    found.append(3, 12, 4)  # #12 is like the older #4
    found.append(5, 20, 21)  # a pair written in one batch: the later one is kept...
    found.append(6, 21, 20)  # ... this one
    found.append(9, 30, 4)
    assert len(found) == 4
    found.name(_names)
    assert len(found) == 3 and bool(found)
    assert list(found.named()) == [
        (3, 12, "Person 12", 4, "Person 4"),
        (6, 21, "Person 21", 20, "Person 20"),
        (9, 30, "Person 30", 4, "Person 4"),
    ]
    assert list(found.named()) == found.first  # read again: the same


def test_hundreds_of_thousands_cost_little_memory_and_all_are_listed() -> None:
    count = 300_000
    tracemalloc.start()
    try:
        found = PossibleDuplicates()
        for i in range(count):
            found.append(i + 2, 1_000_000 + i, i + 1)
        held = tracemalloc.get_traced_memory()[0]
        found.name(_names, chunk=1000)
        after, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert held < 10 * 2**20  # 24 bytes each, not a tuple of three ints (~120)
    assert peak < 16 * 2**20 and after < 2**20  # named a chunk at a time, then on disk
    assert len(found) == count and len(found.first) == FIRST_KEPT
    listed = 0
    for line, contact_id, name, other, other_name in found.named():
        assert (line, contact_id, other) == (listed + 2, 1_000_000 + listed, listed + 1)
        assert name == f"Person {contact_id}" and other_name == f"Person {other}"
        listed += 1
    assert listed == count


def test_an_empty_import_has_none() -> None:
    found = PossibleDuplicates()
    found.name(_names)
    assert len(found) == 0 and not found and list(found.named()) == []
