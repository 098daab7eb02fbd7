"""`crm deal move REF STAGE`: a deal to another stage (a won or lost stage closes it)."""

from __future__ import annotations

from typing import TYPE_CHECKING

from crmcli.commands._deal_render import report

if TYPE_CHECKING:
    from crmcli.commands._state import AppState


def move(
    app: AppState,
    *,
    ref: str,
    stage: str,
    reason: str | None,
    if_version: int | None,
    pipeline: str | None,
    as_json: bool,
) -> int:
    """Move the deal REF names to STAGE, of its pipeline or of `pipeline`."""
    from crmcli.core.pipeline import deals

    store = app.store(write=True)
    deal, notes = deals.move(
        store,
        deals.resolve_deal(store, ref),
        stage,
        reason=reason,
        expect_version=if_version,
        pipeline=pipeline,
    )
    report(deal, "moved", notes, as_json)
    return 0
