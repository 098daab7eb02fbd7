"""Which tool wrote a contacts or deals CSV, and how its columns and values become records."""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from functools import lru_cache
from itertools import compress
from typing import BinaryIO

from crmcli.core import clock
from crmcli.core.errors import Invalid
from crmcli.core.interchange.csvfile import CsvLayout, rows, sniff
from crmcli.core.interchange.records import ContactRecord, DealRecord, Reject
from crmcli.core.values.dates import read_date
from crmcli.core.values.text import fold

_BASE_FIELDS = (
    "full_name first middle last prefix suffix email phone url linkedin company title notes "
    "tags birthday street city region postcode country address lead_source status ignore"
).split()
_LABELLED = frozenset("email phone url street city region postcode country address".split())
_ADDRESS_PARTS = frozenset("street city region postcode country address".split())
_SCALARS = frozenset(
    "full_name first middle last prefix suffix company title notes lead_source".split()
)
_COMMON_LABELS = (
    "email:work email:home email:other phone:mobile phone:work phone:home phone:fax phone:main "
    "phone:other url:work url:home url:personal street:work street:home street:other city:work "
    "city:home city:other region:work region:home region:other postcode:work postcode:home "
    "postcode:other country:work country:home country:other external_id:hubspot"
).split()

FIELDS: frozenset[str] = frozenset(_BASE_FIELDS + _COMMON_LABELS)
"""Every target a column can map to (besides None, which keeps it as a custom field).

=====================  ===============================================================
field                  goes to (`ContactRecord`)
=====================  ===============================================================
full_name              full_name: the name as one text ("Dr. Hélène Dupré")
first, middle, last    first, middle, last
prefix, suffix         prefix ("Dr.", "Mme"), suffix ("Jr.", "PhD")
email[:LABEL]          emails, as (address, label); "email:work" -> label "work"
phone[:LABEL]          phones, as (text, label); labels mobile, work, home, fax, main...
url[:LABEL]            urls, as (url, label)
linkedin               urls, as (url, "linkedin")
company, title         company, title (job title; Outlook's "Title" is a name prefix)
notes                  notes (several note columns are joined by a blank line)
tags                   tags (split on " ::: " for Google, ";" for Outlook, else ";" or ",")
birthday               birthday "YYYY-MM-DD" / "--MM-DD" (or birthday_raw and an issue)
street[:LABEL]         addresses[...]["street"] (several street lines joined by newlines)
city, region           addresses[...]["city"], ["region"] (state, province, département)
postcode               addresses[...]["postcode"]
country[:LABEL]        addresses[...]["country"] as written; the first one recognised also
                       sets record.country to its ISO 3166 alpha-2 code
address[:LABEL]        addresses[...]["formatted"]: a whole address in one cell
lead_source            lead_source
status                 status: lead, prospect, customer or inactive (others kept as custom)
external_id:SYSTEM     external_ids[SYSTEM], e.g. external_id:hubspot
ignore                 nothing: the column is read and dropped
=====================  ===============================================================

Labels are lower-case words. Address fields with the same label (or, for Google,
the same "Address N") make one address dict, which also gets "label" when known.
Any "email:", "phone:", "url:" or address field may take a label not listed here.
"""

DEAL_FIELDS: frozenset[str] = frozenset(
    "title contact_name contact_email company amount currency stage expected_close next_step "
    "status lost_reason ignore".split()
)
"""Targets of a deals column: the `DealRecord` attribute of the same name, or ignore."""

_FIELD_RE = re.compile(r"[a-z0-9][a-z0-9 _.-]*")
_DATE_ORDERS = frozenset({"dmy", "mdy", "ymd"})


def check_field(name: str) -> str | None:
    """The canonical field for a name a user typed, or None when it is not a field."""
    value = name.strip().lower()
    if value in FIELDS:
        return value
    base, sep, label = value.partition(":")
    label = " ".join(label.split())
    if sep and _FIELD_RE.fullmatch(label) and (base in _LABELLED or base == "external_id"):
        return f"{base}:{label}"
    return None


def _fields_help() -> str:
    plain = ", ".join(f for f in _BASE_FIELDS if f != "ignore")
    return f"{plain}, email:LABEL, phone:LABEL, url:LABEL, external_id:SYSTEM, ignore, custom"


# What a filled cell does, by column: (kind, text, number), resolved once per file.
_SCALAR, _EMAIL, _PHONE, _URL, _TAGS, _BIRTHDAY, _STATUS, _EXTERNAL, _ADDRESS, _CUSTOM = range(10)
_Op = tuple[int, str | None, int]


@dataclass
class _Plan:
    """A mapping resolved once per file into one op per column.

    A row then costs only its filled cells (found by `itertools.compress`, in C):
    an Outlook export has ~90 columns and a person fills a dozen.
    """

    columns: list[tuple[str, str | None]]
    date_order: str
    source: str
    width: int
    ops: list[_Op | None]  # None: ignored column
    names: list[str]  # header, "column N" when blank, de-duplicated for custom fields
    groups: list[tuple[str | None, int]]  # per address group: (label, label column or -1)
    multi: str  # separator of several values in one cell, "" when guessed per cell
    tag_sep: str  # "" when guessed per cell
    blanks: frozenset[str]  # values meaning "empty" in this export's dates and custom columns
    pivot: int  # two-digit years up to this are 20xx


@dataclass
class Mapping:
    """Where each column of a contacts file goes, as detected (and overridden) for one file."""

    source: str  # "google", "outlook", "linkedin", "hubspot", "spreadsheet"
    columns: list[tuple[str, str | None]]  # (header, field, or None for a custom field)
    date_order: str  # "dmy", "mdy" or "ymd" (ISO, and unambiguous others)
    _plan: _Plan | None = field(default=None, init=False, repr=False, compare=False)


# -- recognising exports -------------------------------------------------------------------

_GOOGLE_NUMBERED = re.compile(
    r"(E-mail|Phone|Address|Website|Organization|IM|Relation|Event|Custom Field|External ID)"
    r" (\d+) - (.+)"
)
_GOOGLE = {
    "name": "full_name",
    "given name": "first",
    "additional name": "middle",
    "family name": "last",
    "first name": "first",
    "middle name": "middle",
    "last name": "last",
    "name prefix": "prefix",
    "name suffix": "suffix",
    "birthday": "birthday",
    "notes": "notes",
    "labels": "tags",
    "group membership": "tags",
    "organization name": "company",
    "organization title": "title",
    "photo": "ignore",
}
_GOOGLE_PARTS = {
    ("e-mail", "value"): "email",
    ("phone", "value"): "phone",
    ("website", "value"): "url",
    ("address", "formatted"): "address",
    ("address", "street"): "street",
    ("address", "city"): "city",
    ("address", "region"): "region",
    ("address", "postal code"): "postcode",
    ("address", "country"): "country",
    ("organization", "name"): "company",
    ("organization", "title"): "title",
}
_GOOGLE_LABELLED = frozenset({"e-mail", "phone", "website", "address"})

_OUTLOOK = {
    "title": "prefix",
    "first name": "first",
    "middle name": "middle",
    "last name": "last",
    "suffix": "suffix",
    "company": "company",
    "job title": "title",
    "e-mail address": "email",
    "e-mail 2 address": "email",
    "e-mail 3 address": "email",
    "business phone": "phone:work",
    "business phone 2": "phone:work",
    "company main phone": "phone:work",
    "mobile phone": "phone:mobile",
    "home phone": "phone:home",
    "home phone 2": "phone:home",
    "other phone": "phone:other",
    "primary phone": "phone:main",
    "business fax": "phone:fax",
    "home fax": "phone:fax",
    "other fax": "phone:fax",
    "assistant's phone": "phone:assistant",
    "car phone": "phone:car",
    "pager": "phone:pager",
    "callback": "phone:callback",
    "radio phone": "phone:radio",
    "isdn": "phone:isdn",
    "telex": "phone:telex",
    "tty/tdd phone": "phone:tty",
    "birthday": "birthday",
    "notes": "notes",
    "categories": "tags",
    "web page": "url",
    "personal web page": "url:personal",
    "priority": "ignore",
    "private": "ignore",
    "sensitivity": "ignore",
}
for _where, _label in (("business", "work"), ("home", "home"), ("other", "other")):
    for _part, _field in (
        ("street", "street"),
        ("street 2", "street"),
        ("street 3", "street"),
        ("city", "city"),
        ("state", "region"),
        ("postal code", "postcode"),
        ("country/region", "country"),
        ("country", "country"),
    ):
        _OUTLOOK[f"{_where} {_part}"] = f"{_field}:{_label}"
    for _n in ("", " 2", " 3"):
        _OUTLOOK[f"e-mail{_n} type"] = "ignore"
        _OUTLOOK[f"e-mail{_n} display name"] = "ignore"

_LINKEDIN = {
    "first name": "first",
    "last name": "last",
    "url": "linkedin",
    "email address": "email",
    "company": "company",
    "position": "title",
}

_HUBSPOT = {
    "record id": "external_id:hubspot",
    "first name": "first",
    "last name": "last",
    "email": "email",
    "phone number": "phone",
    "mobile phone number": "phone:mobile",
    "fax number": "phone:fax",
    "company name": "company",
    "job title": "title",
    "lifecycle stage": "status",
    "street address": "street",
    "city": "city",
    "state/region": "region",
    "postal code": "postcode",
    "country/region": "country",
    "website url": "url",
    "linkedin url": "linkedin",
    "original source": "lead_source",
    "notes": "notes",
}
_OUTLOOK_HINTS = frozenset(
    "business phone|mobile phone|home phone|business street|job title|e-mail 2 address|"
    "categories|business country/region".split("|")
)


def _source_of(header: list[str]) -> str:
    names = {h.strip().casefold() for h in header}
    if "record id" in names and names & {"first name", "last name", "email"}:
        return "hubspot"
    if "connected on" in names and names & {"url", "first name"}:
        return "linkedin"
    numbered = sum(1 for h in header if _GOOGLE_NUMBERED.fullmatch(h.strip()))
    if "group membership" in names or numbered >= 2 or {"labels", "organization name"} <= names:
        return "google"
    if {"first name", "e-mail address"} <= names and names & _OUTLOOK_HINTS:
        return "outlook"
    return "spreadsheet"


def _is_deals_header(header: list[str]) -> bool:
    names = [h.strip().casefold() for h in header]
    if sum(1 for n in names if n.startswith("deal - ")) >= 2:
        return True
    return {"title", "value", "stage"} <= set(names)


def is_known_header(header: list[str]) -> bool:
    """True when the row is the header of an export we recognise (so it is the header row)."""
    return _source_of(header) != "spreadsheet" or _is_deals_header(header)


def recognised_count(header: list[str]) -> int:
    """How many names are columns we know: breaks ties between delimiters while sniffing."""
    return sum(1 for h in header if _key(h) in _SYNONYMS or _deal_key(h) in _DEAL_SYNONYMS)


# -- spreadsheets: synonyms ----------------------------------------------------------------


def _key(header: str) -> str:
    """Case-, accent-, space- and punctuation-free form of a column name."""
    return fold(header).replace(" ", "")


_EN = {
    "full_name": "name|full name|fullname|contact name|display name|person|contact|person - name",
    "first": "first name|firstname|first|given name|forename",
    "middle": "middle name|middle|middle names",
    "last": "last name|lastname|last|surname|family name",
    "prefix": "prefix|salutation|honorific|name prefix",
    "suffix": "suffix|name suffix",
    "email": "email|e-mail|mail|email address|e-mail address|emails|email 1|person - email",
    "email:work": "work email|business email|office email",
    "email:home": "personal email|home email|private email",
    "phone": "phone|telephone|tel|phone number|telephone number|phones|number|phone 1|"
    "person - phone",
    "phone:mobile": "mobile|mobile phone|cell|cell phone|cellphone|mobile number",
    "phone:work": "work phone|office phone|business phone|direct line",
    "phone:home": "home phone",
    "phone:fax": "fax|fax number",
    "company": "company|organisation|organization|company name|employer|account|account name|"
    "person - organization|organization - name",
    "title": "title|job title|position|role|job",
    "notes": "notes|note|comments|comment|description|remarks",
    "tags": "tags|tag|labels|label|categories|category|groups",
    "birthday": "birthday|date of birth|dob|birth date|birthdate|born",
    "url": "website|web site|url|web|homepage|home page|site|web page",
    "linkedin": "linkedin|linkedin url|linkedin profile|linkedin profile url",
    "address": "address|full address|postal address|mailing address",
    "street": "street|street address|address line 1|address line 2|address 1|address 2",
    "city": "city|town",
    "region": "region|state|province|county|state/province|state/region",
    "postcode": "postcode|postal code|zip|zip code|post code|zipcode",
    "country": "country|country/region|nation|country code",
    "lead_source": "source|lead source|origin|referral source",
    "status": "status|contact status|lifecycle stage",
}
_FR = {
    "full_name": "nom complet|nom et prénom|prénom et nom|nom prénom|prénom nom|interlocuteur",
    "first": "prénom",
    "middle": "deuxième prénom|second prénom|autres prénoms",
    "last": "nom|nom de famille|patronyme",
    "prefix": "civilité|titre de civilité",
    "email": "courriel|adresse email|adresse e-mail|adresse mail|adresse électronique|mél",
    "email:work": "email pro|email professionnel|courriel professionnel|mail pro",
    "email:home": "email perso|email personnel|courriel personnel|mail perso",
    "phone": "téléphone|tél|numéro de téléphone|numéro|téléphone 1",
    "phone:mobile": "portable|tél portable|téléphone portable|téléphone mobile|tél mobile|gsm",
    "phone:work": "tél pro|téléphone professionnel|tél bureau|téléphone bureau|ligne directe",
    "phone:home": "tél domicile|téléphone domicile|fixe|tél fixe|téléphone fixe",
    "phone:fax": "télécopie",
    "company": "société|entreprise|organisation|raison sociale|employeur|établissement",
    "title": "fonction|poste|intitulé de poste|titre du poste|métier",
    "notes": "commentaire|commentaires|remarques|remarque|observations",
    "tags": "étiquettes|étiquette|catégorie|catégories|mots clés|groupe|groupes",
    "birthday": "date de naissance|naissance|anniversaire|né le|née le",
    "url": "site web|site internet",
    "linkedin": "profil linkedin",
    "address": "adresse|adresse postale|adresse complète",
    "street": "rue|voie|adresse ligne 1|adresse ligne 2",
    "city": "ville|commune|localité",
    "region": "département|province",
    "postcode": "code postal|cp",
    "country": "pays",
    "lead_source": "origine|provenance|canal|source du contact",
    "status": "statut",
}
_SYNONYMS: dict[str, str] = {}
for _table in (_EN, _FR):
    for _field, _names in _table.items():
        for _name in _names.split("|"):
            _SYNONYMS.setdefault(_key(_name), _field)
_EN_KEYS = frozenset(_key(n) for names in _EN.values() for n in names.split("|"))
_FRENCH_KEYS = frozenset(_key(n) for names in _FR.values() for n in names.split("|")) - _EN_KEYS
_TRAILING_NUMBER = re.compile(r"\d+$")


def _spreadsheet_field(header: str) -> str | None:
    key = _key(header)
    found = _SYNONYMS.get(key) or _SYNONYMS.get(_TRAILING_NUMBER.sub("", key))
    return found


def _is_french(header: list[str], delimiter: str) -> bool:
    """Semicolons are what Excel writes where the decimal mark is a comma: day-first lands."""
    return delimiter == ";" or any(_key(h) in _FRENCH_KEYS for h in header)


def _spreadsheet_columns(header: list[str]) -> list[tuple[str, str | None]]:
    columns = [(h, _spreadsheet_field(h) if h else None) for h in header]
    fields = {f for _, f in columns}
    # "Nom" / "Name" alone is the whole name; beside a first-name column it is the surname.
    for i, (h, f) in enumerate(columns):
        if _key(h) in ("nom", "name"):
            if f == "last" and "first" not in fields:
                columns[i] = (h, "full_name")
            elif f == "full_name" and "first" in fields and "last" not in fields:
                columns[i] = (h, "last")
    return columns


def _table_columns(header: list[str], table: dict[str, str]) -> list[tuple[str, str | None]]:
    return [(h, table.get(h.strip().casefold())) for h in header]


def _google_columns(header: list[str]) -> list[tuple[str, str | None]]:
    columns: list[tuple[str, str | None]] = []
    for h in header:
        found: str | None = _GOOGLE.get(h.strip().casefold())
        match = _GOOGLE_NUMBERED.fullmatch(h.strip())
        if match:
            kind, part = match.group(1).casefold(), match.group(3).casefold()
            found = _GOOGLE_PARTS.get((kind, part))
            if part in ("label", "type") and kind in _GOOGLE_LABELLED:
                found = "ignore"  # its values label the matching "- Value" column
        columns.append((h, found))
    return columns


def detect(header: list[str], *, delimiter: str, date_order: str) -> Mapping:
    """The built-in mapping for this header: a known export's, or spreadsheet synonyms.

    `date_order` ("dmy" or "mdy") is how the user's dates read; it applies to plain
    spreadsheets unless the file is French (semicolons or French headers: day-first).
    Google, LinkedIn and HubSpot write ISO dates ("ymd"); Outlook always month-first.
    """
    if date_order not in _DATE_ORDERS:
        raise Invalid(f"date order must be dmy, mdy or ymd, not {date_order!r}")
    source = _source_of(header)
    if source == "google":
        return Mapping(source, _google_columns(header), "ymd")
    if source == "outlook":
        return Mapping(source, _table_columns(header, _OUTLOOK), "mdy")
    if source == "linkedin":
        return Mapping(source, _table_columns(header, _LINKEDIN), "ymd")
    if source == "hubspot":
        return Mapping(source, _table_columns(header, _HUBSPOT), "ymd")
    order = "dmy" if _is_french(header, delimiter) else date_order
    return Mapping("spreadsheet", _spreadsheet_columns(header), order)


def _override(
    columns: list[tuple[str, str | None]],
    overrides: list[str],
    check: Callable[[str], str | None],
    fields_help: str,
) -> list[tuple[str, str | None]]:
    result = list(columns)
    for item in overrides:
        header, sep, target = item.rpartition("=")  # a header may hold "=", a field never
        header, target = header.strip(), target.strip()
        if not sep or not header or not target:
            raise Invalid(f"a column mapping is HEADER=FIELD, not {item!r}")
        wanted: str | None = None
        if target.lower() != "custom":
            wanted = check(target)
            if wanted is None:
                raise Invalid(f"unknown field {target!r} for {header!r} (fields: {fields_help})")
        hits = [i for i, (h, _) in enumerate(result) if h.casefold() == header.casefold()]
        if not hits:
            names = ", ".join(repr(h) for h, _ in result if h)
            raise Invalid(f"no column {header!r} in this file (columns: {names})")
        for i in hits:
            result[i] = (result[i][0], wanted)
    return result


def apply_overrides(mapping: Mapping, overrides: list[str]) -> Mapping:
    """The mapping with each "Header=field" applied; "custom" makes it a custom field.

    Headers match case-insensitively (every column of that name); the result is a new
    Mapping, so the compiled plan of the old one is never reused by mistake.
    """
    columns = _override(mapping.columns, overrides, check_field, _fields_help())
    return Mapping(mapping.source, columns, mapping.date_order)


# -- values --------------------------------------------------------------------------------

# ISO alpha-2, alpha-3, then names in English, French and the country's own language.
_COUNTRY_TABLE = """
FR FRA France|République française
US USA United States|United States of America|USA|U.S.A.|U.S.|America|États-Unis|Etats Unis|EUA
GB GBR United Kingdom|UK|U.K.|Great Britain|Britain|England|Scotland|Wales|Northern Ireland
GB GBR Royaume-Uni|Grande-Bretagne|Angleterre|Écosse|Pays de Galles|Irlande du Nord
DE DEU Germany|Deutschland|Allemagne
ES ESP Spain|España|Espagne
IT ITA Italy|Italia|Italie
BE BEL Belgium|Belgique|België|Belgien
CH CHE Switzerland|Suisse|Schweiz|Svizzera
NL NLD Netherlands|The Netherlands|Holland|Nederland|Pays-Bas|Hollande
LU LUX Luxembourg|Luxemburg
PT PRT Portugal
IE IRL Ireland|Irlande|Éire
AT AUT Austria|Österreich|Autriche
SE SWE Sweden|Sverige|Suède
NO NOR Norway|Norge|Norvège
DK DNK Denmark|Danmark|Danemark
FI FIN Finland|Suomi|Finlande
IS ISL Iceland|Islande|Ísland
PL POL Poland|Polska|Pologne
CZ CZE Czech Republic|Czechia|Česko|République tchèque|Tchéquie
SK SVK Slovakia|Slovensko|Slovaquie
HU HUN Hungary|Magyarország|Hongrie
RO ROU Romania|România|Roumanie
BG BGR Bulgaria|Bulgarie
HR HRV Croatia|Hrvatska|Croatie
SI SVN Slovenia|Slovenija|Slovénie
GR GRC Greece|Hellas|Grèce|Ελλάδα
EE EST Estonia|Eesti|Estonie
LV LVA Latvia|Latvija|Lettonie
LT LTU Lithuania|Lietuva|Lituanie
MC MCO Monaco
MT MLT Malta|Malte
CY CYP Cyprus|Chypre
TR TUR Turkey|Türkiye|Turquie
RU RUS Russia|Russian Federation|Russie|Россия
UA UKR Ukraine|Україна
CA CAN Canada
MX MEX Mexico|México|Mexique
BR BRA Brazil|Brasil|Brésil
AR ARG Argentina|Argentine
CL CHL Chile|Chili
CO COL Colombia|Colombie
PE PER Peru|Perú|Pérou
AU AUS Australia|Australie
NZ NZL New Zealand|Nouvelle-Zélande|Aotearoa
JP JPN Japan|Japon|日本|Nippon
CN CHN China|People's Republic of China|PRC|Chine|中国
KR KOR South Korea|Korea|Republic of Korea|Corée du Sud|Corée|대한민국|한국
IN IND India|Inde|Bharat
SG SGP Singapore|Singapour
HK HKG Hong Kong|香港
TW TWN Taiwan|Taïwan|台灣
TH THA Thailand|Thaïlande
VN VNM Vietnam|Viet Nam|Việt Nam
ID IDN Indonesia|Indonésie
MY MYS Malaysia|Malaisie
PH PHL Philippines
IL ISR Israel|Israël
AE ARE United Arab Emirates|UAE|Emirates|Émirats arabes unis|EAU
SA SAU Saudi Arabia|Arabie saoudite
QA QAT Qatar
LB LBN Lebanon|Liban
EG EGY Egypt|Égypte
MA MAR Morocco|Maroc|Al Maghrib
DZ DZA Algeria|Algérie
TN TUN Tunisia|Tunisie
SN SEN Senegal|Sénégal
CI CIV Ivory Coast|Côte d'Ivoire|Cote d'Ivoire
CM CMR Cameroon|Cameroun
ZA ZAF South Africa|Afrique du Sud
NG NGA Nigeria
KE KEN Kenya
"""
_COUNTRIES: dict[str, str] = {}
for _line in _COUNTRY_TABLE.strip().splitlines():
    _alpha2, _alpha3, _names = _line.split(" ", 2)
    for _name in (_alpha2, _alpha3, *_names.split("|")):
        _COUNTRIES.setdefault(fold(_name), _alpha2)


@lru_cache(maxsize=1024)  # a file names a handful of countries over and over
def country_code(text: str) -> str | None:
    """ISO 3166 alpha-2 for a country name or code in English, French or its own language."""
    return _COUNTRIES.get(fold(text))


_STATUS_WORDS = {
    "lead": "lead",
    "subscriber": "lead",
    "piste": "lead",
    "prospect": "prospect",
    "marketingqualifiedlead": "prospect",
    "salesqualifiedlead": "prospect",
    "opportunity": "prospect",
    "mql": "prospect",
    "sql": "prospect",
    "customer": "customer",
    "evangelist": "customer",
    "client": "customer",
    "cliente": "customer",
    "inactive": "inactive",
    "inactif": "inactive",
}
_HUBSPOT_STAGES = frozenset(
    "lead subscriber marketingqualifiedlead salesqualifiedlead opportunity customer "
    "evangelist".split()
)


def _status(text: str, source: str) -> str | None:
    """crm's status for a lifecycle word, or None (the caller keeps the text as custom).

    In a HubSpot file only HubSpot's own stages count: "Other", or a stage the account
    added, means something to that team that crm's four statuses would lose.
    """
    key = _key(text)
    if source == "hubspot" and key not in _HUBSPOT_STAGES:
        return None
    return _STATUS_WORDS.get(key)


_SYSTEM_LABELS = frozenset({"mycontacts", "starred", "my contacts", "starred in android"})
_EMAIL_RE = re.compile(r"[^@\s;,<>]+@[^@\s;,<>]+")
_PHONE_RE = re.compile(r"\+?[\d\s().\-/]{6,}(?:\s*(?:ext\.?|x|#|poste)\s*\d{1,6})?", re.IGNORECASE)
_SPLIT = re.compile(r"\s*[;,]\s*")


def _label_text(text: str) -> str | None:
    """Google's "* Work" (the star marks the primary value) -> "work"."""
    value = " ".join(text.removeprefix("*").split()).casefold()
    return value or None


def _pieces(value: str, multi: str, pattern: re.Pattern[str]) -> list[str]:
    """Several addresses or numbers in one cell, split only when every piece looks like one."""
    if multi:
        return [p.strip() for p in value.split(multi) if p.strip()]
    if ";" not in value and "," not in value:
        return [value]
    parts = [p for p in _SPLIT.split(value) if p]
    if len(parts) > 1 and all(pattern.fullmatch(p) for p in parts):
        return parts
    return [value]


def _phone_text(value: str) -> str:
    """Excel's ways of keeping a leading zero: ="0612345678" and '0612345678."""
    if value.startswith('="') and value.endswith('"'):
        return value[2:-1].strip()
    return value.removeprefix("'")


def _tags(value: str, sep: str) -> list[str]:
    """Tags from one cell; Google's system groups ("* myContacts", "* starred") are not tags."""
    if sep == " ::: ":
        out = []
        for piece in value.split(sep):
            name = piece.strip()
            if name.startswith("*"):
                bare = name[1:].strip()
                if bare.casefold() in _SYSTEM_LABELS:
                    continue
                name = bare
            if name:
                out.append(name)
        return out
    if not sep:
        sep = ";" if ";" in value else ","
    return [p.strip() for p in value.split(sep) if p.strip()]


# -- rows to records -----------------------------------------------------------------------

# Outlook writes its empty dates as "0/0/00" (or "1/0/00") and an unset gender as
# "Unspecified", in every row: they mean nothing, so they are neither dates nor custom values.
_OUTLOOK_BLANKS = frozenset({"0/0/00", "1/0/00", "0/0/0000", "1/0/0000", "Unspecified"})
_GOOGLE_VALUE = re.compile(r"(.+) (\d+) - (.+)")


def _compile(mapping: Mapping) -> _Plan:
    columns = mapping.columns
    source = mapping.source
    google = source == "google"
    ignored = {h.strip().casefold(): i for i, (h, f) in enumerate(columns) if f == "ignore"}

    def label_column(stem: str) -> int:
        """Google's "E-mail 1 - Label" (or "- Type") for "E-mail 1 - ...", when ignored."""
        stem = stem.casefold()
        return ignored.get(f"{stem} - label", ignored.get(f"{stem} - type", -1))

    ops: list[_Op | None] = []
    names: list[str] = []
    groups: dict[str, int] = {}
    group_labels: list[tuple[str | None, int]] = []
    used: set[str] = set()
    for i, (header, target) in enumerate(columns):
        name = header.strip() or f"column {i + 1}"
        match = _GOOGLE_VALUE.fullmatch(header.strip()) if google else None
        stem = f"{match.group(1)} {match.group(2)}" if match else ""
        if target is None:
            key, n = name, 2
            while key in used:
                key, n = f"{name} ({n})", n + 1
            used.add(key)
            names.append(key)
            ops.append((_CUSTOM, None, 0))
            continue
        names.append(name)
        base, _, label = target.partition(":")
        fixed = label or None
        at = label_column(stem) if match and fixed is None else -1
        op: _Op | None = None
        if base in _SCALARS:
            op = (_SCALAR, base, 0)
        elif base in ("email", "phone", "url"):
            op = ({"email": _EMAIL, "phone": _PHONE, "url": _URL}[base], fixed, at)
        elif base == "linkedin":
            op = (_URL, "linkedin", -1)
        elif base == "tags":
            op = (_TAGS, None, 0)
        elif base == "birthday":
            op = (_BIRTHDAY, None, 0)
        elif base == "status":
            op = (_STATUS, None, 0)
        elif base == "external_id":
            op = (_EXTERNAL, label, 0)
        elif base in _ADDRESS_PARTS:
            group = f"#{stem}" if match else label  # Google: "Address 1"; else the label
            if group not in groups:
                groups[group] = len(group_labels)
                group_labels.append((fixed, label_column(stem) if match else -1))
            op = (_ADDRESS, base, groups[group])
        ops.append(op)
    return _Plan(
        columns=columns,
        date_order=mapping.date_order,
        source=source,
        width=len(columns),
        ops=ops,
        names=names,
        groups=group_labels,
        multi=" ::: " if google else "",
        tag_sep={"google": " ::: ", "outlook": ";"}.get(source, ""),
        blanks=_OUTLOOK_BLANKS if source == "outlook" else frozenset(),
        pivot=clock.now().year % 100,
    )


def _plan_for(mapping: Mapping) -> _Plan:
    plan = mapping._plan
    if (
        plan is None
        or plan.columns is not mapping.columns
        or plan.width != len(mapping.columns)
        or plan.date_order != mapping.date_order
        or plan.source != mapping.source
    ):
        plan = mapping._plan = _compile(mapping)
    return plan


def row_record(
    item: tuple[int, list[str]], *, mapping: Mapping, ncols: int
) -> ContactRecord | Reject | None:
    """`to_record` for one (line, cells) item of `csvread.rows` (picklable as a partial)."""
    return to_record(item[0], item[1], mapping, ncols=ncols)


def to_record(
    line: int, cells: list[str], mapping: Mapping, *, ncols: int
) -> ContactRecord | Reject | None:
    """One row as a record; None for an empty row; Reject when it cannot be a person.

    Cells beyond the header are an error only when they hold something (Excel often
    leaves a trailing empty cell); missing trailing cells read as empty.
    """
    plan = _plan_for(mapping)
    values = list(map(str.strip, cells))
    if not any(values):
        return None
    if len(values) > ncols and any(values[ncols:]):
        return Reject(line, f"{len(values)} cells but the header has {ncols}", cells)
    width = plan.width
    if len(values) < width:
        values.extend([""] * (width - len(values)))
    ops, names, blanks = plan.ops, plan.names, plan.blanks
    record = ContactRecord(line=line)
    addresses: dict[int, dict[str, str]] = {}
    for i in compress(range(width), values):
        op = ops[i]
        if op is None:
            continue
        kind, text, number = op
        value = values[i]
        if kind == _SCALAR:
            attr = text or ""
            current = getattr(record, attr)
            if current is None:
                setattr(record, attr, value)
            elif attr == "notes":
                record.notes = f"{current}\n\n{value}"
            elif current != value:
                record.custom[names[i]] = value
        elif kind == _CUSTOM:
            if value not in blanks:
                record.custom[names[i]] = value
        elif kind == _PHONE:
            label = text if number < 0 else _label_text(values[number])
            for piece in _pieces(value, plan.multi, _PHONE_RE):
                record.phones.append((_phone_text(piece), label))
        elif kind == _EMAIL:
            label = text if number < 0 else _label_text(values[number])
            for piece in _pieces(value.removeprefix("mailto:"), plan.multi, _EMAIL_RE):
                record.emails.append((piece, label))
        elif kind == _URL:
            label = text if number < 0 else _label_text(values[number])
            pieces = value.split(plan.multi) if plan.multi else [value]
            record.urls.extend((p.strip(), label) for p in pieces if p.strip())
        elif kind == _ADDRESS:
            part = text or ""
            address = addresses.setdefault(number, {})
            key = "formatted" if part == "address" else part
            if key not in address:
                address[key] = value
            elif key == "street":
                address[key] = f"{address[key]}\n{value}"
            if part == "country" and record.country is None:
                record.country = country_code(value)
        elif kind == _TAGS:
            record.tags.extend(_tags(value, plan.tag_sep))
        elif kind == _BIRTHDAY:
            if value not in blanks and record.birthday is None and record.birthday_raw is None:
                found, problem = read_date(value, plan.date_order, plan.pivot)
                if found is not None:
                    record.birthday = found
                else:
                    record.birthday_raw = value
                    record.issues.append(f"{names[i]}: {value!r} {problem}")
        elif kind == _STATUS:
            status = _status(value, plan.source)
            if status is not None and record.status is None:
                record.status = status
            else:
                record.custom[names[i]] = value
        elif kind == _EXTERNAL:
            record.external_ids[text or ""] = value
    if not (
        record.full_name
        or record.first
        or record.last
        or record.emails
        or record.phones
        or record.urls
    ):
        return Reject(line, "no name, email, phone or profile URL", cells)
    for number in sorted(addresses):
        address = addresses[number]
        label, at = plan.groups[number]
        tag = label if at < 0 else _label_text(values[at])
        if tag:
            address["label"] = tag
        record.addresses.append(address)
    return record


# -- deals ---------------------------------------------------------------------------------

_DEAL_NAMES = {
    "title": "title|deal title|deal|deal name|name|opportunity|affaire|titre|nom de l'affaire|"
    "opportunité|nom",
    "amount": "value|amount|deal value|montant|valeur|montant ht|prix|price",
    "currency": "currency|devise|monnaie|value currency",
    "stage": "stage|deal stage|pipeline stage|étape|phase",
    "expected_close": "expected close date|expected close|close date|closing date|"
    "date de clôture|date de clôture prévue|clôture prévue|échéance",
    "contact_name": "contact person|person|contact|contact name|person name|person - name|"
    "interlocuteur|personne|nom du contact",
    "contact_email": "email|e-mail|person - email|contact email|courriel|mail|email du contact",
    "company": "organization|organisation|company|organization - name|société|entreprise|"
    "client|account|compte",
    "status": "status|statut|état",
    "lost_reason": "lost reason|raison de la perte|motif de perte|motif de la perte",
    "next_step": "next activity|next step|next activity subject|prochaine étape|prochaine action",
}


def _deal_key(header: str) -> str:
    """Pipedrive prefixes every deal column with "Deal - "; the rest is the name."""
    return _key(fold(header).removeprefix("deal "))


_DEAL_SYNONYMS = {
    _deal_key(name): target for target, names in _DEAL_NAMES.items() for name in names.split("|")
}
_DEAL_FRENCH = frozenset(
    _deal_key(n)
    for target in _DEAL_NAMES.values()
    for n in target.split("|")
    if any(ch in n for ch in "éèêàçô") or n in ("montant", "devise", "affaire", "statut")
)
_DEAL_STATUS = {
    "open": "open",
    "won": "won",
    "lost": "lost",
    "ouvert": "open",
    "ouverte": "open",
    "encours": "open",
    "gagne": "won",
    "gagnee": "won",
    "perdu": "lost",
    "perdue": "lost",
}


def _check_deal_field(name: str) -> str | None:
    value = name.strip().lower()
    return value if value in DEAL_FIELDS else None


def _deal_columns(header: list[str]) -> list[tuple[str, str | None]]:
    columns: list[tuple[str, str | None]] = []
    taken: set[str] = set()
    for h in header:
        target = _DEAL_SYNONYMS.get(_deal_key(h)) if h.strip() else None
        if target in taken and target != "ignore":
            target = None  # "Deal - Title" and "Title"? the first one is the deal's
        if target is not None:
            taken.add(target)
        columns.append((h, target))
    return columns


def read_deals(
    stream: BinaryIO, *, encoding: str | None, overrides: list[str], date_order: str
) -> tuple[CsvLayout, list[tuple[str, str | None]], Iterator[DealRecord | Reject]]:
    """Read a deals export (Pipedrive's is the model): its layout, mapping and records.

    Empty rows are skipped; a row without a title, or with more cells than the
    header, is a Reject. Amounts stay text, for crmcli.core.values.money.parse_amount.
    """
    if date_order not in _DATE_ORDERS:
        raise Invalid(f"date order must be dmy, mdy or ymd, not {date_order!r}")
    layout = sniff(stream, encoding=encoding)
    header = layout.header
    columns = _override(
        _deal_columns(header),
        overrides,
        _check_deal_field,
        ", ".join(sorted(DEAL_FIELDS)) + ", custom",
    )
    french = layout.delimiter == ";" or any(_deal_key(h) in _DEAL_FRENCH for h in header)
    order = "dmy" if french else date_order
    ncols = len(header)
    assigned: list[tuple[int, str]] = []
    custom: list[tuple[int, str]] = []
    for i, (h, target) in enumerate(columns):
        if target is None:
            custom.append((i, h.strip() or f"column {i + 1}"))
        elif target != "ignore":
            assigned.append((i, target))

    def records() -> Iterator[DealRecord | Reject]:
        for line, cells in rows(stream, layout):
            values = [c.strip() for c in cells]
            if not any(values):
                continue
            if len(values) > ncols and any(values[ncols:]):
                yield Reject(line, f"{len(values)} cells but the header has {ncols}", cells)
                continue
            if len(values) < ncols:
                values.extend([""] * (ncols - len(values)))
            deal = DealRecord(line=line)
            for i, target in assigned:
                value = values[i]
                if not value or getattr(deal, target) is not None:
                    continue
                if target == "expected_close":
                    found, problem = read_date(value, order, 99)
                    if found is not None and found.startswith("--"):
                        found, problem = None, "has no year"
                    if found is None:
                        deal.expected_close_raw = value
                        deal.issues.append(f"{columns[i][0].strip()}: {value!r} {problem}")
                    else:
                        deal.expected_close = found
                elif target == "status":
                    status = _DEAL_STATUS.get(_key(value))
                    if status is None:
                        deal.custom[columns[i][0].strip() or f"column {i + 1}"] = value
                    else:
                        deal.status = status
                else:
                    setattr(deal, target, value)
            for i, key in custom:
                if values[i]:
                    deal.custom[key] = values[i]
            if deal.title is None:
                yield Reject(line, "no title", cells)
                continue
            yield deal

    return layout, columns, records()
