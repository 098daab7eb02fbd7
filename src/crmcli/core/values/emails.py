"""Email addresses: syntax checked by email-validator, normalised for matching.

The address is stored as written (trimmed); its normalised form (Unicode NFC,
case-folded) is what lookups and duplicate detection compare, so
`Helene.Dupre@ACME.fr` and `helene.dupre@acme.fr` are one mailbox.
"""

from __future__ import annotations

import re
import unicodedata
from functools import lru_cache

from crmcli.core.errors import Invalid


def normalise(address: str) -> str:
    """The matching form of an address (no validation)."""
    return unicodedata.normalize("NFC", address.strip()).casefold()


# Plain ASCII dot-atom addresses with an alphabetic TLD: the overwhelming majority, and
# all valid for email-validator too, so they skip its (much slower) full check.
_PLAIN = re.compile(
    r"[A-Za-z0-9!#$%&'*+/=?^_`{|}~-]+(?:\.[A-Za-z0-9!#$%&'*+/=?^_`{|}~-]+)*"
    r"@(?:[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?\.)+[A-Za-z]{2,63}"
)
_SPECIAL_USE = ("arpa", "invalid", "local", "localhost", "onion", "test")


def is_valid(address: str) -> bool:
    """Syntax check only: no DNS, no network, ever."""
    if (
        len(address) <= 254
        and _PLAIN.fullmatch(address)
        and len(address.partition("@")[0]) <= 64
        and "--" not in address.partition("@")[2]  # IDNA's reserved "ab--" labels
        and address.rsplit(".", 1)[-1].lower() not in _SPECIAL_USE
    ):
        return True
    return _is_valid_unusual(address)


@lru_cache(maxsize=8192)
def _is_valid_unusual(address: str) -> bool:
    """email-validator's full check, for what the plain pattern does not cover (about 35
    us an address, so cached: a file repeats them; the plain ones are not, as caching
    every address of an import only pushed the others out)."""
    from email_validator import EmailNotValidError, validate_email  # deferred: ~25 ms

    try:
        validate_email(address, check_deliverability=False)
    except EmailNotValidError:
        return False
    return True


def check(address: str) -> str:
    """The trimmed address, or Invalid with the reason (for commands a rep types)."""
    value = address.strip()
    if not value:
        raise Invalid("email must not be empty")
    if not is_valid(value):
        raise Invalid(f"malformed email address: {value!r}")
    return value
