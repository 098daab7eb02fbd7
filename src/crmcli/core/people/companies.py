"""Companies: one record per organisation, found by name or domain.

Two names are the same company when they fold alike (case, accents, spacing and
punctuation ignored): "ACME  sas" is "Acme SAS". A name that only comes close ("Acme"
beside "Acme SAS", a typo such as "Acmee") is a different company the rep may have
meant: `close_to` finds those, through the `name_key` index, so a front end can say
so without ever refusing what was typed.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from typing import Any

from crmcli.core.db.store import Store, Tx
from crmcli.core.errors import Ambiguous, Invalid, NotFound
from crmcli.core.values import emails as email_mod
from crmcli.core.values.phones import parse_phone
from crmcli.core.values.text import clean, collapse, company_words, fold

_DOMAIN = re.compile(r"^(?:[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?\.)+[a-z]{2,63}$")


def company_key(name: str) -> str:
    """Folded company name without legal suffixes, so "ACME SAS" matches "Acme"."""
    return " ".join(company_words(name))


def check_domain(domain: str) -> str:
    value = domain.strip().lower()
    value = re.sub(r"^https?://", "", value).split("/")[0].removeprefix("www.")
    if not _DOMAIN.match(value):
        raise Invalid(f"malformed domain: {domain!r} (e.g. acme.com)")
    return value


def _check_name(name: str) -> str:
    value = collapse(name)
    if not value:
        raise Invalid("company name must not be empty")
    if not company_key(value):
        raise Invalid(f"company name needs a letter or digit: {name!r}")
    return value


def find_by_name(store: Store, name: str) -> dict[str, Any] | None:
    """The company with exactly this name (folded), the live one first; None if none.

    Read through the `name_key` index (the name without legal forms), then narrowed to
    the exact name: "Acme" is not "Acme SAS", though both have the key "acme".
    """
    exact = fold(name)
    for row in store.rows(
        "SELECT * FROM company WHERE name_key = ? ORDER BY archived_at IS NOT NULL, id",
        (company_key(name),),
    ):
        if fold(row["name"]) == exact:
            return row
    return None


@dataclass(frozen=True)
class CloseCompany:
    """An existing company whose name comes close to one typed (not the same name)."""

    id: int
    name: str


# How much of a key's start a close name must share, and how many names on each side of
# it are compared at most: two bounded range scans of the `name_key` index, around where
# the name would sort, whatever the number of companies.
_SHARED_START = 2
_EACH_SIDE = 1000
_CLOSE_RATIO = 85  # rapidfuzz ratio of the keys: "acmee" / "acme" is 89, "acme" / "acne" 75


def close_to(store: Store, name: str, *, exclude: int | None = None) -> list[CloseCompany]:
    """Live companies whose name comes close to `name` but is not it, closest first.

    Close: the same name once legal forms are ignored ("Acme" and "Acme SAS"), or a
    small typo ("Acmee"). The same name folded is not close, it is the company itself.
    """
    key = company_key(name)
    if not key:
        return []
    start, end = key[:_SHARED_START], key[:_SHARED_START] + "\U0010ffff"
    live = "archived_at IS NULL"
    rows = store.tuples(
        f"SELECT id, name, name_key FROM company WHERE name_key >= ? AND name_key < ? AND {live} "
        "ORDER BY name_key LIMIT ?",
        (key, end, _EACH_SIDE),
    ) + store.tuples(
        f"SELECT id, name, name_key FROM company WHERE name_key >= ? AND name_key < ? AND {live} "
        "ORDER BY name_key DESC LIMIT ?",
        (start, key, _EACH_SIDE),
    )
    if not rows:
        return []
    from rapidfuzz.fuzz import ratio  # deferred: only a name with neighbours pays for it

    exact = fold(name)
    found: list[tuple[float, int, str]] = []
    for company_id, other, other_key in rows:
        if company_id == exclude:
            continue
        if other_key == key:
            if fold(other) != exact:  # the same name folded is the company itself
                found.append((101.0, int(company_id), other))
            continue
        score = ratio(key, other_key)
        if score >= _CLOSE_RATIO:
            found.append((score, int(company_id), other))
    found.sort(key=lambda f: (-f[0], f[1]))
    return [CloseCompany(company_id, other) for _, company_id, other in found]


def ensure(tx: Tx, name: str) -> tuple[int, bool]:
    """The id of the company with exactly this name, creating it if needed; (id, created).

    Only the same name (folded) is the same company; a new one whose name comes close
    to another is still created as typed (see `close_to` for the warning).
    """
    value = _check_name(name)
    existing = find_by_name(tx.store, value)
    if existing:
        return int(existing["id"]), False
    return tx.insert("company", {"name": value, "name_key": company_key(value)}), True


# Columns holding JSON (addresses, ids, custom fields): decoded when a company is read.
JSON_COLUMNS = ("addresses", "external_ids", "custom_fields")


def check_website(url: str) -> str:
    """The web page as typed (trimmed), once its host reads as a domain."""
    value = url.strip()
    try:
        check_domain(value)
    except Invalid:
        raise Invalid(f"malformed website: {url!r} (e.g. https://acme.com)") from None
    return value


def _phone(store: Store, text: str) -> str:
    """A company's number in its international form when it reads as one, else as typed."""
    value = " ".join(text.split())
    if not value:
        raise Invalid("phone must not be empty")
    phone = parse_phone(value, str(store.config.get("default_region")))
    return (phone.formatted or phone.raw) if phone.e164 else phone.raw


def _contact_values(store: Store, fields: dict[str, str | None]) -> dict[str, Any]:
    """Checked website, phone, email and domain columns from what was typed.

    An empty value clears the column; without a domain given, the website's becomes the
    company's domain (`crm company show acme.com` finds it) when it has none yet.
    """
    values: dict[str, Any] = {}
    if fields.get("website") is not None:
        values["website"] = check_website(str(fields["website"])) if fields["website"] else None
    if fields.get("phone") is not None:
        values["phone"] = _phone(store, str(fields["phone"])) if fields["phone"] else None
    if fields.get("email") is not None:
        values["email"] = email_mod.check(str(fields["email"])) if fields["email"] else None
    return values


def _with_address(current: Any, text: str) -> str | None:
    """The addresses with the first (main) one replaced by `text`, or dropped when empty.

    Typed on one line ("1 Example Plaza, New York, NY 10001"), kept as written; the
    other addresses an import brought stay as they are.
    """
    addresses = [a for a in (current or []) if isinstance(a, dict)]
    label = addresses[0].get("label") if addresses else "work"
    rest = addresses[1:]
    value = clean(text)
    first = [{"label": label or "work", "formatted": value}] if value else []
    return json.dumps(first + rest, ensure_ascii=False) if first + rest else None


def add(
    store: Store,
    name: str,
    *,
    domain: str | None = None,
    industry: str | None = None,
    notes: str | None = None,
    website: str | None = None,
    phone: str | None = None,
    email: str | None = None,
    address: str | None = None,
) -> dict[str, Any]:
    value = _check_name(name)
    dom = check_domain(domain) if domain else None
    reach = _contact_values(store, {"website": website, "phone": phone, "email": email})
    if dom is None and reach.get("website"):
        dom = check_domain(reach["website"])
    existing = find_by_name(store, value)
    if existing:
        raise Invalid(f"a company named {existing['name']!r} already exists (#{existing['id']})")
    with store.write(f"company add {value}") as tx:
        new_id = tx.insert(
            "company",
            {
                "name": value,
                "name_key": company_key(value),
                "domain": dom,
                "industry": clean(industry) or None,
                "notes": clean(notes) or None,
                **reach,
                "addresses": _with_address([], address) if address else None,
            },
        )
    return get(store, new_id)


def edit(store: Store, company_id: int, **changes: str | None) -> dict[str, Any]:
    current = get(store, company_id)
    values: dict[str, Any] = {}
    if changes.get("name") is not None:
        name = _check_name(str(changes["name"]))
        other = find_by_name(store, name)
        if other and other["id"] != company_id:
            raise Invalid(f"a company named {name!r} already exists (#{other['id']})")
        values.update(name=name, name_key=company_key(name))
    if changes.get("domain") is not None:
        values["domain"] = check_domain(str(changes["domain"])) if changes["domain"] else None
    for key in ("industry", "notes"):
        if changes.get(key) is not None:
            values[key] = clean(changes[key]) or None
    values.update(_contact_values(store, changes))
    if values.get("website") and not current["domain"] and "domain" not in values:
        values["domain"] = check_domain(values["website"])
    if changes.get("address") is not None:
        values["addresses"] = _with_address(current["addresses"], str(changes["address"]))
    if not values:
        raise Invalid("nothing to change: give at least one option (see --help)")
    # The people's search-index rows stay as they are: a company's words are not in the
    # index, `crm find` reads them from company.name_key (see `people.index`).
    with store.write(f"company edit {company_id}") as tx:
        tx.update("company", company_id, values)
    return get(store, company_id)


def get(store: Store, company_id: int) -> dict[str, Any]:
    """One company, its JSON columns decoded (addresses a list, ids and custom fields dicts)."""
    row = store.row("SELECT * FROM company WHERE id = ?", (company_id,))
    if row is None:
        raise NotFound(f"no company #{company_id}")
    for column in JSON_COLUMNS:
        if isinstance(row.get(column), str):
            row[column] = json.loads(row[column])
    return row


def people(store: Store, company_id: int) -> list[dict[str, Any]]:
    return store.rows(
        "SELECT c.id, c.display_name AS name, c.title, "
        "(SELECT email FROM contact_email e WHERE e.contact_id = c.id "
        " ORDER BY e.is_primary DESC, e.position LIMIT 1) AS email "
        "FROM contact c WHERE c.company_id = ? AND c.archived_at IS NULL "
        "ORDER BY c.name_key",
        (company_id,),
    )


def resolve(store: Store, ref: str) -> int:
    """A company REF: an id, a domain, an exact name, or a unique name prefix."""
    text = ref.strip()
    if not text:
        raise Invalid("empty company reference")
    if text.lstrip("#").isdigit():
        found = store.value("SELECT id FROM company WHERE id = ?", (int(text.lstrip("#")),))
        if found is None:
            raise NotFound(f"no company #{text.lstrip('#')}")
        return int(found)
    exact = store.tuples("SELECT id, name FROM company WHERE name_key = ?", (company_key(text),))
    if not exact and "." in text:
        exact = store.tuples(
            "SELECT id, name FROM company WHERE domain = ?", (text.lower().removeprefix("www."),)
        )
    if len(exact) > 1:  # "Acme" beside "Acme SAS": the one named exactly so, if any
        exact = [r for r in exact if fold(r[1]) == fold(text)] or exact
    if len(exact) == 1:
        return int(exact[0][0])
    key = company_key(text)
    rows = exact or store.tuples(
        "SELECT id, name FROM company WHERE name_key >= ? AND name_key < ? ORDER BY name_key "
        "LIMIT 6",
        (key, key + "\U0010ffff"),
    )
    if len(rows) == 1:
        return int(rows[0][0])
    if rows:
        candidates = [f"#{r[0]} {r[1]}" for r in rows[:5]]
        raise Ambiguous(
            f"{ref!r} matches several companies: {', '.join(candidates)}; use the id", candidates
        )
    raise NotFound(f"no company matches {ref!r}")


def list_companies(
    store: Store, *, limit: int | None = None, where: tuple[str, list[Any]] | None = None
) -> list[dict[str, Any]]:
    """Live companies by name; `where` is a compiled `--where` fragment on `co`."""
    extra = f" AND ({where[0]})" if where is not None else ""
    sql = (
        "SELECT co.id, co.name, co.domain, co.industry, "
        "(SELECT count(*) FROM contact c WHERE c.company_id = co.id AND c.archived_at IS NULL)"
        f" AS people FROM company co WHERE co.archived_at IS NULL{extra} ORDER BY co.name_key"
    )
    params: list[Any] = list(where[1]) if where is not None else []
    if limit:
        sql += " LIMIT ?"
        params.append(limit)
    return store.rows(sql, params)
