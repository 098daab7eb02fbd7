"""vCard properties beyond name, mail and phone: nothing a real address book writes is lost.

Cards as Apple Contacts, Android, Evolution, KAddressBook, BlackBerry, Outlook and
vCard 4.0 writers (Nextcloud/DAVx5) write them: every property lands in a field, a
custom field, or `not_imported` with the reason.
"""

from __future__ import annotations

import base64
import io
from pathlib import Path
from typing import Any

import pytest

from crmcli.core.interchange.records import ContactRecord, Photo
from crmcli.core.interchange.vcard.read import parse_vcards
from crmcli.core.interchange.vcard.values import decode_vcard_bytes
from crmcli.core.interchange.vcard.write import write_vcards

FIELDS = Path(__file__).resolve().parents[2] / "fixtures" / "import" / "fields"


def cards(name: str) -> list[ContactRecord]:
    found = list(parse_vcards(decode_vcard_bytes((FIELDS / name).read_bytes())))
    assert all(isinstance(card, ContactRecord) for card in found), found
    return [card for card in found if isinstance(card, ContactRecord)]


def one(*lines: str, version: str = "3.0") -> ContactRecord:
    text = "\r\n".join(["BEGIN:VCARD", f"VERSION:{version}", *lines, "END:VCARD", ""])
    (card,) = parse_vcards(text)
    assert isinstance(card, ContactRecord), card
    return card


def test_apple_contacts_groups_with_x_ablabel() -> None:
    alice, bob = cards("apple_fields.vcf")
    assert alice.nickname == "Ali"
    assert alice.relations == [("Bob Example", "spouse"), ("Carol Aide", "assistant")]
    assert alice.dates == [("anniversary", "2010-06-01"), ("first order", "2015-09-12")]
    assert alice.handles == [
        ("skype", "alice.example"),  # IMPP;X-SERVICE-TYPE=Skype:skype:...
        ("jabber", "alice@jabber.example.org"),  # xmpp: URI
        ("twitter", "alice_example"),  # X-SOCIALPROFILE;x-user=... (no page URL)
    ]
    assert alice.photo is not None and alice.photo.media_type == "image/jpeg"
    assert base64.b64decode(alice.photo.data or "").startswith(b"\xff\xd8\xff")  # a JPEG
    assert alice.custom == {"phonetic first name": "A-lis"}
    assert alice.external_ids == {"apple": "0A1B2C3D-0000-4000-8000-0000000000A1"}  # X-ABUID
    assert alice.not_imported == []
    assert bob.full_name == "Bob Example" and bob.relations == []


def test_android_x_android_custom_rows_and_a_folded_2_1_photo() -> None:
    (dan,) = cards("android_fields.vcf")
    assert dan.nickname == "Danny"
    assert dan.relations == [("Erin Sample", "spouse"), ("Fay Sample", "godmother")]
    assert dan.dates == [("anniversary", "2012-05-20")]  # contact_event type 1
    assert dan.handles == [("skype", "dan.sample"), ("aim", "dansample")]
    assert dan.custom == {"Custom 1": "Prefers mornings"}  # X-CUSTOM1
    assert dan.photo is not None and dan.photo.media_type == "image/jpeg"
    assert base64.b64decode(dan.photo.data or "").endswith(b"\xff\xd9")  # all of it


def test_evolution_properties() -> None:
    (frank,) = cards("evolution_fields.vcf")
    assert frank.nickname == "Frankie"
    assert frank.relations == [
        ("Grace Sample", "spouse"),
        ("Heidi Boss", "manager"),
        ("Ivan Helper", "assistant"),
    ]
    assert frank.dates == [("anniversary", "2005-08-14")]
    assert frank.handles == [
        ("jabber", "frank@jabber.example.org"),
        ("icq", "123456789"),
        ("gadugadu", "1234567"),
    ]
    assert ("https://frank.example.net/blog", None) in frank.urls  # X-EVOLUTION-BLOG-URL
    assert frank.custom == {"calendar URL": "https://calendar.example.net/frank.ics"}
    assert "X-EVOLUTION-FILE-AS" not in str(frank.custom)  # metadata, not data


def test_vcard_4_and_kaddressbook() -> None:
    judy, mia = cards("v4_kaddressbook_fields.vcf")
    assert judy.nickname == "Jude"
    assert judy.custom == {"nickname": "JJ", "gender": "female; she/her"}  # the second nickname
    assert judy.relations == [("Ken Example", "spouse"), ("Liam Example", "child")]
    assert judy.dates == [("anniversary", "2008-07-12")]  # ANNIVERSARY:20080712
    assert judy.handles == [("jabber", "judy@example.org"), ("sip", "judy@voip.example.org")]
    assert judy.photo is not None and judy.photo.media_type == "image/jpeg"  # data: URI
    assert base64.b64decode(judy.photo.data or "").startswith(b"\xff\xd8")
    assert mia.relations == [
        ("Nico Example", "spouse"),
        ("Olga Boss", "manager"),
        ("Pat Aide", "assistant"),
    ]
    assert mia.dates == [("anniversary", "2001-02-03")]
    assert mia.photo == Photo(uri="https://photos.example.org/mia.jpg")
    assert mia.custom == {"profession": "Engineer", "gender": "Female"}
    assert mia.not_imported == [("LOGO", "a logo image is not stored")]  # named, not dropped


def test_every_unknown_property_is_kept_as_a_custom_field() -> None:
    card = one(
        "FN:Una Known",
        "X-CUSTOM2:Second",
        "X-SOMETHING-NEW:value",
        "item1.X-FOO:labelled",
        "item1.X-ABLabel:Loyalty card",
        "TZ:Europe/Paris",
        "PRODID:-//Example//EN",
        "REV:20240101T000000Z",
    )
    assert card.custom == {
        "Custom 2": "Second",
        "something new": "value",
        "Loyalty card": "labelled",  # its X-ABLabel names it
        "time zone": "Europe/Paris",
    }


def test_im_properties_of_every_flavour() -> None:
    card = one(
        "FN:A",
        "X-AIM;TYPE=HOME:a.aim",
        "X-MSN:a@msn.example",
        "X-YAHOO:a_yahoo",
        "X-QQ:10001",
        "X-TWITTER:@a",
        "IMPP;X-SERVICE-TYPE=ICQ:aim:12345",  # Apple writes ICQ under aim:
        "IMPP:ymsgr:a_yahoo",  # the same handle again: once
        "X-MS-IMADDRESS:a@live.example",
    )
    assert card.handles == [
        ("aim", "a.aim"),
        ("msn", "a@msn.example"),
        ("yahoo", "a_yahoo"),
        ("qq", "10001"),
        ("twitter", "@a"),
        ("icq", "12345"),
        ("msn", "a@live.example"),
    ]


@pytest.mark.parametrize(
    "lines",
    [
        ("X-ANNIVERSARY:2010-06-01",),
        ("item1.X-ABDATE:2010-06-01", "item1.X-ABLabel:_$!<Anniversary>!$_"),
        ("X-EVOLUTION-ANNIVERSARY:2010-06-01",),
        ("X-KADDRESSBOOK-X-Anniversary:2010-06-01",),
        ("X-MS-ANNIVERSARY:20100601",),
    ],
)
def test_anniversaries_however_written(lines: tuple[str, ...]) -> None:
    assert one("FN:A", *lines).dates == [("anniversary", "2010-06-01")]


def test_an_unreadable_date_is_kept_as_text_with_an_issue() -> None:
    card = one("FN:A", "X-ANNIVERSARY:sometime in June")
    assert card.dates == []
    assert card.custom == {"anniversary (as written)": "sometime in June"}
    assert card.issues == ["anniversary: 'sometime in June' is not a date (kept as text)"]


def test_a_damaged_photo_is_named_never_dropped_silently() -> None:
    card = one("FN:A", "PHOTO;ENCODING=b;TYPE=JPEG:not*base64")
    assert card.photo is None
    assert card.not_imported == [("PHOTO", "the image data is damaged")]


def test_what_crm_writes_reads_back_the_same() -> None:
    contact: dict[str, Any] = {
        "id": 7,
        "name": "Alice Example",
        "first_name": "Alice",
        "last_name": "Example",
        "nickname": "Ali",
        "relations": [
            {"name": "Bob Example", "kind": "spouse"},
            {"name": "Fay Sample", "kind": "godmother"},
            {"name": "Sam, Jr.", "kind": None},
        ],
        "dates": [
            {"label": "anniversary", "date": "2010-06-01"},
            {"label": "first order", "date": "--09-12"},
            {"label": "other", "date": "2019-01-02"},
        ],
        "handles": [
            {"service": "skype", "handle": "alice.example"},
            {"service": "jabber", "handle": "alice@jabber.example.org"},
            {"service": "matrix", "handle": "@alice:example.org"},
            {"service": "telegram", "handle": "@alice"},
        ],
        "photo": {"media_type": "image/png", "data": "iVBORw0KGgo=", "uri": None},
    }
    out = io.StringIO(newline="")
    write_vcards([contact], out)
    (card,) = parse_vcards(out.getvalue())
    assert isinstance(card, ContactRecord)
    assert card.nickname == "Ali"
    assert card.relations == [
        ("Bob Example", "spouse"),
        ("Fay Sample", "godmother"),
        ("Sam, Jr.", None),
    ]
    assert card.dates == [
        ("anniversary", "2010-06-01"),
        ("first order", "--09-12"),
        ("other", "2019-01-02"),
    ]
    assert card.handles == [(h["service"], h["handle"]) for h in contact["handles"]]
    assert card.photo == Photo("image/png", "iVBORw0KGgo=")
    assert card.custom == {} and card.not_imported == []


def test_vobject_reads_what_crm_writes() -> None:
    vobject = pytest.importorskip("vobject")
    contact = {
        "id": 1,
        "name": "Alice Example",
        "nickname": "Ali",
        "relations": [{"name": "Bob Example", "kind": "spouse"}],
        "dates": [{"label": "anniversary", "date": "2010-06-01"}],
        "handles": [{"service": "skype", "handle": "alice.example"}],
        "photo": {"media_type": "image/jpeg", "data": base64.b64encode(b"\xff\xd8" * 300).decode()},
    }
    out = io.StringIO(newline="")
    write_vcards([contact], out)
    card = vobject.readOne(out.getvalue())
    assert card.nickname.value == "Ali"
    assert card.photo.value == b"\xff\xd8" * 300  # vobject decodes ENCODING=b itself
    assert card.impp.value == "skype:alice.example"
    assert card.contents["x-anniversary"][0].value == "2010-06-01"
    related = card.contents["x-abrelatednames"][0]
    assert related.value == "Bob Example" and related.group == "item1"
