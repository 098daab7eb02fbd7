"""What a column's name means: crm's field names, English and French synonyms, and --map.

Contacts and deals columns both live here because finding a file's header row
(`csvfile.sniff`) weighs every name we know, whichever kind of file it turns out to be.
"""

from __future__ import annotations

import re
from collections.abc import Callable

from crmcli.core.errors import Invalid
from crmcli.core.values.text import fold

# -- fields --------------------------------------------------------------------------------

_BASE_FIELDS = (
    "full_name first middle last prefix suffix email phone url linkedin company title notes "
    "tags birthday street city region postcode country address lead_source status nickname "
    "relation date handle ignore"
).split()
_LABELLED = frozenset(
    "email phone url street city region postcode country address relation date handle".split()
)
ADDRESS_PARTS = frozenset("street city region postcode country address".split())
SCALARS = frozenset(
    "full_name first middle last prefix suffix company title notes lead_source nickname".split()
)
_COMMON_LABELS = (
    "email:work email:home email:other phone:mobile phone:work phone:home phone:fax phone:main "
    "phone:other url:work url:home url:personal street:work street:home street:other city:work "
    "city:home city:other region:work region:home region:other postcode:work postcode:home "
    "postcode:other country:work country:home country:other external_id:hubspot "
    "birthday:year birthday:month birthday:day relation:spouse relation:child relation:manager "
    "relation:assistant date:anniversary handle:aim handle:jabber handle:skype handle:msn "
    "handle:icq handle:yahoo handle:twitter"
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
birthday:year|month|day  one part of the birthday, in its own column (Thunderbird): the
                       three make the birthday; the year may be missing
street[:LABEL]         addresses[...]["street"] (several street lines joined by newlines)
city, region           addresses[...]["city"], ["region"] (state, province, département)
postcode               addresses[...]["postcode"]
country[:LABEL]        addresses[...]["country"] as written; the first one recognised also
                       sets record.country to its ISO 3166 alpha-2 code
address[:LABEL]        addresses[...]["formatted"]: a whole address in one cell
lead_source            lead_source
status                 status: lead, prospect, customer or inactive (others kept as custom)
external_id:SYSTEM     external_ids[SYSTEM], e.g. external_id:hubspot
nickname               nickname
relation[:KIND]        relations, as (name, kind): relation:spouse, relation:child (a cell
                       listing several children is one relation each), relation:manager...
date[:LABEL]           dates, as (label, date): date:anniversary (the default label)
handle[:SERVICE]       handles, as (service, handle): handle:skype, handle:jabber...
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


def fields_help() -> str:
    """The contact fields, as listed in an error about an unknown one."""
    plain = ", ".join(f for f in _BASE_FIELDS if f != "ignore")
    return (
        f"{plain}, email:LABEL, phone:LABEL, url:LABEL, relation:KIND, date:LABEL, "
        "handle:SERVICE, external_id:SYSTEM, ignore, custom"
    )


def check_deal_field(name: str) -> str | None:
    """The deal field for a name a user typed, or None when it is not one."""
    value = name.strip().lower()
    return value if value in DEAL_FIELDS else None


def deal_fields_help() -> str:
    """The deal fields, as listed in an error about an unknown one."""
    return ", ".join(sorted(DEAL_FIELDS)) + ", custom"


# -- how a file's dates read ---------------------------------------------------------------

_DATE_ORDERS = frozenset({"dmy", "mdy", "ymd"})


def check_date_order(order: str) -> None:
    """Raise Invalid unless `order` is dmy, mdy or ymd."""
    if order not in _DATE_ORDERS:
        raise Invalid(f"date order must be dmy, mdy or ymd, not {order!r}")


# -- spreadsheets: synonyms ----------------------------------------------------------------


def header_key(header: str) -> str:
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
    "nickname": "nickname|nick name|nick|known as",
    "relation:spouse": "spouse|spouse name|spouse/partner",
    "relation:child": "children",
    "relation:manager": "manager's name|manager name",
    "relation:assistant": "assistant's name|assistant name",
    "date:anniversary": "anniversary|wedding anniversary",
    "handle:skype": "skype|skype name|skype id",
    "handle:twitter": "twitter|twitter handle|twitter username",
    "handle:telegram": "telegram",
    "handle:aim": "aim|aim screen name|screen name",
    "handle:jabber": "jabber|xmpp|jabber id",
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
    "nickname": "surnom|pseudo|pseudonyme",
    "relation:spouse": "conjoint|conjointe|époux|épouse",
    "relation:child": "enfants",
    "relation:assistant": "assistant|assistante",
    "date:anniversary": "anniversaire de mariage",
}


def _synonyms() -> dict[str, str]:
    found: dict[str, str] = {}
    for table in (_EN, _FR):
        for target, names in table.items():
            for name in names.split("|"):
                found.setdefault(header_key(name), target)
    return found


_SYNONYMS = _synonyms()
_EN_KEYS = frozenset(header_key(n) for names in _EN.values() for n in names.split("|"))
_FRENCH_KEYS = (
    frozenset(header_key(n) for names in _FR.values() for n in names.split("|")) - _EN_KEYS
)
_TRAILING_NUMBER = re.compile(r"\d+$")


def _spreadsheet_field(header: str) -> str | None:
    found = header_key(header)
    return _SYNONYMS.get(found) or _SYNONYMS.get(_TRAILING_NUMBER.sub("", found))


def is_french(header: list[str], delimiter: str) -> bool:
    """Semicolons are what Excel writes where the decimal mark is a comma: day-first lands."""
    return delimiter == ";" or any(header_key(h) in _FRENCH_KEYS for h in header)


def spreadsheet_columns(header: list[str]) -> list[tuple[str, str | None]]:
    """Each column's field by its name in English or French; None keeps it as a custom field."""
    columns = [(h, _spreadsheet_field(h) if h else None) for h in header]
    fields = {f for _, f in columns}
    # "Nom" / "Name" alone is the whole name; beside a first-name column it is the surname.
    for i, (h, f) in enumerate(columns):
        if header_key(h) in ("nom", "name"):
            if f == "last" and "first" not in fields:
                columns[i] = (h, "full_name")
            elif f == "full_name" and "first" in fields and "last" not in fields:
                columns[i] = (h, "last")
    return columns


# -- deals: synonyms -----------------------------------------------------------------------

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
    "probability": "probability|probability (%)|win probability|probabilité|"
    "probabilité (%)|probabilité de gain",
    "lead_source": "lead source|deal source|source du prospect|origine",
    "next_step": "next activity|next step|next activity subject|prochaine étape|prochaine action",
}


def deal_key(header: str) -> str:
    """Pipedrive prefixes every deal column with "Deal - "; the rest is the name."""
    return header_key(fold(header).removeprefix("deal "))


_DEAL_SYNONYMS = {
    deal_key(name): target for target, names in _DEAL_NAMES.items() for name in names.split("|")
}
_DEAL_FRENCH = frozenset(
    deal_key(n)
    for target in _DEAL_NAMES.values()
    for n in target.split("|")
    if any(ch in n for ch in "éèêàçô") or n in ("montant", "devise", "affaire", "statut")
)


def is_french_deals(header: list[str], delimiter: str) -> bool:
    """A deals file written in French (semicolons or French names): its dates are day-first."""
    return delimiter == ";" or any(deal_key(h) in _DEAL_FRENCH for h in header)


def deal_columns(header: list[str]) -> list[tuple[str, str | None]]:
    """Each column's deal field; of two columns for one field, the first keeps it."""
    columns: list[tuple[str, str | None]] = []
    taken: set[str] = set()
    for h in header:
        target = _DEAL_SYNONYMS.get(deal_key(h)) if h.strip() else None
        if target in taken and target != "ignore":
            target = None  # "Deal - Title" and "Title"? the first one is the deal's
        if target is not None:
            taken.add(target)
        columns.append((h, target))
    return columns


def is_deals_header(header: list[str]) -> bool:
    """Pipedrive's "Deal - ..." columns, or a title, a value and a stage."""
    names = [h.strip().casefold() for h in header]
    if sum(1 for n in names if n.startswith("deal - ")) >= 2:
        return True
    return {"title", "value", "stage"} <= set(names)


def recognised_count(header: list[str]) -> int:
    """How many names are columns we know: breaks ties between delimiters while sniffing."""
    return sum(1 for h in header if header_key(h) in _SYNONYMS or deal_key(h) in _DEAL_SYNONYMS)


# -- --map ---------------------------------------------------------------------------------


def override(
    columns: list[tuple[str, str | None]],
    overrides: list[str],
    check: Callable[[str], str | None],
    help_text: str,
) -> list[tuple[str, str | None]]:
    """The columns with each "Header=field" applied; "custom" makes it a custom field.

    Headers match case-insensitively (every column of that name); `check` gives the
    canonical field for a name, or None when it is unknown (then Invalid lists `help_text`).
    """
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
                raise Invalid(f"unknown field {target!r} for {header!r} (fields: {help_text})")
        hits = [i for i, (h, _) in enumerate(result) if h.casefold() == header.casefold()]
        if not hits:
            names = ", ".join(repr(h) for h, _ in result if h)
            raise Invalid(f"no column {header!r} in this file (columns: {names})")
        for i in hits:
            result[i] = (result[i][0], wanted)
    return result
