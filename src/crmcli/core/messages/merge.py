"""Merge fields: `{first_name}`, `{deal.title}` in a template or a rule's note.

One renderer for templates and rules alike. A field the text names but the record
lacks refuses to render (`Invalid`, naming the field) rather than leaving a blank in
a mail the rep sends; a field no record could have is refused when the text is saved
(`check`). `{{` and `}}` stand for literal braces.
"""

from __future__ import annotations

import re
from collections.abc import Mapping

from crmcli.core.errors import Invalid

_FIELD = re.compile(r"\{\{|\}\}|\{([^{}]*)\}|[{}]")

# Every merge field, and what it holds (shown by `crm template --help` and errors).
KNOWN: dict[str, str] = {
    "name": "the contact's full name",
    "first_name": "the contact's first name",
    "last_name": "the contact's last name",
    "nickname": "the contact's nickname",
    "title": "the contact's job title",
    "email": "the contact's primary email",
    "phone": "the contact's primary phone",
    "company": "the contact's company",
    "deal.title": "the deal's title",
    "deal.stage": "the deal's stage",
    "deal.amount": "the deal's amount with its currency",
    "deal.close_date": "the deal's expected close date",
    "deal.next_step": "the deal's next step",
    "followup.note": "the follow-up's note",
    "followup.due": "the follow-up's due date",
    "me.name": "your name (setting `me_name`)",
    "me.email": "your address (setting `me_email`)",
    "today": "today's date",
}


def fields_in(text: str) -> list[str]:
    """The merge fields `text` names, in order, each once; `Invalid` for a stray brace."""
    seen: list[str] = []
    for match in _FIELD.finditer(text):
        token = match.group(0)
        if token in ("{{", "}}"):
            continue
        name = match.group(1)
        if name is None:
            raise Invalid(
                f"a lone {token!r} at character {match.start() + 1}: write {token * 2} "
                "for a brace, or {field} for a merge field"
            )
        name = name.strip()
        if name not in seen:
            seen.append(name)
    return seen


def check(text: str, *, what: str) -> list[str]:
    """Refuse a text naming a field no record has; the fields it names otherwise."""
    names = fields_in(text)
    unknown = [n for n in names if n not in KNOWN]
    if unknown:
        raise Invalid(
            f"{what}: unknown merge field {{{unknown[0]}}} (known: "
            f"{', '.join('{' + k + '}' for k in KNOWN)})"
        )
    return names


def render(text: str, values: Mapping[str, str | None], *, what: str) -> str:
    """`text` with every field replaced; `Invalid` naming the first one `values` lacks
    (absent, None or blank), so a message never goes out with a hole in it."""
    check(text, what=what)

    def one(match: re.Match[str]) -> str:
        token = match.group(0)
        if token == "{{":
            return "{"
        if token == "}}":
            return "}"
        name = match.group(1).strip()
        value = values.get(name)
        if value is None or not str(value).strip():
            raise Invalid(f"{what} needs {{{name}}} ({KNOWN[name]}), which is empty here")
        return str(value)

    return _FIELD.sub(one, text)
