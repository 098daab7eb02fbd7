"""The vCard properties beyond name and addresses: nickname, IM, relations, dates, photo, rest.

Every property of a card lands somewhere: a first-class field, a custom field
(named after the property, or its Apple `X-ABLabel`), or `not_imported` with the
reason. Only `METADATA`, which describes the file rather than the person, is
passed over without a word. Sources covered: vCard 4.0 (`RELATED`, `ANNIVERSARY`,
`IMPP`, `GENDER`, `data:` photos), Apple (`itemN.X-ABRELATEDNAMES` / `X-ABDATE`
with `X-ABLabel`, `IMPP;X-SERVICE-TYPE`), Evolution (`X-EVOLUTION-SPOUSE`...),
KAddressBook (`X-KADDRESSBOOK-X-SpouseName`...), Android (`X-ANDROID-CUSTOM`),
BlackBerry (`X-CUSTOM1`-4), Outlook (`X-MS-*`), and the old `X-AIM`-style IM lines.
"""

from __future__ import annotations

import base64
import binascii
import re

from crmcli.core.interchange import extras
from crmcli.core.interchange.extras import add_handle, add_relation, split_impp
from crmcli.core.interchange.records import ContactRecord, Photo
from crmcli.core.interchange.vcard.lines import Property
from crmcli.core.interchange.vcard.values import free_key, read_birthday

# Describe the file, not the person: never data, never named as dropped. `LABEL` is the
# printable form of an ADR already read; `X-ABLABEL` is read with its group.
METADATA = frozenset(
    "VERSION PRODID REV X-ABLABEL LABEL SORT-STRING CLASS SOURCE NAME MAILER PROFILE "
    "X-EVOLUTION-FILE-AS X-EVOLUTION-LIST X-EVOLUTION-LIST-SHOW-ADDRESSES X-MS-OL-DESIGN "
    "X-MS-OL-DEFAULT-POSTAL-ADDRESS X-MS-CARDPICTURE X-ABSHOWAS X-ADDRESSBOOKSERVER-KIND "
    "X-ADDRESSBOOKSERVER-MEMBER MEMBER X-IMAGETYPE X-IMAGEHASH X-SHAREDPHOTODISPLAYPREF "
    "X-MOZILLA-HTML X-EVOLUTION-WANTS-HTML X-EVOLUTION-BLOG-URL-LABEL X-ABUID-PROVIDER "
    "X-LOTUS-CHARSET".split()
)
NOT_STORED = {
    "LOGO": "a logo image is not stored",
    "SOUND": "a sound clip is not stored",
    "KEY": "encryption keys are not stored",
    "AGENT": "an embedded card is not imported",
}
# Old IM properties: one per service.
IM_PROPERTIES = {
    "X-AIM": "aim",
    "X-JABBER": "jabber",
    "X-GOOGLE-TALK": "jabber",
    "X-GTALK": "jabber",
    "X-MSN": "msn",
    "X-ICQ": "icq",
    "X-YAHOO": "yahoo",
    "X-SKYPE": "skype",
    "X-SKYPE-USERNAME": "skype",
    "X-GADUGADU": "gadugadu",
    "X-GROUPWISE": "groupwise",
    "X-QQ": "qq",
    "X-TWITTER": "twitter",
    "X-TELEGRAM": "telegram",
    "X-SIP": "sip",
    "X-MATRIX": "matrix",
}
MAX_PHOTO_BYTES = 2 << 20
"""A contact's picture is stored only up to 2 MiB of image bytes. Address books keep
thumbnails (Apple and Google: under 100 KB; Android: 96-720 px), so a bigger image is a
camera original pasted by hand; it would weigh on every copy and backup of the database
and on every vCard export, so it is named in the report as not imported, never silently."""


def photo_data(value: str, media: str | None) -> Photo | str:
    """A Photo for base64 image data (no line breaks), or why it is not imported."""
    if not value:
        return "the card holds no image data"
    if len(value) // 4 * 3 > MAX_PHOTO_BYTES + 2:
        return f"the image is {len(value) // 4 * 3 / (1 << 20):.1f} MiB, over the 2 MiB kept"
    try:
        base64.b64decode(value, validate=True)
    except (binascii.Error, ValueError):
        return "the image data is damaged"
    return Photo(media_type=media, data=value)


RELATED_PROPERTIES = {
    "X-EVOLUTION-SPOUSE": "spouse",
    "X-EVOLUTION-MANAGER": "manager",
    "X-EVOLUTION-ASSISTANT": "assistant",
    "X-SPOUSE": "spouse",
    "X-MANAGER": "manager",
    "X-ASSISTANT": "assistant",
    "X-MS-SPOUSE": "spouse",
    "X-MS-MANAGER": "manager",
    "X-MS-ASSISTANT": "assistant",
    "X-MS-CHILD": "child",
    "X-KADDRESSBOOK-X-SPOUSENAME": "spouse",
    "X-KADDRESSBOOK-X-MANAGERSNAME": "manager",
    "X-KADDRESSBOOK-X-ASSISTANTSNAME": "assistant",
}
DATE_PROPERTIES = frozenset(
    {
        "ANNIVERSARY",
        "X-ANNIVERSARY",
        "X-EVOLUTION-ANNIVERSARY",
        "X-MS-ANNIVERSARY",
        "X-KADDRESSBOOK-X-ANNIVERSARY",
    }
)
GENDERS = {"m": "male", "f": "female", "o": "other", "n": "none", "u": "unknown"}
# Android's relation and event types (ContactsContract.CommonDataKinds.Relation / Event).
_ANDROID_RELATIONS = {
    "1": "assistant", "2": "sibling", "3": "child", "4": "partner", "5": "parent",
    "6": "friend", "7": "manager", "8": "parent", "9": "parent", "10": "partner",
    "11": "referred by", "12": "relative", "13": "sibling", "14": "spouse",
}  # fmt: skip
_ANDROID_EVENTS = {"1": "anniversary", "2": "other", "3": "birthday"}
_CUSTOM_N = re.compile(r"(?:X-)?CUSTOM-?(\d+)")  # BlackBerry, Android, SOGo
_VENDOR_PREFIX = re.compile(r"^(?:X-KADDRESSBOOK-X-|X-KADDRESSBOOK-|X-EVOLUTION-|X-MS-|X-)")
_NAMED = {
    "LANG": "language",
    "TZ": "time zone",
    "GEO": "geo position",
    "CALURI": "calendar URL",
    "CALADRURI": "calendar address",
    "FBURL": "free/busy URL",
    "ROLE": "role",
    "X-ASSISTANT-TEL": "assistant phone",
}
_DATA_URI = re.compile(r"data:([^;,]*)((?:;[^;,]*)*),(.*)", re.DOTALL | re.IGNORECASE)
_IMAGE_TYPES = {"jpg": "jpeg", "pjpeg": "jpeg", "tif": "tiff"}


class PersonalProperties:
    """The reading of the properties above, for `read._Card` (which supplies the helpers)."""

    record: ContactRecord
    version: str
    properties: list[Property]

    def _text(self, prop: Property) -> str:  # pragma: no cover - supplied by _Card
        raise NotImplementedError

    def _components(self, prop: Property, separator: str = ";") -> list[str]:  # pragma: no cover
        raise NotImplementedError

    def _label(self, prop: Property) -> str | None:  # pragma: no cover - supplied by _Card
        raise NotImplementedError

    def personal(self, prop: Property) -> bool:
        """Read `prop` if it is one of these; False when it is none of them."""
        name = prop.name
        record = self.record
        if name == "NICKNAME":
            for nick in self._components(prop, ","):
                if nick and record.nickname is None:
                    record.nickname = nick
                elif nick and nick != record.nickname:
                    record.custom.setdefault(free_key(record.custom, "nickname"), nick)
        elif name in IM_PROPERTIES:
            add_handle(record, self._label(prop) or IM_PROPERTIES[name], self._text(prop))
        elif name in ("IMPP", "X-MS-IMADDRESS", "X-KADDRESSBOOK-X-IMADDRESS"):
            service = prop.param("X-SERVICE-TYPE") or self._label(prop)
            found = split_impp(self._text(prop), service or ("msn" if "MS" in name else None))
            if found:
                add_handle(record, *found)
            elif self._text(prop):
                record.custom.setdefault(free_key(record.custom, "IM"), self._text(prop))
        elif name in RELATED_PROPERTIES:
            add_relation(record, self._text(prop), RELATED_PROPERTIES[name])
        elif name == "X-ABRELATEDNAMES" and self._has_related(prop.group):
            pass  # the twin of a RELATED in its group (crm's export): read from that one
        elif name in ("RELATED", "X-ABRELATEDNAMES"):
            kinds = sorted(prop.types() - {"pref"})
            kind = self._label(prop) or (kinds[0] if kinds else None)
            add_relation(record, _related_name(self._text(prop)), kind)
        elif name in DATE_PROPERTIES:
            add_date(record, "anniversary", self._text(prop))
        elif name == "X-ABDATE":
            add_date(record, self._label(prop) or "other", self._text(prop))
        elif name in ("GENDER", "X-GENDER"):
            self._gender(prop)
        elif name == "PHOTO":
            self._photo(prop)
        elif name == "X-ANDROID-CUSTOM":
            self._android(prop)
        elif name == "X-ABUID":
            uid = self._text(prop).removesuffix(":ABPerson")
            if uid:  # kept when it is not the UID again (read._finish drops it then)
                record.external_ids.setdefault("apple", uid)
        elif name in NOT_STORED:
            record.not_imported.append((name, NOT_STORED[name]))
        elif name in METADATA:
            pass
        else:
            return False
        return True

    def _has_related(self, group: str | None) -> bool:
        return group is not None and any(
            p.name == "RELATED" and p.group == group for p in self.properties
        )

    def other(self, prop: Property) -> None:
        """A property nothing reads: a custom field under its label or its own name."""
        text = self._text(prop)
        if not text:
            return
        key = self._label(prop) or custom_name(prop.name)
        custom_fields = self.record.custom
        if custom_fields.get(key) != text:
            custom_fields[free_key(custom_fields, key)] = text

    def _gender(self, prop: Property) -> None:
        parts = self._components(prop)
        sex = (parts[0] if parts else "").strip()
        words = [GENDERS.get(sex.lower(), sex)] if sex else []
        words += [part for part in parts[1:] if part]  # v4: "M;he/him", the identity as written
        if words:
            self.record.custom.setdefault("gender", "; ".join(words))

    def _photo(self, prop: Property) -> None:
        if self.record.photo is not None:
            return
        value = "".join(prop.value.split())
        encoding = (prop.param("ENCODING") or "").upper()
        kinds = prop.types() | {v.lower() for v in prop.params.get("MEDIATYPE", [])}
        subtype = next((k.split("/")[-1] for k in sorted(kinds) if k not in ("pref",)), None)
        media = f"image/{_IMAGE_TYPES.get(subtype, subtype)}" if subtype else None
        data_uri = _DATA_URI.fullmatch(value)
        if data_uri and ";base64" in data_uri.group(2).lower():
            media, value, encoding = data_uri.group(1).lower() or media, data_uri.group(3), "B"
        if encoding in ("B", "BASE64"):
            photo = photo_data(value, media)
            if isinstance(photo, str):
                self.record.not_imported.append(("PHOTO", photo))
                return
            self.record.photo = photo
        elif "://" in value:
            self.record.photo = Photo(media_type=media, uri=prop.value.strip())
        elif value:
            self.record.not_imported.append(("PHOTO", "an image in a form not read"))

    def _android(self, prop: Property) -> None:
        """`X-ANDROID-CUSTOM:vnd.android.cursor.item/relation;Name;14;Label;...` and kin."""
        parts = self._components(prop)
        kind = parts[0].rsplit("/", 1)[-1].lower() if parts else ""
        data = [*parts[1:], "", "", ""][:3]
        value, type_code, label = data
        if not value:
            return
        if kind == "nickname":
            if self.record.nickname is None:
                self.record.nickname = value
        elif kind == "relation":
            add_relation(self.record, value, label or _ANDROID_RELATIONS.get(type_code))
        elif kind == "contact_event":
            event = label or _ANDROID_EVENTS.get(type_code, "other")
            if event == "birthday" and self.record.birthday is None:
                add_date(self.record, "birthday", value)
                for date in [d for d in self.record.dates if d[0] == "birthday"]:
                    self.record.dates.remove(date)
                    self.record.birthday = date[1]
            else:
                add_date(self.record, event, value)
        else:
            self.record.custom.setdefault(free_key(self.record.custom, kind or "android"), value)


def custom_name(name: str) -> str:
    """The custom field a property nothing reads is kept under, in words.

    `X-CUSTOM1` -> "Custom 1" (BlackBerry, Android), `X-KADDRESSBOOK-X-Profession` ->
    "profession", `X-PHONETIC-FIRST-NAME` -> "phonetic first name", `TZ` -> "time zone".
    """
    custom = _CUSTOM_N.fullmatch(name)
    if custom:
        return f"Custom {custom.group(1)}"
    if name in _NAMED:
        return _NAMED[name]
    word = _VENDOR_PREFIX.sub("", name)
    return word.replace("-", " ").replace("_", " ").lower() or name


def add_date(record: ContactRecord, label: str | None, text: str) -> None:
    """A vCard date (`2010-06-01`, `20100601`, `--0601`, a time part dropped) as a dated event."""
    extras.add_date(record, label, text, read_birthday(text.strip(), None)[0])


def _related_name(text: str) -> str:
    """A v4 RELATED value as a name: a `mailto:` address, or the text as it is."""
    lowered = text.lower()
    if lowered.startswith("mailto:"):
        return text[7:]
    return text
