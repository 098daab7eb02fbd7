"""`crm dedupe`: likely duplicate contacts and companies, found by the import's own rules.

Certain: the same email with compatible names, the same name and phone, the same
profile URL. Possible: very similar names at the same company, or two people with
exactly the same name and nothing else shared (worth a look, never merged unasked). A
phone, a mailbox or a name shared by more than two people is a switchboard, a role
address or a common name: it is reported once as a group, never as every pair. Every
check is a GROUP BY on an index or a comparison within one company, never all pairs of
contacts.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from crmcli.core.db.store import Store
from crmcli.core.people.matching import names_compatible

GROUP_AT = 3  # this many people on one phone or mailbox: a shared line, not a duplicate


@dataclass
class Finding:
    kind: str  # "certain", "possible" or "shared"
    what: str  # "contact" or "company"
    ids: list[int]
    names: list[str]
    why: str
    extra: dict[str, Any] = field(default_factory=dict)


def _names(store: Store, ids: list[int]) -> dict[int, tuple[str, str]]:
    marks = ", ".join("?" for _ in ids)
    return {
        int(r[0]): (r[1], r[2])
        for r in store.tuples(
            f"SELECT id, display_name, name_key FROM contact WHERE id IN ({marks})", ids
        )
    }


def _grouped(store: Store, sql: str) -> list[tuple[str, list[int]]]:
    groups: dict[str, list[int]] = {}
    for key, contact_id in store.tuples(sql):
        groups.setdefault(str(key), []).append(int(contact_id))
    return [(k, sorted(set(v))) for k, v in groups.items() if len(set(v)) > 1]


def find(store: Store) -> list[Finding]:
    out: list[Finding] = []
    seen: set[tuple[int, int]] = set()
    live = "c.archived_at IS NULL"

    def pair(kind: str, a: int, b: int, names: dict[int, tuple[str, str]], why: str) -> None:
        key = (min(a, b), max(a, b))
        if key not in seen:
            seen.add(key)
            out.append(
                Finding(kind, "contact", list(key), [names[key[0]][0], names[key[1]][0]], why)
            )

    checks = (
        (
            "email",
            "SELECT e.email_norm, e.contact_id FROM contact_email e JOIN contact c "
            f"ON c.id = e.contact_id WHERE {live} AND e.email_norm IN (SELECT email_norm "
            "FROM contact_email GROUP BY email_norm HAVING count(DISTINCT contact_id) > 1)",
        ),
        (
            "phone",
            "SELECT p.e164, p.contact_id FROM contact_phone p JOIN contact c "
            f"ON c.id = p.contact_id WHERE {live} AND p.e164 IN (SELECT e164 FROM "
            "contact_phone WHERE e164 IS NOT NULL GROUP BY e164 "
            "HAVING count(DISTINCT contact_id) > 1)",
        ),
        (
            "profile",
            "SELECT u.url_norm, u.contact_id FROM contact_url u JOIN contact c "
            f"ON c.id = u.contact_id WHERE {live} AND u.url_norm IN (SELECT url_norm "
            "FROM contact_url GROUP BY url_norm HAVING count(DISTINCT contact_id) > 1)",
        ),
    )
    for label, sql in checks:
        for value, ids in _grouped(store, sql):
            names = _names(store, ids)
            if len(ids) >= GROUP_AT and label != "profile":
                out.append(
                    Finding(
                        "shared",
                        "contact",
                        ids,
                        [names[i][0] for i in ids],
                        f"{len(ids)} people share the {label} {value}: a shared "
                        f"{'mailbox' if label == 'email' else 'line'}",
                        {label: value},
                    )
                )
                # Reported once as a group; pairs that are plainly one person (a
                # compatible name on the mailbox, the same name on the line) still follow.
            for i, a in enumerate(ids):
                for b in ids[i + 1 :]:
                    if label == "email" and names_compatible(names[a][1], names[b][1]):
                        pair("certain", a, b, names, f"same email {value}")
                    elif label == "phone" and names[a][1] == names[b][1]:
                        pair("certain", a, b, names, f"same name and phone {value}")
                    elif label == "profile":
                        pair("certain", a, b, names, f"same profile {value}")
    # Possible: very similar names at the same company (compared within each company only).
    from rapidfuzz import fuzz

    by_company: dict[int, list[tuple[int, str, str]]] = {}
    for contact_id, company_id, name, key in store.tuples(
        "SELECT c.id, c.company_id, c.display_name, c.name_key FROM contact c "
        f"WHERE {live} AND c.company_id IS NOT NULL ORDER BY c.company_id, c.id"
    ):
        by_company.setdefault(int(company_id), []).append((int(contact_id), name, key))
    for people in by_company.values():
        if len(people) > 2000:  # a huge employer: compare only identical names there
            people = [p for p in people if sum(q[2] == p[2] for q in people) > 1]
        for i, (a, name_a, key_a) in enumerate(people):
            for b, name_b, key_b in people[i + 1 :]:
                if (min(a, b), max(a, b)) in seen:
                    continue
                if key_a == key_b or fuzz.ratio(key_a, key_b) >= 90:
                    seen.add((min(a, b), max(a, b)))
                    out.append(
                        Finding(
                            "possible",
                            "contact",
                            [a, b],
                            [name_a, name_b],
                            "same or very similar name at the same company",
                        )
                    )
    # Possible: exactly the same name anywhere (folded: accents, case, spacing ignored),
    # nothing else shared. One GROUP BY on the name_key index. Two people: a pair to look
    # at. More: a common name, reported once as a group, never as every pair (a name
    # shared by 50 people in a large address book is 50 people, not 1,225 duplicates).
    for key, ids in _grouped(
        store,
        "SELECT c.name_key, c.id FROM contact c "
        f"WHERE {live} AND c.name_key <> '' AND c.name_key IN (SELECT name_key FROM contact "
        "GROUP BY name_key HAVING count(*) > 1)",  # the index alone; archived ones drop below
    ):
        names = _names(store, ids)
        if len(ids) >= GROUP_AT:
            out.append(
                Finding(
                    "shared",
                    "contact",
                    ids,
                    [names[i][0] for i in ids],
                    f"{len(ids)} people share the name {names[ids[0]][0]}: a common name, "
                    "or one person entered several times",
                    {"name": key},
                )
            )
        elif (ids[0], ids[1]) not in seen:
            seen.add((ids[0], ids[1]))
            out.append(Finding("possible", "contact", ids, [names[i][0] for i in ids], "same name"))
    # Companies: the same domain, or the same name once legal suffixes are ignored.
    for sql, why in (
        (
            "SELECT domain, id FROM company WHERE archived_at IS NULL AND domain IS NOT NULL",
            "same domain",
        ),
        ("SELECT name_key, id FROM company WHERE archived_at IS NULL", "same name"),
    ):
        for value, ids in _grouped(store, sql):
            rows = {
                int(r[0]): r[1]
                for r in store.tuples(
                    f"SELECT id, name FROM company WHERE id IN ({', '.join('?' for _ in ids)})", ids
                )
            }
            out.append(
                Finding(
                    "certain" if why == "same domain" else "possible",
                    "company",
                    ids,
                    [rows[i] for i in ids],
                    f"{why} {value}",
                )
            )
    order = {"certain": 0, "possible": 1, "shared": 2}
    out.sort(key=lambda f: (order[f.kind], f.what, f.ids))
    return out
