"""The words for a person's relations, dates and chat services, as the CRM stores them.

Address books name the same few things in different words (Apple's `_$!<Spouse>!$_`,
Outlook's "Assistant's Name", Google's "Google Talk", the `xmpp:` URI scheme); these
tables are the one place they become stored kinds, labels and services, for imports
(`interchange.extras`) and for `crm contact add/edit` alike.
"""

from __future__ import annotations

# Relation kinds: the words sources use, folded, to the stored kind.
RELATION_KINDS = {
    "spouse": "spouse",
    "wife": "spouse",
    "husband": "spouse",
    "spousename": "spouse",
    "child": "child",
    "children": "child",
    "son": "child",
    "daughter": "child",
    "assistant": "assistant",
    "assistantname": "assistant",
    "assistant's name": "assistant",
    "manager": "manager",
    "managername": "manager",
    "manager's name": "manager",
    "parent": "parent",
    "mother": "parent",
    "father": "parent",
    "friend": "friend",
    "partner": "partner",
    "domestic partner": "partner",
    "domesticpartner": "partner",
    "sibling": "sibling",
    "brother": "sibling",
    "sister": "sibling",
    "referred by": "referred by",
    "relative": "relative",
}
# IM services: vCard property names, IMPP URI schemes and CSV labels, to the stored name.
SERVICES = {
    "aim": "aim",
    "aol": "aim",
    "jabber": "jabber",
    "xmpp": "jabber",
    "google talk": "jabber",
    "gtalk": "jabber",
    "googletalk": "jabber",
    "hangouts": "jabber",
    "msn": "msn",
    "windows live": "msn",
    "icq": "icq",
    "yahoo": "yahoo",
    "ymsgr": "yahoo",
    "skype": "skype",
    "callto": "skype",
    "gadugadu": "gadugadu",
    "gadu-gadu": "gadugadu",
    "gg": "gadugadu",
    "qq": "qq",
    "twitter": "twitter",
    "telegram": "telegram",
    "tg": "telegram",
    "whatsapp": "whatsapp",
    "signal": "signal",
    "sgnl": "signal",
    "matrix": "matrix",
    "sip": "sip",
    "sips": "sip",
    "irc": "irc",
    "ircs": "irc",
    "facebook": "facebook",
    "msnim": "msn",
}
# Date labels: Apple's built-in `_$!<Anniversary>!$_` and the CSV words, to the stored label.
DATE_LABELS = {"anniversary": "anniversary", "wedding": "anniversary", "other": "other"}


def relation_kind(text: str | None) -> str | None:
    """The stored kind of a relation label; an unknown label kept as written, lower-case."""
    if not text or not text.strip():
        return None
    word = " ".join(text.split()).casefold()
    return RELATION_KINDS.get(word, word)


def service_name(text: str) -> str:
    """The stored service of an IM label or URI scheme; an unknown one lower-case as written."""
    word = " ".join(text.split()).casefold().removeprefix("x-")
    return SERVICES.get(word, word)


def date_label(text: str | None) -> str:
    """The stored label of a date; "anniversary" when the source gives none."""
    if not text or not text.strip():
        return "anniversary"
    word = " ".join(text.split()).casefold()
    return DATE_LABELS.get(word, word)
