"""Message templates: the mails a rep writes again and again, kept by name with merge fields.

A template is a subject and a body, each checked with `merge.check` when saved, so a
field no record has (`{frist_name}`) is refused then rather than when a mail is due.
Templates are shared (one name per database, as rules are): a team on PostgreSQL
writes the same follow-up mail. Every add, edit and removal is one undoable batch.

The editor form (`crm template add/edit` in $EDITOR, `-` on stdin) is a mail's own
shape: `Subject:` (and optionally `Description:`) header lines, a blank line, the body.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, TypedDict

from crmcli.core.errors import Invalid, NotFound, Refused
from crmcli.core.messages import merge
from crmcli.core.values.text import collapse, fold, strip_controls

if TYPE_CHECKING:
    from crmcli.core.db.store import Store

NAME_MAX = 80
SUBJECT_MAX = 300
DESCRIPTION_MAX = 300
BODY_MAX = 100_000
_COLUMNS = "id, name, subject, body, description, owner, version, created_at, updated_at"


class Template(TypedDict):
    """A template as the front ends show it."""

    id: int
    name: str
    subject: str
    body: str
    description: str | None
    owner: str
    version: int
    created_at: str
    updated_at: str


def _template(row: dict[str, Any]) -> Template:
    return {
        "id": int(row["id"]),
        "name": str(row["name"]),
        "subject": str(row["subject"]),
        "body": str(row["body"]),
        "description": None if row["description"] is None else str(row["description"]),
        "owner": str(row["owner"]),
        "version": int(row["version"]),
        "created_at": str(row["created_at"]),
        "updated_at": str(row["updated_at"]),
    }


# -- checks ------------------------------------------------------------------------------
def check_name(name: str) -> str:
    """A template name as kept: 1-80 printable characters on one line, spaces collapsed."""
    value = collapse(name)
    if not value:
        raise Invalid("a template name must not be empty")
    if not value.isprintable():
        raise Invalid("a template name must be printable characters on one line")
    if len(value) > NAME_MAX:
        raise Invalid(f"a template name is at most {NAME_MAX} characters, not {len(value)}")
    if value.startswith("-"):
        raise Invalid(f"a template name cannot start with '-': {value!r}")
    return value


def check_subject(subject: str) -> str:
    """One line with something in it, its merge fields known."""
    value = collapse(subject)
    if not value:
        raise Invalid("a template needs a subject")
    if not value.isprintable():
        raise Invalid("the subject holds control characters")
    if len(value) > SUBJECT_MAX:
        raise Invalid(f"the subject is at most {SUBJECT_MAX} characters, not {len(value)}")
    merge.check(value, what="the subject")
    return value


def check_body(body: str) -> str:
    """The body as kept: line ends made `\\n`, trailing space trimmed, fields known."""
    text, controls = strip_controls(body)
    if controls:
        raise Invalid("the body holds control characters (such as NUL): is it a binary file?")
    lines = [line.rstrip() for line in text.split("\n")]
    value = "\n".join(lines).strip("\n")
    if not value.strip():
        raise Invalid("a template needs a body")
    if len(value) > BODY_MAX:
        raise Invalid(f"the body is at most {BODY_MAX} characters, not {len(value)}")
    merge.check(value, what="the body")
    return value


def check_description(description: str | None) -> str | None:
    """One line, or None when empty."""
    if description is None:
        return None
    value = collapse(description)
    if not value.isprintable():
        raise Invalid("the description holds control characters")
    if len(value) > DESCRIPTION_MAX:
        raise Invalid(f"the description is at most {DESCRIPTION_MAX} characters")
    return value or None


# -- the editor form ---------------------------------------------------------------------
_HEADERS = ("subject", "description")


class Parsed(TypedDict):
    """What a template's text says: its subject, description and body (checked)."""

    subject: str
    description: str | None
    body: str


def parse(text: str) -> Parsed:
    """Read the editor form: `Subject:`/`Description:` lines, a blank line, the body.

    Lines starting with `#` before the blank line are comments; a header line starting
    with white space continues the one before (as in mail). Invalid, naming the line,
    for anything else, or a missing subject or body.
    """
    lines = text.replace("\r\n", "\n").replace("\r", "\n").lstrip("\ufeff").split("\n")
    found: dict[str, str] = {}
    last: str | None = None
    body_start = None
    for number, line in enumerate(lines, start=1):
        if not line.strip():
            if found:
                body_start = number
                break
            continue  # blank lines before the headers
        if line.startswith("#"):
            continue
        if line[0] in " \t" and last is not None:
            found[last] += " " + line.strip()
            continue
        key, colon, value = line.partition(":")
        key = key.strip().lower()
        if not colon or key not in _HEADERS:
            raise Invalid(
                f"line {number}: expected 'Subject: ...' or 'Description: ...' then a blank "
                f"line and the body, not {line.strip()[:60]!r}"
            )
        if key in found:
            raise Invalid(f"line {number}: a second {key.capitalize()} line")
        found[key] = value.strip()
        last = key
    if "subject" not in found:
        raise Invalid("no 'Subject:' line: a template starts with its subject")
    if body_start is None:
        raise Invalid("no body: leave a blank line after the Subject line, then write the body")
    return {
        "subject": check_subject(found["subject"]),
        "description": check_description(found.get("description")),
        "body": check_body("\n".join(lines[body_start:])),
    }


def _field_help() -> list[str]:
    """The comment lines above the headers: the form, and the merge fields there are."""
    import textwrap

    names = " ".join("{" + name + "}" for name in merge.KNOWN)
    return [
        "# A template: Subject (and optionally Description) lines, a blank line, the body.",
        "# Merge fields (one a contact lacks refuses to render rather than leave a blank):",
        *("#   " + line for line in textwrap.wrap(names, 90)),
        "# Write {{ and }} for a literal brace. Lines starting with # up here are ignored.",
    ]


def skeleton(subject: str = "") -> str:
    """The text a new template starts from in the editor."""
    return "\n".join(
        [
            *_field_help(),
            f"Subject: {subject}".rstrip() + " ",
            "Description: ",
            "",
            "Hello {first_name},",
            "",
            "",
            "",
            "{me.name}",
            "",
        ]
    )


def dump(template: Template) -> str:
    """A template in the editor form (`parse` reads it back to the same template)."""
    lines = [*_field_help(), f"Subject: {template['subject']}"]
    lines.append(f"Description: {template['description'] or ''}".rstrip())
    return "\n".join([*lines, "", template["body"], ""])


# -- reading -----------------------------------------------------------------------------
def list_templates(store: Store) -> list[Template]:
    """Every template, by name (accents and case ignored)."""
    rows = [_template(r) for r in store.rows(f"SELECT {_COLUMNS} FROM template")]
    return sorted(rows, key=lambda t: (fold(t["name"]), t["name"]))


def find(store: Store, name: str) -> Template | None:
    """The template of exactly that name, else the one it names with case and accents
    aside; None when none (or several) match."""
    value = collapse(name)
    row = store.row(f"SELECT {_COLUMNS} FROM template WHERE name = ?", (value,))
    if row is not None:
        return _template(row)
    key = fold(value)
    matches = [t for t in list_templates(store) if fold(t["name"]) == key] if key else []
    return matches[0] if len(matches) == 1 else None


def get(store: Store, name: str) -> Template:
    """The template of that name; NotFound listing the templates there are."""
    template = find(store, name)
    if template is None:
        names = ", ".join(t["name"] for t in list_templates(store))
        known = f" (templates: {names})" if names else " (no templates yet: crm template add NAME)"
        raise NotFound(f"no template named {collapse(name)!r}{known}")
    return template


# -- writing -----------------------------------------------------------------------------
def check_free(store: Store, name: str, own_id: int | None = None) -> None:
    """Refuse a name another template has (case and accents aside): Refused, exit 1."""
    key = fold(name)
    for other in list_templates(store):
        if other["id"] != own_id and (
            other["name"] == name or (key and fold(other["name"]) == key)
        ):
            raise Refused(
                f"there is already a template named {other['name']!r} "
                f"(crm template edit {other['name']!r})"
            )


def add(
    store: Store, name: str, subject: str, body: str, description: str | None = None
) -> Template:
    """Save a new template (one undoable batch); Refused when the name is taken."""
    value = check_name(name)
    fields = {
        "name": value,
        "subject": check_subject(subject),
        "body": check_body(body),
        "description": check_description(description),
    }
    with store.write(f"template add {value}") as tx:
        check_free(store, value)  # inside the write: a template added meanwhile counts
        tx.insert("template", fields)
    return get(store, value)


def edit(
    store: Store,
    name: str,
    *,
    subject: str | None = None,
    body: str | None = None,
    description: str | None = None,
    new_name: str | None = None,
) -> tuple[Template, bool]:
    """Change a template's given parts (one undoable batch); returns it and whether
    anything changed. An empty `description` clears it."""
    template = get(store, name)
    changes: dict[str, Any] = {}
    if new_name is not None:
        changes["name"] = check_name(new_name)
    if subject is not None:
        changes["subject"] = check_subject(subject)
    if body is not None:
        changes["body"] = check_body(body)
    if description is not None:
        changes["description"] = check_description(description)
    changes = {k: v for k, v in changes.items() if template[k] != v}  # type: ignore[literal-required]
    if not changes:
        return template, False
    with store.write(f"template edit {template['name']}") as tx:
        if tx.get("template", template["id"]) is None:
            raise NotFound(f"template {template['name']!r} was just removed")
        if "name" in changes:
            check_free(store, changes["name"], template["id"])
        tx.update("template", template["id"], changes)
    return get(store, changes.get("name", template["name"])), True


def remove(store: Store, name: str) -> Template:
    """Remove a template (one undoable batch); returns it as it was."""
    template = get(store, name)
    with store.write(f"template rm {template['name']}") as tx:
        if tx.get("template", template["id"]) is None:
            raise NotFound(f"template {template['name']!r} was just removed")
        tx.delete("template", template["id"])
    return template
