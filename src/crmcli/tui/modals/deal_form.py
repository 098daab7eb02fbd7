"""New deal (n) and edit deal (e): the same fields and checks as `crm deal add` / `edit`."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from textual.app import ComposeResult
from textual.widgets import Input, Select

from crmcli.core.errors import Invalid
from crmcli.core.people import companies
from crmcli.core.pipeline import deals, stages
from crmcli.core.pipeline.deals import DealFields
from crmcli.core.search.refs import resolve_contact
from crmcli.core.values.money import check_currency, parse_amount
from crmcli.tui.format import money
from crmcli.tui.modals.form import FieldError, FormModal
from crmcli.tui.widgets.when_input import WhenInput

if TYPE_CHECKING:
    from crmcli.core.pipeline.rows import Deal, DealDetail


def _probability(text: str) -> int:
    value = text.strip().rstrip("%").strip()
    if not value.lstrip("-").isdigit():
        raise Invalid(f"probability is a whole number from 0 to 100, not {text!r}")
    return stages.check_probability(int(value))


def _field_of(message: str) -> str:
    """Which field a core refusal is about, to show it there (else under the form)."""
    for word, name in (
        ("title", "title"),
        ("contact", "contact"),
        ("company", "company"),
        ("currency", "currency"),
        ("amount", "amount"),
        ("probability", "probability"),
    ):
        if word in message.lower():
            return name
    return "form"


class DealForm(FormModal):
    """Add a deal, or change one (`deal` given): only the fields changed are saved."""

    def __init__(self, deal: Deal | None = None) -> None:
        heading = f"Edit deal #{deal['id']}: {deal['title']}" if deal else "New deal"
        super().__init__(heading, "Save" if deal else "Add deal")
        self.deal = deal

    def _initial(self) -> dict[str, str]:
        deal = self.deal
        if deal is None:
            return {}
        amount = money(deal).rsplit(" ", 1)[0] if deal["amount_minor"] is not None else ""
        return {
            "title": deal["title"] or "",
            "contact": deal["contact"] or "",
            "company": deal["company"] or "",
            "amount": amount.replace("\u202f", " "),
            "currency": deal["currency"] or "",
            "close": deal["expected_close"] or "",
            "next": deal["next_step"] or "",
            "probability": "" if deal["probability"] is None else str(deal["probability"]),
        }

    def fields(self) -> ComposeResult:
        start = self._initial()

        def box(name: str, placeholder: str = "") -> Input:
            return Input(start.get(name, ""), placeholder=placeholder, id=name, compact=True)

        yield self.row("Title", box("title", "what is being sold"))
        yield self.row("Contact", box("contact", "id, email, name or unique prefix"))
        yield self.row("Company", box("company", "optional: id or name"))
        yield self.row("Amount", box("amount", "12000, 12k, 12 000,50"))
        yield self.row("Currency", box("currency", "EUR, USD… (default from config)"))
        if self.deal is None:
            with self.session.lock:
                options = [
                    (s["name"], s["id"])
                    for s in stages.list_stages(self.session.store)
                    if s["kind"] == "open"
                ]
            yield self.row(
                "Stage",
                Select(
                    options,
                    value=options[0][1] if options else Select.NULL,
                    allow_blank=False,
                    id="stage",
                    compact=True,
                ),
            )
        yield self.row(
            "Close by",
            WhenInput(
                "future",
                value=start.get("close", ""),
                placeholder="eom, jan 15, 2026-12-31",
                id="close",
            ),
            hint=" ",
        )
        yield self.row("Next step", box("next", "what happens next"))
        yield self.row("Probability", box("probability", "override the stage's win %"))

    def _values(self) -> dict[str, Any]:
        """Each field parsed with the core's own checks; a refusal names its field."""
        store = self.session.store
        contact = self.text("contact").strip()
        company = self.text("company").strip()
        amount = self.text("amount").strip()
        currency = self.text("currency").strip()
        close = self.text("close").strip()
        probability = self.text("probability").strip()
        return {
            "title": self.text("title"),
            "contact_id": self.check("contact", lambda: resolve_contact(store, contact))
            if contact
            else None,
            "company_id": self.check("company", lambda: companies.resolve(store, company))
            if company
            else None,
            "currency": self.check("currency", lambda: check_currency(currency))
            if currency
            else None,
            "amount": amount,
            "close": self.check("close", lambda: self.session.parse_when(close, "future").date)
            if close
            else None,
            "next_step": self.text("next"),
            "probability": self.check("probability", lambda: _probability(probability))
            if probability
            else None,
        }

    def save(self) -> DealDetail:
        values = self._values()
        if values["amount"]:
            default = values["currency"] or str(self.session.config.get("currency"))
            self.check("amount", lambda: parse_amount(values["amount"], default))
        try:
            if self.deal is None:
                return self._add(values)
            return self._edit(values)
        except Invalid as exc:
            raise FieldError(_field_of(exc.message), exc.message) from exc

    def _add(self, values: dict[str, Any]) -> DealDetail:
        stage = self.choice("stage")
        fields = DealFields(
            title=values["title"],
            contact_id=values["contact_id"],
            company_id=values["company_id"],
            amount=values["amount"] or None,
            currency=values["currency"],
            stage=None if stage is None else str(stage),
            close=values["close"],
            next_step=values["next_step"] or None,
            probability=values["probability"],
        )
        return deals.add(self.session.store, fields)

    def _edit(self, values: dict[str, Any]) -> DealDetail:
        """Send only what changed, so an untouched field never overwrites a newer value."""
        assert self.deal is not None
        start = self._initial()
        deal = self.deal
        fields = DealFields()
        if self.text("title") != start["title"]:
            fields.title = values["title"]
        if self.text("contact").strip() != start["contact"]:
            if values["contact_id"] is None:
                raise FieldError("contact", "a deal keeps its contact: give another one")
            fields.contact_id = values["contact_id"]
        if self.text("company").strip() != start["company"] and values["company_id"]:
            fields.company_id = values["company_id"]
        if self.text("amount").strip() != start["amount"]:
            fields.amount = values["amount"]
        if self.text("currency").strip() != start["currency"]:
            fields.currency = values["currency"]
        if self.text("close").strip() != start["close"]:
            fields.close = values["close"]
            fields.clear_close = values["close"] is None
        if self.text("next") != start["next"]:
            fields.next_step = values["next_step"]
        if self.text("probability").strip() != start["probability"]:
            fields.probability = values["probability"]
            fields.clear_probability = values["probability"] is None
        changed, _notes = deals.edit(self.session.store, int(deal["id"]), fields)
        return changed
