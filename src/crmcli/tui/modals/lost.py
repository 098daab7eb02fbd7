"""Mark a deal lost: the reason is required, as `crm deal lost` requires it."""

from __future__ import annotations

from typing import TYPE_CHECKING

from textual.app import ComposeResult
from textual.widgets import Input

from crmcli.core.errors import Invalid
from crmcli.core.pipeline import deals, stages
from crmcli.tui.modals.form import FieldError, FormModal

if TYPE_CHECKING:
    from crmcli.core.pipeline.rows import Deal, DealDetail


class LostModal(FormModal):
    """Asks why the deal was lost, then closes it in the first lost stage."""

    def __init__(self, card: Deal) -> None:
        super().__init__(f"Lost: {card['title']}", "Mark lost")
        self.card = card

    def fields(self) -> ComposeResult:
        yield self.row(
            "Reason",
            Input(placeholder="price, timing, went with a competitor…", id="reason", compact=True),
        )

    def save(self) -> tuple[DealDetail, list[str]]:
        store = self.session.store
        lost = str(stages.first_of_kind(store, "lost")["id"])
        try:
            return deals.move(
                store,
                int(self.card["id"]),
                lost,
                reason=self.text("reason"),
                expect_version=int(self.card["version"]),
            )
        except Invalid as exc:
            raise FieldError("reason", exc.message) from exc
