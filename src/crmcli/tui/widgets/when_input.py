"""A date field that reads WHEN phrases the way the CLI does and says what it understood."""

from __future__ import annotations

from typing import Literal

from textual.widgets import Input

from crmcli.core.errors import CrmError
from crmcli.tui.session import Session


class WhenInput(Input):
    """An input for `tomorrow`, `fri 10am`, `+3d`, `2026-12-01 14:00`...

    `preview` gives the line to show under it while typing: the resolved date
    (`→ Fri 27 Nov 2026 10:00`) or the parser's own error text.
    """

    def __init__(
        self,
        direction: Literal["future", "past"],
        *,
        value: str = "",
        placeholder: str = "",
        id: str | None = None,
    ) -> None:
        super().__init__(value=value, placeholder=placeholder, id=id, compact=True)
        self.direction: Literal["future", "past"] = direction

    def preview(self, session: Session) -> tuple[bool, str]:
        """(ok, text): the resolved date, or why the phrase cannot be read."""
        if not self.value.strip():
            return True, ""
        try:
            when = session.parse_when(self.value, self.direction)
        except CrmError as exc:
            return False, exc.message
        return True, f"→ {when.describe()}"
