"""Tag or untag the contacts chosen on the contacts screen: asks for the tag, one core call."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from textual.app import ComposeResult
from textual.widgets import Input

from crmcli.core.people import bulk_tags
from crmcli.tui.modals.form import FormModal


def _contacts(count: int) -> str:
    return "1 contact" if count == 1 else f"{count} contacts"


class BulkTagForm(FormModal):
    """Asks for one tag, then gives it to (or takes it off) every chosen contact: one undo."""

    def __init__(self, ids: Sequence[int], *, remove: bool = False, hint: str = "") -> None:
        verb = "Untag" if remove else "Tag"
        super().__init__(f"{verb} {_contacts(len(ids))}", verb)
        self.ids = list(ids)
        self.removing = remove
        self.hint = hint

    def fields(self) -> ComposeResult:
        yield self.row(
            "Tag", Input(placeholder="vip, q4, newsletter…", id="tag", compact=True), self.hint
        )

    def parse(self) -> str:
        from crmcli.core.people.bulk import checked_tags

        return str(self.check("tag", lambda: checked_tags([self.text("tag")])[0], ""))

    def commit(self, values: Any) -> str:
        store = self.session.store
        if self.removing:
            done = bulk_tags.untag(store, self.ids, str(values))
            said = f"Untagged {values} from {_contacts(done.changed)}"
            apart = f"{done.unchanged} did not have it" if done.unchanged else ""
        else:
            done = bulk_tags.tag(store, self.ids, str(values))
            said = f"Tagged {_contacts(done.changed)} {values}"
            apart = f"{done.unchanged} had it already" if done.unchanged else ""
        return f"{said} ({apart})" if apart else said
