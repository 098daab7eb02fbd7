"""The values a contact's fields take: status, name, profile URLs, tags, phone numbers.

Each check turns what a rep typed (or a file held) into the stored form, or
raises `Invalid` with a message that names the bad value. Writes, imports and
the contact filter all check through these, so a rule is written once.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from enum import StrEnum

from crmcli.core.errors import Invalid
from crmcli.core.values import phones as phone_mod
from crmcli.core.values.text import collapse, fold, name_key


class ContactStatus(StrEnum):
    """Where a person stands in the rep's lifecycle."""

    lead = "lead"
    prospect = "prospect"
    customer = "customer"
    inactive = "inactive"


def check_status(text: str) -> str:
    """A status as stored (`ContactStatus` value), case and spaces ignored."""
    try:
        return ContactStatus(text.strip().lower()).value
    except ValueError:
        allowed = ", ".join(s.value for s in ContactStatus)
        raise Invalid(f"unknown status {text!r} (one of {allowed})") from None


def check_name(text: str) -> str:
    value = collapse(text)
    if not value:
        raise Invalid("name must not be empty")
    if not name_key(value):
        raise Invalid(f"name needs at least one letter or digit: {text!r}")
    return value


def normalise_url(url: str) -> str:
    """Matching form of a profile URL: no scheme, no www, no query, no trailing slash."""
    value = url.strip().lower()
    value = re.sub(r"^[a-z]+://", "", value).removeprefix("www.")
    value = re.sub(r"^[a-z]{2,3}\.linkedin\.com", "linkedin.com", value)
    return value.split("?")[0].split("#")[0].rstrip("/")


def url_kind(url_norm: str) -> str:
    for host, kind in (
        ("linkedin.com", "linkedin"),
        ("twitter.com", "twitter"),
        ("x.com", "twitter"),
        ("github.com", "github"),
        ("facebook.com", "facebook"),
        ("instagram.com", "instagram"),
    ):
        if url_norm.startswith(host):
            return kind
    return "web"


def check_tags(tags: Iterable[str]) -> list[str]:
    out: list[str] = []
    for tag in tags:
        value = collapse(tag)
        if not value or not fold(value):
            raise Invalid(f"empty or punctuation-only tag: {tag!r}")
        out.append(value)
    return out


def parse_phones(texts: Iterable[str], region: str) -> tuple[list[phone_mod.Phone], list[str]]:
    """The numbers read for `region`, and a warning for each kept as text."""
    parsed: list[phone_mod.Phone] = []
    warnings: list[str] = []
    for text in texts:
        if not text.strip():
            raise Invalid("phone number must not be empty")
        phone = phone_mod.parse_phone(text, region)
        if not phone.keyed:
            warnings.append(
                f"phone {text.strip()!r} could not be read as a number for region {region}; "
                "kept as text"
            )
        elif not phone.valid:
            warnings.append(
                f"phone {text.strip()!r} is not a number in service ({phone.display}); "
                "kept, flagged"
            )
        parsed.append(phone)
    return parsed, warnings
