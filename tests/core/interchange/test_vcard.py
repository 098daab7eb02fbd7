"""vCard reading on real-looking exports, and writing checked by reading back and by vobject."""

from __future__ import annotations

import io
import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import vobject
from hypothesis import given, settings
from hypothesis import strategies as st

from crmcli.core.errors import Invalid
from crmcli.core.interchange.records import ContactRecord, Photo, Reject
from crmcli.core.interchange.vcard.read import parse_vcards
from crmcli.core.interchange.vcard.values import decode_vcard_bytes
from crmcli.core.interchange.vcard.write import contact_id_from_uid, contact_uid, write_vcards
from crmcli.core.people.fields import normalise_url, url_kind

FIXTURES = Path(__file__).resolve().parents[2] / "fixtures" / "import" / "vcard"


def read(name: str) -> list[ContactRecord | Reject]:
    return list(parse_vcards(decode_vcard_bytes((FIXTURES / name).read_bytes())))


def only_records(items: list[ContactRecord | Reject]) -> list[ContactRecord]:
    assert all(isinstance(item, ContactRecord) for item in items), items
    return [item for item in items if isinstance(item, ContactRecord)]


def card(*lines: str, version: str = "3.0") -> str:
    return "\r\n".join(["BEGIN:VCARD", f"VERSION:{version}", *lines, "END:VCARD", ""])


def one(*lines: str, version: str = "3.0") -> ContactRecord:
    (item,) = parse_vcards(card(*lines, version=version))
    assert isinstance(item, ContactRecord), item
    return item


# -- bytes -------------------------------------------------------------------------------


def test_decode_utf8_strips_the_bom() -> None:
    assert decode_vcard_bytes("\ufeffFN:Hélène".encode()) == "FN:Hélène"


def test_decode_falls_back_to_windows_1252() -> None:
    # 0x80 is € in Windows-1252 (not in Latin-1); 0x81 is undefined there and kept.
    assert decode_vcard_bytes(b"FN:Ren\xe9 \x80 \x81") == "FN:René € \x81"


def test_decode_utf16_with_a_bom() -> None:
    assert decode_vcard_bytes("BEGIN:VCARD\r\nFN:Zoë".encode("utf-16")) == "BEGIN:VCARD\r\nFN:Zoë"


def test_nul_bytes_mean_a_binary_file() -> None:
    with pytest.raises(Invalid, match="binary file"):
        decode_vcard_bytes(b"BEGIN:VCARD\r\nFN:A\x00B\r\n")


@pytest.mark.parametrize(
    "text", ["", "   \r\n", "FN:no card here\r\nEND:VCARD\r\n", "BEGIN:VCALENDAR\r\n"]
)
def test_no_card_at_all_is_invalid(text: str) -> None:
    with pytest.raises(Invalid, match="no vCard found"):
        list(parse_vcards(text))


# -- Apple Contacts ----------------------------------------------------------------------


def test_apple_export_bytes_are_as_apple_writes_them() -> None:
    data = (FIXTURES / "apple_contacts.vcf").read_bytes()
    assert data.count(b"\r\n") == data.count(b"\n")  # CRLF only
    assert b"\r\n PHOTO" not in data and b"PHOTO;ENCODING=b;TYPE=JPEG:" in data
    assert data.count(b"\r\n ") > 8  # the photo is folded over many lines


def test_apple_person_with_item_labels_photo_and_yearless_birthday() -> None:
    person = read("apple_contacts.vcf")[0]
    assert isinstance(person, ContactRecord)
    assert person == ContactRecord(
        line=1,
        full_name="Dr. Hélène Marie Dupré-Martin",
        prefix="Dr.",
        first="Hélène",
        middle="Marie",
        last="Dupré-Martin",
        suffix=None,
        emails=[
            ("helene@dupre-conseil.example", "work"),  # _$!<Work>!$_, and pref: first
            ("helene.perso@mail.example", "Perso"),  # a custom label, as written
        ],
        phones=[
            ("+33 6 12 34 56 78", "mobile"),  # pref: first
            ("01 42 68 53 00", "work"),
            ("+33 9 70 00 00 01", "Standard"),
        ],
        # URL and X-SOCIALPROFILE name the same page: kept once, with its label.
        urls=[("https://www.linkedin.com/in/hdupre-example", "LinkedIn")],
        company="Dupré Conseil",
        title="Directrice commerciale",
        notes=(
            "Rencontrée au salon Vivatech, stand B12.\n"
            "Préfère les appels le matin; jamais le vendredi."
        ),
        tags=[],
        birthday="--03-14",  # X-APPLE-OMIT-YEAR=1604: no year, none invented
        birthday_raw=None,
        addresses=[
            {
                "label": "work",
                "street": "12 rue de la Paix\nBâtiment B",
                "city": "Paris",
                "region": "Île-de-France",
                "postcode": "75002",
                "country": "France",
            }
        ],
        country="FR",  # X-ABADR
        lead_source=None,
        status=None,
        external_ids={"vcard": "5f1b2c3d-0000-4000-8000-000000000001"},
        custom={"department": "Ventes Europe"},
        issues=[],
        kind="person",
        photo=Photo("image/jpeg", person.photo.data if person.photo else None),  # stored
    )
    assert person.photo and len(person.photo.data or "") == 684


def test_apple_company_card_is_an_org() -> None:
    company = read("apple_contacts.vcf")[1]
    assert company == ContactRecord(
        line=38,
        full_name=None,  # FN is the company's name, not a person's
        phones=[("+33 4 78 00 00 00", "main")],
        urls=[("https://boulangerie-martin.example", "homepage")],
        company="Boulangerie Martin SARL",
        addresses=[
            {
                "label": "work",
                "street": "3 place Bellecour",
                "city": "Lyon",
                "postcode": "69002",
                "country": "France",
            }
        ],
        country="FR",
        external_ids={"vcard": "5f1b2c3d-0000-4000-8000-000000000002"},
        kind="org",
    )


def test_apple_group_is_never_a_person() -> None:
    group = read("apple_contacts.vcf")[2]
    assert group == ContactRecord(
        line=52,
        full_name="Clients VIP",
        external_ids={"vcard": "5f1b2c3d-0000-4000-8000-000000000003"},
        kind="group",
    )


def test_apple_fax_iphone_other_label_and_folded_note() -> None:
    person = read("apple_contacts.vcf")[3]
    assert person == ContactRecord(
        line=61,
        full_name="Seán O'Brien",
        first="Seán",
        last="O'Brien",
        emails=[("sean.obrien@example.ie", "other")],
        phones=[("+353 1 555 0199", "fax"), ("+353 87 555 0100", "mobile")],
        # Folded after "wants a": the continuation's first space is the fold, the second is data.
        notes=(
            "Met at the Dublin meetup. Interested in the enterprise plan, "
            "wants a quote for 40 seats."
        ),
        birthday="1979-12-01",
        external_ids={"vcard": "5f1b2c3d-0000-4000-8000-000000000004"},
    )
    assert len(read("apple_contacts.vcf")) == 4


# -- Google Contacts ---------------------------------------------------------------------


def test_google_export() -> None:
    jane, marco = only_records(read("google_contacts.vcf"))
    assert jane == ContactRecord(
        line=1,
        full_name="Dr. Jane Q. Doe PhD",
        prefix="Dr.",
        first="Jane",
        middle="Q.",
        last="Doe",
        suffix="PhD",
        emails=[
            ("jane.doe@acme.example", "work"),
            ("janedoe@mail.example", "home"),
            ("jd@side-project.example", "Side project"),
        ],
        phones=[("(415) 555-0100", "mobile"), ("+1 415-555-0199", "work")],
        urls=[
            ("https://www.linkedin.com/in/jane-doe-example", "LinkedIn"),  # `https\://` unescaped
            ("https://jane.example/blog", "Blog"),
        ],
        company="Acme, Inc.",
        title="VP Engineering",
        notes="Intro by Bob.\nLikes: hiking, chess; coffee ☕",
        tags=["Clients, 2024", "VIP"],  # Google's own "myContacts" group dropped
        birthday="1985-03-14",
        nickname="JD",
        addresses=[
            {
                "label": "home",
                "street": "1600 Main St, Apt 4",
                "city": "Springfield",
                "region": "IL",
                "postcode": "62701",
                "country": "United States of America",
            }
        ],
    )
    assert marco == ContactRecord(
        line=23,
        full_name="Marco Rossi",
        first="Marco",
        last="Rossi",
        emails=[("marco.rossi@example.it", None)],
        phones=[("+39 333 123 4567", "mobile")],
        tags=["starred"],
        birthday="--03-14",  # --0314
    )


# -- Outlook (vCard 2.1) -----------------------------------------------------------------


def test_outlook_file_is_windows_1252_with_quoted_printable() -> None:
    data = (FIXTURES / "outlook_2_1.vcf").read_bytes()
    with pytest.raises(UnicodeDecodeError):
        data.decode("utf-8")
    assert b"FN;CHARSET=Windows-1252:Ren\xe9 Dupr\xe9\r\n" in data
    assert b" =80 HT." in data and b"apr=\r\n=E8s le=\r\n 15 mars" in data


def test_outlook_2_1_export() -> None:
    rene, zoe = only_records(read("outlook_2_1.vcf"))
    assert rene == ContactRecord(
        line=1,
        full_name="René Dupré",
        first="René",
        last="Dupré",
        emails=[
            ("rene.dupre@cafe-du-commerce.example", None),  # EMAIL;PREF;INTERNET first
            ("rene@perso.example", None),
        ],
        phones=[
            ("+33 4 72 00 00 00", "work"),
            ("06 12 34 56 78", "mobile"),  # TEL;CELL;VOICE
            ("04 72 00 00 01", "fax"),
        ],
        urls=[("http://www.cafe-du-commerce.example", "work")],
        company="Café du Commerce",  # QP in Windows-1252
        title="Gérant",  # QP in ISO-8859-1
        # € is 0x80 in Windows-1252; soft breaks join lines, even one starting with a space.
        notes="Devis envoyé : 1 250 € HT.\nAppeler après le 15 mars.\n\nPréfère le téléphone.",
        birthday="1985-03-14",  # 19850314
        addresses=[
            {
                "label": "work",
                "street": "12 allée des Tilleuls",
                "city": "Lyon",
                "postcode": "69003",
                "country": "France",  # "Fr=" soft break "ance"
            }
        ],
        custom={"department": "Ventes"},
        photo=Photo("image/jpeg", rene.photo.data if rene.photo else None),
    )
    assert rene.photo and len(rene.photo.data or "") == 288  # PHOTO;ENCODING=BASE64;JPEG
    assert zoe == ContactRecord(
        line=32,
        full_name="Zoë Martin",  # QP in UTF-8
        first="Zoë",
        last="Martin",
        emails=[("zoe.martin@example.fr", None)],
        phones=[("+33 7 00 00 00 07", "mobile"), ("+33 1 00 00 00 01", "work")],
        tags=["Fournisseurs", "Lyon"],  # after an unindented base64 photo and its blank line
        photo=zoe.photo,  # the unindented base64 lines: see test_vcard_fields.py
        not_imported=zoe.not_imported,
    )


# -- vCard 4.0 ---------------------------------------------------------------------------


def test_v4_japanese_name_and_romanisation() -> None:
    taro = read("vcard_4_0.vcf")[0]
    assert taro == ContactRecord(
        line=1,
        full_name="山田 太郎",  # both forms have LANGUAGE: the first is the name
        first="太郎",
        last="山田",
        emails=[
            ("taro.yamada@yamada-shoji.example", "work"),  # PREF=1
            ("taro@mail.example", "home"),
        ],
        phones=[
            ("+81-90-1234-5678", "mobile"),  # tel: URI, TYPE="voice,cell"
            ("+81-3-1234-5678 ext. 204", "work"),
        ],
        company="株式会社山田商事",
        title="営業部長",
        notes="日本語のメモ。\n二行目。",
        birthday="--07-07",
        external_ids={"vcard": "urn:uuid:0c6ba3b2-1f2b-4f6e-9c1e-000000000040"},
        custom={
            "role": "Decision maker",
            "language": "ja",  # LANG: data, kept as a custom field
            "name (en)": "Taro Yamada",
            "department": "営業部",
        },
    )


def test_v4_group_and_org_cards() -> None:
    _, group, org, _ = read("vcard_4_0.vcf")
    assert group == ContactRecord(
        line=20,
        full_name="Book club",
        external_ids={"vcard": "urn:uuid:0c6ba3b2-1f2b-4f6e-9c1e-000000000041"},
        kind="group",
    )
    assert org == ContactRecord(
        line=27,
        phones=[("+81-3-1234-0000", "work")],
        urls=[("https://yamada-shoji.example", None)],
        company="Yamada Shoji K.K.",
        kind="org",
    )


def test_v4_name_without_language_wins() -> None:
    layla = read("vcard_4_0.vcf")[3]
    assert layla == ContactRecord(
        line=35,
        full_name="Layla Haddad",
        first="Layla",
        last="Haddad",
        emails=[("layla@example.org", None)],
        birthday="--11-02",  # year 0000
        custom={"name (ar)": "ليلى حداد"},
    )


# -- edge cases and broken files ---------------------------------------------------------


def test_email_only_n_only_and_impossible_birthday() -> None:
    nameless, nakamura, paul = only_records(read("edge_cases.vcf"))
    assert nameless == ContactRecord(line=1, emails=[("someone@example.org", None)])
    assert nakamura == ContactRecord(
        line=5,
        full_name="Ms. Yuki Nakamura",  # built from N
        prefix="Ms.",
        first="Yuki",
        last="Nakamura",
        phones=[("+81 3 0000 0000", None)],
    )
    assert paul == ContactRecord(
        line=10,
        full_name="Paul Impossible",
        first="Paul",
        last="Impossible",
        emails=[("paul@example.com", None)],
        birthday=None,
        birthday_raw="1985-02-31",
        issues=["impossible birthday '1985-02-31'"],
    )


def test_broken_file() -> None:
    assert read("broken.vcf") == [
        ContactRecord(
            line=3,
            full_name="Alice Martin",
            emails=[("alice@example.com", None)],
            issues=["line 7: not a vCard property, ignored"],
        ),
        ContactRecord(
            line=10,
            full_name="Bob Missing-End",
            phones=[("+1 555 0101", None)],
            issues=["no END:VCARD before the next card at line 14"],
        ),
        ContactRecord(
            line=14,
            full_name="Carol Future",
            emails=[("carol@example.com", None)],
            issues=["unknown vCard version '5.0', read as 3.0"],
        ),
        Reject(line=19, reason="empty card: no name, email, phone, company or note"),
        ContactRecord(
            line=23,
            full_name="Dan Truncated",
            emails=[("dan@example.net", None)],
            notes="the export was cut he",
            issues=["the file ends before END:VCARD"],
        ),
    ]


def test_reject_counts_unreadable_lines() -> None:
    (item,) = parse_vcards(card("garbage", "more garbage"))
    assert item == Reject(
        line=1,
        reason="empty card: no name, email, phone, company or note; 2 unreadable line(s)",
    )


# -- reader details ----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("lines", "birthday"),
    [
        (["BDAY:1985-03-14"], "1985-03-14"),
        (["BDAY:19850314"], "1985-03-14"),
        (["BDAY:1985-03-14T00:00:00Z"], "1985-03-14"),
        (["BDAY:1985-03-14T23:30:00-05:00"], "1985-03-14"),  # the day as written, no rollover
        (["BDAY;VALUE=date:1985-03-14"], "1985-03-14"),
        (["BDAY:--0314"], "--03-14"),
        (["BDAY:--03-14"], "--03-14"),
        (["BDAY;X-APPLE-OMIT-YEAR=1604:1604-03-14"], "--03-14"),
        (["BDAY:1604-03-14"], "--03-14"),
        (["BDAY;X-APPLE-OMIT-YEAR=1900:1900-03-14"], "--03-14"),
        (["BDAY:1900-03-14"], "1900-03-14"),  # a real year when nothing says otherwise
        (["BDAY:0000-03-14"], "--03-14"),
        (["BDAY:--02-29"], "--02-29"),
        (["BDAY;X-APPLE-OMIT-YEAR=1604:1604-02-29"], "--02-29"),
        (["BDAY:2000-02-29"], "2000-02-29"),
    ],
)
def test_birthday_forms(lines: list[str], birthday: str) -> None:
    record = one("FN:A", *lines)
    assert (record.birthday, record.birthday_raw, record.issues) == (birthday, None, [])


@pytest.mark.parametrize(
    ("text", "issue"),
    [
        ("1985-02-31", "impossible birthday '1985-02-31'"),
        ("1985-13-01", "impossible birthday '1985-13-01'"),
        ("1985-02-29", "impossible birthday '1985-02-29'"),
        ("--02-30", "impossible birthday '--02-30'"),
        ("March 14", "unreadable birthday 'March 14'"),
        ("---14", "unreadable birthday '---14'"),
    ],
)
def test_unreadable_birthdays_are_kept_raw(text: str, issue: str) -> None:
    record = one("FN:A", f"BDAY:{text}")
    assert (record.birthday, record.birthday_raw, record.issues) == (None, text, [issue])


@pytest.mark.parametrize("sep", ["\r\n", "\n", "\r"])
def test_unfolding_with_space_or_tab_and_any_line_ending(sep: str) -> None:
    text = sep.join(
        ["BEGIN:VCARD", "VERSION:3.0", "FN:Jean-Ba", " ptiste Gr", "\tenier", "END:VCARD"]
    )
    (record,) = parse_vcards(text)
    assert isinstance(record, ContactRecord)
    assert record.full_name == "Jean-Baptiste Grenier"


def test_property_names_are_case_insensitive() -> None:
    record = one("fn:Ana Lima", "Email;Type=Work:ana@example.com", "tel;type=CELL:+55 11 9999")
    assert record.full_name == "Ana Lima"
    assert record.emails == [("ana@example.com", "work")]
    assert record.phones == [("+55 11 9999", "mobile")]


@pytest.mark.parametrize(
    "line",
    [
        "TEL;TYPE=cell,voice:1",
        "TEL;TYPE=cell;TYPE=voice:1",
        'TEL;TYPE="cell,voice":1',
        "TEL;CELL;VOICE:1",
        "TEL; type = CELL :1",
    ],
)
def test_parameter_styles(line: str) -> None:
    assert one("FN:A", line).phones == [("1", "mobile")]


@pytest.mark.parametrize(
    ("types", "label"),
    [
        ("work,voice", "work"),
        ("home", "home"),
        ("work,fax", "fax"),
        ("mobile", "mobile"),
        ("iphone", "mobile"),
        ("main", "main"),
        ("pager", "pager"),
        ("voice", None),
        ("x-unknown", None),
    ],
)
def test_phone_labels(types: str, label: str | None) -> None:
    assert one("FN:A", f"TEL;TYPE={types}:1").phones == [("1", label)]


def test_quoted_parameter_values_may_hold_colons_and_semicolons() -> None:
    record = one('X-CRM-FIELD;NAME="Contract: Q3; 2025, renewal":yes', "FN:A")
    assert record.custom == {"Contract: Q3; 2025, renewal": "yes"}


def test_text_escapes() -> None:
    record = one(r"FN:A", r"NOTE:a\,b\;c\nd\Ne\\f\:g")
    assert record.notes == "a,b;c\nd\ne\\f:g"


def test_structured_values_split_on_unescaped_separators_only() -> None:
    record = one(
        r"N:van der Berg\;Smit;Anna,Maria;Louise;;",
        r"ORG:Berg\; Smit BV;R&D\, Labs;EMEA",
        r"CATEGORIES:a\,b,c\;d, ,e",
    )
    assert (record.last, record.first, record.middle) == (
        "van der Berg;Smit",
        "Anna Maria",
        "Louise",
    )
    assert record.full_name == "Anna Maria Louise van der Berg;Smit"
    assert record.company == "Berg; Smit BV"
    assert record.custom == {"department": "R&D, Labs, EMEA"}
    assert record.tags == ["a,b", "c;d", "e"]


def test_2_1_keeps_backslash_n_and_splits_categories_on_semicolons() -> None:
    record = one(r"FN:A", r"NOTE:C:\new\dir", "CATEGORIES:x;y,z", version="2.1")
    assert record.notes == r"C:\new\dir"
    assert record.tags == ["x", "y", "z"]


def test_quoted_printable_charsets() -> None:
    record = one(
        "FN;ENCODING=QUOTED-PRINTABLE;CHARSET=ISO-8859-1:Fran=E7ois",
        "NOTE;QUOTED-PRINTABLE;CHARSET=UTF-8:caf=C3=A9 =E2=82=AC",  # bare 2.1 encoding
        "TITLE;ENCODING=QUOTED-PRINTABLE;CHARSET=x-unknown:=C3=A9t=C3=A9",  # unknown: UTF-8
        "ORG;ENCODING=QUOTED-PRINTABLE;CHARSET=rot13:Caf=E9",  # no such text codec: 1252
        version="2.1",
    )
    assert (record.full_name, record.notes, record.title, record.company) == (
        "François",
        "café €",
        "été",
        "Café",
    )


def test_quoted_printable_in_a_charset_other_than_the_fallbacks() -> None:
    record = one("FN;CHARSET=Windows-1251;ENCODING=QUOTED-PRINTABLE:=C8=E2=E0=ED", version="2.1")
    assert record.full_name == "Иван"


def test_quoted_printable_soft_break_before_end_is_dropped() -> None:
    record = one("FN:A", "NOTE;ENCODING=QUOTED-PRINTABLE:caf=C3=A9=", version="2.1")
    assert record.notes == "café"


def test_unbalanced_quote_in_parameters_still_reads_the_value() -> None:
    assert one("FN:A", 'TEL;TYPE="cell:+1 555').phones == [("+1 555", "mobile")]


def test_caret_escapes_in_4_0_parameters_only() -> None:
    line = 'X-CRM-FIELD;NAME="a^nb^\'c^^":x'
    assert one("FN:A", line, version="4.0").custom == {'a\nb"c^': "x"}
    assert one("FN:A", line, version="3.0").custom == {"a^nb^'c^^": "x"}


def test_binary_values_are_skipped() -> None:
    record = one(
        "FN:A",
        "PHOTO;ENCODING=BASE64;TYPE=JPEG:",
        " /9j/4AAQSkZJRgABAQEAYABgAAD",
        "LOGO;ENCODING=b:QUJD",
        "SOUND;BASE64:QUJD",
        "KEY;ENCODING=b:QUJD",
        "",
        "EMAIL:a@example.com",
        version="2.1",
    )
    assert record == ContactRecord(
        line=1,
        full_name="A",
        emails=[("a@example.com", None)],
        not_imported=[  # named, never dropped silently
            ("PHOTO", "the image data is damaged"),  # a cut-short base64 value
            ("LOGO", "a logo image is not stored"),
            ("SOUND", "a sound clip is not stored"),
            ("KEY", "encryption keys are not stored"),
        ],
    )


def test_social_profiles_and_url_labels() -> None:
    record = one(
        "FN:A",
        "URL;TYPE=work:https://a.example",
        "X-SOCIALPROFILE;TYPE=linkedin:https://www.linkedin.com/in/a/",
        "URL:http://linkedin.com/in/a",
        "X-SOCIALPROFILE;type=twitter;x-user=a:x-apple:a",
    )
    assert record.urls == [
        ("https://a.example", "work"),
        ("https://www.linkedin.com/in/a/", "linkedin"),
    ]


def test_kind_org_takes_the_org_or_the_fn_as_company() -> None:
    assert one("KIND:org", "FN:Acme", version="4.0").company == "Acme"
    org = one("FN:Jane Doe", "N:Doe;Jane;;;", "ORG:Acme", "X-ABShowAs:COMPANY")
    assert (org.kind, org.company, org.full_name, org.first) == ("org", "Acme", "Jane Doe", "Jane")


def test_x_crm_properties_without_our_other_lines() -> None:
    record = one(
        "FN:A",
        "UID:foreign-uid",
        "X-CRM-ID;SYSTEM=vcard:stored-uid",
        "X-CRM-ID;SYSTEM=hubspot:42",
        "X-CRM-STATUS:customer",
        "X-CRM-DO-NOT-CONTACT:true",
        "X-CRM-UNKNOWN:ignored",
    )
    assert record.external_ids == {"vcard": "stored-uid", "hubspot": "42"}
    assert record.status == "customer"
    assert record.custom == {}
    assert record.do_not_contact is True


# -- writer ------------------------------------------------------------------------------


def view(**overrides: Any) -> dict[str, Any]:
    """A contact in `contacts.public_view` shape; tests override what they probe."""
    base: dict[str, Any] = {
        "id": 7,
        "name": "Hélène Dupré",
        "prefix": None,
        "first_name": "Hélène",
        "middle_name": None,
        "last_name": "Dupré",
        "suffix": None,
        "company": "Dupré Conseil",
        "company_id": 3,
        "title": "CEO",
        "emails": [{"email": "helene@dupre.example", "label": "work", "primary": True}],
        "phones": [
            {
                "number": "06 12 34 56 78",
                "e164": "+33612345678",
                "extension": None,
                "label": "mobile",
            }
        ],
        "urls": [],
        "tags": ["VIP"],
        "lead_source": "referral",
        "status": "customer",
        "do_not_contact": False,
        "birthday": "1985-03-14",
        "notes": "Likes coffee",
        "cadence_days": 30,
        "last_touch_at": None,
        "addresses": None,
        "external_ids": None,
        "custom_fields": None,
        "owner": "me",
        "created_at": "2024-01-02T03:04:05.000000Z",
        "updated_at": "2026-11-20T08:30:15.123456Z",
        "archived_at": None,
    }
    base.update(overrides)
    return base


def write(*contacts: dict[str, Any], uid_domain: str = "crmcli") -> str:
    out = io.StringIO(newline="")
    assert write_vcards(contacts, out, uid_domain=uid_domain) == len(contacts)
    return out.getvalue()


def test_writes_exactly_this() -> None:
    assert write(view()) == (
        "BEGIN:VCARD\r\n"
        "VERSION:3.0\r\n"
        "PRODID:-//crmcli//crm contacts//EN\r\n"
        "FN:Hélène Dupré\r\n"
        "N:Dupré;Hélène;;;\r\n"
        "EMAIL;TYPE=INTERNET,work,pref:helene@dupre.example\r\n"
        "TEL;TYPE=cell:+33612345678\r\n"
        "ORG:Dupré Conseil\r\n"
        "TITLE:CEO\r\n"
        "BDAY:1985-03-14\r\n"
        "NOTE:Likes coffee\r\n"
        "CATEGORIES:VIP\r\n"
        "UID:crm-contact-7@crmcli\r\n"
        "REV:2026-11-20T08:30:15Z\r\n"
        "X-CRM-STATUS:customer\r\n"
        "X-CRM-LEAD-SOURCE:referral\r\n"
        "X-CRM-CADENCE-DAYS:30\r\n"
        "X-CRM-OWNER:me\r\n"
        "X-CRM-CREATED:2024-01-02T03:04:05.000000Z\r\n"
        "X-CRM-DO-NOT-CONTACT:false\r\n"
        "END:VCARD\r\n"
    )


def test_uid_is_stable_and_names_its_contact() -> None:
    assert "UID:crm-contact-7@abc.crmcli\r\n" in write(view(), uid_domain="abc.crmcli")
    assert contact_uid(7, "abc.crmcli") == "crm-contact-7@abc.crmcli"
    assert contact_id_from_uid("crm-contact-7@abc.crmcli", "abc.crmcli") == 7
    assert contact_id_from_uid("crm-contact-7@other.crmcli", "abc.crmcli") is None
    assert contact_id_from_uid("5f1b2c3d-0000", "abc.crmcli") is None


def test_yearless_birthday_is_written_without_a_year() -> None:
    text = write(view(birthday="--02-29"))
    assert "BDAY:--02-29\r\n" in text
    assert [line for line in text.split("\r\n") if "BDAY" in line] == ["BDAY:--02-29"]
    (card_,) = vobject.readComponents(text)
    assert card_.bday.value == "--02-29"


def test_extension_is_written_as_text_and_raw_number_when_not_normalised() -> None:
    text = write(
        view(
            phones=[
                {
                    "number": "06 12 34 56 78 p12",
                    "e164": "+33612345678",
                    "extension": "12",
                    "label": None,
                },
                {"number": "(555) not valid", "e164": None, "extension": None, "label": "work"},
            ]
        )
    )
    assert "TEL;TYPE=voice:+33612345678 ext. 12\r\n" in text
    assert "TEL;TYPE=work,voice:(555) not valid\r\n" in text
    assert ";ext=" not in text


def test_custom_labels_go_in_item_groups() -> None:
    text = write(
        view(
            emails=[{"email": "a@b.example", "label": "Perso", "primary": False}],
            phones=[{"number": "1", "e164": None, "extension": None, "label": "Work fax"}],
        )
    )
    assert "item1.EMAIL;TYPE=INTERNET:a@b.example\r\nitem1.X-ABLabel:Perso\r\n" in text
    assert "item2.TEL;TYPE=fax:1\r\nitem2.X-ABLabel:Work fax\r\n" in text


def test_parameter_values_are_quoted_and_never_hold_double_quotes() -> None:
    text = write(
        view(
            custom_fields={"plain": "1", "a:b;c,d": "2", 'say "hi"': "3", " padded ": "4"},
            external_ids={"hubspot": "42", "odd;system": "x"},
        )
    )
    assert "X-CRM-FIELD;NAME=plain:1\r\n" in text
    assert 'X-CRM-FIELD;NAME="a:b;c,d":2\r\n' in text
    assert "X-CRM-FIELD;NAME=say 'hi':3\r\n" in text
    assert 'X-CRM-FIELD;NAME=" padded ":4\r\n' in text
    assert "X-CRM-ID;SYSTEM=hubspot:42\r\n" in text
    assert 'X-CRM-ID;SYSTEM="odd;system":x\r\n' in text


def test_text_is_escaped() -> None:
    text = write(view(notes="a,b;c\\d\r\ne\rf\x00g", tags=["x,y", "z;w"]))
    assert "NOTE:a\\,b\\;c\\\\d\\ne\\nfg\r\n" in text
    assert "CATEGORIES:x\\,y,z\\;w\r\n" in text


@pytest.mark.parametrize("pad", range(0, 8))
def test_folding_counts_octets_and_never_splits_a_character(pad: int) -> None:
    note = "x" * pad + "é👩‍💻中" * 40 + "\\,;" * 30
    text = write(view(notes=note))
    assert_physical_lines(text)
    (record,) = parse_vcards(text)
    assert isinstance(record, ContactRecord)
    assert record.notes == note


def test_streams_one_card_at_a_time() -> None:
    out = io.StringIO(newline="")

    def contacts() -> Iterator[dict[str, Any]]:
        yield view(id=1)
        assert out.getvalue().endswith("END:VCARD\r\n")  # the first card is already out
        yield view(id=2)

    assert write_vcards(contacts(), out) == 2
    assert out.getvalue().count("BEGIN:VCARD") == 2


def test_no_contacts_writes_nothing() -> None:
    out = io.StringIO(newline="")
    assert write_vcards([], out) == 0
    assert out.getvalue() == ""


def assert_physical_lines(text: str) -> None:
    """CRLF only, every physical line at most 75 octets and valid UTF-8 on its own."""
    data = text.encode("utf-8")
    assert data.endswith(b"\r\n")
    assert b"\r" not in data.replace(b"\r\n", b"") and b"\n" not in data.replace(b"\r\n", b"")
    for line in data[:-2].split(b"\r\n"):
        assert len(line) <= 75, line
        line.decode("utf-8")  # raises if a character was split


# -- round trip --------------------------------------------------------------------------

NASTY_NOTE = (
    "Call back, then send; the quote\\draft\n"
    "line two\r\nline three\rline four\n\n"
    "Dev lead 👩‍💻 wants a demo 👨‍👩‍👧‍👦 🏳️‍🌈 🇫🇷\n"
    "王小明さんに電話する。見積書を送付してください\n"
    "اتصل بالعميل بخصوص التجديد، ثم أرسل العرض\n"
    "mixed: עברית and English, 123; \\n is not a newline"
)


def rich_view() -> dict[str, Any]:
    return view(
        id=42,
        name="Dr. Hélène Marie Dupré-Martin, Jr.",
        prefix="Dr.",
        first_name="Hélène",
        middle_name="Marie",
        last_name="Dupré-Martin",
        suffix="Jr.",
        company="Dupré; Conseil, SARL",
        title="Directrice\\commerciale",
        emails=[
            {"email": "helene@dupre.example", "label": "work", "primary": True},
            {"email": "h@home.example", "label": "home", "primary": False},
            {"email": "perso@mail.example", "label": "Perso, la vraie", "primary": False},
            {"email": "old@mail.example", "label": "other", "primary": False},
            {"email": "nolabel@mail.example", "label": None, "primary": False},
        ],
        phones=[
            {
                "number": "06 12 34 56 78 p 12",
                "e164": "+33612345678",
                "extension": "12",
                "label": "mobile",
            },
            {
                "number": "01 42 68 53 00",
                "e164": "+33142685300",
                "extension": None,
                "label": "work",
            },
            {"number": "04 72 00 00 01", "e164": "+33472000001", "extension": None, "label": "fax"},
            {
                "number": "(555) pas un numéro",
                "e164": None,
                "extension": None,
                "label": "Standard; 2",
            },
            {"number": "3615", "e164": None, "extension": None, "label": None},
        ],
        urls=[
            {"url": "https://www.linkedin.com/in/hdupre", "kind": "linkedin"},
            {"url": "https://dupre.example/a,b;c", "kind": "web"},
        ],
        tags=["VIP", "Clients, 2024", "a;b", "back\\slash"],
        lead_source="Salon; Vivatech, 2024",
        status="prospect",
        do_not_contact=True,
        birthday="--02-29",
        notes=NASTY_NOTE,
        cadence_days=14,
        addresses=[
            {
                "label": "work",
                "street": "12 rue de la Paix\nBâtiment B",
                "city": "Paris",
                "region": "Île-de-France",
                "postcode": "75002",
                "country": "France",
            },
            {
                "label": "Maison de campagne",
                "street": "1 chemin; des Vignes, lieu-dit",
                "city": "Beaune",
                "postcode": "21200",
                "country": "France",
            },
        ],
        external_ids={"hubspot": "123", "linkedin": "urn:li:person:abc", "vcard": "apple-uid-1"},
        custom_fields={
            "Contract: renewal; Q3, 2025": "yes",
            'Nick "the" name': "Bob",
            "score": 42,
            "flags": ["a", "b"],
            "multi": "line one\nline two",
        },
    )


def test_round_trip_restores_every_stored_field() -> None:
    text = write(rich_view(), uid_domain="abc.crmcli")
    assert_physical_lines(text)
    (record,) = parse_vcards(text)
    assert record == ContactRecord(
        line=1,
        full_name="Dr. Hélène Marie Dupré-Martin, Jr.",
        prefix="Dr.",
        first="Hélène",
        middle="Marie",
        last="Dupré-Martin",
        suffix="Jr.",
        emails=[
            ("helene@dupre.example", "work"),
            ("h@home.example", "home"),
            ("perso@mail.example", "Perso, la vraie"),
            ("old@mail.example", "other"),
            ("nolabel@mail.example", None),
        ],
        phones=[
            ("+33612345678 ext. 12", "mobile"),
            ("+33142685300", "work"),
            ("+33472000001", "fax"),
            ("(555) pas un numéro", "Standard; 2"),
            ("3615", None),
        ],
        urls=[
            ("https://www.linkedin.com/in/hdupre", "linkedin"),
            ("https://dupre.example/a,b;c", None),
        ],
        company="Dupré; Conseil, SARL",
        title="Directrice\\commerciale",
        notes=NASTY_NOTE.replace("\r\n", "\n").replace("\r", "\n"),
        tags=["VIP", "Clients, 2024", "a;b", "back\\slash"],
        birthday="--02-29",
        addresses=[
            {
                "label": "work",
                "street": "12 rue de la Paix\nBâtiment B",
                "city": "Paris",
                "region": "Île-de-France",
                "postcode": "75002",
                "country": "France",
            },
            {
                "label": "Maison de campagne",
                "street": "1 chemin; des Vignes, lieu-dit",
                "city": "Beaune",
                "postcode": "21200",
                "country": "France",
            },
        ],
        lead_source="Salon; Vivatech, 2024",
        status="prospect",
        external_ids={
            "vcard": "apple-uid-1",  # the stored id wins over our own UID
            "hubspot": "123",
            "linkedin": "urn:li:person:abc",
        },
        custom={
            "Contract: renewal; Q3, 2025": "yes",
            "Nick 'the' name": "Bob",
            "score": "42",
            "flags": '["a", "b"]',
            "multi": "line one\nline two",
        },
        do_not_contact=True,
        cadence_days=14,
    )


def test_round_trip_without_stored_uid_gives_our_uid() -> None:
    (record,) = parse_vcards(write(view(external_ids={"hubspot": "9"}), uid_domain="d.crmcli"))
    assert isinstance(record, ContactRecord)
    assert record.external_ids == {"vcard": "crm-contact-7@d.crmcli", "hubspot": "9"}
    assert contact_id_from_uid(record.external_ids["vcard"], "d.crmcli") == 7


def view_from_record(record: ContactRecord, contact_id: int) -> dict[str, Any]:
    """What the CRM would store from a record, in `public_view` shape (numbers not normalised)."""
    return view(
        id=contact_id,
        name=record.full_name,
        prefix=record.prefix,
        first_name=record.first,
        middle_name=record.middle,
        last_name=record.last,
        suffix=record.suffix,
        company=record.company,
        title=record.title,
        emails=[
            {"email": address, "label": label, "primary": index == 0}
            for index, (address, label) in enumerate(record.emails)
        ],
        phones=[
            {"number": text, "e164": None, "extension": None, "label": label}
            for text, label in record.phones
        ],
        urls=[{"url": url, "kind": url_kind(normalise_url(url))} for url, _ in record.urls],
        tags=record.tags,
        lead_source=record.lead_source,
        status=record.status,
        birthday=record.birthday,
        notes=record.notes,
        addresses=record.addresses or None,
        external_ids=record.external_ids or None,
        custom_fields=record.custom or None,
    )


FIXTURE_PEOPLE = [
    (name, index)
    for name in (
        "apple_contacts.vcf",
        "google_contacts.vcf",
        "outlook_2_1.vcf",
        "vcard_4_0.vcf",
        "edge_cases.vcf",
    )
    for index, item in enumerate(read(name))
    if isinstance(item, ContactRecord) and item.kind == "person" and item.birthday_raw is None
]


@pytest.mark.parametrize(("name", "index"), FIXTURE_PEOPLE)
def test_fixture_records_survive_a_round_trip(name: str, index: int) -> None:
    original = read(name)[index]
    assert isinstance(original, ContactRecord)
    (back,) = parse_vcards(write(view_from_record(original, 5)))
    assert isinstance(back, ContactRecord)
    for attribute in (
        "full_name", "prefix", "first", "middle", "last", "suffix", "emails", "phones",
        "company", "title", "notes", "tags", "birthday", "addresses", "lead_source", "status",
    ):  # fmt: skip
        assert getattr(back, attribute) == getattr(original, attribute), attribute
    kinds = [url_kind(normalise_url(url)) for url, _ in original.urls]
    assert back.urls == [
        (url, None if kind == "web" else kind)
        for (url, _), kind in zip(original.urls, kinds, strict=True)
    ]
    assert back.external_ids == {"vcard": "crm-contact-5@crmcli", **original.external_ids}
    assert back.custom == original.custom
    assert (back.do_not_contact, back.cadence_days) == (False, 30)


def test_fixture_round_trip_covers_the_sources() -> None:
    assert {name for name, _ in FIXTURE_PEOPLE} == {
        "apple_contacts.vcf",
        "google_contacts.vcf",
        "outlook_2_1.vcf",
        "vcard_4_0.vcf",
        "edge_cases.vcf",
    }
    assert len(FIXTURE_PEOPLE) == 10


# -- a third-party parser ----------------------------------------------------------------


def test_vobject_reads_what_we_write() -> None:
    contact = rich_view()
    text = write(contact, view(id=43, name="Second", emails=[], phones=[], tags=[], notes=None))
    assert_physical_lines(text)
    first, second = vobject.readComponents(text)
    assert first.fn.value == "Dr. Hélène Marie Dupré-Martin, Jr."
    assert (first.n.value.family, first.n.value.given) == ("Dupré-Martin", "Hélène")
    assert [e.value for e in first.email_list] == [e["email"] for e in contact["emails"]]
    assert first.email_list[0].params["TYPE"] == ["INTERNET", "work", "pref"]
    assert [t.value for t in first.tel_list] == [
        "+33612345678 ext. 12",
        "+33142685300",
        "+33472000001",
        "(555) pas un numéro",
        "3615",
    ]
    assert first.tel_list[0].params["TYPE"] == ["cell"]
    assert first.bday.value == "--02-29"
    assert first.categories.value == ["VIP", "Clients, 2024", "a;b", "back\\slash"]
    assert first.note.value == NASTY_NOTE.replace("\r\n", "\n").replace("\r", "\n")
    assert first.uid.value == "apple-uid-1"  # the card it came from keeps its UID
    assert first.org.value == ["Dupré; Conseil, SARL"]
    fields = {f.params["NAME"][0]: f.value for f in first.contents["x-crm-field"]}
    assert fields["Contract: renewal; Q3, 2025"] == "yes"
    assert fields["Nick 'the' name"] == "Bob"
    assert second.fn.value == "Second"
    assert second.uid.value == "crm-contact-43@crmcli"


# -- properties --------------------------------------------------------------------------

FRAGMENTS = [
    "BEGIN:VCARD",
    "END:VCARD",
    "VERSION:2.1",
    "VERSION:3.0",
    "VERSION:4.0",
    "VERSION:9",
    "FN:",
    "N:",
    "N:;;;;;;;;",
    "FN;ALTID=1;LANGUAGE=",
    "N;LANGUAGE=en:",
    "EMAIL;TYPE=pref;PREF=",
    "TEL;VALUE=uri:tel:",
    'TEL;TYPE="cell',
    "item1.",
    "item1.X-ABLabel:_$!<",
    "X-ABShowAs:COMPANY",
    "KIND:",
    "ORG:",
    "ADR:;;",
    "BDAY:",
    "BDAY;X-APPLE-OMIT-YEAR=",
    "CATEGORIES:\\",
    "NOTE;ENCODING=QUOTED-PRINTABLE;CHARSET=",
    "NOTE;ENCODING=QUOTED-PRINTABLE:=C3=",
    "FN;QUOTED-PRINTABLE;CHARSET=utf-16:=FF=",
    "PHOTO;ENCODING=BASE64:",
    "TITLE;ENCODING=b;CHARSET=bogus:",
    'X-CRM-FIELD;NAME="',
    "X-CRM-ID;SYSTEM=",
    "X-SOCIALPROFILE;TYPE=",
    "UID:",
    " ",
    "\t",
    "=",
    ";",
    ":",
    "\\",
    '"',
]


def parse_all(text: str) -> list[ContactRecord | Reject]:
    try:
        items = list(parse_vcards(text))
    except Invalid:
        return []
    for item in items:  # the safety net must never be what handled a card
        assert not (isinstance(item, Reject) and item.reason.startswith("could not read"))
    return items


@settings(max_examples=300, deadline=None)
@given(st.text())
def test_any_text_reads_or_is_invalid(text: str) -> None:
    parse_all(text)


@settings(max_examples=500, deadline=None)
@given(
    st.lists(
        st.tuples(
            st.sampled_from(FRAGMENTS),
            st.text(max_size=12),
            st.sampled_from(["\r\n", "\n", "\r", "=\r\n", "\r\n "]),
        ),
        max_size=40,
    )
)
def test_vcard_like_text_reads_or_is_invalid(parts: list[tuple[str, str, str]]) -> None:
    parse_all("".join(a + b + c for a, b, c in parts))


@settings(max_examples=300, deadline=None)
@given(st.binary())
def test_any_bytes_decode_and_read_or_are_invalid(data: bytes) -> None:
    try:
        text = decode_vcard_bytes(data)
    except Invalid:
        return
    parse_all(text)
    parse_all("BEGIN:VCARD\r\n" + text)


_CONTROLS = re.compile(r"[\x00-\x08\x0b-\x1f\x7f]")


def norm(text: str) -> str:
    """What a value becomes: LF newlines, no control characters, trimmed."""
    return _CONTROLS.sub("", text.replace("\r\n", "\n").replace("\r", "\n")).strip()


def param_norm(text: str) -> str:
    """What a parameter value becomes: as `norm`, newlines as spaces, `"` as `'`, untrimmed."""
    flat = _CONTROLS.sub("", text.replace("\r\n", "\n").replace("\r", "\n"))
    return flat.replace("\n", " ").replace('"', "'")


@settings(max_examples=300, deadline=None)
@given(
    name=st.text(),
    last=st.text(max_size=20),
    note=st.text(),
    tag=st.text(min_size=1, max_size=20),
    field_name=st.text(max_size=20),
    field_value=st.text(max_size=40),
)
def test_any_text_round_trips(
    name: str, last: str, note: str, tag: str, field_name: str, field_value: str
) -> None:
    contact = view(
        name=name,
        first_name=name,
        last_name=last,
        notes=note,
        tags=[tag],
        custom_fields={field_name: field_value},
    )
    text = write(contact)
    assert_physical_lines(text)
    (record,) = parse_vcards(text)
    assert isinstance(record, ContactRecord)
    # With no FN, the name is built from N: here the last name alone.
    assert record.full_name == (norm(name) or norm(last) or None)
    assert record.first == (norm(name) or None)
    assert record.last == (norm(last) or None)
    assert record.notes == (norm(note) or None)
    expected_tags = [norm(tag)] if norm(tag) and norm(tag) != "myContacts" else []
    assert record.tags == expected_tags
    assert record.custom[param_norm(field_name)] == norm(field_value)
