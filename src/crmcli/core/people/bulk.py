"""Editing many contacts at once: a diff per contact (planned, nothing written), then one write.

`matching` reads the contacts a compiled `--where` fragment selects (exactly those
`crm contact list` lists: live, the owner rule) in the shape the bulk editor compares.
`plan` turns what is asked (the same `--set` values for all, or each row of an edited
file) into one `Diff` per contact that would change, every value checked by the single
edit's own rules (`people.fields`, `values`) before anything is written. `apply` writes
them all in one transaction, one undo batch, and refuses the whole batch when a contact
changed since its diff was read (its version moved), so what the rep agreed to is what
is written.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from crmcli.core.db.store import Store
from crmcli.core.errors import Conflict, Invalid
from crmcli.core.people.fields import check_name, check_status, check_tags
from crmcli.core.values.durations import parse_cadence
from crmcli.core.values.text import clean, collapse, fold

# What `--set FIELD=VALUE` takes, and what the bulk editor's file holds (its columns
# after `id`, in this order). A name is one person's, so it is edited in the file only.
SETTABLE = ("status", "title", "company", "source", "every", "dnc")
COLUMNS = ("name", "status", "title", "company", "source", "every", "dnc", "tags")
_YES = ("yes", "y", "true", "1", "on")
_NO = ("no", "n", "false", "0", "off", "")


@dataclass(frozen=True)
class ContactState:
    """A contact as the bulk editor shows and compares it (`values`: field -> value)."""

    id: int
    version: int
    values: dict[str, Any]  # name, status, title, company, source, every (days), dnc, tags


@dataclass(frozen=True)
class Edit:
    """What is asked of a contact: fields to set (checked values), tags to add or remove,
    or (`tags`, from the file) the whole list of tags."""

    values: dict[str, Any] = field(default_factory=dict)
    add_tags: tuple[str, ...] = ()
    rm_tags: tuple[str, ...] = ()
    tags: tuple[str, ...] | None = None


@dataclass(frozen=True)
class Diff:
    """One contact's change: (field, was, becomes) as shown, the new values, the tags."""

    id: int
    name: str
    version: int
    changes: tuple[tuple[str, str, str], ...]
    values: dict[str, Any]
    added: tuple[str, ...] = ()
    removed: tuple[str, ...] = ()  # as stored

    def lines(self) -> list[str]:
        """`#12 Ann Lee` then one indented line per field: `status: lead → customer`,
        `tags: +q4 -cold`."""
        out = [f"#{self.id} {self.name}"]
        out += [f"  {name}: {old} → {new}" for name, old, new in self.changes]
        if self.added or self.removed:
            marks = [f"+{t}" for t in self.added] + [f"-{t}" for t in self.removed]
            out.append(f"  tags: {' '.join(marks)}")
        return out


@dataclass(frozen=True)
class Plan:
    """The diffs of the contacts that would change, and how many matched in all."""

    diffs: list[Diff]
    matched: int

    @property
    def unchanged(self) -> int:
        return self.matched - len(self.diffs)


@dataclass(frozen=True)
class Applied:
    """What `apply` wrote: how many contacts, and the companies it had to create."""

    contacts: int
    created_companies: list[str]


# -- values ---------------------------------------------------------------------------------


def _company(text: str) -> str | None:
    from crmcli.core.people.companies import company_key

    value = collapse(text)
    if value and not company_key(value):
        raise Invalid(f"company name needs a letter or digit: {text!r}")
    return value or None


def _dnc(text: str) -> bool:
    value = text.strip().lower()
    if value in _YES:
        return True
    if value in _NO:
        return False
    raise Invalid(f"dnc is yes or no, not {text!r}")


_CHECKS: dict[str, Callable[[str], Any]] = {
    "name": check_name,
    "status": check_status,
    "title": lambda text: clean(text) or None,
    "company": _company,
    "source": lambda text: clean(text) or None,
    "every": parse_cadence,
    "dnc": _dnc,
}


def check(name: str, text: str) -> Any:
    """`text` typed for a field, as stored (or `Invalid` naming the bad value)."""
    return _CHECKS[name](text)


def parse_sets(pairs: Sequence[str]) -> dict[str, Any]:
    """`--set FIELD=VALUE` pairs as checked values; an unknown field lists those there are."""
    out: dict[str, Any] = {}
    for pair in pairs:
        name, eq, text = pair.partition("=")
        name = name.strip().lower()
        if not eq:
            raise Invalid(f"--set takes FIELD=VALUE, not {pair!r} (fields: {', '.join(SETTABLE)})")
        if name not in SETTABLE:
            extra = (
                "; names are edited one by one (crm contact bulk-edit)" if name == "name" else ""
            )
            raise Invalid(
                f"--set {name}: not a field bulk edits set (fields: {', '.join(SETTABLE)}){extra}"
            )
        try:
            out[name] = check(name, text)
        except Invalid as exc:
            raise Invalid(f"--set {name}: {exc.message}") from None
    return out


def checked_tags(tags: Sequence[str]) -> tuple[str, ...]:
    """Tags checked (`people.fields.check_tags`), each once (case and accents ignored)."""
    seen: dict[str, str] = {}
    for tag in check_tags(tags):
        seen.setdefault(fold(tag), tag)
    return tuple(seen.values())


def shown(name: str, value: Any) -> str:
    """A value as the diff and the file show it: `""` for none, `30d`, `yes`/`no`."""
    if name == "every":
        return f"{value}d" if value else ""
    if name == "dnc":
        return "yes" if value else "no"
    if name == "tags":
        return ", ".join(value)
    return "" if value is None else str(value)


# -- reading ----------------------------------------------------------------------------------


def matching(store: Store, where: tuple[str, list[Any]] | None) -> list[ContactState]:
    """The contacts `crm contact list --where` lists (live, the owner rule), by name."""
    from crmcli.core.db import owners
    from crmcli.core.people.directory import contact_filter

    clause, params = contact_filter(owner_term=owners.clause(store, None, "c"), where=where)
    rows = store.tuples(
        "SELECT c.id, c.version, c.display_name, c.status, c.title, co.name, c.lead_source, "
        "c.cadence_days, c.do_not_contact FROM contact c "
        f"LEFT JOIN company co ON co.id = c.company_id {clause} ORDER BY c.name_key, c.id",
        params,
    )
    tags: dict[int, list[str]] = {}
    for contact_id, tag in store.tuples(
        f"SELECT t.contact_id, t.tag FROM contact_tag t WHERE t.contact_id IN "
        f"(SELECT c.id FROM contact c {clause}) ORDER BY t.contact_id, t.tag_key",
        params,
    ):
        tags.setdefault(int(contact_id), []).append(tag)
    return [
        ContactState(
            int(r[0]),
            int(r[1]),
            {
                "name": r[2],
                "status": r[3],
                "title": r[4],
                "company": r[5],
                "source": r[6],
                "every": r[7],
                "dnc": bool(r[8]),
                "tags": tuple(tags.get(int(r[0]), ())),
            },
        )
        for r in rows
    ]


# -- planning ---------------------------------------------------------------------------------


def _same(name: str, old: Any, new: Any) -> bool:
    if name == "company":  # one company by its folded name, as `companies.ensure` finds it
        return (old is None and new is None) or (
            old is not None and new is not None and fold(old) == fold(new)
        )
    return bool(old == new)


def diff(state: ContactState, edit: Edit) -> Diff | None:
    """The change `edit` makes to one contact, or None when it changes nothing."""
    changes: list[tuple[str, str, str]] = []
    values: dict[str, Any] = {}
    for name in COLUMNS[:-1]:
        if name in edit.values and not _same(name, state.values[name], edit.values[name]):
            values[name] = edit.values[name]
            old, new = shown(name, state.values[name]), shown(name, edit.values[name])
            changes.append((name, old or "(none)", new or "(none)"))
    have = {fold(t): t for t in state.values["tags"]}
    if edit.tags is not None:
        wanted = {fold(t): t for t in edit.tags}
        added = tuple(t for k, t in wanted.items() if k not in have)
        removed = tuple(t for k, t in have.items() if k not in wanted)
    else:
        gone = {fold(t) for t in edit.rm_tags}
        added = tuple(t for t in edit.add_tags if fold(t) not in have and fold(t) not in gone)
        removed = tuple(t for k, t in have.items() if k in gone)
    if not changes and not added and not removed:
        return None
    return Diff(
        state.id, state.values["name"], state.version, tuple(changes), values, added, removed
    )


def plan(states: Sequence[ContactState], edits: Edit | Mapping[int, Edit]) -> Plan:
    """A diff for each contact `edits` changes: one `Edit` for all, or one per id (the
    contacts without one are left as they are)."""
    diffs: list[Diff] = []
    for state in states:
        edit = edits if isinstance(edits, Edit) else edits.get(state.id)
        if edit is None:
            continue
        found = diff(state, edit)
        if found is not None:
            diffs.append(found)
    return Plan(diffs, len(states))


# -- writing ----------------------------------------------------------------------------------


def _columns(values: Mapping[str, Any]) -> dict[str, Any]:
    """The contact row's columns for the given field values (company and cadence apart)."""
    # The single edit's own columns for a name (its parts split the same way).
    from crmcli.core.people.contacts import ContactFields
    from crmcli.core.people.contacts import _scalar_values as name_columns

    out: dict[str, Any] = {}
    if "name" in values:
        out.update(name_columns(ContactFields(name=values["name"])))
    for name, column in (
        ("status", "status"),
        ("title", "title"),
        ("source", "lead_source"),
        ("every", "cadence_days"),
        ("dnc", "do_not_contact"),
    ):
        if name in values:
            out[column] = values[name]
    return out


def _indexed(tag: str) -> bool:
    """Is this tag in the search index? Only a tag of several words is (`index.search_terms`:
    a one-word tag is found by contact_tag's own index), so adding `q4` to 10,000 people
    rebuilds none of their index rows."""
    return len(fold(tag).split()) > 1


def apply(store: Store, diffs: Sequence[Diff], command: str) -> Applied:
    """Write every diff in one transaction (one undo batch); a contact changed, archived or
    removed since its diff was read refuses them all (`Conflict`), nothing written."""
    from crmcli.core.activity.interactions import touch_due
    from crmcli.core.people import companies
    from crmcli.core.people.index import reindex

    created: list[str] = []
    ids = [d.id for d in diffs]
    with store.write(command) as tx:
        now = {
            int(r[0]): (int(r[1]), r[2], r[3])
            for r in store.tuples_in(
                "SELECT id, version, last_touch_at, archived_at FROM contact WHERE id IN ({ids})",
                ids,
            )
        }
        moved = [d for d in diffs if d.id not in now or now[d.id][0] != d.version or now[d.id][2]]
        if moved:
            named = ", ".join(f"#{d.id} {d.name}" for d in moved[:5])
            more = f" and {len(moved) - 5} more" if len(moved) > 5 else ""
            raise Conflict(
                f"{named}{more} changed since the diff was read; nothing was changed: "
                "run the command again to see the diff as things are now"
            )
        company_ids: dict[str, int | None] = {}
        for d in diffs:
            name = d.values.get("company")
            if name is not None and fold(name) not in company_ids:
                company_ids[fold(name)], made = companies.ensure(tx, name)
                if made:
                    created.append(name)
        tag_rows: dict[int, dict[str, int]] = {}
        dropping = [d.id for d in diffs if d.removed]
        for row_id, contact_id, tag in store.tuples_in(
            "SELECT id, contact_id, tag FROM contact_tag WHERE contact_id IN ({ids})", dropping
        ):
            tag_rows.setdefault(int(contact_id), {})[fold(tag)] = int(row_id)
        for d in diffs:
            columns = _columns(d.values)
            if "company" in d.values:
                name = d.values["company"]
                columns["company_id"] = None if name is None else company_ids[fold(name)]
            if "cadence_days" in columns:
                columns["touch_due_at"] = touch_due(now[d.id][1], columns["cadence_days"], tx.stamp)
            tx.update("contact", d.id, columns or {"updated_at": tx.stamp}, contact_id=d.id)
            for tag in d.removed:
                tx.delete("contact_tag", tag_rows[d.id][fold(tag)], contact_id=d.id)
            for tag in d.added:
                tx.insert(
                    "contact_tag",
                    {"contact_id": d.id, "tag_key": fold(tag), "tag": tag},
                    contact_id=d.id,
                )
            if "name" in d.values or any(_indexed(t) for t in (*d.added, *d.removed)):
                reindex(tx, d.id)  # what `crm find` finds them by changed
    return Applied(len(diffs), created)
