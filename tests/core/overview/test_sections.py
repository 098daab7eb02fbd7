"""The report's sections by name (core/overview/sections.py): each name reaches its table
in a real report, and an unknown one is refused with the list of names."""

from __future__ import annotations

from datetime import date

import pytest

from crmcli.core import clock
from crmcli.core.db.store import Store
from crmcli.core.errors import Invalid
from crmcli.core.overview import reports
from crmcli.core.overview.sections import SECTION_PATHS, check_section, section_rows
from crmcli.core.people import contacts
from crmcli.core.people.contacts import ContactFields
from crmcli.core.pipeline import deals
from crmcli.core.pipeline.deals import DealFields


def test_every_section_is_a_table_of_the_report(store: Store) -> None:
    ann = int(contacts.add(store, ContactFields(name="Ann Lee")).contact["id"])
    deals.add(store, DealFields(title="Pilot", contact_id=ann, amount="500", stage="Proposal"))
    now = clock.now()
    data = reports.build(store, reports.parse_period("90d", date(2026, 3, 2)), now)
    for name in SECTION_PATHS:
        rows = section_rows(data, name)
        assert isinstance(rows, list) and all(isinstance(r, dict) for r in rows), name
    proposal = next(r for r in section_rows(data, "pipeline") if r["stage"] == "Proposal")
    assert (proposal["deals"], proposal["amount"]) == (1, {"EUR": 50000})
    [followups] = section_rows(data, "followups")  # one set of figures: a one-row table
    assert followups is data["activity"]["followups"]


def test_an_unknown_section_lists_the_names(store: Store) -> None:
    assert check_section("no-next-step") == "no-next-step"
    with pytest.raises(Invalid, match=r"unknown section 'nope' \(one of pipeline, forecast, "):
        check_section("nope")
