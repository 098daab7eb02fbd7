"""Merge-field values: every known field, from the contact, the deal, the follow-up and you."""

from __future__ import annotations

import pytest

from crmcli.core.errors import NotFound
from crmcli.core.messages import merge
from crmcli.core.messages.fields import values_for

from .conftest import Book


def test_every_known_field_has_a_value_or_none(book: Book) -> None:
    values = values_for(book.store, book.config, contact_id=book.ids["helene"])
    assert set(values) == set(merge.KNOWN)
    assert values["name"] == "Hélène Dupré"
    assert values["first_name"] == "Hélène"
    assert values["last_name"] == "Dupré"
    assert values["company"] == "Société Générale"
    assert values["title"] == "Directrice"
    assert values["email"] == "helene@exemple.fr"
    assert values["phone"] == "+33 6 12 34 56 78"
    assert values["me.name"] == "Zoë Martin"
    assert values["me.email"] == "zoe@exemple.fr"
    assert values["today"] == "2026-03-02"
    assert values["nickname"] is None  # absent: refused by name if a text uses it
    assert all(values[k] is None for k in merge.KNOWN if k.startswith(("deal.", "followup.")))


def test_deal_and_followup_fields(book: Book) -> None:
    values = values_for(
        book.store, book.config, contact_id=book.ids["helene"], deal_id=book.ids["deal"]
    )
    assert values["deal.title"] == "Pilote Île-de-France"
    assert values["deal.amount"] is not None and values["deal.amount"].endswith("EUR")
    assert "12" in values["deal.amount"]
    assert values["deal.close_date"] == "2026-04-30"
    assert values["deal.next_step"] == "envoyer le devis"
    assert values["deal.stage"]
    # A follow-up's own deal stands in when none is named.
    by_followup = values_for(
        book.store, book.config, contact_id=book.ids["helene"], followup_id=book.ids["followup"]
    )
    assert by_followup["followup.note"] == "relancer pour le devis"
    assert by_followup["followup.due"] == "2026-03-05"
    assert by_followup["deal.title"] == "Pilote Île-de-France"


def test_a_field_missing_refuses_to_render_by_name(book: Book) -> None:
    from crmcli.core.errors import Invalid

    values = values_for(book.store, book.config, contact_id=book.ids["bob"])
    assert values["email"] is None and values["company"] is None
    with pytest.raises(Invalid, match=r"\{company\}"):
        merge.render("Hi {first_name} at {company}", values, what="template 'x'")
    assert merge.render("Hi {first_name}", values, what="x") == "Hi Bob"


def test_unknown_ids_are_not_found(book: Book) -> None:
    with pytest.raises(NotFound):
        values_for(book.store, book.config, contact_id=9999)
    with pytest.raises(NotFound):
        values_for(book.store, book.config, contact_id=book.ids["helene"], deal_id=9999)
    with pytest.raises(NotFound):
        values_for(book.store, book.config, contact_id=book.ids["helene"], followup_id=9999)
