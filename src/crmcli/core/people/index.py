"""The people search index: the `search_term` rows `crm find` and the import matcher read.

Every write that changes what a contact is found by (name, addresses, numbers,
tags, external ids) calls `reindex` inside its transaction; a bulk import and
the demo compute `search_terms` themselves and insert the rows in bulk. It
lives in people, below search, so that `crm find` reads what people writes and
nothing points back up: undo, merging, importing and the demo call it from
above.
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from functools import lru_cache

from crmcli.core.db.store import Tx
from crmcli.core.values import emails as email_mod
from crmcli.core.values import phones as phone_mod
from crmcli.core.values.text import fold, fold_once


def search_terms(
    display_name: str,
    emails: Iterable[str],
    phones: Iterable[tuple[str, str | None]],
    tags: Iterable[str],
    external_ids: dict[str, str] | None = None,
    nickname: str | None = None,
    *,
    normalised: bool = False,
) -> list[tuple[str, str]]:
    """(term, field) pairs under which `crm find` (and the import matcher) find this contact.

    Only what no other index answers: a big import writes every one of these rows
    (about 4 us each, most of its database time). So each term is indexed once, under
    the most telling field (name first); whole addresses, E.164 numbers, company
    names and one-word tags are not terms, `crm find` reads them from their own
    tables' indexes (contact_email.email_norm, contact_phone.e164, company.name_key,
    contact_tag.tag_key); and the digits-only words of an address ("499" in
    jean.dupont.499@...) are left out, as nobody looks a person up by them.
    `normalised`: the emails are given in their matching form already (an import has
    it at hand), so they are not normalised again.
    """
    # The first field a term is met under is kept; names come first. "Ali" finds Alice
    # Example by her nickname (schema v6).
    terms = dict.fromkeys(_name_words(display_name, nickname or ""), "name")
    add = terms.setdefault
    for raw, e164 in phones:
        # The digits as written, where the E.164 number does not hold them: `crm find`
        # matches a typed number against both, and a fragment (leading zeros dropped)
        # inside either.
        written = phone_mod.digits(raw)
        if written and not (e164 and written.lstrip("0") in e164):
            add(written, "phone")
    for tag in tags:
        words = fold(tag).split()
        if len(words) > 1:  # a one-word tag is found by contact_tag.tag_key's index
            for word in words:
                add(word, "tag")
    for address in emails:
        norm = address if normalised else email_mod.normalise(address)
        local, _, domain = norm.partition("@")
        for word in fold_once(local).split():
            if not word.isdigit():
                add(word, "email")
        if domain:
            add(domain, "email")
    if external_ids:
        from crmcli.core.people.matching import external_term

        for system, ext_id in external_ids.items():
            add(external_term(system, str(ext_id)), "external")
    return list(terms.items())


@lru_cache(maxsize=4096)
def _name_words(display_name: str, nickname: str) -> tuple[str, ...]:
    """The folded words of a name and nickname, each once, in order: names repeat across
    a big import (its namesakes), so they are split once."""
    return tuple(dict.fromkeys([*fold(display_name).split(), *fold(nickname).split()]))


def reindex(tx: Tx, contact_id: int) -> None:
    """Rebuild one contact's rows in the search index from what is stored."""
    store = tx.store
    row = store.row(
        "SELECT display_name, external_ids, nickname FROM contact WHERE id = ?", (contact_id,)
    )
    tx.execute("DELETE FROM search_term WHERE contact_id = ?", (contact_id,))
    if row is None:
        return
    mails = [
        r[0]
        for r in store.tuples("SELECT email FROM contact_email WHERE contact_id = ?", (contact_id,))
    ]
    nums = [
        (r[0], r[1])
        for r in store.tuples(
            "SELECT raw, e164 FROM contact_phone WHERE contact_id = ?", (contact_id,)
        )
    ]
    labels = [
        r[0]
        for r in store.tuples("SELECT tag FROM contact_tag WHERE contact_id = ?", (contact_id,))
    ]
    external = json.loads(row["external_ids"]) if row["external_ids"] else None
    terms = search_terms(
        row["display_name"], mails, nums, labels, external, nickname=row["nickname"]
    )
    tx.executemany(
        "INSERT INTO search_term (term, contact_id, field) VALUES (?, ?, ?)",
        [(term, contact_id, fld) for term, fld in sorted(terms)],
    )
