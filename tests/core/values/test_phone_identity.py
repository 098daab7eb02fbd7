"""One key per phone number however it is written (issue #18 item 3), one phone library.

- a number libphonenumber calls possible gets its E.164 key whichever way it is written,
  flagged `valid = false` when it is not a number in service;
- placeholders (`+49 BUSINESS`, `pager`, `n/a`) stay as text, each one, with a warning;
- phonenumbers is the reference; rphonenumbers, the optional accelerator, must give the
  same key on every number of the test corpus, and nothing needs it.
"""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from crmcli.core.interchange.importing.prepare import prepare, row_region
from crmcli.core.interchange.records import ContactRecord
from crmcli.core.values import phones

FIXTURES = Path(__file__).resolve().parents[2] / "fixtures" / "import"
REGIONS = ["US", "FR", "GB", "DE", "IT", "ES", "NL", "BR", "JP", "CH", "CA", "AU", "IN", "SE"]


@pytest.fixture
def reference(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """parse_phone with the accelerator turned off, as CRM_NO_ACCELERATOR=1 does."""
    monkeypatch.setenv(phones.ACCELERATOR_OFF, "1")
    phones._fast_library.cache_clear()
    phones.parse_phone.cache_clear()
    yield
    monkeypatch.delenv(phones.ACCELERATOR_OFF)
    phones._fast_library.cache_clear()
    phones.parse_phone.cache_clear()


@pytest.mark.usefixtures("reference")
@pytest.mark.parametrize(
    ("written", "region"),
    [
        ("06 39 98 66 77", "FR"),  # national, in an unallocated mobile range
        ("+33 6 39 98 66 77", "FR"),
        ("+33 (0)6 39 98 66 77", "US"),
        ("0033639986677", "FR"),
        ("0033 6 39 98 66 77", "DE"),
        ("06.39.98.66.77", "FR"),
    ],
)
def test_one_possible_number_one_key_however_written(written: str, region: str) -> None:
    phone = phones.parse_phone(written, region)
    assert phone.e164 == "+33639986677"
    assert phone.formatted == "+33 6 39 98 66 77"
    assert not phone.valid  # possible, not in service: keyed and flagged
    assert phone.key == "+33639986677"


@pytest.mark.usefixtures("reference")
@pytest.mark.parametrize(
    ("written", "region", "e164"),
    [
        ("(800) 000-0000", "US", "+18000000000"),  # toll-free prefix, unallocated line
        ("(555) 010-0100", "US", "+15550100100"),  # the fictional 555 range
        ("+1 555 0100", "US", "+15550100"),  # a local-only length, with its own +1
    ],
)
def test_possible_but_not_valid_numbers_are_keyed_and_flagged(
    written: str, region: str, e164: str
) -> None:
    phone = phones.parse_phone(written, region)
    assert (phone.e164, phone.valid, phone.raw) == (e164, False, written)


@pytest.mark.usefixtures("reference")
@pytest.mark.parametrize(
    ("written", "region"),
    [
        ("06 39 98 66 77", "US"),  # a French mobile read in the US: not the US plan
        ("0000000000", "US"),  # 00 is not how the US dials abroad: no +country here
        ("000-000-0000", "US"),
        ("+49 BUSINESS", "DE"),
        ("+1 800 FLOWERS", "US"),  # letters read as digits: kept as written
        ("pager", "US"),
        ("n/a", "FR"),
        ("TBD", "GB"),
    ],
)
def test_what_is_not_a_possible_number_is_kept_as_text(written: str, region: str) -> None:
    phone = phones.parse_phone(written, region)
    assert (phone.e164, phone.valid, phone.raw) == (None, False, written)


def test_valid_numbers_are_valid() -> None:
    phone = phones.parse_phone("01 42 68 53 00", "FR")
    assert (phone.e164, phone.valid) == ("+33142685300", True)


def test_placeholders_stay_each_one_with_a_warning_each() -> None:
    written = ["+49 BUSINESS", "+49 PRIVATE", "pager", "fax", "n/a", "TBD", "N/A", "pager"]
    record = ContactRecord(line=7, first="Greta", last="Hoffmann")
    record.phones = [(text, None) for text in written]
    prepared = prepare(record, "DE")
    # "N/A" and the second "pager" are the same text again: one row each
    assert [p[1] for p in prepared.phones] == written[:6]
    assert all(p[2] is None for p in prepared.phones)
    warned = [i for i in prepared.issues if "could not be read as a number" in i]
    assert len(warned) == 6
    assert prepared.candidate.texts == tuple(phones.phone_key(w, None) for w in written[:6])


def test_phone_key_of_text_that_looks_like_a_number_is_its_digits() -> None:
    assert phones.phone_key("06.39.00 00 19", None) == phones.phone_key("06 39 00 00 19", None)
    assert phones.phone_key("+49 BUSINESS", None) != phones.phone_key("+49 PRIVATE", None)
    assert phones.phone_key("pager", None) != phones.phone_key("fax", None)


def test_a_rows_region_is_its_country_else_its_address_else_the_default() -> None:
    assert row_region(ContactRecord(line=1, country="JP"), "FR") == "JP"
    record = ContactRecord(line=1)
    record.addresses = [{"city": "Berlin"}, {"city": "Lyon", "country": "Frankreich"}]
    assert row_region(record, "US") == "FR"
    record.addresses = [{"country": "Atlantis"}]
    assert row_region(record, "US") == "US"


@pytest.mark.parametrize(
    ("name", "code"),
    [
        ("Deutschland", "DE"), ("Frankreich", "FR"), ("España", "ES"), ("Italia", "IT"),
        ("Nederland", "NL"), ("Brasil", "BR"), ("日本", "JP"), ("USA", "US"),
        ("United States of America", "US"), ("U.S.A.", "US"), ("UK", "GB"),
        ("Great Britain", "GB"), ("Vereinigte Staaten von Amerika", "US"),
        ("Großbritannien", "GB"), ("Estados Unidos", "US"), ("Países Bajos", "NL"),
        ("Alemanha", "DE"), ("Regno Unito", "GB"), ("EE. UU.", "US"),
    ],
)  # fmt: skip
def test_country_names_as_localized_exports_write_them(name: str, code: str) -> None:
    from crmcli.core.interchange.countries import country_code

    assert country_code(name) == code


# -- one library: the accelerator is optional and agrees with the reference ----------------

_CANDIDATE = re.compile(r"[+(]?[0-9][0-9 ().\-/]{4,}[0-9](?:\s*(?:x|ext\.?)\s*[0-9]+)?")


def _corpus_numbers() -> set[str]:
    """Every phone-looking text in every file of the import test corpus."""
    found: set[str] = set()
    for path in FIXTURES.rglob("*"):
        if not path.is_file() or path.suffix in (".py", ".png", ".xlsx", ".zip", ".db"):
            continue
        data = path.read_bytes()
        for encoding in ("utf-8-sig", "utf-16", "cp1252"):
            try:
                text = data.decode(encoding)
            except UnicodeDecodeError:
                continue
            break
        for match in _CANDIDATE.finditer(text):
            value = match.group(0).strip()
            if sum(ch.isdigit() for ch in value) >= 6:
                found.add(value)
    return found


def test_the_corpus_is_not_empty() -> None:
    assert len(_corpus_numbers()) > 50


def test_the_accelerator_gives_the_reference_key_on_every_corpus_number(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    fast = pytest.importorskip("rphonenumbers")
    reference = phones._library()
    numbers = sorted(_corpus_numbers())
    differ = []
    for text in numbers:
        raw = " ".join(text.split())
        candidate = phones._TRUNK.sub(r"\1 ", raw) if "(0)" in raw else raw
        for region in REGIONS:
            explicit = candidate.startswith("+") or (
                candidate.startswith("00") and phones._dials_00(region)
            )
            a = phones._parse_with(fast, raw, candidate, region, explicit=explicit)
            b = phones._parse_with(reference, raw, candidate, region, explicit=explicit)
            if (a.e164, a.valid, a.extension) != (b.e164, b.valid, b.extension):
                differ.append((text, region, a, b))
    assert differ == []


def test_crm_honours_the_switch_that_turns_the_accelerator_off(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv(phones.ACCELERATOR_OFF, "1")
    phones._fast_library.cache_clear()
    try:
        assert phones._fast_library() is None
        assert phones.library() is phones._library()
    finally:
        monkeypatch.delenv(phones.ACCELERATOR_OFF)
        phones._fast_library.cache_clear()


_WITHOUT_ACCELERATOR = """
import importlib.abc, json, sys

class Absent(importlib.abc.MetaPathFinder):
    def find_spec(self, name, path=None, target=None):
        if name.split(".")[0] == "rphonenumbers":
            raise ImportError("rphonenumbers is not installed")
        return None

sys.meta_path.insert(0, Absent())
from crmcli.cli import run
code = run(["import", "contacts", sys.argv[1]])
assert code == 0, code
assert run(["find", "0639986677"]) == 0
assert run(["export", "contacts", "--format", "json", "-o", sys.argv[2]]) == 0
print(json.dumps(sorted(m for m in sys.modules if m.startswith("rphonenumbers"))))
"""


@pytest.mark.subprocess
def test_everything_works_without_the_accelerator(tmp_path: Path) -> None:
    exported = tmp_path / "out.json"
    env = {**os.environ, "LANG": "fr_FR.UTF-8"}
    env.pop(phones.ACCELERATOR_OFF, None)
    result = subprocess.run(
        [sys.executable, "-c", _WITHOUT_ACCELERATOR,
         str(FIXTURES / "identity" / "tableur_fr.csv"), str(exported)],
        capture_output=True, text=True, env=env, timeout=120, check=False,
    )  # fmt: skip
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip().splitlines()[-1] == "[]"  # never imported
    assert "Jeanne Dupont" in result.stdout  # `crm find` by the national number
    [person] = json.loads(exported.read_text())
    assert [p["e164"] for p in person["phones"]] == ["+33639986677"]
