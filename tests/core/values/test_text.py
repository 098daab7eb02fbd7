"""Folding, name splitting, phones, emails: the normalisation every lookup relies on."""

from __future__ import annotations

import pytest

from crmcli.core.errors import Invalid
from crmcli.core.values import emails, phones
from crmcli.core.values.names import split_name
from crmcli.core.values.text import fold, name_key


@pytest.mark.parametrize(
    ("text", "folded"),
    [
        ("Hélène Dupré", "helene dupre"),
        ("  HÉLÈNE   dupré-Martin ", "helene dupre martin"),
        ("Søren Ærø", "soren aero"),
        ("Straße", "strasse"),
        ("Łukasz Żółć", "lukasz zolc"),
        ("Nadia 🙂 Benali", "nadia benali"),
        ("王小明", "王小明"),
        ("O'Brien", "o brien"),
    ],
)
def test_fold(text: str, folded: str) -> None:
    assert fold(text) == folded


def test_name_key_drops_honorifics_and_suffixes() -> None:
    assert name_key("Dr. Hélène Dupré Jr.") == "helene dupre"
    assert name_key("Mme Hélène Dupré") == "helene dupre"
    assert name_key("Dr") == "dr"  # a lone word is a name, not a title


@pytest.mark.parametrize(
    ("name", "parts"),
    [
        ("Dr. Hélène Dupré-Martin Jr.", ("Dr.", "Hélène", None, "Dupré-Martin", "Jr.")),
        ("Ludwig van Beethoven", (None, "Ludwig", None, "van Beethoven", None)),
        ("Jean Paul de la Fontaine", (None, "Jean", "Paul", "de la Fontaine", None)),
        ("Dupré, Hélène", (None, "Hélène", None, "Dupré", None)),
        ("Madonna", (None, "Madonna", None, None, None)),
    ],
)
def test_split_name(name: str, parts: tuple[str | None, ...]) -> None:
    p = split_name(name)
    assert (p.prefix, p.first, p.middle, p.last, p.suffix) == parts


@pytest.mark.parametrize(
    ("text", "region", "e164", "ext"),
    [
        ("+33 6 12 34 56 78", "US", "+33612345678", None),
        ("06 12 34 56 78", "FR", "+33612345678", None),
        ("0612345678", "FR", "+33612345678", None),
        ("+44 (0)20 7946 0958", "FR", "+442079460958", None),
        ("(415) 555-0132 ext. 12", "US", "+14155550132", "12"),
        ("0049 151 12345678", "FR", "+4915112345678", None),
    ],
)
def test_phone_normalisation(text: str, region: str, e164: str, ext: str | None) -> None:
    phone = phones.parse_phone(text, region)
    assert phone.e164 == e164
    assert phone.extension == ext
    assert phone.raw == " ".join(text.split())


def test_unparseable_phone_is_kept_as_text() -> None:
    phone = phones.parse_phone("call reception", "FR")
    assert not phone.valid and phone.raw == "call reception" and phone.display == "call reception"


def test_phone_read_through_wrong_region_is_not_invented() -> None:
    assert phones.parse_phone("0612340000", "US").e164 is None


def test_email_check() -> None:
    assert emails.check("  Helene.Dupre@ACME.fr ") == "Helene.Dupre@ACME.fr"
    assert emails.normalise("Helene.Dupre@ACME.fr") == "helene.dupre@acme.fr"
    for bad in ("bad@", "no-at-sign", "a@b", "two@@x.com", ""):
        with pytest.raises(Invalid):
            emails.check(bad)


def test_search_snippets_are_cut_and_marked_by_folded_words() -> None:
    from crmcli.core.search.fulltext import highlight

    assert highlight("Talked pricing, sent the résumé", ["resume"]) == (
        "Talked pricing, sent the [résumé]"
    )
    long = " ".join(f"w{i}" for i in range(30)) + " Pricing sheet sent"
    cut = highlight(long, ["pric"])
    assert cut.startswith("…") and "[Pricing]" in cut and len(cut.split()) <= 13
    assert highlight("nothing here", ["absent"]) == "nothing here"
