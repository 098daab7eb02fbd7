"""Thunderbird's exports: CSV and tab columns, and the LDIF reader, on bytes alone."""

from __future__ import annotations

import base64
import io

import pytest

from crmcli.core.errors import Invalid
from crmcli.core.interchange.contacts_csv import detect, to_record
from crmcli.core.interchange.files import detect_format, open_contacts
from crmcli.core.interchange.ldif import read_ldif
from crmcli.core.interchange.records import ContactRecord, Reject

HEADER = (
    "First Name,Last Name,Display Name,Nickname,Primary Email,Secondary Email,Screen Name,"
    "Work Phone,Home Phone,Fax Number,Pager Number,Mobile Number,Home Address,Home Address 2,"
    "Home City,Home State,Home ZipCode,Home Country,Work Address,Work Address 2,Work City,"
    "Work State,Work ZipCode,Work Country,Job Title,Department,Organization,Web Page 1,"
    "Web Page 2,Birth Year,Birth Month,Birth Day,Custom 1,Custom 2,Custom 3,Custom 4,Notes"
).split(",")


def _row(**values: str) -> ContactRecord | Reject | None:
    mapping = detect(HEADER, delimiter=",", date_order="dmy")
    assert mapping.source == "thunderbird"
    cells = [values.get(h.replace(" ", "_"), "") for h in HEADER]
    return to_record(2, cells, mapping, ncols=len(HEADER))


def test_emails_phones_and_the_split_birthday() -> None:
    record = _row(
        First_Name="Ann",
        Last_Name="Lee",
        Primary_Email="ann@example.com",
        Secondary_Email="ann@example.org",
        Mobile_Number="+44 7700 900123",
        Birth_Year="1980",
        Birth_Month="2",
        Birth_Day="29",
        Nickname="Annie",
    )
    assert isinstance(record, ContactRecord)
    assert record.emails == [("ann@example.com", None), ("ann@example.org", None)]
    assert record.phones == [("+44 7700 900123", "mobile")]
    assert record.birthday == "1980-02-29"
    assert (record.nickname, record.custom) == ("Annie", {})  # a field since schema v6


def test_a_birthday_without_year_and_an_impossible_one() -> None:
    no_year = _row(First_Name="Bo", Birth_Month="3", Birth_Day="14")
    assert isinstance(no_year, ContactRecord) and no_year.birthday == "--03-14"
    bad = _row(First_Name="Cy", Birth_Year="1981", Birth_Month="2", Birth_Day="29")
    assert isinstance(bad, ContactRecord) and bad.birthday is None
    assert bad.birthday_raw == "1981-2-29" and bad.issues


def test_an_organisation_alone_is_a_company() -> None:
    record = _row(Display_Name="Acme Ltd", Organization="Acme Ltd", Work_City="Leeds")
    assert isinstance(record, ContactRecord) and record.kind == "org"
    person = _row(Display_Name="Dee Roy", Organization="Acme Ltd")
    assert isinstance(person, ContactRecord) and person.kind == "person"


def _b64(value: str) -> str:
    return base64.b64encode(value.encode()).decode()


LDIF = f"""dn:: {_b64("cn=Zoë Ångström,mail=zoe@example.se")}
objectclass: top
objectclass: person
objectclass: inetOrgPerson
objectclass: mozillaAbPersonAlpha
givenName:: {_b64("Zoë")}
sn:: {_b64("Ångström")}
cn:: {_b64("Zoë Ångström")}
mail: zoe@example.se
telephoneNumber: +46 8 123 456 78
description: a note long enough to be folded by the exporter at seventy-s
 ix characters
birthyear: 1990
birthmonth: 7
birthday: 4

dn: cn=Friends
objectclass: top
objectclass: groupOfNames
cn: Friends
member: cn=Zoë Ångström,mail=zoe@example.se

dn: cn=Acme AB
objectclass: top
objectclass: inetOrgPerson
cn: Acme AB
o: Acme AB
"""


def test_ldif_people_lists_and_companies() -> None:
    records = read_ldif(LDIF.encode())
    zoe, friends, acme = records
    assert isinstance(zoe, ContactRecord)
    assert (zoe.first, zoe.last, zoe.full_name) == ("Zoë", "Ångström", "Zoë Ångström")
    assert zoe.emails == [("zoe@example.se", None)]
    assert zoe.phones == [("+46 8 123 456 78", "work")]
    assert zoe.notes == "a note long enough to be folded by the exporter at seventy-six characters"
    assert zoe.birthday == "1990-07-04"
    assert isinstance(friends, ContactRecord) and friends.kind == "group"
    assert "mailing list 'Friends' (1 member) is not a person" in friends.issues[0]
    assert isinstance(acme, ContactRecord) and acme.kind == "org"


def test_ldif_is_detected_by_content_and_read() -> None:
    stream = io.BytesIO(b"version: 1\n" + LDIF.encode())
    assert detect_format(stream) == "ldif"
    reading = open_contacts(stream)
    assert (reading.format, reading.source) == ("ldif", "thunderbird")
    assert len(list(reading.items)) == 3


def test_ldif_schema_entries_are_refused() -> None:
    schema = (
        b"dn: cn=schema\nobjectclass: top\nobjectclass: subschema\nattributeTypes: ( 2.5.4.3 )\n"
    )
    with pytest.raises(Invalid, match="no address-book entries"):
        read_ldif(schema)
