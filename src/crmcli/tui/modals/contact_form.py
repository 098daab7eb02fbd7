"""Add a contact (n on contacts) or edit one (e): the fields of `crm contact add` / `edit`.

Lists (emails, phones, tags) are comma-separated; the company completes from the
companies there are, and a new name creates one, as `--company` does.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from textual.app import ComposeResult
from textual.widgets import Input, Select

from crmcli.core.people import contacts
from crmcli.core.people.contacts import ContactFields
from crmcli.core.people.fields import ContactStatus, check_name, check_tags, parse_phones
from crmcli.core.values import emails as email_mod
from crmcli.core.values.durations import parse_cadence
from crmcli.tui.modals.form import FORM, FormModal
from crmcli.tui.widgets import completing

if TYPE_CHECKING:
    from crmcli.core.errors import CrmError
    from crmcli.core.people.rows import ContactDetail

Saved = tuple[str, int]  # what was done, in a sentence; the contact's id

FIELDS = ("name", "title", "company", "emails", "phones", "tags", "cadence", "notes")


def _items(text: str) -> list[str]:
    return [part.strip() for part in text.split(",") if part.strip()]


class ContactForm(FormModal):
    """A new contact, or one changed (`contact` given): only the fields changed are sent,
    so an untouched field never overwrites anything."""

    def __init__(self, contact: ContactDetail | None = None) -> None:
        if contact is None:
            super().__init__("New contact", "Add contact")
        else:
            super().__init__(f"Edit {contact['display_name']}  #{contact['id']}")
        self.contact = contact
        self.start = {name: "" for name in FIELDS}
        if contact is not None:
            self.start = {
                "name": contact["display_name"] or "",
                "title": contact["title"] or "",
                "company": contact["company"] or "",
                "emails": ", ".join(e["email"] for e in contact["emails"]),
                "phones": ", ".join(p["raw"] for p in contact["phones"]),
                "tags": ", ".join(contact["tags"]),
                "cadence": f"{contact['cadence_days']}d" if contact["cadence_days"] else "",
                "notes": contact["notes"] or "",
            }

    def fields(self) -> ComposeResult:
        def box(name: str, placeholder: str = "") -> Input:
            return Input(self.start[name], placeholder=placeholder, id=name, compact=True)

        yield self.row("Name", box("name", "first and last name"))
        yield self.row("Title", box("title", "job title"))
        yield self.row(
            "Company",
            completing.CompletingInput(
                completing.companies(self.session),
                value=self.start["company"],
                placeholder="type to pick one; a new name is created",
                id="company",
            ),
        )
        yield self.row("Emails", box("emails", "comma-separated, first is primary"))
        yield self.row("Phones", box("phones", "comma-separated"))
        yield self.row("Tags", box("tags", "comma-separated"))
        statuses = [(s.value, s.value) for s in ContactStatus]
        status = self.contact["status"] if self.contact else None
        yield self.row(
            "Status",
            Select(
                statuses, value=status or Select.NULL, prompt="(none)", id="status", compact=True
            ),
        )
        yield self.row("Touch every", box("cadence", "30d, 2w, 3mo, off"))
        yield self.row("Notes", box("notes"))

    def parse(self) -> ContactFields:
        """Every field checked with the core's own rules, all at once."""
        changed = {k for k, v in self.start.items() if self.text(k).strip() != v}
        if self.contact is None:
            changed.add("name")  # required: an empty name is refused, not skipped
        fields = ContactFields()
        if "name" in changed:
            fields.name = self.check("name", lambda: check_name(self.text("name")))
        if "title" in changed:
            fields.title = self.text("title")
        if "company" in changed:
            fields.company = self.text("company").strip()
        if "emails" in changed:
            fields.emails = self.check(
                "emails", lambda: [email_mod.check(e) for e in _items(self.text("emails"))]
            )
        if "phones" in changed:
            phones = _items(self.text("phones"))
            region = str(self.session.config.get("default_region"))
            self.check("phones", lambda: parse_phones(phones, region))
            fields.phones = phones
        if "tags" in changed:
            fields.tags = self.check("tags", lambda: check_tags(_items(self.text("tags"))))
        if "cadence" in changed:
            cadence = self.text("cadence").strip() or "off"
            self.check("cadence", lambda: parse_cadence(cadence))
            fields.cadence = cadence
        if "notes" in changed:
            fields.notes = self.text("notes")
        status = self.choice("status")
        if status and status != (self.contact["status"] if self.contact else None):
            fields.status = str(status)
        return fields

    def commit(self, values: Any) -> Saved:
        fields: ContactFields = values
        store = self.session.store
        if self.contact is None:
            outcome = contacts.add(store, fields)
            verb = "Added"
        elif fields == ContactFields():
            return "Nothing changed", int(self.contact["id"])
        else:
            outcome = contacts.edit(store, int(self.contact["id"]), fields)
            verb = "Saved"
        for warning in outcome.warnings:
            self.app.notify(warning, severity="warning", timeout=8)
        person = outcome.contact
        said = f"{verb} {person['display_name']} #{person['id']}"
        if outcome.created_company:
            said += f" (new company {outcome.created_company})"
        return said, int(person["id"])

    def field_of(self, exc: CrmError) -> str:
        text = exc.message.lower()
        for word, name in (
            ("email", "emails"),
            ("phone", "phones"),
            ("company", "company"),
            ("tag", "tags"),
            ("cadence", "cadence"),
            ("name", "name"),
        ):
            if word in text:
                return name
        return FORM
