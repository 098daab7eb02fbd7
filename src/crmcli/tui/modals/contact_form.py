"""Edit a contact (e on contacts): the fields of `crm contact edit`; lists are comma-separated."""

from __future__ import annotations

from typing import TYPE_CHECKING

from textual.app import ComposeResult
from textual.widgets import Input, Select

from crmcli.core.people import contacts
from crmcli.core.people.contacts import ContactFields
from crmcli.core.people.fields import ContactStatus
from crmcli.tui.modals.form import FormModal

if TYPE_CHECKING:
    from crmcli.core.people.rows import ContactDetail


def _items(text: str) -> list[str]:
    return [part.strip() for part in text.split(",") if part.strip()]


class ContactForm(FormModal):
    """Only the fields changed are sent, so an untouched field never overwrites anything."""

    def __init__(self, contact: ContactDetail) -> None:
        super().__init__(f"Edit {contact['display_name']}  #{contact['id']}")
        self.contact = contact
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

        yield self.row("Name", box("name"))
        yield self.row("Title", box("title", "job title"))
        yield self.row("Company", box("company", "created if new"))
        yield self.row("Emails", box("emails", "comma-separated, first is primary"))
        yield self.row("Phones", box("phones", "comma-separated"))
        yield self.row("Tags", box("tags", "comma-separated"))
        statuses = [(s.value, s.value) for s in ContactStatus]
        yield self.row(
            "Status",
            Select(
                statuses,
                value=self.contact["status"] or Select.NULL,
                prompt="(none)",
                id="status",
                compact=True,
            ),
        )
        yield self.row("Touch every", box("cadence", "30d, 2w, 3mo, off"))
        yield self.row("Notes", box("notes"))

    def save(self) -> str:
        changed = {k for k, v in self.start.items() if self.text(k).strip() != v}
        fields = ContactFields()
        if "name" in changed:
            fields.name = self.text("name")
        if "title" in changed:
            fields.title = self.text("title")
        if "company" in changed:
            fields.company = self.text("company")
        if "emails" in changed:
            fields.emails = _items(self.text("emails"))
        if "phones" in changed:
            fields.phones = _items(self.text("phones"))
        if "tags" in changed:
            fields.tags = _items(self.text("tags"))
        if "cadence" in changed:
            fields.cadence = self.text("cadence").strip() or "off"
        if "notes" in changed:
            fields.notes = self.text("notes")
        status = self.choice("status")
        if status and status != self.contact["status"]:
            fields.status = str(status)
        outcome = contacts.edit(self.session.store, int(self.contact["id"]), fields)
        for warning in outcome.warnings:
            self.app.notify(warning, severity="warning")
        return f"Saved {outcome.contact['display_name']}"
