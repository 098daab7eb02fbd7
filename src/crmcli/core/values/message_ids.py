"""Message-IDs as mail headers carry them, and the conversation (thread) a message belongs to.

A reply names the messages before it: `References` lists its thread from the
first message on (RFC 5322 asks clients to keep that first one when they shorten
the list), `In-Reply-To` names its parent only. So a conversation's key is the
first Message-ID of References, else the In-Reply-To, else the message's own
Message-ID: every message of a thread agrees on it, whichever of them was seen.

Ids are compared as `<local@domain>` with any whitespace inside taken out, the
form a References list quotes them in, so `<a@x> (comment)` and `< a@x >` are the
same id. Anything in References or In-Reply-To that is not a bracketed id with an
`@` (a truncated list, a client's "your message of Monday") is passed over.
"""

from __future__ import annotations

import re

_TOKEN = re.compile(r"<([^<>]*)>")
MAX_REFERENCES = 100  # a References list longer than this is cut: no real thread needs more


def ids_in(text: str | None) -> list[str]:
    """The well-formed ids in a References or In-Reply-To value, in order, once each."""
    if not text:
        return []
    found: list[str] = []
    for match in _TOKEN.finditer(text):
        inner = "".join(match.group(1).split())
        local, at, domain = inner.rpartition("@")
        if not (local and at and domain):
            continue
        token = f"<{inner}>"
        if token not in found:
            found.append(token)
            if len(found) >= MAX_REFERENCES:
                break
    return found


def normalise(message_id: str | None) -> str | None:
    """A message's own id in the form references quote it (`<a@x>`); its text, whitespace
    folded, when it has no brackets at all; None when empty."""
    if not message_id:
        return None
    match = _TOKEN.search(message_id)
    if match is not None and match.group(1).strip():
        return f"<{''.join(match.group(1).split())}>"
    return " ".join(message_id.split()) or None


def thread_key(
    references: str | None, in_reply_to: str | None, message_id: str | None
) -> str | None:
    """The conversation's key: References' first id, else In-Reply-To's, else the
    message's own (None when it has none: a message without ids starts no thread)."""
    own = normalise(message_id)
    for text in (references, in_reply_to):
        for token in ids_in(text):
            if token != own:  # a message naming itself (a broken client) is no reply
                return token
    return own
