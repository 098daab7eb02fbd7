"""Mark a deal lost: the reason is required, as `crm deal lost` requires it."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from textual.app import ComposeResult
from textual.widgets import Input

from crmcli.core.pipeline import deals, stages
from crmcli.tui.modals.form import FormModal

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

    def parse(self) -> str:
        reason = self.text("reason").strip()
        if not reason:
            self.refuse("reason", "say why it was lost: price, timing, a competitor…")
        return reason

    def commit(self, values: Any) -> tuple[DealDetail, list[str]]:
        store = self.session.store
        deal_id = int(self.card["id"])
        lost = str(stages.first_of_kind(store, "lost", deals.pipeline_of(store, deal_id))["id"])
        return deals.move(
            store,
            deal_id,
            lost,
            reason=str(values),
            expect_version=int(self.card["version"]),
        )
