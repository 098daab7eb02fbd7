"""Outlook's translated layouts: recognised by their header, mapped like English Outlook's."""

from __future__ import annotations

import pytest

from crmcli.core.interchange.contacts_csv import detect, to_record
from crmcli.core.interchange.recognise import vendor_of
from crmcli.core.interchange.records import ContactRecord
from crmcli.core.interchange.vendors import outlook_locales
from crmcli.core.interchange.vendors.outlook import localized_columns


def _header(code: str) -> list[str]:
    return [n for n in outlook_locales._LAYOUTS[code].split("|") if n]


@pytest.mark.parametrize("code", sorted(outlook_locales.LANGUAGES))
def test_every_layout_is_recognised_as_itself(code: str) -> None:
    vendor = vendor_of(_header(code))
    assert vendor is not None
    assert (vendor.name, vendor.date_order) == (f"outlook-{code}", "dmy")
    fields = dict(vendor.columns(_header(code)))
    mapped = {f for f in fields.values() if f}
    assert {"first", "last", "company", "email", "phone:work", "phone:mobile"} <= mapped
    assert {"street:work", "city:home", "postcode:other", "birthday", "tags", "notes"} <= mapped


def test_english_outlook_stays_english_and_month_first() -> None:
    header = ["Title", "First Name", "Last Name", "E-mail Address", "Business Phone", "Categories"]
    vendor = vendor_of(header)
    assert vendor is not None and (vendor.name, vendor.date_order) == ("outlook", "mdy")


def test_a_german_spreadsheet_is_not_an_outlook_export() -> None:
    assert vendor_of(["Vorname", "Nachname", "Firma", "E-Mail-Adresse", "Telefon"]) is None


def test_french_titre_twice_is_prefix_then_job_title() -> None:
    header = ["Titre", "Prénom", "Nom", "Société ", "Service ", "Titre", "Adresse de messagerie"]
    fields = [f for _, f in localized_columns("fr", header)]
    assert fields == ["prefix", "first", "last", "company", None, "title", "email"]
    assert [f for _, f in localized_columns("fr", ["Prénom", "Titre"])] == ["first", "title"]


def test_portuguese_of_brazil_and_of_portugal_are_told_apart() -> None:
    br = vendor_of(_header("pt-br"))
    pt = vendor_of(_header("pt-pt"))
    assert br is not None and pt is not None
    assert (br.name, pt.name) == ("outlook-pt-br", "outlook-pt-pt")


def test_a_german_row_reads_day_first_and_drops_outlook_blanks() -> None:
    header = _header("de")
    mapping = detect(header, delimiter=",", date_order="mdy")
    assert (mapping.source, mapping.date_order) == ("outlook-de", "dmy")
    values = dict.fromkeys(header, "")
    values.update(
        {
            "Vorname": "Jürgen",
            "Nachname": "Größmann",
            "E-Mail-Adresse": "jg@example.de",
            "Geburtstag": "3.4.1980",
            "Jahrestag": "0.0.00",
            "Geschlecht": "Nicht angegeben",
            "Kategorien": "Kunden;VIP",
        }
    )
    record = to_record(2, [values[h] for h in header], mapping, ncols=len(header))
    assert isinstance(record, ContactRecord)
    assert record.birthday == "1980-04-03"  # 3 April: day-first, whatever the user's setting
    assert record.tags == ["Kunden", "VIP"]
    assert record.custom == {}
