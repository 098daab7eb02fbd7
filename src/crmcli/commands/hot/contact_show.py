"""`crm contact show REF`: everything about one contact, with their timeline."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from crmcli.commands._contact_show import (
    TIMELINE_COLUMNS,
    RuleMarks,
    _address,
    _address_label,
    _addresses,
    _birthday,
    _labels,
    personal_lines,
    timeline_row,
)
from crmcli.commands._output import OutputFormat, render, render_record
from crmcli.commands._render import contact_lines

if TYPE_CHECKING:
    from collections.abc import Sequence

    from crmcli.commands._state import AppState
    from crmcli.core.people.relations import Relation
    from crmcli.core.people.rows import ContactDetail


def show(app: AppState, *, ref: str, limit: int, as_json: bool) -> int:
    """Everything about one contact, with their timeline (newest first)."""
    from crmcli.core.activity.timeline import timeline
    from crmcli.core.people import directory, relations
    from crmcli.core.rules.effects import of_contact
    from crmcli.core.search.refs import resolve_contact

    store = app.store()
    contact = directory.get(store, resolve_contact(store, ref))
    named_by = relations.named_by(store, int(contact["id"]))  # others' relations naming them
    events = timeline(store, int(contact["id"]), limit=limit) if limit else []
    by_rules = of_contact(store, int(contact["id"]))  # what rules did for them: one query
    if as_json:
        public = directory.public_view(contact)
        named = [relations.view(r) for r in named_by]
        record = {**public, "named_by": named, "timeline": events, "by_rules": by_rules}
        render_record(record, OutputFormat.json, [])
        return 0
    marks = RuleMarks(by_rules)  # "added by rule 'X'" beside a tag or follow-up a rule added
    render_record(contact, OutputFormat.table, marks.marked_lines(_shown(contact, named_by)))
    if events:
        print()
        rows = [marks.marked_event(timeline_row(e)) for e in events]
        render(rows, OutputFormat.table, TIMELINE_COLUMNS)
    return 0


def _shown(contact: ContactDetail, named_by: Sequence[Relation] = ()) -> list[tuple[str, Any]]:
    """The `label value` lines of `contact show`: everything stored, labels included.

    Starts from the shared lines (`_render.contact_lines`) and puts in what they leave
    out: each email's and phone's label (mobile, work), the addresses, and a birthday
    without a year as `14 May` rather than its stored form `--05-14`.
    """
    lines = dict(contact_lines(contact))
    several = len(contact["emails"]) > 1  # of one address, "primary" says nothing
    lines["Email"] = [
        e["email"] + _labels(e["label"], "primary" if e["is_primary"] and several else None)
        for e in contact["emails"]
    ]
    lines["Phone"] = [p.get("display", p["raw"]) + _labels(p["label"]) for p in contact["phones"]]
    lines["Birthday"] = _birthday(contact["birthday"])
    personal = personal_lines(contact, named_by)  # schema v6: nickname, relations both ways...
    out: list[tuple[str, Any]] = []
    for label, value in lines.items():
        out.append((label, value))
        if label == "Name" and personal[0][1]:
            out.append(personal[0])  # the nickname, under the name
        if label == "Profiles":  # where a reader looks for how to reach them
            out += [(_address_label(a), _address(a)) for a in _addresses(contact["addresses"])]
            out += personal[1:]
    return out
